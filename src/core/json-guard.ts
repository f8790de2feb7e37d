/**
 * Depth and size limits for JSON that comes from outside (REST bodies, WebSocket frames, MQTT
 * commands), checked BEFORE anything recursive runs on it: JSON.parse, JSON.stringify,
 * structuredClone and Ajv all recurse, and a 12 KB text of nested brackets overflows their stack.
 * Both checks here are loops with no recursion, linear in the input.
 */

/** Deepest nesting of objects/arrays any input may have (the deepest legitimate input is ~4). */
export const MAX_JSON_DEPTH = 32;

export interface GuardFailure {
  code: 'INPUT_TOO_DEEP' | 'INPUT_TOO_LARGE';
  message: string;
}

/**
 * Nesting depth of a JSON text, counted without parsing (brackets inside strings are skipped).
 * Stops scanning as soon as `limit` is exceeded and returns limit + 1.
 */
export function jsonTextDepth(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

/** Nesting depth of a value (objects and arrays), iteratively; stops past `limit`. */
export function valueDepth(value: unknown, limit = MAX_JSON_DEPTH): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  const seen = new Set<object>();
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object' || seen.has(v)) continue;
    seen.add(v);
    if (d > max) {
      max = d;
      if (max > limit) return max;
    }
    for (const child of Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, d + 1]);
  }
  return max;
}

/** Check a JSON text's size (UTF-8 bytes) and nesting depth; null when it may be parsed. */
export function checkJsonText(text: string, maxBytes: number, maxDepth = MAX_JSON_DEPTH): GuardFailure | null {
  // text.length <= bytes <= 3 * text.length: only count bytes when it can matter.
  if (text.length > maxBytes || (text.length * 3 > maxBytes && Buffer.byteLength(text) > maxBytes)) {
    return { code: 'INPUT_TOO_LARGE', message: `input is larger than ${maxBytes} bytes` };
  }
  if (jsonTextDepth(text, maxDepth) > maxDepth) return { code: 'INPUT_TOO_DEEP', message: `input is nested deeper than ${maxDepth} levels` };
  return null;
}

/** Check a value's nesting depth (for values that arrived already parsed). */
export function checkValueDepth(value: unknown, maxDepth = MAX_JSON_DEPTH): GuardFailure | null {
  return valueDepth(value, maxDepth) > maxDepth ? { code: 'INPUT_TOO_DEEP', message: `input is nested deeper than ${maxDepth} levels` } : null;
}

/** A JSON rendering of a value for a log line, cut to `maxChars` (never throws). */
export function truncatedJson(value: unknown, maxChars = 256): string | undefined {
  if (value === undefined) return undefined;
  if (checkValueDepth(value)) return '[too deep]';
  let s: string;
  try {
    s = JSON.stringify(value) ?? String(value);
  } catch {
    return '[unserialisable]';
  }
  return s.length > maxChars ? `${s.slice(0, maxChars)}…(${s.length} chars)` : s;
}
