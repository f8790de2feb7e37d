import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/core/clock.js';
import { Adxl345, ADXL345, adxl345RateCode } from '../../drivers/adxl345.js';
import { SimI2cBus } from '../../simulators/i2c-bus-sim.js';
import { Adxl345Sim } from '../../simulators/adxl345-sim.js';
import { VibrationModel } from '../../simulators/vibration-model.js';
import type { VibrationSimulatorConfig } from '../../src/config/types.js';

const model = (over: Partial<VibrationSimulatorConfig> = {}) =>
  new VibrationModel({ shaftHz: 25, imbalanceG: 0.5, misalignmentG: 0, noiseG: 0, defect: 'none', defectSeverityG: 0, defectGrowthPerHour: 0, resonanceHz: 500, seed: 1, bearing: { nBalls: 9, ballDiameterMm: 7.94, pitchDiameterMm: 39.04, contactAngleDeg: 0 }, ...over });

function setup(odrHz = 800) {
  const clock = new ManualClock();
  const bus = new SimI2cBus(1);
  const sim = new Adxl345Sim(clock, model());
  bus.attach(0x53, sim);
  const drv = new Adxl345({ bus, busNumber: 1, address: 0x53, odrHz, rangeG: 16 });
  return { clock, bus, sim, drv };
}

test('rate codes follow ODR = 0.09765625 Hz * 2^code', () => {
  assert.equal(adxl345RateCode(3200), 0x0f);
  assert.equal(adxl345RateCode(100), 0x0a);
  assert.throws(() => adxl345RateCode(1000), /no output data rate of 1000 Hz/);
});

test('identity check names bus, address, expected and read values', async () => {
  const { bus, drv } = setup();
  bus.attach(0x53, { readRegister: () => 0x12, writeRegister: () => undefined });
  await assert.rejects(drv.init(), (err: any) => {
    assert.equal(err.code, 'DEVICE_ID_MISMATCH');
    assert.match(err.message, /\/dev\/i2c-1 address 0x53: DEVID expected 0xe5, read 0x12/);
    return true;
  });
});

test('a missing device (NACK) is an I2C_NACK error', async () => {
  const clock = new ManualClock();
  const drv = new Adxl345({ bus: new SimI2cBus(1), busNumber: 1, address: 0x1d, odrHz: 800, rangeG: 16 });
  void clock;
  await assert.rejects(drv.init(), (err: any) => err.code === 'I2C_NACK' && /Remote I\/O error/.test(err.message));
});

test('drains the FIFO at the configured ODR and decodes full-resolution samples in g', async () => {
  const { clock, drv } = setup(800);
  await drv.init();
  clock.advance(25); // 20 samples at 800 Hz
  const block = await drv.drain();
  assert.equal(block.count, 20);
  assert.equal(block.overrun, false);
  // Gravity on Z (1 g, quantised at 3.9 mg/LSB) and 0.5 g imbalance on X/Y.
  for (let i = 0; i < block.count; i++) {
    assert.ok(Math.abs(block.z[i] - 1) < 0.01, `z ~ 1 g, got ${block.z[i]}`);
    assert.ok(Math.abs(Math.hypot(block.x[i], block.y[i]) - 0.5) < 0.01, 'imbalance vector magnitude 0.5 g');
  }
});

test('a FIFO overrun is reported, never silently stitched', async () => {
  const { clock, drv, sim } = setup(800);
  await drv.init();
  clock.advance(100); // 80 samples due, the FIFO holds 32
  const block = await drv.drain();
  assert.equal(block.count, ADXL345.FIFO_DEPTH);
  assert.equal(block.overrun, true);
  assert.ok(sim.overwritten >= 40);
  clock.advance(10);
  const next = await drv.drain();
  assert.equal(next.overrun, false, 'overrun flag is cleared once reported');
});
