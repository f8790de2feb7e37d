import type { Logger } from 'pino';
import type { FabwatchConfig } from './config/types.js';
import type { Clock } from './core/clock.js';
import { Supervisor } from './core/component.js';
import { PacedClock } from './core/paced-clock.js';
import { GatewayState } from './state/gateway-state.js';
import type { RobotAcquisition } from './acquisition/robot-sensors.js';
import type { AcquisitionWorkerHost } from './acquisition/worker-host.js';
import { ManualClock } from './core/clock.js';
import { MqttUplink } from './uplink/mqtt-uplink.js';
import { createSparkplug, jsonUplinkConfig } from './uplink/sparkplug/factory.js';
import type { ApiServer } from './api/server.js';
import { VERSION } from './version.js';
import { CommandService } from './commands/service.js';
import type { RulModel } from './prognosis/rul-model.js';
import { robotCommands } from './commands/robot-commands.js';
import { CommandLedger } from './commands/ledger.js';
import { AlarmStore, RESTORE_GRACE_MS } from './store/alarm-store.js';
import { AuditLog } from './core/audit.js';
import type { TelemetryHistory } from './store/history.js';
import { GatewayMetrics } from './metrics/metrics.js';
import { buildHealthReport, type HealthReport } from './status/health-report.js';
import type { GatewaySimulators } from './wiring/device-platform.js';
import { hardwarePlatform } from './wiring/hardware-platform.js';
import { simulatedPlatform } from './wiring/simulated-platform.js';
import { createDevices } from './wiring/devices.js';
import { createBusUsage } from './wiring/bus-usage.js';
import { i2cSpeedHz } from './config/bus-budget.js';
import { createPrognosis } from './wiring/prognosis.js';
import { createModelUpdates } from './wiring/model-updates.js';
import { createRobots } from './wiring/robots.js';
import { createCleanroom } from './wiring/cleanroom.js';
import { createStackLight, createTestAlerts } from './wiring/alarm-output.js';
import { createApi, createHistory } from './wiring/api.js';

export interface GatewayDeps {
  clock: Clock;
  log: Logger;
}

export interface Gateway {
  readonly state: GatewayState;
  readonly supervisor: Supervisor;
  readonly api?: ApiServer;
  readonly uplink: MqttUplink;
  readonly sensors: Map<string, RobotAcquisition>;
  /** The acquisition worker (acquisition.thread: worker), absent when acquisition runs on the main thread. */
  readonly acquisitionWorker?: AcquisitionWorkerHost;
  readonly commands: CommandService;
  readonly rulModel?: RulModel;
  /**
   * Simulated devices (simulation mode): I2C buses, counters by id (their register images), Modbus
   * lines, GPIO lines. With the acquisition worker, the accelerometers' I2C buses and data-ready lines
   * live in the worker (`acquisitionWorker.simulateI2cFault()`), so `i2c` is empty here.
   */
  readonly simulators: GatewaySimulators;
  readonly history?: TelemetryHistory;
  readonly metrics: GatewayMetrics;
  start(): Promise<void>;
  stop(): Promise<void>;
  health(): HealthReport;
}

/**
 * Builds every component from the validated config and wires them: the only place that knows
 * them all. Each assembly in src/wiring/ tells one part; this function orders them. Start order:
 * simulators, bus closer, RUL model, RUL tracker state, command ledger, alarm store, uplink, Sparkplug node, history, API, acquisition worker, sensors, counters, stack light,
 * publishers; stop is the reverse.
 */
