import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorCode } from '../../src/core/errors.js';
import { generateModelSigningKey, parseModelPackage, signModelPackage, verifyModelPackage, withGoldenVectors, type TrustedKey } from '../../src/prognosis/model-package.js';
import type { RulModelParams } from '../../src/prognosis/rul-math.js';
import { exportRulOnnx } from '../../src/prognosis/train/onnx-export.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const ONNX = readFileSync(path.join(root, 'models', 'rul.onnx'));
const CARD_TEXT = readFileSync(path.join(root, 'models', 'rul.json'), 'utf8');
const baseCard = JSON.parse(CARD_TEXT) as Record<string, any>;
const fleet = generateModelSigningKey();
const other = generateModelSigningKey();
const keys: TrustedKey[] = [{ id: 'fleet', publicKey: fleet.publicKey }];
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Card text for `onnx` at `version` with golden vectors computed by the signing tool. */
async function cardFor(onnx: Uint8Array, version: string, extra: Record<string, unknown> = {}): Promise<string> {
  return withGoldenVectors(onnx, JSON.stringify({ ...baseCard, version, onnx: { ...baseCard.onnx, sha256: sha(onnx), bytes: onnx.length }, ...extra }));
}
function pkgText(onnx: Uint8Array, card: string, opts: { key?: string; keyId?: string; rollback?: boolean } = {}): string {
  return JSON.stringify(signModelPackage({ onnxBytes: onnx, cardBytes: Buffer.from(card), keyId: opts.keyId ?? 'fleet', privateKeyPem: opts.key ?? fleet.privateKeyPem, rollback: opts.rollback }));
}
async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (err) {
    return errorCode(err);
  }
}
const verifyAt = (payload: string, current: string | null = '3.0.0') => verifyModelPackage(payload, { publicKeys: keys, currentVersion: current });

test('sign adds golden vectors reproduced by onnxruntime; a newer signed package verifies to its exact bytes', async () => {
  const card = await cardFor(ONNX, '3.1.0');
  const golden = JSON.parse(card).golden_vectors;
  assert.equal(golden.inputs.length, 6);
  assert.ok(golden.outputs.rul_median_s.every((x: number) => Number.isFinite(x) && x > 0));
  const v = await verifyAt(pkgText(ONNX, card));
  assert.equal(v.version, '3.1.0');
  assert.equal(v.keyId, 'fleet');
  assert.deepEqual(v.onnxBytes, ONNX);
  assert.equal(v.cardBytes.toString(), card);
  // the second of two trusted keys works too
  const v2 = await verifyModelPackage(pkgText(ONNX, card, { key: other.privateKeyPem, keyId: 'spare' }), { publicKeys: [...keys, { id: 'spare', publicKey: other.publicKey }], currentVersion: '3.0.0' });
  assert.equal(v2.keyId, 'spare');
});

