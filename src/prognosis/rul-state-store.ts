/**
 * Each robot's RUL tracker state on disk, so a gateway restart does not send every robot back to
 * `learning` (and relearn a worn bearing's "healthy" baseline from its worn state):
 * `{stateDir}/rul/{robot_id}.json`, one small JSON file per robot, written atomically
 * (src/core/atomic-file.ts). A file that cannot be read, is not valid JSON / breaks the schema
 * (RUL_STATE_CORRUPT) or was written by another format version or for other model inputs
 * (RUL_STATE_INCOMPATIBLE) is logged with its code and ignored: the robot starts a fresh tracker,
 * and the next save overwrites the file. Nothing here throws at start-up.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { writeFileAtomic } from '../core/atomic-file.js';
import { FabwatchError, errorCode, errorMessage } from '../core/errors.js';
import { strictAjv, describeErrors } from '../core/validation.js';
import { RUL_MODEL_INPUTS } from './rul-math.js';
import type { RulTrackerState } from './rul-tracker.js';

/** Format version of the file; a file with another version is ignored (RUL_STATE_INCOMPATIBLE). */
export const RUL_STATE_VERSION = 1;

export const RulStateErrorCode = {
  RUL_STATE_UNREADABLE: 'RUL_STATE_UNREADABLE',
  RUL_STATE_CORRUPT: 'RUL_STATE_CORRUPT',
  RUL_STATE_INCOMPATIBLE: 'RUL_STATE_INCOMPATIBLE',
  RUL_STATE_WRITE_FAILED: 'RUL_STATE_WRITE_FAILED',
} as const;

/** What is kept per robot: the tracker's own state plus what the status model must remember about its baseline. */
export interface SavedRulState {
  tracker: RulTrackerState;
  /** Zone C/D or a detected fault was seen while the baseline was learnt (docs/status.md): a restart must not forget it. */
  baselineLearntWhileFaulty: boolean;
}

interface RulStateFile {
  version: number;
  robot_id: string;
  /** The population model's inputs the baseline is in (RUL_MODEL_INPUTS order). */
  inputs: string[];
  saved_at: string;
  baseline_learnt_while_faulty: boolean;
  tracker: RulTrackerState;
}

const num = { type: 'number' };
const numOrNull = { type: ['number', 'null'] };
const positive = { type: 'number', exclusiveMinimum: 0 };
const schema = {
  type: 'object',
  required: ['version', 'robot_id', 'inputs', 'saved_at', 'baseline_learnt_while_faulty', 'tracker'],
  properties: {
    version: { type: 'integer' },
    robot_id: { type: 'string' },
    inputs: { type: 'array', items: { type: 'string' } },
    saved_at: { type: 'string' },
    baseline_learnt_while_faulty: { type: 'boolean' },
    tracker: {
      type: 'object',
      additionalProperties: false,
      required: ['robotId', 'baseline', 'snapshots', 'firstMs', 'lastMs', 'degradation', 'amplitudeBaseline', 'failedAtMs', 'degradingSinceMs'],
      properties: {
        robotId: { type: 'string' },
        baseline: { oneOf: [{ type: 'null' }, { type: 'array', minItems: RUL_MODEL_INPUTS.length, maxItems: RUL_MODEL_INPUTS.length, items: positive }] },
        snapshots: { type: 'integer', minimum: 0 },
        firstMs: numOrNull,
        lastMs: numOrNull,
        amplitudeBaseline: { oneOf: [{ type: 'null' }, positive] },
        failedAtMs: numOrNull,
        degradingSinceMs: numOrNull,
        degradation: {
          type: 'object',
          additionalProperties: false,
          required: ['onsetMs', 'sinceOnset', 'points', 'lastTauH', 's', 'lastY', 'level', 'baseline'],
          properties: {
            onsetMs: numOrNull,
            sinceOnset: { type: 'integer', minimum: 0 },
            points: { type: 'integer', minimum: 0 },
            lastTauH: num,
            s: { type: 'array', minItems: 5, maxItems: 5, items: num },
            lastY: num,
            level: num,
            baseline: num,
          },
        },
      },
    },
  },
} as const;

