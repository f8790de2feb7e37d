import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from '../../src/core/clock.js';
import { ModbusSerialTransport } from '../../drivers/modbus-serial-transport.js';
import { LighthouseCounter, FT3_IN_M3 } from '../../drivers/lighthouse.js';
import { MetOne6000Counter } from '../../drivers/metone6000.js';
import { ModbusSlave } from '../../simulators/modbus-slave.js';
import { ModbusRtuServer, rtuBitsPerChar, rtuWireTimeMs } from '../../simulators/modbus-rtu-server.js';
import { LighthouseRegisters } from '../../simulators/lighthouse-registers.js';
import { MetOneRegisters } from '../../simulators/metone-registers.js';
import { skipWithoutSocat, ptyPair, type PtyPair } from '../helpers/pty-pair.js';

const skip = skipWithoutSocat();
let pty: PtyPair;
let server: ModbusRtuServer;
let transport: ModbusSerialTransport;
const slave = new ModbusSlave();
const sizes = [0.3, 0.5, 1.0, 5.0];
const lh = new LighthouseRegisters(systemClock, { channelSizesUm: sizes, isoClass: 5, sampleTimeS: 3600, flowCfm: 1, spikeProbability: 0, seed: 1 });
const mo = new MetOneRegisters(systemClock, { channelSizesUm: sizes, isoClass: 5, sampleTimeS: 3600, flowCfm: 1, spikeProbability: 0, seed: 2, unitId: 2 });

before(async () => {
  if (skip) return;
  pty = await ptyPair();
  slave.addUnit(1, lh).addUnit(2, mo);
  server = new ModbusRtuServer(slave, { path: pty.b, baudRate: 19200 });
  await server.start();
  transport = new ModbusSerialTransport({ kind: 'rtu', path: pty.a, baudRate: 19200, timeoutMs: 300 });
});

after(async () => {
  if (skip) return;
  lh.stop();
  mo.stop();
  await transport.close();
  await server.stop();
  await pty.close();
});

test('serialport loads (optional dependency present)', { skip }, async () => {
  const mod = await import('serialport');
  assert.equal(typeof mod.SerialPort, 'function');
});

test('Lighthouse driver over Modbus RTU through a pty pair with the real ModbusSerialTransport', { skip }, async () => {
  const drv = new LighthouseCounter({ transport, unitId: 1, channelSizesUm: sizes, where: transport.where, sampleTimeS: 60, environment: { temperatureC: { table: 'input', address: 60, type: 'int16', scale: 0.01 } } });
  await drv.start();
  assert.equal(lh.running, true, 'the start command reached the counter');
  assert.equal(lh.sampleTimeS, 60, 'sample time written as a high/low word pair');
  assert.equal(await drv.poll(), null);
  lh.forcedCounts = [70_000, 65_543, 12, 0];
  lh.completeSample();
  const r = await drv.poll();
  assert.ok(r);
  assert.deepEqual(r.counts, [70_000, 65_543, 12, 0]);
  assert.ok(Math.abs(r.volumeM3 - FT3_IN_M3) < 1e-12);
  assert.ok(r.temperatureC !== undefined && Math.abs(r.temperatureC - 21) < 2, `temperature ${r.temperatureC}`);
  assert.equal(await drv.poll(), null, 'NEW DATA cleared');
  await drv.stop();
  assert.equal(lh.running, false);
});

test('Met One 6000 driver on the same line (unit 2): raw cumulative counts from the sample volume', { skip }, async () => {
  const drv = new MetOne6000Counter({ transport, unitId: 2, channelSizesUm: sizes, where: transport.where, sampleTimeS: 60 });
  await drv.start();
  assert.equal(mo.running, true);
  assert.equal(mo.holding[143], 0, 'concentration unit forced to raw counts');
  assert.equal(mo.holding[144], 0, 'count mode forced to cumulative');
  assert.equal(await drv.poll(), null, 'no record yet');
  mo.forcedCounts = [100_000, 40_000, 7, 1];
  mo.statusBits = 0b0010; // flow
  mo.completeSample();
  const r = await drv.poll();
  assert.ok(r);
  assert.deepEqual(r.counts, [100_000, 40_000, 7, 1]);
  assert.deepEqual(r.faults, ['flow']);
  assert.ok(Math.abs(r.volumeM3 - FT3_IN_M3) < 1e-5, `1 CFM x 60 s = 1 ft3, got ${r.volumeM3}`);
  assert.ok(Math.abs(r.flowCfm - 1) < 1e-3);
  assert.equal(await drv.poll(), null, 'same record timestamp = no new sample');
  await drv.stop();
});

test('RTU faults: timeout, exception, bad CRC, short frame each give a named error with the raw frame', { skip }, async () => {
  const read = () => transport.readHoldingRegisters(1, 0, 3, 200);
  slave.setFault(1, { kind: 'timeout' });
  await assert.rejects(read(), (e: any) => e.code === 'MODBUS_TIMEOUT' && /no reply within 200 ms/.test(e.message));
  slave.setFault(1, { kind: 'exception', code: 2 });
  await assert.rejects(read(), (e: any) => e.code === 'MODBUS_EXCEPTION' && e.exceptionCode === 2 && /ILLEGAL DATA ADDRESS/.test(e.message) && e.details.frame === e.frame.toString('hex').match(/../g).join(' '));
  slave.setFault(1, { kind: 'bad_crc' });
  await assert.rejects(read(), (e: any) => e.code === 'MODBUS_CRC' && e.frame.length === 11 && e.frame[0] === 1 && e.frame[1] === 3);
  slave.setFault(1, { kind: 'short_frame', bytes: 5 });
  await assert.rejects(read(), (e: any) => e.code === 'MODBUS_SHORT_FRAME' && e.frame.length === 5);
  slave.setFault(1, null);
  assert.deepEqual(await read(), [150, 0, 0], 'the line recovers: the next request is clean');
  await assert.rejects(transport.readHoldingRegisters(1, 39, 5, 200), (e: any) => e.code === 'MODBUS_EXCEPTION' && e.exceptionCode === 2, 'a real out-of-range read');
});

test('the RTU simulator answers after the exchange\'s time on the wire: request + 3.5 characters + response at the baud rate', { skip }, async () => {
  assert.equal(rtuBitsPerChar({}), 10, '8N1');
  assert.equal(rtuBitsPerChar({ parity: 'even' }), 11, '8E1');
  assert.equal(rtuBitsPerChar({ stopBits: 2 }), 11, '8N2');
  // Read 16 holding registers: an 8-byte request, a 37-byte response.
  assert.equal(rtuWireTimeMs(8, 37, { baudRate: 1200 }), (48.5 * 10 * 1000) / 1200);
  const line = await ptyPair();
  const slow = new ModbusRtuServer(slave, { path: line.b, baudRate: 1200, parity: 'even' });
  await slow.start();
  const client = new ModbusSerialTransport({ kind: 'rtu', path: line.a, baudRate: 1200, parity: 'even', timeoutMs: 3000 });
  try {
    const wire = rtuWireTimeMs(8, 37, { baudRate: 1200, parity: 'even' }); // 445 ms; a pty alone answers in ~1 ms
    const t0 = performance.now();
    assert.equal((await client.readHoldingRegisters(1, 0, 16)).length, 16);
    const took = performance.now() - t0;
    assert.ok(took >= wire - 1, `answered after ${took.toFixed(1)} ms; the wire takes ${wire.toFixed(1)} ms`);
  } finally {
    await client.close();
    await slow.stop();
    await line.close();
  }
});
