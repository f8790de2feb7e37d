/**
 * config/schema.json -> TypeScript types (src/config/schema-types.ts), so that the schema is the one
 * source of the config's shape: `npm run gen:config-types` regenerates the file, and
 * test/unit/config-types.test.ts fails when the committed file is not what the schema gives.
 *
 * Why generated at build time rather than TypeBox or json-schema-to-ts: the schema stays the JSON
 * file users and tools read (editors, `--check-config`, docs), with its descriptions and units;
 * json-schema-to-ts needs the schema as a TypeScript `as const` literal and TypeBox would make the
 * schema TypeScript code. The subset the schema uses is small (objects, enums, const, anyOf, type
 * lists, arrays, $ref to definitions), so the generator is too.
 *
 * The types describe the config AFTER validation: a property with a `default` is always present
 * (Ajv's useDefaults fills it), one without is optional unless `required`.
 */
type Node = {
  type?: string | string[];
  properties?: Record<string, Node>;
  required?: string[];
  /** docs/schemas: fields this gateway always sends, but a consumer may not require (older gateways lack them); see ALWAYS_PRESENT. */
  'x-always-present'?: string[];
  additionalProperties?: boolean | Node;
  items?: Node | Node[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: Node[];
  oneOf?: Node[];
  allOf?: Node[];
  $ref?: string;
  default?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
};

export const typeName = (def: string) => def[0].toUpperCase() + def.slice(1) + 'Schema';

function doc(n: Node, indent: string): string {
  const parts = [n.description, n.minimum !== undefined || n.maximum !== undefined ? `Range: ${n.minimum ?? '-inf'} .. ${n.maximum ?? 'inf'}.` : '', n.default !== undefined && typeof n.default !== 'object' ? `Default: ${JSON.stringify(n.default)}.` : ''].filter(Boolean);
  return parts.length ? `${indent}/** ${parts.join(' ').replace(/\*\//g, '*\\/')} */\n` : '';
}

/** How a `$ref` is named: config definitions get a `Schema` suffix; the wire schemas' definitions are named as they are (see wireRefName). */
type RefName = (ref: string) => string;
let refName: RefName = (ref) => typeName(ref.replace('#/definitions/', ''));
/** Whether the wire schemas are being generated (an open object without properties is then a map of unknown, not an empty object). */
let wire = false;

function typeOf(n: Node, indent: string): string {
  if (n.$ref) return refName(n.$ref);
  if (n.const !== undefined) return JSON.stringify(n.const);
  if (n.enum) return n.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (n.allOf) return `(${n.allOf.map((a) => typeOf(a, indent)).join(' & ')})`;
  const alts = n.anyOf ?? n.oneOf;
  if (alts) return alts.map((a) => typeOf(a, indent)).join(' | ');
  const types = Array.isArray(n.type) ? n.type : n.type ? [n.type] : [];
  if (types.length > 1) return types.map((t) => typeOf({ ...n, type: t }, indent)).join(' | ');
  switch (types[0]) {
    case 'integer':
    case 'number':
      return 'number';
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'array':
      if (Array.isArray(n.items)) return `[${n.items.map((i) => typeOf(i, indent)).join(', ')}]`;
      // A short fixed-length array (e.g. a band [low, high]) is a tuple.
      if (n.items && n.minItems !== undefined && n.minItems === n.maxItems && n.minItems <= 4) return `[${Array(n.minItems).fill(typeOf(n.items, indent)).join(', ')}]`;
      return n.items ? `Array<${typeOf(n.items, indent)}>` : 'unknown[]';
    case 'object':
      return objectType(n, indent);
    default:
      return n.properties ? objectType(n, indent) : 'unknown';
  }
}

function objectType(n: Node, indent: string): string {
  const inner = indent + '  ';
  // The gateway's own payload types: what it always sends is not optional.
  const required = new Set([...(n.required ?? []), ...(wire ? (n['x-always-present'] ?? []) : [])]);
  const props = Object.entries(n.properties ?? {}).map(([k, p]) => {
    // Config: a default is filled in by validation, so the property is always there. A message may omit it.
    const optional = !required.has(k) && (wire || p.default === undefined);
    const key = /^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k);
    return `${doc(p, inner)}${inner}${key}${optional ? '?' : ''}: ${typeOf(p, inner)};\n`;
  });
  if (typeof n.additionalProperties === 'object') props.push(`${inner}[key: string]: ${typeOf(n.additionalProperties, inner)};\n`);
  if (props.length) return `{\n${props.join('')}${indent}}`;
  return n.additionalProperties === false || !wire ? 'Record<string, never>' : 'Record<string, unknown>';
}

