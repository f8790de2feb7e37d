import type { Logger } from 'pino';
import type { FabwatchConfig, ParticleCounterConfig } from './config/types.js';
import type { Clock, TimerHandle } from './core/clock.js';
import { Supervisor, type Component } from './core/component.js';
import { GatewayState } from './state/gateway-state.js';
import { RobotSensors } from './acquisition/robot-sensors.js';
import { RobotMonitor } from './monitor/robot-monitor.js';
import { CounterPoller } from './cleanroom/counter-poller.js';
import { LocationMonitor } from './cleanroom/location-monitor.js';
import { locationStatusJson } from './cleanroom/status-json.js';
import type { AlarmTransition } from './cleanroom/alarm.js';
import { MqttUplink } from './uplink/mqtt-uplink.js';
import { ApiServer, type HealthReport } from './api/server.js';
import type { GpioLine, I2cBus } from '../drivers/transports.js';
import { Adxl345 } from '../drivers/adxl345.js';
import { Adxl355 } from '../drivers/adxl355.js';
import type { Accelerometer } from '../drivers/accelerometer.js';
import { Tmp102 } from '../drivers/tmp102.js';
import { LighthouseCounter } from '../drivers/lighthouse.js';
import { MetOne6000Counter } from '../drivers/metone6000.js';
import type { ParticleCounterDriver } from '../drivers/particle-counter.js';
import { ModbusSerialTransport, type ModbusLink } from '../drivers/modbus-serial-transport.js';
import { ModbusBus } from '../drivers/modbus-bus.js';
import { LazyGpioLine, openOnoffLine } from '../drivers/gpio-onoff.js';
import { SerializedI2cBus } from '../drivers/serialized-i2c-bus.js';
import { LazyI2cBus } from '../drivers/lazy-i2c-bus.js';
import { openLinuxI2cBus } from '../drivers/i2c-linux.js';
import { SimI2cBus } from '../simulators/i2c-bus-sim.js';
import { Adxl345Sim } from '../simulators/adxl345-sim.js';
import { Adxl355Sim } from '../simulators/adxl355-sim.js';
import { SimGpioLine } from '../simulators/gpio-sim.js';
import { CounterLineSimulator, type CounterImage } from '../simulators/counter-simulator.js';
import { StackLight } from './outputs/stack-light.js';
import { freePort } from '../simulators/free-port.js';
import { Tmp102Sim } from '../simulators/tmp102-sim.js';
import { VibrationModel } from '../simulators/vibration-model.js';
import { VERSION } from './version.js';
import { CommandService } from './commands/service.js';
import { RulModel } from './health/rul-model.js';
import { rankMaintenance } from './health/priority.js';
import { RobotRul } from './monitor/robot-rul.js';
import { mlRoutes } from './api/ml-routes.js';
import { resolve as resolvePath } from 'node:path';
import { robotCommands } from './commands/robot-commands.js';
import { CommandLedger } from './commands/ledger.js';
import { AuditLog } from './core/audit.js';
import { TelemetryHistory } from './store/history.js';
import { GatewayMetrics } from './metrics/metrics.js';

export interface GatewayDeps {
  clock: Clock;
  log: Logger;
}

export interface Gateway {
  readonly state: GatewayState;
  readonly supervisor: Supervisor;
  readonly api?: ApiServer;
  readonly uplink: MqttUplink;
  readonly sensors: Map<string, RobotSensors>;
  readonly commands: CommandService;
  readonly rulModel?: RulModel;
  /** Simulated devices (simulation mode): I2C buses, counters by id (their register images), Modbus lines, GPIO lines. */
  readonly simulators: { i2c: Map<number, SimI2cBus>; counters: Map<string, CounterImage>; lines: Map<string, CounterLineSimulator>; gpio: Map<string, SimGpioLine> };
  readonly history?: TelemetryHistory;
  readonly metrics: GatewayMetrics;
  start(): Promise<void>;
  stop(): Promise<void>;
  health(): HealthReport;
}

