import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { ManualClock } from '../../src/core/clock.js';
import { RobotSensors, type DeviceFault } from '../../src/acquisition/robot-sensors.js';
import { Adxl355 } from '../../drivers/adxl355.js';
import { SimI2cBus } from '../../simulators/i2c-bus-sim.js';
import { Adxl355Sim } from '../../simulators/adxl355-sim.js';
import { SimGpioLine } from '../../simulators/gpio-sim.js';
import { VibrationModel } from '../../simulators/vibration-model.js';
import type { VibrationWindow } from '../../src/acquisition/vibration-window.js';

const settle = () => new Promise((r) => setImmediate(r));
const model = () => new VibrationModel({ shaftHz: 25, imbalanceG: 0.2, misalignmentG: 0, noiseG: 0.005, defect: 'none', defectSeverityG: 0, defectGrowthPerHour: 0, resonanceHz: 500, seed: 1, bearing: { nBalls: 9, ballDiameterMm: 7.94, pitchDiameterMm: 39.04, contactAngleDeg: 0 } });

function setup(opts: { interrupt?: boolean; pollIntervalMs?: number } = {}) {
  const clock = new ManualClock();
  const bus = new SimI2cBus(1);
  const sim = new Adxl355Sim(clock, model());
  bus.attach(0x1d, sim);
  const line = new SimGpioLine('int1');
  if (opts.interrupt) sim.attachInterrupt(line, 1);
  const accel = new Adxl355({ bus, busNumber: 1, address: 0x1d, odrHz: 1000, rangeG: 2, watermark: 16, interrupt: opts.interrupt });
  const windows: VibrationWindow[] = [];
  const faults: Array<DeviceFault | null> = [];
  const s = new RobotSensors({
    robotId: 'r1', accel, accelName: 'r1/accelerometer', odrHz: 1000, pollIntervalMs: opts.pollIntervalMs ?? 10, windowSize: 256, clock, log: pino({ level: 'silent' }),
    interrupt: opts.interrupt ? line : undefined,
    retryMinMs: 100, retryMaxMs: 400,
    events: { onWindow: (w) => windows.push({ ...w, x: w.x.slice() }), onTemperature: () => undefined, onFault: (_id, f) => faults.push(f) },
  });
  return { clock, bus, sim, s, windows, faults, line };
}

async function run(clock: ManualClock, ms: number, step = 5): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    clock.advance(step);
    await settle();
  }
}

test('ADXL355 acquisition sustains the ODR, measured from sample counts and the clock', async () => {
  const { clock, s, windows } = setup();
  await s.start();
  await run(clock, 3000);
  assert.equal(s.stats.samplesLost, 0);
  assert.ok(Math.abs(s.stats.measuredRateHz - 1000) < 20, `measured ${s.stats.measuredRateHz} Hz`);
  assert.ok(windows.length >= 10);
  await s.stop();
});

test('watermark interrupt drains the FIFO; a poll period too slow for the FIFO alone would overrun', async () => {
  // 32 samples at 1000 Hz fill in 32 ms; polling every 100 ms alone loses samples.
  const slow = setup({ pollIntervalMs: 100 });
  await slow.s.start();
  await run(slow.clock, 1000);
  assert.ok(slow.s.stats.samplesLost > 300, `polling only: lost ${slow.s.stats.samplesLost}`);
  await slow.s.stop();

  const irq = setup({ pollIntervalMs: 100, interrupt: true });
  await irq.s.start();
  await run(irq.clock, 1000, 1);
  assert.equal(irq.s.stats.mode, 'interrupt');
  assert.ok(irq.s.stats.interrupts > 50, `interrupts ${irq.s.stats.interrupts}`);
  assert.equal(irq.s.stats.samplesLost, 0);
  assert.ok(irq.s.stats.samplesAcquired > 950);
  await irq.s.stop();
});

test('interrupt line that cannot be opened: falls back to polling', async () => {
  const x = setup({ interrupt: true });
  x.line.fault = 'ENOENT';
  await x.s.start();
  assert.equal(x.s.stats.mode, 'polling');
  await run(x.clock, 500);
  assert.equal(x.s.stats.samplesLost, 0);
  assert.ok(x.s.stats.samplesAcquired > 450);
  await x.s.stop();
});

test('unplugged (NACK) and plugged back: faulted with I2C_NACK, re-initialised by itself, gap counted', async () => {
  const { clock, bus, sim, s, faults } = setup();
  await s.start();
  await run(clock, 500);
  bus.detach(0x1d);
  await run(clock, 1000);
  assert.equal(s.faults[0]?.code, 'I2C_NACK');
  // A replugged part powers up in standby with default registers.
  const fresh = new Adxl355Sim(clock, model());
  bus.attach(0x1d, fresh);
  void sim;
  await run(clock, 1000);
  assert.deepEqual(s.faults, []);
  assert.deepEqual(faults.map((f) => f?.code ?? null), ['I2C_NACK', null]);
  const before = s.stats.samplesAcquired;
  await run(clock, 500);
  assert.ok(s.stats.samplesAcquired - before > 450, 'acquiring again');
  await s.stop();
});

test('stuck output is a SENSOR_STUCK fault; windows stop; recovers when the signal moves again', async () => {
  const { clock, sim, s, windows, faults } = setup();
  await s.start();
  await run(clock, 500);
  sim.stuck = true;
  await run(clock, 3000);
  assert.equal(s.faults[0]?.code, 'SENSOR_STUCK');
  const frozen = windows.length;
  await run(clock, 1000);
  assert.equal(windows.length, frozen, 'no windows from a frozen sensor');
  sim.stuck = false;
  await run(clock, 1000);
  assert.deepEqual(s.faults, []);
  assert.deepEqual(faults.map((f) => f?.code ?? null), ['SENSOR_STUCK', null]);
  await s.stop();
});