/** The TypeScript source for a schema: one exported type per definition, and the root as `rootName`. */
export function schemaToTs(schema: Node & { definitions?: Record<string, Node> }, rootName: string): string {
  const out = ['// Generated from config/schema.json by src/config/schema-to-ts.ts (npm run gen:config-types). Do not edit.\n'];
  for (const [name, def] of Object.entries(schema.definitions ?? {})) out.push(`${doc(def, '')}export type ${typeName(name)} = ${typeOf(def, '')};\n`);
  out.push(`${doc(schema, '')}export type ${rootName} = ${typeOf(schema, '')};\n`);
  return out.join('\n');
}

/**
 * `#/definitions/rul` and `telemetry.json#/definitions/rul` -> `Rul` (definition names are unique
 * over docs/schemas, checked below); `alert.json` (a whole file) -> `AlertMessage`.
 */
const wireRefName: RefName = (ref) => {
  const [file, pointer] = ref.split('#');
  if (!pointer) return messageName(file);
  const def = pointer.replace('/definitions/', '');
  return def[0].toUpperCase() + def.slice(1);
};

/**
 * The wire payloads' types from docs/schemas/*.json: one `<Name>Message` type per file, and one type
 * per definition (`definitions.vibrationSummary` -> `VibrationSummary`), which src/state/types.ts
 * re-exports as the gateway's payload types.
 */
export function wireSchemasToTs(schemas: Array<{ file: string; schema: Node & { definitions?: Record<string, Node> } }>): string {
  const out = ['// Generated from docs/schemas/*.json by src/config/schema-to-ts.ts (npm run gen:config-types). Do not edit.\n'];
  const seen = new Set<string>();
  const saved = refName;
  [refName, wire] = [wireRefName, true];
  try {
    for (const { file, schema } of schemas) {
      out.push(`${doc(schema, '')}export type ${messageName(file)} = ${typeOf(schema, '')};\n`);
      for (const [name, def] of Object.entries(schema.definitions ?? {})) {
        const type = wireRefName(`#/definitions/${name}`);
        if (seen.has(type)) throw new Error(`docs/schemas: definition ${name} (${file}) is defined twice; definition names are unique over docs/schemas`);
        seen.add(type);
        out.push(`${doc(def, '')}export type ${type} = ${typeOf(def, '')};\n`);
      }
    }
  } finally {
    [refName, wire] = [saved, false];
  }
  return out.join('\n');
}

export const messageName = (file: string) => file.replace(/\.json$/, '').split('-').map((w) => w[0].toUpperCase() + w.slice(1)).join('') + 'Message';

/** `node --import tsx src/config/schema-to-ts.ts` writes src/config/schema-types.ts and src/state/wire-types.ts. */
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const { readFileSync, readdirSync, writeFileSync } = await import('node:fs');
  const root = new URL('../../', import.meta.url);
  const schema = JSON.parse(readFileSync(new URL('config/schema.json', root), 'utf8'));
  writeFileSync(new URL('src/config/schema-types.ts', root), schemaToTs(schema, 'FabwatchConfigSchema'));
  const dir = new URL('docs/schemas/', root);
  const wire = readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((file) => ({ file, schema: JSON.parse(readFileSync(new URL(file, dir), 'utf8')) }));
  writeFileSync(new URL('src/state/wire-types.ts', root), wireSchemasToTs(wire));
}
