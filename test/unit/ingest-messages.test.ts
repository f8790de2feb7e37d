import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyTopic, parseMessage, pgNumberArray, RejectCode } from '../../src/ingest/messages.js';
import { dayOf, partitionDay, partitionName, oldestAcceptedMs } from '../../src/ingest/partitions.js';
import { loadIngestConfig, ingestClientId } from '../../src/ingest/config.js';
import { isDataError } from '../../src/ingest/writer.js';
import { ConfigError } from '../../src/config/load.js';
import { makeTelemetry } from '../helpers/telemetry.js';

const now = Date.parse('2026-12-02T12:00:00Z');
const opts = { now, oldestMs: now - 7 * 86_400_000, newestMs: now + 86_400_000 };
const buf = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));
const tel = (over: Record<string, unknown> = {}) => ({ ...makeTelemetry('robot-1', now, 0.3, { gateway_id: 'gw-1' }), seq: 7, replayed: true, ...over });

test('topics of docs/mqtt.md map to their kind; others are unknown', () => {
  assert.equal(classifyTopic('factory/main/robot-1/telemetry')?.kind, 'telemetry');
  assert.equal(classifyTopic('factory/main/robot-1/alerts')?.kind, 'alert');
  assert.equal(classifyTopic('factory/main/robot-1/cmd/ack')?.kind, 'command_ack');
  assert.equal(classifyTopic('factory/main/gateways/gw-1/status')?.kind, 'gateway_status');
  assert.equal(classifyTopic('factory/main/gateways/gw-1/alerts')?.kind, 'alert');
  assert.equal(classifyTopic('cleanroom/main/status')?.kind, 'cleanroom_status');
  assert.equal(classifyTopic('cleanroom/main/alerts')?.kind, 'alert');
  assert.equal(classifyTopic('factory/main/robot-1/spectrum'), null);
  assert.equal(classifyTopic('factory/main/robot-1/cmd'), null);
});

test('a valid telemetry message becomes one row with its seq, ts and replayed flag', () => {
  const r = parseMessage('factory/main/robot-1/telemetry', buf(tel()), opts);
  assert.ok('rows' in r);
  assert.equal(r.rows.length, 1);
  const row = r.rows[0];
  assert.equal(row.kind, 'telemetry');
  if (row.kind !== 'telemetry') return;
  assert.deepEqual([row.gateway_id, row.seq, row.replayed, row.robot_id, row.tsMs], ['gw-1', 7, true, 'robot-1', now]);
});

test('bad input is rejected with a stable code and the reason, never thrown', () => {
  const code = (topic: string, body: unknown) => {
    const r = parseMessage(topic, buf(body), opts);
    assert.ok('rejected' in r, `${topic} ${JSON.stringify(body)} rejected`);
    assert.ok(r.rejected.reason.length > 0);
    assert.equal(r.rejected.sha256.length, 32);
    return r.rejected.code;
  };
  assert.equal(code('factory/main/robot-1/telemetry', '{"a":'), RejectCode.NOT_JSON);
  assert.equal(code('factory/main/robot-1/telemetry', '[1,2]'), RejectCode.NOT_JSON);
  assert.equal(code('factory/main/robot-1/telemetry', tel({ health_score: 'high' })), RejectCode.INVALID);
  assert.equal(code('factory/main/robot-1/telemetry', tel({ seq: 0 })), RejectCode.INVALID);
  assert.equal(code('factory/main/robot-1/telemetry', tel({ seq: 2 ** 60 })), RejectCode.INVALID);
  assert.equal(code('factory/main/robot-2/telemetry', tel()), RejectCode.TOPIC_MISMATCH);
  assert.equal(code('factory/other/robot-1/telemetry', tel()), RejectCode.TOPIC_MISMATCH);
  assert.equal(code('factory/main/robot-1/telemetry', tel({ ts: '2026-10-01T00:00:00Z' })), RejectCode.TS_OUT_OF_RANGE);
  assert.equal(code('factory/main/robot-1/telemetry', tel({ ts: '2027-01-01T00:00:00Z' })), RejectCode.TS_OUT_OF_RANGE);
  assert.equal(code('factory/main/robot-1/spectrum', tel()), RejectCode.TOPIC_UNKNOWN);
  const r = parseMessage('factory/main/robot-1/telemetry', buf(tel({ health_score: 'high' })), opts);
  assert.ok('rejected' in r && r.rejected.gateway_id === 'gw-1' && r.rejected.seq === 7, 'gateway and seq kept when readable');
});

