import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { Component } from '../core/component.js';
import type { HistoryConfig } from '../config/types.js';
import type { GatewayState } from '../state/gateway-state.js';
import type { TelemetryRecord } from '../state/types.js';
import { openDatabase, type Database, type Statement } from './sqlite.js';

/**
 * Bounds that keep each synchronous step short (the acquisition FIFO holds ~20 ms of samples):
 * a history slice reads about SLICE_CELLS numbers (rows x fields), a latest page SLICE_RECORDS
 * records, and a history answer holds at most MAX_CELLS numbers (max_points is lowered to fit
 * when many fields are asked for; the answer says which max_points was used).
 */
const SLICE_CELLS = 4000;
const SLICE_RECORDS = 25;
export const MAX_HISTORY_CELLS = 10_000;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Numbers of a telemetry record as flat dotted keys (`vibration.rms`, `health_score`, ...). */
export function flattenFeatures(record: object, prefix = '', out: Record<string, number> = {}, depth = 0): Record<string, number> {
  for (const [k, v] of Object.entries(record)) {
    if (k === 'units' || k === 'seq') continue;
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'number' && Number.isFinite(v)) out[key] = v;
    else if (typeof v === 'boolean') out[key] = v ? 1 : 0;
    else if (v && typeof v === 'object' && !Array.isArray(v) && depth < 3) flattenFeatures(v, key, out, depth + 1);
  }
  return out;
}

export interface HistoryQuery {
  robotId: string;
  fromMs: number;
  toMs: number;
  fields?: string[];
  maxPoints: number;
}

export interface HistoryResult {
  robot_id: string;
  from: string;
  to: string;
  fields: string[];
  /** Points are averages over `bucket_ms` when the range holds more records than max_points. */
  bucket_ms: number | null;
  /** The max_points used: the one asked for, lowered so that points x fields <= MAX_HISTORY_CELLS. */
  max_points: number;
  points: Array<Record<string, number | string | null>>;
}

/**
 * Local telemetry history in SQLite (gateway.stateDir/history.db): every record's numbers in
 * `samples` (bounded by age and row count) and the last `latestRows` full records in `records`,
 * so trends and the latest telemetry survive a restart or a page reload. Records are written in
 * one transaction per flush interval.
 *
 * Row format: `samples.features` is a JSON array indexed by field number (`fields` maps each
 * dotted name to its number, assigned on first sight and never reused), null where a record lacks
 * the field. Repeating ~50 dotted names in every row made a row ~2.1 KB on disk (1 GB at the
 * default 500 000-row cap); the array is about a third of that. Rows written before this format
 * are JSON objects keyed by name; queries read both (COALESCE of the two JSON paths), and those
 * rows age out through retention and the row cap.
 */
export class TelemetryHistory implements Component {
  readonly name = 'history';
  private db?: Database;
  private pending: TelemetryRecord[] = [];
  private flushTimer?: TimerHandle;
  private pruneTimer?: TimerHandle;
  private readonly onTelemetry = (r: TelemetryRecord) => {
    this.pending.push(r);
    // Bound memory if the disk stalls: keep the newest records only.
    if (this.pending.length > 10_000) this.pending.splice(0, this.pending.length - 10_000);
  };
  private stmts?: { sample: Statement; record: Statement; trimRecords: Statement; pruneAge: Statement; pruneRows: Statement; latest: Statement; latestAll: Statement; page: Statement; pageAll: Statement; keys: Statement; addField: Statement };
  /** Field name -> its index in the stored arrays, and back. */
  private fieldIndex = new Map<string, number>();
  private fieldNames: string[] = [];
  private readChain: Promise<unknown> = Promise.resolve();
  written = 0;

  constructor(
    private readonly cfg: HistoryConfig,
    private readonly o: { stateDir: string; state: GatewayState; clock: Clock; log: Logger; latestRows: number; path?: string },
  ) {}

  get path(): string {
    return this.o.path ?? join(this.o.stateDir, 'history.db');
  }

  get available(): boolean {
    return this.db !== undefined;
  }

