import { existsSync, readFileSync, renameSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../core/clock.js';
import { errorCode, errorMessage } from '../core/errors.js';
import { openDatabase } from '../store/sqlite.js';
import { MemoryOutboxStore, SqliteOutboxStore, type Lane, type OutboxRow, type OutboxStore } from './outbox-store.js';

/** What a message is decides its lane and whether it may ever be dropped. */
export type MessageKind = 'alert' | 'ack' | 'cleanroom' | 'telemetry';

const KIND: Record<MessageKind, { lane: Lane; droppable: boolean }> = {
  alert: { lane: 0, droppable: false },
  ack: { lane: 0, droppable: false },
  cleanroom: { lane: 1, droppable: false },
  telemetry: { lane: 1, droppable: true },
};

export interface OutboxOptions {
  /** SQLite file, e.g. {stateDir}/outbox.db. */
  path: string;
  /** Produced messages are committed at least this often (ms): the durability window. */
  flushIntervalMs: number;
  /** ...or as soon as this many are waiting. */
  flushMaxMessages: number;
  /** Cap on stored payload bytes; above it telemetry is dropped oldest-first. */
  maxBytes: number;
  /** Cap while running in memory after a database fault. */
  memoryMaxBytes: number;
  synchronous: 'full' | 'normal';
  /** Rows fetched from the store at a time. */
  pageSize?: number;
  /**
   * With synchronous 'normal', a power loss (detected as: last run did not close cleanly and the
   * kernel boot id changed) may roll back commits whose messages were already delivered; every
   * stream's seq then jumps by this much so no seq a subscriber has seen is reused. Default 100000.
   */
  powerLossSeqJump?: number;
  /** Kernel boot id source (tests). Default /proc/sys/kernel/random/boot_id. */
  bootId?: () => string | null;
  /** Extra PRAGMAs after opening (e.g. 'max_page_count = 1000' to bound the file hard). */
  pragmas?: string[];
}

export type { OutboxFault, OutboxFaultCode, OutboxStatus } from '../status/uplink-status.js';
import type { OutboxFault, OutboxStatus } from '../status/uplink-status.js';

export interface OutboxEvents {
  /** New rows are ready to send. */
  onCommitted?(): void;
  /** The database failed; the outbox now runs in memory (or started afresh after a corrupt file). */
  onFault?(fault: OutboxFault): void;
  /** First telemetry drop of an episode of running at the cap. */
  onDropStart?(info: { dropped: number; capBytes: number }): void;
}

function readBootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return null;
  }
}

const CORRUPT_CODES = new Set(['SQLITE_NOTADB', 'SQLITE_CORRUPT']);

/**
 * The durable store-and-forward queue behind the MQTT uplink. `produce()` stamps the stream's
 * next `seq` and holds the message in a batch; the batch is committed to SQLite (WAL) within
 * `flushIntervalMs` or `flushMaxMessages`, in one transaction with the streams' last `seq`.
 * Only committed rows are handed to the sender, so a `seq` a subscriber has seen is never reused
 * after a crash. A row is deleted when the broker acknowledges it. If the database is corrupt or
 * unwritable the outbox says so (fault + alert via `onFault`) and carries on in memory.
 */
export class Outbox {
  private store!: OutboxStore;
  private seqs = new Map<string, number>();
  private dirtySeqs = new Map<string, number>();
  private pending: OutboxRow[] = [];
  private toDelete: number[] = [];
  private nextId = 0;
  private startupMaxId = 0;
  private readonly page: [OutboxRow[], OutboxRow[]] = [[], []];
  private readonly pageIdx: [number, number] = [0, 0];
  private readonly cursor: [number, number] = [0, 0];
  private readonly tailInStore: [boolean, boolean] = [true, true];
  private timer?: TimerHandle;
  private count = 0;
  private bytes = 0;
  private readonly inflight = { count: 0, bytes: 0 };
  private readonly counters = { produced: 0, acked: 0, dropped: 0 };
  private readonly droppedByTopic = new Map<string, number>();
  private dropEpisode = { active: false, dropped: 0, lastLog: 0, overCapLogged: false };
  private fault: OutboxFault | null = null;
  private opened = false;
  private readonly pageSize: number;

