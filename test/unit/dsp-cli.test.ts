import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { datasetsDir, skipWithoutDatasets } from '../helpers/datasets.js';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { analyzeCommand } from '../../src/cli/analyze.js';
import { faultFrequencies } from '../../src/analysis/vibration/bearing.js';
import { addImpacts, addSine, BEARING_6205, gaussianNoise } from './dsp-synth.js';

function sink(): { stream: Writable; text: () => string } {
  let s = '';
  const stream = new Writable({
    write(chunk, _enc, cb) {
      s += String(chunk);
      cb();
    },
  });
  return { stream, text: () => s };
}

function writeRecording(dir: string, name: string, x: Float32Array, meta: Record<string, unknown>): string {
  writeFileSync(path.join(dir, name + '.f32'), Buffer.from(x.buffer, x.byteOffset, x.byteLength));
  const p = path.join(dir, name + '.json');
  writeFileSync(p, JSON.stringify({ file: name + '.f32', dtype: 'float32le', numSamples: x.length, unit: 'g', ...meta }));
  return p;
}

const dir = mkdtempSync(path.join(tmpdir(), 'fabwatch-analyze-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const fs = 24000;
const fr = 30;
const bpfo = faultFrequencies(BEARING_6205, fr).BPFO;

test('--help prints usage and exits 0; bad usage exits 2; missing file exits 1', async () => {
  const o = sink();
  assert.equal(await analyzeCommand(['--help'], o.stream), 0);
  assert.match(o.text(), /Usage: fabwatch analyze RECORDING\.json/);
  assert.equal(await analyzeCommand([], sink().stream), 2);
  assert.equal(await analyzeCommand(['x.json', '--window', '1000'], sink().stream), 2);
  const m = sink();
  assert.equal(await analyzeCommand([path.join(dir, 'nope.json')], m.stream), 1);
  assert.match(m.text(), /RECORDING_UNREADABLE/);
});

test('continuous recording, decimated 24 kHz -> 12 kHz: one JSON object with the diagnosis', async () => {
  const n = 4 * 24000;
  const x = addImpacts(gaussianNoise(n, 0.05, 1), { fs, rateHz: bpfo, resonanceHz: 3000, amp: 0.3 });
  addSine(x, fs, 9000, 0.5); // above 6 kHz: must be filtered out, not folded to 3 kHz
  const p = writeRecording(dir, 'or', x, { sampleRateHz: fs, shaftHz: fr, bearing: BEARING_6205 });
  const o = sink();
  assert.equal(await analyzeCommand([p, '--json', '--resample-to', '12000'], o.stream), 0);
  const lines = o.text().trim().split('\n');
  assert.equal(lines.length, 1);
  const j = JSON.parse(lines[0]);
  assert.equal(j.analysedRateHz, 12000);
  assert.equal(j.decimation, 4 / 2);
  assert.equal(j.windowSize, 16384);
  assert.equal(j.diagnosis.label, 'outer_race');
  assert.ok(j.diagnosis.evidence.length >= 3);
  assert.ok(j.features.rms > 0 && j.iso20816.zone && j.faultFrequencies.BPFO > 0);
  const text = sink();
  assert.equal(await analyzeCommand([p, '--resample-to', '12000'], text.stream), 0);
  assert.match(text.text(), /diagnosis\s+OUTER_RACE/);
  assert.equal(await analyzeCommand([p, '--resample-to', '7000'], sink().stream), 2);
});

test('multi-snapshot recording: one JSON line per snapshot', async () => {
  const len = 2560;
  const snaps = 3;
  const x = gaussianNoise(len * snaps, 0.1, 2);
  const p = writeRecording(dir, 'snap', x, { sampleRateHz: 25600, shaftHz: fr, bearing: BEARING_6205, snapshotLength: len, numSnapshots: snaps, snapshotStartSecondsOfDay: [1, 11, 21] });
  const o = sink();
  assert.equal(await analyzeCommand([p, '--json'], o.stream), 0);
  const lines = o.text().trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 3);
  assert.deepEqual(lines.map((l) => l.snapshot), [0, 1, 2]);
  assert.equal(lines[2].startSecondsOfDay, 21);
  assert.equal(lines[0].windowSize, 2048);
  for (const l of lines) assert.ok(['features', 'iso20816', 'faultFrequencies', 'diagnosis'].every((k) => k in l));
});

test('sidecar/sample count mismatch is reported as RECORDING_INVALID', async () => {
  const x = gaussianNoise(5000, 0.1, 3);
  const p = writeRecording(dir, 'bad', x, { sampleRateHz: 1000 });
  writeFileSync(p, JSON.stringify({ file: 'bad.f32', sampleRateHz: 1000, numSamples: 4000 }));
  const o = sink();
  assert.equal(await analyzeCommand([p], o.stream), 1);
  assert.match(o.text(), /RECORDING_INVALID/);
});

test('a FEMTO multi-snapshot recording: per-snapshot RUL with interval in the JSON lines', { timeout: 120_000, skip: skipWithoutDatasets('femto') }, async () => {
  const file = path.join(datasetsDir, 'femto/Learning_set_Bearing2_1_horiz.json');
  const o = sink();
  assert.equal(await analyzeCommand([file, '--json', '--confidence', '0.8'], o.stream), 0);
  const lines = o.text().trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 911);
  const order = ['learning', 'no_degradation', 'degrading', 'failed'];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    assert.equal(l.rul_confidence_level, 0.8);
    assert.ok(l.health_indicator >= 0 && l.health_indicator <= 1);
    if (l.rul_state === 'no_degradation') assert.ok(l.rul_s === null && l.rul_high_s === null && l.rul_low_s > 0, `lower bound only at snapshot ${l.snapshot}`);
    else assert.ok(l.rul_low_s <= l.rul_s && l.rul_s <= l.rul_high_s, `interval ordered at snapshot ${l.snapshot}`);
    // the state only moves forward: learning -> no_degradation -> degrading -> failed
    if (i > 0) assert.ok(order.indexOf(l.rul_state) >= order.indexOf(lines[i - 1].rul_state), `state ${lines[i - 1].rul_state} -> ${l.rul_state} at ${i}`);
  }
  // The bearing runs to failure: degrading well before its end of life, RUL falling, then failed.
  const degrading = lines.filter((l) => l.rul_state === 'degrading');
  assert.ok(degrading.length > 100, `degrading at ${degrading.length} snapshots`);
  assert.ok(degrading.at(-1).rul_s < degrading[0].rul_s / 3, `RUL ${degrading[0].rul_s} -> ${degrading.at(-1).rul_s}`);
  assert.equal(lines.at(-1).rul_state, 'failed');
});
