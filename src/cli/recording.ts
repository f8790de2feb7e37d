/**
 * Reads a recording in the shared datasets format (datasets/README.md): NAME.json sidecar +
 * NAME.f32 little-endian float32 samples (g). Multi-snapshot recordings carry `snapshotLength`
 * and `numSnapshots`. This is the only file of the analysis path that touches the filesystem.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { FabwatchError } from '../core/errors.js';
import type { BearingGeometry } from '../analysis/vibration/bearing.js';

export const RecordingErrorCode = {
  RECORDING_UNREADABLE: 'RECORDING_UNREADABLE',
  RECORDING_INVALID: 'RECORDING_INVALID',
} as const;

export interface RecordingSidecar {
  file?: string;
  sampleRateHz: number;
  unit?: string;
  numSamples?: number;
  shaftHz?: number;
  nominalRpm?: number;
  label?: string;
  bearing?: BearingGeometry & { lengthUnit?: string };
  expectedFaultHz?: Record<string, number>;
  snapshotLength?: number;
  numSnapshots?: number;
  snapshotIntervalS?: number;
  snapshotStartSecondsOfDay?: number[];
  [key: string]: unknown;
}

export interface Recording {
  jsonPath: string;
  dataPath: string;
  meta: RecordingSidecar;
  samples: Float32Array;
  /** Snapshot boundaries: one entry [0, length) for a continuous recording. */
  snapshots: { start: number; length: number }[];
}

function invalid(msg: string, details: Record<string, unknown>): FabwatchError {
  return new FabwatchError(RecordingErrorCode.RECORDING_INVALID, msg, details);
}

/** Loads `jsonPath` (or the .json next to a given .f32) and its samples. */
export async function readRecording(inputPath: string): Promise<Recording> {
  const jsonPath = inputPath.endsWith('.f32') ? inputPath.slice(0, -4) + '.json' : inputPath;
  let meta: RecordingSidecar;
  try {
    meta = JSON.parse(await readFile(jsonPath, 'utf8')) as RecordingSidecar;
  } catch (err) {
    throw new FabwatchError(RecordingErrorCode.RECORDING_UNREADABLE, `cannot read sidecar ${jsonPath}: ${(err as Error).message}`, { path: jsonPath }, { cause: err });
  }
  if (typeof meta !== 'object' || meta === null || !(typeof meta.sampleRateHz === 'number' && meta.sampleRateHz > 0)) {
    throw invalid(`${jsonPath}: sidecar needs a positive numeric sampleRateHz`, { path: jsonPath });
  }
  if (meta.dtype !== undefined && meta.dtype !== 'float32le') throw invalid(`${jsonPath}: unsupported dtype ${String(meta.dtype)}`, { path: jsonPath });
  const dataPath = path.join(path.dirname(jsonPath), typeof meta.file === 'string' ? meta.file : path.basename(jsonPath, '.json') + '.f32');
  let buf: Buffer;
  try {
    buf = await readFile(dataPath);
  } catch (err) {
    throw new FabwatchError(RecordingErrorCode.RECORDING_UNREADABLE, `cannot read samples ${dataPath}: ${(err as Error).message}`, { path: dataPath }, { cause: err });
  }
  if (buf.byteLength % 4 !== 0) throw invalid(`${dataPath}: size ${buf.byteLength} is not a multiple of 4`, { path: dataPath });
  const count = buf.byteLength / 4;
  const samples = new Float32Array(count);
  for (let i = 0; i < count; i++) samples[i] = buf.readFloatLE(i * 4);
  if (meta.numSamples !== undefined && meta.numSamples !== count) {
    throw invalid(`${dataPath}: sidecar says ${meta.numSamples} samples, file has ${count}`, { path: dataPath });
  }
  const snapshots: Recording['snapshots'] = [];
  if (meta.snapshotLength !== undefined) {
    const len = meta.snapshotLength;
    const num = meta.numSnapshots ?? Math.floor(count / len);
    if (!(Number.isInteger(len) && len > 0) || num * len > count) throw invalid(`${jsonPath}: snapshotLength/numSnapshots do not fit ${count} samples`, { path: jsonPath });
    for (let s = 0; s < num; s++) snapshots.push({ start: s * len, length: len });
  } else {
    snapshots.push({ start: 0, length: count });
  }
  return { jsonPath, dataPath, meta, samples, snapshots };
}
