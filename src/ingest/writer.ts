import type pg from 'pg';
import type { Logger } from 'pino';
import type { IngestMetrics } from './metrics.js';
import type { PartitionManager } from './partitions.js';
import { dayOf } from './partitions.js';
import { RejectCode, reject, type GatewayStatusRow, type Parsed, type Rejection, type StreamRow } from './messages.js';
import { cleanroomRows, gatewayStatusRows, rejectedRows, streamRows, valuesInsert, type TableRows } from './insert-sql.js';

/** A received message waiting for its commit; `ack` sends its PUBACK. */
export interface Item {
  topic: string;
  payload: Buffer;
  parsed: Parsed;
  receivedAt: number;
  ack: () => void;
}

export interface WriterOptions {
  pool: pg.Pool;
  partitions: PartitionManager;
  maxMessages: number;
  maxDelayMs: number;
  retryMinMs: number;
  retryMaxMs: number;
  log: Logger;
  metrics: IngestMetrics;
  now?: () => number;
}

export interface DatabaseState {
  up: boolean;
  /** Since when the database has been failing (ISO), null while up. */
  downSince: string | null;
  lastError: { code: string; message: string; at: string } | null;
  retries: number;
}

/**
 * SQLSTATE classes that mean "this data cannot be stored" (22 data exception, 23 integrity, e.g. no
 * partition for the row): retrying the same rows would fail forever, so the batch is split and the
 * offending message goes to `rejected`. Everything else (connection lost, server restarting, disk
 * full, serialization failure) is retried with backoff: the messages stay unacknowledged meanwhile.
 */
export function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && /^(22|23)[0-9A-Z]{3}$/.test(code);
}

