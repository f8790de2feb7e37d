import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import type { Component } from '../core/component.js';
import { errorCode, errorMessage } from '../core/errors.js';
import { openDatabase, type Database, type Statement } from '../store/sqlite.js';
import type { CommandOutcome } from './types.js';

/** Where executed command ids and their outcomes are remembered (de-duplication). */
export interface OutcomeStore {
  get(key: string): CommandOutcome | undefined;
  put(key: string, outcome: CommandOutcome): void;
}

export interface LedgerLimits {
  /** At most this many ids are remembered (the oldest are forgotten first). */
  maxEntries: number;
  /** Ids older than this are forgotten (ms). */
  retentionMs: number;
}

/** Bounded, in memory: the fallback, and the cache in front of SQLite. */
export class MemoryOutcomeStore implements OutcomeStore {
  private readonly map = new Map<string, { outcome: CommandOutcome; at: number }>();

  constructor(private readonly clock: Clock, private readonly limits: LedgerLimits) {}

  get(key: string): CommandOutcome | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    if (this.clock.now() - e.at > this.limits.retentionMs) {
      this.map.delete(key);
      return undefined;
    }
    return e.outcome;
  }

  put(key: string, outcome: CommandOutcome): void {
    this.map.delete(key);
    this.map.set(key, { outcome, at: this.clock.now() });
    while (this.map.size > this.limits.maxEntries) this.map.delete(this.map.keys().next().value!);
  }
}

/**
 * Executed command ids and outcomes in SQLite ({stateDir}/commands.db), so a command re-delivered
 * after a restart (an MQTT session replaying QoS 1, a client retrying) is not run twice. Bounded
 * by row count and age. If the file cannot be opened the ledger works in memory only and says so
 * (COMMAND_LEDGER_UNAVAILABLE): commands keep working, only restarts forget the ids.
 */
export class CommandLedger implements OutcomeStore, Component {
  readonly name = 'command-ledger';
  private db?: Database;
  private stmts?: { get: Statement; put: Statement; pruneAge: Statement; pruneRows: Statement };
  private readonly memory: MemoryOutcomeStore;
  private puts = 0;

  constructor(private readonly o: { stateDir: string; clock: Clock; log: Logger; limits: LedgerLimits; path?: string }) {
    this.memory = new MemoryOutcomeStore(o.clock, o.limits);
  }

  get path(): string {
    return this.o.path ?? join(this.o.stateDir, 'commands.db');
  }

  get persistent(): boolean {
    return this.db !== undefined;
  }

  async start(): Promise<void> {
    if (this.db) return;
    try {
      const db = openDatabase(this.path, { synchronous: 'full' });
      db.exec('CREATE TABLE IF NOT EXISTS outcomes (key TEXT PRIMARY KEY, at INTEGER NOT NULL, outcome TEXT NOT NULL); CREATE INDEX IF NOT EXISTS outcomes_at ON outcomes (at);');
      this.stmts = {
        get: db.prepare('SELECT outcome FROM outcomes WHERE key = ? AND at >= ?'),
        put: db.prepare('INSERT OR REPLACE INTO outcomes (key, at, outcome) VALUES (?, ?, ?)'),
        pruneAge: db.prepare('DELETE FROM outcomes WHERE at < ?'),
        pruneRows: db.prepare('DELETE FROM outcomes WHERE rowid IN (SELECT rowid FROM outcomes ORDER BY at DESC LIMIT -1 OFFSET ?)'),
      };
      this.db = db;
      this.prune();
    } catch (err) {
      this.o.log.error({ code: 'COMMAND_LEDGER_UNAVAILABLE', cause: errorCode(err), err: errorMessage(err), path: this.path }, 'command ledger cannot be opened: command ids are remembered in memory only (until restart)');
    }
  }

  async stop(): Promise<void> {
    this.db?.close();
    this.db = undefined;
    this.stmts = undefined;
  }

  get(key: string): CommandOutcome | undefined {
    const cached = this.memory.get(key);
    if (cached || !this.stmts) return cached;
    const row = this.stmts.get.get(key, this.o.clock.now() - this.o.limits.retentionMs) as { outcome: string } | undefined;
    return row ? (JSON.parse(row.outcome) as CommandOutcome) : undefined;
  }

  put(key: string, outcome: CommandOutcome): void {
    this.memory.put(key, outcome);
    if (!this.stmts) return;
    try {
      this.stmts.put.run(key, this.o.clock.now(), JSON.stringify(outcome));
      if (++this.puts % 100 === 0) this.prune();
    } catch (err) {
      this.o.log.error({ code: 'COMMAND_LEDGER_WRITE_FAILED', cause: errorCode(err), err: errorMessage(err) }, 'command ledger write failed: this id is remembered in memory only');
    }
  }

  private prune(): void {
    this.stmts!.pruneAge.run(this.o.clock.now() - this.o.limits.retentionMs);
    this.stmts!.pruneRows.run(this.o.limits.maxEntries);
  }
}