export async function createGateway(config: FabwatchConfig, deps: GatewayDeps): Promise<Gateway> {
  const { clock, log } = deps;
  const state = new GatewayState({ gatewayId: config.gateway.id, site: config.gateway.site }, clock, config.api.telemetryBuffer, config.robots);
  const supervisor = new Supervisor(log);
  const startedAt = clock.now();
  const devices = createDevices(config.gateway.simulation ? simulatedPlatform(clock) : hardwarePlatform(), clock, (bus) => i2cSpeedHz(config, bus));
  const prognosis = createPrognosis(config, state, { clock, log });

  // Metrics read the components at scrape time (created first: the robots' callbacks use it).
  let api: ApiServer | undefined;
  const metrics = new GatewayMetrics({
    sensors: () => [...sensors].map(([id, s]) => [id, s.stats] as [string, typeof s.stats]),
    faults: () => [...[...sensors.values()].flatMap((s) => s.faults), ...cleanroom.pollers.flatMap((p) => (p.currentFault ? [p.currentFault] : []))],
    uplink: () => uplink.status(),
    wsClients: () => api?.hub.clientCount ?? 0,
    sparkplug: () => sparkplug?.status(),
    rulCapped: () => [...prognosis.feeds].map(([id, feed]) => [id, feed.tracker.cappedCount] as [string, number]),
  });
  // A ManualClock that the caller advances (tests, the golden minute, the soak) cannot drive a worker's
  // timers: such a gateway acquires on the main thread whatever acquisition.thread says.
  const thread = clock instanceof ManualClock && !(clock instanceof PacedClock) ? 'main' : config.acquisition.thread;
  const { sensors, worker: acquisitionWorker } = createRobots(config, { clock, log, state, devices, prognosis, metrics, thread });
  if (acquisitionWorker) metrics.addAcquisitionWorker(acquisitionWorker);
  // The buses the robots use: opened here (main thread), or in the worker, which reports their bus time.
  const busUsage = createBusUsage(
    config,
    acquisitionWorker ? [...new Set(config.robots.flatMap((r) => [r.accelerometer.bus, ...(r.temperature ? [r.temperature.bus] : [])]))].sort((a, b) => a - b).map((bus) => ({ bus, speedHz: i2cSpeedHz(config, bus), busyMs: () => acquisitionWorker.busBusyMs(bus) })) : devices.i2cBuses(),
    clock,
  );
  const cleanroom = await createCleanroom(config, { clock, log, state, devices });
  const stackLight = createStackLight(config, { log, state, devices });

  // One audit log for commands from every transport and for the API's login failures.
  const audit = new AuditLog(log);
  // Signed model updates over MQTT (model.updates): absent when off or without a model.
  const modelUpdates = createModelUpdates(config, { model: prognosis.model, audit, state, clock });
  // Executed command ids and outcomes survive a restart (dedupe of retained/redelivered commands).
  const commandLedger = new CommandLedger({ stateDir: config.gateway.stateDir, clock, log: log.child({ component: 'commands' }), limits: { maxEntries: config.commands.rememberIds, retentionMs: config.commands.rememberHours * 3_600_000 } });
  // Alarms that are not normal, with their acknowledgements, survive a restart (docs/alarms.md).
  const alarmStore = new AlarmStore({ stateDir: config.gateway.stateDir, book: state.alarms, log: log.child({ component: 'alarms' }), restoreGraceMs: RESTORE_GRACE_MS });
  const commands = new CommandService({
    clock,
    audit,
    ttlMs: config.commands.ttlS * 1000,
    clockSkewMs: config.commands.clockSkewS * 1000,
    store: commandLedger,
    robotIds: () => state.robots.keys(),
    definitions: [
      ...robotCommands({
        state,
        startAcquisition: (id) => devices.withoutBusTime(() => sensors.get(id)!.start()),
        stopAcquisition: (id) => devices.withoutBusTime(() => sensors.get(id)!.stop()),
        resetRul: (id) => prognosis.resetRul(id),
      }),
      ...(modelUpdates?.commands ?? []),
    ],
  });

  const uplink = new MqttUplink(jsonUplinkConfig(config.mqtt), state, clock, log.child({ component: 'uplink' }), { stateDir: config.gateway.stateDir, commands, modelPackages: modelUpdates });
  const sparkplug = createSparkplug(config, { state, clock, log, commands });
  const history = createHistory(config, { clock, log, state });
  const health = () =>
    buildHealthReport({
      identity: { gatewayId: config.gateway.id, site: config.gateway.site, version: VERSION, simulation: config.gateway.simulation },
      uptimeMs: () => clock.now() - startedAt,
      components: () => supervisor.report(),
      sensors: () => sensors.entries(),
      // Only with a worker: a main-thread gateway's /health is unchanged (the golden minute).
      acquisition: acquisitionWorker ? () => ({ thread, worker: acquisitionWorker.status() }) : undefined,
      i2cBuses: busUsage,
      counters: () => cleanroom.pollers,
      uplink,
      sparkplug,
      simulationClock: clock instanceof PacedClock ? clock : undefined,
      stackLight,
      history,
      model: prognosis.model,
      modelConfidenceLevel: config.model.confidenceLevel,
    });
  api = createApi(config, { clock, log, audit, state, commands, health, history, metrics, prognosis });

  // --- Start order.
  if (devices.platform.component) supervisor.add(devices.platform.component, { critical: true });
  supervisor.add(devices.buses); // before the devices, so that it closes the bus handles after them
  if (prognosis.model) supervisor.add(prognosis.model);
  // Stops after the sensors (reverse order): the last snapshots are in the saved tracker state.
  if (prognosis.persistence) supervisor.add(prognosis.persistence);
  supervisor.add(commandLedger);
  supervisor.add(alarmStore); // before every producer of alerts
  supervisor.add(uplink);
  if (sparkplug) supervisor.add(sparkplug);
  if (history) supervisor.add(history);
  if (api) supervisor.add(api, { critical: true });
  if (acquisitionWorker) supervisor.add(acquisitionWorker); // before the sensors: it stops after them
  for (const s of sensors.values()) supervisor.add(s);
  for (const p of cleanroom.pollers) supervisor.add(p);
  if (stackLight) supervisor.add(stackLight);
  const testAlerts = createTestAlerts(config, { clock, state });
  if (testAlerts) supervisor.add(testAlerts);
  supervisor.add(cleanroom.publisher);

  return {
    state,
    supervisor,
    api,
    uplink,
    sensors,
    acquisitionWorker,
    commands,
    history,
    metrics,
    rulModel: prognosis.model,
    simulators: devices.platform.simulators,
    // Simulated buses take no bus time while the devices initialise or go to standby (devices.ts).
    start: () => devices.withoutBusTime(() => supervisor.start()),
    stop: () => devices.withoutBusTime(() => supervisor.stop()),
    health,
  };
}