function errCode(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' ? code : 'UNKNOWN';
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Batches messages into one transaction per batch and calls each message's `ack` only after the
 * COMMIT returned: a crash before that leaves the message unacknowledged at the broker, which
 * redelivers it; ON CONFLICT DO NOTHING stores a redelivered row once. One batch at a time; the
 * next one accumulates while a commit is running (the broker's receive maximum bounds it).
 */
export class BatchWriter {
  private queue: Item[] = [];
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;
  readonly db: DatabaseState = { up: false, downSince: null, lastError: null, retries: 0 };
  /** Committed messages (acked). */
  committed = 0;

  constructor(private readonly o: WriterOptions) {}

  get pending(): number {
    return this.queue.length + this.inFlight;
  }
  private inFlight = 0;

  add(item: Item): void {
    if (this.stopped) return; // not acked: the broker redelivers it to the next worker run
    this.queue.push(item);
    this.o.metrics.pending.set(this.pending);
    this.schedule();
  }

  private schedule(): void {
    if (this.running || this.stopped || this.queue.length === 0) return;
    if (this.queue.length >= this.o.maxMessages) this.startRun();
    else if (!this.timer) this.timer = setTimeout(() => this.startRun(), this.o.maxDelayMs);
  }

  private startRun(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.running || this.stopped) return;
    this.running = this.run().finally(() => {
      this.running = null;
      this.schedule();
    });
  }

  private async run(): Promise<void> {
    while (this.queue.length && !this.stopped) {
      const batch = this.queue.splice(0, this.o.maxMessages);
      this.inFlight = batch.length;
      const ok = await this.writeWithRetry(batch);
      this.inFlight = 0;
      if (!ok) return; // stopping: these messages are not acked, the broker keeps them
      for (const item of batch) item.ack();
      this.committed += batch.length;
      this.o.metrics.acked.inc(batch.length);
      this.o.metrics.pending.set(this.pending);
    }
  }

  /** Write the batch, waiting out database outages. false only when stopped before it committed. */
  private async writeWithRetry(batch: Item[]): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      if (this.stopped) return false;
      try {
        await this.write(batch);
        this.markUp();
        return true;
      } catch (err) {
        this.o.partitions.reset();
        this.o.metrics.dbErrors.inc({ code: errCode(err) });
        if (isDataError(err)) {
          if (batch.length > 1) return this.isolate(batch);
          // One message the database refuses: store it as rejected instead, with the reason.
          this.o.log.warn({ code: errCode(err), topic: batch[0].topic, err: (err as Error).message }, 'ingest: the database refused a message; storing it in rejected');
          batch[0] = { ...batch[0], parsed: reject(batch[0].topic, batch[0].payload, RejectCode.DB_REJECTED, `${errCode(err)}: ${(err as Error).message}`) };
          continue;
        }
        this.markDown(err);
        const wait = Math.min(this.o.retryMaxMs, this.o.retryMinMs * 2 ** Math.min(attempt, 20));
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          setTimeout(resolve, wait);
        });
        this.wake = null;
      }
    }
  }

  /** A batch with a message the database refuses: write it in halves until the culprit is alone. */
  private async isolate(batch: Item[]): Promise<boolean> {
    const mid = Math.ceil(batch.length / 2);
    return (await this.writeWithRetry(batch.slice(0, mid))) && (await this.writeWithRetry(batch.slice(mid)));
  }

  private async write(batch: Item[]): Promise<void> {
    const t0 = performance.now();
    const groups = { telemetry: [] as StreamRow[], alerts: [] as StreamRow[], command_acks: [] as StreamRow[], cleanroom_status: [] as StreamRow[] };
    const recv = { telemetry: [] as number[], alerts: [] as number[], command_acks: [] as number[], cleanroom_status: [] as number[] };
    const gws: GatewayStatusRow[] = [];
    const gwRecv: number[] = [];
    const rejected: Rejection[] = [];
    const rejRecv: number[] = [];
    const days = new Set<number>();
    for (const item of batch) {
      if ('rejected' in item.parsed) {
        rejected.push(item.parsed.rejected);
        rejRecv.push(item.receivedAt);
        continue;
      }
      for (const row of item.parsed.rows) {
        if (row.kind === 'gateway_status') {
          gws.push(row);
          gwRecv.push(item.receivedAt);
          continue;
        }
        const table = row.kind === 'alert' ? 'alerts' : row.kind === 'command_ack' ? 'command_acks' : row.kind;
        groups[table].push(row);
        recv[table].push(item.receivedAt);
        days.add(dayOf(row.tsMs));
      }
    }
    const tables: TableRows[] = [];
    for (const t of ['telemetry', 'alerts', 'command_acks'] as const) if (groups[t].length) tables.push(streamRows(t, groups[t], recv[t]));
    if (groups.cleanroom_status.length) tables.push(cleanroomRows(groups.cleanroom_status, recv.cleanroom_status));
    if (gws.length) tables.push(gatewayStatusRows(gws, gwRecv));
    if (rejected.length) tables.push(rejectedRows(rejected, rejRecv));

    const client = await this.o.pool.connect();
    let failed: unknown;
    const inserted: Array<[TableRows, number]> = [];
    try {
      if (days.size) await this.o.partitions.ensure(client, days);
      await client.query('BEGIN');
      // Multi-row VALUES, 1 000 rows a statement: measured against COPY into a staging table and
      // unnest arrays (docs/historian.md, "Batch INSERT form").
      for (const t of tables) {
        let n = 0;
        for (const s of valuesInsert(t)) n += (await client.query(s.text, s.values)).rowCount ?? 0;
        inserted.push([t, n]);
      }
      await client.query('COMMIT');
    } catch (err) {
      failed = err;
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      // A connection-level failure: discard the connection rather than reuse it.
      client.release(failed && !isDataError(failed) ? (failed as Error) : undefined);
    }
    const m = this.o.metrics;
    const now = (this.o.now ?? Date.now)();
    m.batches.inc();
    m.batchSeconds.observe((performance.now() - t0) / 1000);
    m.batchSize.observe(batch.length);
    for (const [t, n] of inserted) {
      m.rows.inc({ table: t.table }, n);
      if (t.rows.length > n) m.duplicates.inc({ table: t.table }, t.rows.length - n);
    }
    for (const r of rejected) m.rejected.inc({ code: r.code });
    for (const t of ['telemetry', 'alerts', 'command_acks'] as const) for (const row of groups[t]) if (!row.replayed) m.latency.observe((now - row.tsMs) / 1000);
  }

  private markUp(): void {
    if (!this.db.up) {
      if (this.db.downSince) this.o.log.info({ downSince: this.db.downSince, retries: this.db.retries }, 'ingest: database writes succeed again');
      this.db.up = true;
      this.db.downSince = null;
      this.db.retries = 0;
      this.o.metrics.dbUp.set(1);
    }
  }

  private markDown(err: unknown): void {
    const at = new Date().toISOString();
    this.db.lastError = { code: errCode(err), message: (err as Error).message, at };
    this.db.retries++;
    if (this.db.up || this.db.downSince === null) {
      this.db.up = false;
      this.db.downSince = at;
      this.o.metrics.dbUp.set(0);
      this.o.log.error({ code: errCode(err), err: (err as Error).message, pending: this.pending }, 'ingest: database write failed; retrying with backoff (messages stay unacknowledged at the broker)');
    } else if (this.db.retries % 20 === 0) {
      this.o.log.warn({ code: errCode(err), err: (err as Error).message, retries: this.db.retries, pending: this.pending }, 'ingest: database still failing');
    }
  }

  /** Mark the database up after a successful check (start-up). */
  databaseReachable(): void {
    this.markUp();
  }

  /**
   * Stop: commit what is queued if the database answers within `graceMs`, else leave it
   * unacknowledged (the broker redelivers it). Idempotent.
   */
  async stop(graceMs = 3000): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.running && this.queue.length && this.db.up) this.startRun();
    const deadline = sleep(graceMs).then(() => {
      this.stopped = true;
      this.wake?.();
    });
    if (this.running) await Promise.race([this.running, deadline]);
    this.stopped = true;
    this.wake?.();
    if (this.running) await this.running;
  }
}
