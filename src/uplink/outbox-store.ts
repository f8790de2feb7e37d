import type { Database, Statement } from '../store/sqlite.js';
import { benchCommitSleepMs, sleepSync } from '../core/bench-switches.js';

/** Lane 0 is sent first (alerts, command acks); lane 1 is the bulk (telemetry, cleanroom status). */
export type Lane = 0 | 1;

/** One message as stored: the payload is the JSON body with `seq`, without the `replayed` flag. */
export interface OutboxRow {
  id: number;
  topic: string;
  seq: number;
  lane: Lane;
  /** Telemetry: may be dropped (oldest first) when the outbox is at its cap. Alerts/acks/cleanroom: never. */
  droppable: boolean;
  /** Produced while the uplink was down (sent later with `replayed: true`). */
  offline: boolean;
  /** Production time, ms since the epoch. */
  ts: number;
  payload: string;
  bytes: number;
}

export interface Dropped {
  id: number;
  topic: string;
  bytes: number;
}

/**
 * Where outbox rows live: SQLite (durable) or memory (the fallback when the database is unusable).
 * All methods are synchronous; errors are thrown with SQLite's `code`.
 */
export interface OutboxStore {
  readonly kind: 'sqlite' | 'memory';
  /** Last seq per stream, the highest row id, and the row count and payload bytes held. */
  load(): { seqs: Map<string, number>; maxId: number; count: number; bytes: number };
  /** One transaction: insert rows, persist the streams' last seq, delete acknowledged/dropped ids. */
  commit(rows: readonly OutboxRow[], seqs: ReadonlyMap<string, number>, deleteIds: readonly number[]): void;
  /** Rows of a lane with id > afterId, oldest first. */
  fetch(lane: Lane, afterId: number, limit: number): OutboxRow[];
  /** Delete up to `limit` droppable rows with id > afterId, oldest first; returns what went. */
  dropOldest(afterId: number, limit: number): Dropped[];
  /** Small key/value facts about the store (clean shutdown, boot id). */
  getMeta(key: string): string | undefined;
  setMeta(key: string, value: string): void;
  close(): void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY,
  topic TEXT NOT NULL,
  seq INTEGER NOT NULL,
  lane INTEGER NOT NULL,
  droppable INTEGER NOT NULL,
  offline INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  payload TEXT NOT NULL,
  bytes INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_lane ON outbox (lane, id);
CREATE TABLE IF NOT EXISTS streams (topic TEXT PRIMARY KEY, seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

interface RawRow {
  id: number;
  topic: string;
  seq: number;
  lane: number;
  droppable: number;
  offline: number;
  ts: number;
  payload: string;
  bytes: number;
}

const fromRaw = (r: RawRow): OutboxRow => ({ ...r, lane: r.lane as Lane, droppable: r.droppable === 1, offline: r.offline === 1 });

export class SqliteOutboxStore implements OutboxStore {
  readonly kind = 'sqlite' as const;
  private readonly insert: Statement<[number, string, number, number, number, number, number, string, number]>;
  private readonly upsertSeq: Statement<[string, number]>;
  private readonly del: Statement<[number]>;
  private readonly select: Statement<[number, number, number], RawRow>;
  private readonly drop: Statement<[number, number], Dropped>;
  private readonly tx: (rows: readonly OutboxRow[], seqs: ReadonlyMap<string, number>, ids: readonly number[]) => void;

  constructor(private readonly db: Database) {
    db.exec(SCHEMA);
    this.insert = db.prepare('INSERT INTO outbox (id, topic, seq, lane, droppable, offline, ts, payload, bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    this.upsertSeq = db.prepare('INSERT INTO streams (topic, seq) VALUES (?, ?) ON CONFLICT(topic) DO UPDATE SET seq = excluded.seq WHERE excluded.seq > streams.seq');
    this.del = db.prepare('DELETE FROM outbox WHERE id = ?');
    this.select = db.prepare('SELECT id, topic, seq, lane, droppable, offline, ts, payload, bytes FROM outbox WHERE lane = ? AND id > ? ORDER BY id LIMIT ?');
    this.drop = db.prepare('DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE lane = 1 AND droppable = 1 AND id > ? ORDER BY id LIMIT ?) RETURNING id, topic, bytes');
    this.tx = db.transaction((rows, seqs, ids) => {
      for (const r of rows) this.insert.run(r.id, r.topic, r.seq, r.lane, r.droppable ? 1 : 0, r.offline ? 1 : 0, r.ts, r.payload, r.bytes);
      for (const [topic, seq] of seqs) this.upsertSeq.run(topic, seq);
      for (const id of ids) this.del.run(id);
    });
  }

  load() {
    const seqs = new Map<string, number>();
    for (const r of this.db.prepare('SELECT topic, seq FROM streams').all() as Array<{ topic: string; seq: number }>) seqs.set(r.topic, r.seq);
    const t = this.db.prepare('SELECT COUNT(*) AS count, COALESCE(SUM(bytes), 0) AS bytes, COALESCE(MAX(id), 0) AS maxId FROM outbox').get() as { count: number; bytes: number; maxId: number };
    return { seqs, maxId: t.maxId, count: t.count, bytes: t.bytes };
  }

  commit(rows: readonly OutboxRow[], seqs: ReadonlyMap<string, number>, deleteIds: readonly number[]): void {
    if (!(rows.length || seqs.size || deleteIds.length)) return;
    this.tx(rows, seqs, deleteIds);
    if (benchCommitSleepMs) sleepSync(benchCommitSleepMs); // bench:acquisition's slow storage only
  }

  fetch(lane: Lane, afterId: number, limit: number): OutboxRow[] {
    return this.select.all(lane, afterId, limit).map(fromRaw);
  }

  dropOldest(afterId: number, limit: number): Dropped[] {
    return this.drop.all(afterId, limit);
  }

  getMeta(key: string): string | undefined {
    return (this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  }

  setMeta(key: string, value: string): void {
    this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** The fallback when the database cannot be used: same behaviour, nothing survives a restart. */
export class MemoryOutboxStore implements OutboxStore {
  readonly kind = 'memory' as const;
  private readonly lanes: [Map<number, OutboxRow>, Map<number, OutboxRow>] = [new Map(), new Map()];
  private readonly seqs = new Map<string, number>();

  constructor(seed: { rows?: OutboxRow[]; seqs?: ReadonlyMap<string, number> } = {}) {
    for (const [k, v] of seed.seqs ?? []) this.seqs.set(k, v);
    for (const r of (seed.rows ?? []).sort((a, b) => a.id - b.id)) this.lanes[r.lane].set(r.id, r);
  }

  load() {
    let count = 0;
    let bytes = 0;
    let maxId = 0;
    for (const lane of this.lanes) for (const r of lane.values()) {
      count++;
      bytes += r.bytes;
      maxId = Math.max(maxId, r.id);
    }
    return { seqs: new Map(this.seqs), maxId, count, bytes };
  }

  commit(rows: readonly OutboxRow[], seqs: ReadonlyMap<string, number>, deleteIds: readonly number[]): void {
    for (const r of rows) this.lanes[r.lane].set(r.id, r);
    for (const [k, v] of seqs) if (v > (this.seqs.get(k) ?? 0)) this.seqs.set(k, v);
    for (const id of deleteIds) if (!this.lanes[0].delete(id)) this.lanes[1].delete(id);
  }

  fetch(lane: Lane, afterId: number, limit: number): OutboxRow[] {
    const out: OutboxRow[] = [];
    for (const r of this.lanes[lane].values()) {
      if (r.id <= afterId) continue;
      out.push(r);
      if (out.length >= limit) break;
    }
    return out;
  }

  dropOldest(afterId: number, limit: number): Dropped[] {
    const out: Dropped[] = [];
    for (const r of this.lanes[1].values()) {
      if (r.id <= afterId || !r.droppable) continue;
      this.lanes[1].delete(r.id);
      out.push({ id: r.id, topic: r.topic, bytes: r.bytes });
      if (out.length >= limit) break;
    }
    return out;
  }

  private readonly meta = new Map<string, string>();

  getMeta(key: string): string | undefined {
    return this.meta.get(key);
  }

  setMeta(key: string, value: string): void {
    this.meta.set(key, value);
  }

  close(): void {
    /* nothing to release */
  }
}
