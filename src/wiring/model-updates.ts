import type { Clock } from '../core/clock.js';
import type { AuditLog } from '../core/audit.js';
import type { CommandDefinition } from '../commands/types.js';
import type { FabwatchConfig } from '../config/types.js';
import { fromPackageRoot } from '../core/package-root.js';
import { ModelUpdater, type ModelUpdateEvent } from '../prognosis/model-updater.js';
import type { RulModel } from '../prognosis/rul-model.js';
import type { GatewayState } from '../state/gateway-state.js';

export interface ModelUpdates {
  updater: ModelUpdater;
  /** For the uplink: a payload from factory/{site}/gateways/{id}/model. */
  onPackage(payload: Buffer): void;
  /** model.updates.maxPackageBytes: the uplink lets packets this big through (MQTT 5 Maximum Packet Size). */
  maxPackageBytes: number;
  /** `model_rollback`: a gateway command, sent over MQTT on factory/{site}/gateways/{id}/cmd (no REST route or WebSocket frame carries gateway commands yet). */
  commands: CommandDefinition<never>[];
}

/** Severity of the gateway alert sent upstream for each update event. */
function severity(e: ModelUpdateEvent): 'info' | 'warning' | 'critical' {
  if (e.action === 'rollback_failed' || (e.action === 'rolled_back' && e.trigger === 'self')) return 'critical';
  if (e.action === 'rejected' || e.code) return 'warning';
  return 'info';
}

/**
 * Signed model updates (model.updates, docs/mqtt.md "Model updates"): undefined when they are off
 * or there is no model. Every event becomes a gateway alert upstream (source `model-update`, code
 * the reject reason or MODEL_ACCEPTED / MODEL_SWAPPED / MODEL_ROLLED_BACK); the updater writes
 * the audit line.
 */
export function createModelUpdates(config: FabwatchConfig, deps: { model?: RulModel; audit: AuditLog; state: GatewayState; clock: Clock }): ModelUpdates | undefined {
  const u = config.model.updates;
  if (!u.enabled || !deps.model) return undefined;
  const updater = new ModelUpdater({
    model: deps.model,
    stateDir: config.gateway.stateDir,
    bundledModelPath: fromPackageRoot(config.model.path),
    publicKeys: u.publicKeys,
    maxPackageBytes: u.maxPackageBytes,
    audit: deps.audit,
    now: () => deps.clock.now(),
    onEvent: (e) =>
      deps.state.raiseAlert({
        source: 'model-update',
        code: e.code ?? `MODEL_${e.action.toUpperCase()}`,
        severity: severity(e),
        message: `${e.reason} [${e.trigger}; version ${e.version ?? '-'}; was ${e.previous_version ?? '-'}]`,
        active: false,
      }),
  });
  const rollback: CommandDefinition<Record<string, never>> = {
    name: 'model_rollback',
    description: 'Go back to the previous RUL model kept by the last model update (no restart).',
    scope: 'gateway',
    parameters: { properties: {} },
    run: async () => {
      const e = await updater.rollback('command', 'model_rollback command');
      return { version: e.version, previous_version: e.previous_version };
    },
  };
  return { updater, onPackage: (payload) => void updater.handlePackage(payload), maxPackageBytes: u.maxPackageBytes, commands: [rollback as CommandDefinition<never>] };
}
