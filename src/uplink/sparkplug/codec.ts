import sparkplugPayload from 'sparkplug-payload';
import type { UMetric, UPayload, TypeStr } from 'sparkplug-payload/lib/sparkplugbpayload.js';

export type { UMetric, UPayload, TypeStr };

// The Eclipse Tahu codec (protobuf generated from sparkplug_b.proto); never hand-written here. A
// static import, so the esbuild bundle carries it (a self-contained dist needs no node_modules for it).
const codec = sparkplugPayload.get('spBv1.0')!;

/** Encode a Sparkplug B payload (sparkplug-payload, the Eclipse Tahu codec). */
export function encodePayload(p: UPayload): Buffer {
  const bytes = codec.encodePayload(p);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Decode a Sparkplug B payload; throws on bytes that are not one. */
export function decodePayload(bytes: Uint8Array): UPayload {
  return codec.decodePayload(bytes);
}

/** A protobuf 64-bit field as a JS number (sparkplug-payload decodes them as `Long`). */
export function toNumber(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return v;
  if (typeof v === 'object' && v !== null && 'toNumber' in v && typeof (v as { toNumber: unknown }).toNumber === 'function') return (v as { toNumber(): number }).toNumber();
  return Number(v);
}
