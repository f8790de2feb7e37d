import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/core/clock.js';
import { SimI2cBus, type SimI2cDevice } from '../../simulators/i2c-bus-sim.js';
import { SerializedI2cBus } from '../../drivers/serialized-i2c-bus.js';
import { NACK_BITS, bitsToMs, readBits, writeBits } from '../../drivers/i2c-timing.js';
import { Adxl345 } from '../../drivers/adxl345.js';
import { Adxl345Sim } from '../../simulators/adxl345-sim.js';
import { VibrationModel } from '../../simulators/vibration-model.js';

const settle = () => new Promise((r) => setImmediate(r));
const register = (): SimI2cDevice => ({ readRegister: (r) => r, writeRegister: () => undefined });
const model = () => new VibrationModel({ shaftHz: 25, imbalanceG: 0.2, misalignmentG: 0, noiseG: 0.005, defect: 'none', defectSeverityG: 0, defectGrowthPerHour: 0, resonanceHz: 500, seed: 1, bearing: { nBalls: 9, ballDiameterMm: 7.94, pitchDiameterMm: 39.04, contactAngleDeg: 0 } });

/** Resolves-or-not of a promise after the pending microtasks and one event-loop turn. */
async function isDone(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true), () => (done = true));
  await settle();
  return done;
}

test('bit times: register read = S + addr + reg + Sr + addr + 9 per data byte + P; write = S + addr + reg + data + P', () => {
  assert.equal(readBits(1), 39);
  assert.equal(readBits(6), 84);
  assert.equal(writeBits(1), 29);
  assert.equal(NACK_BITS, 11);
  assert.equal(bitsToMs(readBits(1), 400_000), 0.0975);
  assert.equal(bitsToMs(readBits(6), 100_000), 0.84);
});

test('a transfer completes only when the clock has passed its time on the wire at the bus speed', async () => {
  for (const speedHz of [100_000, 400_000, 1_000_000]) {
    const clock = new ManualClock();
    const bus = new SimI2cBus(1, { clock, speedHz });
    bus.attach(0x53, register());
    const ms = bitsToMs(readBits(6), speedHz);
    const p = bus.readI2cBlock(0x53, 0x32, 6, Buffer.alloc(6));
    assert.equal(await isDone(p), false, 'not before any time passed');
    clock.advance(ms * 0.99);
    assert.equal(await isDone(p), false, `${speedHz} Hz: not at 99 % of ${ms} ms`);
    clock.advance(ms * 0.01 + 1e-9);
    assert.equal(await isDone(p), true, `${speedHz} Hz: done at ${ms} ms`);
    assert.ok(Math.abs(bus.busyMs - ms) < 1e-9);
    assert.equal(bus.transfers, 1);
  }
});

test('two devices on one bus: concurrent transfers serialise on the wire; a NACK takes the address byte only', async () => {
  const clock = new ManualClock();
  const bus = new SimI2cBus(1, { clock, speedHz: 100_000 });
  bus.attach(0x53, register());
  bus.attach(0x1d, register());
  const one = bitsToMs(readBits(1), 100_000); // 0.39 ms
  const a = bus.readByte(0x53, 1);
  const b = bus.readByte(0x1d, 2);
  const nack = bus.readByte(0x42, 3).catch((e: { code: string }) => e.code);
  clock.advance(one);
  assert.equal(await isDone(a), true);
  assert.equal(await isDone(b), false, 'the second transfer waits for the first to leave the wire');
  clock.advance(one);
  assert.equal(await isDone(b), true);
  assert.equal(await isDone(nack), false);
  clock.advance(bitsToMs(NACK_BITS, 100_000));
  assert.equal(await nack, 'EREMOTEIO');
  assert.ok(Math.abs(bus.busyMs - (2 * one + bitsToMs(NACK_BITS, 100_000))) < 1e-9);
});

