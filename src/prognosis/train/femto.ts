/**
 * The FEMTO/PRONOSTIA run-to-failure bearings of the IEEE PHM 2012 challenge (horizontal +
 * vertical channel per bearing) on top of the one recording reader (src/recording/recording.ts,
 * float32 and int16 files): which bearings exist, and each bearing's end of life.
 */
import path from 'node:path';
import { FabwatchError } from '../../core/errors.js';
import { readRecordingSync, RecordingErrorCode, type Recording } from '../../recording/recording.js';

/** Locate the shared datasets folder: env FABWATCH_DATASETS, else `../shared/datasets` from `repoRoot`. */
export function datasetsDir(repoRoot: string = process.cwd()): string {
  return process.env.FABWATCH_DATASETS ?? path.resolve(repoRoot, '..', 'shared', 'datasets');
}

export const FEMTO_LEARNING_BEARINGS = ['Bearing1_1', 'Bearing2_1', 'Bearing3_1'] as const;

/** Every whole bearing life in the shared datasets: the 6 learning bearings and the 7 challenge test bearings with full lives. */
export const FEMTO_BEARINGS: ReadonlyArray<{ id: string; set: 'Learning_set' | 'Full_Test_Set' }> = [
  ...['Bearing1_1', 'Bearing1_2', 'Bearing2_1', 'Bearing2_2', 'Bearing3_1', 'Bearing3_2'].map((id) => ({ id, set: 'Learning_set' as const })),
  ...['Bearing1_4', 'Bearing1_5', 'Bearing1_6', 'Bearing1_7', 'Bearing2_3', 'Bearing2_5', 'Bearing2_6'].map((id) => ({ id, set: 'Full_Test_Set' as const })),
];
/** Challenge definition of end of life: first time the vibration amplitude exceeds 20 g. */
export const FEMTO_FAILURE_THRESHOLD_G = 20;

export interface FemtoBearing {
  id: string;
  operatingCondition: number;
  sampleRateHz: number;
  snapshotLength: number;
  numSnapshots: number;
  horiz: Recording;
  vert: Recording;
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
  /** Challenge test bearings: snapshots the challenge gave (analyse 0..n-1) and the RUL it scored against. */
  challenge: { truncationSnapshots: number; actualRulS: number } | null;
}

function firstExceedance(rec: Recording, thresholdG: number): number {
  const n = rec.snapshots.length;
  for (let i = 0; i < n; i++) {
    const s = rec.snapshot(i);
    for (let j = 0; j < s.length; j++) if (s[j] > thresholdG || s[j] < -thresholdG) return i;
  }
  return -1;
}

/** Load both channels of a FEMTO learning-set bearing, e.g. `loadFemtoBearing(dir, 'Bearing1_1')`. */
export function loadFemtoBearing(dir: string, bearingId: string, set = 'Learning_set'): FemtoBearing {
  const base = path.join(dir, 'femto', `${set}_${bearingId}`);
  const horiz = readRecordingSync(`${base}_horiz.json`);
  const vert = readRecordingSync(`${base}_vert.json`);
  if (!horiz.multiSnapshot || horiz.snapshots.length !== vert.snapshots.length || horiz.meta.snapshotLength !== vert.meta.snapshotLength) {
    throw new FabwatchError(RecordingErrorCode.RECORDING_INVALID, `${bearingId}: not a multi-snapshot pair, or horizontal and vertical channels disagree in shape`, { bearingId });
  }
  const n = horiz.snapshots.length;
  const ih = firstExceedance(horiz, FEMTO_FAILURE_THRESHOLD_G);
  const iv = firstExceedance(vert, FEMTO_FAILURE_THRESHOLD_G);
  const failureIndex = ih >= 0 ? ih : n - 1;
  return {
    id: bearingId,
    operatingCondition: Number(horiz.meta.operatingCondition ?? 0),
    sampleRateHz: horiz.meta.sampleRateHz,
    snapshotLength: horiz.meta.snapshotLength as number,
    numSnapshots: n,
    horiz,
    vert,
    timesS: horiz.timesS,
    failureIndex,
    verticalExceedanceIndex: iv,
    failureTimeS: horiz.timesS[failureIndex],
    challenge:
      typeof horiz.meta.challengeTruncationSnapshots === 'number' && typeof horiz.meta.challengeActualRulS === 'number'
        ? { truncationSnapshots: horiz.meta.challengeTruncationSnapshots, actualRulS: horiz.meta.challengeActualRulS }
        : null,
  };
}
