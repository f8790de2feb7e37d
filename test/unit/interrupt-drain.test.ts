import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { ManualClock } from '../../src/core/clock.js';
import { RobotSensors } from '../../src/acquisition/robot-sensors.js';
import type { VibrationWindow } from '../../src/acquisition/vibration-window.js';
import { SimI2cBus } from '../../simulators/i2c-bus-sim.js';
import { Adxl345Sim } from '../../simulators/adxl345-sim.js';
import { Adxl355Sim } from '../../simulators/adxl355-sim.js';
import { SimGpioLine } from '../../simulators/gpio-sim.js';
import { VibrationModel } from '../../simulators/vibration-model.js';
import { SerializedI2cBus } from '../../drivers/serialized-i2c-bus.js';
import { ADXL345, Adxl345 } from '../../drivers/adxl345.js';
import { Adxl355 } from '../../drivers/adxl355.js';
import { runClock, whileAdvancing } from '../helpers/clock-drive.js';

const model = () => new VibrationModel({ shaftHz: 25, imbalanceG: 0.2, misalignmentG: 0, noiseG: 0.005, defect: 'none', defectSeverityG: 0, defectGrowthPerHour: 0, resonanceHz: 500, seed: 3, bearing: { nBalls: 9, ballDiameterMm: 7.94, pitchDiameterMm: 39.04, contactAngleDeg: 0 } });

type Part = 'adxl345' | 'adxl355';
const ODR: Record<Part, number> = { adxl345: 1600, adxl355: 4000 };
/** 4000 Hz x 9 bytes needs about 90 % of a 400 kHz bus (src/config/bus-budget.ts): the ADXL355 gets 1 MHz. */
const SPEED: Record<Part, number> = { adxl345: 400_000, adxl355: 1_000_000 };
/**
 * Clock step: the simulated gateway's 5 ms for the ADXL345 (FIFO 20 ms); 1 ms for the ADXL355 at
 * 4000 Hz, whose 8 ms FIFO is too short for a 5 ms step (simulators/i2c-bus-sim.ts).
 */
const STEP: Record<Part, number> = { adxl345: 5, adxl355: 1 };

/**
 * One sensor on a timed simulated bus (SPEED, behind the serialising wrapper as in the gateway),
 * its INT1 on a simulated GPIO line, the clock stepped 5 ms at a time like the simulated gateway's.
 * The poll period (100 ms) is far too slow for the 32-sample FIFO on its own (20 ms at 1600 Hz,
 * 8 ms at 4000 Hz): only drains on the interrupt can keep every sample.
 */
async function setup(part: Part, opts: { interrupt: boolean; lineFault?: string; pollIntervalMs?: number }) {
  const clock = new ManualClock();
  const sim = new SimI2cBus(1, { clock, speedHz: SPEED[part] });
  const bus = new SerializedI2cBus(sim);
  const device = part === 'adxl355' ? new Adxl355Sim(clock, model()) : new Adxl345Sim(clock, model());
  sim.attach(0x1d, device);
  const line = new SimGpioLine('int1');
  if (opts.lineFault) line.fault = opts.lineFault;
  if (opts.interrupt) device.attachInterrupt(line, 1);
  const odrHz = ODR[part];
  const common = { bus, busNumber: 1, address: 0x1d, odrHz, watermark: 16, interrupt: opts.interrupt };
  const accel = part === 'adxl355' ? new Adxl355({ ...common, rangeG: 8 }) : new Adxl345({ ...common, rangeG: 16 });
  const windows: VibrationWindow[] = [];
  const s = new RobotSensors({
    robotId: 'r1', accel, accelName: 'r1/accelerometer', odrHz, pollIntervalMs: opts.pollIntervalMs ?? 100, windowSize: 1024, clock, log: pino({ level: 'silent' }),
    interrupt: opts.interrupt ? line : undefined,
    events: { onWindow: (w) => windows.push({ ...w }), onTemperature: () => undefined, onFault: () => undefined },
  });
  await whileAdvancing(clock, s.start());
  return { clock, sim, s, line, windows, odrHz };
}

