import type { GatewayStatusRow, Rejection, StreamRow } from './messages.js';
import { pgNumberArray } from './messages.js';

/**
 * The rows of one table in a batch, as column values, and the multi-row `VALUES` form of their
 * INSERT. The other form, COPY into a staging table + INSERT ... SELECT, is `copy-sql.ts`; both
 * use `ON CONFLICT DO NOTHING`, and the count of rows inserted tells the duplicates apart. Which
 * one the writer uses was chosen by measurement (`npm run bench:ingest -- --insert-only`,
 * docs/historian.md).
 */

/** A column and its PostgreSQL type (the VALUES form casts every parameter to it). */
export type Column = readonly [name: string, type: string];

/** One table's rows of a batch, values in `cols` order. */
export interface TableRows {
  table: string;
  cols: readonly Column[];
  rows: unknown[][];
}

export interface Statement {
  table: string;
  text: string;
  values: unknown[];
  rows: number;
}

const iso = (ms: number) => new Date(ms).toISOString();
// 1 000 rows a statement: under the 65 535-parameter limit for any table here, and measured faster
// than one statement of 6 666 rows (docs/historian.md).
const MAX_ROWS = 1000;

/** `INSERT INTO table (cols) VALUES ($1::type, ...), (...) ON CONFLICT DO NOTHING`, chunked. */
export function valuesInsert(t: TableRows): Statement[] {
  const out: Statement[] = [];
  for (let i = 0; i < t.rows.length; i += MAX_ROWS) {
    const chunk = t.rows.slice(i, i + MAX_ROWS);
    const values: unknown[] = [];
    const tuples = chunk.map((row) => {
      const b = values.length;
      for (const v of row) values.push(v);
      return `(${t.cols.map(([, type], k) => `$${b + k + 1}::${type}`).join(', ')})`;
    });
    out.push({ table: t.table, text: `INSERT INTO ${t.table} (${t.cols.map(([c]) => c).join(', ')}) VALUES ${tuples.join(', ')} ON CONFLICT DO NOTHING`, values, rows: chunk.length });
  }
  return out;
}

const STREAM_COLS = [
  ['gateway_id', 'text'],
  ['topic', 'text'],
  ['seq', 'bigint'],
  ['ts', 'timestamptz'],
  ['site', 'text'],
  ['received_at', 'timestamptz'],
  ['replayed', 'boolean'],
  ['payload', 'jsonb'],
] as const;

export function streamRows(table: 'telemetry' | 'alerts' | 'command_acks', rows: StreamRow[], receivedAt: number[]): TableRows {
  const withRobot = table === 'telemetry';
  return {
    table,
    cols: withRobot ? [...STREAM_COLS, ['robot_id', 'text']] : STREAM_COLS,
    rows: rows.map((r, i) => {
      const v: unknown[] = [r.gateway_id, r.topic, r.seq, r.ts, r.site, iso(receivedAt[i]), r.replayed, r.payload];
      if (withRobot) v.push(r.robot_id);
      return v;
    }),
  };
}

export function cleanroomRows(rows: StreamRow[], receivedAt: number[]): TableRows {
  const arr = 'double precision[]';
  return {
    table: 'cleanroom_status',
    cols: [...STREAM_COLS, ['counter_id', 'text'], ['location', 'text'], ['sizes_um', arr], ['concentration_per_m3', arr], ['average_per_m3', arr]],
    rows: rows.map((r, i) => {
      const l = r.location!;
      return [r.gateway_id, r.topic, r.seq, r.ts, r.site, iso(receivedAt[i]), r.replayed, r.payload, l.counter_id, l.location, pgNumberArray(l.sizes_um), pgNumberArray(l.concentration_per_m3), pgNumberArray(l.average_per_m3)];
    }),
  };
}

export function gatewayStatusRows(rows: GatewayStatusRow[], receivedAt: number[]): TableRows {
  return {
    table: 'gateway_status',
    cols: [['gateway_id', 'text'], ['topic', 'text'], ['ts', 'timestamptz'], ['state', 'text'], ['site', 'text'], ['received_at', 'timestamptz'], ['payload', 'jsonb']],
    rows: rows.map((r, i) => [r.gateway_id, r.topic, r.ts, r.state, r.site, iso(receivedAt[i]), r.payload]),
  };
}

export function rejectedRows(rows: Rejection[], receivedAt: number[]): TableRows {
  return {
    table: 'rejected',
    cols: [['received_at', 'timestamptz'], ['topic', 'text'], ['gateway_id', 'text'], ['seq', 'bigint'], ['code', 'text'], ['reason', 'text'], ['payload', 'bytea'], ['payload_sha256', 'bytea']],
    rows: rows.map((r, i) => [iso(receivedAt[i]), r.topic, r.gateway_id, r.seq, r.code, r.reason, r.payload, r.sha256]),
  };
}

/**
 * The alternative measured against valuesInsert (bench only): one statement per batch,
 * `INSERT ... SELECT * FROM unnest($1::text[], ...)`, one array parameter per column.
 */
export function unnestInsert(t: TableRows): Statement {
  return {
    table: t.table,
    text: `INSERT INTO ${t.table} (${t.cols.map(([c]) => c).join(', ')}) SELECT * FROM unnest(${t.cols.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')}) ON CONFLICT DO NOTHING`,
    values: t.cols.map((_, k) => t.rows.map((r) => r[k])),
    rows: t.rows.length,
  };
}
