import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startBroker, skipWithoutMosquitto } from '../helpers/mosquitto.js';
import { startPostgres, skipWithoutPostgres } from '../helpers/postgres.js';
import { BROKER_CONF, startIngestProcess } from '../helpers/ingest.js';
import { startGatewayProcess, repoRoot } from '../helpers/gateway-process.js';
import { writeSmallConfig } from '../helpers/small-config.js';
import { makeTelemetry } from '../helpers/telemetry.js';
import { sleep, waitFor } from '../helpers/stream-recorder.js';

const skip = skipWithoutMosquitto() || skipWithoutPostgres();

test('fabwatch ingest: a real gateway into PostgreSQL, exactly once; malformed messages in rejected; gaps and progress; --report', { skip, timeout: 120_000 }, async (t) => {
  const db = await startPostgres({ settings: { fsync: 'off' } });
  t.after(() => db.destroy());
  const broker = await startBroker({ extraConfig: BROKER_CONF });
  t.after(() => broker.stop());
  // Two workers start at once: the migrations are applied once (advisory lock), both share the load.
  const workers = await Promise.all([1, 2].map((instance) => startIngestProcess({ db: db.url, mqtt: broker.url, instance })));
  t.after(() => Promise.all(workers.map((w) => w.stop('SIGKILL'))));
  const migrations = await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
  assert.deepEqual(migrations.map((m) => m.version), [1, 2, 3]);

  const gw = await startGatewayProcess({ config: writeSmallConfig({ gatewayId: 'gw-hist-01', url: broker.url, windowSize: 512, testAlertIntervalMs: 1000 }), timeoutMs: 60_000 });
  t.after(() => gw.stop('SIGKILL'));

  // Hand-made messages: a redelivered duplicate, a cleanroom status, a power-loss seq jump, and bad input.
  const pub = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'test-pub' });
  t.after(() => pub.endAsync());
  const now = Date.now();
  const tel = (seq: number) => JSON.stringify({ ...makeTelemetry('robot-x', now + seq, 0.2, { gateway_id: 'gw-hand' }), seq, replayed: false });
  for (const seq of [1, 2, 2, 3, 100_003, 100_004]) await pub.publishAsync('factory/main/robot-x/telemetry', tel(seq), { qos: 1 });
  const loc = (id: string, cls: number) => ({ counter_id: id, location: `bay-${id}`, ts: new Date(now).toISOString(), sizes_um: [0.3, 0.5], counts: [10, 2], concentration_per_m3: [353.1, 70.6], average_per_m3: [300, 70.6], iso_class: cls, configured_class: 5, meets_configured_class: true, data_valid: true });
  const cleanroom = { gateway_id: 'gw-hand', site: 'main', ts: new Date(now).toISOString(), seq: 1, replayed: false, locations: [loc('c1', 4.2), loc('c2', 5.9)], units: {} };
  await pub.publishAsync('cleanroom/main/status', JSON.stringify(cleanroom), { qos: 1 });
  // Alarms: A raised, B raised, A cleared -> only B is open. (The real gateway's TEST_ALERTs are events, never open.)
  const alarm = (seq: number, id: string, active: boolean) => JSON.stringify({ id, gateway_id: 'gw-hand', site: 'main', robot_id: 'robot-x', source: 'iso20816', code: 'ISO20816_ZONE', severity: 'critical', message: `zone D (${id})`, ts: new Date(now + seq).toISOString(), active, acknowledged: false, seq, replayed: false });
  for (const [seq, id, active] of [[1, 'alarm-a', true], [2, 'alarm-b', true], [3, 'alarm-a', false]] as const) await pub.publishAsync('factory/main/robot-x/alerts', alarm(seq, id, active), { qos: 1 });
  await pub.publishAsync('factory/main/robot-x/telemetry', 'not json {', { qos: 1 });
  await pub.publishAsync('factory/main/robot-x/telemetry', JSON.stringify({ robot_id: 'robot-x', gateway_id: 'gw-hand', seq: 9 }), { qos: 1 });
  await pub.publishAsync('factory/main/robot-y/telemetry', tel(4), { qos: 1 }); // robot_id differs from the topic
  await pub.publishAsync('factory/main/robot-x/telemetry', JSON.stringify({ ...JSON.parse(tel(5)), ts: '1999-01-01T00:00:00Z' }), { qos: 1 });

  const perRobot = async () => (await db.query<{ n: string }>(`SELECT count(*) AS n FROM telemetry WHERE gateway_id = 'gw-hist-01' GROUP BY robot_id`)).map((r) => Number(r.n));
  assert.ok(await waitFor(async () => (await perRobot()).length === 2 && (await perRobot()).every((n) => n >= 8), 60_000), `telemetry of both robots stored: ${await perRobot()}`);
  assert.ok(await waitFor(async () => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM alerts'))[0].n) >= 2, 20_000), 'alerts stored');
  assert.equal(await gw.stop('SIGTERM'), 0);
  // Everything the gateway sent is committed once the workers have nothing pending.
  assert.ok(await waitFor(async () => (await Promise.all(workers.map((w) => w.health()))).every((h) => h.body.messages.pending === 0), 10_000), 'workers drained');
  await sleep(300);

  const [counts] = await db.query<{ n: string; distinct: string }>(`SELECT count(*) AS n, count(DISTINCT (gateway_id, topic, seq)) AS distinct FROM telemetry`);
  assert.equal(counts.n, counts.distinct, 'each (gateway, topic, seq) stored once');
  const gaps = await db.query<{ gateway_id: string; topic: string; first_missing_seq: string; last_missing_seq: string; missing: string; note: string | null }>('SELECT * FROM stream_gaps ORDER BY gateway_id');
  assert.deepEqual(gaps.filter((g) => g.gateway_id === 'gw-hist-01'), [], 'no gap in the real gateway\'s streams');
  const jump = gaps.filter((g) => g.gateway_id === 'gw-hand');
  assert.equal(jump.length, 1, JSON.stringify(gaps));
  assert.equal(jump[0].first_missing_seq, '4');
  assert.equal(jump[0].last_missing_seq, '100002');
  assert.match(jump[0].note ?? '', /power-loss seq jump/);
  const hand = await db.query<{ seq: string }>(`SELECT seq FROM telemetry WHERE gateway_id = 'gw-hand' ORDER BY seq`);
  assert.deepEqual(hand.map((r) => Number(r.seq)), [1, 2, 3, 100_003, 100_004], 'the redelivered seq 2 is stored once');

  const progress = await db.query<{ topic: string; first_seq: string; last_seq: string; messages: string; missing: string }>(`SELECT * FROM stream_progress WHERE gateway_id = 'gw-hist-01' AND topic LIKE '%/telemetry'`);
  assert.equal(progress.length, 2);
  for (const p of progress) {
    assert.equal(p.first_seq, '1');
    assert.equal(p.missing, '0');
    assert.equal(p.last_seq, p.messages);
  }
  // The extracted columns people chart are filled from the gateway's own payloads.
  const [row] = await db.query<Record<string, unknown>>(`SELECT * FROM telemetry WHERE gateway_id = 'gw-hist-01' ORDER BY seq DESC LIMIT 1`);
  for (const col of ['health_score', 'vibration_rms_g', 'velocity_rms_mm_s', 'iso_zone', 'diagnosis', 'received_at', 'replayed', 'robot_id', 'ts']) assert.notEqual(row[col], null, `telemetry.${col}`);
  assert.ok('temperature_c' in row && 'rul_s' in row && 'rul_low_s' in row && 'rul_high_s' in row, 'temperature and RUL columns exist (null: no TMP102, no model in this config)');
  assert.equal(row.replayed, false);

  const rooms = await db.query<{ counter_id: string; iso_class: number; concentration_per_m3: Array<number | null> }>(`SELECT counter_id, iso_class, concentration_per_m3 FROM cleanroom_status ORDER BY counter_id`);
  assert.deepEqual(rooms, [
    { counter_id: 'c1', iso_class: 4.2, concentration_per_m3: [353.1, 70.6] },
    { counter_id: 'c2', iso_class: 5.9, concentration_per_m3: [353.1, 70.6] },
  ]);
  const statuses = await db.query<{ state: string }>(`SELECT state FROM gateway_status WHERE gateway_id = 'gw-hist-01' ORDER BY ts`);
  assert.ok(statuses.some((s) => s.state === 'offline'), `gateway status stored: ${JSON.stringify(statuses)}`);

  // Dashboard views.
  const latest = await db.query<{ robot_id: string; health_score: number; iso_zone: string }>(`SELECT * FROM robot_latest WHERE gateway_id = 'gw-hist-01' ORDER BY robot_id`);
  assert.deepEqual(latest.map((r) => r.robot_id), ['robot-a', 'robot-b']);
  assert.ok(latest.every((r) => typeof r.health_score === 'number' && /^[ABCD]$/.test(r.iso_zone)));
  const hourly = await db.query<{ messages: string }>(`SELECT * FROM robot_hourly WHERE gateway_id = 'gw-hist-01'`);
  assert.ok(hourly.length >= 2 && hourly.every((h) => Number(h.messages) > 0));
  const roomHours = await db.query<{ location: string; iso_class_worst: number }>(`SELECT location, iso_class_worst FROM cleanroom_hourly WHERE gateway_id = 'gw-hand' ORDER BY location`);
  assert.deepEqual(roomHours, [{ location: 'bay-c1', iso_class_worst: 4.2 }, { location: 'bay-c2', iso_class_worst: 5.9 }]);
  const open = await db.query<{ gateway_id: string; alert_id: string; active: boolean }>(`SELECT gateway_id, alert_id, active FROM alerts_open ORDER BY gateway_id, alert_id`);
  assert.deepEqual(open, [{ gateway_id: 'gw-hand', alert_id: 'alarm-b', active: true }], 'alerts_open: the latest message of each alarm decides; events (TEST_ALERT, active false) are never open');
  const testAlerts = await db.query<{ code: string; active: boolean }>(`SELECT code, active FROM alerts WHERE gateway_id = 'gw-hist-01'`);
  assert.ok(testAlerts.length >= 2 && testAlerts.every((a) => a.code === 'TEST_ALERT' && !a.active), JSON.stringify(testAlerts));

  const rejected = await db.query<{ code: string; topic: string; reason: string }>('SELECT code, topic, reason FROM rejected ORDER BY code');
  assert.deepEqual(rejected.map((r) => r.code), ['INGEST_PAYLOAD_INVALID', 'INGEST_PAYLOAD_NOT_JSON', 'INGEST_TOPIC_MISMATCH', 'INGEST_TS_OUT_OF_RANGE']);
  assert.match(rejected[0].reason, /must have required property/);

  const metrics = await (await fetch(`http://127.0.0.1:${workers[0].port}/metrics`)).text();
  assert.match(metrics, /fabwatch_ingest_rows_inserted_total\{table="telemetry"\} \d+/);
  assert.ok((await Promise.all(workers.map((w) => w.health()))).every((h) => h.code === 200 && h.body.status === 'ok'));
  const shares = (await Promise.all(workers.map((w) => w.health()))).map((h) => h.body.messages.committed as number);
  assert.ok(shares.every((n) => n > 0), `both workers took a share: ${shares}`);

  const report = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), 'ingest', '--report', '--db', db.url], { encoding: 'utf8', cwd: repoRoot });
  assert.equal(report.status, 0, report.stderr);
  assert.match(report.stdout, /stream_progress: \d+ stream\(s\)/);
  assert.match(report.stdout, /gw-hist-01 +factory\/main\/robot-a\/telemetry/);
  assert.match(report.stdout, /stream_gaps: 1 gap\(s\), 99999 seq\(s\) missing/);
  assert.match(report.stdout, /power-loss seq jump/);
  assert.match(report.stdout, /rejected: 4 message\(s\)/);
});
