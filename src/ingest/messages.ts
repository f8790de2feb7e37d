import { createHash } from 'node:crypto';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import telemetrySchema from '../../docs/schemas/telemetry.json' with { type: 'json' };
import alertSchema from '../../docs/schemas/alert.json' with { type: 'json' };
import cleanroomSchema from '../../docs/schemas/cleanroom-status.json' with { type: 'json' };
import ackSchema from '../../docs/schemas/command-ack.json' with { type: 'json' };
import gatewayStatusSchema from '../../docs/schemas/gateway-status.json' with { type: 'json' };

/**
 * One MQTT message -> the rows it becomes, or a rejection with a stable code. Pure: no I/O, so the
 * rules are unit-tested without a broker or a database. The payload schemas are the gateway's own
 * (docs/schemas/*.json).
 */

export type Kind = 'telemetry' | 'alert' | 'command_ack' | 'cleanroom_status' | 'gateway_status';

/** Topic filters the workers subscribe to (each as $share/<group>/<filter>). */
export const TOPIC_FILTERS = [
  'factory/+/+/telemetry',
  'factory/+/+/alerts',
  'factory/+/+/cmd/ack',
  'factory/+/gateways/+/status',
  'factory/+/gateways/+/alerts',
  'cleanroom/+/status',
  'cleanroom/+/alerts',
] as const;

/** Rejection codes (docs/error-codes.md). */
export const RejectCode = {
  TOPIC_UNKNOWN: 'INGEST_TOPIC_UNKNOWN',
  NOT_JSON: 'INGEST_PAYLOAD_NOT_JSON',
  INVALID: 'INGEST_PAYLOAD_INVALID',
  TOPIC_MISMATCH: 'INGEST_TOPIC_MISMATCH',
  TS_OUT_OF_RANGE: 'INGEST_TS_OUT_OF_RANGE',
  DB_REJECTED: 'INGEST_DB_REJECTED',
} as const;

export interface StreamRow {
  kind: Exclude<Kind, 'gateway_status'>;
  gateway_id: string;
  topic: string;
  seq: number;
  ts: string;
  /** ms since epoch of `ts` (partition day). */
  tsMs: number;
  site: string | null;
  robot_id: string | null;
  replayed: boolean;
  /** JSON text of the payload (the message as received; for cleanroom rows one location). */
  payload: string;
  /** cleanroom_status only */
  location?: { counter_id: string; location: string; sizes_um: unknown; concentration_per_m3: unknown; average_per_m3: unknown };
}

export interface GatewayStatusRow {
  kind: 'gateway_status';
  gateway_id: string;
  topic: string;
  ts: string;
  tsMs: number;
  state: string;
  site: string | null;
  payload: string;
}

export interface Rejection {
  kind: 'rejected';
  topic: string;
  gateway_id: string | null;
  seq: number | null;
  code: string;
  reason: string;
  payload: Buffer;
  sha256: Buffer;
}

export type Parsed = { rows: Array<StreamRow | GatewayStatusRow> } | { rejected: Rejection };

const addFormatsFn = (addFormats as unknown as { default: (ajv: Ajv) => Ajv }).default ?? (addFormats as unknown as (ajv: Ajv) => Ajv);
const ajv = addFormatsFn(new Ajv({ allErrors: true, strict: false }));
const validators: Record<Kind, ValidateFunction> = {
  telemetry: ajv.compile(telemetrySchema),
  alert: ajv.compile(alertSchema),
  command_ack: ajv.compile(ackSchema),
  cleanroom_status: ajv.compile(cleanroomSchema),
  gateway_status: ajv.compile(gatewayStatusSchema),
};

interface TopicInfo {
  kind: Kind;
  site: string;
  robotId?: string;
  gatewayId?: string;
}

/** Which kind of message a topic carries (docs/mqtt.md), or null. */
export function classifyTopic(topic: string): TopicInfo | null {
  const p = topic.split('/');
  if (p[0] === 'factory') {
    if (p.length === 4 && p[2] !== 'gateways') {
      if (p[3] === 'telemetry') return { kind: 'telemetry', site: p[1], robotId: p[2] };
      if (p[3] === 'alerts') return { kind: 'alert', site: p[1], robotId: p[2] };
    }
    if (p.length === 5 && p[3] === 'cmd' && p[4] === 'ack' && p[2] !== 'gateways') return { kind: 'command_ack', site: p[1], robotId: p[2] };
    if (p.length === 5 && p[2] === 'gateways') {
      if (p[4] === 'status') return { kind: 'gateway_status', site: p[1], gatewayId: p[3] };
      if (p[4] === 'alerts') return { kind: 'alert', site: p[1], gatewayId: p[3] };
    }
  } else if (p[0] === 'cleanroom' && p.length === 3) {
    if (p[2] === 'status') return { kind: 'cleanroom_status', site: p[1] };
    if (p[2] === 'alerts') return { kind: 'alert', site: p[1] };
  }
  return null;
}