const validate = strictAjv().compile<RulStateFile>(schema);
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export class RulStateStore {
  readonly dir: string;

  /** `stateDir`: gateway.stateDir; the files go to its `rul/` folder. */
  constructor(stateDir: string, private readonly log: Logger) {
    this.dir = join(stateDir, 'rul');
  }

  pathFor(robotId: string): string {
    // robot ids are config-validated with this pattern; checked again because it becomes a file name
    if (!SAFE_ID.test(robotId)) throw new FabwatchError('RUL_STATE_WRITE_FAILED', `robot id "${robotId.slice(0, 64)}" cannot name a state file`);
    return join(this.dir, `${robotId}.json`);
  }

  /** The saved state of this robot, or null (none, or unusable: logged with its code). */
  load(robotId: string): SavedRulState | null {
    const path = this.pathFor(robotId);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      if (errorCode(err) !== 'ENOENT') this.ignored(RulStateErrorCode.RUL_STATE_UNREADABLE, robotId, path, errorMessage(err));
      return null;
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (err) {
      this.ignored(RulStateErrorCode.RUL_STATE_CORRUPT, robotId, path, `not JSON: ${errorMessage(err)}`);
      return null;
    }
    if (data && typeof data === 'object' && 'version' in data && data.version !== RUL_STATE_VERSION) {
      this.ignored(RulStateErrorCode.RUL_STATE_INCOMPATIBLE, robotId, path, `format version ${JSON.stringify(data.version)}, this gateway reads ${RUL_STATE_VERSION}`);
      return null;
    }
    if (!validate(data)) {
      this.ignored(RulStateErrorCode.RUL_STATE_CORRUPT, robotId, path, describeErrors(validate.errors, 'state'));
      return null;
    }
    if (data.robot_id !== robotId || data.tracker.robotId !== robotId) {
      this.ignored(RulStateErrorCode.RUL_STATE_INCOMPATIBLE, robotId, path, `written for robot "${data.robot_id.slice(0, 64)}"`);
      return null;
    }
    if (data.inputs.join(',') !== RUL_MODEL_INPUTS.join(',')) {
      this.ignored(RulStateErrorCode.RUL_STATE_INCOMPATIBLE, robotId, path, `baseline of inputs [${data.inputs.join(', ').slice(0, 200)}], this gateway's model takes [${RUL_MODEL_INPUTS.join(', ')}]`);
      return null;
    }
    return { tracker: data.tracker, baselineLearntWhileFaulty: data.baseline_learnt_while_faulty };
  }

  /** Write the robot's state atomically. A failure is logged (RUL_STATE_WRITE_FAILED) and returns false: the gateway runs on. */
  save(robotId: string, s: SavedRulState, nowMs: number): boolean {
    const file: RulStateFile = { version: RUL_STATE_VERSION, robot_id: robotId, inputs: [...RUL_MODEL_INPUTS], saved_at: new Date(nowMs).toISOString(), baseline_learnt_while_faulty: s.baselineLearntWhileFaulty, tracker: s.tracker };
    try {
      writeFileAtomic(this.pathFor(robotId), `${JSON.stringify(file)}\n`);
      return true;
    } catch (err) {
      this.log.error({ code: RulStateErrorCode.RUL_STATE_WRITE_FAILED, robot: robotId, cause: errorCode(err), err: errorMessage(err) }, 'RUL tracker state not saved: a restart would start this robot from learning');
      return false;
    }
  }

  /** Delete the robot's saved state (reset_rul). Throws RUL_STATE_WRITE_FAILED when it cannot: a later restart would bring the old state back. */
  remove(robotId: string): void {
    try {
      rmSync(this.pathFor(robotId), { force: true });
    } catch (err) {
      throw new FabwatchError(RulStateErrorCode.RUL_STATE_WRITE_FAILED, `saved RUL state of ${robotId} not deleted: ${errorMessage(err)}`, undefined, { cause: err });
    }
  }

  private ignored(code: string, robotId: string, path: string, why: string): void {
    this.log.warn({ code, robot: robotId, path }, `saved RUL tracker state ignored (${why}): the robot starts a fresh tracker (learning)`);
  }
}