test('each bad package is rejected with its reason', async () => {
  const card = await cardFor(ONNX, '3.1.0');
  const good = JSON.parse(pkgText(ONNX, card));
  // bad signature: bytes of the signature changed
  const sig = Buffer.from(good.signature, 'base64');
  sig[5] ^= 1;
  assert.equal(await code(verifyAt(JSON.stringify({ ...good, signature: sig.toString('base64') }))), 'MODEL_PKG_BAD_SIGNATURE');
  // wrong key: signed by a key the gateway does not trust, under a trusted id and under its own id
  assert.equal(await code(verifyAt(pkgText(ONNX, card, { key: other.privateKeyPem }))), 'MODEL_PKG_BAD_SIGNATURE');
  assert.equal(await code(verifyAt(pkgText(ONNX, card, { key: other.privateKeyPem, keyId: 'rogue' }))), 'MODEL_PKG_UNKNOWN_KEY');
  // tampered byte in the ONNX, in the card, and the rollback flag flipped after signing
  const onnx = Buffer.from(good.onnx_b64, 'base64');
  onnx[onnx.length - 3] ^= 0x10;
  assert.equal(await code(verifyAt(JSON.stringify({ ...good, onnx_b64: onnx.toString('base64') }))), 'MODEL_PKG_BAD_SIGNATURE');
  const cardB = Buffer.from(good.card_b64, 'base64');
  cardB[cardB.indexOf('3.1.0') + 2] = '2'.charCodeAt(0);
  assert.equal(await code(verifyAt(JSON.stringify({ ...good, card_b64: cardB.toString('base64') }))), 'MODEL_PKG_BAD_SIGNATURE');
  assert.equal(await code(verifyAt(JSON.stringify({ ...good, rollback: true }))), 'MODEL_PKG_BAD_SIGNATURE');
  // older and equal versions
  const older = await cardFor(ONNX, '2.9.0');
  assert.equal(await code(verifyAt(pkgText(ONNX, older))), 'MODEL_PKG_NOT_NEWER');
  assert.equal(await code(verifyAt(pkgText(ONNX, await cardFor(ONNX, '3.0.0')))), 'MODEL_PKG_NOT_NEWER');
  // golden vectors that the model does not reproduce (signed: the fleet side got them wrong)
  const g = JSON.parse(card);
  g.golden_vectors.outputs.rul_median_s[2] *= 1.01;
  assert.equal(await code(verifyAt(pkgText(ONNX, JSON.stringify(g)))), 'MODEL_PKG_GOLDEN_FAILED');
  const noGolden = { ...JSON.parse(card) };
  delete noGolden.golden_vectors;
  assert.equal(await code(verifyAt(pkgText(ONNX, JSON.stringify(noGolden)))), 'MODEL_PKG_GOLDEN_MISSING');
  // wrong input shape: a 3-input graph (card says [N, 4]); golden vectors cannot even be computed for it
  const params = baseCard.method.parameters as RulModelParams;
  const p3: RulModelParams = { ...params, inMean: params.inMean.slice(0, 3), inStd: params.inStd.slice(0, 3), hidden: 0, wMu: params.wMu.slice(0, 3), wSig: params.wSig.slice(0, 3) };
  const g3 = exportRulOnnx(p3, { modelVersion: 1, producerVersion: 'test', docString: 'x', metadata: {} });
  const card3 = JSON.stringify({ ...JSON.parse(card), onnx: { ...baseCard.onnx, sha256: sha(g3) } });
  assert.equal(await code(withGoldenVectors(g3, JSON.stringify({ ...JSON.parse(card3), golden_vectors: undefined }))), 'RUL_MODEL_MISMATCH');
  assert.equal(await code(verifyAt(pkgText(g3, card3))), 'MODEL_PKG_INCOMPATIBLE');
  // malformed and oversized payloads never reach JSON.parse / onnxruntime
  assert.equal(await code(verifyAt('{"format":')), 'MODEL_PKG_MALFORMED');
  assert.equal(await code(verifyAt('[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[')), 'MODEL_PKG_MALFORMED');
  assert.equal(await code(verifyAt(JSON.stringify({ ...good, format: 'x' }))), 'MODEL_PKG_MALFORMED');
  assert.equal(await code(verifyAt(JSON.stringify({ ...good, rollback: 'yes' }))), 'MODEL_PKG_MALFORMED');
  assert.equal(await code(verifyAt(JSON.stringify({ ...good, signature: '!!' }))), 'MODEL_PKG_MALFORMED');
  assert.throws(() => parseModelPackage('x'.repeat(100), 50), (e: unknown) => errorCode(e) === 'MODEL_PKG_TOO_LARGE');
});

test('a signed rollback request accepts an older version; a new model on a gateway with none is accepted', async () => {
  const older = await cardFor(ONNX, '2.0.0');
  assert.equal((await verifyAt(pkgText(ONNX, older, { rollback: true }))).rollback, true);
  assert.equal((await verifyAt(pkgText(ONNX, older), null)).version, '2.0.0');
});
