import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { AuditLog } from '../../src/core/audit.js';
import { errorCode } from '../../src/core/errors.js';
import { generateModelSigningKey, signModelPackage, withGoldenVectors } from '../../src/prognosis/model-package.js';
import { installedModel, ModelUpdater, type ModelUpdateEvent } from '../../src/prognosis/model-updater.js';
import { RulModel } from '../../src/prognosis/rul-model.js';
import type { RulModelParams } from '../../src/prognosis/rul-math.js';
import { exportRulOnnx } from '../../src/prognosis/train/onnx-export.js';
import { predictionLoop } from '../helpers/prediction-loop.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BUNDLED = path.join(root, 'models', 'rul.onnx');
const ONNX = readFileSync(BUNDLED);
const baseCard = JSON.parse(readFileSync(path.join(root, 'models', 'rul.json'), 'utf8')) as Record<string, any>;
const params = baseCard.method.parameters as RulModelParams;
const key = generateModelSigningKey();
const rogue = generateModelSigningKey();
const tmp = mkdtempSync(path.join(tmpdir(), 'fabwatch-model-upd-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function pkg(onnx: Uint8Array, version: string, o: { rollback?: boolean; signer?: string; golden?: unknown; inputsShape?: boolean } = {}): Promise<string> {
  const card = { ...baseCard, version, onnx: { ...baseCard.onnx, sha256: sha(onnx), bytes: onnx.length }, ...(o.golden ? { golden_vectors: o.golden } : {}) };
  const text = await withGoldenVectors(onnx, JSON.stringify(card));
  return JSON.stringify(signModelPackage({ onnxBytes: onnx, cardBytes: Buffer.from(text), keyId: 'fleet', privateKeyPem: o.signer ?? key.privateKeyPem, rollback: o.rollback }));
}

async function setup(name: string): Promise<{ model: RulModel; updater: ModelUpdater; events: ModelUpdateEvent[]; stateDir: string; audit: string[] }> {
  const stateDir = path.join(tmp, name);
  const model = new RulModel({ modelPath: BUNDLED });
  await model.start();
  const events: ModelUpdateEvent[] = [];
  const audit: string[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => void audit.push(s) });
  const updater = new ModelUpdater({ model, stateDir, bundledModelPath: BUNDLED, publicKeys: [{ id: 'fleet', publicKey: key.publicKey }], maxPackageBytes: 1 << 22, audit: new AuditLog(log), onEvent: (e) => events.push(e) });
  return { model, updater, events, stateDir, audit };
}

const ROW = [1.5, 1.3, 1.1, 1.6];

test('a valid update is swapped in while predictions continue: none fails, none is missed, each runs on one model', async (t) => {
  const { model, updater, events, stateDir, audit } = await setup('swap');
  const p = await pkg(ONNX, '3.1.0');
  const loop = predictionLoop(model, ROW);
  t.after(() => loop.stop()); // also when an assertion fails
  const ev = await updater.handlePackage(p);
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  await loop.stop();
  const { versions, failures } = loop;
  assert.equal(ev.action, 'swapped', ev.reason);
  assert.deepEqual(failures, []);
  assert.equal(versions.length, loop.issued());
  assert.ok(versions.includes('3.0.0') && versions.at(-1) === '3.1.0', `versions seen: ${[...new Set(versions)]}`);
  assert.ok(versions.lastIndexOf('3.0.0') < versions.indexOf('3.1.0'), 'never back to the old model after the swap');
  assert.equal(model.source, 'update');
  assert.deepEqual(events.map((e) => e.action), ['accepted', 'swapped']);
  assert.equal((await updater.handlePackage(p)).action, 'unchanged', 'the retained package again after a reconnect');
  assert.equal(events.length, 2, 'no alert for it');
  assert.equal(audit.filter((l) => /"audit":"model"/.test(l)).length, 2);
  const inst = installedModel(stateDir)!;
  assert.equal(inst.entry.version, '3.1.0');
  assert.equal(inst.state.previous?.origin, 'bundled');
  assert.deepEqual(readFileSync(inst.modelPath), ONNX);
  await model.stop();
});

