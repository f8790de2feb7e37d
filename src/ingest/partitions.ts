import type pg from 'pg';
import { PARTITIONED_TABLES } from './schema-sql.js';

/**
 * Daily partitions (UTC) of the seq tables: created ahead of time, and on demand for the days a
 * batch needs (a replay of last week); dropped whole once older than the retention.
 */

const DAY_MS = 86_400_000;
const PARTITION_LOCK = 0x66616277_7061; // "fabwpa"

/** UTC day number (days since the epoch) of a time in ms. */
export const dayOf = (ms: number): number => Math.floor(ms / DAY_MS);

function ymd(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export function partitionName(table: string, day: number): string {
  return `${table}_p${ymd(day).replace(/-/g, '')}`;
}

/** The day a partition name stands for, or null for a name that is not ours. */
export function partitionDay(name: string): number | null {
  const m = /_p(\d{4})(\d{2})(\d{2})$/.exec(name);
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Number.isFinite(ms) ? dayOf(ms) : null;
}

export class PartitionManager {
  /** Days whose partitions are known to exist (all tables). */
  private readonly known = new Set<number>();

  /** Make sure every partitioned table has a partition for each day. Cheap when already known. */
  async ensure(client: pg.ClientBase, days: Iterable<number>): Promise<number> {
    const missing = [...new Set(days)].filter((d) => !this.known.has(d));
    if (missing.length === 0) return 0;
    let created = 0;
    await client.query('BEGIN');
    try {
      // Two workers creating the same partition would collide on the catalog: take turns.
      await client.query('SELECT pg_advisory_xact_lock($1)', [PARTITION_LOCK]);
      for (const day of missing) {
        for (const table of PARTITIONED_TABLES) {
          const name = partitionName(table, day);
          const exists = await client.query('SELECT 1 FROM pg_class WHERE relname = $1', [name]);
          if (exists.rowCount) continue;
          await client.query(`CREATE TABLE ${name} PARTITION OF ${table} FOR VALUES FROM ('${ymd(day)} 00:00:00+00') TO ('${ymd(day + 1)} 00:00:00+00')`);
          created++;
        }
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    }
    for (const d of missing) this.known.add(d);
    return created;
  }

  /**
   * Create today's partitions and `aheadDays` more; drop partitions whose whole day is older than
   * `retentionDays`; delete rejected and gateway_status rows older than that.
   */
  async maintain(client: pg.ClientBase, now: number, retentionDays: number, aheadDays: number): Promise<{ created: number; dropped: string[]; deletedRows: number }> {
    const today = dayOf(now);
    const days: number[] = [];
    for (let d = today; d <= today + aheadDays; d++) days.push(d);
    const created = await this.ensure(client, days);
    const oldestKept = dayOf(now - retentionDays * DAY_MS);
    const dropped: string[] = [];
    await client.query('BEGIN');
    try {
      await client.query('SELECT pg_advisory_xact_lock($1)', [PARTITION_LOCK]);
      const parts = await client.query<{ child: string }>(
        `SELECT c.relname AS child FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = ANY($1)`,
        [PARTITIONED_TABLES],
      );
      for (const { child } of parts.rows) {
        const day = partitionDay(child);
        if (day !== null && day < oldestKept) {
          await client.query(`DROP TABLE ${child}`);
          this.known.delete(day);
          dropped.push(child);
        }
      }
      const cutoff = new Date(oldestKept * DAY_MS).toISOString();
      const r1 = await client.query('DELETE FROM rejected WHERE received_at < $1', [cutoff]);
      const r2 = await client.query('DELETE FROM gateway_status WHERE ts < $1', [cutoff]);
      await client.query('COMMIT');
      return { created, dropped, deletedRows: (r1.rowCount ?? 0) + (r2.rowCount ?? 0) };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    }
  }

  /** Forget what is known (after a reconnect the database may have been restored or rebuilt). */
  reset(): void {
    this.known.clear();
  }
}

/** Oldest ts the historian accepts: the first day retention keeps. */
export function oldestAcceptedMs(now: number, retentionDays: number): number {
  return dayOf(now - retentionDays * DAY_MS) * DAY_MS;
}
