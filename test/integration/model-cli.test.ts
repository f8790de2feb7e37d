import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectAsync } from 'mqtt';
import { modelCommand } from '../../src/cli/model.js';
import { verifyModelPackage } from '../../src/prognosis/model-package.js';
import { startBroker, skipWithoutMosquitto } from '../helpers/mosquitto.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const tmp = mkdtempSync(path.join(tmpdir(), 'fabwatch-model-cli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function sink(): { text: string; write(s: string): boolean } {
  return { text: '', write(s: string) { this.text += s; return true; } };
}
async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = sink();
  const err = sink();
  const code = await modelCommand(argv, out, err);
  return { code, out: out.text, err: err.text };
}

test('fabwatch model keygen -> sign -> verify -> publish (retained, QoS 1) on the gateway model topic', { skip: skipWithoutMosquitto(), timeout: 30_000 }, async () => {
  const key = path.join(tmp, 'fleet.pem');
  const kg = await run(['keygen', '--out', key, '--key-id', 'fleet']);
  assert.equal(kg.code, 0, kg.err);
  assert.equal(statSync(key).mode & 0o777, 0o600);
  const pub = /public key: (\S+)/.exec(kg.out)![1];
  assert.match(kg.out, /publicKeys:\n\s+- id: fleet\n\s+publicKey: /);

  const pkgPath = path.join(tmp, 'pkg.json');
  const sign = await run(['sign', '--model', path.join(root, 'models', 'rul.onnx'), '--key', key, '--key-id', 'fleet', '--out', pkgPath]);
  assert.equal(sign.code, 0, sign.err);
  assert.match(sign.out, /model 3\.0\.0, \d+ bytes, signed with key fleet/);

  // the running 3.0.0 is not older than the package: verify says why; with no current model it passes
  const same = await run(['verify', pkgPath, '--public-key', pub, '--key-id', 'fleet', '--current', '3.0.0']);
  assert.equal(same.code, 1);
  assert.match(same.err, /MODEL_PKG_NOT_NEWER/);
  const ok = await run(['verify', pkgPath, '--public-key', pub, '--key-id', 'fleet']);
  assert.equal(ok.code, 0, ok.err);
  // missing arguments are usage errors (exit 2), not crashes
  assert.equal((await run(['sign', '--model', 'x'])).code, 2);
  assert.equal((await run(['frobnicate'])).code, 2);
  assert.equal((await run(['--help'])).code, 0);
  assert.equal((await run([])).code, 2);
  // publish refuses a file that is no package
  const junk = path.join(tmp, 'junk.json');
  (await import('node:fs')).writeFileSync(junk, '{"format":"nope"}');
  const bad = await run(['publish', junk, '--url', 'mqtt://127.0.0.1:1', '--site', 's', '--gateway', 'g']);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /MODEL_PKG_MALFORMED/);

  const broker = await startBroker();
  try {
    const pubd = await run(['publish', pkgPath, '--url', broker.url, '--site', 'fab1', '--gateway', 'gw-7']);
    assert.equal(pubd.code, 0, pubd.err);
    assert.match(pubd.out, /factory\/fab1\/gateways\/gw-7\/model \(retained\)/);
    // a gateway connecting later gets the retained package, byte for byte, and it verifies
    const sub = await connectAsync(broker.url, { reconnectPeriod: 0 });
    try {
      const got = new Promise<{ payload: Buffer; retain: boolean; qos: number }>((resolve) => sub.once('message', (_t, payload, packet) => resolve({ payload, retain: packet.retain, qos: packet.qos })));
      await sub.subscribeAsync('factory/fab1/gateways/gw-7/model', { qos: 1 });
      const m = await got;
      assert.equal(m.retain, true);
      assert.equal(m.qos, 1);
      assert.deepEqual(m.payload, readFileSync(pkgPath));
      assert.equal((await verifyModelPackage(m.payload, { publicKeys: [{ id: 'fleet', publicKey: pub }], currentVersion: '2.0.0' })).version, '3.0.0');
    } finally {
      await sub.endAsync();
    }
  } finally {
    await broker.stop();
  }
});
