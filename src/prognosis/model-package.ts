/**
 * Signed RUL model packages (issue #16 part B): what `fabwatch model sign` writes, what
 * `fabwatch model publish` sends on factory/{site}/gateways/{gateway_id}/model, and the checks a
 * gateway runs before it would use one. docs/mqtt.md ("Model updates") describes the format.
 *
 * Package (JSON, UTF-8):
 *   { "format": "fabwatch-model-package/1", "version": card.version, "rollback": false,
 *     "key_id": "fleet-2026", "card_b64": <exact card bytes>, "onnx_b64": <exact ONNX bytes>,
 *     "signature": <base64 Ed25519 signature over signedMessage()> }
 * The card and the ONNX travel as base64 of their exact bytes, so nothing has to be canonicalised:
 * the signature covers the bytes that are written to disk. The rollback flag is signed too (a
 * replayed old package cannot be turned into a rollback by flipping it).
 *
 * Checks, in order, each a FabwatchError with a stable code (docs/error-codes.md):
 *   MODEL_PKG_TOO_LARGE      payload larger than the configured limit (checked before parsing)
 *   MODEL_PKG_MALFORMED      not JSON / wrong format / missing or ill-typed fields / card not a card
 *   MODEL_PKG_UNKNOWN_KEY    key_id names no public key in the gateway's config
 *   MODEL_PKG_BAD_SIGNATURE  the signature does not verify with that key (tampered byte, other key)
 *   MODEL_PKG_NOT_NEWER      version not newer than the running model and no rollback requested
 *   MODEL_PKG_INCOMPATIBLE   hash, inputs/outputs or shapes differ from what the runtime feeds
 *   MODEL_PKG_GOLDEN_MISSING the card has no usable golden_vectors
 *   MODEL_PKG_GOLDEN_FAILED  onnxruntime does not reproduce the golden vectors within tolerance
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { errorCode, errorMessage, FabwatchError } from '../core/errors.js';
import { checkJsonText } from '../core/json-guard.js';
import { RUL_MODEL_OUTPUTS, runCandidateModel, type RulModelCard } from './rul-model.js';
import { RUL_MODEL_INPUT_COUNT } from './rul-math.js';

export const MODEL_PACKAGE_FORMAT = 'fabwatch-model-package/1';

export const ModelPackageErrorCode = {
  MODEL_PKG_TOO_LARGE: 'MODEL_PKG_TOO_LARGE',
  MODEL_PKG_MALFORMED: 'MODEL_PKG_MALFORMED',
  MODEL_PKG_UNKNOWN_KEY: 'MODEL_PKG_UNKNOWN_KEY',
  MODEL_PKG_BAD_SIGNATURE: 'MODEL_PKG_BAD_SIGNATURE',
  MODEL_PKG_NOT_NEWER: 'MODEL_PKG_NOT_NEWER',
  MODEL_PKG_INCOMPATIBLE: 'MODEL_PKG_INCOMPATIBLE',
  MODEL_PKG_GOLDEN_MISSING: 'MODEL_PKG_GOLDEN_MISSING',
  MODEL_PKG_GOLDEN_FAILED: 'MODEL_PKG_GOLDEN_FAILED',
} as const;
const E = ModelPackageErrorCode;

/** Default limit on a package's size (the shipped model is under 2 KB; base64 adds a third). */
export const DEFAULT_MAX_PACKAGE_BYTES = 4 * 1024 * 1024;
/** Most golden rows a card may carry (bounds the CPU a package can ask of a gateway). */
export const MAX_GOLDEN_ROWS = 256;
/** Default tolerance written by `fabwatch model sign`: |got - want| <= atol + rtol * |want|. */
export const DEFAULT_GOLDEN_RTOL = 1e-4;
export const DEFAULT_GOLDEN_ATOL = 1e-6;

/**
 * Model inputs (ratios to the asset baseline, RUL_MODEL_INPUTS order) of the golden rows `fabwatch
 * model sign` computes: healthy, early wear, advanced wear, failing, below baseline, and a row far
 * outside training to exercise the clips.
 */
export const GOLDEN_INPUT_ROWS: readonly number[][] = [
  [1, 1, 1, 1],
  [1.2, 1.1, 1.05, 1.3],
  [2, 1.6, 1.3, 2.4],
  [4, 3, 2, 5],
  [0.8, 0.9, 0.95, 0.7],
  [40, 20, 8, 60],
];