  async start(): Promise<void> {
    if (this.db) return;
    const db = openDatabase(this.path, { synchronous: 'normal' });
    db.exec(`
      CREATE TABLE IF NOT EXISTS samples (id INTEGER PRIMARY KEY, robot_id TEXT NOT NULL, ts INTEGER NOT NULL, features TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS samples_robot_ts ON samples (robot_id, ts);
      CREATE TABLE IF NOT EXISTS records (id INTEGER PRIMARY KEY, robot_id TEXT NOT NULL, ts INTEGER NOT NULL, record TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS records_robot ON records (robot_id, id);
      CREATE TABLE IF NOT EXISTS fields (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
    `);
    this.fieldIndex.clear();
    this.fieldNames = [];
    for (const f of db.prepare('SELECT id, name FROM fields ORDER BY id').all() as Array<{ id: number; name: string }>) {
      this.fieldIndex.set(f.name, f.id);
      this.fieldNames[f.id] = f.name;
    }
    this.stmts = {
      sample: db.prepare('INSERT INTO samples (robot_id, ts, features) VALUES (?, ?, ?)'),
      record: db.prepare('INSERT INTO records (robot_id, ts, record) VALUES (?, ?, ?)'),
      trimRecords: db.prepare('DELETE FROM records WHERE id <= (SELECT MAX(id) FROM records) - ?'),
      pruneAge: db.prepare('DELETE FROM samples WHERE ts < ?'),
      pruneRows: db.prepare('DELETE FROM samples WHERE id <= (SELECT MAX(id) FROM samples) - ?'),
      latest: db.prepare('SELECT record FROM records WHERE robot_id = ? ORDER BY id DESC LIMIT ?'),
      latestAll: db.prepare('SELECT record FROM records ORDER BY id DESC LIMIT ?'),
      page: db.prepare('SELECT id, record FROM records WHERE robot_id = ? AND id < ? ORDER BY id DESC LIMIT ?'),
      pageAll: db.prepare('SELECT id, record FROM records WHERE id < ? ORDER BY id DESC LIMIT ?'),
      keys: db.prepare('SELECT features FROM samples WHERE robot_id = ? ORDER BY id DESC LIMIT 1'),
      addField: db.prepare('INSERT INTO fields (id, name) VALUES (?, ?)'),
    };
    this.db = db;
    this.o.state.on('telemetry', this.onTelemetry);
    this.flushTimer = this.o.clock.setInterval(() => this.flush(), this.cfg.flushIntervalMs);
    this.pruneTimer = this.o.clock.setInterval(() => this.prune(), 60_000);
    this.prune();
    this.o.log.info({ path: this.path, retentionHours: this.cfg.retentionHours, maxRows: this.cfg.maxRows }, 'history store open');
  }

  async stop(): Promise<void> {
    if (!this.db) return;
    this.o.state.off('telemetry', this.onTelemetry);
    this.flushTimer?.cancel();
    this.pruneTimer?.cancel();
    this.flush();
    this.db.close();
    this.db = undefined;
    this.stmts = undefined;
  }

  /** Write pending records in one transaction (also called by tests instead of waiting). */
  flush(): void {
    if (!this.db || !this.stmts || !this.pending.length) return;
    const batch = this.pending;
    this.pending = [];
    const s = this.stmts;
    try {
      this.db.transaction(() => {
        for (const r of batch) {
          const ts = Date.parse(r.ts);
          s.sample.run(r.robot_id, ts, this.encode(flattenFeatures(r)));
          s.record.run(r.robot_id, ts, JSON.stringify(r));
        }
        s.trimRecords.run(this.o.latestRows);
      })();
      this.written += batch.length;
    } catch (err) {
      this.o.log.error({ err, records: batch.length }, 'history write failed; records dropped');
    }
  }

  /** A record's numbers as the stored JSON array (new field names get the next index). */
  private encode(features: Record<string, number>): string {
    const row: Array<number | null> = [];
    for (const [name, value] of Object.entries(features)) {
      let i = this.fieldIndex.get(name);
      if (i === undefined) {
        i = this.fieldNames.length;
        this.stmts!.addField.run(i, name);
        this.fieldIndex.set(name, i);
        this.fieldNames[i] = name;
      }
      row[i] = value;
    }
    for (let i = 0; i < row.length; i++) row[i] ??= null;
    return JSON.stringify(row);
  }

