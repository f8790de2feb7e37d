import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Component } from '../core/component.js';
import { errorCode, errorMessage } from '../core/errors.js';
import type { AlarmBook, AlarmPersistence, StoredAlarm } from '../state/alarm-book.js';
import { openDatabase, type Database, type Statement } from './sqlite.js';

/**
 * How long after a restart a restored active alarm waits for its producer to report the condition
 * again before it is cleared (ALARM_NOT_RECONFIRMED): longer than the slowest confirmation (an
 * excursion needs minDurationS and several samples; a diagnosis a few voted windows).
 */
export const RESTORE_GRACE_MS = 10 * 60_000;

/**
 * The alarms that are not normal, with their acknowledgements (who, when, comment), in SQLite
 * ({stateDir}/alarms.db): after a restart an acknowledged condition that is raised again comes
 * back acknowledged-active, not unacknowledged. One row per alarm identity, written on every
 * change (synchronous = full: an acknowledgement that was answered survives power loss), deleted
 * when the alarm returns to normal; so the table holds at most one row per identity.
 * Start it before the producers. If the file cannot be opened the alarms work in memory only and
 * say so (ALARM_STORE_UNAVAILABLE): restarts then forget acknowledgements.
 */
export class AlarmStore implements AlarmPersistence, Component {
  readonly name = 'alarm-store';
  private db?: Database;
  private stmts?: { save: Statement; remove: Statement };

  constructor(private readonly o: { stateDir: string; book: AlarmBook; log: Logger; restoreGraceMs: number; path?: string }) {}

  get path(): string {
    return this.o.path ?? join(this.o.stateDir, 'alarms.db');
  }

  get persistent(): boolean {
    return this.db !== undefined;
  }

  async start(): Promise<void> {
    if (this.db) return;
    try {
      const db = openDatabase(this.path, { synchronous: 'full' });
      db.exec('CREATE TABLE IF NOT EXISTS alarms (alarm_id TEXT PRIMARY KEY, alarm TEXT NOT NULL)');
      this.stmts = {
        save: db.prepare('INSERT OR REPLACE INTO alarms (alarm_id, alarm) VALUES (?, ?)'),
        remove: db.prepare('DELETE FROM alarms WHERE alarm_id = ?'),
      };
      const rows = db.prepare('SELECT alarm FROM alarms').all() as Array<{ alarm: string }>;
      const alarms: StoredAlarm[] = [];
      for (const r of rows) {
        try {
          alarms.push(JSON.parse(r.alarm) as StoredAlarm);
        } catch {
          this.o.log.warn({ code: 'ALARM_STORE_ROW_INVALID' }, 'an alarm row is not JSON: skipped');
        }
      }
      this.db = db;
      this.o.book.restore(alarms, this.o.restoreGraceMs, this);
      this.o.log.info({ restored: alarms.length, path: this.path }, 'alarms restored');
    } catch (err) {
      this.o.log.error({ code: 'ALARM_STORE_UNAVAILABLE', cause: errorCode(err), err: errorMessage(err), path: this.path }, 'alarm store cannot be opened: acknowledgements are kept in memory only (until restart)');
    }
  }

  async stop(): Promise<void> {
    this.o.book.detach();
    this.db?.close();
    this.db = undefined;
    this.stmts = undefined;
  }

  save(alarm: StoredAlarm): void {
    this.write(() => this.stmts?.save.run(alarm.alarm_id, JSON.stringify(alarm)));
  }

  remove(alarmId: string): void {
    this.write(() => this.stmts?.remove.run(alarmId));
  }

  private write(fn: () => unknown): void {
    try {
      fn();
    } catch (err) {
      this.o.log.error({ code: 'ALARM_STORE_WRITE_FAILED', cause: errorCode(err), err: errorMessage(err) }, 'alarm store write failed: this change is kept in memory only');
    }
  }
}
