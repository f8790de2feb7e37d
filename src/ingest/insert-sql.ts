import type { GatewayStatusRow, Rejection, StreamRow } from './messages.js';
import { pgNumberArray } from './messages.js';

/**
 * Batch INSERTs as one statement per table: `INSERT ... SELECT FROM unnest($1::text[], ...)
 * ON CONFLICT DO NOTHING`, i.e. one parameter per column whatever the batch size (no 65 535
 * parameter limit, one plan). rowCount is the number of rows actually inserted, so the rest were
 * duplicates. bench/ingest.ts compares it with a multi-row VALUES insert.
 */
export interface Statement {
  table: string;
  text: string;
  values: unknown[];
  rows: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function streamInsert(table: 'telemetry' | 'alerts' | 'command_acks', rows: StreamRow[], receivedAt: number[]): Statement {
  const withRobot = table === 'telemetry';
  const cols = ['gateway_id', 'topic', 'seq', 'ts', 'site', 'received_at', 'replayed', 'payload', ...(withRobot ? ['robot_id'] : [])];
  const types = ['text', 'text', 'bigint', 'timestamptz', 'text', 'timestamptz', 'boolean', 'jsonb', ...(withRobot ? ['text'] : [])];
  const values: unknown[] = [rows.map((r) => r.gateway_id), rows.map((r) => r.topic), rows.map((r) => r.seq), rows.map((r) => r.ts), rows.map((r) => r.site), receivedAt.map(iso), rows.map((r) => r.replayed), rows.map((r) => r.payload)];
  if (withRobot) values.push(rows.map((r) => r.robot_id));
  return {
    table,
    text: `INSERT INTO ${table} (${cols.join(', ')}) SELECT * FROM unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')}) ON CONFLICT DO NOTHING`,
    values,
    rows: rows.length,
  };
}

export function cleanroomInsert(rows: StreamRow[], receivedAt: number[]): Statement {
  const loc = (r: StreamRow) => r.location!;
  return {
    table: 'cleanroom_status',
    text: `INSERT INTO cleanroom_status (gateway_id, topic, seq, ts, counter_id, location, site, received_at, replayed, sizes_um, concentration_per_m3, average_per_m3, payload)
      SELECT g, t, s, ts, c, l, si, ra, rp, su::double precision[], cc::double precision[], av::double precision[], p
      FROM unnest($1::text[], $2::text[], $3::bigint[], $4::timestamptz[], $5::text[], $6::text[], $7::text[], $8::timestamptz[], $9::boolean[], $10::text[], $11::text[], $12::text[], $13::jsonb[])
        AS u(g, t, s, ts, c, l, si, ra, rp, su, cc, av, p)
      ON CONFLICT DO NOTHING`,
    values: [
      rows.map((r) => r.gateway_id),
      rows.map((r) => r.topic),
      rows.map((r) => r.seq),
      rows.map((r) => r.ts),
      rows.map((r) => loc(r).counter_id),
      rows.map((r) => loc(r).location),
      rows.map((r) => r.site),
      receivedAt.map(iso),
      rows.map((r) => r.replayed),
      rows.map((r) => pgNumberArray(loc(r).sizes_um)),
      rows.map((r) => pgNumberArray(loc(r).concentration_per_m3)),
      rows.map((r) => pgNumberArray(loc(r).average_per_m3)),
      rows.map((r) => r.payload),
    ],
    rows: rows.length,
  };
}

export function gatewayStatusInsert(rows: GatewayStatusRow[], receivedAt: number[]): Statement {
  return {
    table: 'gateway_status',
    text: `INSERT INTO gateway_status (gateway_id, topic, ts, state, site, received_at, payload)
      SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::timestamptz[], $7::jsonb[]) ON CONFLICT DO NOTHING`,
    values: [rows.map((r) => r.gateway_id), rows.map((r) => r.topic), rows.map((r) => r.ts), rows.map((r) => r.state), rows.map((r) => r.site), receivedAt.map(iso), rows.map((r) => r.payload)],
    rows: rows.length,
  };
}

export function rejectedInsert(rows: Rejection[], receivedAt: number[]): Statement {
  return {
    table: 'rejected',
    text: `INSERT INTO rejected (received_at, topic, gateway_id, seq, code, reason, payload, payload_sha256)
      SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::bytea[], $8::bytea[]) ON CONFLICT DO NOTHING`,
    values: [receivedAt.map(iso), rows.map((r) => r.topic), rows.map((r) => r.gateway_id), rows.map((r) => r.seq), rows.map((r) => r.code), rows.map((r) => r.reason), rows.map((r) => r.payload), rows.map((r) => r.sha256)],
    rows: rows.length,
  };
}