test('each bad package is rejected with its reason, audited, and the old model keeps serving', async () => {
  const { model, updater, events, audit } = await setup('reject');
  const good = JSON.parse(await pkg(ONNX, '3.1.0'));
  const sig = Buffer.from(good.signature, 'base64');
  sig[0] ^= 1;
  const onnx = Buffer.from(good.onnx_b64, 'base64');
  onnx[100] ^= 1;
  const p3: RulModelParams = { ...params, inMean: params.inMean.slice(0, 3), inStd: params.inStd.slice(0, 3), hidden: 0, wMu: params.wMu.slice(0, 3), wSig: params.wSig.slice(0, 3) };
  const g3 = exportRulOnnx(p3, { modelVersion: 1, producerVersion: 'test', docString: 'x', metadata: {} });
  const g3card = { ...baseCard, version: '3.1.0', onnx: { ...baseCard.onnx, sha256: sha(g3) }, golden_vectors: JSON.parse((await withGoldenVectors(ONNX, JSON.stringify(baseCard)))).golden_vectors };
  const badGolden = JSON.parse(await withGoldenVectors(ONNX, JSON.stringify(baseCard))).golden_vectors;
  badGolden.outputs.health_indicator[3] += 0.05;
  const cases: Array<[string, string]> = [
    ['bad signature', JSON.stringify({ ...good, signature: sig.toString('base64') })],
    ['wrong key', await pkg(ONNX, '3.1.0', { signer: rogue.privateKeyPem })],
    ['tampered byte', JSON.stringify({ ...good, onnx_b64: onnx.toString('base64') })],
    ['wrong input shape', JSON.stringify(signModelPackage({ onnxBytes: g3, cardBytes: Buffer.from(JSON.stringify(g3card)), keyId: 'fleet', privateKeyPem: key.privateKeyPem }))],
    ['golden vectors fail', await pkg(ONNX, '3.1.0', { golden: badGolden })],
    ['older version', await pkg(ONNX, '2.9.0')],
    ['garbage', '\u0000\u0001 not json'],
  ];
  const codes: Record<string, string | undefined> = {};
  for (const [name, payload] of cases) {
    const ev = await updater.handlePackage(payload);
    codes[name] = ev.code;
    assert.equal(ev.action, 'rejected', name);
    assert.equal(model.version, '3.0.0', name);
    assert.equal((await model.predict(ROW)).model_version, '3.0.0', name);
  }
  await model.stop();
  assert.deepEqual(codes, {
    'bad signature': 'MODEL_PKG_BAD_SIGNATURE',
    'wrong key': 'MODEL_PKG_BAD_SIGNATURE',
    'tampered byte': 'MODEL_PKG_BAD_SIGNATURE',
    'wrong input shape': 'MODEL_PKG_INCOMPATIBLE',
    'golden vectors fail': 'MODEL_PKG_GOLDEN_FAILED',
    'older version': 'MODEL_PKG_NOT_NEWER',
    garbage: 'MODEL_PKG_MALFORMED',
  });
  assert.equal(events.length, cases.length);
  assert.equal(audit.filter((l) => /"audit":"model".*"status":"rejected"/.test(l)).length, cases.length);
  assert.equal(updater.installed, null, 'nothing installed');
  // a burst is not queued without bound: past MAX_PENDING_PACKAGES waiting, packages are refused at once
  const burst = await Promise.all(Array.from({ length: 5 }, () => updater.handlePackage(cases[0][1])));
  assert.deepEqual(burst.map((e) => e.code), ['MODEL_PKG_BAD_SIGNATURE', 'MODEL_PKG_BAD_SIGNATURE', 'MODEL_UPDATE_BUSY', 'MODEL_UPDATE_BUSY', 'MODEL_UPDATE_BUSY']);
});

test('rollback by command, and a self-rollback when the new model returns non-finite outputs', async () => {
  const { model, updater, events, stateDir } = await setup('rollback');
  await assert.rejects(updater.rollback('command'), (e: unknown) => errorCode(e) === 'MODEL_NO_PREVIOUS');
  assert.equal((await updater.handlePackage(await pkg(ONNX, '3.1.0'))).action, 'swapped');
  const rb = await updater.rollback('command', 'operator asked');
  assert.equal(rb.version, '3.0.0');
  assert.equal(model.version, '3.0.0');
  assert.equal(model.source, 'bundled');
  assert.equal(installedModel(stateDir), null, 'a restart runs the bundled model too');
  // a model fine on its golden row that overflows (exp of a huge mu = Infinity) on worn-bearing inputs
  const wild: RulModelParams = { ...params, hidden: 0, wMu: [100, 0, 0, 0], bMu: 0, wSig: [0, 0, 0, 0] };
  const gw = exportRulOnnx(wild, { modelVersion: 1, producerVersion: 'test', docString: 'x', metadata: {} });
  const one = JSON.parse(await withGoldenVectors(gw, JSON.stringify({ ...baseCard, onnx: { ...baseCard.onnx, sha256: sha(gw) } }))).golden_vectors;
  const golden = { ...one, inputs: [one.inputs[0]], outputs: Object.fromEntries(Object.entries(one.outputs as Record<string, number[]>).map(([k, v]) => [k, [v[0]]])) };
  assert.equal((await updater.handlePackage(await pkg(gw, '4.0.0', { golden }))).action, 'swapped');
  assert.equal(model.version, '4.0.0');
  await assert.rejects(model.predict([4, 1, 1, 1]), (e: unknown) => errorCode(e) === 'RUL_MODEL_FAULT');
  await updater.rollback('command').catch(() => undefined); // queued behind the self-rollback; there is nothing faulted to go back to
  assert.equal(model.version, '3.0.0');
  assert.equal((await model.predict([4, 1, 1, 1])).model_version, '3.0.0');
  const self = events.find((e) => e.trigger === 'self')!;
  assert.equal(self.action, 'rolled_back');
  assert.match(self.reason, /non-finite rul_median_s/);
  assert.equal(updater.installed?.previous?.faulted, true);
  assert.equal(events.at(-1)!.code, 'MODEL_NO_PREVIOUS', 'never rolled back to the faulted model');
  // the retained 4.0.0 arriving again after a reconnect is not installed again; the running 3.0.0 package is a no-op
  const again = await updater.handlePackage(await pkg(gw, '4.0.0', { golden }));
  assert.equal(again.code, 'MODEL_PKG_WITHDRAWN');
  assert.equal(model.version, '3.0.0');
  await model.stop();
});

