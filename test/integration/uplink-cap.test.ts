import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, skipWithoutMosquitto, type Broker } from '../helpers/mosquitto.js';
import { startGatewayProcess, getJson } from '../helpers/gateway-process.js';
import { StreamRecorder, streamReport, sleep, waitFor } from '../helpers/stream-recorder.js';
import { writeSmallConfig } from '../helpers/small-config.js';
import { payloadErrors } from '../helpers/payload-schemas.js';
import { freePort } from '../../simulators/free-port.js';

test('outbox cap reached during an outage: telemetry drops are counted, every alert is delivered', { skip: skipWithoutMosquitto(), timeout: 90_000 }, async (t) => {
  const port = await freePort();
  const persistenceDir = mkdtempSync(join(tmpdir(), 'fabwatch-mosq-data-'));
  let broker: Broker = await startBroker({ port, persistenceDir });
  t.after(() => broker.stop());
  const sub = await StreamRecorder.connect(broker.url, ['factory/main/#'], { clientId: 'cap-sub', clean: false, protocolVersion: 4 });
  t.after(() => sub.close());
  // 64 KiB cap: a few seconds of 2 robots at 6 windows/s each fill it.
  const config = writeSmallConfig({ gatewayId: 'gw-cap-01', url: broker.url, windowSize: 256, mqtt: { outbox: { maxBytes: 65536 } }, testAlertIntervalMs: 250 });
  const gw = await startGatewayProcess({ config, env: { NODE_ENV: 'test' }, timeoutMs: 60_000 });
  t.after(() => gw.stop('SIGKILL'));
  const base = `http://127.0.0.1:${gw.rest}`;
  assert.ok(await waitFor(() => (sub.streams.get('gw-cap-01 factory/main/robot-a/telemetry')?.length ?? 0) >= 3, 30_000), 'telemetry flows');

  await broker.stop();
  const outageStart = Date.now();
  const full = await waitFor(async () => {
    const h = await getJson(`${base}/health`);
    return h.uplink.dropped > 20 ? h : null;
  }, 30_000, 500);
  assert.ok(full, 'the cap is reached and telemetry is dropped');
  await sleep(2000);
  const h = await getJson(`${base}/health`);
  // The cap is enforced at every commit (every 50 ms); in between, the batch being collected is on top.
  assert.ok(h.uplink.outbox.bytes <= 65536 + 8192, `outbox within its cap (${h.uplink.outbox.bytes} bytes)`);
  assert.equal(h.status, 'degraded');
  const outageEnd = Date.now();

  broker = await startBroker({ port, persistenceDir });
  const drained = await waitFor(async () => {
    const x = await getJson(`${base}/health`);
    return x.uplink.connected && x.uplink.queued === 0 && x.uplink.in_flight === 0 ? x : null;
  }, 30_000, 250);
  assert.ok(drained, 'drained after the outage');
  await sleep(1500);
  const final = await getJson(`${base}/health`);
  assert.equal(await gw.stop('SIGTERM'), 0);
  await sleep(300);

  // Every alert of the test hook, including those raised during the outage, arrived: seq 1..N, none missing.
  const alerts = sub.streams.get('gw-cap-01 factory/main/robot-a/alerts') ?? [];
  const ar = streamReport(alerts);
  assert.equal(ar.seqs[0], 1);
  assert.deepEqual(ar.missing, [], 'no alert missing');
  assert.ok(ar.inOrder);
  const duringOutage = alerts.filter((m) => Date.parse(m.body.ts!) > outageStart && Date.parse(m.body.ts!) < outageEnd);
  for (const m of alerts) assert.equal(payloadErrors('alert', m.body), '', 'alert matches docs/schemas/alert.json');
  assert.ok(duringOutage.length >= 10, `alerts raised during the outage delivered: ${duringOutage.length}`);
  // The gateway says what it dropped, as an alert that is itself never dropped.
  const gwAlerts = (sub.streams.get('gw-cap-01 factory/main/gateways/gw-cap-01/alerts') ?? []).map((m) => m.body.code);
  assert.ok(gwAlerts.includes('OUTBOX_TELEMETRY_DROPPED'), `drop alert published (${gwAlerts})`);
  assert.ok(gw.logs.some((l) => l.includes('outbox full: dropping the oldest telemetry')), 'drop logged');

  // Telemetry: the gaps a subscriber sees are exactly what the gateway counted as dropped, oldest first.
  let missing = 0;
  for (const r of ['robot-a', 'robot-b']) {
    const topic = `factory/main/${r}/telemetry`;
    const rep = streamReport(sub.streams.get(`gw-cap-01 ${topic}`) ?? []);
    assert.ok(rep.inOrder, `${r}: in order`);
    assert.equal(rep.seqs[0], 1);
    assert.equal(rep.missing.length, final.uplink.outbox.dropped_by_stream[topic] ?? 0, `${r}: gaps = counted drops`);
    missing += rep.missing.length;
  }
  assert.equal(missing, final.uplink.dropped, 'every drop is counted, nothing else is missing');
});
