import type { Logger } from 'pino';
import type { FabwatchConfig, RobotConfig } from '../config/types.js';
import type { Clock } from '../core/clock.js';
import type { GatewayState } from '../state/gateway-state.js';
import { RobotSensors, type RobotAcquisition, type RobotSensorsEvents } from '../acquisition/robot-sensors.js';
import { AcquisitionWorkerHost } from '../acquisition/worker-host.js';
import { RobotMonitor } from '../monitor/robot-monitor.js';
import type { GatewayMetrics } from '../metrics/metrics.js';
import type { Devices } from './devices.js';
import type { Prognosis } from './prognosis.js';

interface RobotDeps {
  clock: Clock;
  log: Logger;
  state: GatewayState;
  devices: Devices;
  prognosis: Prognosis;
  metrics: GatewayMetrics;
  /** 'worker' (acquisition.thread) or 'main' (also for a gateway on an injected ManualClock). */
  thread: 'worker' | 'main';
}

export interface Robots {
  sensors: Map<string, RobotAcquisition>;
  /** The acquisition worker, in worker mode: started before the robots' sensors, stopped after them. */
  worker?: AcquisitionWorkerHost;
}

/** The acquisition worker's entry: the .ts beside this file from source, dist/acquisition-worker.mjs from the bundle (where import.meta.url is dist/fabwatch.mjs). */
export function acquisitionWorkerEntry(): URL {
  return import.meta.url.endsWith('.ts') ? new URL('./acquisition-worker.ts', import.meta.url) : new URL('./acquisition-worker.mjs', import.meta.url);
}

/**
 * Per robot: accelerometer + temperature -> acquisition -> monitor (analysis, RUL feed, state,
 * alerts). Device faults become alerts on the robot's alert topic. Acquisition runs in the
 * acquisition worker (RemoteRobotSensors stand in for it here) or, with thread 'main', in a
 * RobotSensors on this event loop; the monitor side is the same either way.
 */
export function createRobots(config: FabwatchConfig, deps: RobotDeps): Robots {
  const sensors = new Map<string, RobotAcquisition>();
  const wired = config.robots.map((robot) => wireRobot(robot, deps, () => sensors.get(robot.id)!));
  if (deps.thread === 'worker' && config.robots.length > 0) {
    const worker = new AcquisitionWorkerHost({
      entry: acquisitionWorkerEntry(),
      robots: config.robots,
      simulation: config.gateway.simulation,
      simulationSpeed: config.gateway.simulationSpeed,
      logLevel: deps.log.level,
      nice: config.acquisition.workerNice,
      i2cSpeeds: Object.fromEntries((config.i2cBuses ?? []).map((b) => [b.bus, b.speedHz])),
      now: () => deps.clock.now(),
      log: deps.log.child({ component: 'acquisition-worker' }),
      events: wired,
    });
    config.robots.forEach((r, i) => sensors.set(r.id, worker.sensors[i]));
    return { sensors, worker };
  }
  config.robots.forEach((robot, i) => {
    const a = robot.accelerometer;
    const { accel, interrupt, temperature } = deps.devices.robot(robot);
    sensors.set(
      robot.id,
      new RobotSensors({
        robotId: robot.id,
        accel,
        accelName: `${robot.id}/accelerometer`,
        odrHz: a.odrHz,
        pollIntervalMs: a.pollIntervalMs,
        interrupt,
        stuckSamples: a.stuckSamples,
        windowSize: robot.analysis.windowSize,
        temperature,
        temperatureName: `${robot.id}/temperature`,
        clock: deps.clock,
        log: deps.log.child({ robot: robot.id }),
        events: wired[i],
      }),
    );
  });
  return { sensors };
}

/** The robot's monitor, and the events that feed it from its acquisition (wherever that runs). */
function wireRobot(robot: RobotConfig, deps: RobotDeps, acquisition: () => RobotAcquisition): RobotSensorsEvents {
  const { log, state, prognosis, metrics } = deps;
  const monitor = new RobotMonitor(robot, state, () => acquisition().stats, prognosis.feedFor(robot), {
    onAssessment: (a) => prognosis.assessed(a),
    onError: (err) => log.warn({ robot: robot.id, err }, 'RUL estimate failed'),
    onSpectrum: (summary) => state.emit('spectrum', summary),
  });
  return {
    onWindow: (w) => {
      const t0 = performance.now();
      monitor.onWindow(w);
      metrics.observeAnalysis(robot.id, (performance.now() - t0) / 1000);
    },
    onTemperature: (_id, c) => monitor.onTemperature(c),
    onFault: (id, fault, device) => {
      state.setRobotFaults(id, acquisition().faults);
      state.raiseAlert({
        robotId: id,
        source: device,
        condition: 'DEVICE_FAULT',
        code: fault ? fault.code : 'DEVICE_RECOVERED',
        severity: fault ? 'warning' : 'info',
        message: fault ? `${device}: ${fault.message}` : `${device} recovered`,
        active: fault !== null,
      });
    },
  };
}
