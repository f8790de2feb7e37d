import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { TableRows } from '../src/ingest/insert-sql.js';

/**
 * The COPY form of the batch insert, measured by `npm run bench:ingest -- --insert-only` against the
 * multi-row VALUES form that ingest uses (src/ingest/insert-sql.ts); it did not win (docs/historian.md),
 * so it lives with the bench. Batch insert through COPY: `COPY` the rows into a per-connection temporary staging table, then
 * one `INSERT INTO table SELECT ... FROM stage ON CONFLICT DO NOTHING` (COPY itself has no ON
 * CONFLICT, and redeliveries must be stored once). The staging table is `ON COMMIT DELETE ROWS`,
 * so it is empty at the start of every transaction (a rollback empties it too).
 */

const SPECIAL = /[\\\t\n\r]/;
const SPECIAL_G = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** One field in COPY's text format: null as \N; bytes as \x hex; backslash, tab, newline and CR escaped. */
export function copyField(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  const s = typeof v === 'string' ? v : typeof v === 'boolean' ? (v ? 't' : 'f') : Buffer.isBuffer(v) ? `\\x${v.toString('hex')}` : String(v);
  return SPECIAL.test(s) ? s.replace(SPECIAL_G, (c) => ESCAPES[c]) : s;
}

/** The rows as COPY text, in chunks of about 1 MB (a line per row, fields separated by tabs). */
export function* copyText(rows: unknown[][]): Generator<string> {
  let chunk = '';
  for (const row of rows) {
    chunk += row.map(copyField).join('\t') + '\n';
    if (chunk.length >= 1 << 20) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

/**
 * Insert one table's rows through COPY + INSERT ... SELECT ... ON CONFLICT DO NOTHING, inside the
 * caller's transaction. Resolves with the number of rows inserted (the rest were duplicates).
 */
export async function copyInsert(client: pg.ClientBase, { table, cols, rows }: TableRows): Promise<number> {
  if (rows.length === 0) return 0;
  const stage = `ingest_stage_${table}`;
  // Every time, not once per connection: a staging table created in a transaction that then
  // rolled back is gone again. It is one catalog lookup when it exists.
  await client.query(`CREATE TEMP TABLE IF NOT EXISTS ${stage} (${cols.map(([c, t]) => `${c} ${t}`).join(', ')}) ON COMMIT DELETE ROWS`);
  const names = cols.map(([c]) => c).join(', ');
  await pipeline(Readable.from(copyText(rows)), client.query(copyFrom(`COPY ${stage} (${names}) FROM STDIN`)));
  const r = await client.query(`INSERT INTO ${table} (${names}) SELECT ${names} FROM ${stage} ON CONFLICT DO NOTHING`);
  return r.rowCount ?? 0;
}
