import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import pino from 'pino';
import { startBroker, skipWithoutMosquitto } from '../helpers/mosquitto.js';
import { waitFor } from '../helpers/stream-recorder.js';
import { validateConfig } from '../../src/config/load.js';
import { AuditLog } from '../../src/core/audit.js';
import { systemClock } from '../../src/core/clock.js';
import { CommandService } from '../../src/commands/service.js';
import { generateModelSigningKey, signModelPackage, withGoldenVectors } from '../../src/prognosis/model-package.js';
import { RulModel } from '../../src/prognosis/rul-model.js';
import { GatewayState } from '../../src/state/gateway-state.js';
import { MqttUplink } from '../../src/uplink/mqtt-uplink.js';
import { createModelUpdates } from '../../src/wiring/model-updates.js';
import { buildHealthReport } from '../../src/status/health-report.js';
import { predictionLoop } from '../helpers/prediction-loop.js';
import { payloadErrors } from '../helpers/payload-schemas.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const ONNX = readFileSync(path.join(root, 'models', 'rul.onnx'));
const baseCard = JSON.parse(readFileSync(path.join(root, 'models', 'rul.json'), 'utf8')) as Record<string, any>;
const fleet = generateModelSigningKey();
const rogue = generateModelSigningKey();

async function pkg(version: string, o: { signer?: string; mutate?: (card: Record<string, any>) => void } = {}): Promise<Record<string, unknown>> {
  const card = JSON.parse(await withGoldenVectors(ONNX, JSON.stringify({ ...baseCard, version, onnx: { ...baseCard.onnx, sha256: createHash('sha256').update(ONNX).digest('hex') } })));
  o.mutate?.(card);
  return { ...signModelPackage({ onnxBytes: ONNX, cardBytes: Buffer.from(JSON.stringify(card)), keyId: 'fleet', privateKeyPem: o.signer ?? fleet.privateKeyPem }) };
}

