/**
 * The per-asset Bayesian exponential degradation model (src/prognosis/degradation.ts), its fusion with
 * the population model (src/prognosis/rul-fusion.ts) and the tracker path: amplitude growth alone -
 * no change in kurtosis or crest factor, the blind spot of the v1 model - must shorten the RUL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExponentialDegradation, residualLifeQuantile, type DegradationPrior } from '../../src/prognosis/degradation.js';
import { competingRisksQuantile, fuseRul, PHM_POINT_QUANTILE } from '../../src/prognosis/rul-fusion.js';
import { amplitudeHealth } from '../../src/prognosis/amplitude.js';
import { RulTracker } from '../../src/prognosis/rul-tracker.js';
import { FEATURE_INDEX, HEALTH_FEATURE_COUNT } from '../../src/prognosis/features.js';
import type { RulPrediction } from '../../src/prognosis/rul-model.js';
import { normalQuantile } from '../../src/prognosis/rul-math.js';

const prior: DegradationPrior = { meanA: -1.3, sdA: 1, meanB: 0.6, sdB: 0.6, noiseSd: 0.3, noiseVarianceInflation: 4, spikeFactor: 1 };

/** Feeds S(t) = phi + d0 exp(g t) (+ deterministic wiggle) every 10 s; returns the model. */
function grow(phi: number, d0: number, gPerH: number, hours: number, startMs = 0): ExponentialDegradation {
  const m = new ExponentialDegradation();
  for (let t = 0; t <= hours * 3600; t += 10) {
    const s = phi + d0 * Math.exp(gPerH * (t / 3600)) * Math.exp(0.05 * Math.sin(t / 97));
    m.observe(s, phi, startMs + t * 1000, true);
  }
  return m;
}

test('nothing is learnt before the baseline is ready or before onset', () => {
  const m = new ExponentialDegradation();
  for (let i = 0; i < 100; i++) m.observe(3, 1, i * 10_000, false);
  assert.equal(m.onsetMs, null);
  for (let i = 0; i < 100; i++) m.observe(1.2, 1, i * 10_000, true);
  assert.equal(m.onsetMs, null);
  assert.equal(m.posterior(prior, 1e6), null);
  m.observe(1.6, 1, 2_000_000, true);
  assert.equal(m.onsetMs, 2_000_000);
});

test('the posterior recovers the growth rate of an exponential defect and the RUL to the threshold', () => {
  const phi = 0.12;
  const g = 0.8; // per hour
  const m = grow(phi, 0.1, g, 5);
  const tNow = 5 * 3600 * 1000;
  const p = m.posterior(prior, tNow)!;
  assert.ok(m.established(p), `slope z ${p.slopeZ}`);
  assert.ok(Math.abs(p.mean[1] - g) < 0.08, `slope ${p.mean[1]} vs ${g}`);
  // onset was at the first snapshot with S/phi >= 1.5, i.e. S - phi = 0.06 ... true crossing of 20 g:
  const trueT = (Math.log((20 - phi) / 0.1) / g) * 3600 - 5 * 3600;
  const med = residualLifeQuantile(p, 0.5, 30 * 86400);
  assert.ok(Math.abs(med - trueT) / trueT < 0.15, `median RUL ${med.toFixed(0)} vs ${trueT.toFixed(0)} s`);
  const lo = m.rulQuantile(p, 0.05);
  const hi = m.rulQuantile(p, 0.95);
  assert.ok(lo < med && med < hi, `${lo} < ${med} < ${hi}`);
});

test('a flat signal after onset is not "established" and the population model answers', () => {
  const m = new ExponentialDegradation();
  m.observe(1.6, 1, 0, true);
  for (let t = 10; t < 4 * 3600; t += 10) m.observe(1.6 + 0.1 * Math.sin(t / 300), 1, t * 1000, true);
  const p = m.posterior(prior, 4 * 3600 * 1000);
  assert.equal(m.established(p), false);
  const f = fuseRul({ mu: Math.log(5000), sigma: 1, hi: 0.8 }, m, prior, 0.9, 4 * 3600 * 1000);
  assert.equal(f.source, 'population');
  assert.ok(Math.abs(f.rul_median_s - 5000) < 1e-6 * 5000);
  assert.ok(Math.abs(f.rul_s - 5000 * Math.exp(normalQuantile(PHM_POINT_QUANTILE))) < 1e-3);
});

test('competing risks: never later than either model alone; wider level -> wider interval', () => {
  const m = grow(0.12, 0.1, 0.8, 5);
  const p = m.posterior(prior, 5 * 3600 * 1000)!;
  for (const pop of [{ mu: Math.log(300), sigma: 0.5, hi: 0.5 }, { mu: Math.log(1e6), sigma: 0.5, hi: 1 }]) {
    for (const q of [0.05, 0.2, 0.5, 0.95]) {
      const both = competingRisksQuantile(pop, p, q, 30 * 86400);
      const popQ = Math.exp(pop.mu + normalQuantile(q) * pop.sigma);
      const degQ = residualLifeQuantile(p, q, 30 * 86400);
      assert.ok(both <= Math.min(popQ, degQ) * 1.001, `q ${q}: ${both} vs pop ${popQ}, deg ${degQ}`);
    }
  }
  const pop = { mu: Math.log(1e6), sigma: 0.5, hi: 1 };
  const a = fuseRul(pop, m, prior, 0.8, 5 * 3600 * 1000);
  const b = fuseRul(pop, m, prior, 0.95, 5 * 3600 * 1000);
  assert.equal(a.source, 'degradation');
  assert.ok(b.rul_low_s < a.rul_low_s && b.rul_high_s > a.rul_high_s);
  assert.ok(a.rul_low_s <= a.rul_s && a.rul_s <= a.rul_median_s && a.rul_median_s <= a.rul_high_s);
});

