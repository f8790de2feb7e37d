/**
 * "The hot path allocates nothing per window": after warm-up, thousands of analyze() calls must not
 * grow the heap. Without a forced GC we measure heapUsed growth across the loop: any per-window
 * allocation (a closure, a subarray view, an options object) shows up as tens of bytes per call,
 * i.e. hundreds of kB over the loop, far above the tolerance.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createVibrationAnalyzer } from '../../src/analysis/vibration/analyzer.js';
import { addImpacts, BEARING_6205, gaussianNoise } from './dsp-synth.js';

test('analyze() does not allocate per window', () => {
  const fs = 12000;
  const n = 4096;
  const a = createVibrationAnalyzer({ sampleRateHz: fs, windowSize: n, shaftHz: 29.5, bearing: BEARING_6205 });
  const healthy = gaussianNoise(n, 0.05, 1);
  const faulty = addImpacts(gaussianNoise(n, 0.05, 2), { fs, rateHz: 105.7, resonanceHz: 3000, amp: 0.3 });
  for (let i = 0; i < 300; i++) a.analyze(i % 2 ? healthy : faulty); // JIT warm-up, pools grown
  const calls = 4000;
  let growth = Infinity;
  for (let attempt = 0; attempt < 3 && growth > 16 * 1024; attempt++) {
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < calls; i++) a.analyze(i % 2 ? healthy : faulty);
    const after = process.memoryUsage().heapUsed;
    growth = after - before; // a GC during the loop can make this negative: that also passes
  }
  assert.ok(growth < 16 * 1024, `heap grew by ${growth} bytes over ${calls} windows (${(growth / calls).toFixed(1)} B/window)`);
});
