import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { repoRoot } from './gateway-process.js';
import { withAlwaysPresent } from '../../src/core/validation.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
// The gateway's own output: the fields it always sends (x-always-present) are checked too.
const ajv = withAlwaysPresent(addFormats(new Ajv({ allErrors: true, strict: false })));
const cache = new Map<string, ValidateFunction>();

/** Validate an MQTT payload against docs/schemas/{name}.json; returns the errors as text ('' = valid). */
export function payloadErrors(name: 'telemetry' | 'alert' | 'cleanroom-status' | 'command' | 'command-ack' | 'gateway-status', body: unknown): string {
  let v = cache.get(name);
  if (!v) {
    v = ajv.compile(JSON.parse(readFileSync(join(repoRoot, 'docs/schemas', `${name}.json`), 'utf8')));
    cache.set(name, v);
  }
  return v(body) ? '' : ajv.errorsText(v.errors);
}
