import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { ManualClock } from '../../src/core/clock.js';
import { GatewayState } from '../../src/state/gateway-state.js';
import { TelemetryHistory, flattenFeatures } from '../../src/store/history.js';
import type { TelemetryRecord } from '../../src/state/types.js';
import { makeTelemetry } from '../helpers/telemetry.js';

function record(robot: string, ts: number, rms: number): TelemetryRecord {
  return { ...makeTelemetry(robot, ts, rms), units: { temperature: 'degC' } };
}

function setup(cfg: Partial<{ retentionHours: number; maxRows: number }> = {}, latestRows = 5) {
  const dir = mkdtempSync(join(tmpdir(), 'fabwatch-history-'));
  const clock = new ManualClock(Date.UTC(2026, 10, 26, 12));
  const state = new GatewayState({ gatewayId: 'gw', site: 'main' }, clock, 10, [{ id: 'r1' }, { id: 'r2' }]);
  const h = new TelemetryHistory({ enabled: true, retentionHours: 1, maxRows: 100, flushIntervalMs: 1000, ...cfg }, { stateDir: dir, state, clock, log: pino({ level: 'silent' }), latestRows });
  return { dir, clock, state, h, cleanup: async () => (await h.stop(), rmSync(dir, { recursive: true, force: true })) };
}

test('flattenFeatures keeps numbers as dotted keys, drops arrays, units and seq', () => {
  const f = flattenFeatures({ ...record('r1', 0, 0.2), seq: 4, rul: { value: 300, interval: [1, 2] } });
  assert.equal(f['vibration.rms'], 0.2);
  assert.equal(f['vibration.axes.x.rms'], 0.2);
  assert.equal(f['spectrum.peak_hz'], 30);
  assert.equal(f['rul.value'], 300);
  assert.equal(f.seq, undefined);
  assert.ok(!Object.keys(f).some((k) => k.startsWith('spectrum.amplitudes') || k.startsWith('units') || k.startsWith('rul.interval')));
});

test('history stores telemetry in one flush, answers ranges and fields, survives a restart', async (t) => {
  const s = setup();
  t.after(s.cleanup);
  await s.h.start();
  const t0 = s.clock.now();
  for (let i = 0; i < 10; i++) s.state.addTelemetry(record(i % 2 ? 'r2' : 'r1', t0 + i * 1000, i / 100));
  assert.deepEqual(s.h.latest('r1', 10), [], 'nothing written before the flush interval');
  s.clock.advance(1000);
  assert.equal(s.h.written, 10);
  const q = s.h.query({ robotId: 'r1', fromMs: t0, toMs: t0 + 10_000, fields: ['vibration.rms'], maxPoints: 100 });
  assert.deepEqual(q.points.map((p) => p['vibration.rms']), [0, 0.02, 0.04, 0.06, 0.08]);
  assert.equal(q.bucket_ms, null);
  const b = s.h.query({ robotId: 'r1', fromMs: t0, toMs: t0 + 9999, fields: ['vibration.rms'], maxPoints: 2 });
  assert.equal(b.bucket_ms, 5000);
  assert.deepEqual(b.points.map((p) => p['vibration.rms']), [0.02, 0.07], 'averaged per bucket');
  // latestRows = 5 full records kept (all robots), newest first.
  const latest = s.h.latest(undefined, 100);
  assert.equal(latest.length, 5);
  assert.equal(latest[0].vibration.rms, 0.09);
  assert.deepEqual(latest[0].spectrum.amplitudes, [1, 2, 3]);
  // Restart: the data is still there.
  await s.h.stop();
  await s.h.start();
  assert.equal(s.h.latest('r2', 1)[0].vibration.rms, 0.09);
});

