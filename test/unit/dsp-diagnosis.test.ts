import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createVibrationAnalyzer } from '../../src/analysis/vibration/analyzer.js';
import { faultFrequencies } from '../../src/analysis/vibration/bearing.js';
import { EnvelopePlan } from '../../src/analysis/vibration/envelope.js';
import { RealFft } from '../../src/analysis/vibration/fft-plan.js';
import { addImpacts, addSine, BEARING_6205, gaussianNoise } from './dsp-synth.js';

const fs = 12000;
const n = 16384;
const fr = 29.5;
const ff = faultFrequencies(BEARING_6205, fr);

function analyzer(extra: Partial<Parameters<typeof createVibrationAnalyzer>[0]> = {}) {
  return createVibrationAnalyzer({ sampleRateHz: fs, windowSize: n, shaftHz: fr, bearing: BEARING_6205, ...extra });
}

function machine(seed: number): Float32Array {
  // shaft harmonics + broadband noise: what a healthy machine looks like
  const x = gaussianNoise(n, 0.05, seed);
  addSine(x, fs, fr, 0.02);
  addSine(x, fs, 2 * fr, 0.01, 1);
  return x;
}

test('kurtogram picks the band holding the excited resonance', () => {
  const x = addImpacts(gaussianNoise(n, 0.05, 1), { fs, rateHz: ff.BPFO, resonanceHz: 3500, amp: 0.5 });
  const env = new EnvelopePlan(n, fs, { minBandHz: 600 });
  const fft = new RealFft(n);
  for (let i = 0; i < n; i++) fft.input[i] = x[i];
  const raw = fft.run();
  const ses = new Float32Array(env.sesBins);
  const band = env.run(raw, ses, { lowHz: 0, highHz: 0, kurtosis: 0 });
  assert.ok(band.lowHz <= 3500 && band.highHz >= 3500, `band ${band.lowHz}-${band.highHz}`);
  assert.ok(band.kurtosis > 1, `SK ${band.kurtosis}`);
  // the SES peaks at BPFO
  const df = fs / n;
  let best = 1;
  for (let k = 2; k < ses.length; k++) if (ses[k] > ses[best]) best = k;
  assert.ok(Math.abs(best * df - ff.BPFO) < 2 * df || Math.abs(best * df - 2 * ff.BPFO) < 2 * df, `SES max at ${best * df}`);
});

test('outer race impacts at BPFO (1 % slip jitter) -> outer_race with BPFO harmonics as evidence', () => {
  const x = addImpacts(machine(2), { fs, rateHz: ff.BPFO * 1.01, resonanceHz: 3000, amp: 0.3, jitter: 0.01 });
  const r = analyzer().analyze(x);
  assert.equal(r.diagnosis.label, 'outer_race');
  assert.ok(r.diagnosis.confidence > 0.5);
  const e = r.diagnosis.evidence[0];
  assert.equal(e.component, 'BPFO x1');
  assert.ok(Math.abs(e.foundHz - ff.BPFO * 1.01) < 1.5);
  assert.ok(e.dbAboveFloor >= 10);
});

test('inner race impacts at BPFI modulated at 1x -> inner_race with +-1X sidebands', () => {
  const x = addImpacts(machine(3), { fs, rateHz: ff.BPFI, resonanceHz: 4200, amp: 0.3, modHz: fr, modDepth: 0.6 });
  const r = analyzer().analyze(x);
  assert.equal(r.diagnosis.label, 'inner_race');
  const sb = r.diagnosis.evidence.filter((e) => e.component.startsWith('BPFI x1 '));
  assert.equal(sb.length, 2);
  assert.ok(sb.every((e) => e.dbAboveFloor > 6), JSON.stringify(sb));
});

test('ball impacts at 2xBSF -> ball', () => {
  const x = addImpacts(machine(4), { fs, rateHz: 2 * ff.BSF, resonanceHz: 2500, amp: 0.3 });
  assert.equal(analyzer().analyze(x).diagnosis.label, 'ball');
});

test('healthy machine (noise + small 1x/2x) -> none, in every one of 10 seeds', () => {
  const a = analyzer();
  for (let s = 10; s < 20; s++) {
    const r = a.analyze(machine(s));
    assert.equal(r.diagnosis.label, 'none', `seed ${s}: ${JSON.stringify(r.diagnosis.candidates)}`);
    assert.equal(r.diagnosis.evidence.length, 0);
  }
});

