import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { systemClock, ManualClock } from '../../src/core/clock.js';
import { ModbusSerialTransport } from '../../drivers/modbus-serial-transport.js';
import { ModbusBus } from '../../drivers/modbus-bus.js';
import { MetOne6000Counter } from '../../drivers/metone6000.js';
import { LighthouseCounter } from '../../drivers/lighthouse.js';
import { CounterPoller } from '../../src/cleanroom/counter-poller.js';
import type { DeviceFault } from '../../src/core/device-fault.js';
import { ModbusSlave } from '../../simulators/modbus-slave.js';
import { ModbusTcpServer } from '../../simulators/modbus-tcp-server.js';
import { MetOneRegisters, METONE_SIM_ENV } from '../../simulators/metone-registers.js';
import { LighthouseRegisters } from '../../simulators/lighthouse-registers.js';

const log = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(10);
  }
}

test('Met One 6000 over Modbus TCP: low-word-first pairs, environment registers, both maps behind one server', async () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 26, 12));
  const sizes = [0.3, 0.5, 5.0];
  const mo = new MetOneRegisters(clock, { channelSizesUm: sizes, isoClass: 4, sampleTimeS: 60, flowCfm: 1, spikeProbability: 0, seed: 3, wordOrder: 'low_first' });
  const lh = new LighthouseRegisters(clock, { channelSizesUm: sizes, isoClass: 4, sampleTimeS: 60, flowCfm: 1, spikeProbability: 0, seed: 4 });
  const server = new ModbusTcpServer(new ModbusSlave().addUnit(1, mo).addUnit(2, lh));
  const port = await server.start();
  const transport = new ModbusSerialTransport({ kind: 'tcp', host: '127.0.0.1', port, timeoutMs: 500 });
  try {
    const drv = new MetOne6000Counter({ transport, unitId: 1, channelSizesUm: sizes, where: transport.where, wordOrder: 'low_first', environment: { temperatureC: { table: 'holding', address: METONE_SIM_ENV.temperature, type: 'int16', scale: 0.1 }, dpPa: { table: 'holding', address: METONE_SIM_ENV.dp, type: 'int16', scale: 0.1 } } });
    await drv.start();
    mo.forcedCounts = [200_000, 70_000, 3];
    clock.advance(60_000);
    const r = await drv.poll();
    assert.ok(r);
    assert.deepEqual(r.counts, [200_000, 70_000, 3], 'uint32 decoded low word first');
    assert.equal(r.ts, Date.UTC(2026, 10, 26, 12, 1));
    assert.ok(Math.abs(r.concentrationPerM3[0] - 200_000 / r.volumeM3) < 1e-6);
    assert.ok(r.temperatureC! > 19 && r.temperatureC! < 23 && r.dpPa! > 9 && r.dpPa! < 15, `T ${r.temperatureC} dP ${r.dpPa}`);
    const wrong = new MetOne6000Counter({ transport, unitId: 1, channelSizesUm: sizes, where: transport.where, wordOrder: 'high_first' });
    mo.forcedCounts = [200_000, 70_000, 3];
    clock.advance(60_000);
    const w = await wrong.poll();
    assert.notDeepEqual(w?.counts, [200_000, 70_000, 3], 'the wrong word order gives other numbers (the setting matters)');
    const l = new LighthouseCounter({ transport, unitId: 2, channelSizesUm: sizes, where: transport.where });
    await l.start();
    clock.advance(60_000);
    assert.equal((await l.poll())?.counts.length, 3);
  } finally {
    mo.stop();
    lh.stop();
    await transport.close();
    await server.stop();
  }
});

