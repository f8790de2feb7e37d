/**
 * The one reader of the shared recording format (../shared/datasets/README.md): NAME.json sidecar
 * + samples, either NAME.f32 (little-endian float32, g) or NAME.i16 (little-endian int16, value in
 * g = sample x `scale`). Continuous recordings are one snapshot; multi-snapshot (run-to-failure)
 * recordings carry `snapshotLength` and `numSnapshots` (layout "snapshots concatenated,
 * snapshot-major"). Used by `fabwatch analyze`, RUL training/evaluation and the tests.
 *
 * parseRecording() is pure; readRecording() / readRecordingSync() only add the file reads.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import path from 'node:path';
import { FabwatchError } from '../core/errors.js';
import type { BearingGeometry } from '../analysis/vibration/bearing.js';

export const RecordingErrorCode = {
  RECORDING_UNREADABLE: 'RECORDING_UNREADABLE',
  RECORDING_INVALID: 'RECORDING_INVALID',
} as const;

export interface RecordingSidecar {
  file?: string;
  /** 'float32le' (default) or 'int16le' (needs `scale`). */
  dtype?: string;
  scale?: number;
  sampleRateHz: number;
  unit?: string;
  numSamples?: number;
  shaftHz?: number;
  nominalRpm?: number;
  label?: string;
  bearing?: BearingGeometry & { lengthUnit?: string };
  expectedFaultHz?: Record<string, number>;
  layout?: string;
  snapshotLength?: number;
  numSnapshots?: number;
  snapshotIntervalS?: number;
  snapshotStartSecondsOfDay?: number[];
  bearing_id?: string;
  operatingCondition?: number;
  /** Samples beyond the int16 range, clipped when the file was written. */
  clippedSamples?: number;
  /** PHM 2012 challenge test bearings: where the challenge cut the history, and its true RUL. */
  challengeTruncationSnapshots?: number;
  challengeActualRulS?: number;
  [key: string]: unknown;
}

export interface Recording {
  jsonPath: string;
  dataPath: string;
  meta: RecordingSidecar;
  /** All samples in g. */
  samples: Float32Array;
  /** True when the sidecar gives snapshotLength (a run-to-failure style recording). */
  multiSnapshot: boolean;
  /** Snapshot boundaries: one entry [0, length) for a continuous recording. */
  snapshots: { start: number; length: number }[];
  /** Start of each snapshot, s since the first one (midnight roll-overs of snapshotStartSecondsOfDay unwrapped). */
  timesS: Float64Array;
  /** View (no copy) of snapshot i. */
  snapshot(i: number): Float32Array;
}

const LITTLE_ENDIAN = endianness() === 'LE';

function invalid(msg: string, p: string): FabwatchError {
  return new FabwatchError(RecordingErrorCode.RECORDING_INVALID, msg, { path: p });
}

function unreadable(what: string, p: string, err: unknown): FabwatchError {
  return new FabwatchError(RecordingErrorCode.RECORDING_UNREADABLE, `cannot read ${what} ${p}: ${(err as Error).message}`, { path: p }, { cause: err });
}

/** The sidecar path for a sidecar, .f32 or .i16 path. */
export function sidecarPath(inputPath: string): string {
  return /\.(f32|i16)$/.test(inputPath) ? inputPath.slice(0, -4) + '.json' : inputPath;
}

function parseSidecar(jsonPath: string, text: string): RecordingSidecar {
  let meta: RecordingSidecar;
  try {
    meta = JSON.parse(text) as RecordingSidecar;
  } catch (err) {
    throw invalid(`${jsonPath}: sidecar is not JSON: ${(err as Error).message}`, jsonPath);
  }
  if (typeof meta !== 'object' || meta === null || !(typeof meta.sampleRateHz === 'number' && meta.sampleRateHz > 0)) {
    throw invalid(`${jsonPath}: sidecar needs a positive numeric sampleRateHz`, jsonPath);
  }
  const dtype = meta.dtype ?? 'float32le';
  if (dtype !== 'float32le' && dtype !== 'int16le') throw invalid(`${jsonPath}: unsupported dtype ${String(meta.dtype)} (float32le or int16le)`, jsonPath);
  if (dtype === 'int16le' && !(typeof meta.scale === 'number' && meta.scale > 0 && Number.isFinite(meta.scale))) {
    throw invalid(`${jsonPath}: dtype int16le needs a positive numeric scale`, jsonPath);
  }
  return meta;
}

function dataFileName(jsonPath: string, meta: RecordingSidecar): string {
  const ext = meta.dtype === 'int16le' ? '.i16' : '.f32';
  return path.join(path.dirname(jsonPath), typeof meta.file === 'string' ? meta.file : path.basename(jsonPath, '.json') + ext);
}

