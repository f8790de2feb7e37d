import type { Clock, TimerHandle } from '../src/core/clock.js';
import { METONE6000 } from '../drivers/metone6000.js';
import { FT3_IN_M3, words, type WordOrder } from '../drivers/particle-counter.js';
import { CleanroomAir } from './cleanroom-air.js';
import { checkRange, type RegisterImage } from './modbus-slave.js';

export interface MetOneSimOptions {
  channelSizesUm: number[];
  isoClass: number;
  sampleTimeS: number;
  flowCfm: number;
  spikeProbability: number;
  /** Mean burst length in samples (a burst lasts 1-2x this). */
  burstSamples?: number;
  seed: number;
  unitId?: number;
  wordOrder?: WordOrder;
}

/** Holding registers where the simulated Met One exposes T (C x 10, int16), RH (% x 10), dP (Pa x 10, int16). */
export const METONE_SIM_ENV = { temperature: 320, humidity: 321, dp: 322 } as const;

/**
 * Register image of a Met One 6000 (holding registers 0-399). While running (104 = 1) a record
 * (300-318) is written every sample time: timestamp, period, sample volume (0.01 L), status bits,
 * up to 4 channels of counts. With 143 = 0 / 144 = 0 the counts are raw cumulative; differential
 * mode (144 = 1) reports per-channel bins. Scriptable: forced counts, status bits, stuck.
 */
export class MetOneRegisters implements RegisterImage {
  readonly holding = new Uint16Array(400);
  private readonly air: CleanroomAir;
  private timer?: TimerHandle;
  private readonly order: WordOrder;
  forcedCounts?: number[];
  statusBits = 0;
  stuck = false;
  records = 0;

  constructor(private readonly clock: Clock, private readonly opts: MetOneSimOptions) {
    if (opts.channelSizesUm.length > METONE6000.MAX_CHANNELS) throw new RangeError('Met One 6000 has 4 channels');
    this.air = new CleanroomAir(opts.isoClass, opts.spikeProbability, opts.seed, opts.burstSamples);
    this.order = opts.wordOrder ?? 'high_first';
    this.holding[METONE6000.HR_SLAVE_ADDRESS] = opts.unitId ?? 1;
    this.holding[METONE6000.HR_MODE] = 2;
    this.holding[METONE6000.HR_CONTROL] = METONE6000.CONTROL_STOP;
    this.holding[METONE6000.HR_CONC_UNIT] = 3; // shipped set to /m3: the driver must switch to raw counts
    this.holding[METONE6000.HR_COUNT_MODE] = 1;
    this.setU32(METONE6000.HR_SAMPLE_TIME, opts.sampleTimeS);
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  get sampleTimeS(): number {
    const [a, b] = [this.holding[METONE6000.HR_SAMPLE_TIME], this.holding[METONE6000.HR_SAMPLE_TIME + 1]];
    return this.order === 'high_first' ? a * 0x10000 + b : b * 0x10000 + a;
  }

  private setU32(at: number, v: number): void {
    [this.holding[at], this.holding[at + 1]] = words(v, this.order);
  }

  private control(v: number): void {
    if (v === METONE6000.CONTROL_RUN && !this.timer) this.timer = this.clock.setInterval(() => this.completeSample(), Math.max(1, this.sampleTimeS) * 1000);
    if (v === METONE6000.CONTROL_STOP) {
      this.timer?.cancel();
      this.timer = undefined;
    }
  }

  stop(): void {
    this.control(METONE6000.CONTROL_STOP);
  }

  completeSample(): void {
    this.records++;
    if (this.stuck) return;
    const sizes = this.opts.channelSizesUm;
    const period = this.sampleTimeS;
    const volumeM3 = this.opts.flowCfm * (period / 60) * FT3_IN_M3;
    let counts = this.forcedCounts ? [...this.forcedCounts] : this.air.sample(sizes, volumeM3);
    if (this.holding[METONE6000.HR_COUNT_MODE] === 1) counts = counts.map((c, i) => c - (counts[i + 1] ?? 0));
    const base = METONE6000.HR_RECORD;
    this.setU32(base + METONE6000.REC_TIMESTAMP, Math.floor(this.clock.now() / 1000));
    this.setU32(base + METONE6000.REC_PERIOD, period);
    this.setU32(base + METONE6000.REC_VOLUME, Math.round((volumeM3 * 1000) / METONE6000.VOLUME_L_PER_LSB));
    this.holding[base + METONE6000.REC_STATUS] = this.statusBits & 0xffff;
    for (let ch = 0; ch < METONE6000.MAX_CHANNELS; ch++) this.setU32(base + METONE6000.REC_COUNTS + 2 * ch, Math.min(counts[ch] ?? 0, 0xffffffff));
    const env = this.air.environment();
    this.holding[METONE_SIM_ENV.temperature] = Math.round(env.temperatureC * 10) & 0xffff;
    this.holding[METONE_SIM_ENV.humidity] = Math.round(env.humidityPct * 10) & 0xffff;
    this.holding[METONE_SIM_ENV.dp] = Math.round(env.dpPa * 10) & 0xffff;
  }

  readHolding(address: number, length: number): number[] {
    checkRange(address, length, this.holding.length);
    return Array.from(this.holding.subarray(address, address + length));
  }

  readInput(address: number, length: number): number[] {
    // The 6000 map uses holding registers only.
    checkRange(address, length, 0);
    return [];
  }

  writeHolding(address: number, value: number): void {
    checkRange(address, 1, this.holding.length);
    if (address >= METONE6000.HR_RECORD) return; // sample data is read-only
    this.holding[address] = value;
    if (address === METONE6000.HR_CONTROL) this.control(value);
  }
}
