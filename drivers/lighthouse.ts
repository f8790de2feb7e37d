import type { ModbusTransport } from './transports.js';
import { FT3_IN_M3, concentrations, counterIo, readEnvironment, uint32, words, type CounterDriverOptions, type EnvironmentMapping, type ParticleCounterDriver, type ParticleReading, type WordOrder } from './particle-counter.js';

export { FT3_IN_M3, uint32, type ParticleReading } from './particle-counter.js';

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
  IR_VALID_CHANNELS: 73, // 30074
  CMD_SAVE: 4,
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

export type LighthouseOptions = CounterDriverOptions;

export class LighthouseCounter implements ParticleCounterDriver {
  readonly map = 'lighthouse';
  private lastTs = -1;
  private readonly order: WordOrder;

  constructor(private readonly opts: LighthouseOptions) {
    this.order = opts.wordOrder ?? 'high_first';
  }

  private io<T>(what: string, op: () => Promise<T>): Promise<T> {
    return counterIo('Lighthouse counter', this.opts, what, op);
  }

  async start(): Promise<void> {
    const { transport, unitId } = this.opts;
    await this.io('read map version', () => transport.readHoldingRegisters(unitId, LIGHTHOUSE.HR_MAP_VERSION, 1));
    if (this.opts.sampleTimeS !== undefined) await this.setSampleTime(this.opts.sampleTimeS);
    await this.io('start command', () => transport.writeRegister(unitId, LIGHTHOUSE.HR_COMMAND, LIGHTHOUSE.CMD_START));
  }

  async stop(): Promise<void> {
    await this.io('stop command', () => this.opts.transport.writeRegister(this.opts.unitId, LIGHTHOUSE.HR_COMMAND, LIGHTHOUSE.CMD_STOP));
  }

  async setSampleTime(seconds: number): Promise<void> {
    await this.io('set sample time', () => this.opts.transport.writeRegisters(this.opts.unitId, LIGHTHOUSE.HR_SAMPLE_TIME, words(seconds, this.order)));
  }

  /** The latest completed sample, or null when the counter has no new data since the last read. */
  async poll(): Promise<ParticleReading | null> {
    const { transport, unitId, channelSizesUm } = this.opts;
    const o = this.order;
    const hr = await this.io('read status', () => transport.readHoldingRegisters(unitId, 0, 23));
    if (!(hr[LIGHTHOUSE.HR_STATUS] & LIGHTHOUSE.STATUS_NEW_DATA)) return null;
    const flowCfm = hr[LIGHTHOUSE.HR_FLOW] / 100;
    const ir = await this.io('read record', () => transport.readInputRegisters(unitId, 0, LIGHTHOUSE.IR_COUNTS + 2 * channelSizesUm.length));
    const tsS = uint32(ir[LIGHTHOUSE.IR_TIMESTAMP], ir[LIGHTHOUSE.IR_TIMESTAMP + 1], o);
    const sampleTimeS = uint32(ir[LIGHTHOUSE.IR_SAMPLE_TIME], ir[LIGHTHOUSE.IR_SAMPLE_TIME + 1], o);
    const status = uint32(ir[LIGHTHOUSE.IR_DATA_STATUS], ir[LIGHTHOUSE.IR_DATA_STATUS + 1], o) & 0xff;
    const faults = LIGHTHOUSE_FAULT_BITS.filter(([bit]) => status & (1 << bit)).map(([, name]) => name);
    const counts = channelSizesUm.map((_, ch) => uint32(ir[LIGHTHOUSE.IR_COUNTS + 2 * ch], ir[LIGHTHOUSE.IR_COUNTS + 2 * ch + 1], o));
    // NEW DATA with the same record timestamp: the counter re-flagged an old record (stuck).
    if (tsS === this.lastTs) return null;
    this.lastTs = tsS;
    const volumeM3 = flowCfm * (sampleTimeS / 60) * FT3_IN_M3;
    const env = await this.io('read environment', () => readEnvironment(transport, unitId, this.opts.environment));
    return { ts: tsS * 1000, sizesUm: [...channelSizesUm], counts, sampleTimeS, flowCfm, volumeM3, concentrationPerM3: concentrations(counts, volumeM3), faults, ...env };
  }
}
