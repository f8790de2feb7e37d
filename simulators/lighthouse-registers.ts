import type { Clock, TimerHandle } from '../src/core/clock.js';
import { LIGHTHOUSE, FT3_IN_M3 } from '../drivers/lighthouse.js';
import { Random } from './random.js';

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
}

/**
 * Register image of a Lighthouse remote counter (map v1.50): holding registers 40001-40034,
 * input registers 30001-30076. A new record is produced every sample time while running; the
 * NEW DATA status bit is set then and cleared when the record (30xxx) is read.
 */
export class LighthouseRegisters {
  readonly holding = new Uint16Array(40);
  readonly input = new Uint16Array(80);
  private readonly rng: Random;
  private timer?: TimerHandle;
  /** Multiplier on the base concentration; drifts slowly. */
  private drift = 0.4;
  /** Remaining samples and strength of the current particle burst (e.g. a door opened, a tool vented). */
  private burstLeft = 0;
  private burstGain = 1;
  /** Scripted override of the next records' counts (tests). */
  forcedCounts?: number[];
  /** Scripted data-status fault bits (low byte of 30007-30008). */
  faultBits = 0;
  records = 0;

  constructor(private readonly clock: Clock, private readonly opts: LighthouseSimOptions) {
    this.rng = new Random(opts.seed);
    this.holding[LIGHTHOUSE.HR_MAP_VERSION] = 150;
    this.holding[LIGHTHOUSE.HR_FLOW] = Math.round(opts.flowCfm * 100);
    this.holding[LIGHTHOUSE.HR_SAMPLE_TIME] = opts.sampleTimeS >>> 16;
    this.holding[LIGHTHOUSE.HR_SAMPLE_TIME + 1] = opts.sampleTimeS & 0xffff;
    this.input[73] = opts.channelSizesUm.length;
  }

  get running(): boolean {
    return (this.holding[LIGHTHOUSE.HR_STATUS] & LIGHTHOUSE.STATUS_RUNNING) !== 0;
  }

  command(code: number): void {
    if (code === LIGHTHOUSE.CMD_START || code === 9) {
      if (this.running) return;
      this.holding[LIGHTHOUSE.HR_STATUS] |= LIGHTHOUSE.STATUS_RUNNING | LIGHTHOUSE.STATUS_SAMPLING;
      this.timer = this.clock.setInterval(() => this.completeSample(), this.opts.sampleTimeS * 1000);
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
    const { channelSizesUm, isoClass, sampleTimeS } = this.opts;
    const flowCfm = this.holding[LIGHTHOUSE.HR_FLOW] / 100;
    const volumeM3 = flowCfm * (sampleTimeS / 60) * FT3_IN_M3;
    this.drift = Math.min(0.9, Math.max(0.1, this.drift + 0.05 * this.rng.gauss()));
    if (this.burstLeft === 0 && this.rng.next() < this.opts.spikeProbability) {
      const mean = this.opts.burstSamples ?? 1;
      this.burstLeft = Math.max(1, Math.round(mean * (1 + this.rng.next())));
      this.burstGain = 4 + 8 * this.rng.next();
    }
    const spike = this.burstLeft > 0 ? this.burstGain : 1;
    if (this.burstLeft > 0) this.burstLeft--;
    const counts = this.forcedCounts ?? channelSizesUm.map((d) => this.rng.poisson(10 ** isoClass * (0.1 / d) ** 2.08 * this.drift * spike * volumeM3));
    // Cumulative counts can only fall with size.
    for (let i = 1; i < counts.length; i++) counts[i] = Math.min(counts[i], counts[i - 1]);
    const ts = Math.floor(this.clock.now() / 1000);
    this.setU32(this.input, LIGHTHOUSE.IR_TIMESTAMP, ts);
    this.setU32(this.input, LIGHTHOUSE.IR_SAMPLE_TIME, sampleTimeS);
    this.setU32(this.input, LIGHTHOUSE.IR_LOCATION, 1);
    this.setU32(this.input, LIGHTHOUSE.IR_DATA_STATUS, this.faultBits & 0xff);
    counts.forEach((c, ch) => this.setU32(this.input, LIGHTHOUSE.IR_COUNTS + 2 * ch, Math.min(c, 0xffffffff)));
    this.holding[LIGHTHOUSE.HR_STATUS] |= LIGHTHOUSE.STATUS_NEW_DATA;
    this.records++;
  }

  private setU32(regs: Uint16Array, at: number, value: number): void {
    regs[at] = Math.floor(value / 0x10000) & 0xffff;
    regs[at + 1] = value & 0xffff;
  }

  readInput(address: number, length: number): number[] {
    this.holding[LIGHTHOUSE.HR_STATUS] &= ~LIGHTHOUSE.STATUS_NEW_DATA;
    return Array.from(this.input.subarray(address, address + length));
  }

  readHolding(address: number, length: number): number[] {
    return Array.from(this.holding.subarray(address, address + length));
  }

  writeHolding(address: number, value: number): void {
    if (address === LIGHTHOUSE.HR_COMMAND) this.command(value);
    else if (address === LIGHTHOUSE.HR_FLOW) this.holding[address] = value;
  }
}