export interface GoldenVectors {
  inputs: number[][];
  outputs: Record<string, number[]>;
  rtol: number;
  atol: number;
  [key: string]: unknown;
}

export interface ModelPackage {
  format: typeof MODEL_PACKAGE_FORMAT;
  version: string;
  rollback: boolean;
  key_id: string;
  card_b64: string;
  onnx_b64: string;
  signature: string;
}

/** A configured trusted key: `publicKey` is base64 of the raw 32-byte Ed25519 public key. */
export interface TrustedKey {
  id: string;
  publicKey: string;
}

/** A package that passed every check: the exact bytes to write to disk. */
export interface VerifiedModel {
  version: string;
  keyId: string;
  rollback: boolean;
  card: RulModelCard;
  cardBytes: Buffer;
  onnxBytes: Buffer;
  sha256: string;
}

function fail(code: string, message: string, details?: Record<string, unknown>, cause?: unknown): FabwatchError {
  return new FabwatchError(code, message, details, cause === undefined ? undefined : { cause });
}

const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** The bytes the Ed25519 signature covers: domain header, rollback flag, lengths, card, ONNX. */
export function signedMessage(cardBytes: Uint8Array, onnxBytes: Uint8Array, rollback: boolean): Buffer {
  const head = Buffer.from(`${MODEL_PACKAGE_FORMAT}\nrollback=${rollback ? 1 : 0}\ncard=${cardBytes.length}\nonnx=${onnxBytes.length}\n`, 'utf8');
  return Buffer.concat([head, cardBytes, onnxBytes]);
}

/** A new Ed25519 key pair: the private key as PKCS#8 PEM, the public key as base64 of its 32 raw bytes. */
export function generateModelSigningKey(): { privateKeyPem: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return { privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), publicKey: der.subarray(SPKI_ED25519_PREFIX.length).toString('base64') };
}

/** KeyObject of a configured public key (base64 raw 32 bytes); throws MODEL_PKG_UNKNOWN_KEY when unusable. */
export function publicKeyObject(key: TrustedKey): KeyObject {
  const raw = Buffer.from(key.publicKey, 'base64');
  if (raw.length !== 32) throw fail(E.MODEL_PKG_UNKNOWN_KEY, `public key "${key.id}" is not 32 bytes of base64 (raw Ed25519)`, { key_id: key.id });
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: 'der', type: 'spki' });
}

/** Parse "3.0.0"-style versions into integers; null when not dotted non-negative integers. */
export function parseModelVersion(v: unknown): number[] | null {
  if (typeof v !== 'string' || v.length > 64 || !/^\d+(\.\d+)*$/.test(v)) return null;
  return v.split('.').map(Number);
}

/** -1, 0, 1 as a <, =, > b (missing parts count as 0: 3 = 3.0.0). */
export function compareModelVersions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/**
 * The card text with `golden_vectors` computed by running the ONNX bytes in onnxruntime-node on
 * GOLDEN_INPUT_ROWS. A card that already carries golden_vectors is returned unchanged.
 */
export async function withGoldenVectors(onnxBytes: Uint8Array, cardText: string): Promise<string> {
  let card: Record<string, unknown>;
  try {
    card = JSON.parse(cardText) as Record<string, unknown>;
  } catch (err) {
    throw fail(E.MODEL_PKG_MALFORMED, 'model card is not valid JSON', {}, err);
  }
  if (card.golden_vectors !== undefined) return cardText;
  const rows = GOLDEN_INPUT_ROWS.map((r) => [...r]);
  const outputs = await runCandidateModel(onnxBytes, cardText, rows, 'model to sign');
  const golden: GoldenVectors = {
    note: 'inputs -> outputs of this ONNX file in onnxruntime-node, written by fabwatch model sign; a gateway reproduces them before accepting the package',
    rtol: DEFAULT_GOLDEN_RTOL,
    atol: DEFAULT_GOLDEN_ATOL,
    inputs: rows,
    outputs,
  };
  return JSON.stringify({ ...card, golden_vectors: golden }, null, 1) + '\n';
}

