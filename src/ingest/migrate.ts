import type pg from 'pg';
import { MIGRATIONS, type Migration } from './schema-sql.js';

/** Serialises schema work of concurrent workers (any 64-bit constant unique to fabwatch). */
export const SCHEMA_LOCK = 0x66616277_6d69; // "fabwmi"

export interface MigrationResult {
  applied: number[];
  current: number;
}

/**
 * Apply the migrations that are not yet in `schema_migrations`, each in its own transaction, under
 * an advisory lock so several workers starting at once apply each migration exactly once.
 */
export async function migrate(client: pg.ClientBase, migrations: Migration[] = MIGRATIONS): Promise<MigrationResult> {
  const applied: number[] = [];
  await client.query('SELECT pg_advisory_lock($1)', [SCHEMA_LOCK]);
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const done = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw Object.assign(new Error(`migration ${m.version} (${m.name}) failed: ${(err as Error).message}`), { cause: err });
      }
      applied.push(m.version);
    }
    const cur = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
    return { applied, current: cur.rows[0].v ?? 0 };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [SCHEMA_LOCK]).catch(() => {});
  }
}