test('amplitude health: 1 at the baseline, 0 at the failure threshold, log in between', () => {
  assert.equal(amplitudeHealth(0.1, 0.1, 20), 1);
  assert.equal(amplitudeHealth(25, 0.1, 20), 0);
  assert.ok(Math.abs(amplitudeHealth(Math.sqrt(0.1 * 20), 0.1, 20) - 0.5) < 1e-12);
});

function features(rms: number, peak: number): Float64Array {
  const f = new Float64Array(HEALTH_FEATURE_COUNT);
  f[FEATURE_INDEX.rms_g] = rms;
  f[FEATURE_INDEX.peak_g] = peak;
  f[FEATURE_INDEX.kurtosis] = 3;
  f[FEATURE_INDEX.crest_factor] = 4;
  f[FEATURE_INDEX.velocity_rms_mm_s] = 2;
  return f;
}

/** A population model that ignores amplitude entirely (what v1 effectively was). */
const blindModel = {
  degradationPrior: prior,
  async predict(_x: ArrayLike<number>, c: number): Promise<RulPrediction> {
    const z = normalQuantile(0.5 + c / 2);
    return { rul_s: 20_000, rul_low_s: 20_000 * Math.exp(-z), rul_high_s: 20_000 * Math.exp(z), unit: 's', confidence_level: c, health_indicator: 1, health_score: 100, model_version: 'test' };
  },
};

test('tracker: amplitude growth alone (kurtosis, crest unchanged) drives RUL and health down; state survives a restart', async () => {
  const t = new RulTracker({ robotId: 'r' });
  let ms = 0;
  for (let i = 0; i < 60; i++, ms += 10_000) t.update(features(0.05, 0.12), ms);
  const healthy = (await t.estimate(blindModel, 0.9))!;
  assert.equal(healthy.rul_source, 'population');
  // no degradation yet: only a lower bound, no point estimate and no upper bound
  assert.equal(healthy.rul_state, 'no_degradation');
  assert.equal(healthy.rul_s, null);
  assert.equal(healthy.rul_high_s, null);
  assert.ok(healthy.rul_low_s > 0 && healthy.rul_low_s <= healthy.model_estimate.rul_s);
  const hours = 6;
  for (let s = 0; s < hours * 3600; s += 10, ms += 10_000) {
    const d = 0.1 * Math.exp(0.8 * (s / 3600));
    t.update(features(0.05 + d / 3, 0.12 + d), ms);
  }
  const worn = (await t.estimate(blindModel, 0.9))!;
  assert.equal(worn.rul_source, 'degradation');
  assert.equal(worn.rul_state, 'degrading');
  assert.ok(worn.rul_s !== null && worn.rul_high_s !== null && worn.rul_low_s <= worn.rul_s && worn.rul_s <= worn.rul_high_s);
  assert.ok(worn.model_estimate.rul_s < healthy.model_estimate.rul_s / 2, `${healthy.model_estimate.rul_s} -> ${worn.model_estimate.rul_s}`);
  assert.ok(worn.health_score < healthy.health_score);
  assert.ok(worn.degradation.slope_per_h! > 0.6 && worn.degradation.slope_per_h! < 1);
  const r = new RulTracker({ robotId: 'r', restore: JSON.parse(JSON.stringify(t.snapshot())) });
  assert.ok(r.baselineReady);
  r.update(features(0.05 + (0.1 * Math.exp(4.8)) / 3, 0.12 + 0.1 * Math.exp(4.8)), ms);
  const again = (await r.estimate(blindModel, 0.9))!;
  assert.equal(again.rul_source, 'degradation');
  assert.ok(Math.abs(again.model_estimate.rul_s - worn.model_estimate.rul_s) / worn.model_estimate.rul_s < 0.1, `${worn.model_estimate.rul_s} vs restored ${again.model_estimate.rul_s}`);
  // the 'switch' combination answers with the degradation model alone: never shorter than competing risks
  const sw = new RulTracker({ robotId: 'r', restore: JSON.parse(JSON.stringify(t.snapshot())), fusion: 'switch' });
  sw.update(features(0.05 + (0.1 * Math.exp(4.8)) / 3, 0.12 + 0.1 * Math.exp(4.8)), ms);
  const alone = (await sw.estimate(blindModel, 0.9))!;
  assert.ok(alone.model_estimate.rul_s >= again.model_estimate.rul_s, `switch ${alone.model_estimate.rul_s} vs competing ${again.model_estimate.rul_s}`);
  // without a prior (a v1 card) the tracker answers with the population model only
  const v1 = (await t.estimate({ predict: blindModel.predict }, 0.9))!;
  assert.equal(v1.rul_source, 'population');
});