test('retention: samples older than retentionHours are pruned, and never more than maxRows', async (t) => {
  const s = setup({ retentionHours: 1, maxRows: 100 });
  t.after(s.cleanup);
  await s.h.start();
  const t0 = s.clock.now();
  for (let i = 0; i < 150; i++) s.state.addTelemetry(record('r1', t0 + i * 10, 0.1));
  s.h.flush();
  s.h.prune();
  const all = () => s.h.query({ robotId: 'r1', fromMs: 0, toMs: t0 + 10 * 3_600_000, fields: ['vibration.rms'], maxPoints: 5000 }).points;
  assert.equal(all().length, 100, 'row cap');
  assert.equal(Date.parse(all()[0].ts as string), t0 + 50 * 10, 'oldest deleted first');
  // Two hours later (the prune timer runs every minute), one new record: the old ones age out.
  s.clock.advance(2 * 3_600_000);
  s.state.addTelemetry(record('r1', s.clock.now(), 0.3));
  s.clock.advance(60_000);
  assert.deepEqual(all().map((p) => p['vibration.rms']), [0.3]);
});

test('rows are compact arrays (no field names), a field first seen later gets the next index, and rows of the earlier by-name format still answer', async (t) => {
  const s = setup();
  t.after(s.cleanup);
  await s.h.start();
  const t0 = s.clock.now();
  // A row in the format written before arrays (an object keyed by dotted name), as an older
  // gateway left it in history.db.
  const Database = (await import('better-sqlite3')).default;
  const raw = new Database(s.h.path);
  raw.prepare('INSERT INTO samples (robot_id, ts, features) VALUES (?, ?, ?)').run('r1', t0 - 2000, JSON.stringify({ 'vibration.rms': 0.5, temperature: 40 }));
  s.state.addTelemetry(record('r1', t0, 0.1));
  s.clock.advance(1000);
  s.state.addTelemetry({ ...record('r1', t0 + 1000, 0.2), rul: { value: 300 } } as unknown as TelemetryRecord);
  s.clock.advance(1000);
  const rows = raw.prepare('SELECT features FROM samples ORDER BY id').all() as Array<{ features: string }>;
  raw.close();
  assert.equal(rows.length, 3);
  for (const r of rows.slice(1)) {
    assert.ok(r.features.startsWith('['), r.features.slice(0, 40));
    assert.ok(!r.features.includes('"'), 'no field names (no strings at all) in a row');
  }
  assert.ok(rows[2].features.length < rows[1].features.length + 20, 'one new field adds one element');
  const q = s.h.query({ robotId: 'r1', fromMs: t0 - 5000, toMs: t0 + 5000, fields: ['vibration.rms', 'rul.value', 'temperature'], maxPoints: 100 });
  assert.deepEqual(q.points.map((p) => p['vibration.rms']), [0.5, 0.1, 0.2]);
  assert.deepEqual(q.points.map((p) => p['rul.value']), [null, null, 300]);
  assert.equal(q.points[0].temperature, 40);
  // Default field list: the newest row's fields, by name.
  const all = s.h.query({ robotId: 'r1', fromMs: t0 - 5000, toMs: t0 + 5000, maxPoints: 100 });
  assert.ok(all.fields.includes('rul.value') && all.fields.includes('vibration.axes.x.rms'), all.fields.join(','));
  // Bucketed averages read both formats too.
  const b = s.h.query({ robotId: 'r1', fromMs: t0 - 2000, toMs: t0 + 1999, fields: ['vibration.rms'], maxPoints: 1 });
  assert.deepEqual(b.points.map((p) => p['vibration.rms']), [Number(((0.5 + 0.1 + 0.2) / 3).toPrecision(6))]);
  // Restart: the field numbering is read back, new rows keep using it.
  await s.h.stop();
  await s.h.start();
  s.state.addTelemetry(record('r1', t0 + 3000, 0.3));
  s.clock.advance(1000);
  const q2 = s.h.query({ robotId: 'r1', fromMs: t0, toMs: t0 + 5000, fields: ['vibration.rms'], maxPoints: 100 });
  assert.deepEqual(q2.points.map((p) => p['vibration.rms']), [0.1, 0.2, 0.3]);
});

