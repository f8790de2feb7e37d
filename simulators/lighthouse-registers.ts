import type { Clock, TimerHandle } from '../src/core/clock.js';
import { LIGHTHOUSE, FT3_IN_M3 } from '../drivers/lighthouse.js';
import { words, type WordOrder } from '../drivers/particle-counter.js';
import { CleanroomAir } from './cleanroom-air.js';
import { checkRange, type RegisterImage } from './modbus-slave.js';

export interface LighthouseSimOptions {
  channelSizesUm: number[];
  /** Air cleanliness the simulated room usually has (ISO class, may be fractional). */
  isoClass: number;
  sampleTimeS: number;
  flowCfm: number;
  spikeProbability: number;
  /** Mean burst length in samples (a burst lasts 1-2x this). */
  burstSamples?: number;
  seed: number;
  wordOrder?: WordOrder;
}

/**
 * Input registers where the simulated counter exposes its environment sensors (the real map
 * leaves these to optional probes; config maps them): 30061 temperature C x 100 (int16),
 * 30062 humidity %RH x 100, 30063 differential pressure Pa x 10 (int16).
 */
export const LIGHTHOUSE_SIM_ENV = { temperature: 60, humidity: 61, dp: 62 } as const;

/**
 * Register image of a Lighthouse remote counter (map v1.50): holding registers 40001-40040,
 * input registers 30001-30080. A new record is produced every sample time while running; the
 * NEW DATA status bit is set then and cleared when the record (30xxx) is read.
 * Scriptable: forced counts, data-status fault bits, `stuck` (the record stops updating while
 * NEW DATA keeps being raised: a hung counter firmware).
 */
export class LighthouseRegisters implements RegisterImage {
  readonly holding = new Uint16Array(40);
  readonly input = new Uint16Array(80);
  private readonly air: CleanroomAir;
  private timer?: TimerHandle;
  private readonly order: WordOrder;
  /** Scripted override of the next records' counts (tests). */
  forcedCounts?: number[];
  /** Scripted data-status fault bits (low byte of 30007-30008). */
  faultBits = 0;
  /** Scripted stuck values: records stop changing. */
  stuck = false;
  records = 0;

  constructor(private readonly clock: Clock, private readonly opts: LighthouseSimOptions) {
    this.air = new CleanroomAir(opts.isoClass, opts.spikeProbability, opts.seed, opts.burstSamples);
    this.order = opts.wordOrder ?? 'high_first';
    this.holding[LIGHTHOUSE.HR_MAP_VERSION] = 150;
    this.holding[LIGHTHOUSE.HR_FLOW] = Math.round(opts.flowCfm * 100);
    this.setU32(this.holding, LIGHTHOUSE.HR_SAMPLE_TIME, opts.sampleTimeS);
    this.input[LIGHTHOUSE.IR_VALID_CHANNELS] = opts.channelSizesUm.length;
  }

  get running(): boolean {
    return (this.holding[LIGHTHOUSE.HR_STATUS] & LIGHTHOUSE.STATUS_RUNNING) !== 0;
  }

  get sampleTimeS(): number {
    const [a, b] = [this.holding[LIGHTHOUSE.HR_SAMPLE_TIME], this.holding[LIGHTHOUSE.HR_SAMPLE_TIME + 1]];
    return this.order === 'high_first' ? a * 0x10000 + b : b * 0x10000 + a;
  }

  command(code: number): void {
    if (code === LIGHTHOUSE.CMD_START || code === 9) {
      if (this.running) return;
      this.holding[LIGHTHOUSE.HR_STATUS] |= LIGHTHOUSE.STATUS_RUNNING | LIGHTHOUSE.STATUS_SAMPLING;
      this.timer = this.clock.setInterval(() => this.completeSample(), Math.max(1, this.sampleTimeS) * 1000);
    } else if (code === LIGHTHOUSE.CMD_STOP || code === 10) {
      this.timer?.cancel();
      this.timer = undefined;
      this.holding[LIGHTHOUSE.HR_STATUS] &= ~(LIGHTHOUSE.STATUS_RUNNING | LIGHTHOUSE.STATUS_SAMPLING);
    }
  }

  stop(): void {
    this.command(LIGHTHOUSE.CMD_STOP);
  }

  /** Finish the current sample: write a record with cumulative counts per channel. */
  completeSample(): void {
    this.records++;
    if (this.stuck) {
      this.holding[LIGHTHOUSE.HR_STATUS] |= LIGHTHOUSE.STATUS_NEW_DATA;
      return;
    }
    const { channelSizesUm } = this.opts;
    const sampleTimeS = this.sampleTimeS;
    const flowCfm = this.holding[LIGHTHOUSE.HR_FLOW] / 100;
    const volumeM3 = flowCfm * (sampleTimeS / 60) * FT3_IN_M3;
    const counts = this.forcedCounts ? [...this.forcedCounts] : this.air.sample(channelSizesUm, volumeM3);
    for (let i = 1; i < counts.length; i++) counts[i] = Math.min(counts[i], counts[i - 1]);
    const ts = Math.floor(this.clock.now() / 1000);
    this.setU32(this.input, LIGHTHOUSE.IR_TIMESTAMP, ts);
    this.setU32(this.input, LIGHTHOUSE.IR_SAMPLE_TIME, sampleTimeS);
    this.setU32(this.input, LIGHTHOUSE.IR_LOCATION, 1);
    this.setU32(this.input, LIGHTHOUSE.IR_DATA_STATUS, this.faultBits & 0xff);
    counts.forEach((c, ch) => this.setU32(this.input, LIGHTHOUSE.IR_COUNTS + 2 * ch, Math.min(c, 0xffffffff)));
    const env = this.air.environment();
    this.input[LIGHTHOUSE_SIM_ENV.temperature] = Math.round(env.temperatureC * 100) & 0xffff;
    this.input[LIGHTHOUSE_SIM_ENV.humidity] = Math.round(env.humidityPct * 100) & 0xffff;
    this.input[LIGHTHOUSE_SIM_ENV.dp] = Math.round(env.dpPa * 10) & 0xffff;
    this.holding[LIGHTHOUSE.HR_STATUS] |= LIGHTHOUSE.STATUS_NEW_DATA;
  }

  private setU32(regs: Uint16Array, at: number, value: number): void {
    [regs[at], regs[at + 1]] = words(value, this.order);
  }

  readInput(address: number, length: number): number[] {
    checkRange(address, length, this.input.length);
    if (address < LIGHTHOUSE.IR_COUNTS + 16) this.holding[LIGHTHOUSE.HR_STATUS] &= ~LIGHTHOUSE.STATUS_NEW_DATA;
    return Array.from(this.input.subarray(address, address + length));
  }

  readHolding(address: number, length: number): number[] {
    checkRange(address, length, this.holding.length);
    return Array.from(this.holding.subarray(address, address + length));
  }

  writeHolding(address: number, value: number): void {
    checkRange(address, 1, this.holding.length);
    if (address === LIGHTHOUSE.HR_COMMAND) this.command(value);
    else if (address === LIGHTHOUSE.HR_FLOW || address === LIGHTHOUSE.HR_SAMPLE_TIME || address === LIGHTHOUSE.HR_SAMPLE_TIME + 1) this.holding[address] = value;
  }
}
