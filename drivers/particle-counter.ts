import type { ModbusTransport } from './transports.js';
import { DeviceError } from './errors.js';
import { ErrorCode, FabwatchError } from '../src/core/errors.js';

/** One completed sample from a particle counter. Counts are cumulative (>= size). */
export interface ParticleReading {
  ts: number;
  sizesUm: number[];
  counts: number[];
  sampleTimeS: number;
  flowCfm: number;
  /** Sampled volume, m3 (flow x sample time; 1 ft3 = 0.028316846592 m3). */
  volumeM3: number;
  concentrationPerM3: number[];
  /** Status bits the counter reported with the sample (laser, flow, overflow, service, ...). */
  faults: string[];
  temperatureC?: number;
  humidityPct?: number;
  dpPa?: number;
}

/** What the poller needs from any particle-counter map. */
export interface ParticleCounterDriver {
  readonly map: string;
  /** Put the counter in a known mode and start sampling (sets the sample time when configured). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The latest completed sample, or null when there is none since the last call. */
  poll(): Promise<ParticleReading | null>;
  /** Write the sample time (seconds). */
  setSampleTime(seconds: number): Promise<void>;
}

export const FT3_IN_M3 = 0.028316846592;

export type WordOrder = 'high_first' | 'low_first';

/** uint32 from two consecutive registers in the given word order (bytes are big-endian in each). */
export function uint32(first: number, second: number, order: WordOrder = 'high_first'): number {
  return order === 'high_first' ? first * 0x10000 + second : second * 0x10000 + first;
}

/** The two registers of a uint32 in the given word order. */
export function words(value: number, order: WordOrder = 'high_first'): [number, number] {
  const hi = Math.floor(value / 0x10000) & 0xffff;
  const lo = value & 0xffff;
  return order === 'high_first' ? [hi, lo] : [lo, hi];
}

/** Where an optional environment value lives: table, PDU address, type and scale (value = raw x scale + offset). */
export interface RegisterMapping {
  table: 'holding' | 'input';
  address: number;
  type: 'int16' | 'uint16';
  scale: number;
  offset?: number;
}

export interface EnvironmentMapping {
  temperatureC?: RegisterMapping;
  humidityPct?: RegisterMapping;
  dpPa?: RegisterMapping;
}

/** Read the mapped temperature / humidity / differential-pressure registers (only those configured). */
export async function readEnvironment(transport: ModbusTransport, unitId: number, env: EnvironmentMapping | undefined): Promise<Pick<ParticleReading, 'temperatureC' | 'humidityPct' | 'dpPa'>> {
  const out: Pick<ParticleReading, 'temperatureC' | 'humidityPct' | 'dpPa'> = {};
  if (!env) return out;
  for (const key of ['temperatureC', 'humidityPct', 'dpPa'] as const) {
    const m = env[key];
    if (!m) continue;
    const [raw] = m.table === 'holding' ? await transport.readHoldingRegisters(unitId, m.address, 1) : await transport.readInputRegisters(unitId, m.address, 1);
    const v = m.type === 'int16' && raw >= 0x8000 ? raw - 0x10000 : raw;
    out[key] = v * m.scale + (m.offset ?? 0);
  }
  return out;
}

/** Counts -> concentration per m3 from the sampled volume. */
export function concentrations(counts: number[], volumeM3: number): number[] {
  return counts.map((c) => (volumeM3 > 0 ? c / volumeM3 : NaN));
}

/** What every particle-counter driver is built from (the map-specific parts live in the driver). */
export interface CounterDriverOptions {
  transport: ModbusTransport;
  unitId: number;
  /** Channel sizes, um, smallest first (the maps do not carry them). */
  channelSizesUm: number[];
  /** Where the counter is, for messages (tcp://host:port or /dev/ttyUSB0@19200). */
  where: string;
  /** Word order of uint32 register pairs (both maps: high word first). */
  wordOrder?: WordOrder;
  /** Sample time written at start, seconds (unset: keep the counter's own). */
  sampleTimeS?: number;
  environment?: EnvironmentMapping;
}

/**
 * Run one Modbus request of a counter driver; a transport failure becomes MODBUS_IO naming the
 * part, line, unit and request (errors that already carry a code pass through unchanged).
 */
export async function counterIo<T>(part: string, opts: Pick<CounterDriverOptions, 'where' | 'unitId'>, what: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (err instanceof FabwatchError) throw err;
    throw new DeviceError(ErrorCode.MODBUS_IO, `${part} on ${opts.where} unit ${opts.unitId}: ${what} failed: ${(err as Error).message}`, { unitId: opts.unitId, where: opts.where, op: what }, err);
  }
}
