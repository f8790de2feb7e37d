/**
 * Reader for multi-snapshot recordings in the shared datasets format (`NAME.f32` + `NAME.json`,
 * layout "snapshots concatenated, snapshot-major"), in particular the FEMTO/PRONOSTIA run-to-failure
 * bearings of the IEEE PHM 2012 challenge (horizontal + vertical channel per bearing).
 *
 * File I/O lives here, outside src/analysis; callers get plain Float32Array views per snapshot.
 */
import { readFileSync, existsSync } from 'node:fs';
import { endianness } from 'node:os';
import path from 'node:path';
import { FabwatchError } from '../core/errors.js';

export interface MultiSnapshotMeta {
  file: string;
  layout: string;
  snapshotLength: number;
  numSnapshots: number;
  numSamples: number;
  snapshotIntervalS: number;
  sampleRateHz: number;
  unit: string;
  snapshotStartSecondsOfDay?: number[];
  bearing_id?: string;
  operatingCondition?: number;
  nominalRpm?: number;
  shaftHz?: number;
  radialLoadN?: number;
  channel?: string;
  [key: string]: unknown;
}

export interface MultiSnapshotRecording {
  meta: MultiSnapshotMeta;
  samples: Float32Array;
  /** Seconds since the first snapshot's start, one per snapshot (midnight roll-over unwrapped). */
  timesS: Float64Array;
  /** View (no copy) of snapshot i. */
  snapshot(i: number): Float32Array;
}

/** Locate the shared datasets folder: env FABWATCH_DATASETS, else `../shared/datasets` from `repoRoot`. */
export function datasetsDir(repoRoot: string = process.cwd()): string {
  return process.env.FABWATCH_DATASETS ?? path.resolve(repoRoot, '..', 'shared', 'datasets');
}

function unwrapTimes(meta: MultiSnapshotMeta): Float64Array {
  const n = meta.numSnapshots;
  const t = new Float64Array(n);
  const sod = meta.snapshotStartSecondsOfDay;
  if (!Array.isArray(sod) || sod.length !== n) {
    for (let i = 0; i < n; i++) t[i] = i * meta.snapshotIntervalS;
    return t;
  }
  let offset = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0 && sod[i] + offset < t[i - 1] - 3600) offset += 86400; // crossed midnight
    t[i] = sod[i] + offset - sod[0];
  }
  return t;
}

/** Read one multi-snapshot recording from its sidecar JSON path. */
export function readMultiSnapshotRecording(jsonPath: string): MultiSnapshotRecording {
  if (!existsSync(jsonPath)) {
    throw new FabwatchError('DATASET_MISSING', `recording sidecar not found: ${jsonPath}`, { path: jsonPath });
  }
  let meta: MultiSnapshotMeta;
  try {
    meta = JSON.parse(readFileSync(jsonPath, 'utf8')) as MultiSnapshotMeta;
  } catch (err) {
    throw new FabwatchError('DATASET_INVALID', `cannot parse ${jsonPath}: ${(err as Error).message}`, { path: jsonPath }, { cause: err });
  }
  const { snapshotLength, numSnapshots, sampleRateHz } = meta;
  if (!(snapshotLength > 0 && numSnapshots > 0 && sampleRateHz > 0) || !String(meta.layout ?? '').startsWith('snapshots concatenated')) {
    throw new FabwatchError('DATASET_INVALID', `${jsonPath} is not a multi-snapshot recording (layout/snapshotLength/numSnapshots/sampleRateHz)`, { path: jsonPath });
  }
  const binPath = path.join(path.dirname(jsonPath), meta.file ?? path.basename(jsonPath).replace(/\.json$/, '.f32'));
  if (!existsSync(binPath)) throw new FabwatchError('DATASET_MISSING', `samples file not found: ${binPath}`, { path: binPath });
  const buf = readFileSync(binPath);
  const expected = snapshotLength * numSnapshots;
  if (buf.byteLength !== expected * 4) {
    throw new FabwatchError('DATASET_INVALID', `${binPath} has ${buf.byteLength} bytes, sidecar says ${expected} float32`, { path: binPath });
  }
  let samples: Float32Array;
  if (endianness() === 'LE' && buf.byteOffset % 4 === 0) {
    samples = new Float32Array(buf.buffer, buf.byteOffset, expected);
  } else {
    samples = new Float32Array(expected);
    for (let i = 0; i < expected; i++) samples[i] = buf.readFloatLE(i * 4);
  }
  return {
    meta,
    samples,
    timesS: unwrapTimes(meta),
    snapshot: (i: number) => samples.subarray(i * snapshotLength, (i + 1) * snapshotLength),
  };
}

