import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/core/clock.js';
import { Adxl355, ADXL355, decode20, adxl355OdrCode } from '../../drivers/adxl355.js';
import { checkAccelSettings } from '../../drivers/accelerometer.js';
import { SimI2cBus } from '../../simulators/i2c-bus-sim.js';
import { Adxl355Sim } from '../../simulators/adxl355-sim.js';
import { VibrationModel } from '../../simulators/vibration-model.js';
import type { VibrationSimulatorConfig } from '../../src/config/types.js';

const model = (over: Partial<VibrationSimulatorConfig> = {}) =>
  new VibrationModel({ shaftHz: 25, imbalanceG: 0.5, misalignmentG: 0, noiseG: 0, defect: 'none', defectSeverityG: 0, defectGrowthPerHour: 0, resonanceHz: 500, seed: 1, bearing: { nBalls: 9, ballDiameterMm: 7.94, pitchDiameterMm: 39.04, contactAngleDeg: 0 }, ...over });

function setup(odrHz = 1000, rangeG = 2, over: Partial<ConstructorParameters<typeof Adxl355>[0]> = {}) {
  const clock = new ManualClock();
  const bus = new SimI2cBus(1);
  const sim = new Adxl355Sim(clock, model());
  bus.attach(0x1d, sim);
  const drv = new Adxl355({ bus, busNumber: 1, address: 0x1d, odrHz, rangeG, ...over });
  return { clock, bus, sim, drv };
}

test('decode20: 20-bit left-justified big-endian two\'s complement', () => {
  assert.equal(decode20(0x00, 0x00, 0x10), 1);
  assert.equal(decode20(0x7f, 0xff, 0xf0), (1 << 19) - 1);
  assert.equal(decode20(0x80, 0x00, 0x00), -(1 << 19));
  assert.equal(decode20(0xff, 0xff, 0xf0), -1);
  assert.equal(decode20(0xff, 0xff, 0xf3), -1, 'marker bits (low nibble) are not data');
  assert.equal(decode20(0x03, 0xe8, 0x00), 0x3e80);
});

test('ODR codes halve from 4000 Hz; part-aware validation names the supported values', () => {
  assert.equal(adxl355OdrCode(4000), 0);
  assert.equal(adxl355OdrCode(1000), 2);
  assert.equal(adxl355OdrCode(3.90625), 10);
  assert.throws(() => adxl355OdrCode(3200), /no output data rate of 3200 Hz/);
  assert.deepEqual(checkAccelSettings('adxl355', 1000, 2), []);
  const bad = checkAccelSettings('adxl355', 3200, 16);
  assert.deepEqual(bad.map((i) => i.field), ['odrHz', 'rangeG']);
  assert.match(bad[0].message, /ADXL355 has no output data rate of 3200 Hz; it supports 4000, 2000, 1000/);
  assert.deepEqual(checkAccelSettings('adxl345', 3200, 16), []);
  assert.equal(checkAccelSettings('adxl345', 4000, 2).length, 1);
});

test('identity check: PARTID mismatch names bus, address, register, expected and read values', async () => {
  const { bus, drv } = setup();
  const regs: Record<number, number> = { 0: 0xad, 1: 0x1d, 2: 0xe5 };
  bus.attach(0x1d, { readRegister: (r) => regs[r] ?? 0, writeRegister: () => undefined });
  await assert.rejects(drv.init(), (err: any) => {
    assert.equal(err.code, 'DEVICE_ID_MISMATCH');
    assert.match(err.message, /no ADXL355 on \/dev\/i2c-1 address 0x1d: PARTID expected 0xed, read 0xe5/);
    assert.equal(err.details.read, 0xe5);
    return true;
  });
});

test('configures ODR, range, high-pass, watermark and INT_MAP in standby, then measures', async () => {
  const { bus, drv } = setup(500, 4, { highPassCode: 3, watermark: 10, interrupt: true });
  await drv.init();
  assert.equal(await bus.readByte(0x1d, ADXL355.FILTER), (3 << 4) | 3);
  assert.equal(await bus.readByte(0x1d, ADXL355.RANGE), 0b10 | ADXL355.RANGE_INT_POL_HIGH, '+-4 g, INT1 active high, fast-mode I2C');
  assert.equal(await bus.readByte(0x1d, ADXL355.FIFO_SAMPLES), 30);
  assert.equal(await bus.readByte(0x1d, ADXL355.INT_MAP), ADXL355.INT_FULL_EN1 | ADXL355.INT_OVR_EN1);
  assert.equal(await bus.readByte(0x1d, ADXL355.POWER_CTL), 0);
});

