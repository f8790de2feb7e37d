/**
 * The hot path's allocation per window, measured so that a GC cannot hide it: a full GC first
 * (nothing pending), then the loop, which counts only if no GC ran inside it (PerformanceObserver
 * 'gc' entries); with no GC, the growth of heapUsed is exactly what the loop allocated. A GC inside
 * the loop means the young generation filled up, i.e. far more than the budget: that fails too.
 * (Node 20's V8 has no total_allocated_bytes in getHeapStatistics.) The control proves the
 * measurement sees one small object per call.
 *
 * Measured this way, analyze() is NOT allocation-free: ~430 B per window under tsx, ~200 B in the
 * esbuild bundle (Node 20.20, x64); the heap sampling profiler points at the PFFFT WebAssembly
 * calls. The previous heapUsed-growth test passed because a scavenge during its loop made the
 * growth negative. Until that is found, the budget is 1 KiB per window: a per-window buffer
 * (a 2048-sample Float32Array is 8 KiB) or an array of evidence objects still fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createVibrationAnalyzer } from '../../src/analysis/vibration/analyzer.js';
import { addImpacts, BEARING_6205, gaussianNoise } from './dsp-synth.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const BUDGET_PER_WINDOW = 1024;

/** Bytes allocated by `calls` runs of fn, and the GCs that ran meanwhile. */
async function allocated(fn: (i: number) => void, calls: number): Promise<{ bytes: number; gcs: number }> {
  const gcStarts: number[] = [];
  const obs = new PerformanceObserver((list) => gcStarts.push(...list.getEntries().map((e) => e.startTime)));
  obs.observe({ entryTypes: ['gc'] });
  gc();
  await new Promise((r) => setImmediate(r)); // let the forced GC's entry be delivered before t0
  const t0 = performance.now();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < calls; i++) fn(i);
  const after = process.memoryUsage().heapUsed;
  const t1 = performance.now();
  await new Promise((r) => setTimeout(r, 20)); // entries arrive asynchronously
  obs.disconnect();
  return { bytes: after - before, gcs: gcStarts.filter((t) => t >= t0 && t <= t1).length };
}

const fs = 12000;
const n = 4096;
const a = createVibrationAnalyzer({ sampleRateHz: fs, windowSize: n, shaftHz: 29.5, bearing: BEARING_6205 });
const healthy = gaussianNoise(n, 0.05, 1);
const faulty = addImpacts(gaussianNoise(n, 0.05, 2), { fs, rateHz: 105.7, resonanceHz: 3000, amp: 0.3 });
for (let i = 0; i < 300; i++) a.analyze(i % 2 ? healthy : faulty); // JIT warm-up, pools grown
const calls = 1000;

test(`analyze() allocates less than ${BUDGET_PER_WINDOW} B per window`, async () => {
  // Up to 3 measurements, the cleanest counts: a per-window allocation shows in every one of them,
  // while a one-off (a lazy compile, a GC another part of the process started) spoils only one.
  // Seen once in ~8 runs on a loaded CI machine before this.
  const runs: Array<{ bytes: number; gcs: number }> = [];
  for (let k = 0; k < 3; k++) {
    const m = await allocated((i) => a.analyze(i % 2 ? healthy : faulty), calls);
    runs.push(m);
    if (m.gcs === 0 && m.bytes >= 0 && m.bytes < BUDGET_PER_WINDOW * calls) break;
  }
  const m = runs.at(-1)!;
  const all = runs.map((r) => `${r.bytes} B/${r.gcs} GC`).join(', ');
  assert.equal(m.gcs, 0, `GC(s) ran during ${calls} windows in every measurement: the loop allocates megabytes (${all})`);
  assert.ok(m.bytes >= 0 && m.bytes < BUDGET_PER_WINDOW * calls, `${m.bytes} B allocated over ${calls} windows (${(m.bytes / calls).toFixed(1)} B/window; all measurements: ${all})`);
});

test('control: the same measurement sees one more small object per window', async () => {
  const kept: number[][] = [];
  const m = await allocated((i) => {
    a.analyze(i % 2 ? healthy : faulty);
    kept.push(new Array<number>(128).fill(i)); // ~1 KiB on the JS heap
  }, calls);
  assert.ok(m.gcs > 0 || m.bytes >= BUDGET_PER_WINDOW * calls, `missed ${calls} allocations of ~1 KiB: ${m.bytes} B, ${m.gcs} GCs`);
});
