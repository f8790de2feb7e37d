import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * The one set of validation rules for input from outside (REST bodies, WebSocket frames, MQTT
 * commands, the ML endpoint): no type coercion ("5" is not 5, ["x"] is not "x"), no silent
 * removal of extra properties (schemas say `additionalProperties: false` where extras are
 * errors), defaults filled in. Query strings and path parameters are text by nature and are the
 * only place where numbers are parsed from strings (see `queryAjv`).
 */
export function strictAjv(): Ajv {
  const ajv = new Ajv({ allErrors: false, strict: false, useDefaults: true, coerceTypes: false, removeAdditional: false });
  addFormats.default(ajv);
  return ajv;
}

/** For query strings and path parameters only: scalar strings become numbers/booleans as their schema says (never arrays). */
export function queryAjv(): Ajv {
  const ajv = new Ajv({ allErrors: false, strict: false, useDefaults: true, coerceTypes: true, removeAdditional: false });
  addFormats.default(ajv);
  return ajv;
}

/** Ajv's errors as one line: `/parameters/enabled must be boolean; ... (extra)`. */
export function describeErrors(errors: ErrorObject[] | null | undefined, root = 'input'): string {
  if (!errors?.length) return 'invalid';
  return errors.map((e) => `${e.instancePath || root} ${e.message}${e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty: string }).additionalProperty).slice(0, 64)})` : ''}`).join('; ');
}

export type { ValidateFunction };

/**
 * `x-always-present` (docs/schemas): fields this gateway always sends but that a consumer must not
 * require, because older gateways do not send them (the historian, src/ingest/messages.ts, reads
 * the schemas as plain JSON Schema and accepts their messages). Checking the gateway's OWN output
 * (tests of MQTT messages and REST answers) adds this keyword, which makes them required. The
 * generated payload types (src/state/wire-types.ts) treat them as required too.
 */
export const ALWAYS_PRESENT = 'x-always-present';

export function withAlwaysPresent<A extends Ajv>(ajv: A): A {
  ajv.addKeyword({
    keyword: ALWAYS_PRESENT,
    type: 'object',
    schemaType: 'array',
    error: { message: (cxt) => `must have the always-present properties ${JSON.stringify(cxt.schema)}` },
    validate: (names: string[], data: Record<string, unknown>) => names.every((n) => n in data),
  });
  return ajv;
}