  /** Field names present in a stored row (array rows through `fields`, legacy rows by key). */
  private rowFields(features: string): string[] {
    const v = JSON.parse(features) as unknown;
    if (!Array.isArray(v)) return Object.keys(v as object);
    const names: string[] = [];
    v.forEach((x, i) => {
      if (x !== null && this.fieldNames[i] !== undefined) names.push(this.fieldNames[i]);
    });
    return names;
  }

  /**
   * The names in `fields` that no stored record ever had (a typo, or a field this gateway does not
   * compute); flush() first so the pending records count. None while the history is still empty.
   * (Names only in rows of the earlier by-name format are not known here: those rows age out.)
   */
  unknownFields(fields: readonly string[]): string[] {
    // An empty history (a fresh gateway before its first record) cannot tell a typo from a field to come.
    if (!this.fieldIndex.size) return [];
    return fields.filter((f) => !this.fieldIndex.has(f));
  }

  /** Delete samples past the retention age or beyond maxRows. */
  prune(): void {
    if (!this.stmts) return;
    const cutoff = this.o.clock.now() - this.cfg.retentionHours * 3_600_000;
    const byAge = this.stmts.pruneAge.run(cutoff).changes;
    const byRows = this.stmts.pruneRows.run(this.cfg.maxRows).changes;
    if (byAge || byRows) this.o.log.debug({ byAge, byRows }, 'history pruned');
  }

  /** Full records, newest first. */
  latest(robotId: string | undefined, limit: number): TelemetryRecord[] {
    if (!this.stmts) return [];
    const rows = (robotId === undefined ? this.stmts.latestAll.all(limit) : this.stmts.latest.all(robotId, limit)) as Array<{ record: string }>;
    return rows.map((r) => JSON.parse(r.record) as TelemetryRecord);
  }

  /**
   * The stored JSON of the newest records (served by GET /api/telemetry/latest without parsing and
   * re-serialising them), read in pages of SLICE_RECORDS that yield to the event loop between them,
   * so a large read does not hold up sampling.
   */
  async latestJson(robotId: string | undefined, limit: number): Promise<string[]> {
    return this.oneAtATime(() => this.latestPages(robotId, limit));
  }