/** Sign ONNX + card bytes into a package. `privateKeyPem` is an Ed25519 PKCS#8 PEM. */
export function signModelPackage(opts: { onnxBytes: Uint8Array; cardBytes: Uint8Array; keyId: string; privateKeyPem: string; rollback?: boolean }): ModelPackage {
  const card = JSON.parse(Buffer.from(opts.cardBytes).toString('utf8')) as { version?: unknown };
  if (typeof card.version !== 'string') throw fail(E.MODEL_PKG_MALFORMED, 'model card has no version');
  const rollback = opts.rollback === true;
  const key = createPrivateKey(opts.privateKeyPem);
  const signature = sign(null, signedMessage(opts.cardBytes, opts.onnxBytes, rollback), key);
  return {
    format: MODEL_PACKAGE_FORMAT,
    version: card.version,
    rollback,
    key_id: opts.keyId,
    card_b64: Buffer.from(opts.cardBytes).toString('base64'),
    onnx_b64: Buffer.from(opts.onnxBytes).toString('base64'),
    signature: signature.toString('base64'),
  };
}

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Size-check, then parse and shape-check a package payload. Throws MODEL_PKG_TOO_LARGE / MODEL_PKG_MALFORMED. */
export function parseModelPackage(payload: Uint8Array | string, maxBytes = DEFAULT_MAX_PACKAGE_BYTES): ModelPackage {
  const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  if (size > maxBytes) throw fail(E.MODEL_PKG_TOO_LARGE, `model package is ${size} bytes, more than the limit of ${maxBytes}`, { bytes: size, limit: maxBytes });
  const text = typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8');
  const guard = checkJsonText(text, maxBytes, 4);
  if (guard) throw fail(E.MODEL_PKG_MALFORMED, `model package: ${guard.message}`);
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw fail(E.MODEL_PKG_MALFORMED, 'model package is not valid JSON', {}, err);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw fail(E.MODEL_PKG_MALFORMED, 'model package is not a JSON object');
  if (v.format !== MODEL_PACKAGE_FORMAT) throw fail(E.MODEL_PKG_MALFORMED, `model package format must be "${MODEL_PACKAGE_FORMAT}"`, { format: typeof v.format === 'string' ? v.format.slice(0, 64) : null });
  for (const f of ['version', 'key_id', 'card_b64', 'onnx_b64', 'signature'] as const) {
    if (typeof v[f] !== 'string' || (v[f] as string).length === 0) throw fail(E.MODEL_PKG_MALFORMED, `model package field ${f} must be a non-empty string`);
  }
  for (const f of ['card_b64', 'onnx_b64', 'signature'] as const) {
    if (!B64.test(v[f] as string)) throw fail(E.MODEL_PKG_MALFORMED, `model package field ${f} is not base64`);
  }
  if (v.rollback !== undefined && typeof v.rollback !== 'boolean') throw fail(E.MODEL_PKG_MALFORMED, 'model package field rollback must be a boolean');
  return { format: MODEL_PACKAGE_FORMAT, version: v.version as string, rollback: v.rollback === true, key_id: v.key_id as string, card_b64: v.card_b64 as string, onnx_b64: v.onnx_b64 as string, signature: v.signature as string };
}

function checkGolden(card: Record<string, unknown>): GoldenVectors {
  const g = card.golden_vectors as GoldenVectors | undefined;
  const missing = (why: string) => fail(E.MODEL_PKG_GOLDEN_MISSING, `model card golden_vectors: ${why}`);
  if (!g || typeof g !== 'object') throw missing('absent');
  if (!Array.isArray(g.inputs) || g.inputs.length === 0 || g.inputs.length > MAX_GOLDEN_ROWS) throw missing(`inputs must be 1..${MAX_GOLDEN_ROWS} rows`);
  if (!g.inputs.every((r) => Array.isArray(r) && r.length === RUL_MODEL_INPUT_COUNT && r.every((x) => typeof x === 'number' && Number.isFinite(x)))) throw missing(`each input row must be ${RUL_MODEL_INPUT_COUNT} finite numbers`);
  if (!(typeof g.rtol === 'number' && g.rtol >= 0 && g.rtol <= 0.1 && typeof g.atol === 'number' && g.atol >= 0 && g.atol <= 1)) throw missing('rtol must be in [0, 0.1] and atol in [0, 1]');
  if (!g.outputs || typeof g.outputs !== 'object') throw missing('outputs absent');
  for (const o of RUL_MODEL_OUTPUTS) {
    const arr = g.outputs[o];
    if (!Array.isArray(arr) || arr.length !== g.inputs.length || !arr.every((x) => typeof x === 'number' && Number.isFinite(x))) throw missing(`outputs.${o} must be ${g.inputs.length} finite numbers`);
  }
  return g;
}