function decode(meta: RecordingSidecar, buf: Buffer, dataPath: string): Float32Array {
  const bytes = meta.dtype === 'int16le' ? 2 : 4;
  if (buf.byteLength % bytes !== 0) throw invalid(`${dataPath}: size ${buf.byteLength} is not a multiple of ${bytes}`, dataPath);
  const count = buf.byteLength / bytes;
  if (meta.numSamples !== undefined && meta.numSamples !== count) {
    throw invalid(`${dataPath}: sidecar says ${meta.numSamples} samples, file has ${count}`, dataPath);
  }
  const out = new Float32Array(count);
  const view = LITTLE_ENDIAN && buf.byteOffset % bytes === 0; // typed-array view: the fast path
  if (bytes === 2) {
    const scale = meta.scale as number;
    if (view) {
      const v = new Int16Array(buf.buffer, buf.byteOffset, count);
      for (let i = 0; i < count; i++) out[i] = v[i] * scale;
    } else for (let i = 0; i < count; i++) out[i] = buf.readInt16LE(i * 2) * scale;
  } else if (view) {
    out.set(new Float32Array(buf.buffer, buf.byteOffset, count));
  } else {
    for (let i = 0; i < count; i++) out[i] = buf.readFloatLE(i * 4);
  }
  return out;
}

function unwrapTimes(meta: RecordingSidecar, n: number): Float64Array {
  const t = new Float64Array(n);
  const sod = meta.snapshotStartSecondsOfDay;
  if (!Array.isArray(sod) || sod.length !== n) {
    const dt = meta.snapshotIntervalS ?? 0;
    for (let i = 0; i < n; i++) t[i] = i * dt;
    return t;
  }
  let offset = 0;
  for (let i = 0; i < n; i++) {
    // Crossed midnight: the time of day falls by more than 12 h. A smaller fall is a clock glitch
    // of the source (FEMTO Bearing1_1, snapshots 2120-2121: -21 242 s) and is left as recorded.
    if (i > 0 && sod[i] + offset < t[i - 1] + sod[0] - 43_200) offset += 86_400;
    t[i] = sod[i] + offset - sod[0];
  }
  return t;
}

/** Pure: a recording from its sidecar text and sample bytes. */
export function parseRecording(jsonPath: string, sidecarText: string, dataPath: string, data: Buffer): Recording {
  const meta = parseSidecar(jsonPath, sidecarText);
  const samples = decode(meta, data, dataPath);
  const count = samples.length;
  const snapshots: Recording['snapshots'] = [];
  const multiSnapshot = meta.snapshotLength !== undefined;
  if (multiSnapshot) {
    const len = meta.snapshotLength as number;
    const num = meta.numSnapshots ?? Math.floor(count / len);
    if (!(Number.isInteger(len) && len > 0 && Number.isInteger(num) && num > 0) || num * len > count) {
      throw invalid(`${jsonPath}: snapshotLength/numSnapshots do not fit ${count} samples`, jsonPath);
    }
    for (let s = 0; s < num; s++) snapshots.push({ start: s * len, length: len });
  } else {
    snapshots.push({ start: 0, length: count });
  }
  return {
    jsonPath,
    dataPath,
    meta,
    samples,
    multiSnapshot,
    snapshots,
    timesS: unwrapTimes(meta, snapshots.length),
    snapshot: (i: number) => samples.subarray(snapshots[i].start, snapshots[i].start + snapshots[i].length),
  };
}

/** Loads `inputPath` (the sidecar, or its .f32/.i16) and its samples. */
export async function readRecording(inputPath: string): Promise<Recording> {
  const jsonPath = sidecarPath(inputPath);
  let text: string;
  try {
    text = await readFile(jsonPath, 'utf8');
  } catch (err) {
    throw unreadable('sidecar', jsonPath, err);
  }
  const dataPath = dataFileName(jsonPath, parseSidecar(jsonPath, text));
  let buf: Buffer;
  try {
    buf = await readFile(dataPath);
  } catch (err) {
    throw unreadable('samples', dataPath, err);
  }
  return parseRecording(jsonPath, text, dataPath, buf);
}

/** Synchronous form of readRecording (training and evaluation tools). */
export function readRecordingSync(inputPath: string): Recording {
  const jsonPath = sidecarPath(inputPath);
  let text: string;
  try {
    text = readFileSync(jsonPath, 'utf8');
  } catch (err) {
    throw unreadable('sidecar', jsonPath, err);
  }
  const dataPath = dataFileName(jsonPath, parseSidecar(jsonPath, text));
  let buf: Buffer;
  try {
    buf = readFileSync(dataPath);
  } catch (err) {
    throw unreadable('samples', dataPath, err);
  }
  return parseRecording(jsonPath, text, dataPath, buf);
}
