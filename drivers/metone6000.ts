import type { ModbusTransport } from './transports.js';
import { FT3_IN_M3, concentrations, counterIo, readEnvironment, uint32, words, type CounterDriverOptions, type EnvironmentMapping, type ParticleCounterDriver, type ParticleReading, type WordOrder } from './particle-counter.js';

/**
 * Met One 6000 series (Hach) remote counter map (../shared/docs/hardware.md; see docs/hardware.md
 * for which parts are unverified). Holding registers, PDU address = the register number as the
 * manual lists it. uint32 values are register pairs; the word order is configurable.
 */
export const METONE6000 = {
  HR_SLAVE_ADDRESS: 100,
  HR_MODE: 103, // 1 auto, 2 manual
  HR_CONTROL: 104, // 1 run, 2 stop
  HR_SAMPLE_TIME: 106, // 106-107 seconds
  HR_HOLD_TIME: 108, // 108-109 seconds
  HR_DELAY: 110, // 110-111 seconds
  HR_CONC_UNIT: 143, // 0 counts, 1 /ft3, 2 /L, 3 /m3
  HR_COUNT_MODE: 144, // 0 cumulative, 1 differential
  HR_RECORD: 300, // start of the sample-data block
  REC_TIMESTAMP: 0, // 300-301 Unix seconds of the record
  REC_PERIOD: 2, // 302-303 sample period, seconds
  REC_VOLUME: 7, // 307-308 sample volume, 0.01 L units
  REC_STATUS: 9, // 309 status bits
  REC_COUNTS: 11, // 311/313/315/317 size 1-4 counts (uint32)
  RECORD_LENGTH: 19, // 300-318
  MAX_CHANNELS: 4,
  MODE_AUTO: 1,
  CONTROL_RUN: 1,
  CONTROL_STOP: 2,
  VOLUME_L_PER_LSB: 0.01,
} as const;

/** Status-register bits (309) that mean the counter is faulty. */
export const METONE_FAULT_BITS: Array<[number, string]> = [
  [0, 'laser'],
  [1, 'flow'],
  [2, 'overflow'],
  [3, 'service'],
];

export type MetOne6000Options = CounterDriverOptions;

/**
 * Met One 6000: at start the counter is put in auto mode with raw cumulative counts (143 = 0,
 * 144 = 0) so concentrations are computed here from the reported sample volume, whatever the
 * front panel was set to. The map has no NEW DATA flag: a record is new when its timestamp changes.
 */
export class MetOne6000Counter implements ParticleCounterDriver {
  readonly map = 'metone6000';
  private lastTs = -1;
  private readonly order: WordOrder;

  constructor(private readonly opts: MetOne6000Options) {
    if (opts.channelSizesUm.length > METONE6000.MAX_CHANNELS) throw new RangeError(`the Met One 6000 map has ${METONE6000.MAX_CHANNELS} size channels, ${opts.channelSizesUm.length} configured`);
    this.order = opts.wordOrder ?? 'high_first';
  }

  private io<T>(what: string, op: () => Promise<T>): Promise<T> {
    return counterIo('Met One 6000', this.opts, what, op);
  }

  async start(): Promise<void> {
    const { transport: t, unitId } = this.opts;
    await this.io('read slave address', () => t.readHoldingRegisters(unitId, METONE6000.HR_SLAVE_ADDRESS, 1));
    await this.io('set auto mode', () => t.writeRegister(unitId, METONE6000.HR_MODE, METONE6000.MODE_AUTO));
    await this.io('set raw counts', () => t.writeRegister(unitId, METONE6000.HR_CONC_UNIT, 0));
    await this.io('set cumulative mode', () => t.writeRegister(unitId, METONE6000.HR_COUNT_MODE, 0));
    if (this.opts.sampleTimeS !== undefined) await this.setSampleTime(this.opts.sampleTimeS);
    await this.io('run', () => t.writeRegister(unitId, METONE6000.HR_CONTROL, METONE6000.CONTROL_RUN));
  }

  async stop(): Promise<void> {
    await this.io('stop', () => this.opts.transport.writeRegister(this.opts.unitId, METONE6000.HR_CONTROL, METONE6000.CONTROL_STOP));
  }

  async setSampleTime(seconds: number): Promise<void> {
    await this.io('set sample time', () => this.opts.transport.writeRegisters(this.opts.unitId, METONE6000.HR_SAMPLE_TIME, words(seconds, this.order)));
  }

  async poll(): Promise<ParticleReading | null> {
    const { transport, unitId, channelSizesUm } = this.opts;
    const o = this.order;
    const r = await this.io('read record', () => transport.readHoldingRegisters(unitId, METONE6000.HR_RECORD, METONE6000.RECORD_LENGTH));
    const tsS = uint32(r[METONE6000.REC_TIMESTAMP], r[METONE6000.REC_TIMESTAMP + 1], o);
    if (tsS === 0 || tsS === this.lastTs) return null;
    this.lastTs = tsS;
    const sampleTimeS = uint32(r[METONE6000.REC_PERIOD], r[METONE6000.REC_PERIOD + 1], o);
    const volumeL = uint32(r[METONE6000.REC_VOLUME], r[METONE6000.REC_VOLUME + 1], o) * METONE6000.VOLUME_L_PER_LSB;
    const volumeM3 = volumeL / 1000;
    const status = r[METONE6000.REC_STATUS];
    const faults = METONE_FAULT_BITS.filter(([bit]) => status & (1 << bit)).map(([, name]) => name);
    const counts = channelSizesUm.map((_, ch) => uint32(r[METONE6000.REC_COUNTS + 2 * ch], r[METONE6000.REC_COUNTS + 2 * ch + 1], o));
    const flowCfm = sampleTimeS > 0 ? volumeM3 / FT3_IN_M3 / (sampleTimeS / 60) : 0;
    const env = await this.io('read environment', () => readEnvironment(transport, unitId, this.opts.environment));
    return { ts: tsS * 1000, sizesUm: [...channelSizesUm], counts, sampleTimeS, flowCfm, volumeM3, concentrationPerM3: concentrations(counts, volumeM3), faults, ...env };
  }
}
