/**
 * How much of each I2C bus the configured sensors need: a pure estimate from the config, checked
 * when the config is loaded (over 80 % an error, over 60 % a warning) and shown in /health next to
 * the measured figure. The transfers counted are the ones the drivers issue (drivers/adxl345.ts,
 * drivers/adxl355.ts, drivers/tmp102.ts, src/acquisition/robot-sensors.ts) at the bit times of
 * drivers/i2c-timing.ts; test/unit/bus-budget.test.ts checks the estimate against the time the
 * simulated bus actually spends for the same sensors.
 */
import type { FabwatchConfig, RobotConfig } from './types.js';
import type { ConfigIssue } from './load.js';
import { DEFAULT_I2C_SPEED_HZ, readBits } from '../../drivers/i2c-timing.js';

/** Utilisation above which the config is refused (fraction of the bus). */
export const BUS_ERROR_ABOVE = 0.8;
/** Utilisation above which a warning is logged. */
export const BUS_WARN_ABOVE = 0.6;
/** RobotSensors reads the temperature every 5 s (its default; not configurable). */
const TEMPERATURE_INTERVAL_MS = 5000;
/** ADXL355 FIFO burst: the SMBus block limit (32 bytes) rounded down to whole axis entries, 10 x 3 bytes. */
const ADXL355_ENTRIES_PER_READ = 10;

export interface DeviceLoad {
  /** e.g. "robot-001/accelerometer". */
  device: string;
  bitsPerSecond: number;
  /** How the figure was reached, for the error message and the docs. */
  detail: string;
}

export interface BusLoad {
  bus: number;
  speedHz: number;
  /** Bit times per second the configured sensors need. */
  bitsPerSecond: number;
  /** bitsPerSecond / speedHz (0..1, may exceed 1). */
  utilisation: number;
  devices: DeviceLoad[];
}

/** The configured SCL speed of bus `n` (i2cBuses), 400 kHz when the bus is not listed. */
export function i2cSpeedHz(config: Pick<FabwatchConfig, 'i2cBuses'>, bus: number): number {
  return config.i2cBuses?.find((b) => b.bus === bus)?.speedHz ?? DEFAULT_I2C_SPEED_HZ;
}

/**
 * One accelerometer's bus time. Drains per second: the poll timer (it keeps running as the fallback
 * when the interrupt line is wired) plus, with `interruptGpio`, one per watermark's worth of samples.
 * Each drain reads two status registers (ADXL345 INT_SOURCE + FIFO_STATUS, ADXL355 STATUS +
 * FIFO_ENTRIES); the samples are read as one 6-byte burst each (ADXL345, as the Linux driver does)
 * or in bursts of up to 10 axis entries of 3 bytes (ADXL355 FIFO_DATA).
 */
export function accelerometerLoad(robot: Pick<RobotConfig, 'id' | 'accelerometer'>): DeviceLoad {
  const a = robot.accelerometer;
  const odr = a.odrHz;
  const drains = 1000 / a.pollIntervalMs + (a.interruptGpio !== undefined ? odr / a.watermark : 0);
  const statusBits = drains * 2 * readBits(1);
  let sampleBits: number;
  let detail: string;
  if (a.driver === 'adxl355') {
    // Whole X/Y/Z sets per drain, read in bursts of at most 10 entries.
    const perDrain = Math.max(1, odr / drains);
    const reads = Math.min(drains, odr) * Math.ceil((perDrain * 3) / ADXL355_ENTRIES_PER_READ);
    sampleBits = odr * 3 * 3 * 9 + reads * readBits(0);
    detail = `${odr} Hz x 9 bytes in FIFO_DATA bursts of <= ${ADXL355_ENTRIES_PER_READ} entries (${Math.round(reads)} reads/s) + ${round1(drains)} drains/s x 2 status reads`;
  } else {
    sampleBits = odr * readBits(6);
    detail = `${odr} Hz x one 6-byte read (${readBits(6)} bit times) + ${round1(drains)} drains/s x 2 status reads`;
  }
  return { device: `${robot.id}/accelerometer`, bitsPerSecond: sampleBits + statusBits, detail };
}

/** Every configured I2C bus's estimated load, by bus number. */
export function i2cBusBudget(config: Pick<FabwatchConfig, 'robots' | 'i2cBuses'>): BusLoad[] {
  const buses = new Map<number, DeviceLoad[]>();
  const add = (bus: number, load: DeviceLoad) => {
    const list = buses.get(bus) ?? [];
    list.push(load);
    buses.set(bus, list);
  };
  for (const robot of config.robots) {
    add(robot.accelerometer.bus, accelerometerLoad(robot));
    const t = robot.temperature;
    if (t) add(t.bus, { device: `${robot.id}/temperature`, bitsPerSecond: (readBits(2) * 1000) / TEMPERATURE_INTERVAL_MS, detail: `one 2-byte read every ${TEMPERATURE_INTERVAL_MS / 1000} s` });
  }
  return [...buses.entries()]
    .sort(([a], [b]) => a - b)
    .map(([bus, devices]) => {
      const speedHz = i2cSpeedHz(config, bus);
      const bitsPerSecond = devices.reduce((s, d) => s + d.bitsPerSecond, 0);
      return { bus, speedHz, bitsPerSecond, utilisation: bitsPerSecond / speedHz, devices };
    });
}

const pct = (f: number) => `${(f * 100).toFixed(1)} %`;
const round1 = (v: number) => Math.round(v * 10) / 10;

/** The message for a bus over a threshold: the figures, per device, and what to change. */
export function describeBusLoad(load: BusLoad): string {
  const parts = load.devices.map((d) => `${d.device} ${Math.round(d.bitsPerSecond)} bit/s (${d.detail})`).join('; ');
  return `I2C bus ${load.bus} at ${load.speedHz / 1000} kHz would be ${pct(load.utilisation)} busy (${Math.round(load.bitsPerSecond)} of ${load.speedHz} bit times per second): ${parts}. Lower an ODR, move a sensor to another bus, or raise i2cBuses[].speedHz if the adapter and the parts allow it`;
}

/** Over 80 %: errors (the config is refused); over 60 %: warnings (logged at start, printed by --check-config). */
export function busBudgetIssues(config: Pick<FabwatchConfig, 'robots' | 'i2cBuses'>): { errors: ConfigIssue[]; warnings: ConfigIssue[] } {
  const errors: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  for (const load of i2cBusBudget(config)) {
    const index = config.i2cBuses?.findIndex((b) => b.bus === load.bus) ?? -1;
    const path = index >= 0 ? `/i2cBuses/${index}` : `/robots (I2C bus ${load.bus})`;
    if (load.utilisation > BUS_ERROR_ABOVE) errors.push({ path, message: `${describeBusLoad(load)} (the limit is ${BUS_ERROR_ABOVE * 100} %)` });
    else if (load.utilisation > BUS_WARN_ABOVE) warnings.push({ path, message: `${describeBusLoad(load)} (a warning above ${BUS_WARN_ABOVE * 100} %, an error above ${BUS_ERROR_ABOVE * 100} %)` });
  }
  return { errors, warnings };
}
