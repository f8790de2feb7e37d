import pg from 'pg';
import type { Logger } from 'pino';
import type { IngestConfig } from '../config/types.js';
import { IngestConsumer } from './consumer.js';
import { redactUrl } from '../core/redact-url.js';
import { IngestHttp } from './http.js';
import { parseMessage } from './messages.js';
import { IngestMetrics } from './metrics.js';
import { migrate } from './migrate.js';
import { PartitionManager, oldestAcceptedMs } from './partitions.js';
import { BatchWriter } from './writer.js';

const DAY_MS = 86_400_000;

export interface IngestServiceOptions {
  config: IngestConfig;
  log: Logger;
  /** Worker number on this machine (1..): port offset and client id suffix. */
  instance: number;
  clientId: string;
}

/**
 * One ingest worker: waits for PostgreSQL, applies the migrations, creates partitions, then
 * consumes its share of the fleet's messages and writes them in batches. start()/stop() are
 * idempotent.
 */
export class IngestService {
  readonly metrics = new IngestMetrics();
  readonly http: IngestHttp;
  private readonly pool: pg.Pool;
  private readonly partitions = new PartitionManager();
  private readonly writer: BatchWriter;
  private readonly consumer: IngestConsumer;
  private maintenanceTimer: NodeJS.Timeout | null = null;
  private state: 'stopped' | 'waiting_for_database' | 'waiting_for_broker' | 'running' | 'stopping' = 'stopped';
  private schemaVersion: number | null = null;
  private received = 0;
  private rejected = 0;
  private startAbort = false;
  private lastMaintenance: { at: string; created: number; dropped: string[] } | null = null;

  constructor(private readonly o: IngestServiceOptions) {
    const cfg = o.config;
    this.pool = new pg.Pool({ connectionString: cfg.database.url, max: 2, statement_timeout: cfg.database.statementTimeoutMs || undefined, connectionTimeoutMillis: 5000, application_name: `fabwatch-ingest-${o.instance}` });
    // An idle connection dropped by a server restart must not crash the process; the next write reconnects.
    this.pool.on('error', (err) => o.log.warn({ err: err.message }, 'ingest: idle database connection lost'));
    // A connection lost while checked out (server shutting down between two queries) emits 'error' on
    // the client: without a listener that is an uncaught exception. The failing query rejects anyway.
    this.pool.on('connect', (client) => client.on('error', (err) => o.log.warn({ err: err.message }, 'ingest: database connection lost')));
    this.writer = new BatchWriter({
      pool: this.pool,
      partitions: this.partitions,
      maxMessages: cfg.batch.maxMessages,
      maxDelayMs: cfg.batch.maxDelayMs,
      retryMinMs: cfg.retry.minMs,
      retryMaxMs: cfg.retry.maxMs,
      log: o.log,
      metrics: this.metrics,
    });
    this.consumer = new IngestConsumer({
      ...cfg.mqtt,
      clientId: o.clientId,
      log: o.log,
      metrics: this.metrics,
      onMessage: (topic, payload, ack) => this.onMessage(topic, payload, ack),
    });
    this.http = new IngestHttp({ host: cfg.http.host, port: cfg.http.port === 0 ? 0 : cfg.http.port + o.instance - 1, registry: this.metrics.registry, health: () => this.health() });
  }

  private onMessage(topic: string, payload: Buffer, ack: () => void): void {
    const now = Date.now();
    const cfg = this.o.config;
    const parsed = parseMessage(topic, payload, { now, oldestMs: oldestAcceptedMs(now, cfg.retentionDays), newestMs: now + cfg.maxFutureSkewDays * DAY_MS });
    this.received++;
    if ('rejected' in parsed) {
      this.rejected++;
      this.metrics.received.inc({ kind: 'rejected' });
      this.o.log.warn({ topic, code: parsed.rejected.code, reason: parsed.rejected.reason }, 'ingest: message rejected (stored in the rejected table)');
    } else {
      this.metrics.received.inc({ kind: parsed.rows[0]?.kind ?? 'empty' });
    }
    this.writer.add({ topic, payload, parsed, receivedAt: now, ack });
  }

