import type { FabwatchConfig, RobotConfig } from '../config/types.js';
import type { GatewayState } from '../state/gateway-state.js';
import { RulModel } from '../prognosis/rul-model.js';
import { installedModel } from '../prognosis/model-updater.js';
import { rankAssessments, type Assessment } from '../monitor/status-model.js';
import { fromPackageRoot } from '../core/package-root.js';
import { RulFeed } from '../monitor/rul-feed.js';

export interface Prognosis {
  /** The ONNX model (a component); absent when model.enabled is false. */
  readonly model?: RulModel;
  /** Per robot: the feed of windows into its RUL tracker (only with a model). */
  readonly feeds: Map<string, RulFeed>;
  feedFor(robot: RobotConfig): RulFeed | undefined;
  /** A robot was assessed again (status model): store it and re-rank every robot for maintenance. */
  assessed(a: Assessment): void;
}

/**
 * Remaining useful life and the maintenance ranking. Optional: a missing or mismatched model
 * disables RUL only (its component fails, /health says why), the rest of the gateway runs.
 */
export function createPrognosis(config: FabwatchConfig, state: GatewayState): Prognosis {
  // With model updates on, a model installed by an update (gateway.stateDir/model) wins over model.path.
  const installed = config.model.enabled && config.model.updates.enabled ? installedModel(config.gateway.stateDir) : null;
  const model = !config.model.enabled ? undefined : installed ? new RulModel({ modelPath: installed.modelPath, cardPath: installed.cardPath, source: 'update' }) : new RulModel({ modelPath: fromPackageRoot(config.model.path) });
  const feeds = new Map<string, RulFeed>();
  const assessments = new Map<string, Assessment>();
  return {
    model,
    feeds,
    feedFor(robot) {
      if (!model) return undefined;
      const feed = new RulFeed({ robotId: robot.id, windowSize: robot.analysis.windowSize, snapshotIntervalMs: config.model.snapshotIntervalS * 1000, confidenceLevel: config.model.confidenceLevel }, () => model);
      feeds.set(robot.id, feed);
      return feed;
    },
    assessed(a) {
      assessments.set(a.robot_id, a);
      rankRobots(state, assessments);
    },
  };
}

/**
 * Ranks the assessed robots for maintenance (the status model's urgency: status-model.ts) and
 * writes each one's `priority` into the state. Robots not analysed yet are not ranked.
 */
export function rankRobots(state: GatewayState, assessments: ReadonlyMap<string, Assessment>): void {
  for (const p of rankAssessments([...assessments.values()])) {
    const robot = state.robot(p.robot_id);
    if (robot) robot.priority = { rank: p.rank, level: p.level, score: p.score, reasons: p.reasons };
  }
}
