/**
 * What fabwatch relies on in modbus-serial beyond its typed API, checked against the installed
 * package so that an upgrade fails here, loudly, instead of silently losing the raw frames in error
 * messages or mis-classifying a fault:
 *  - the exact version pinned in package.json (drivers/modbus-serial-internals.ts);
 *  - the internals `_port._client` (raw bytes) and `_port._buffer` (RTU buffer, cleared per request);
 *  - the error texts, names and fields that drivers/modbus-errors.ts classifies, produced by
 *    modbus-serial itself from scripted replies on a port given to its public constructor.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import ModbusRTU from 'modbus-serial';
import { MODBUS_SERIAL_VERSION, clearReceiveBuffer, missingInternals, tapRawBytes } from '../../drivers/modbus-serial-internals.js';
import { classifyModbusError } from '../../drivers/modbus-errors.js';
import { withCrc } from '../../simulators/modbus-crc.js';
import { ModbusSlave, type RegisterImage } from '../../simulators/modbus-slave.js';
import { ModbusTcpServer } from '../../simulators/modbus-tcp-server.js';
import { repoRoot } from '../helpers/gateway-process.js';

const require = createRequire(import.meta.url);
const Client = ModbusRTU as unknown as new (port?: unknown) => any;

test('modbus-serial is pinned to the version whose internals this code reads', () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
  assert.equal(pkg.dependencies['modbus-serial'], MODBUS_SERIAL_VERSION, 'package.json must pin the exact version');
  const installed = JSON.parse(readFileSync(join(repoRoot, 'node_modules/modbus-serial/package.json'), 'utf8')).version;
  assert.equal(installed, MODBUS_SERIAL_VERSION, 'an upgrade must re-check drivers/modbus-serial-internals.ts, then move the pin');
});

test('TCP: _port._client exists and its data events are the raw reply bytes', async () => {
  const image: RegisterImage = { readHolding: (a, n) => Array.from({ length: n }, (_, i) => a + i), readInput: () => [], writeHolding: () => undefined };
  const server = new ModbusTcpServer(new ModbusSlave().addUnit(1, image));
  const port = await server.start();
  const client = new Client();
  try {
    await client.connectTCP('127.0.0.1', { port });
    assert.deepEqual(missingInternals(client, 'tcp'), []);
    const raw: Buffer[] = [];
    tapRawBytes(client, (d) => raw.push(d));
    client.setID(1);
    client.setTimeout(1000);
    const r = await client.readHoldingRegisters(7, 2);
    const bytes = Buffer.concat(raw);
    assert.equal(bytes.length, 7 + 2 + 4, 'MBAP header + function, count, 2 registers');
    assert.deepEqual(r.data, [7, 8]);
    assert.deepEqual([...bytes.subarray(7)], [3, 4, 0, 7, 0, 8]);
  } finally {
    await new Promise((res) => client.close(res));
    await server.stop();
  }
});

test('RTU: RTUBufferedPort has _client and a _buffer that keeps a partial frame until cleared', () => {
  const RTUBufferedPort = require('modbus-serial').RTUBufferedPort;
  assert.ok(RTUBufferedPort, 'modbus-serial no longer exports RTUBufferedPort (or serialport is missing)');
  const port = new RTUBufferedPort('/dev/fabwatch-contract-none', { baudRate: 19200 });
  const client = { _port: port };
  assert.deepEqual(missingInternals(client, 'rtu'), []);
  port._client.emit('data', Buffer.from([1, 3, 4, 0])); // a short reply
  assert.equal(port._buffer.length, 4, 'the buffered port keeps bytes across transactions');
  clearReceiveBuffer(client);
  assert.equal(port._buffer.length, 0);
});

/** A port for modbus-serial's public constructor that answers each request with a scripted reply. */
class ScriptedPort extends EventEmitter {
  isOpen = false;
  constructor(private readonly reply: (req: Buffer) => Buffer | null) {
    super();
  }
  open(cb: (e: Error | null) => void) {
    this.isOpen = true;
    cb(null);
  }
  close(cb?: () => void) {
    this.isOpen = false;
    cb?.();
  }
  write(req: Buffer) {
    const r = this.reply(req);
    if (r) setImmediate(() => this.emit('data', r));
  }
}

async function failureFor(reply: (req: Buffer) => Buffer | null, open = true) {
  const client = new Client(new ScriptedPort(reply));
  if (open) await new Promise<void>((res, rej) => client.open((e: Error | null) => (e ? rej(e) : res())));
  client.setID(1);
  client.setTimeout(100);
  const err = await client.readHoldingRegisters(0, 2).then(() => assert.fail('the request should fail'), (e: unknown) => e);
  return classifyModbusError(err, { where: 'scripted', unitId: 1, op: 'read holding registers', address: 0, length: 2 }, Buffer.alloc(0), client.isOpen);
}

const good = () => withCrc(Buffer.from([1, 3, 4, 0, 1, 0, 2]));

test('error texts: modbus-serial still raises what modbus-errors.ts classifies', async () => {
  const badCrc = good();
  badCrc[badCrc.length - 1] ^= 0xff;
  assert.equal((await failureFor(() => badCrc)).code, 'MODBUS_CRC');
  assert.equal((await failureFor(() => Buffer.from([1, 3, 4]))).code, 'MODBUS_SHORT_FRAME', '"Data length error"');
  assert.equal((await failureFor(() => withCrc(Buffer.from([2, 3, 4, 0, 1, 0, 2])))).code, 'MODBUS_SHORT_FRAME', '"Unexpected data error" (another unit answered)');
  const exc = await failureFor(() => withCrc(Buffer.from([1, 0x83, 2])));
  assert.equal(exc.code, 'MODBUS_EXCEPTION');
  assert.equal(exc.exceptionCode, 2, 'err.modbusCode');
  assert.equal((await failureFor(() => null)).code, 'MODBUS_TIMEOUT', 'TransactionTimedOutError');
  assert.equal((await failureFor(good, false)).code, 'MODBUS_DISCONNECTED', 'PortNotOpenError');
});

test('control: a good reply passes through the scripted port', async () => {
  const client = new Client(new ScriptedPort(good));
  await new Promise<void>((res) => client.open(() => res()));
  client.setID(1);
  client.setTimeout(100);
  assert.deepEqual((await client.readHoldingRegisters(0, 2)).data, [1, 2]);
});
