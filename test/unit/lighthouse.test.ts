import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/core/clock.js';
import { LighthouseCounter, FT3_IN_M3 } from '../../drivers/lighthouse.js';
import { LighthouseRegisters } from '../../simulators/lighthouse-registers.js';
import type { ModbusTransport } from '../../drivers/transports.js';

/** A fake transport straight onto the register image (the TCP framing is covered in integration). */
function transportFor(regs: LighthouseRegisters): ModbusTransport {
  return {
    readHoldingRegisters: async (_u, a, n) => regs.readHolding(a, n),
    readInputRegisters: async (_u, a, n) => regs.readInput(a, n),
    writeRegister: async (_u, a, v) => regs.writeHolding(a, v),
    writeRegisters: async () => undefined,
    close: async () => undefined,
  };
}

test('reads each completed sample once, uint32 counts high word first, concentration from flow x time', async () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 26, 12));
  const sizes = [0.3, 0.5, 1.0, 5.0];
  const regs = new LighthouseRegisters(clock, { channelSizesUm: sizes, isoClass: 5, sampleTimeS: 60, flowCfm: 1, spikeProbability: 0, seed: 1 });
  const drv = new LighthouseCounter({ transport: transportFor(regs), unitId: 1, channelSizesUm: sizes, where: 'test' });
  await drv.start();
  assert.equal(await drv.poll(), null, 'no data before the first sample completes');
  regs.forcedCounts = [70_000, 65_536 + 7, 12, 0];
  clock.advance(60_000);
  const r = await drv.poll();
  assert.ok(r);
  assert.deepEqual(r.counts, [70_000, 65_543, 12, 0]);
  assert.equal(r.sampleTimeS, 60);
  assert.equal(r.flowCfm, 1);
  assert.ok(Math.abs(r.volumeM3 - FT3_IN_M3) < 1e-12, '1 CFM for 1 min = 1 ft3');
  assert.ok(Math.abs(r.concentrationPerM3[0] - 70_000 / FT3_IN_M3) < 1e-6);
  assert.equal(r.ts, Date.UTC(2026, 10, 26, 12, 1));
  assert.deepEqual(r.faults, []);
  assert.equal(await drv.poll(), null, 'NEW DATA is cleared by reading the record');
});

test('data-status bits surface as counter faults', async () => {
  const clock = new ManualClock();
  const regs = new LighthouseRegisters(clock, { channelSizesUm: [0.5], isoClass: 5, sampleTimeS: 6, flowCfm: 1, spikeProbability: 0, seed: 1 });
  const drv = new LighthouseCounter({ transport: transportFor(regs), unitId: 1, channelSizesUm: [0.5], where: 'test' });
  await drv.start();
  regs.faultBits = 0b1001; // laser + service
  clock.advance(6000);
  const r = await drv.poll();
  assert.deepEqual(r?.faults, ['laser', 'service']);
});
