/**
 * The shared ring between the acquisition worker and the main thread, without a thread: the
 * writer side is the worker's WindowAssembler filling the ring's slots in turn and publishing each
 * slot's sequence number last; the reader side is AcquisitionWorkerHost.drain().
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { WindowAssembler } from '../../src/acquisition/vibration-window.js';
import { AcquisitionWorkerHost } from '../../src/acquisition/worker-host.js';
import { RING_SLOTS, readStats, writeStats } from '../../src/acquisition/shared-ring.js';
import type { RobotConfig } from '../../src/config/types.js';

const robot = { id: 'r1', accelerometer: { odrHz: 1000 }, analysis: { windowSize: 4 } } as unknown as RobotConfig;

function host(seen: Array<{ t0: number; x0: number; lostBefore: number }>) {
  return new AcquisitionWorkerHost({
    entry: new URL('file:///never-started.mjs'),
    robots: [robot],
    simulation: true,
    simulationSpeed: 1,
    logLevel: 'silent',
    nice: 0,
    i2cSpeeds: {},
    now: () => 0,
    log: pino({ level: 'silent' }),
    events: [{ onWindow: (w) => seen.push({ t0: w.t0, x0: w.x[0], lostBefore: w.lostBefore }), onTemperature: () => undefined, onFault: () => undefined }],
  });
}

/** What the worker does per completed window (src/wiring/acquisition-worker.ts). */
function publish(h: AcquisitionWorkerHost, asm: WindowAssembler, n: number, lostBefore = 0): void {
  const shared = h.ring.robots[0];
  asm.push(new Float32Array([n, n, n, n]), new Float32Array(4), new Float32Array(4), 4, n * 10, 1000, (t0) => {
    const slot = shared.slots.findIndex((s) => s.x === asm.x);
    shared.header[3 * slot] = t0;
    shared.header[3 * slot + 2] = lostBefore;
    Atomics.store(shared.seq, slot, n);
  });
}

test('windows are assembled into the ring slots in turn and read in place, oldest first, each once', () => {
  const seen: Array<{ t0: number; x0: number; lostBefore: number }> = [];
  const h = host(seen);
  const asm = new WindowAssembler(4, h.ring.robots[0].slots);
  for (let n = 1; n <= 3; n++) publish(h, asm, n, n === 2 ? 7 : 0);
  h.drain();
  assert.deepEqual(seen.map((w) => w.x0), [1, 2, 3]);
  assert.equal(seen[1].lostBefore, 7);
  h.drain();
  assert.equal(seen.length, 3, 'a window is handed over once');
  assert.equal(h.status().windows_skipped, 0);
});

test('a main thread more than RING_SLOTS windows behind skips the overwritten ones, counted', () => {
  const seen: Array<{ t0: number; x0: number; lostBefore: number }> = [];
  const h = host(seen);
  const asm = new WindowAssembler(4, h.ring.robots[0].slots);
  publish(h, asm, 1);
  h.drain();
  for (let n = 2; n <= 3 + RING_SLOTS; n++) publish(h, asm, n); // 6 windows into 4 slots
  h.drain();
  assert.deepEqual(seen.map((w) => w.x0), [1, 4, 5, 6, 7]);
  assert.equal(h.status().windows_skipped, 2, 'windows 2 and 3 were overwritten before the main thread read them');
});

test('stats round-trip through the shared block (a restarted worker continues the counts)', () => {
  const h = host([]);
  const s = { samplesAcquired: 12, samplesLost: 3, windows: 2, measuredRateHz: 999.5, lastSampleAt: null, mode: 'interrupt' as const, interrupts: 5 };
  writeStats(h.ring.robots[0].stats, s);
  assert.deepEqual(h.sensors[0].stats, s);
  const into = { samplesAcquired: 0, samplesLost: 0, windows: 0, measuredRateHz: 0, lastSampleAt: 1 as number | null, mode: 'polling' as 'polling' | 'interrupt', interrupts: 0 };
  assert.deepEqual(readStats(h.ring.robots[0].stats, into), s);
});