  /**
   * Heavy reads run one at a time (the others wait their turn): with several readers, each event
   * loop turn then holds one slice of one read, not one of each, and sampling gets its turn.
   */
  private oneAtATime<T>(read: () => Promise<T>): Promise<T> {
    const run = this.readChain.then(read, read);
    this.readChain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async latestPages(robotId: string | undefined, limit: number): Promise<string[]> {
    const out: string[] = [];
    let before = Number.MAX_SAFE_INTEGER;
    while (this.stmts && out.length < limit) {
      const n = Math.min(SLICE_RECORDS, limit - out.length);
      const rows = (robotId === undefined ? this.stmts.pageAll.all(before, n) : this.stmts.page.all(robotId, before, n)) as Array<{ id: number; record: string }>;
      for (const r of rows) out.push(r.record);
      if (rows.length < n) break;
      before = rows[rows.length - 1].id;
      await yieldToEventLoop();
    }
    return out;
  }

  /** Numbers of one robot over a time range, averaged into buckets when there are too many (all at once: tests, tools). */
  query(q: HistoryQuery): HistoryResult {
    const it = this.querySlices(q);
    for (;;) {
      const r = it.next();
      if (r.done) return r.value;
    }
  }

  /** The same as query(), yielding to the event loop after every slice (the API uses this). */
  async queryAsync(q: HistoryQuery): Promise<HistoryResult> {
    return this.oneAtATime(() => this.sliced(q));
  }

  private async sliced(q: HistoryQuery): Promise<HistoryResult> {
    const it = this.querySlices(q);
    for (;;) {
      const r = it.next();
      if (r.done) return r.value;
      await yieldToEventLoop();
    }
  }

  /**
   * The range is read in time slices of about SLICE_CELLS stored numbers each (whole buckets when
   * bucketing, so the averages are the same as one query's); the generator pauses after each.
   */
  private *querySlices(q: HistoryQuery): Generator<void, HistoryResult> {
    const db = this.db!;
    let fields = q.fields;
    if (!fields?.length) {
      const row = this.stmts!.keys.get(q.robotId) as { features: string } | undefined;
      fields = row ? this.rowFields(row.features) : [];
    }
    const range = db.prepare('SELECT COUNT(*) AS n, MIN(ts) AS lo, MAX(ts) AS hi FROM samples WHERE robot_id = ? AND ts BETWEEN ? AND ?').get(q.robotId, q.fromMs, q.toMs) as { n: number; lo: number | null; hi: number | null };
    const n = range.n;
    const span = q.toMs - q.fromMs + 1;
    const maxPoints = Math.min(q.maxPoints, Math.max(2, Math.floor(MAX_HISTORY_CELLS / Math.max(1, fields.length))));
    const bucket = n > maxPoints ? Math.ceil(span / maxPoints) : null;
    // Array rows by index, legacy object rows by name: each path is NULL on the other kind of row.
    const value = (i: number) => `COALESCE(json_extract(features, @a${i}), json_extract(features, @p${i}))`;
    const params: Record<string, unknown> = { robot: q.robotId, from: q.fromMs };
    fields.forEach((f, i) => {
      const index = this.fieldIndex.get(f);
      params[`a${i}`] = index === undefined ? '$[#]' : `$[${index}]`; // '$[#]' is past the end: NULL
      params[`p${i}`] = `$."${f}"`;
    });
    const extracted = fields.map((_, i) => `, ${value(i)} AS f${i}`).join('');
    // Buckets as partial sums and counts, so that one bucket can span several slices (from=0 puts
    // every row in one bucket) and the slices still add up to the same averages.
    const sql = bucket
      ? `SELECT b, MIN(ts) AS ts${fields.map((_, i) => `, SUM(f${i}) AS s${i}, COUNT(f${i}) AS c${i}`).join('')} FROM (SELECT CAST((ts - @from) / @bucket AS INTEGER) AS b, ts${extracted} FROM samples WHERE robot_id = @robot AND ts BETWEEN @lo AND @hi) GROUP BY b ORDER BY b`
      : `SELECT ts${extracted} FROM samples WHERE robot_id = @robot AND ts BETWEEN @lo AND @hi ORDER BY ts`;
    if (bucket) params.bucket = bucket;
    const stmt = db.prepare(sql);
    // Time slices of about SLICE_CELLS numbers at the average density of the rows actually present.
    const sliceRows = Math.max(50, Math.floor(SLICE_CELLS / Math.max(1, fields.length)));
    const rows: Array<Record<string, number | null>> = [];
    const buckets = new Map<number, { ts: number; s: number[]; c: number[] }>();
    if (n > 0) {
      const dataLo = range.lo!;
      const dataHi = range.hi!;
      const width = n > sliceRows ? Math.max(1, Math.ceil(((dataHi - dataLo + 1) * sliceRows) / n)) : dataHi - dataLo + 1;
      for (let lo = dataLo; lo <= dataHi; lo += width) {
        const hi = Math.min(dataHi, lo + width - 1);
        for (const r of stmt.all({ ...params, lo, hi }) as Array<Record<string, number | null>>) {
          if (!bucket) {
            rows.push(r);
            continue;
          }
          const acc = buckets.get(r.b as number);
          if (!acc) buckets.set(r.b as number, { ts: r.ts as number, s: fields.map((_, i) => (r[`s${i}`] as number | null) ?? 0), c: fields.map((_, i) => r[`c${i}`] as number) });
          else
            fields.forEach((_, i) => {
              acc.s[i] += (r[`s${i}`] as number | null) ?? 0;
              acc.c[i] += r[`c${i}`] as number;
            });
        }
        if (hi < dataHi) yield;
      }
    }
    for (const acc of buckets.values()) {
      const row: Record<string, number | null> = { ts: acc.ts };
      fields.forEach((_, i) => (row[`f${i}`] = acc.c[i] ? acc.s[i] / acc.c[i] : null));
      rows.push(row);
    }
    const round = (v: number | null) => (v === null ? null : Number(v.toPrecision(6)));
    const points = rows.map((row) => {
      const p: Record<string, number | string | null> = { ts: new Date(row.ts as number).toISOString() };
      fields!.forEach((f, i) => (p[f] = round(row[`f${i}`] ?? null)));
      return p;
    });
    return { robot_id: q.robotId, from: new Date(q.fromMs).toISOString(), to: new Date(q.toMs).toISOString(), fields, bucket_ms: bucket, max_points: maxPoints, points };
  }
}
