import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorCode } from '../../src/core/errors.js';
import { RulModel, type RulModelCard } from '../../src/prognosis/rul-model.js';
import { rulForward, type RulModelParams } from '../../src/prognosis/rul-math.js';
import { exportRulOnnx } from '../../src/prognosis/train/onnx-export.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const MODEL = path.join(root, 'models', 'rul.onnx');
const CARD = path.join(root, 'models', 'rul.json');
const tmp = mkdtempSync(path.join(tmpdir(), 'fabwatch-rul-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const card = JSON.parse(readFileSync(CARD, 'utf8')) as RulModelCard & { method: { parameters: RulModelParams } };
const params = card.method.parameters;

async function loaded(): Promise<RulModel> {
  const m = new RulModel({ modelPath: MODEL });
  await m.start();
  return m;
}

/** Write a model + card pair into tmp and return the model path. */
function writePair(name: string, onnx: Uint8Array, cardObj: unknown): string {
  const p = path.join(tmp, `${name}.onnx`);
  writeFileSync(p, onnx);
  writeFileSync(path.join(tmp, `${name}.json`), typeof cardObj === 'string' ? cardObj : JSON.stringify(cardObj));
  return p;
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function startCode(modelPath: string): Promise<string> {
  const m = new RulModel({ modelPath });
  try {
    await m.start();
    return 'OK';
  } catch (e) {
    return errorCode(e);
  } finally {
    await m.stop();
  }
}

test('shipped model: interval ordered, unit and version present, health score 0-100', async () => {
  const m = await loaded();
  try {
    for (const x of [[1, 1, 1, 1], [2, 3, 2, 2], [0.5, 1, 1, 0.8], [8, 10, 4, 6]]) {
      const p = await m.predict(x, 0.9);
      assert.ok(p.rul_low_s > 0 && p.rul_low_s <= p.rul_s && p.rul_s <= p.rul_high_s, JSON.stringify(p));
      assert.equal(p.unit, 's');
      assert.equal(p.model_version, card.version);
      assert.ok(Number.isInteger(p.health_score) && p.health_score >= 0 && p.health_score <= 100);
    }
    // the per-asset degradation model's prior ships in the card (learnt from the FEMTO bearings)
    const prior = m.degradationPrior;
    assert.ok(prior && prior.meanB > 0 && prior.sdB > 0 && prior.noiseSd > 0 && prior.noiseVarianceInflation >= 1, JSON.stringify(prior));
  } finally {
    await m.stop();
  }
});

test('predictions follow the input and match the TypeScript model (ONNX parity)', async () => {
  const m = await loaded();
  try {
    const healthy = await m.predict([1, 1, 1, 1], 0.9);
    const worn = await m.predict([3, 4, 2.5, 3], 0.9);
    assert.ok(worn.rul_s < healthy.rul_s, `worn ${worn.rul_s} vs healthy ${healthy.rul_s}`);
    assert.ok(worn.health_score <= healthy.health_score);
    for (const x of [[1, 1, 1, 1], [3, 4, 2.5, 3], [0.7, 2, 1.3, 1.1]]) {
      const ref = rulForward(params, x);
      const p = await m.predict(x, 0.9);
      assert.ok(Math.abs(p.rul_s - Math.exp(ref.mu)) / Math.exp(ref.mu) < 1e-4, `${p.rul_s} vs ${Math.exp(ref.mu)}`);
      assert.ok(Math.abs(p.health_indicator - ref.hi) < 1e-5);
    }
  } finally {
    await m.stop();
  }
});

test('the requested confidence level changes the interval width', async () => {
  const m = await loaded();
  try {
    const x = [1.5, 2, 1.4, 1.2];
    const w = async (c: number) => {
      const p = await m.predict(x, c);
      return p.rul_high_s / p.rul_low_s;
    };
    const [w8, w9, w95] = [await w(0.8), await w(0.9), await w(0.95)];
    assert.ok(w8 < w9 && w9 < w95, `${w8} ${w9} ${w95}`);
    const a = await m.predict(x, 0.8);
    const b = await m.predict(x, 0.95);
    assert.equal(a.rul_s, b.rul_s); // same median
  } finally {
    await m.stop();
  }
});

test('predictBatch equals single predictions, with per-row confidence levels', async () => {
  const m = await loaded();
  try {
    const rows = [[1, 1, 1, 1], [2, 3, 2, 2], [5, 6, 3, 4]];
    const batch = await m.predictBatch(rows, [0.8, 0.9, 0.95]);
    assert.equal(batch.length, 3);
    for (let i = 0; i < rows.length; i++) {
      const single = await m.predict(rows[i], [0.8, 0.9, 0.95][i]);
      assert.ok(Math.abs(batch[i].rul_low_s - single.rul_low_s) <= 1e-6 * single.rul_low_s);
      assert.ok(Math.abs(batch[i].rul_high_s - single.rul_high_s) <= 1e-6 * single.rul_high_s);
    }
    assert.deepEqual(await m.predictBatch([], 0.9), []);
  } finally {
    await m.stop();
  }
});

test('bad inputs and confidence levels are rejected with stable codes', async () => {
  const m = await loaded();
  try {
    for (const c of [0, 1, 1.5, -0.1, Number.NaN]) await assert.rejects(m.predict([1, 1, 1, 1], c), (e) => errorCode(e) === 'RUL_BAD_CONFIDENCE');
    await assert.rejects(m.predictFiveFeatures([0.35, 45.2, 6.5, 3.8, 4.2], '0.9'), (e) => errorCode(e) === 'RUL_BAD_CONFIDENCE');
    await assert.rejects(m.predict([1, 1, 1], 0.9), (e) => errorCode(e) === 'RUL_BAD_FEATURES');
    await assert.rejects(m.predict([1, Number.NaN, 1, 1], 0.9), (e) => errorCode(e) === 'RUL_BAD_FEATURES');
    await assert.rejects(m.predictBatch([[1, 1, 1, 1], [1, 1]], 0.9), (e) => errorCode(e) === 'RUL_BAD_FEATURES');
    await assert.rejects(m.predictFiveFeatures([0.35, 45.2, 6.5, 3.8], 0.9), (e) => errorCode(e) === 'RUL_BAD_FEATURES' && /exactly 5/.test((e as Error).message));
    await assert.rejects(m.predictFiveFeatures([0.35, '45.2', 6.5, 3.8, 4.2], 0.9), (e) => errorCode(e) === 'RUL_BAD_FEATURES' && /features\[1\]/.test((e as Error).message));
    await assert.rejects(m.predictFiveFeatures('nope', 0.9), (e) => errorCode(e) === 'RUL_BAD_FEATURES');
  } finally {
    await m.stop();
  }
});

test("the prototype's 5-feature body works; temperature is accepted but not a model input", async () => {
  const m = await loaded();
  try {
    const p = await m.predictFiveFeatures([0.35, 45.2, 6.5, 3.8, 4.2], 0.95);
    assert.equal(p.baseline_source, 'reference');
    assert.ok(p.rul_low_s <= p.rul_s && p.rul_s <= p.rul_high_s);
    const hot = await m.predictFiveFeatures([0.35, 90, 6.5, 3.8, 4.2], 0.95);
    assert.equal(hot.rul_s, p.rul_s);
    const spiky = await m.predictFiveFeatures([0.35, 45.2, 15, 8, 4.2], 0.95);
    assert.ok(spiky.rul_s < p.rul_s, 'higher kurtosis/crest factor must shorten RUL');
    const own = await m.predictFiveFeatures([0.35, 45.2, 6.5, 3.8, 4.2], 0.95, [0.35, 6.5, 3.8, 4.2]);
    assert.equal(own.baseline_source, 'asset');
  } finally {
    await m.stop();
  }
});

test('start/stop are idempotent; predicting before start is a clear error', async () => {
  const m = new RulModel({ modelPath: MODEL });
  await assert.rejects(m.predict([1, 1, 1, 1], 0.9), (e) => errorCode(e) === 'RUL_MODEL_NOT_LOADED');
  await Promise.all([m.start(), m.start()]);
  await m.start();
  assert.ok(m.loaded);
  await m.stop();
  await m.stop();
  assert.equal(m.loaded, false);
});

test('missing model or card -> RUL_MODEL_MISSING', async () => {
  assert.equal(await startCode(path.join(tmp, 'nope.onnx')), 'RUL_MODEL_MISSING');
  const p = path.join(tmp, 'nocard.onnx');
  copyFileSync(MODEL, p);
  assert.equal(await startCode(p), 'RUL_MODEL_MISSING');
});

test('corrupt card or corrupt ONNX -> RUL_MODEL_CORRUPT', async () => {
  const bytes = readFileSync(MODEL);
  assert.equal(await startCode(writePair('badjson', bytes, '{"name": "rul", ')), 'RUL_MODEL_CORRUPT');
  assert.equal(await startCode(writePair('nofields', bytes, { name: 'rul' })), 'RUL_MODEL_CORRUPT');
  const garbage = Buffer.from('this is not an onnx protobuf at all, just text');
  assert.equal(await startCode(writePair('garbage', garbage, { ...card, onnx: { ...card.onnx, sha256: sha(garbage) } })), 'RUL_MODEL_CORRUPT');
});

test('hash, input contract or graph shape disagreeing with the card -> RUL_MODEL_MISMATCH', async () => {
  const bytes = readFileSync(MODEL);
  // file changed after the card was written
  const flipped = Buffer.from(bytes);
  flipped[flipped.length - 1] ^= 0xff;
  assert.equal(await startCode(writePair('flipped', flipped, card)), 'RUL_MODEL_MISMATCH');
  // card lists other inputs than the gateway computes
  const reordered = { ...card, inputs: { ...card.inputs, order: [...card.inputs.order].reverse() } };
  assert.equal(await startCode(writePair('reordered', bytes, reordered)), 'RUL_MODEL_MISMATCH');
  // graph takes 3 inputs while the card says 4
  const p3: RulModelParams = { ...params, inMean: params.inMean.slice(0, 3), inStd: params.inStd.slice(0, 3), hidden: 0, wMu: params.wMu.slice(0, 3), wSig: params.wSig.slice(0, 3) };
  const g3 = exportRulOnnx(p3, { modelVersion: 1, producerVersion: 'test', docString: 'x', metadata: {} });
  assert.equal(await startCode(writePair('three', g3, { ...card, onnx: { ...card.onnx, sha256: sha(g3) } })), 'RUL_MODEL_MISMATCH');
  // a freshly exported 4-input graph with a matching card loads fine (the checks are not just "always fail")
  const g4 = exportRulOnnx(params, { modelVersion: 1, producerVersion: 'test', docString: 'x', metadata: {} });
  assert.equal(await startCode(writePair('four', g4, { ...card, onnx: { ...card.onnx, sha256: sha(g4) } })), 'OK');
});