export interface VerifyOptions {
  publicKeys: readonly TrustedKey[];
  /** Version of the model running now; null when none runs (any version is then newer). */
  currentVersion: string | null;
  maxBytes?: number;
}

/**
 * Every check of a received package, cheapest first; the ONNX only reaches onnxruntime after the
 * signature verified. Resolves with the bytes to install, or rejects with a MODEL_PKG_* error.
 */
export async function verifyModelPackage(payload: Uint8Array | string, opts: VerifyOptions): Promise<VerifiedModel> {
  const pkg = parseModelPackage(payload, opts.maxBytes ?? DEFAULT_MAX_PACKAGE_BYTES);
  const trusted = opts.publicKeys.find((k) => k.id === pkg.key_id);
  if (!trusted) throw fail(E.MODEL_PKG_UNKNOWN_KEY, `model package signed with key "${pkg.key_id.slice(0, 64)}", which is not in model.updates.publicKeys`, { key_id: pkg.key_id.slice(0, 64) });
  const cardBytes = Buffer.from(pkg.card_b64, 'base64');
  const onnxBytes = Buffer.from(pkg.onnx_b64, 'base64');
  const sig = Buffer.from(pkg.signature, 'base64');
  let ok = false;
  try {
    ok = sig.length === 64 && verify(null, signedMessage(cardBytes, onnxBytes, pkg.rollback), publicKeyObject(trusted), sig);
  } catch (err) {
    if (err instanceof FabwatchError) throw err;
    ok = false;
  }
  if (!ok) throw fail(E.MODEL_PKG_BAD_SIGNATURE, `model package signature does not verify with key "${trusted.id}"`, { key_id: trusted.id });

  // Signed from here on: the card is the fleet's, but still checked before use.
  const cardText = cardBytes.toString('utf8');
  let card: RulModelCard;
  try {
    card = JSON.parse(cardText) as RulModelCard;
  } catch (err) {
    throw fail(E.MODEL_PKG_MALFORMED, 'model card in the package is not valid JSON', {}, err);
  }
  if (card === null || typeof card !== 'object' || card.version !== pkg.version) throw fail(E.MODEL_PKG_MALFORMED, 'model card version differs from the package version');
  const newV = parseModelVersion(card.version);
  if (!newV) throw fail(E.MODEL_PKG_MALFORMED, `model version "${String(card.version).slice(0, 64)}" is not dotted integers`);
  const curV = opts.currentVersion === null ? null : parseModelVersion(opts.currentVersion);
  if (curV && !pkg.rollback && compareModelVersions(newV, curV) <= 0) {
    throw fail(E.MODEL_PKG_NOT_NEWER, `model version ${card.version} is not newer than the running ${opts.currentVersion} and no rollback was requested`, { version: card.version, current: opts.currentVersion });
  }
  const golden = checkGolden(card as Record<string, unknown>);
  let got;
  try {
    got = await runCandidateModel(onnxBytes, cardText, golden.inputs, `model ${card.version}`);
  } catch (err) {
    throw fail(E.MODEL_PKG_INCOMPATIBLE, `model ${card.version} does not fit this gateway: ${errorMessage(err)}`, { cause_code: errorCode(err) }, err);
  }
  for (const o of RUL_MODEL_OUTPUTS) {
    const want = golden.outputs[o];
    const have = got[o as keyof typeof got];
    for (let i = 0; i < want.length; i++) {
      if (!Number.isFinite(have[i]) || Math.abs(have[i] - want[i]) > golden.atol + golden.rtol * Math.abs(want[i])) {
        throw fail(E.MODEL_PKG_GOLDEN_FAILED, `golden vector ${i} output ${o}: onnxruntime gives ${have[i]}, the card expects ${want[i]} (rtol ${golden.rtol}, atol ${golden.atol})`, { row: i, output: o, got: have[i], expected: want[i] });
      }
    }
  }
  return { version: card.version, keyId: trusted.id, rollback: pkg.rollback, card, cardBytes, onnxBytes, sha256: createHash('sha256').update(onnxBytes).digest('hex') };
}
