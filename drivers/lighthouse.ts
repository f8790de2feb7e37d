import type { ModbusTransport } from './transports.js';
import { DeviceError } from './errors.js';
import { ErrorCode } from '../src/core/errors.js';

/**
 * Lighthouse remote particle counter register map v1.44-1.50 (../shared/docs/hardware.md).
 * PDU address = register - 40001 (holding) or - 30001 (input).
 */
export const LIGHTHOUSE = {
  HR_MAP_VERSION: 0, // 40001
  HR_COMMAND: 1, // 40002
  HR_STATUS: 2, // 40003
  HR_FLOW: 22, // 40023, CFM x 100
  HR_SAMPLE_TIME: 32, // 40033-40034, seconds, high word first
  IR_TIMESTAMP: 0, // 30001-30002
  IR_SAMPLE_TIME: 2, // 30003-30004
  IR_LOCATION: 4, // 30005-30006
  IR_DATA_STATUS: 6, // 30007-30008
  IR_COUNTS: 8, // 30009-30024, 8 channels x uint32, high word first
  CMD_START: 11,
  CMD_STOP: 12,
  STATUS_RUNNING: 1 << 0,
  STATUS_SAMPLING: 1 << 1,
  STATUS_NEW_DATA: 1 << 2,
  STATUS_ERROR: 1 << 3,
} as const;

/** Data-status bits (low byte of 30007-30008) that mean the counter itself is faulty. */
export const LIGHTHOUSE_FAULT_BITS: Array<[number, string]> = [
  [0, 'laser'],
  [1, 'flow'],
  [2, 'overflow'],
  [3, 'service'],
  [6, 'sampler'],
];

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
  faults: string[];
}

export const FT3_IN_M3 = 0.028316846592;

export function uint32(hi: number, lo: number): number {
  return hi * 0x10000 + lo;
}

export interface LighthouseOptions {
  transport: ModbusTransport;
  unitId: number;
  channelSizesUm: number[];
  where: string;
}

export class LighthouseCounter {
  constructor(private readonly opts: LighthouseOptions) {}

  private async io<T>(what: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      if (err instanceof DeviceError) throw err;
      throw new DeviceError(ErrorCode.MODBUS_IO, `Lighthouse counter on ${this.opts.where} unit ${this.opts.unitId}: ${what} failed: ${(err as Error).message}`, { unitId: this.opts.unitId, where: this.opts.where, op: what }, err);
    }
  }

  async start(): Promise<void> {
    const { transport, unitId } = this.opts;
    await this.io('read map version', () => transport.readHoldingRegisters(unitId, LIGHTHOUSE.HR_MAP_VERSION, 1));
    await this.io('start command', () => transport.writeRegister(unitId, LIGHTHOUSE.HR_COMMAND, LIGHTHOUSE.CMD_START));
  }

  async stop(): Promise<void> {
    await this.io('stop command', () => this.opts.transport.writeRegister(this.opts.unitId, LIGHTHOUSE.HR_COMMAND, LIGHTHOUSE.CMD_STOP));
  }

  /** The latest completed sample, or null when the counter has no new data since the last read. */
  async poll(): Promise<ParticleReading | null> {
    const { transport, unitId, channelSizesUm } = this.opts;
    const hr = await this.io('read status', () => transport.readHoldingRegisters(unitId, 0, 23));
    if (!(hr[LIGHTHOUSE.HR_STATUS] & LIGHTHOUSE.STATUS_NEW_DATA)) return null;
    const flowCfm = hr[LIGHTHOUSE.HR_FLOW] / 100;
    const ir = await this.io('read record', () => transport.readInputRegisters(unitId, 0, LIGHTHOUSE.IR_COUNTS + 2 * channelSizesUm.length));
    const sampleTimeS = uint32(ir[LIGHTHOUSE.IR_SAMPLE_TIME], ir[LIGHTHOUSE.IR_SAMPLE_TIME + 1]);
    const statusLow = ir[LIGHTHOUSE.IR_DATA_STATUS + 1] & 0xff;
    const faults = LIGHTHOUSE_FAULT_BITS.filter(([bit]) => statusLow & (1 << bit)).map(([, name]) => name);
    const counts = channelSizesUm.map((_, ch) => uint32(ir[LIGHTHOUSE.IR_COUNTS + 2 * ch], ir[LIGHTHOUSE.IR_COUNTS + 2 * ch + 1]));
    const volumeM3 = flowCfm * (sampleTimeS / 60) * FT3_IN_M3;
    return {
      ts: uint32(ir[LIGHTHOUSE.IR_TIMESTAMP], ir[LIGHTHOUSE.IR_TIMESTAMP + 1]) * 1000,
      sizesUm: [...channelSizesUm],
      counts,
      sampleTimeS,
      flowCfm,
      volumeM3,
      concentrationPerM3: counts.map((c) => (volumeM3 > 0 ? c / volumeM3 : NaN)),
      faults,
    };
  }
}