export const FEMTO_LEARNING_BEARINGS = ['Bearing1_1', 'Bearing2_1', 'Bearing3_1'] as const;
/** Challenge definition of end of life: first time the vibration amplitude exceeds 20 g. */
export const FEMTO_FAILURE_THRESHOLD_G = 20;

export interface FemtoBearing {
  id: string;
  operatingCondition: number;
  sampleRateHz: number;
  snapshotLength: number;
  numSnapshots: number;
  horiz: MultiSnapshotRecording;
  vert: MultiSnapshotRecording;
  timesS: Float64Array;
  /**
   * Index of the first snapshot where the HORIZONTAL channel's |x| exceeds 20 g (last snapshot if
   * never). The vertical channel is not used for end of life: in Bearing1_1 it shows short 22-29 g
   * transients around 13 000 s while the bearing ran for another 4 h with low RMS, which would make
   * a 20 g-on-either-channel rule call end of life at 46 % of the real life.
   */
  failureIndex: number;
  /** First 20 g exceedance on the vertical channel (-1 if never), for reference only. */
  verticalExceedanceIndex: number;
  /** Time of end of life, s since the first snapshot (start of the failure snapshot). */
  failureTimeS: number;
}

function firstExceedance(rec: MultiSnapshotRecording, thresholdG: number): number {
  const n = rec.meta.numSnapshots;
  for (let i = 0; i < n; i++) {
    const s = rec.snapshot(i);
    for (let j = 0; j < s.length; j++) if (s[j] > thresholdG || s[j] < -thresholdG) return i;
  }
  return -1;
}

/** Load both channels of a FEMTO learning-set bearing, e.g. `loadFemtoBearing(dir, 'Bearing1_1')`. */
export function loadFemtoBearing(dir: string, bearingId: string, set = 'Learning_set'): FemtoBearing {
  const base = path.join(dir, 'femto', `${set}_${bearingId}`);
  const horiz = readMultiSnapshotRecording(`${base}_horiz.json`);
  const vert = readMultiSnapshotRecording(`${base}_vert.json`);
  if (horiz.meta.numSnapshots !== vert.meta.numSnapshots || horiz.meta.snapshotLength !== vert.meta.snapshotLength) {
    throw new FabwatchError('DATASET_INVALID', `${bearingId}: horizontal and vertical channels disagree in shape`, { bearingId });
  }
  const n = horiz.meta.numSnapshots;
  const ih = firstExceedance(horiz, FEMTO_FAILURE_THRESHOLD_G);
  const iv = firstExceedance(vert, FEMTO_FAILURE_THRESHOLD_G);
  const failureIndex = ih >= 0 ? ih : n - 1;
  return {
    id: bearingId,
    operatingCondition: Number(horiz.meta.operatingCondition ?? 0),
    sampleRateHz: horiz.meta.sampleRateHz,
    snapshotLength: horiz.meta.snapshotLength,
    numSnapshots: n,
    horiz,
    vert,
    timesS: horiz.timesS,
    failureIndex,
    verticalExceedanceIndex: iv,
    failureTimeS: horiz.timesS[failureIndex],
  };
}
