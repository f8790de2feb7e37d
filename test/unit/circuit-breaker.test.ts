import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/core/clock.js';
import { CircuitBreaker } from '../../drivers/circuit-breaker.js';
import { ModbusBus } from '../../drivers/modbus-bus.js';
import type { ModbusTransport } from '../../drivers/transports.js';

test('breaker: opens after the threshold, one probe when half-open, longer open period after a failed probe', () => {
  const clock = new ManualClock();
  const b = new CircuitBreaker(clock, { failureThreshold: 3, openMs: 1000 });
  b.failure();
  b.failure();
  assert.equal(b.state, 'closed');
  b.failure();
  assert.equal(b.state, 'open');
  assert.equal(b.tryAcquire(), false);
  clock.advance(1000);
  assert.equal(b.state, 'half_open');
  assert.equal(b.tryAcquire(), true, 'one probe');
  assert.equal(b.tryAcquire(), false, 'only one at a time');
  b.failure();
  assert.equal(b.state, 'open');
  clock.advance(1500);
  assert.equal(b.state, 'open', 'open period doubled to 2000 ms');
  clock.advance(500);
  assert.equal(b.tryAcquire(), true);
  b.success();
  assert.equal(b.state, 'closed');
  assert.equal(b.opens, 2);
});

test('ModbusDevice: per-device timeout, retries with backoff, fail-fast while open (cause kept), recovery', async () => {
  const clock = new ManualClock();
  const calls: Array<{ unit: number; timeout?: number; at: number }> = [];
  let failing = true;
  const transport: ModbusTransport = {
    readHoldingRegisters: async (unit, _a, _n, timeout) => {
      calls.push({ unit, timeout, at: clock.monotonic() });
      if (failing) throw Object.assign(new Error('no reply'), { code: 'MODBUS_TIMEOUT' });
      return [1];
    },
    readInputRegisters: async () => [],
    writeRegister: async () => undefined,
    writeRegisters: async () => undefined,
    close: async () => undefined,
  };
  const bus = new ModbusBus(transport, 'test', clock);
  const dev = bus.device(5, 'pc-5', { timeoutMs: 123, retries: 2, backoffMs: 100, breakerThreshold: 1, breakerOpenMs: 5000 });
  const p = dev.readHoldingRegisters(5, 0, 1).catch((e) => e);
  for (let i = 0; i < 10; i++) {
    await new Promise((r) => setImmediate(r));
    clock.advance(50);
  }
  const err = await p;
  assert.equal(err.code, 'MODBUS_TIMEOUT');
  assert.deepEqual(calls.map((c) => c.timeout), [123, 123, 123], 'three attempts with the device timeout');
  assert.deepEqual(calls.map((c) => c.at), [0, 100, 300], 'backoff 100 ms then 200 ms');
  const fast = await dev.readHoldingRegisters(5, 0, 1).catch((e) => e);
  assert.equal(fast.code, 'DEVICE_CIRCUIT_OPEN');
  assert.equal(fast.details.lastCode, 'MODBUS_TIMEOUT');
  assert.equal(calls.length, 3, 'nothing sent while open');
  failing = false;
  clock.advance(5000);
  assert.deepEqual(await dev.readHoldingRegisters(5, 0, 1), [1], 'the probe succeeds');
  assert.equal(dev.breaker.state, 'closed');
  bus.stop();
});