test('a cleanroom status becomes one row per location; an empty one still records its seq', () => {
  const base = { gateway_id: 'gw-1', site: 'main', ts: new Date(now).toISOString(), seq: 3, replayed: false };
  const two = parseMessage('cleanroom/main/status', buf({ ...base, locations: [{ counter_id: 'a', location: 'litho', concentration_per_m3: [1, 2] }, { counter_id: 'b', location: 'corridor' }] }), opts);
  assert.ok('rows' in two);
  assert.deepEqual(two.rows.map((r) => r.kind === 'cleanroom_status' && r.location?.counter_id), ['a', 'b']);
  const none = parseMessage('cleanroom/main/status', buf({ ...base, locations: [] }), opts);
  assert.ok('rows' in none && none.rows.length === 1);
  const dup = parseMessage('cleanroom/main/status', buf({ ...base, locations: [{ counter_id: 'a', location: 'x' }, { counter_id: 'a', location: 'y' }] }), opts);
  assert.ok('rejected' in dup);
});

test('number arrays become PostgreSQL array literals with NULL for missing values', () => {
  assert.equal(pgNumberArray([1.5, null, 3]), '{1.5,NULL,3}');
  assert.equal(pgNumberArray(undefined), null);
});

test('daily partitions are named by their UTC day and parsed back; retention keeps whole days', () => {
  const d = dayOf(now);
  assert.equal(partitionName('telemetry', d), 'telemetry_p20261202');
  assert.equal(partitionDay('telemetry_p20261202'), d);
  assert.equal(partitionDay('telemetry_default'), null);
  assert.equal(new Date(oldestAcceptedMs(now, 30)).toISOString(), '2026-11-02T00:00:00.000Z');
});

test('only data errors (SQLSTATE 22/23) isolate a message; connection errors are retried', () => {
  assert.equal(isDataError({ code: '22P02' }), true);
  assert.equal(isDataError({ code: '23514' }), true);
  assert.equal(isDataError({ code: '57P01' }), false);
  assert.equal(isDataError({ code: 'ECONNREFUSED' }), false);
  assert.equal(isDataError(new Error('Connection terminated')), false);
});

test('ingest config: defaults without a file, DATABASE_URL/MQTT_URL, then --db/--mqtt; every error listed', () => {
  const d = loadIngestConfig(undefined, {});
  assert.equal(d.ingest.database.url, 'postgres://localhost:5432/fabwatch');
  assert.equal(d.ingest.retentionDays, 90);
  assert.equal(d.ingest.mqtt.group, 'fabwatch-ingest');
  const e = loadIngestConfig(undefined, { DATABASE_URL: 'postgres://db/x', MQTT_URL: 'mqtt://b:1883' });
  assert.equal(e.ingest.database.url, 'postgres://db/x');
  assert.equal(e.ingest.mqtt.url, 'mqtt://b:1883');
  const o = loadIngestConfig(undefined, { DATABASE_URL: 'postgres://db/x' }, { db: 'postgres://other/y', mqtt: 'mqtt://c' });
  assert.equal(o.ingest.database.url, 'postgres://other/y');
  assert.equal(ingestClientId(o.ingest, 2).endsWith('-2'), true);
  assert.throws(
    () => loadIngestConfig('config/simulated.yaml', { LOG_LEVEL: 'loud' }),
    (err: unknown) => err instanceof ConfigError && err.issues.some((i) => i.path === '/log/level' && /LOG_LEVEL/.test(i.message)),
  );
});