test('without timing the bus answers at once (driver unit tests); release() ends the waiting when the clock stops', async () => {
  const instant = new SimI2cBus(1);
  instant.attach(0x53, register());
  assert.equal(await isDone(instant.readByte(0x53, 7)), true);
  assert.equal(instant.busyMs, 0);

  const clock = new ManualClock();
  const bus = new SimI2cBus(1, { clock, speedHz: 400_000 });
  bus.attach(0x53, register());
  const p = bus.readByte(0x53, 7);
  assert.equal(await isDone(p), false);
  bus.release();
  assert.equal(await p, 7);
  assert.equal(await isDone(bus.readByte(0x53, 8)), true, 'after release, transfers no longer wait');
});

test('a FIFO drain of many transfers runs back to back within one clock step, each on the bus timeline', async () => {
  // ADXL345 at 1600 Hz on a 400 kHz bus, behind the serialising wrapper as in the gateway.
  const clock = new ManualClock();
  const sim = new SimI2cBus(1, { clock, speedHz: 400_000 });
  sim.attach(0x53, new Adxl345Sim(clock, model()));
  const accel = new Adxl345({ bus: new SerializedI2cBus(sim), busNumber: 1, address: 0x53, odrHz: 1600, rangeG: 16 });
  const init = accel.init();
  for (let i = 0; i < 20 && !(await isDone(init)); i++) clock.advance(1);
  await init;
  await settle(); // a new event-loop turn, as between the gateway's clock steps
  const before = sim.busyMs;
  const transfersBefore = sim.transfers;
  clock.advance(10); // 16 samples due
  const requestedAt = clock.monotonic();
  const drain = accel.drain();
  // The first transfer was requested after the step: it ends one transfer time later.
  assert.equal(await isDone(drain), false);
  let steps = 0;
  while (!(await isDone(drain))) {
    clock.advance(5);
    steps++;
  }
  const block = await drain;
  // FIFO_STATUS is read when its transfer completes (more samples by then): one 6-byte burst per entry.
  assert.ok(block.count >= 16 && block.count <= 32, `count ${block.count}`);
  assert.equal(sim.transfers - transfersBefore, 2 + block.count, 'INT_SOURCE + FIFO_STATUS + one burst per entry');
  const busy = sim.busyMs - before;
  const expected = bitsToMs(2 * readBits(1) + block.count * readBits(6), 400_000);
  assert.ok(Math.abs(busy - expected) < 1e-9, `busy ${busy} ms, expected ${expected} ms`);
  assert.ok(clock.monotonic() >= requestedAt + expected, 'the drain did not finish before its bus time had passed');
  assert.ok(steps <= 2, `a ${expected.toFixed(2)} ms drain took ${steps} clock steps of 5 ms (not one step per transfer)`);
});

test('the serialising wrapper starts a transfer on an idle bus at once, queues the next, and adds up the transfers\' time (hardware busy time)', async () => {
  const clock = new ManualClock();
  const log: string[] = [];
  const pending: Array<() => void> = [];
  const inner = {
    readByte: (address: number, register: number) => {
      log.push(`start ${register}`);
      return new Promise<number>((resolve) => pending.push(() => resolve(register)));
    },
  } as unknown as ConstructorParameters<typeof SerializedI2cBus>[0];
  const bus = new SerializedI2cBus(inner, () => clock.monotonic());
  const a = bus.readByte(0x53, 1);
  const b = bus.readByte(0x53, 2);
  assert.deepEqual(log, ['start 1'], 'the first transfer started in the caller\'s turn; the second waits');
  clock.advance(0.3);
  pending.shift()!();
  assert.equal(await a, 1);
  await settle();
  assert.deepEqual(log, ['start 1', 'start 2']);
  clock.advance(0.2);
  pending.shift()!();
  assert.equal(await b, 2);
  assert.ok(Math.abs(bus.busyMs - 0.5) < 1e-9, `busy ${bus.busyMs} ms`);
  // Idle again: the next transfer starts at once.
  void bus.readByte(0x53, 3);
  assert.deepEqual(log, ['start 1', 'start 2', 'start 3']);
});
