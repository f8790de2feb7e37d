import type { FabwatchConfig, RobotConfig } from '../config/types.js';
import type { GatewayState } from '../state/gateway-state.js';
import { RulModel } from '../health/rul-model.js';
import { rankMaintenance } from '../health/priority.js';
import { fromPackageRoot } from '../core/package-root.js';
import { RulFeed } from '../monitor/rul-feed.js';

export interface Prognosis {
  /** The ONNX model (a component); absent when model.enabled is false. */
  readonly model?: RulModel;
  /** Per robot: the feed of windows into its RUL tracker (only with a model). */
  readonly feeds: Map<string, RulFeed>;
  feedFor(robot: RobotConfig): RulFeed | undefined;
  /** Re-rank every robot for maintenance; called after an estimate changes. */
  rerank(): void;
}

/**
 * Remaining useful life and the maintenance ranking. Optional: a missing or mismatched model
 * disables RUL only (its component fails, /health says why), the rest of the gateway runs.
 */
export function createPrognosis(config: FabwatchConfig, state: GatewayState): Prognosis {
  const model = config.model.enabled ? new RulModel({ modelPath: fromPackageRoot(config.model.path) }) : undefined;
  const feeds = new Map<string, RulFeed>();
  return {
    model,
    feeds,
    feedFor(robot) {
      if (!model) return undefined;
      const feed = new RulFeed({ robotId: robot.id, windowSize: robot.analysis.windowSize, snapshotIntervalMs: config.model.snapshotIntervalS * 1000, confidenceLevel: config.model.confidenceLevel }, () => model);
      feeds.set(robot.id, feed);
      return feed;
    },
    rerank: () => rankRobots(state),
  };
}

/** Ranks the robots for maintenance and writes each one's `priority` into the state. */
export function rankRobots(state: GatewayState): void {
  const ranked = rankMaintenance(
    [...state.robots.values()].map((r) => {
      // A provisional estimate (baseline not learnt yet) does not rank a robot.
      const rul = r.rul?.baseline_ready ? r.rul : null;
      return {
        robot_id: r.robot_id,
        rul_state: rul?.rul_state ?? null,
        rul_s: rul?.rul_s ?? null,
        rul_low_s: rul?.rul_low_s ?? null,
        rul_high_s: rul?.rul_high_s ?? null,
        iso_zone: r.iso20816?.zone ?? null,
        diagnosis: r.diagnosis?.label ?? null,
        diagnosis_confidence: r.diagnosis?.confidence ?? null,
      };
    }),
  );
  for (const p of ranked) {
    const robot = state.robot(p.robot_id);
    if (robot) robot.priority = { rank: p.rank, level: p.level, score: Math.round(p.score * 10) / 10, reasons: p.reasons };
  }
}
