import type { Logger } from 'pino';
import type { FabwatchConfig } from '../config/types.js';
import type { Clock } from '../core/clock.js';
import type { GatewayState } from '../state/gateway-state.js';
import { RobotSensors } from '../acquisition/robot-sensors.js';
import { RobotMonitor } from '../monitor/robot-monitor.js';
import type { GatewayMetrics } from '../metrics/metrics.js';
import type { Devices } from './devices.js';
import type { Prognosis } from './prognosis.js';

/**
 * Per robot: accelerometer + temperature -> acquisition (RobotSensors) -> monitor (analysis, RUL
 * feed, state, alerts). Device faults become alerts on the robot's alert topic.
 */
export function createRobots(config: FabwatchConfig, deps: { clock: Clock; log: Logger; state: GatewayState; devices: Devices; prognosis: Prognosis; metrics: GatewayMetrics }): Map<string, RobotSensors> {
  const { clock, log, state, devices, prognosis, metrics } = deps;
  const sensors = new Map<string, RobotSensors>();
  for (const robot of config.robots) {
    const a = robot.accelerometer;
    const { accel, interrupt, temperature } = devices.robot(robot);
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
      temperature,
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
            condition: 'DEVICE_FAULT',
            code: fault ? fault.code : 'DEVICE_RECOVERED',
            severity: fault ? 'warning' : 'info',
            message: fault ? `${device}: ${fault.message}` : `${device} recovered`,
            active: fault !== null,
          });
        },
      },
    });
    monitor = new RobotMonitor(robot, state, () => s.stats, prognosis.feedFor(robot), {
      onAssessment: (a) => prognosis.assessed(a),
      onError: (err) => log.warn({ robot: robot.id, err }, 'RUL estimate failed'),
      onSpectrum: (summary) => state.emit('spectrum', summary),
    });
    sensors.set(robot.id, s);
  }
  return sensors;
}
