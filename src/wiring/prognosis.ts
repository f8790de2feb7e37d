import type { FabwatchConfig, RobotConfig } from '../config/types.js';
import type { GatewayState } from '../state/gateway-state.js';
import { RulModel } from '../prognosis/rul-model.js';
import { installedModel } from '../prognosis/model-updater.js';
import { rankAssessments, type Assessment } from '../monitor/status-model.js';
import { fromPackageRoot } from '../core/package-root.js';
import { RulFeed, type RulReset } from '../monitor/rul-feed.js';
import { RulStateStore } from '../prognosis/rul-state-store.js';
import type { Component } from '../core/component.js';
import type { Clock } from '../core/clock.js';
import { FabwatchError } from '../core/errors.js';
import type { Logger } from 'pino';

export interface Prognosis {
  /** The ONNX model (a component); absent when model.enabled is false. */
  readonly model?: RulModel;
  /** Per robot: the feed of windows into its RUL tracker (only with a model). */
  readonly feeds: Map<string, RulFeed>;
  feedFor(robot: RobotConfig): RulFeed | undefined;
  /** A robot was assessed again (status model): store it and re-rank every robot for maintenance. */
  assessed(a: Assessment): void;
  /** Saves every robot's tracker state at stop ({stateDir}/rul/); absent without a model or a state store. */
  readonly persistence?: Component;
  /** The reset_rul command (bearing replaced): fresh tracker, saved state deleted. Throws RUL_NOT_AVAILABLE without a model. */
  resetRul(robotId: string): RulReset;
}

/**
 * Remaining useful life and the maintenance ranking. Optional: a missing or mismatched model
 * disables RUL only (its component fails, /health says why), the rest of the gateway runs.
 */
export function createPrognosis(config: FabwatchConfig, state: GatewayState, deps?: { clock: Clock; log: Logger }): Prognosis {
  // With model updates on, a model installed by an update (gateway.stateDir/model) wins over model.path.
  const installed = config.model.enabled && config.model.updates.enabled ? installedModel(config.gateway.stateDir) : null;
  const model = !config.model.enabled ? undefined : installed ? new RulModel({ modelPath: installed.modelPath, cardPath: installed.cardPath, source: 'update' }) : new RulModel({ modelPath: fromPackageRoot(config.model.path) });
  const feeds = new Map<string, RulFeed>();
  const assessments = new Map<string, Assessment>();
  // Each robot's tracker survives a restart ({stateDir}/rul/{robot_id}.json, docs/rul.md "Tracker state").
  const store = model && deps ? new RulStateStore(config.gateway.stateDir, deps.log.child({ component: 'rul-state' })) : undefined;
  const persistence: Component | undefined = store && deps
    ? {
        name: 'rul-state',
        start: async () => undefined,
        stop: async () => {
          for (const f of feeds.values()) f.flush(deps.clock.now());
        },
      }
    : undefined;
  return {
    model,
    feeds,
    persistence,
    resetRul(robotId) {
      const feed = feeds.get(robotId);
      if (!feed) throw new FabwatchError('RUL_NOT_AVAILABLE', `no RUL tracker for ${robotId}: the RUL model is disabled (model.enabled)`);
      const r = feed.reset();
      state.updateRobot(robotId, { rul: null });
      return r;
    },
    feedFor(robot) {
      if (!model) return undefined;
      const feed = new RulFeed({ robotId: robot.id, windowSize: robot.analysis.windowSize, snapshotIntervalMs: config.model.snapshotIntervalS * 1000, confidenceLevel: config.model.confidenceLevel, store }, () => model);
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
