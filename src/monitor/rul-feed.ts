import { createHealthFeatureScratch, extractHealthFeatures, HEALTH_FEATURE_COUNT, type HealthFeatureScratch } from '../prognosis/features.js';
import { RulTracker, type RulEstimate } from '../prognosis/rul-tracker.js';
import type { RulModel } from '../prognosis/rul-model.js';

export interface RulFeedOptions {
  robotId: string;
  windowSize: number;
  /** Feed the tracker at most once per this many ms (the model was trained on one snapshot per 10 s). */
  snapshotIntervalMs: number;
  confidenceLevel: number;
}

/**
 * Remaining useful life for one robot: every `snapshotIntervalMs` one window of the dominant axis
 * goes through the same health-feature code as training (src/prognosis/features.ts) into the robot's
 * RulTracker (own baseline, smoothing), then through the ONNX model.
 */
export class RulFeed {
  readonly tracker: RulTracker;
  private readonly scratch: HealthFeatureScratch;
  private readonly features = new Float64Array(HEALTH_FEATURE_COUNT);
  private lastFedMs = -Infinity;
  private busy = false;
  latest: RulEstimate | null = null;

  constructor(private readonly o: RulFeedOptions, private readonly model: () => RulModel | null) {
    this.tracker = new RulTracker({ robotId: o.robotId });
    this.scratch = createHealthFeatureScratch(o.windowSize);
  }

  /** Returns a new estimate when one was made for this window, else null. */
  async onWindow(signal: Float32Array, rateHz: number, tMs: number): Promise<RulEstimate | null> {
    if (tMs - this.lastFedMs < this.o.snapshotIntervalMs || this.busy) return null;
    this.lastFedMs = tMs;
    extractHealthFeatures(signal, rateHz, this.scratch, this.features);
    if (!this.tracker.update(this.features, tMs)) return null;
    const model = this.model();
    if (!model?.loaded) return null;
    this.busy = true;
    try {
      this.latest = await this.tracker.estimate(model, this.o.confidenceLevel);
      return this.latest;
    } finally {
      this.busy = false;
    }
  }
}