test('weak impacts buried in noise -> none rather than a guess', () => {
  const x = addImpacts(machine(5), { fs, rateHz: ff.BPFO, resonanceHz: 3000, amp: 0.005 });
  assert.equal(analyzer().analyze(x).diagnosis.label, 'none');
});

test('large 1x -> imbalance; large 2x with 1x -> misalignment; the same at zone A -> none', () => {
  const ampFor = (mmS: number, f: number) => (mmS * Math.SQRT2 * 2 * Math.PI * f) / 1000 / 9.80665;
  const imb = gaussianNoise(n, 0.02, 6);
  addSine(imb, fs, fr, ampFor(4, fr));
  const r1 = analyzer().analyze(imb);
  assert.equal(r1.diagnosis.label, 'imbalance');
  assert.equal(r1.diagnosis.evidence[0].component, '1X');
  const mis = gaussianNoise(n, 0.02, 7);
  addSine(mis, fs, fr, ampFor(2.5, fr));
  addSine(mis, fs, 2 * fr, ampFor(2.5, 2 * fr));
  assert.equal(analyzer().analyze(mis).diagnosis.label, 'misalignment');
  const small = gaussianNoise(n, 0.02, 8);
  addSine(small, fs, fr, ampFor(0.8, fr));
  assert.equal(analyzer().analyze(small).diagnosis.label, 'none');
});

test('no bearing geometry: no defect frequencies, bearing faults never claimed', () => {
  const x = addImpacts(machine(9), { fs, rateHz: ff.BPFO, resonanceHz: 3000, amp: 0.3 });
  const r = createVibrationAnalyzer({ sampleRateHz: fs, windowSize: n }).analyze(x);
  assert.equal(r.faultFrequencies, null);
  assert.equal(r.diagnosis.label, 'none');
});

test('families too close to DC for the bin width are not evaluated (FTF and 1X at 12.5 Hz bins)', () => {
  const a = createVibrationAnalyzer({ sampleRateHz: 25600, windowSize: 2048, shaftHz: 30, bearing: BEARING_6205 });
  const x = gaussianNoise(2048, 0.1, 1);
  addSine(x, 25600, 30, 1); // a huge 1X that would read as imbalance with fine bins
  const r = a.analyze(x);
  const byLabel = Object.fromEntries(r.diagnosis.candidates.map((c) => [c.label, c]));
  assert.equal(byLabel.cage.evaluated, false);
  assert.equal(byLabel.imbalance.evaluated, false);
  assert.equal(byLabel.outer_race.evaluated, true);
  assert.equal(r.diagnosis.label, 'none');
});

test('ADXL345-class capture (3200 Hz ODR, 1.6 kHz sensor band): outer race at 25 Hz shaft speed', () => {
  const f = faultFrequencies(BEARING_6205, 25);
  const a = createVibrationAnalyzer({ sampleRateHz: 3200, windowSize: 4096, shaftHz: 25, bearing: BEARING_6205, sensorBandwidthHz: 1600 });
  const x = gaussianNoise(4096, 0.03, 21);
  addSine(x, 3200, 25, 0.01);
  addImpacts(x, { fs: 3200, rateHz: f.BPFO, resonanceHz: 1100, amp: 0.2, tau: 0.004 });
  const r = a.analyze(x);
  assert.ok(r.envelope.highHz <= 1600);
  assert.equal(r.diagnosis.label, 'outer_race');
  const h = createVibrationAnalyzer({ sampleRateHz: 3200, windowSize: 4096, shaftHz: 25, bearing: BEARING_6205, sensorBandwidthHz: 1600 });
  assert.equal(h.analyze(gaussianNoise(4096, 0.03, 22)).diagnosis.label, 'none');
});

test('800 Hz ODR: families whose 3rd harmonic is past Nyquist are still evaluated on 2 harmonics', () => {
  const f = faultFrequencies(BEARING_6205, 25);
  const a = createVibrationAnalyzer({ sampleRateHz: 800, windowSize: 2048, shaftHz: 25, bearing: BEARING_6205 });
  const x = gaussianNoise(2048, 0.03, 23);
  addImpacts(x, { fs: 800, rateHz: f.BPFI, resonanceHz: 330, amp: 0.3, tau: 0.006 });
  const r = a.analyze(x);
  const ir = r.diagnosis.candidates.find((c) => c.label === 'inner_race');
  assert.equal(ir?.evaluated, true);
  assert.equal(r.diagnosis.label, 'inner_race');
});