  constructor(private readonly o: OutboxOptions, private readonly clock: Clock, private readonly log: Logger, private readonly events: OutboxEvents = {}) {
    this.pageSize = o.pageSize ?? 512;
  }

  get mode(): 'sqlite' | 'memory' {
    return this.store?.kind ?? 'memory';
  }

  /** Open the database (idempotent). Never throws: a bad file is quarantined, an unusable one means memory mode. */
  open(): void {
    if (this.opened) return;
    this.opened = true;
    let salvaged: Map<string, number> | undefined;
    try {
      this.store = new SqliteOutboxStore(this.openDb());
      this.adopt(this.store.load());
      this.checkPowerLoss();
      return;
    } catch (err) {
      if (CORRUPT_CODES.has(errorCode(err))) {
        const quarantined = `${this.o.path}.corrupt-${new Date(this.clock.now()).toISOString().replace(/[:.]/g, '-')}`;
        try {
          for (const suffix of ['', '-wal', '-shm']) if (existsSync(this.o.path + suffix)) renameSync(this.o.path + suffix, quarantined + suffix);
          salvaged = this.salvageSeqs(quarantined);
          this.store = new SqliteOutboxStore(this.openDb());
          const loaded = this.store.load();
          for (const [k, v] of salvaged ?? []) if (v > (loaded.seqs.get(k) ?? 0)) loaded.seqs.set(k, v);
          this.adopt(loaded);
          this.raise({ code: 'OUTBOX_CORRUPT', message: `outbox database ${this.o.path} was unreadable (${errorCode(err)}: ${errorMessage(err)}); moved to ${quarantined} and started a new one${salvaged ? ' (stream seq recovered)' : ' (stream seq could not be recovered: seq restarts at 1)'}; messages in the old file are not sent`, at: this.iso(), quarantined });
          return;
        } catch (err2) {
          err = err2;
        }
      }
      this.store = new MemoryOutboxStore({ seqs: salvaged });
      this.adopt(this.store.load());
      this.raise({ code: 'OUTBOX_UNAVAILABLE', message: `outbox database ${this.o.path} cannot be used (${errorCode(err)}: ${errorMessage(err)}); running in memory: messages are NOT durable and are lost on restart`, at: this.iso() });
    }
  }

  private openDb() {
    const db = openDatabase(this.o.path, { synchronous: this.o.synchronous });
    try {
      for (const p of this.o.pragmas ?? []) db.pragma(p);
    } catch (err) {
      db.close();
      throw err;
    }
    return db;
  }

  private salvageSeqs(file: string): Map<string, number> | undefined {
    try {
      const db = openDatabase(file);
      try {
        const rows = db.prepare('SELECT topic, seq FROM streams').all() as Array<{ topic: string; seq: number }>;
        return new Map(rows.map((r) => [r.topic, r.seq]));
      } finally {
        db.close();
      }
    } catch {
      return undefined;
    }
  }

  /** Mark the run as unclean until close(); after a power loss in 'normal' mode, jump the seqs. */
  private checkPowerLoss(): void {
    const boot = (this.o.bootId ?? readBootId)();
    const wasClean = this.store.getMeta('clean_shutdown');
    const lastBoot = this.store.getMeta('boot_id');
    if (this.o.synchronous === 'normal' && wasClean === '0' && boot !== null && lastBoot !== undefined && lastBoot !== boot && this.seqs.size) {
      const jump = this.o.powerLossSeqJump ?? 100_000;
      for (const [k, v] of this.seqs) {
        this.seqs.set(k, v + jump);
        this.dirtySeqs.set(k, v + jump);
      }
      this.log.warn({ jump, streams: this.seqs.size }, 'outbox: the last run ended without a clean stop and the machine rebooted (power loss?): recent commits may have rolled back, so every stream seq jumps ahead to never reuse a delivered seq');
      this.store.commit([], this.dirtySeqs, []);
      this.dirtySeqs = new Map();
    }
    this.store.setMeta('clean_shutdown', '0');
    if (boot !== null) this.store.setMeta('boot_id', boot);
  }