test('a crash while writing an update leaves the old model installed and served after the restart', async () => {
  const { model, updater, stateDir } = await setup('crash');
  assert.equal((await updater.handlePackage(await pkg(ONNX, '3.1.0'))).action, 'swapped');
  await model.stop();
  const p = path.join(tmp, 'pkg-3.2.0.json');
  writeFileSync(p, await pkg(ONNX, '3.2.0'));
  const before = readFileSync(path.join(stateDir, 'model', 'installed.json'), 'utf8');
  const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'test/helpers/model-install-crash.ts'), stateDir, BUNDLED, p, 'fleet', key.publicKey], { cwd: root, encoding: 'utf8', timeout: 30_000 });
  assert.equal(child.signal, 'SIGKILL', child.stderr + child.stdout);
  assert.equal(readFileSync(path.join(stateDir, 'model', 'installed.json'), 'utf8'), before, 'installed.json untouched');
  // "restart": what the gateway loads, and the stray files of 3.2.0 are cleaned up
  const inst = installedModel(stateDir)!;
  const again = new RulModel({ modelPath: inst.modelPath, cardPath: inst.cardPath, source: 'update' });
  await again.start();
  assert.equal((await again.predict(ROW)).model_version, '3.1.0');
  const files = () => readdirSync(path.join(stateDir, 'model')).sort();
  const strayCount = files().length;
  new ModelUpdater({ model: again, stateDir, bundledModelPath: BUNDLED, publicKeys: [], maxPackageBytes: 1 << 22, audit: new AuditLog(pino({ level: 'silent' })) });
  assert.ok(files().length < strayCount, `strays removed: ${files()}`);
  assert.equal(files().length, 5); // installed.json + current and previous (onnx + card)
  assert.ok(existsSync(inst.modelPath));
  await again.stop();
});

test('at start, with model.updates.enabled, the prognosis wiring loads the installed update; without it, model.path', async () => {
  const { model, updater, stateDir } = await setup('wiring');
  assert.equal((await updater.handlePackage(await pkg(ONNX, '3.1.0'))).action, 'swapped');
  await model.stop();
  const { validateConfig } = await import('../../src/config/load.js');
  const { createPrognosis } = await import('../../src/wiring/prognosis.js');
  const { GatewayState } = await import('../../src/state/gateway-state.js');
  const { systemClock } = await import('../../src/core/clock.js');
  const keys = [{ id: 'fleet', publicKey: key.publicKey }];
  for (const [enabled, version, source] of [[true, '3.1.0', 'update'], [false, '3.0.0', 'bundled']] as const) {
    const config = validateConfig({ gateway: { id: 'gw-w', stateDir }, model: { updates: { enabled, publicKeys: keys } } }, 'test');
    const m = createPrognosis(config, new GatewayState({ gatewayId: 'gw-w', site: 'main' }, systemClock, 10, [])).model!;
    await m.start();
    assert.deepEqual([m.version, m.source], [version, source]);
    await m.stop();
  }
});

test('config: model.updates.enabled needs a public key; key ids are unique; keys are raw 32-byte base64', async () => {
  const { validateConfig } = await import('../../src/config/load.js');
  const gateway = { id: 'gw-c', stateDir: path.join(tmp, 'cfg') };
  const cfg = (updates: unknown) => () => validateConfig({ gateway, model: { updates } }, 'test');
  assert.throws(cfg({ enabled: true }), /publicKeys.*at least one public key/s);
  assert.throws(cfg({ enabled: true, publicKeys: [{ id: 'a', publicKey: key.publicKey }, { id: 'a', publicKey: rogue.publicKey }] }), /duplicate key id/);
  assert.throws(cfg({ enabled: true, publicKeys: [{ id: 'a', publicKey: 'c2hvcnQ=' }] }), /publicKey/);
  assert.equal(validateConfig({ gateway, model: { updates: { enabled: true, publicKeys: [{ id: 'a', publicKey: key.publicKey }] } } }, 'test').model.updates.maxPackageBytes, 4194304);
});
