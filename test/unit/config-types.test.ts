/**
 * The config's types come from config/schema.json, and the message types from docs/schemas/*.json:
 * src/config/schema-types.ts and src/state/wire-types.ts must be exactly what the generator makes
 * of the current schemas (after a schema change: npm run gen:config-types). The payloads the code
 * builds are checked against the message types at compile time (src/state/wire-conformance.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readdirSync } from 'node:fs';
import { schemaToTs, wireSchemasToTs } from '../../src/config/schema-to-ts.js';
import type { CleanroomLocationSchema } from '../../src/config/schema-types.js';
import type { CleanroomLocationConfig } from '../../src/cleanroom/config.js';
import { repoRoot } from '../helpers/gateway-process.js';

const schema = JSON.parse(readFileSync(join(repoRoot, 'config/schema.json'), 'utf8'));

test('src/config/schema-types.ts is what config/schema.json gives (npm run gen:config-types)', () => {
  assert.equal(readFileSync(join(repoRoot, 'src/config/schema-types.ts'), 'utf8'), schemaToTs(schema, 'FabwatchConfigSchema'));
});

test('src/state/wire-types.ts is what docs/schemas/*.json give (npm run gen:config-types)', () => {
  const dir = join(repoRoot, 'docs/schemas');
  const wire = readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((file) => ({ file, schema: JSON.parse(readFileSync(join(dir, file), 'utf8')) }));
  assert.equal(readFileSync(join(repoRoot, 'src/state/wire-types.ts'), 'utf8'), wireSchemasToTs(wire));
});

test('control: a property added to the schema appears, typed, documented and required when defaulted', () => {
  const changed = structuredClone(schema);
  changed.properties.gateway.properties.newSetting = { type: 'integer', minimum: 1, default: 5, description: 'Seconds between nothing.' };
  changed.properties.gateway.properties.optionalSetting = { type: 'string', enum: ['a', 'b'] };
  const ts = schemaToTs(changed, 'FabwatchConfigSchema');
  assert.notEqual(ts, schemaToTs(schema, 'FabwatchConfigSchema'));
  assert.match(ts, /\/\*\* Seconds between nothing\. Range: 1 \.\. inf\. Default: 5\. \*\/\n\s+newSetting: number;/);
  assert.match(ts, /optionalSetting\?: "a" \| "b";/);
});

// Compile-time: the cleanroom section's generated type and the cleanroom module's own config type
// (its defaults are checked against the schema in location-monitor.test.ts) agree both ways.
const fromSchema = (c: CleanroomLocationSchema): CleanroomLocationConfig => c;
const toSchema = (c: CleanroomLocationConfig): CleanroomLocationSchema => c;
void fromSchema;
void toSchema;
