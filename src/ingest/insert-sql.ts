import type { GatewayStatusRow, Rejection, StreamRow } from './messages.js';
import { pgNumberArray } from './messages.js';

/**
 * Batch INSERTs as multi-row `VALUES` lists with `ON CONFLICT DO NOTHING`, 1 000 rows a statement
 * (PostgreSQL allows 65 535 parameters per statement). rowCount is the number of rows actually inserted,
 * so the rest were duplicates. Chosen by measurement: `npm run bench:ingest -- --insert-only`
 * compares it with one `INSERT ... SELECT FROM unnest($1::text[], ...)` per batch (docs/historian.md).
 */
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

/** `INSERT INTO table (cols) VALUES ($1, $2::cast, ...), (...) ON CONFLICT DO NOTHING`, chunked. */
export function valuesInsert(table: string, cols: ReadonlyArray<readonly [name: string, cast: string]>, rows: unknown[][]): Statement[] {
  const per = MAX_ROWS;
  const out: Statement[] = [];
  for (let i = 0; i < rows.length; i += per) {
    const chunk = rows.slice(i, i + per);
    const values: unknown[] = [];
    const tuples = chunk.map((row) => {
      const b = values.length;
      for (const v of row) values.push(v);
      return `(${cols.map(([, cast], k) => `$${b + k + 1}${cast ? `::${cast}` : ''}`).join(', ')})`;
    });
    out.push({ table, text: `INSERT INTO ${table} (${cols.map(([c]) => c).join(', ')}) VALUES ${tuples.join(', ')} ON CONFLICT DO NOTHING`, values, rows: chunk.length });
  }
  return out;
}

const STREAM_COLS = [
  ['gateway_id', ''],
  ['topic', ''],
  ['seq', ''],
  ['ts', ''],
  ['site', ''],
  ['received_at', ''],
  ['replayed', ''],
  ['payload', 'jsonb'],
] as const;

export function streamInsert(table: 'telemetry' | 'alerts' | 'command_acks', rows: StreamRow[], receivedAt: number[]): Statement[] {
  const withRobot = table === 'telemetry';
  const cols = withRobot ? [...STREAM_COLS, ['robot_id', ''] as const] : STREAM_COLS;
  return valuesInsert(
    table,
    cols,
    rows.map((r, i) => {
      const v: unknown[] = [r.gateway_id, r.topic, r.seq, r.ts, r.site, iso(receivedAt[i]), r.replayed, r.payload];
      if (withRobot) v.push(r.robot_id);
      return v;
    }),
  );
}

export function cleanroomInsert(rows: StreamRow[], receivedAt: number[]): Statement[] {
  const cols = [...STREAM_COLS, ['counter_id', ''], ['location', ''], ['sizes_um', 'double precision[]'], ['concentration_per_m3', 'double precision[]'], ['average_per_m3', 'double precision[]']] as const;
  return valuesInsert(
    'cleanroom_status',
    cols,
    rows.map((r, i) => {
      const l = r.location!;
      return [r.gateway_id, r.topic, r.seq, r.ts, r.site, iso(receivedAt[i]), r.replayed, r.payload, l.counter_id, l.location, pgNumberArray(l.sizes_um), pgNumberArray(l.concentration_per_m3), pgNumberArray(l.average_per_m3)];
    }),
  );
}

export function gatewayStatusInsert(rows: GatewayStatusRow[], receivedAt: number[]): Statement[] {
  const cols = [['gateway_id', ''], ['topic', ''], ['ts', ''], ['state', ''], ['site', ''], ['received_at', ''], ['payload', 'jsonb']] as const;
  return valuesInsert('gateway_status', cols, rows.map((r, i) => [r.gateway_id, r.topic, r.ts, r.state, r.site, iso(receivedAt[i]), r.payload]));
}

export function rejectedInsert(rows: Rejection[], receivedAt: number[]): Statement[] {
  const cols = [['received_at', ''], ['topic', ''], ['gateway_id', ''], ['seq', ''], ['code', ''], ['reason', ''], ['payload', ''], ['payload_sha256', '']] as const;
  return valuesInsert('rejected', cols, rows.map((r, i) => [iso(receivedAt[i]), r.topic, r.gateway_id, r.seq, r.code, r.reason, r.payload, r.sha256]));
}

/**
 * The alternative measured against valuesInsert (bench only): one statement per batch,
 * `INSERT ... SELECT * FROM unnest($1::text[], ...)`, one array parameter per column.
 */
export function unnestTelemetryInsert(rows: StreamRow[], receivedAt: number[]): Statement {
  const types = ['text', 'text', 'bigint', 'timestamptz', 'text', 'timestamptz', 'boolean', 'jsonb', 'text'];
  return {
    table: 'telemetry',
    text: `INSERT INTO telemetry (gateway_id, topic, seq, ts, site, received_at, replayed, payload, robot_id) SELECT * FROM unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')}) ON CONFLICT DO NOTHING`,
    values: [rows.map((r) => r.gateway_id), rows.map((r) => r.topic), rows.map((r) => r.seq), rows.map((r) => r.ts), rows.map((r) => r.site), receivedAt.map(iso), rows.map((r) => r.replayed), rows.map((r) => r.payload), rows.map((r) => r.robot_id)],
    rows: rows.length,
  };
}
