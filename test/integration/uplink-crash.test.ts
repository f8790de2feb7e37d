import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, skipWithoutMosquitto, type Broker } from '../helpers/mosquitto.js';
import { startGatewayProcess, getJson, type GatewayProcess } from '../helpers/gateway-process.js';
import { StreamRecorder, streamReport, sleep, waitFor } from '../helpers/stream-recorder.js';
import { writeSmallConfig } from '../helpers/small-config.js';
import { freePort } from '../../simulators/free-port.js';

test('kill -9 in the middle of a replay: after the restart nothing is lost and a repeated seq is only ever the same message', { skip: skipWithoutMosquitto(), timeout: 90_000 }, async (t) => {
  const port = await freePort();
  const persistenceDir = mkdtempSync(join(tmpdir(), 'fabwatch-mosq-data-'));
  const stateDir = mkdtempSync(join(tmpdir(), 'fabwatch-state-'));
  let broker: Broker = await startBroker({ port, persistenceDir });
  t.after(() => broker.stop());
  const sub = await StreamRecorder.connect(broker.url, ['factory/main/#'], { clientId: 'crash-sub', clean: false, protocolVersion: 4 });
  t.after(() => sub.close());
  // Replay slowed to 10 messages/s so the kill lands mid-replay.
  const config = writeSmallConfig({ gatewayId: 'gw-crash-01', url: broker.url, windowSize: 256, mqtt: { outbox: { replayRatePerS: 10 } }, testAlertIntervalMs: 500 });
  const env = { FABWATCH_STATE_DIR: stateDir, NODE_ENV: 'test' };
  const procs: GatewayProcess[] = [];
  t.after(() => Promise.all(procs.map((p) => p.stop('SIGKILL'))));
  let gw = await startGatewayProcess({ config, env, timeoutMs: 60_000 });
  procs.push(gw);
  const count = () => sub.streams.get('gw-crash-01 factory/main/robot-a/telemetry')?.length ?? 0;
  assert.ok(await waitFor(() => count() >= 3, 30_000), 'telemetry flows');

  await broker.stop();
  await sleep(6000);
  broker = await startBroker({ port, persistenceDir });
  const replaying = await waitFor(async () => {
    const h = await getJson(`http://127.0.0.1:${gw.rest}/health`);
    return h.uplink.connected && h.uplink.replayed >= 10 ? h : null;
  }, 20_000, 100);
  assert.ok(replaying, 'replay under way');
  assert.ok(replaying.uplink.queued > 20, `a backlog is left when the process dies (${replaying.uplink.queued})`);
  assert.equal(await gw.stop('SIGKILL'), 'SIGKILL');

  gw = await startGatewayProcess({ config, env, timeoutMs: 60_000 });
  procs.push(gw);
  const drained = await waitFor(async () => {
    const h = await getJson(`http://127.0.0.1:${gw.rest}/health`);
    return h.uplink.connected && h.uplink.queued === 0 && h.uplink.in_flight === 0 ? h : null;
  }, 40_000, 250);
  assert.ok(drained, 'the restarted gateway drains the rest of the backlog');
  await sleep(1000);
  assert.equal(await gw.stop('SIGTERM'), 0);
  await sleep(300);

  for (const topic of ['factory/main/robot-a/telemetry', 'factory/main/robot-b/telemetry', 'factory/main/robot-a/alerts']) {
    const rep = streamReport(sub.streams.get(`gw-crash-01 ${topic}`) ?? []);
    assert.equal(rep.seqs[0], 1, `${topic}: from seq 1`);
    assert.deepEqual(rep.missing, [], `${topic}: nothing missing`);
    assert.ok(rep.inOrder, `${topic}: in order`);
    assert.equal(rep.conflicts, 0, `${topic}: a repeated seq is always the same message (at-least-once, never a reused seq)`);
    assert.ok(rep.seqs.length >= 10, `${topic}: ${rep.seqs.length} messages`);
  }
});

test('a corrupt outbox file at start: clear error, alert, quarantined, the gateway runs and publishes (no crash loop)', { skip: skipWithoutMosquitto(), timeout: 60_000 }, async (t) => {
  const broker = await startBroker();
  t.after(() => broker.stop());
  const stateDir = mkdtempSync(join(tmpdir(), 'fabwatch-state-'));
  writeFileSync(join(stateDir, 'outbox.db'), Buffer.alloc(16384, 0xa5));
  const sub = await StreamRecorder.connect(broker.url, ['factory/main/#'], { clientId: 'corrupt-sub' });
  t.after(() => sub.close());
  const gw = await startGatewayProcess({ config: writeSmallConfig({ gatewayId: 'gw-corrupt-01', url: broker.url }), env: { FABWATCH_STATE_DIR: stateDir }, timeoutMs: 60_000 });
  t.after(() => gw.stop('SIGKILL'));
  const alertCodes = () => (sub.streams.get('gw-corrupt-01 factory/main/gateways/gw-corrupt-01/alerts') ?? []).map((m) => m.body.code);
  assert.ok(await waitFor(() => alertCodes().includes('OUTBOX_CORRUPT'), 20_000), `OUTBOX_CORRUPT alert published (${alertCodes()})`);
  assert.ok(await waitFor(() => (sub.streams.get('gw-corrupt-01 factory/main/robot-a/telemetry')?.length ?? 0) >= 2, 20_000), 'telemetry flows');
  const h = await getJson(`http://127.0.0.1:${gw.rest}/health`);
  assert.equal(h.uplink.outbox.fault.code, 'OUTBOX_CORRUPT');
  assert.equal(h.uplink.outbox.mode, 'sqlite', 'a fresh durable outbox replaced the bad file');
  assert.equal(h.status, 'degraded');
  assert.ok(readdirSync(stateDir).some((f) => f.startsWith('outbox.db.corrupt-')), 'bad file kept');
  assert.ok(gw.logs.some((l) => l.includes('"level":50') && l.includes('OUTBOX_CORRUPT')), 'an error line with the code');
  assert.equal(await gw.stop('SIGTERM'), 0);
});
