import type { FastifySchema } from 'fastify';
import { commandBody } from '../commands/body.js';
import type { CommandBody } from '../commands/body.js';
import type { Alert, CleanroomStatus, RobotState } from '../state/types.js';
import type { errorBody } from './errors.js';
import type { HistoryPage as AlertHistoryPage, HistoryQuery as AlertHistoryQuery } from '../state/alarm-book.js';
import { payloadRef } from './payload-schemas.js';

/**
 * JSON Schemas of the API: fastify validates requests with them and @fastify/swagger turns the
 * same objects into the OpenAPI document at /openapi.json. WebSocket frames are validated with
 * the same command body schema (docs/schemas/command.json). The payloads the routes answer with are
 * the published schemas of docs/schemas, by $ref (payload-schemas.ts); their types are generated
 * from the same files (src/state/wire-types.ts), and test/integration/api-payload-schemas.test.ts
 * checks every answer of these routes against its documented schema.
 */

export const errorSchema = {
  $id: 'fabwatch/error',
  type: 'object',
  description: 'Every failed request: a stable code and a message that says why.',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
    },
  },
} as const;

const ref = { $ref: 'fabwatch/error#' } as const;
export const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, { ...ref, description: ERROR_TEXT[c] }]));
const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid request (validation error; UNKNOWN_FIELD for a history field no record has)',
  401: 'Token missing or not valid (TOKEN_REQUIRED, TOKEN_INVALID)',
  403: 'Token valid but not allowed (ROLE_FORBIDDEN), or commands disabled (COMMANDS_DISABLED)',
  404: 'Unknown robot or alert (ROBOT_NOT_FOUND, ALERT_NOT_FOUND)',
  429: 'Too many commands (RATE_LIMITED)',
  503: 'History store unavailable (HISTORY_UNAVAILABLE)',
};

/** A loosely described object: fields may be added by newer gateways. */
const open = (description: string, properties: Record<string, unknown> = {}) => ({ type: 'object', description, additionalProperties: true, properties });

export const ROBOT_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$';

export const robotParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: ROBOT_ID_PATTERN, description: 'robot_id' } },
} as const;

/** Body of POST /api/robots/:id/command (and of a WebSocket `command` frame): one schema for every transport. */
export { commandBody };

export const commandOutcome = open('What happened to the command (status ok | rejected | failed).', {
  id: { type: 'string' },
  robot_id: { type: 'string' },
  command: { type: 'string' },
  status: { type: 'string', enum: ['ok', 'rejected', 'failed'] },
  code: { type: 'string' },
  message: { type: 'string' },
  result: {},
  duplicate: { type: 'boolean' },
  ts: { type: 'string', format: 'date-time' },
});

export const telemetryLatestQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    robot: { type: 'string', pattern: ROBOT_ID_PATTERN, description: 'Only this robot.' },
    limit: { type: 'integer', minimum: 1, maximum: 200, default: 100, description: 'At most this many records, newest first (a full record is ~2 KB: 200 bounds an answer to ~0.5 MB).' },
  },
} as const;

const timeParam = (what: string) => ({
  type: 'string',
  anyOf: [{ format: 'date-time' }, { pattern: '^[0-9]{1,15}$' }],
  description: `${what}: ISO-8601 time or milliseconds since the epoch.`,
});

export const historyQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: timeParam('Start (default: `to` minus one hour)'),
    to: timeParam('End (default: now)'),
    fields: { type: 'string', pattern: '^[A-Za-z0-9_.]+(,[A-Za-z0-9_.]+){0,31}$', description: 'Comma-separated numeric fields, dotted (e.g. vibration.rms,vibration.velocity_rms_mm_s,health_score); default all. Once the history holds records, a name none of them has is a 400 UNKNOWN_FIELD.' },
    max_points: { type: 'integer', minimum: 2, maximum: 5000, default: 500, description: "Decimation to a chart's width: more records than this are averaged into equal time buckets (empty buckets give no point, so a gap stays a gap). Lowered so that points x fields stays at most 10 000 (the answer gives the max_points used)." },
  },
} as const;

const nullableTime = (description: string) => ({ type: ['string', 'null'], format: 'date-time', description });

export const alertHistoryQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    source: { type: 'string', minLength: 1, maxLength: 120, description: 'Only this source; a prefix before ":" or "/" also matches (cleanroom matches cleanroom:pc-1).' },
    robot: { type: 'string', pattern: ROBOT_ID_PATTERN, description: 'Only this robot.' },
    severity: { type: 'string', enum: ['info', 'warning', 'critical'] },
    before: { type: 'integer', minimum: 1, description: 'The next page: `next_before` of the previous answer.' },
    limit: { type: 'integer', minimum: 1, maximum: 200, default: 50, description: 'At most this many events, newest first.' },
  },
} as const;

