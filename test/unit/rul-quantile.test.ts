/**
 * The quantile-regression candidate's maths (src/prognosis/train/quantile.ts) on synthetic data with
 * known quantiles: IRLS on the pinball loss recovers them, predicted quantiles never cross, and the
 * conformal correction makes the interval cover its level on the calibration scores.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../../src/core/random.js';
import { TAUS, calibrate, fitQr, predictQr, type QrData } from '../../src/prognosis/train/quantile.js';
import { normalQuantile } from '../../src/prognosis/rul-math.js';

const FEATURES = 7;

/** y = 5 + 0.8 x + N(0, 0.5^2), x uniform in [-2, 2] in feature 0 (the other features constant). */
function synthetic(id: string, n: number, seed: number): QrData {
  const rnd = mulberry32(seed);
  const f = new Float64Array(n * FEATURES);
  const y = new Float64Array(n);
  const frac = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = 4 * rnd() - 2;
    // Box-Muller
    const g = Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
    f[i * FEATURES] = x;
    y[i] = 5 + 0.8 * x + 0.5 * g;
    frac[i] = i / n;
  }
  return { id, f, y, frac, n, rows: undefined as never };
}

test('IRLS pinball fit recovers known conditional quantiles; quantiles are sorted', () => {
  const data = [synthetic('a', 1500, 1), synthetic('b', 1500, 2)];
  const m = fitQr(data);
  const probe = synthetic('p', 3, 3);
  for (const x of [-1.5, 0, 1.5]) {
    probe.f[0] = x;
    const q = predictQr(m, probe, 0);
    for (let k = 1; k < q.length; k++) assert.ok(q[k] >= q[k - 1], 'sorted');
    TAUS.forEach((tau, k) => {
      const truth = 5 + 0.8 * x + 0.5 * normalQuantile(tau);
      assert.ok(Math.abs(q[k] - truth) < 0.12, `tau ${tau} at x ${x}: ${q[k].toFixed(3)} vs ${truth.toFixed(3)}`);
    });
  }
});

test('conformal correction: the corrected interval covers its level on the scores it was computed from', () => {
  // quantiles that are too narrow (a fixed +-0.1 around the truth's centre): the correction must widen them
  const rnd = mulberry32(7);
  const scores = Array.from({ length: 2000 }, () => {
    const y = Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
    const q = TAUS.map((t) => (t < 0.5 ? -0.1 : t > 0.5 ? 0.1 : 0));
    return { q, y, frac: rnd(), w: 1 };
  });
  const cal = calibrate(scores, null);
  for (const l of [0.8, 0.9, 0.95]) {
    const e = cal.interval[String(l)];
    const covered = scores.filter((s) => s.y >= -0.1 - e && s.y <= 0.1 + e).length / scores.length;
    assert.ok(covered >= l && covered < l + 0.01, `level ${l}: coverage ${covered}`);
    assert.ok(Math.abs(0.1 + e - normalQuantile(0.5 + l / 2)) < 0.1, `level ${l}: half-width ${0.1 + e}`);
  }
  // late-life window: only scores within the range count
  const late = calibrate(scores.map((s) => ({ ...s, y: s.frac >= 0.6 ? s.y : 100 * s.y })), [0.6, 0.97]);
  assert.ok(late.interval['0.9'] < 2, 'scores outside the range are ignored');
});
