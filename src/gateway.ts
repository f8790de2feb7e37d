import type { Logger } from 'pino';
import type { FabwatchConfig, ParticleCounterConfig } from './config/types.js';
import type { Clock, TimerHandle } from './core/clock.js';
import { Supervisor, type Component } from './core/component.js';
import { GatewayState } from './state/gateway-state.js';
import { RobotSensors } from './acquisition/robot-sensors.js';
import { RobotMonitor } from './monitor/robot-monitor.js';
import { CounterPoller } from './cleanroom/counter-poller.js';
import { MqttUplink } from './uplink/mqtt-uplink.js';
import { ApiServer, type HealthReport } from './api/server.js';
import type { I2cBus } from '../drivers/transports.js';
import { Adxl345 } from '../drivers/adxl345.js';
import { Tmp102 } from '../drivers/tmp102.js';
import { LighthouseCounter } from '../drivers/lighthouse.js';
import { ModbusSerialTransport, type ModbusLink } from '../drivers/modbus-serial-transport.js';
import { SerializedI2cBus } from '../drivers/serialized-i2c-bus.js';
import { LazyI2cBus } from '../drivers/lazy-i2c-bus.js';
import { openLinuxI2cBus } from '../drivers/i2c-linux.js';
import { SimI2cBus } from '../simulators/i2c-bus-sim.js';
import { Adxl345Sim } from '../simulators/adxl345-sim.js';
import { Tmp102Sim } from '../simulators/tmp102-sim.js';
import { VibrationModel } from '../simulators/vibration-model.js';
import { LighthouseTcpSimulator } from '../simulators/lighthouse-server.js';
import { freePort } from '../simulators/free-port.js';
import { VERSION } from './version.js';
import { CommandService } from './commands/service.js';
import { robotCommands } from './commands/robot-commands.js';
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
  readonly history?: TelemetryHistory;
  readonly metrics: GatewayMetrics;
  readonly simulators: { i2c: Map<number, SimI2cBus>; counters: Map<string, LighthouseTcpSimulator> };
  start(): Promise<void>;
  stop(): Promise<void>;
  health(): HealthReport;
}

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
  const sim = config.gateway.simulation;
  const state = new GatewayState({ gatewayId: config.gateway.id, site: config.gateway.site }, clock, config.api.telemetryBuffer, config.robots);
  const supervisor = new Supervisor(log);
  const startedAt = clock.now();

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
    if (sim) {
      simBuses.get(a.bus)!.attach(a.address, new Adxl345Sim(clock, new VibrationModel(a.simulator)));
      if (robot.temperature) busFor(robot.temperature.bus);
      if (robot.temperature) simBuses.get(robot.temperature.bus)!.attach(robot.temperature.address, new Tmp102Sim(clock, robot.temperature.simulator.baseC, robot.temperature.simulator.swingC));
    }
    const accel = new Adxl345({ bus, busNumber: a.bus, address: a.address, odrHz: a.odrHz, rangeG: a.rangeG });
    const temp = robot.temperature ? new Tmp102(busFor(robot.temperature.bus), robot.temperature.bus, robot.temperature.address) : undefined;
    let monitor: RobotMonitor;
    const s = new RobotSensors({
      robotId: robot.id,
      accel,
      accelName: `${robot.id}/accelerometer`,
      odrHz: a.odrHz,
      pollIntervalMs: a.pollIntervalMs,
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
    monitor = new RobotMonitor(robot, state, () => s.stats);
    sensors.set(robot.id, s);
    monitors.set(robot.id, monitor);
  }

  // --- Particle counters: in simulation each is served by a Modbus TCP simulator on loopback.
  const counterSims = new Map<string, LighthouseTcpSimulator>();
  const counterTransports: ModbusSerialTransport[] = [];
  const pollers: CounterPoller[] = [];
  const counterLink = async (c: ParticleCounterConfig): Promise<ModbusLink> => {
    if (sim) {
      const simulator = new LighthouseTcpSimulator(clock, { channelSizesUm: c.channelSizesUm, ...c.simulator });
      const port = c.transport.port || (await freePort());
      counterSims.set(c.id, simulator);
      simulator.port = port;
      return { kind: 'tcp', host: '127.0.0.1', port, timeoutMs: c.transport.timeoutMs };
    }
    return c.transport.kind === 'tcp'
      ? { kind: 'tcp', host: c.transport.host, port: c.transport.port, timeoutMs: c.transport.timeoutMs }
      : { kind: 'rtu', path: c.transport.path!, baudRate: c.transport.baudRate, timeoutMs: c.transport.timeoutMs };
  };
  for (const c of config.cleanroom.counters) {
    const transport = new ModbusSerialTransport(await counterLink(c));
    counterTransports.push(transport);
    const driver = new LighthouseCounter({ transport, unitId: c.unitId, channelSizesUm: c.channelSizesUm, where: transport.where });
    const poller: CounterPoller = new CounterPoller({
      counterId: c.id,
      driver,
      pollIntervalMs: c.pollIntervalS * 1000,
      clock,
      log: log.child({ counter: c.id }),
      onReading: (r) =>
        state.updateCleanroom({
          counter_id: c.id,
          location: c.location,
          ts: new Date(r.ts).toISOString(),
          sizes_um: r.sizesUm,
          counts: r.counts,
          concentration_per_m3: r.concentrationPerM3.map((v) => Math.round(v * 10) / 10),
          sample_time_s: r.sampleTimeS,
          flow_cfm: r.flowCfm,
          faults: r.faults,
          device_fault: poller.currentFault,
        }),
      onFault: (fault) =>
        state.raiseAlert({ source: `counter:${c.id}`, code: fault ? fault.code : 'DEVICE_RECOVERED', severity: fault ? 'warning' : 'info', message: fault ? `particle counter ${c.id} (${c.location}): ${fault.message}` : `particle counter ${c.id} recovered`, active: fault !== null }),
    });
    pollers.push(poller);
    pollersForMetrics.push(poller);
  }

  // One audit log for commands from every transport and for the API's login failures.
  const audit = log.child({ component: 'audit' });
  const commands = new CommandService({
    clock,
    audit,
    robotIds: () => state.robots.keys(),
    definitions: robotCommands({
      state,
      startAcquisition: (id) => sensors.get(id)!.start(),
      stopAcquisition: (id) => sensors.get(id)!.stop(),
    }),
  });

  const uplink = new MqttUplink(config.mqtt, state, clock, log.child({ component: 'uplink' }));

  const health = (): HealthReport => {
    const components = supervisor.report();
    const robots = [...sensors.entries()].map(([id, s]) => ({
      robot_id: id,
      faults: s.faults,
      samples_acquired: s.stats.samplesAcquired,
      samples_lost: s.stats.samplesLost,
      measured_rate_hz: Math.round(s.stats.measuredRateHz * 10) / 10,
      last_sample_at: s.stats.lastSampleAt === null ? null : new Date(s.stats.lastSampleAt).toISOString(),
    }));
    const counters = pollers.map((p) => ({ counter_id: p.name.slice('counter:'.length), fault: p.currentFault }));
    const uplinkStatus = uplink.status();
    const degraded = components.some((c) => c.status === 'failed') || robots.some((r) => r.faults.length) || counters.some((c) => c.fault) || (uplinkStatus.enabled && !uplinkStatus.connected);
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
      uplink: uplinkStatus,
      history: history ? { available: history.available, records_written: history.written } : { available: false, reason: 'history.enabled is false' },
      model: { available: false, reason: 'RUL model not loaded in this build' },
    };
  };

  const history = config.history.enabled
    ? new TelemetryHistory(config.history, { stateDir: config.gateway.stateDir, state, clock, log: log.child({ component: 'history' }), latestRows: config.api.telemetryBuffer })
    : undefined;
  api = config.api.enabled ? new ApiServer(config.api, { state, log: log.child({ component: 'api' }), audit, health, commands, clock, history, metrics }) : undefined;

  // --- Start order.
  if (sim) {
    supervisor.add(
      component('simulators', async () => {
        for (const s of counterSims.values()) await s.start(s.port);
      }, async () => {
        for (const s of counterSims.values()) await s.stop();
      }),
      { critical: true },
    );
  }
  // Added before the devices so that it stops after them: closes the bus handles last.
  supervisor.add(
    component('buses', () => undefined, async () => {
      for (const t of counterTransports) await t.close().catch(() => undefined);
      for (const b of buses.values()) await b.close().catch(() => undefined);
    }),
  );
  supervisor.add(uplink);
  if (history) supervisor.add(history);
  if (api) supervisor.add(api, { critical: true });
  for (const s of sensors.values()) supervisor.add(s);
  for (const p of pollers) supervisor.add(p);
  let publishTimer: TimerHandle | undefined;
  supervisor.add(
    component('cleanroom:publisher', () => {
      if (pollers.length) publishTimer = clock.setInterval(() => state.publishCleanroom(), config.cleanroom.publishIntervalS * 1000);
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
    simulators: { i2c: simBuses, counters: counterSims },
    start: () => supervisor.start(),
    stop: () => supervisor.stop(),
    health,
  };
}