/** Bearing of a simulated robot whose config names none (a 6204-size deep-groove bearing). */
const DEFAULT_SIM_BEARING = { nBalls: 8, ballDiameterMm: 7.94, pitchDiameterMm: 33.5, contactAngleDeg: 0 };

/** A tiny component from two functions (simulator hosts, periodic publishers). */
function component(name: string, start: () => Promise<void> | void, stop: () => Promise<void> | void): Component {
  let running = false;
  return {
    name,
    async start() {
      if (running) return;
      running = true;
      await start();
    },
    async stop() {
      if (!running) return;
      running = false;
      await stop();
    },
  };
}

/**
 * Builds every component from the validated config and wires them: the only place that knows
 * them all. Start order: simulators, uplink, API, sensors, counters, publishers; stop is reverse.
 */
export async function createGateway(config: FabwatchConfig, deps: GatewayDeps): Promise<Gateway> {
  const { clock, log } = deps;
  // Node's Buffer pool hands out slices of shared 8 KiB slabs; a long-lived 4-byte slice keeps its
  // whole slab alive. mqtt-packet caches one such slice per distinct packet length (< 16 384,
  // its varByteIntCache), so over days of telemetry of varying length the pinned slabs grew ~1.8 MB
  // a simulated day in the 24 h soak (bench/soak.ts). 64-byte slabs bound that to ~1 MB in all;
  // larger Buffers get their own allocation: bench/uplink.ts measured 27.4 vs 28.8 us CPU per
  // acknowledged message with and without (noise), and the soak's array buffers stayed at 1.5 MB.
  Buffer.poolSize = 64;
  const sim = config.gateway.simulation;
  const state = new GatewayState({ gatewayId: config.gateway.id, site: config.gateway.site }, clock, config.api.telemetryBuffer, config.robots);
  const supervisor = new Supervisor(log);
  const startedAt = clock.now();

  const simGpio = new Map<string, SimGpioLine>();
  /** Simulator timers (the data-ready line models), started with the simulators component. */
  const simTimers: Array<{ start(): void; stop(): void }> = [];
  // --- I2C buses: simulated in-process buses, or /dev/i2c-N opened lazily through i2c-bus.
  const simBuses = new Map<number, SimI2cBus>();
  const buses = new Map<number, I2cBus>();
  const busFor = (n: number): I2cBus => {
    let bus = buses.get(n);
    if (!bus) {
      if (sim) {
        const simBus = new SimI2cBus(n);
        simBuses.set(n, simBus);
        bus = new SerializedI2cBus(simBus);
      } else {
        bus = new SerializedI2cBus(new LazyI2cBus(() => openLinuxI2cBus(n)));
      }
      buses.set(n, bus);
    }
    return bus;
  };

  // --- RUL model (optional: a missing or mismatched model disables RUL only).
  const rulModel = config.model.enabled ? new RulModel({ modelPath: resolvePath(config.model.path) }) : undefined;
  const robotRuls = new Map<string, RobotRul>();
  /** Re-rank every robot for maintenance after an estimate changes. */
  const rerank = () => {
    const ranked = rankMaintenance(
      [...state.robots.values()].map((r) => {
        // A provisional estimate (baseline not learnt yet) does not rank a robot.
        const rul = r.rul?.baseline_ready ? r.rul : null;
        return {
          robot_id: r.robot_id,
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
  };

  // --- Robots: accelerometer + temperature -> acquisition -> monitor -> state.
  const sensors = new Map<string, RobotSensors>();
  // Metrics read the components at scrape time (declared here: the sensors' callbacks use it).
  // eslint-disable-next-line prefer-const
  let api: ApiServer | undefined;
  const pollersForMetrics: CounterPoller[] = [];
  const metrics = new GatewayMetrics({
    sensors: () => [...sensors].map(([id, s]) => [id, s.stats] as [string, typeof s.stats]),
    faults: () => [...[...sensors.values()].flatMap((s) => s.faults), ...pollersForMetrics.flatMap((p) => (p.currentFault ? [p.currentFault] : []))],
    uplink: () => uplink.status(),
    wsClients: () => api?.hub.clientCount ?? 0,
  });
  const monitors = new Map<string, RobotMonitor>();
  for (const robot of config.robots) {
    const a = robot.accelerometer;
    const bus = busFor(a.bus);
    let interrupt: GpioLine | undefined;
    if (sim) {
      const simCfg = { ...a.simulator, shaftHz: a.simulator.shaftHz ?? robot.asset.shaftHz ?? 29.5, bearing: a.simulator.bearing ?? robot.asset.bearing ?? DEFAULT_SIM_BEARING };
      const model = new VibrationModel(simCfg);
      if (a.driver === 'adxl355') {
        const part = new Adxl355Sim(clock, model);
        simBuses.get(a.bus)!.attach(a.address, part);
        if (a.interruptGpio !== undefined) {
          const line = new SimGpioLine(`gpio${a.interruptGpio}`, 'in');
          simGpio.set(line.name, line);
          simTimers.push({ start: () => part.attachInterrupt(line, 5), stop: () => part.detachInterrupt() });
          interrupt = line;
        }
      } else {
        simBuses.get(a.bus)!.attach(a.address, new Adxl345Sim(clock, model));
      }
      if (robot.temperature) busFor(robot.temperature.bus);
      if (robot.temperature) simBuses.get(robot.temperature.bus)!.attach(robot.temperature.address, new Tmp102Sim(clock, robot.temperature.simulator.baseC, robot.temperature.simulator.swingC));
    } else if (a.interruptGpio !== undefined) {
      const bcm = a.interruptGpio;
      interrupt = new LazyGpioLine(() => openOnoffLine({ bcm, direction: 'in', edge: 'rising' }));
    }
    const accel: Accelerometer =
      a.driver === 'adxl355'
        ? new Adxl355({ bus, busNumber: a.bus, address: a.address, odrHz: a.odrHz, rangeG: a.rangeG, highPassCode: a.highPassCode, watermark: a.watermark, interrupt: interrupt !== undefined })
        : new Adxl345({ bus, busNumber: a.bus, address: a.address, odrHz: a.odrHz, rangeG: a.rangeG, watermark: a.watermark });
    const temp = robot.temperature ? new Tmp102(busFor(robot.temperature.bus), robot.temperature.bus, robot.temperature.address) : undefined;
    let monitor: RobotMonitor;
    const s = new RobotSensors({
      robotId: robot.id,
      accel,
      accelName: `${robot.id}/accelerometer`,
      odrHz: a.odrHz,
      pollIntervalMs: a.pollIntervalMs,
      interrupt,
      stuckSamples: a.stuckSamples,
      windowSize: robot.analysis.windowSize,
      temperature: temp,
      temperatureName: `${robot.id}/temperature`,
      clock,
      log: log.child({ robot: robot.id }),
      events: {
        onWindow: (w) => {
          const t0 = performance.now();
          monitor.onWindow(w);
          metrics.observeAnalysis(robot.id, (performance.now() - t0) / 1000);
        },
        onTemperature: (_id, c) => monitor.onTemperature(c),
        onFault: (id, fault, device) => {
          state.setRobotFaults(id, s.faults);
          state.raiseAlert({
            robotId: id,
            source: device,
            code: fault ? fault.code : 'DEVICE_RECOVERED',
            severity: fault ? 'warning' : 'info',
            message: fault ? `${device}: ${fault.message}` : `${device} recovered`,
            active: fault !== null,
          });
        },
      },
    });
    const robotRul = rulModel
      ? new RobotRul({ robotId: robot.id, windowSize: robot.analysis.windowSize, snapshotIntervalMs: config.model.snapshotIntervalS * 1000, confidenceLevel: config.model.confidenceLevel }, () => rulModel)
      : undefined;
    if (robotRul) robotRuls.set(robot.id, robotRul);
    monitor = new RobotMonitor(robot, state, () => s.stats, robotRul, {
      onRul: rerank,
      onError: (err) => log.warn({ robot: robot.id, err }, 'RUL estimate failed'),
      onSpectrum: (summary) => state.emit('spectrum', summary),
    });
    sensors.set(robot.id, s);
    monitors.set(robot.id, monitor);
  }

  // --- Particle counters. Counters on one serial line (or one TCP endpoint) share a ModbusBus:
  // requests serialised, each device with its own timeout, retries and circuit breaker, a failing
  // one confined to the gaps of the others' cadence. In simulation every line is a simulated
  // Modbus server on loopback TCP (the same drivers and transport code as on hardware).
  const counterLines = new Map<string, CounterLineSimulator>();
  const counterImages = new Map<string, CounterImage>();
  const modbusBuses = new Map<string, { bus: ModbusBus; transport: ModbusSerialTransport }>();
  const locationMonitors: LocationMonitor[] = [];
  /** ISO 14644 excursion / counter-fault / environment transitions become alerts on the cleanroom alerts topic. */
  const cleanroomAlerts = (counterId: string, transitions: AlarmTransition[]) => {
    for (const t of transitions) {
      const active = t.kind !== 'cleared';
      const severity = !active ? 'info' : t.alarm === 'excursion' && (t.to === 'action' || t.to === 'limit') ? 'critical' : 'warning';
      state.raiseAlert({
        source: `cleanroom:${counterId}`,
        code: `CLEANROOM_${t.alarm.toUpperCase()}_${t.kind.toUpperCase()}`,
        severity,
        message: `${t.location}: ${t.alarm.replace('_', ' ')} ${t.kind} (${t.from} -> ${t.to}): ${t.reason}`,
        active,
      });
    }
  };
  const pollers: CounterPoller[] = [];
  const lineKey = (c: ParticleCounterConfig) => (c.transport.kind === 'tcp' ? `tcp://${c.transport.host}:${c.transport.port}` : `rtu:${c.transport.path}`);
  const simPorts = new Map<string, number>();
  const counterBus = async (c: ParticleCounterConfig): Promise<{ bus: ModbusBus; transport: ModbusSerialTransport }> => {
    const key = lineKey(c);
    let entry = modbusBuses.get(key);
    if (!entry) {
      let link: ModbusLink;
      if (sim) {
        const line = new CounterLineSimulator(clock);
        counterLines.set(key, line);
        const port = (c.transport.kind === 'tcp' && c.transport.port) || (await freePort());
        simPorts.set(key, port);
        link = { kind: 'tcp', host: '127.0.0.1', port, timeoutMs: c.transport.timeoutMs };
      } else {
        link = c.transport.kind === 'tcp'
          ? { kind: 'tcp', host: c.transport.host, port: c.transport.port, timeoutMs: c.transport.timeoutMs }
          : { kind: 'rtu', path: c.transport.path!, baudRate: c.transport.baudRate, parity: c.transport.parity, stopBits: c.transport.stopBits, timeoutMs: c.transport.timeoutMs };
      }
      const transport = new ModbusSerialTransport(link);
      entry = { bus: new ModbusBus(transport, transport.where, clock), transport };
      modbusBuses.set(key, entry);
    }
    if (sim) {
      const image = counterLines.get(key)!.add({ map: c.map, unitId: c.unitId, channelSizesUm: c.channelSizesUm, wordOrder: c.wordOrder, ...c.simulator });
      counterImages.set(c.id, image);
    }
    return entry;
  };
  for (const c of config.cleanroom.counters) {
    const { bus, transport } = await counterBus(c);
    const device = bus.device(c.unitId, c.id, { timeoutMs: c.transport.timeoutMs, retries: c.faults.retries, backoffMs: c.faults.backoffMs, breakerThreshold: c.faults.breakerThreshold, breakerOpenMs: c.faults.breakerOpenMs });
    const common = { transport: device, unitId: c.unitId, channelSizesUm: c.channelSizesUm, where: transport.where, wordOrder: c.wordOrder, sampleTimeS: c.sampleTimeS, environment: c.environment };
    const driver: ParticleCounterDriver = c.map === 'metone6000' ? new MetOne6000Counter(common) : new LighthouseCounter(common);
    const sampleTimeS = c.sampleTimeS ?? (sim ? c.simulator.sampleTimeS : undefined);
    const staleAfterMs = c.faults.staleAfterS > 0 ? c.faults.staleAfterS * 1000 : sampleTimeS ? 3 * Math.max(sampleTimeS * 1000, c.pollIntervalS * 1000) : 0;
    const monitor = new LocationMonitor({ location: c.location, counterId: c.id, config: c.cleanroom, clock, channelSizesUm: c.channelSizesUm });
    locationMonitors.push(monitor);
    const poller: CounterPoller = new CounterPoller({
      counterId: c.id,
      driver,
      slot: device,
      staleAfterMs,
      pollIntervalMs: c.pollIntervalS * 1000,
      clock,
      log: log.child({ counter: c.id }),
      onReading: (r) => {
        const { status, transitions } = monitor.ingest(r);
        state.updateCleanroom(locationStatusJson(status, poller.currentFault));
        cleanroomAlerts(c.id, transitions);
      },
      onFault: (fault) =>
        state.raiseAlert({ source: `counter:${c.id}`, code: fault ? fault.code : 'DEVICE_RECOVERED', severity: fault ? 'warning' : 'info', message: fault ? `particle counter ${c.id} (${c.location}): ${fault.message}` : `particle counter ${c.id} recovered`, active: fault !== null }),
    });
    pollers.push(poller);
    pollersForMetrics.push(poller);
  }

  // --- Alarm output (stack light) driven by active alerts.
  let stackLight: StackLight | undefined;
  if (config.alarmOutput.enabled) {
    const o = config.alarmOutput;
    let line: GpioLine;
    if (sim) {
      const simLine = new SimGpioLine(`gpio${o.gpio}`, 'out');
      simGpio.set(simLine.name, simLine);
      line = simLine;
    } else {
      line = new LazyGpioLine(() => openOnoffLine({ bcm: o.gpio, direction: 'out', activeLow: o.activeLow }));
    }
    stackLight = new StackLight({ line, state, minSeverity: o.minSeverity, log: log.child({ component: 'alarm-output' }) });
  }

  // One audit log for commands from every transport and for the API's login failures.
  const audit = new AuditLog(log);
  const commandLedger = new CommandLedger({ stateDir: config.gateway.stateDir, clock, log: log.child({ component: 'commands' }), limits: { maxEntries: config.commands.rememberIds, retentionMs: config.commands.rememberHours * 3_600_000 } });
  const commands = new CommandService({
    clock,
    audit,
    ttlMs: config.commands.ttlS * 1000,
    clockSkewMs: config.commands.clockSkewS * 1000,
    store: commandLedger,
    robotIds: () => state.robots.keys(),
    definitions: robotCommands({
      state,
      startAcquisition: (id) => sensors.get(id)!.start(),
      stopAcquisition: (id) => sensors.get(id)!.stop(),
    }),
  });

  const uplink = new MqttUplink(config.mqtt, state, clock, log.child({ component: 'uplink' }), { stateDir: config.gateway.stateDir, commands });

  const health = (): HealthReport => {
    const components = supervisor.report();
    const robots = [...sensors.entries()].map(([id, s]) => ({
      robot_id: id,
      faults: s.faults,
      samples_acquired: s.stats.samplesAcquired,
      samples_lost: s.stats.samplesLost,
      measured_rate_hz: Math.round(s.stats.measuredRateHz * 10) / 10,
      last_sample_at: s.stats.lastSampleAt === null ? null : new Date(s.stats.lastSampleAt).toISOString(),
      acquisition: s.stats.mode,
    }));
    const counters = pollers.map((p) => ({ counter_id: p.name.slice('counter:'.length), fault: p.currentFault, breaker: p.breakerState ?? null, polls: p.stats.polls, failures: p.stats.failures }));
    const uplinkStatus = uplink.status();
    const degraded = components.some((c) => c.status === 'failed') || robots.some((r) => r.faults.length) || counters.some((c) => c.fault) || (uplinkStatus.enabled && !uplinkStatus.connected) || uplink.faulted !== null;
    return {
      status: degraded ? 'degraded' : 'ok',
      gateway_id: config.gateway.id,
      site: config.gateway.site,
      version: VERSION,
      simulation: sim,
      uptime_s: Math.round((clock.now() - startedAt) / 1000),
      components,
      sensors: robots,
      counters,
      ...(stackLight ? { alarm_output: { on: stackLight.on, error: stackLight.lastError } } : {}),
      uplink: uplinkStatus,
      history: history ? { available: history.available, records_written: history.written } : { available: false, reason: 'history.enabled is false' },
      model: rulModel?.loaded
        ? { available: true, name: rulModel.card.name, version: rulModel.version, confidence_level: config.model.confidenceLevel }
        : { available: false, reason: rulModel ? (components.find((c) => c.name === rulModel.name)?.error?.message ?? 'loading') : 'disabled in config (model.enabled: false)', code: components.find((c) => c.name === 'rul-model')?.error?.code ?? null },
    };
  };

  const history = config.history.enabled
    ? new TelemetryHistory(config.history, { stateDir: config.gateway.stateDir, state, clock, log: log.child({ component: 'history' }), latestRows: config.api.telemetryBuffer })
    : undefined;
  api = config.api.enabled ? new ApiServer(config.api, { state, log: log.child({ component: 'api' }), audit, health, commands, clock, history, metrics }) : undefined;
  api?.addRoutes(mlRoutes({ model: () => rulModel, trackers: robotRuls }));

  // --- Start order.
  if (sim) {
    supervisor.add(
      component('simulators', async () => {
        for (const [key, line] of counterLines) await line.serveTcp(simPorts.get(key));
        for (const t of simTimers) t.start();
      }, async () => {
        for (const line of counterLines.values()) await line.stop();
        for (const t of simTimers) t.stop();
      }),
      { critical: true },
    );
  }
  // Added before the devices so that it stops after them: closes the bus handles last.
  supervisor.add(
    component('buses', () => undefined, async () => {
      for (const { bus, transport } of modbusBuses.values()) {
        bus.stop();
        await transport.close().catch(() => undefined);
      }
      for (const b of buses.values()) await b.close().catch(() => undefined);
    }),
  );
  if (rulModel) supervisor.add(rulModel);
  supervisor.add(commandLedger);
  supervisor.add(uplink);
  if (history) supervisor.add(history);
  if (api) supervisor.add(api, { critical: true });
  for (const s of sensors.values()) supervisor.add(s);
  for (const p of pollers) supervisor.add(p);
  if (stackLight) supervisor.add(stackLight);
  // Commissioning aid (gateway.testAlertIntervalMs): periodic info alerts that travel the whole
  // alert path; the outage and crash tests use it to prove alerts are never lost.
  const testAlertMs = config.gateway.testAlertIntervalMs;
  if (testAlertMs > 0) {
    let alertTimer: TimerHandle | undefined;
    const robotId = config.robots[0]?.id ?? null;
    supervisor.add(component('test-alerts', () => {
      alertTimer = clock.setInterval(() => state.raiseAlert({ robotId, source: 'test-alert', code: 'TEST_ALERT', severity: 'info', message: `test alert (gateway.testAlertIntervalMs = ${testAlertMs})` }), testAlertMs);
    }, () => alertTimer?.cancel()));
  }
  let publishTimer: TimerHandle | undefined;
  supervisor.add(
    component('cleanroom:publisher', () => {
      if (pollers.length)
        publishTimer = clock.setInterval(() => {
          // The stale-data check runs even when a counter has gone silent.
          locationMonitors.forEach((m, i) => {
            const { status, transitions } = m.tick();
            if (status) state.updateCleanroom(locationStatusJson(status, pollers[i].currentFault));
            cleanroomAlerts(m.counterId, transitions);
          });
          state.publishCleanroom();
        }, config.cleanroom.publishIntervalS * 1000);
    }, () => publishTimer?.cancel()),
  );

  return {
    state,
    supervisor,
    api,
    uplink,
    sensors,
    commands,
    history,
    metrics,
    rulModel,
    simulators: { i2c: simBuses, counters: counterImages, lines: counterLines, gpio: simGpio },
    start: () => supervisor.start(),
    stop: () => supervisor.stop(),
    health,
  };
}