test('reads in slices that yield give the same answer as one query; latest pages; answers are bounded in cells', async (t) => {
  const s = setup({ maxRows: 100_000, retentionHours: 100 }, 300);
  t.after(s.cleanup);
  await s.h.start();
  const t0 = s.clock.now();
  for (let i = 0; i < 6000; i++) s.state.addTelemetry(record('r1', t0 + i * 70, (i % 97) / 100));
  s.h.flush();
  const q = { robotId: 'r1', fromMs: t0, toMs: t0 + 6000 * 70, maxPoints: 777 };
  const sliced = await s.h.queryAsync(q);
  assert.deepEqual(sliced, s.h.query(q), 'same buckets and averages, all fields');
  assert.ok(sliced.fields.length * sliced.points.length <= 10_000, 'at most 10 000 numbers in an answer');
  assert.equal(sliced.max_points, Math.min(777, Math.floor(10_000 / sliced.fields.length)), 'and it says which max_points it used');
  const one = { ...q, fields: ['vibration.rms'], maxPoints: 5000 };
  assert.deepEqual(await s.h.queryAsync(one), s.h.query(one));
  // from=0 puts every row in one bucket: it is still read in slices, and their partial sums give the plain average.
  const all = await s.h.queryAsync({ robotId: 'r1', fromMs: 0, toMs: t0 + 6000 * 70, fields: ['vibration.rms'], maxPoints: 2 });
  let sum = 0;
  for (let i = 0; i < 6000; i++) sum += (i % 97) / 100;
  assert.equal(all.points.length, 1);
  assert.equal(all.points[0]['vibration.rms'], Number((sum / 6000).toPrecision(6)));
  const pages = await s.h.latestJson('r1', 200);
  assert.equal(pages.length, 200);
  assert.deepEqual(pages.map((p) => JSON.parse(p)), s.h.latest('r1', 200), 'the same records, newest first, across pages');
});

test("decimation to a chart's width: fields= keeps only the asked fields, buckets average exactly, a gap stays a gap, unknown fields are named", async (t) => {
  const s = setup({ maxRows: 100_000, retentionHours: 100 });
  t.after(s.cleanup);
  await s.h.start();
  assert.deepEqual(s.h.unknownFields(['vibration.rms', 'nope']), [], 'an empty history cannot tell a typo from a field to come');
  const t0 = s.clock.now();
  // 30 min at one record a second, then 20 min with none, then 10 min again.
  const times = [...Array.from({ length: 1800 }, (_, i) => t0 + i * 1000), ...Array.from({ length: 600 }, (_, i) => t0 + 3_000_000 + i * 1000)];
  times.forEach((ts, i) => s.state.addTelemetry(record('r1', ts, i % 10)));
  s.h.flush();
  const r = s.h.query({ robotId: 'r1', fromMs: t0, toMs: t0 + 3_600_000 - 1, fields: ['vibration.rms', 'health_score'], maxPoints: 600 });
  assert.deepEqual(r.fields, ['vibration.rms', 'health_score']);
  assert.equal(r.bucket_ms, 6000, '1 h over 600 points: 6 s buckets');
  assert.ok(r.points.length <= 600);
  for (const p of r.points) assert.deepEqual(Object.keys(p).sort(), ['health_score', 'ts', 'vibration.rms']);
  // Each full 6 s bucket holds six records with rms i % 10 (i = 6b .. 6b+5): their plain mean.
  const b = 7;
  const expected = [0, 1, 2, 3, 4, 5].map((k) => (6 * b + k) % 10).reduce((a, v) => a + v, 0) / 6;
  assert.equal(r.points[b]['vibration.rms'], Number(expected.toPrecision(6)));
  assert.equal(Date.parse(r.points[b].ts as string), t0 + b * 6000, 'a bucket is stamped with its first record');
  // No record, no point: the 20 minutes without data leave a step of 20 min between two points.
  const steps = r.points.slice(1).map((p, i) => Date.parse(p.ts as string) - Date.parse(r.points[i].ts as string));
  assert.deepEqual([...new Set(steps)].sort((a, c) => a - c), [6000, 1_200_000 + 6000]);
  assert.equal(r.points.length, 300 + 100);
  assert.deepEqual(s.h.unknownFields(['vibration.rms', 'vibration.rsm', 'health_score', 'nope']), ['vibration.rsm', 'nope']);
});
