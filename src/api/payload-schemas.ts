import alert from '../../docs/schemas/alert.json' with { type: 'json' };
import cleanroomStatus from '../../docs/schemas/cleanroom-status.json' with { type: 'json' };
import robotState from '../../docs/schemas/robot-state.json' with { type: 'json' };
import telemetry from '../../docs/schemas/telemetry.json' with { type: 'json' };

/**
 * The published payload schemas (docs/schemas/*.json) as the REST API uses them: registered with
 * fastify (app.addSchema), so that route schemas $ref them and @fastify/swagger puts them, with
 * their definitions, into /openapi.json's components (telemetry, telemetry-rul, robot-state, ...).
 * The same files generate the payload types (src/state/wire-types.ts) and validate MQTT messages.
 */

export const PAYLOAD_SCHEMA_BASE = 'https://fabwatch.local/schemas/';

type Schema = { $id: string; required?: string[]; properties?: Record<string, unknown>; definitions?: unknown; [k: string]: unknown };

/** A relative `other.json#/...` $ref made absolute, and `#/definitions/...` qualified with its file: the resolvers then find it from any schema, also from a derived one. */
function absoluteRefs(s: Schema): Schema {
  const text = JSON.stringify(s)
    .replace(/"\$ref":"#\//g, `"$ref":"${s.$id}#/`)
    .replace(/"\$ref":"([a-z0-9-]+\.json)#/g, `"$ref":"${PAYLOAD_SCHEMA_BASE}$1#`);
  return JSON.parse(text) as Schema;
}

/**
 * A message as REST serves it: the same payload before the uplink adds `seq` and `replayed`
 * (src/state/types.ts derives the types the same way). Its definitions stay in the message's schema.
 */
function restForm(s: Schema, name: string): Schema {
  const { definitions: _definitions, $schema: _schema, ...rest } = absoluteRefs(s);
  const { seq: _seq, replayed: _replayed, ...properties } = rest.properties ?? {};
  return { ...rest, $id: `${PAYLOAD_SCHEMA_BASE}${name}.json`, title: `${String(s.title)} (REST: without seq and replayed)`, properties, required: (rest.required ?? []).filter((k) => k !== 'seq' && k !== 'replayed') };
}

/** Every schema to register with fastify before the routes. */
export const payloadSchemas: Schema[] = [
  ...[telemetry, alert, cleanroomStatus, robotState].map((s) => absoluteRefs(s as Schema)),
  restForm(telemetry as Schema, 'telemetry-record'),
  restForm(alert as Schema, 'alert-record'),
  restForm(cleanroomStatus as Schema, 'cleanroom-record'),
];

/** `{ $ref }` to one of them, by file name (robot-state, telemetry-record, alert-record, cleanroom-record, ...). */
export const payloadRef = (name: string) => ({ $ref: `${PAYLOAD_SCHEMA_BASE}${name}.json#` }) as const;

/** /openapi.json component names: the file name for a payload schema (telemetry-record), def-N for the others (as before). */
export function componentName(json: { $id?: unknown }, i: number): string {
  return typeof json.$id === 'string' && json.$id.startsWith(PAYLOAD_SCHEMA_BASE) ? json.$id.slice(PAYLOAD_SCHEMA_BASE.length).replace(/\.json$/, '') : `def-${i}`;
}