export const schemas: Record<string, FastifySchema & { summary?: string; tags?: string[]; security?: unknown; hide?: boolean; produces?: string[] }> = {
  health: { summary: 'Process, sensors, uplink and model health', tags: ['gateway'], response: { 200: open('Health report (status ok | degraded)') } },
  robots: {
    summary: 'Every robot with status, health score and latest features',
    tags: ['robots'],
    response: { 200: { ...open('Robots', { robots: { type: 'array', items: payloadRef('robot-state') }, gateway_id: { type: 'string' }, site: { type: 'string' } }), required: ['robots', 'gateway_id', 'site'] }, ...errors(401) },
  },
  robot: { summary: 'One robot in detail', tags: ['robots'], params: robotParams, response: { 200: payloadRef('robot-state'), ...errors(400, 401, 404) } },
  command: {
    summary: 'Send a command to a robot (needs a technician or admin token)',
    tags: ['commands'],
    params: robotParams,
    body: commandBody,
    security: [{ bearer: [] }],
    response: { 200: commandOutcome, ...errors(400, 401, 403, 404, 429) },
  },
  commands: { summary: 'The commands this gateway takes, with parameter schemas', tags: ['commands'], response: { 200: open('Command catalogue'), ...errors(401) } },
  history: {
    summary: "A robot's numeric telemetry over time (from the local SQLite history)",
    tags: ['telemetry'],
    params: robotParams,
    querystring: historyQuery,
    response: { 200: open('History', { points: { type: 'array', items: open('Point: ts and one number per field') } }), ...errors(400, 401, 404, 503) },
  },
  latest: {
    summary: 'Recent telemetry records, newest first (bounded; filterable by robot)',
    tags: ['telemetry'],
    querystring: telemetryLatestQuery,
    response: { 200: { ...open('Records', { count: { type: 'integer' }, source: { type: 'string', enum: ['memory', 'history'] }, records: { type: 'array', items: payloadRef('telemetry-record') } }), required: ['count', 'records'] }, ...errors(400, 401, 404) },
  },
  cleanroom: { summary: 'Cleanroom particle concentrations, ISO 14644-1 class, environment', tags: ['cleanroom'], response: { 200: payloadRef('cleanroom-record'), ...errors(401) } },
  ackAlert: {
    summary: 'Acknowledge an alarm by alarm_id or alert id (any alarm, also the cleanroom ones; needs a technician or admin token)',
    tags: ['alerts'],
    params: { type: 'object', required: ['alertId'], properties: { alertId: { type: 'string', minLength: 1, maxLength: 200 } } },
    body: { type: 'object', additionalProperties: false, properties: { id: commandBody.properties.id, issued_at: commandBody.properties.issued_at, comment: { type: 'string', maxLength: 500, description: 'Kept with the acknowledgement.' } } },
    security: [{ bearer: [] }],
    response: { 200: payloadRef('alert-record'), ...errors(401, 403, 404, 429) },
  },
  activeAlerts: {
    summary: 'The alarms that are not normal (active, or cleared and not acknowledged): unacknowledged first, then by severity; never truncated',
    tags: ['alerts'],
    response: { 200: { ...open('Active list', { count: { type: 'integer' }, unacknowledged: { type: 'integer' }, alarms: { type: 'array', items: payloadRef('alert-record') } }), required: ['count', 'unacknowledged', 'alarms'] }, ...errors(401) },
  },
  alerts: {
    summary: 'Alert history, newest first, filtered by source, robot and severity; paged with before/next_before (robot events are kept apart from the others, 1000 each)',
    tags: ['alerts'],
    querystring: alertHistoryQuery,
    response: { 200: { ...open('History page', { alerts: { type: 'array', items: payloadRef('alert-record') }, next_before: { type: ['integer', 'null'] } }), required: ['alerts', 'next_before'] }, ...errors(400, 401) },
  },
  metrics: { summary: 'Prometheus metrics (text format)', tags: ['gateway'], produces: ['text/plain'], response: { 200: { type: 'string', description: 'Prometheus text exposition format' }, ...errors(401) } },
};

type ErrorBody = ReturnType<typeof errorBody>;
type RobotParams = { id: string };

/**
 * The routes' fastify generics, typed from the same sources as the schemas above: the command body
 * and the answers are the types generated from docs/schemas (src/state/wire-types.ts via
 * src/state/types.ts), so a handler returning something else fails the type check.
 */
export interface Routes {
  robots: { Reply: { robots: RobotState[]; gateway_id: string; site: string } };
  robot: { Params: RobotParams; Reply: RobotState | ErrorBody };
  command: { Params: RobotParams; Body: CommandBody };
  latest: { Querystring: { robot?: string; limit: number } };
  history: { Params: RobotParams; Querystring: { from?: string; to?: string; fields?: string; max_points: number } };
  cleanroom: { Reply: CleanroomStatus };
  alerts: { Querystring: AlertHistoryQuery; Reply: AlertHistoryPage };
  activeAlerts: { Reply: { count: number; unacknowledged: number; alarms: Alert[] } };
  ackAlert: { Params: { alertId: string }; Body: (Pick<CommandBody, 'id' | 'issued_at'> & { comment?: string }) | undefined };
}

/** WebSocket client frames, by type (`{"type": ..., ...}`); `payload` may carry the fields instead. */
export const wsFrames = {
  ping: { type: 'object', properties: { type: { const: 'ping' }, payload: {} } },
  subscribe: { type: 'object', required: ['channel'], properties: { type: { const: 'subscribe' }, channel: { type: 'string', minLength: 1, maxLength: 80 } } },
  unsubscribe: { type: 'object', required: ['channel'], properties: { type: { const: 'unsubscribe' }, channel: { type: 'string', minLength: 1, maxLength: 80 } } },
  command: {
    type: 'object',
    additionalProperties: false,
    required: ['type', 'robot_id', 'command'],
    properties: { ...commandBody.properties, type: { const: 'command' }, robot_id: { type: 'string', pattern: ROBOT_ID_PATTERN }, token: { type: 'string', minLength: 1, maxLength: 512 } },
  },
} as const;