  async start(): Promise<void> {
    if (this.state !== 'stopped') return;
    this.startAbort = false;
    this.state = 'waiting_for_database';
    await this.http.start();
    const { log, config } = this.o;
    log.info({ db: redactUrl(config.database.url), mqtt: redactUrl(config.mqtt.url), group: config.mqtt.group, clientId: this.o.clientId, http: this.http.port }, 'ingest: starting');
    // The database first: migrations and partitions must exist before a message is taken.
    for (let attempt = 0; ; attempt++) {
      if (this.startAbort) return;
      try {
        const client = await this.pool.connect();
        try {
          const r = await migrate(client);
          this.schemaVersion = r.current;
          if (r.applied.length) log.info({ applied: r.applied, version: r.current }, 'ingest: schema migrations applied');
          await this.maintain(client);
        } finally {
          client.release();
        }
        break;
      } catch (err) {
        const wait = Math.min(config.retry.maxMs, config.retry.minMs * 2 ** Math.min(attempt, 20));
        if (attempt === 0 || attempt % 10 === 0) log.error({ err: (err as Error).message, code: (err as { code?: string }).code, retryInMs: wait }, 'ingest: database not ready; waiting');
        this.writer.db.lastError = { code: String((err as { code?: string }).code ?? 'UNKNOWN'), message: (err as Error).message, at: new Date().toISOString() };
        this.writer.db.downSince ??= new Date().toISOString();
        await new Promise((r) => setTimeout(r, wait));
      }
    }
    if (this.startAbort) return;
    this.writer.databaseReachable();
    // Then the broker: 'running' means the shared subscriptions are granted. Before that a message
    // published to the fleet's topics can have no subscriber at all, and the broker discards it.
    this.state = 'waiting_for_broker';
    await this.consumer.start();
    await this.consumer.whenSubscribed();
    if (this.startAbort) return;
    this.maintenanceTimer = setInterval(() => void this.maintainNow(), config.maintenanceIntervalS * 1000);
    this.maintenanceTimer.unref();
    this.state = 'running';
    log.info({ schemaVersion: this.schemaVersion, http: this.http.port }, 'ingest: running');
  }

  private async maintain(client: pg.ClientBase): Promise<void> {
    const r = await this.partitions.maintain(client, Date.now(), this.o.config.retentionDays, this.o.config.partitionsAheadDays);
    this.lastMaintenance = { at: new Date().toISOString(), created: r.created, dropped: r.dropped };
    if (r.created || r.dropped.length || r.deletedRows) this.o.log.info({ created: r.created, dropped: r.dropped, deletedRows: r.deletedRows, retentionDays: this.o.config.retentionDays }, 'ingest: partitions maintained');
  }

  private async maintainNow(): Promise<void> {
    try {
      const client = await this.pool.connect();
      try {
        await this.maintain(client);
      } finally {
        client.release();
      }
    } catch (err) {
      this.o.log.warn({ err: (err as Error).message }, 'ingest: partition maintenance failed; retried at the next interval');
    }
  }

  health(): { status: string } & Record<string, unknown> {
    const db = this.writer.db;
    const c = this.consumer;
    const ok = this.state === 'running' && db.up && c.connected && c.subscribed;
    const notes: string[] = [];
    if (!db.up && db.downSince) notes.push(`database unavailable since ${db.downSince}: ${this.writer.pending} message(s) held unacknowledged; the broker keeps them (and everything after them) until the writes succeed`);
    if (!c.connected && this.state === 'running') notes.push('not connected to the broker; reconnecting (the persistent session keeps this worker\'s share queued)');
    return {
      status: this.state === 'waiting_for_database' || this.state === 'waiting_for_broker' ? 'starting' : ok ? 'ok' : 'degraded',
      state: this.state,
      instance: this.o.instance,
      clientId: this.o.clientId,
      group: this.o.config.mqtt.group,
      mqtt: { connected: c.connected, subscribed: c.subscribed, connects: c.connects, lastError: c.lastError },
      database: { up: db.up, downSince: db.downSince, retries: db.retries, lastError: db.lastError, schemaVersion: this.schemaVersion },
      messages: { received: this.received, committed: this.writer.committed, rejected: this.rejected, pending: this.writer.pending },
      maintenance: this.lastMaintenance,
      notes,
    };
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'stopping') return;
    this.state = 'stopping';
    this.startAbort = true;
    if (this.maintenanceTimer) clearInterval(this.maintenanceTimer);
    this.maintenanceTimer = null;
    // Stop taking messages, commit what is queued (acks go out on the still-open connection), then disconnect.
    await this.writer.stop(3000);
    await this.consumer.stop();
    await this.http.stop();
    await this.pool.end().catch(() => {});
    this.state = 'stopped';
  }
}
