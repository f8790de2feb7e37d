import { createHealthFeatureScratch, extractHealthFeatures, HEALTH_FEATURE_COUNT, type HealthFeatureScratch } from '../prognosis/features.js';
import { RulTracker, type RulEstimate } from '../prognosis/rul-tracker.js';
import type { RulModel } from '../prognosis/rul-model.js';
import type { RulStateStore } from '../prognosis/rul-state-store.js';

export interface RulFeedOptions {
  robotId: string;
  windowSize: number;
  /** Feed the tracker at most once per this many ms (the model was trained on one snapshot per 10 s). */
  snapshotIntervalMs: number;
  confidenceLevel: number;
  /** Where the tracker's state survives a restart (absent: memory only). */
  store?: RulStateStore;
  /** Save at least this often (ms of data time) besides every change of baseline or state. Default 60 s. */
  saveIntervalMs?: number;
}

/** What a reset (reset_rul: bearing replaced) threw away. */
export interface RulReset {
  robot_id: string;
  /** The state before the reset, and how many snapshots the discarded tracker had seen. */
  previous_rul_state: RulEstimate['rul_state'] | null;
  previous_snapshots: number;
  rul_state: 'learning';
}

/**
 * Remaining useful life for one robot: every `snapshotIntervalMs` one window of the dominant axis
 * goes through the same health-feature code as training (src/prognosis/features.ts) into the robot's
 * RulTracker (own baseline, smoothing), then through the ONNX model.
 *
 * With a store the tracker is restored at construction and saved (atomically, src/prognosis/
 * rul-state-store.ts) whenever its baseline becomes ready, its state latches (degrading, failed),
 * at least every `saveIntervalMs` of data time, and at `flush()` (gateway stop). `reset()` (the
 * reset_rul command, after a bearing replacement) starts a fresh tracker and deletes the saved state.
 */
export class RulFeed {
  private t: RulTracker;
  private readonly scratch: HealthFeatureScratch;
  private readonly features = new Float64Array(HEALTH_FEATURE_COUNT);
  private lastFedMs = -Infinity;
  private busy = false;
  private generation = 0;
  private lastSavedMs = -Infinity;
  private savedKey = '';
  private faultyWhileLearning = false;
  latest: RulEstimate | null = null;

  constructor(private readonly o: RulFeedOptions, private readonly model: () => RulModel | null) {
    const saved = o.store?.load(o.robotId) ?? null;
    this.t = this.restore(saved?.tracker);
    if (saved && this.t.snapshots > 0) this.faultyWhileLearning = saved.baselineLearntWhileFaulty;
    this.savedKey = this.key();
    this.scratch = createHealthFeatureScratch(o.windowSize);
  }

  private restore(state: ConstructorParameters<typeof RulTracker>[0]['restore']): RulTracker {
    if (state) {
      try {
        return new RulTracker({ robotId: this.o.robotId, restore: state });
      } catch {
        // the store validated the shape; a value the tracker still refuses means the file is unusable
      }
    }
    return new RulTracker({ robotId: this.o.robotId });
  }

  get tracker(): RulTracker {
    return this.t;
  }

  /** Zone C/D or a detected fault was seen while this tracker's baseline was being learnt (kept across restarts, cleared by reset). */
  get baselineLearntWhileFaulty(): boolean {
    return this.faultyWhileLearning;
  }

  /** The robot monitor saw zone C/D or a detected fault while the baseline was not learnt yet (as of the latest estimate): remembered. */
  noteFinding(faultWhileLearning: boolean): void {
    if (faultWhileLearning && !this.faultyWhileLearning) {
      this.faultyWhileLearning = true;
      this.savedKey = '';
    }
  }

  /** Returns a new estimate when one was made for this window, else null. */
  async onWindow(signal: Float32Array, rateHz: number, tMs: number): Promise<RulEstimate | null> {
    if (tMs - this.lastFedMs < this.o.snapshotIntervalMs || this.busy) return null;
    this.lastFedMs = tMs;
    extractHealthFeatures(signal, rateHz, this.scratch, this.features);
    if (!this.t.update(this.features, tMs)) return null;
    const model = this.model();
    if (!model?.loaded) {
      this.maybeSave(tMs);
      return null;
    }
    this.busy = true;
    const generation = this.generation;
    try {
      const e = await this.t.estimate(model, this.o.confidenceLevel);
      if (generation !== this.generation) return null; // reset while the model ran: this estimate belongs to the old bearing
      this.latest = e;
      this.maybeSave(tMs);
      return e;
    } finally {
      this.busy = false;
    }
  }

  /** Save now (gateway stop). */
  flush(nowMs: number): void {
    if (this.o.store && this.t.snapshots > 0) this.save(nowMs);
  }

  /** Bearing replaced: a fresh tracker (back to learning), the saved state deleted. Throws RUL_STATE_WRITE_FAILED when the file cannot be deleted (nothing changed then). */
  reset(): RulReset {
    this.o.store?.remove(this.o.robotId);
    const out: RulReset = { robot_id: this.o.robotId, previous_rul_state: this.latest?.rul_state ?? null, previous_snapshots: this.t.snapshots, rul_state: 'learning' };
    this.generation++;
    this.t = new RulTracker({ robotId: this.o.robotId });
    this.latest = null;
    this.faultyWhileLearning = false;
    this.lastFedMs = -Infinity;
    this.lastSavedMs = -Infinity;
    this.savedKey = this.key();
    return out;
  }

  /** What makes a save due at once: the baseline became ready, the state latched. */
  private key(): string {
    const s = this.t.snapshot();
    return `${s.baseline !== null}|${s.amplitudeBaseline != null}|${s.degradingSinceMs ?? ''}|${s.failedAtMs ?? ''}|${this.faultyWhileLearning}`;
  }

  private maybeSave(tMs: number): void {
    if (!this.o.store) return;
    if (this.key() !== this.savedKey || tMs - this.lastSavedMs >= (this.o.saveIntervalMs ?? 60_000)) this.save(tMs);
  }

  private save(nowMs: number): void {
    if (this.o.store!.save(this.o.robotId, { tracker: this.t.snapshot(), baselineLearntWhileFaulty: this.faultyWhileLearning }, nowMs)) {
      this.lastSavedMs = nowMs;
      this.savedKey = this.key();
    }
  }
}
