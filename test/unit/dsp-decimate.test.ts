import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decimate, decimatedLength, designDecimator } from '../../src/analysis/vibration/decimate.js';
import { RealFft } from '../../src/analysis/vibration/fft-plan.js';
import { hannPowerAndAmplitude, toneAmplitude } from '../../src/analysis/vibration/spectrum.js';
import { addSine } from './dsp-synth.js';

function toneAfter(fsIn: number, factor: number, f: number): number {
  const len = (8192 + 700) * factor;
  const x = addSine(new Float32Array(len), fsIn, f, 1);
  const d = designDecimator(factor, fsIn);
  const y = new Float32Array(decimatedLength(len, factor));
  decimate(x, d, y);
  const n = 8192;
  const seg = y.subarray(300, 300 + n); // away from the edges
  const raw = new Float64Array(n + 2);
  new RealFft(n).forward(seg, raw);
  const p = new Float64Array(n / 2 + 1);
  hannPowerAndAmplitude(raw, n, p, new Float32Array(n / 2 + 1));
  const fsOut = fsIn / factor;
  const alias = Math.abs(((f + fsOut / 2) % fsOut) - fsOut / 2); // where f lands after sampling
  return toneAmplitude(p, fsOut / n, alias, 3).amplitude;
}

for (const factor of [2, 3, 4]) {
  test(`decimation by ${factor}: passband tones kept within 0.1 dB, aliases suppressed by >= 70 dB`, () => {
    const fsIn = 48000;
    const fsOut = fsIn / factor;
    for (const f of [100, 0.3 * fsOut, 0.75 * fsOut / 2]) {
      const a = toneAfter(fsIn, factor, f);
      assert.ok(Math.abs(20 * Math.log10(a)) < 0.1, `${f} Hz passband gain ${a}`);
    }
    for (const f of [fsOut / 2 + 0.05 * fsOut, 0.9 * fsOut, 1.7 * fsOut]) {
      if (f >= fsIn / 2) continue;
      const a = toneAfter(fsIn, factor, f);
      assert.ok(20 * Math.log10(a + 1e-12) < -70, `${f} Hz aliased at ${20 * Math.log10(a)} dB`);
    }
  });
}

test('factor 1 is the identity; bad factors are rejected', () => {
  const d = designDecimator(1, 1000);
  const x = Float32Array.of(1, 2, 3);
  const y = new Float32Array(3);
  decimate(x, d, y);
  assert.deepEqual([...y], [1, 2, 3]);
  assert.throws(() => designDecimator(2.5, 1000), RangeError);
});
