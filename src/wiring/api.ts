import type { Logger } from 'pino';
import type { FabwatchConfig } from '../config/types.js';
import type { Clock } from '../core/clock.js';
import type { GatewayState } from '../state/gateway-state.js';
import type { CommandService } from '../commands/service.js';
import type { GatewayMetrics } from '../metrics/metrics.js';
import type { HealthReport } from '../status/health-report.js';
import type { Prognosis } from './prognosis.js';
import { TelemetryHistory } from '../store/history.js';
import { ApiServer } from '../api/server.js';
import { mlRoutes } from '../api/ml-routes.js';
import type { AuditLog } from '../core/audit.js';

/** The local history store (SQLite) behind /api/robots/:id/history and /api/telemetry/latest; absent when history.enabled is false. */
export function createHistory(config: FabwatchConfig, deps: { clock: Clock; log: Logger; state: GatewayState }): TelemetryHistory | undefined {
  return config.history.enabled
    ? new TelemetryHistory(config.history, { stateDir: config.gateway.stateDir, state: deps.state, clock: deps.clock, log: deps.log.child({ component: 'history' }), latestRows: config.api.telemetryBuffer })
    : undefined;
}

/** REST + WebSocket + the page, with the prognosis routes (/api/ml/*); absent when api.enabled is false. */
export function createApi(
  config: FabwatchConfig,
  deps: { clock: Clock; log: Logger; audit: AuditLog; state: GatewayState; commands: CommandService; health: () => HealthReport; history?: TelemetryHistory; metrics: GatewayMetrics; prognosis: Prognosis },
): ApiServer | undefined {
  const { clock, log, audit, state, commands, health, history, metrics, prognosis } = deps;
  const api = config.api.enabled ? new ApiServer(config.api, { state, log: log.child({ component: 'api' }), audit, health, commands, clock, history, metrics }) : undefined;
  api?.addRoutes(mlRoutes({ model: () => prognosis.model, trackers: prognosis.feeds }));
  return api;
}