  private adopt(loaded: { seqs: Map<string, number>; maxId: number; count: number; bytes: number }): void {
    this.seqs = loaded.seqs;
    this.nextId = loaded.maxId;
    this.startupMaxId = loaded.maxId;
    this.count = loaded.count;
    this.bytes = loaded.bytes;
    if (loaded.count) this.log.info({ pending: loaded.count, bytes: loaded.bytes, streams: loaded.seqs.size }, 'outbox: messages from before the restart will be replayed');
  }

  private iso(): string {
    return new Date(this.clock.now()).toISOString();
  }

  private raise(fault: OutboxFault): void {
    this.fault = fault;
    this.log.error({ code: fault.code, path: this.o.path, mode: this.mode }, fault.message);
    this.events.onFault?.(fault);
  }

  /** The stream's last seq (0 if none). */
  lastSeq(topic: string): number {
    return this.seqs.get(topic) ?? 0;
  }

  /**
   * Stamp the next seq of `topic` and queue the message for the next commit. `live` = the uplink
   * is connected now (otherwise the message is sent later with `replayed: true`).
   */
  produce(topic: string, body: object, kind: MessageKind, live: boolean): number {
    if (!this.opened) this.open();
    const seq = (this.seqs.get(topic) ?? 0) + 1;
    this.seqs.set(topic, seq);
    this.dirtySeqs.set(topic, seq);
    // Append seq to the serialized body (no copy of the object): '{...}' -> '{...,"seq":N}'.
    const json = JSON.stringify(body);
    const payload = json.length > 2 ? `${json.slice(0, -1)},"seq":${seq}}` : `{"seq":${seq}}`;
    const { lane, droppable } = KIND[kind];
    const row: OutboxRow = { id: ++this.nextId, topic, seq, lane, droppable, offline: !live, ts: this.clock.now(), payload, bytes: Buffer.byteLength(payload) };
    this.pending.push(row);
    this.count++;
    this.bytes += row.bytes;
    this.counters.produced++;
    if (this.pending.length >= this.o.flushMaxMessages) this.flush();
    else this.schedule();
    return seq;
  }