test('model updates over real Mosquitto: rejections keep the old model, a retained valid package swaps in while predictions run, model_rollback by MQTT command', { skip: skipWithoutMosquitto(), timeout: 60_000 }, async (t) => {
  const broker = await startBroker();
  t.after(() => broker.stop());
  const stateDir = mkdtempSync(path.join(tmpdir(), 'fabwatch-ota-'));
  t.after(() => rmSync(stateDir, { recursive: true, force: true }));
  const config = validateConfig({ gateway: { id: 'gw-ota', stateDir }, mqtt: { url: broker.url, reconnectMinMs: 200 }, model: { updates: { enabled: true, publicKeys: [{ id: 'fleet', publicKey: fleet.publicKey }] } } }, 'test');
  const state = new GatewayState({ gatewayId: 'gw-ota', site: 'main' }, systemClock, 100, [{ id: 'robot-001' }]);
  const auditLines: string[] = [];
  const audit = new AuditLog(pino({ level: 'info' }, { write: (s: string) => void auditLines.push(s) }));
  const model = new RulModel({ modelPath: path.join(root, 'models', 'rul.onnx') });
  await model.start();
  t.after(() => model.stop());
  const updates = createModelUpdates(config, { model, audit, state, clock: systemClock })!;
  const commands = new CommandService({ clock: systemClock, audit, robotIds: () => state.robots.keys(), definitions: updates.commands });
  const uplink = new MqttUplink(config.mqtt, state, systemClock, pino({ level: 'silent' }), { stateDir, commands, modelPackages: updates });

  const fleetSide = await mqtt.connectAsync(broker.url, { clientId: 'fleet' });
  t.after(() => fleetSide.endAsync(true));
  const alerts: Array<Record<string, any>> = [];
  const acks: Array<Record<string, any>> = [];
  fleetSide.on('message', (topic, payload) => {
    const body = JSON.parse(payload.toString());
    if (topic.endsWith('/alerts')) alerts.push(body);
    if (topic.endsWith('/cmd/ack')) acks.push(body);
  });
  await fleetSide.subscribeAsync(['factory/main/gateways/gw-ota/alerts', 'factory/main/gateways/gw-ota/cmd/ack'], { qos: 1 });
  const topic = 'factory/main/gateways/gw-ota/model';

  // predictions run the whole time, one after the other
  const loop = predictionLoop(model, [1.4, 1.2, 1.1, 1.5], 2);
  t.after(() => loop.stop()); // also when an assertion fails: a running loop would keep the file alive

  await uplink.start();
  t.after(() => uplink.stop());
  assert.ok(await waitFor(() => uplink.connected, 10_000));
  await new Promise((r) => setTimeout(r, 300)); // subscriptions in place

  const good = await pkg('3.1.0');
  const sig = Buffer.from(good.signature as string, 'base64');
  sig[9] ^= 4;
  const onnx = Buffer.from(good.onnx_b64 as string, 'base64');
  onnx[200] ^= 1;
  const bad: Array<[string, string | Buffer]> = [
    ['MODEL_PKG_BAD_SIGNATURE', JSON.stringify({ ...good, signature: sig.toString('base64') })],
    ['MODEL_PKG_BAD_SIGNATURE', JSON.stringify(await pkg('3.1.0', { signer: rogue.privateKeyPem }))],
    ['MODEL_PKG_BAD_SIGNATURE', JSON.stringify({ ...good, onnx_b64: onnx.toString('base64') })],
    ['MODEL_PKG_INCOMPATIBLE', JSON.stringify(await pkg('3.1.0', { mutate: (c) => (c.inputs.shape = ['N', 5]) }))],
    ['MODEL_PKG_GOLDEN_FAILED', JSON.stringify(await pkg('3.1.0', { mutate: (c) => (c.golden_vectors.outputs.rul_log_sigma[0] += 0.01) }))],
    ['MODEL_PKG_NOT_NEWER', JSON.stringify(await pkg('2.0.0'))],
    ['MODEL_PKG_MALFORMED', Buffer.from([0xff, 0x00, 0x7b])],
  ];
  // One at a time: the gateway holds at most 2 packages waiting for verification and refuses more
  // with MODEL_UPDATE_BUSY (tested in the unit tests); a loaded machine verifies slowly.
  for (const [i, [, payload]] of bad.entries()) {
    await fleetSide.publishAsync(topic, payload, { qos: 1 });
    assert.ok(await waitFor(() => alerts.length >= i + 1, 20_000), `alerts: ${alerts.length} after package ${i + 1}`);
  }
  assert.deepEqual(alerts.map((a) => a.code), bad.map(([c]) => c));
  assert.ok(alerts.every((a) => a.source === 'model-update' && a.gateway_id === 'gw-ota'));
  assert.equal(model.version, '3.0.0', 'the old model keeps serving');

  // the valid package, retained as the fleet side does
  await fleetSide.publishAsync(topic, JSON.stringify(good), { qos: 1, retain: true });
  assert.ok(await waitFor(() => alerts.some((a) => a.code === 'MODEL_SWAPPED'), 10_000));
  assert.deepEqual(alerts.slice(bad.length).map((a) => a.code), ['MODEL_ACCEPTED', 'MODEL_SWAPPED']);
  const health = () => buildHealthReport({ identity: { gatewayId: 'gw-ota', site: 'main', version: 't', simulation: true }, uptimeMs: () => 0, components: () => [], sensors: () => [], counters: () => [], uplink, model, modelConfidenceLevel: 0.9 }).model;
  assert.deepEqual({ ...health() }, { available: true, name: 'rul', version: '3.1.0', source: 'update', confidence_level: 0.9 });
  await new Promise((r) => setTimeout(r, 100));

  // model_rollback over MQTT, as a gateway command
  await fleetSide.publishAsync('factory/main/gateways/gw-ota/cmd', JSON.stringify({ command: 'model_rollback', id: 'rb-1', issued_at: new Date().toISOString() }), { qos: 1 });
  assert.ok(await waitFor(() => acks.length >= 1, 10_000));
  assert.equal(acks[0].status, 'ok', acks[0].message);
  assert.equal(payloadErrors('command-ack', acks[0]), '', 'a gateway ack (robot_id null) matches docs/schemas/command-ack.json');
  assert.deepEqual(acks[0].result, { version: '3.0.0', previous_version: '3.1.0' });
  assert.ok(await waitFor(() => alerts.some((a) => a.code === 'MODEL_ROLLED_BACK'), 5000));
  assert.deepEqual({ ...health() }, { available: true, name: 'rul', version: '3.0.0', source: 'bundled', confidence_level: 0.9 });

  // a reconnect brings the retained 3.1.0 again: it was rolled back from, so it stays out
  const n = alerts.length;
  await uplink.stop();
  await uplink.start();
  assert.ok(await waitFor(() => alerts.length > n, 10_000));
  assert.equal(alerts.at(-1)!.code, 'MODEL_PKG_WITHDRAWN');
  assert.equal(model.version, '3.0.0');

  await loop.stop();
  const { versions, failures } = loop;
  assert.deepEqual(failures, [], 'no failed prediction');
  assert.equal(versions.length, loop.issued(), 'no missed prediction');
  assert.ok(versions.includes('3.1.0') && versions.at(-1) === '3.0.0');
  const modelAudit = auditLines.filter((l) => l.includes('"audit":"model"'));
  assert.ok(modelAudit.length >= bad.length + 4, `${modelAudit.length} model audit lines`);
});