test('drains the FIFO at the configured ODR and decodes samples in g (range-dependent scale)', async () => {
  for (const rangeG of [2, 8]) {
    const { clock, drv, sim } = setup(1000, rangeG);
    await drv.init();
    clock.advance(20); // 20 samples at 1000 Hz = 60 axis entries
    assert.equal(sim.entries, 60);
    const block = await drv.drain();
    assert.equal(block.count, 20);
    assert.equal(block.overrun, false);
    for (let i = 0; i < block.count; i++) {
      assert.ok(Math.abs(block.z[i] - 1) < 1e-3, `z ~ 1 g at +-${rangeG} g, got ${block.z[i]}`);
      assert.ok(Math.abs(Math.hypot(block.x[i], block.y[i]) - 0.5) < 1e-3, `imbalance vector magnitude 0.5 g, sample ${i}: ${Math.hypot(block.x[i], block.y[i])}`);
    }
  }
});

test('bursts are split to the SMBus 32-byte block limit and leave an incomplete set in the FIFO', async () => {
  const { clock, drv, bus, sim } = setup(1000);
  const sizes: number[] = [];
  const read = bus.readI2cBlock.bind(bus);
  bus.readI2cBlock = async (a, r, n, b) => (sizes.push(n), read(a, r, n, b));
  await drv.init();
  clock.advance(32); // a full FIFO: 96 entries
  const block = await drv.drain();
  assert.equal(block.count, 32);
  assert.ok(sizes.every((n) => n <= 32 && n % 3 === 0), `block sizes ${sizes}`);
  assert.equal(sim.entries, 0);
});

test('X marker re-aligns the axes after lost entries; the gap is reported, not stitched', async () => {
  const { clock, drv, sim } = setup(1000);
  await drv.init();
  clock.advance(10); // 10 samples
  sim.dropEntries(1); // the X of the first sample is gone: Y Z X Y Z ...
  const block = await drv.drain();
  assert.equal(block.count, 9, 'the set without its X is discarded');
  assert.equal(block.overrun, true);
  assert.equal(block.discarded, 1);
  assert.equal(drv.misalignedEntries, 2);
  for (let i = 0; i < block.count; i++) assert.ok(Math.abs(block.z[i] - 1) < 1e-3, 'Z stays Z after re-alignment');
  clock.advance(5);
  const next = await drv.drain();
  assert.equal(next.count, 5);
  assert.equal(next.overrun, false);
});

test('FIFO overrun: oldest entries lost, FIFO_OVR reported once, never silently stitched', async () => {
  const { clock, drv, sim } = setup(1000);
  await drv.init();
  clock.advance(100); // 100 samples due, the FIFO holds 32
  const block = await drv.drain();
  assert.equal(block.count, 32);
  assert.equal(block.overrun, true);
  assert.ok(sim.overwrittenEntries >= 3 * 60);
  clock.advance(10);
  const next = await drv.drain();
  assert.equal(next.overrun, false, 'FIFO_OVR is cleared once reported');
  assert.equal(next.count, 10);
});

test('I2C faults carry named codes: NACK, EIO, timeout', async () => {
  for (const [fault, code] of [['nack', 'I2C_NACK'], ['eio', 'I2C_EIO'], ['timeout', 'I2C_TIMEOUT']] as const) {
    const { bus, drv } = setup();
    await drv.init();
    bus.setFault(0x1d, fault);
    await assert.rejects(drv.drain(), (err: any) => err.code === code && err.details.address === 0x1d && err.details.bus === 1);
  }
});

test('the simulated part low-pass filters at ODR/4 before decimation: a 900 Hz tone does not alias at ODR 1000 Hz', async () => {
  const clock = new ManualClock();
  const bus = new SimI2cBus(1);
  bus.attach(0x1d, new Adxl355Sim(clock, model({ shaftHz: 900, imbalanceG: 0.5 })));
  const drv = new Adxl355({ bus, busNumber: 1, address: 0x1d, odrHz: 1000, rangeG: 2 });
  await drv.init();
  let sum = 0;
  let n = 0;
  for (let k = 0; k < 10; k++) {
    clock.advance(30);
    const b = await drv.drain();
    for (let i = 0; i < b.count; i++) {
      sum += b.x[i] ** 2;
      n++;
    }
  }
  const rms = Math.sqrt(sum / n);
  // Unfiltered, the tone would alias to 100 Hz with its full 0.354 g RMS; |H(900 Hz)| = 0.077 at fc 250 Hz.
  assert.ok(rms < 0.05, `aliased RMS ${rms.toFixed(3)} g`);
  assert.ok(rms > 0.01, `the attenuated tone is still there (${rms.toFixed(3)} g)`);
});
