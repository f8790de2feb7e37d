import type { FabwatchConfig } from '../config/types.js';
import type { Clock } from '../core/clock.js';
import { i2cBusBudget } from '../config/bus-budget.js';
import { BusMeter } from '../status/bus-meter.js';
import type { I2cBusHealth } from '../status/health-report.js';
import type { I2cBusUsage } from './devices.js';

const pct = (f: number) => Math.round(f * 1000) / 10;

/**
 * /health's per-bus utilisation: the estimate from the configured sensors (src/config/bus-budget.ts)
 * next to the measured busy time of the bus (modelled by the simulated bus, timed by the bus wrapper
 * on hardware). `buses`: the buses the robots' devices opened (Devices.i2cBuses() after createRobots
 * on the main thread; with the acquisition worker, the buses the worker reports).
 */
export function createBusUsage(config: FabwatchConfig, buses: I2cBusUsage[], clock: Clock): () => I2cBusHealth[] {
  const estimates = new Map(i2cBusBudget(config).map((b) => [b.bus, b.utilisation]));
  const metered = buses.map((b) => ({ ...b, meter: new BusMeter(clock, b.busyMs) }));
  return () =>
    metered.map((b) => {
      const measured = b.meter.utilisation();
      return { bus: b.bus, speed_hz: b.speedHz, estimated_utilisation_pct: pct(estimates.get(b.bus) ?? 0), measured_utilisation_pct: measured === null ? null : pct(measured) };
    });
}