  private schedule(): void {
    this.timer ??= this.clock.setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.o.flushIntervalMs);
  }

  /** Commit the batch (and acknowledged deletions) now. */
  flush(): void {
    this.timer?.cancel();
    this.timer = undefined;
    if (!this.pending.length && !this.toDelete.length && !this.dirtySeqs.size) return;
    const rows = this.pending;
    const ids = this.toDelete;
    const seqs = this.dirtySeqs;
    this.pending = [];
    this.toDelete = [];
    this.dirtySeqs = new Map();
    try {
      this.store.commit(rows, seqs, ids);
    } catch (err) {
      this.failOver(err, rows);
      this.events.onCommitted?.();
      return;
    }
    for (const r of rows) this.admit(r);
    this.enforceCap();
    if (rows.length) this.events.onCommitted?.();
  }

  /** A committed row goes straight to the send page when nothing older waits in the store. */
  private admit(r: OutboxRow): void {
    const lane = r.lane;
    if (!this.tailInStore[lane] && this.page[lane].length - this.pageIdx[lane] < this.pageSize) {
      this.page[lane].push(r);
      this.cursor[lane] = r.id;
    } else {
      this.tailInStore[lane] = true;
    }
  }

  private failOver(err: unknown, unsaved: OutboxRow[]): void {
    const old = this.store;
    const carried: OutboxRow[] = [];
    let carriedBytes = 0;
    // Carry what can still be read (up to the memory cap) so it is still sent in this run.
    for (const lane of [0, 1] as const) {
      let after = this.cursor[lane];
      try {
        while (this.tailInStore[lane] && carriedBytes < this.o.memoryMaxBytes) {
          const rows = old.fetch(lane, after, this.pageSize);
          if (!rows.length) break;
          for (const r of rows) carriedBytes += r.bytes;
          carried.push(...rows);
          after = rows[rows.length - 1].id;
        }
      } catch {
        /* unreadable too: those rows stay in the file for the next start */
      }
    }
    try {
      old.close();
    } catch {
      /* already broken */
    }
    this.store = new MemoryOutboxStore({ rows: [...carried, ...unsaved], seqs: this.seqs });
    this.tailInStore[0] = this.tailInStore[1] = true;
    // Rows already paged or in flight are still held by the sender and acked as usual.
    const inMemory = this.store.load();
    let heldCount = this.inflight.count;
    let heldBytes = this.inflight.bytes;
    for (const lane of [0, 1] as const) for (let i = this.pageIdx[lane]; i < this.page[lane].length; i++) {
      heldCount++;
      heldBytes += this.page[lane][i].bytes;
    }
    this.count = inMemory.count + heldCount;
    this.bytes = inMemory.bytes + heldBytes;
    this.raise({ code: 'OUTBOX_WRITE_FAILED', message: `outbox database ${this.o.path} failed (${errorCode(err)}: ${errorMessage(err)}); running in memory: messages are NOT durable and are lost on restart; free disk space / replace the storage and restart`, at: this.iso() });
    this.enforceCap();
  }

  /** The next row of a lane to send, without taking it. */
  peek(lane: Lane): OutboxRow | undefined {
    if (this.pageIdx[lane] >= this.page[lane].length) {
      this.page[lane] = [];
      this.pageIdx[lane] = 0;
      if (!this.tailInStore[lane]) return undefined;
      let rows: OutboxRow[];
      try {
        rows = this.store.fetch(lane, this.cursor[lane], this.pageSize);
      } catch (err) {
        this.failOver(err, []);
        rows = this.store.fetch(lane, this.cursor[lane], this.pageSize);
      }
      if (rows.length < this.pageSize) this.tailInStore[lane] = false;
      if (!rows.length) return undefined;
      this.page[lane] = rows;
      this.cursor[lane] = rows[rows.length - 1].id;
    }
    return this.page[lane][this.pageIdx[lane]];
  }

  /** Take the row returned by peek(lane) for sending. */
  take(lane: Lane): OutboxRow | undefined {
    const row = this.peek(lane);
    if (row) {
      this.pageIdx[lane]++;
      this.inflight.count++;
      this.inflight.bytes += row.bytes;
    }
    return row;
  }

  /** Was this row produced while the uplink was down, or by a previous run? */
  isReplay(row: OutboxRow): boolean {
    return row.offline || row.id <= this.startupMaxId;
  }

  /** The broker acknowledged the row: delete it at the next commit. */
  ack(row: OutboxRow): void {
    this.toDelete.push(row.id);
    this.inflight.count--;
    this.inflight.bytes -= row.bytes;
    this.count--;
    this.bytes -= row.bytes;
    this.counters.acked++;
    if (this.toDelete.length >= this.o.flushMaxMessages) this.flush();
    else this.schedule();
    if (this.dropEpisode.active && this.bytes < 0.9 * this.capBytes()) this.endDropEpisode();
  }

  private capBytes(): number {
    return this.store.kind === 'sqlite' ? this.o.maxBytes : Math.min(this.o.maxBytes, this.o.memoryMaxBytes);
  }

  /** Drop-oldest telemetry until under the cap: unsent page rows first, then the store. */
  private enforceCap(): void {
    const cap = this.capBytes();
    if (this.bytes <= cap) return;
    let need = this.bytes - cap;
    const dropped: Array<{ topic: string; bytes: number }> = [];
    const lane1 = this.page[1];
    const keep: OutboxRow[] = [];
    for (let i = this.pageIdx[1]; i < lane1.length; i++) {
      const r = lane1[i];
      if (need > 0 && r.droppable) {
        need -= r.bytes;
        dropped.push(r);
        this.toDelete.push(r.id);
      } else keep.push(r);
    }
    this.page[1] = keep;
    this.pageIdx[1] = 0;
    try {
      while (need > 0) {
        const d = this.store.dropOldest(this.cursor[1], 256);
        if (!d.length) break;
        for (const x of d) {
          need -= x.bytes;
          dropped.push(x);
        }
      }
    } catch (err) {
      this.log.error({ err: errorMessage(err) }, 'outbox: dropping oldest telemetry failed');
    }
    for (const d of dropped) {
      this.count--;
      this.bytes -= d.bytes;
      this.droppedByTopic.set(d.topic, (this.droppedByTopic.get(d.topic) ?? 0) + 1);
    }
    this.counters.dropped += dropped.length;
    if (dropped.length) {
      const now = this.clock.monotonic();
      this.dropEpisode.dropped += dropped.length;
      if (!this.dropEpisode.active) {
        this.dropEpisode.active = true;
        this.dropEpisode.lastLog = now;
        this.log.warn({ dropped: dropped.length, dropped_total: this.counters.dropped, cap_bytes: cap, bytes: this.bytes }, 'outbox full: dropping the oldest telemetry (alerts, command acks and cleanroom status are kept)');
        this.events.onDropStart?.({ dropped: dropped.length, capBytes: cap });
      } else if (now - this.dropEpisode.lastLog > 10_000) {
        this.dropEpisode.lastLog = now;
        this.log.warn({ dropped_episode: this.dropEpisode.dropped, dropped_total: this.counters.dropped, cap_bytes: cap, bytes: this.bytes }, 'outbox full: still dropping the oldest telemetry');
      }
    }
    if (need > 0 && !this.dropEpisode.overCapLogged) {
      this.dropEpisode.overCapLogged = true;
      this.log.error({ bytes: this.bytes, cap_bytes: cap }, 'outbox over its cap with only alerts, command acks and cleanroom status left: keeping them (never dropped)');
    }
  }

  private endDropEpisode(): void {
    this.log.info({ dropped_episode: this.dropEpisode.dropped, dropped_total: this.counters.dropped }, 'outbox below its cap again: telemetry no longer dropped');
    this.dropEpisode = { active: false, dropped: 0, lastLog: 0, overCapLogged: false };
  }

  status(): OutboxStatus {
    return {
      mode: this.mode,
      durable: this.mode === 'sqlite',
      path: this.o.path,
      pending: this.count,
      bytes: this.bytes,
      cap_bytes: this.store ? this.capBytes() : this.o.maxBytes,
      produced: this.counters.produced,
      acked: this.counters.acked,
      dropped: this.counters.dropped,
      dropped_by_stream: Object.fromEntries(this.droppedByTopic),
      durability_window: { ms: this.o.flushIntervalMs, messages: this.o.flushMaxMessages, synchronous: this.o.synchronous },
      fault: this.fault,
    };
  }

  /** Commit what is waiting and close the database (idempotent). */
  close(): void {
    if (!this.opened) return;
    try {
      this.flush();
      this.store.setMeta('clean_shutdown', '1');
    } catch (err) {
      this.log.error({ err: errorMessage(err) }, 'outbox: final commit failed');
    } finally {
      this.timer?.cancel();
      this.timer = undefined;
      try {
        this.store.close();
      } catch {
        /* closing a broken database */
      }
      this.opened = false;
      this.page[0] = [];
      this.page[1] = [];
      this.pageIdx[0] = this.pageIdx[1] = 0;
      this.tailInStore[0] = this.tailInStore[1] = true;
      this.cursor[0] = this.cursor[1] = 0;
      this.inflight.count = this.inflight.bytes = 0;
    }
  }
}