export interface ParseOptions {
  /** Now, ms since epoch. */
  now: number;
  /** Oldest accepted ts (older partitions are dropped by retention). */
  oldestMs: number;
  /** Newest accepted ts. */
  newestMs: number;
}

type Body = Record<string, unknown>;

export function reject(topic: string, payload: Buffer, code: string, reason: string, body?: Body): { rejected: Rejection } {
  const gw = body && typeof body.gateway_id === 'string' ? body.gateway_id : null;
  const seq = body && Number.isSafeInteger(body.seq) ? (body.seq as number) : null;
  return { rejected: { kind: 'rejected', topic, gateway_id: gw, seq, code, reason: reason.slice(0, 2000), payload, sha256: createHash('sha256').update(payload).digest() } };
}

export function parseMessage(topic: string, payload: Buffer, opts: ParseOptions): Parsed {
  const info = classifyTopic(topic);
  if (!info) return reject(topic, payload, RejectCode.TOPIC_UNKNOWN, `topic ${topic} is not one the historian stores`);
  const text = payload.toString('utf8');
  let body: Body;
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return reject(topic, payload, RejectCode.NOT_JSON, 'payload is JSON but not an object');
    body = v as Body;
  } catch (err) {
    return reject(topic, payload, RejectCode.NOT_JSON, `payload is not JSON: ${(err as Error).message}`);
  }
  const validate = validators[info.kind];
  if (!validate(body)) return reject(topic, payload, RejectCode.INVALID, `${info.kind}: ${ajv.errorsText(validate.errors, { dataVar: 'payload' })}`, body);
  if (body.site !== info.site) return reject(topic, payload, RejectCode.TOPIC_MISMATCH, `site "${String(body.site)}" differs from the topic's "${info.site}"`, body);
  if (info.robotId !== undefined && info.kind !== 'alert' && body.robot_id !== info.robotId) return reject(topic, payload, RejectCode.TOPIC_MISMATCH, `robot_id "${String(body.robot_id)}" differs from the topic's "${info.robotId}"`, body);
  if (info.gatewayId !== undefined && body.gateway_id !== info.gatewayId) return reject(topic, payload, RejectCode.TOPIC_MISMATCH, `gateway_id "${String(body.gateway_id)}" differs from the topic's "${info.gatewayId}"`, body);
  const ts = body.ts as string;
  const tsMs = Date.parse(ts);
  if (!Number.isFinite(tsMs) || tsMs < opts.oldestMs || tsMs > opts.newestMs) {
    return reject(topic, payload, RejectCode.TS_OUT_OF_RANGE, `ts ${ts} is outside the stored range ${new Date(opts.oldestMs).toISOString()} .. ${new Date(opts.newestMs).toISOString()} (ingest.retentionDays, ingest.maxFutureSkewDays)`, body);
  }
  const gateway_id = body.gateway_id as string;
  const site = info.site;
  if (info.kind === 'gateway_status') {
    return { rows: [{ kind: 'gateway_status', gateway_id, topic, ts, tsMs, state: body.state as string, site, payload: text }] };
  }
  const seq = body.seq as number;
  if (!Number.isSafeInteger(seq)) return reject(topic, payload, RejectCode.INVALID, `seq ${String(seq)} is not a safe integer`, body);
  const replayed = body.replayed === true;
  const robot_id = typeof body.robot_id === 'string' ? body.robot_id : null;
  if (info.kind === 'cleanroom_status') {
    const locations = body.locations as Array<Record<string, unknown>>;
    const seen = new Set<string>();
    for (const l of locations) {
      if (seen.has(l.counter_id as string)) return reject(topic, payload, RejectCode.INVALID, `counter_id "${String(l.counter_id)}" appears twice in locations`, body);
      seen.add(l.counter_id as string);
    }
    // A status without locations still marks its seq as received: one row with counter_id ''.
    const list = locations.length ? locations : [{ counter_id: '', location: '' }];
    return {
      rows: list.map((l) => ({
        kind: 'cleanroom_status',
        gateway_id,
        topic,
        seq,
        ts,
        tsMs,
        site,
        robot_id: null,
        replayed,
        payload: JSON.stringify(l),
        location: { counter_id: l.counter_id as string, location: l.location as string, sizes_um: l.sizes_um, concentration_per_m3: l.concentration_per_m3, average_per_m3: l.average_per_m3 },
      })),
    };
  }
  return { rows: [{ kind: info.kind, gateway_id, topic, seq, ts, tsMs, site, robot_id, replayed, payload: text }] };
}

/** A JSON array of numbers/nulls as a PostgreSQL array literal ('{1.5,NULL}'), or null. */
export function pgNumberArray(v: unknown): string | null {
  if (!Array.isArray(v)) return null;
  return `{${v.map((x) => (typeof x === 'number' && Number.isFinite(x) ? String(x) : 'NULL')).join(',')}}`;
}