for (const part of ['adxl345', 'adxl355'] as const) {
  test(`${part}: watermark interrupt drains on a timed bus keep every sample; polling alone at the same period loses them`, async () => {
    const irq = await setup(part, { interrupt: true });
    assert.equal(irq.s.stats.mode, 'interrupt');
    const acquired0 = irq.s.stats.samplesAcquired;
    await runClock(irq.clock, 3000, STEP[part]);
    const acquired = irq.s.stats.samplesAcquired - acquired0;
    assert.equal(irq.s.stats.samplesLost, 0);
    // Every sample produced in 3 s arrived (up to the watermark's worth still in the FIFO).
    assert.ok(acquired >= 3 * irq.odrHz - 32 && acquired <= 3 * irq.odrHz + 32, `acquired ${acquired} of ${3 * irq.odrHz}`);
    // Drains on the edges, counted: enough of them to move every sample through a 32-deep FIFO, ten
    // times what the poll timer (30 in 3 s) could do. (A drain reads 16-32 samples: the FIFO keeps
    // filling while it is read, and the simulated part raises its line at 1 ms checks.)
    assert.ok(irq.s.stats.interrupts >= acquired / 32 && irq.s.stats.interrupts >= 300 * (irq.odrHz / 1600) * 0.5, `interrupts ${irq.s.stats.interrupts} for ${acquired} samples`);
    assert.ok(irq.windows.length >= 4 && irq.windows.every((w) => w.lostBefore === 0), 'contiguous windows');
    assert.ok(irq.sim.busyMs > 0, 'the transfers took bus time');
    irq.sim.release();
    await irq.s.stop();

    // Control: the same sensor polled every 100 ms overruns its FIFO.
    const polled = await setup(part, { interrupt: false });
    assert.equal(polled.s.stats.mode, 'polling');
    await runClock(polled.clock, 1000, STEP[part]);
    assert.ok(polled.s.stats.samplesLost > 0.5 * polled.odrHz, `polling only: lost ${polled.s.stats.samplesLost}`);
    polled.sim.release();
    await polled.s.stop();
  });

  test(`${part}: an interrupt line that cannot be opened falls back to polling, which keeps up at 10 ms`, async () => {
    const x = await setup(part, { interrupt: true, lineFault: 'ENOENT', pollIntervalMs: part === 'adxl355' ? 5 : 10 });
    assert.equal(x.s.stats.mode, 'polling');
    await runClock(x.clock, 2000, STEP[part]);
    assert.equal(x.s.stats.interrupts, 0);
    assert.equal(x.s.stats.samplesLost, 0);
    assert.ok(x.s.stats.samplesAcquired >= 2 * x.odrHz - 64, `acquired ${x.s.stats.samplesAcquired}`);
    x.sim.release();
    await x.s.stop();
  });
}

test('ADXL345 with an interrupt line: INT_MAP routes WATERMARK and OVERRUN to INT1 (active high); the simulated pin follows the FIFO level', async () => {
  const clock = new ManualClock();
  const bus = new SimI2cBus(1);
  const sim = new Adxl345Sim(clock, model());
  bus.attach(0x53, sim);
  const line = new SimGpioLine('int1');
  sim.attachInterrupt(line, 1);
  bus.writeByte(0x53, ADXL345.INT_MAP, 0xff); // everything on INT2 before init
  const accel = new Adxl345({ bus, busNumber: 1, address: 0x53, odrHz: 800, rangeG: 16, watermark: 8, interrupt: true });
  await accel.init();
  assert.equal(await bus.readByte(0x53, ADXL345.INT_MAP), 0);
  assert.equal(await bus.readByte(0x53, ADXL345.INT_ENABLE), ADXL345.INT_WATERMARK | ADXL345.INT_OVERRUN);
  assert.equal(await bus.readByte(0x53, ADXL345.DATA_FORMAT) & 0x20, 0, 'INT_INVERT clear: active high');
  clock.advance(5); // 4 samples at 800 Hz: under the watermark
  assert.equal(line.level, 0);
  clock.advance(6); // 8 samples
  assert.equal(line.level, 1);
  await accel.drain();
  assert.equal(line.level, 0, 'the drain took the FIFO below the watermark');
  // Watermark mapped to INT2: INT1 stays low.
  await bus.writeByte(0x53, ADXL345.INT_MAP, ADXL345.INT_WATERMARK | ADXL345.INT_OVERRUN);
  clock.advance(20);
  assert.equal(line.level, 0);
  sim.detachInterrupt();
});
