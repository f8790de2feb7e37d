import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModbusSerialTransport } from '../../drivers/modbus-serial-transport.js';
import { ModbusSlave } from '../../simulators/modbus-slave.js';
import { ModbusRtuServer } from '../../simulators/modbus-rtu-server.js';
import { LighthouseRegisters } from '../../simulators/lighthouse-registers.js';
import { systemClock } from '../../src/core/clock.js';
import { skipWithoutSocat, ptyPair } from '../helpers/pty-pair.js';

test('serial adapter unplugged and plugged back: MODBUS_DISCONNECTED, then the port is reopened by itself', { skip: skipWithoutSocat(), timeout: 30_000 }, async () => {
  const links = { a: join(tmpdir(), `fw-tty-a-${process.pid}`), b: join(tmpdir(), `fw-tty-b-${process.pid}`) };
  const lh = new LighthouseRegisters(systemClock, { channelSizesUm: [0.5], isoClass: 5, sampleTimeS: 3600, flowCfm: 1, spikeProbability: 0, seed: 1 });
  const slave = new ModbusSlave().addUnit(1, lh);
  const transport = new ModbusSerialTransport({ kind: 'rtu', path: links.a, baudRate: 19200, timeoutMs: 200 });
  let pty = await ptyPair(links);
  let server = new ModbusRtuServer(slave, { path: links.b });
  await server.start();
  try {
    assert.deepEqual(await transport.readHoldingRegisters(1, 0, 1), [150]);
    // Unplug: the pty pair disappears under the open port.
    await server.stop();
    await pty.close();
    const codes = new Set<string>();
    for (let i = 0; i < 3; i++) await transport.readHoldingRegisters(1, 0, 1).catch((e) => codes.add(e.code));
    assert.ok(codes.has('MODBUS_DISCONNECTED'), `codes seen while unplugged: ${[...codes]}`);
    // Plug back in under the same path.
    pty = await ptyPair(links);
    server = new ModbusRtuServer(slave, { path: links.b });
    await server.start();
    let value: number[] | undefined;
    for (let i = 0; i < 10 && !value; i++) value = await transport.readHoldingRegisters(1, 0, 1).catch(() => undefined);
    assert.deepEqual(value, [150], 'reads again after the replug without a restart');
  } finally {
    lh.stop();
    await transport.close();
    await server.stop();
    await pty.close();
  }
});
