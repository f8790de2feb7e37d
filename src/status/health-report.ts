import type { ComponentReport } from '../core/component.js';
import type { DeviceFault } from '../core/device-fault.js';
import type { SparkplugStatus, UplinkStatus } from './uplink-status.js';

/** GET /health: one robot's acquisition. */
export interface SensorHealth {
  robot_id: string;
  faults: DeviceFault[];
  samples_acquired: number;
  samples_lost: number;
  measured_rate_hz: number;
  last_sample_at: string | null;
  acquisition: 'interrupt' | 'polling';
}

export interface AcquisitionHealth {
  thread: 'worker' | 'main';
  worker?: { alive: boolean; restarts: number; heartbeat_age_ms: number | null; windows_skipped: number };
}

/** GET /health: one I2C bus's utilisation (percent of its SCL time). */
export interface I2cBusHealth {
  bus: number;
  speed_hz: number;
  /** What the configured sensors need, estimated when the config is loaded (src/config/bus-budget.ts). */
  estimated_utilisation_pct: number;
  /** Busy time measured over the last 10-20 s: modelled by the simulated bus; on hardware the transfers' wall time (an upper bound). Null before any time has passed. */
  measured_utilisation_pct: number | null;
}

/** GET /health: one particle counter's polling. */
export interface CounterHealth {
  counter_id: string;
  fault: DeviceFault | null;
  /** The Modbus circuit breaker's state, null without one. */
  breaker: string | null;
  polls: number;
  failures: number;
}

/** `source`: 'bundled' = the file at model.path, 'update' = installed by a signed model update (gateway.stateDir/model). */
export type ModelHealth = { available: true; name: string; version: string; source: 'bundled' | 'update'; confidence_level: number } | { available: false; reason: string; code: string | null };
export type HistoryHealth = { available: boolean; records_written: number } | { available: false; reason: string };

/** GET /health: `degraded` when a component failed, a device is faulted, or the uplink is down or faulted. */
export interface HealthReport {
  status: 'ok' | 'degraded';
  gateway_id: string;
  site: string;
  version: string;
  simulation: boolean;
  uptime_s: number;
  components: ComponentReport[];
  sensors: SensorHealth[];
  /** Where acquisition runs; with a worker, whether it is up, its restarts and heartbeat. */
  acquisition?: AcquisitionHealth;
  /** The I2C buses the sensors use. */
  i2c_buses: I2cBusHealth[];
  counters: CounterHealth[];
  /** Present when the stack light (alarmOutput) is enabled. */
  alarm_output?: { on: boolean; error: { code: string; message: string } | null };
  uplink: UplinkStatus;
  /** Present when a simulated gateway runs faster than real time (gateway.simulationSpeed). */
  simulation_clock?: { speed: number; achieved_speed: number; behind_ms: number };
  /** Present when mqtt.sparkplug.enabled. */
  sparkplug?: SparkplugStatus;
  history: HistoryHealth;
  model: ModelHealth;
}

/** What the report is read from; structural, so this module imports no component. */
export interface HealthSources {
  identity: { gatewayId: string; site: string; version: string; simulation: boolean };
  uptimeMs(): number;
  components(): ComponentReport[];
  sensors(): Iterable<[string, { faults: DeviceFault[]; stats: { samplesAcquired: number; samplesLost: number; measuredRateHz: number; lastSampleAt: number | null; mode: 'interrupt' | 'polling' } }]>;
  acquisition?(): AcquisitionHealth;
  /** The I2C buses' utilisation (src/wiring/bus-usage.ts); none when absent. */
  i2cBuses?(): I2cBusHealth[];
  counters(): Array<{ name: string; currentFault: DeviceFault | null; breakerState?: string; stats: { polls: number; failures: number } }>;
  uplink: { status(): UplinkStatus; readonly faulted: unknown };
  /** The paced simulation clock, when the simulated fab runs faster than real time. */
  simulationClock?: { status(): { speed: number; achieved_speed: number; behind_ms: number } };
  /** The Sparkplug B edge node, when enabled: degraded while its connection is down or its outbox faulted. */
  sparkplug?: { status(): SparkplugStatus; readonly degraded: boolean };
  stackLight?: { readonly on: boolean; readonly lastError: { code: string; message: string } | null };
  history?: { readonly available: boolean; readonly written: number };
  /** The RUL model component, absent when model.enabled is false. */
  model?: { readonly name: string; readonly loaded: boolean; readonly card: { name: string }; readonly version: string; readonly source: 'bundled' | 'update' };
  modelConfidenceLevel: number;
}

export function buildHealthReport(src: HealthSources): HealthReport {
  const components = src.components();
  const robots = [...src.sensors()].map(([id, s]) => ({
    robot_id: id,
    faults: s.faults,
    samples_acquired: s.stats.samplesAcquired,
    samples_lost: s.stats.samplesLost,
    measured_rate_hz: Math.round(s.stats.measuredRateHz * 10) / 10,
    last_sample_at: s.stats.lastSampleAt === null ? null : new Date(s.stats.lastSampleAt).toISOString(),
    acquisition: s.stats.mode,
  }));
  const counters = src.counters().map((p) => ({ counter_id: p.name.slice('counter:'.length), fault: p.currentFault, breaker: p.breakerState ?? null, polls: p.stats.polls, failures: p.stats.failures }));
  const uplinkStatus = src.uplink.status();
  const acquisitionDown = src.acquisition?.().worker?.alive === false;
  const degraded = acquisitionDown || components.some((c) => c.status === 'failed') || robots.some((r) => r.faults.length) || counters.some((c) => c.fault) || (uplinkStatus.enabled && !uplinkStatus.connected) || src.sparkplug?.degraded === true || src.uplink.faulted !== null;
  const { model, history, stackLight } = src;
  return {
    status: degraded ? 'degraded' : 'ok',
    gateway_id: src.identity.gatewayId,
    site: src.identity.site,
    version: src.identity.version,
    simulation: src.identity.simulation,
    uptime_s: Math.round(src.uptimeMs() / 1000),
    components,
    sensors: robots,
    ...(src.acquisition ? { acquisition: src.acquisition() } : {}),
    i2c_buses: src.i2cBuses?.() ?? [],
    counters,
    ...(stackLight ? { alarm_output: { on: stackLight.on, error: stackLight.lastError } } : {}),
    uplink: uplinkStatus,
    ...(src.simulationClock ? { simulation_clock: src.simulationClock.status() } : {}),
    ...(src.sparkplug ? { sparkplug: src.sparkplug.status() } : {}),
    history: history ? { available: history.available, records_written: history.written } : { available: false, reason: 'history.enabled is false' },
    model: model?.loaded
      ? { available: true, name: model.card.name, version: model.version, source: model.source, confidence_level: src.modelConfidenceLevel }
      : { available: false, reason: model ? (components.find((c) => c.name === model.name)?.error?.message ?? 'loading') : 'disabled in config (model.enabled: false)', code: components.find((c) => c.name === 'rul-model')?.error?.code ?? null },
  };
}