test('TCP faults: exception, short frame, timeout, disconnect; the poller marks the counter faulted and recovers by itself', async () => {
  const sizes = [0.5, 5.0];
  const lh = new LighthouseRegisters(systemClock, { channelSizesUm: sizes, isoClass: 4, sampleTimeS: 3600, flowCfm: 1, spikeProbability: 0, seed: 5 });
  const slave = new ModbusSlave().addUnit(1, lh);
  const server = new ModbusTcpServer(slave);
  const port = await server.start();
  const transport = new ModbusSerialTransport({ kind: 'tcp', host: '127.0.0.1', port, timeoutMs: 150 });
  const bus = new ModbusBus(transport, transport.where, systemClock);
  const dev = bus.device(1, 'pc-1', { timeoutMs: 150, retries: 1, backoffMs: 20, breakerThreshold: 3, breakerOpenMs: 200 });
  const faults: Array<DeviceFault | null> = [];
  const poller = new CounterPoller({ counterId: 'pc-1', driver: new LighthouseCounter({ transport: dev, unitId: 1, channelSizesUm: sizes, where: transport.where }), pollIntervalMs: 50, clock: systemClock, log, onReading: () => undefined, onFault: (f) => faults.push(f), slot: dev });
  try {
    await poller.start();
    assert.equal(poller.currentFault, null);
    const scenarios: Array<[string, () => void, () => void]> = [
      ['MODBUS_EXCEPTION', () => slave.setFault(1, { kind: 'exception', code: 4 }), () => slave.setFault(1, null)],
      ['MODBUS_SHORT_FRAME', () => slave.setFault(1, { kind: 'short_frame', bytes: 9 }), () => slave.setFault(1, null)],
      ['MODBUS_TIMEOUT', () => slave.setFault(1, { kind: 'timeout' }), () => slave.setFault(1, null)],
      ['MODBUS_DISCONNECTED', () => server.disconnect(), () => server.reconnect()],
    ];
    for (const [code, inject, heal] of scenarios) {
      inject();
      await until(() => poller.currentFault?.code === code).catch((e) => {
        throw new Error(`${code}: ${e.message}; faults ${JSON.stringify(faults)}; breaker ${dev.breaker.state}`);
      });
      const fault: DeviceFault = poller.currentFault!;
      assert.equal(fault.device, 'pc-1');
      heal();
      await until(() => poller.currentFault === null, 8000).catch((e) => {
        throw new Error(`recovery from ${code}: ${e.message}; faults ${JSON.stringify(faults)}; breaker ${dev.breaker.state}`);
      });
      assert.equal(faults.at(-1), null, `recovered from ${code}`);
    }
    assert.deepEqual(faults.map((f) => f?.code ?? null), ['MODBUS_EXCEPTION', null, 'MODBUS_SHORT_FRAME', null, 'MODBUS_TIMEOUT', null, 'MODBUS_DISCONNECTED', null]);
    assert.ok(lh.running, 'the counter was re-started after it came back');
  } finally {
    await poller.stop();
    bus.stop();
    lh.stop();
    await transport.close();
    await server.stop();
  }
});

test('counter status bits and a stuck counter become device faults, and clear', async () => {
  const clock = new ManualClock();
  const sizes = [0.5];
  const lh = new LighthouseRegisters(clock, { channelSizesUm: sizes, isoClass: 4, sampleTimeS: 10, flowCfm: 1, spikeProbability: 0, seed: 6 });
  const transport = {
    readHoldingRegisters: async (_u: number, a: number, n: number) => lh.readHolding(a, n),
    readInputRegisters: async (_u: number, a: number, n: number) => lh.readInput(a, n),
    writeRegister: async (_u: number, a: number, v: number) => lh.writeHolding(a, v),
    writeRegisters: async (_u: number, a: number, vs: number[]) => vs.forEach((v, i) => lh.writeHolding(a + i, v)),
    close: async () => undefined,
  };
  const faults: Array<DeviceFault | null> = [];
  const poller = new CounterPoller({ counterId: 'pc-2', driver: new LighthouseCounter({ transport, unitId: 1, channelSizesUm: sizes, where: 'test' }), pollIntervalMs: 5000, clock, log, onReading: () => undefined, onFault: (f) => faults.push(f), staleAfterMs: 30_000 });
  await poller.start();
  const step = async (ms: number) => {
    for (let t = 0; t < ms; t += 5000) {
      clock.advance(5000);
      await sleep(0);
    }
  };
  lh.faultBits = 0b0001; // laser
  await step(15_000);
  assert.equal(poller.currentFault?.code, 'COUNTER_STATUS');
  assert.match(poller.currentFault!.message, /laser/);
  lh.faultBits = 0;
  await step(10_000);
  assert.equal(poller.currentFault, null);
  lh.stuck = true;
  await step(40_000);
  assert.equal((poller.currentFault as DeviceFault | null)?.code, 'COUNTER_STALE');
  lh.stuck = false;
  await step(10_000);
  assert.equal(poller.currentFault, null);
  assert.deepEqual(faults.map((f) => f?.code ?? null), ['COUNTER_STATUS', null, 'COUNTER_STALE', null]);
  await poller.stop();
});
