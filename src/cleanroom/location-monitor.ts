/**
 * One cleanroom location: turns each particle-counter reading into a JSON-serialisable status
 * (concentrations, rolling average, best ISO 14644-1 class, margins to the configured class,
 * environment) and runs the excursion and counter-fault alarms. No I/O and no timers: the
 * cleanroom component calls `ingest()` per reading and `tick()` periodically (stale-data check).
 */
import type { Clock } from '../core/clock.js';
import {
  RollingMean, bestClass, classMargins, concentrationPerM3, isSizeApplicable, meetsClass, requiredSampleVolumeL, sampleVolumeM3,
  type SizeMargin,
} from '../analysis/iso14644.js';
import { CounterFaultAlarm, ExcursionAlarm, type AlarmTransition, type CounterFaultState, type ExcursionState } from './alarm.js';
import { checkCleanroomConfig, checkConsideredSizes, type CleanroomLocationConfig, type Range } from './config.js';
import { EnvironmentAlarm, rangeStatus, type EnvironmentQuantity, type RangeStatus } from './environment-alarm.js';
import { checkReading, type CounterReading } from './reading.js';

export type { CounterReading } from './reading.js';

export interface EnvironmentValue {
  value: number | null;
  min: number | null;
  max: number | null;
  status: 'ok' | 'low' | 'high' | 'no_limits' | 'not_measured';
}

export interface StatusMargin extends SizeMargin {
  /** In the location's considered sizes (and applicable to the configured class). */
  considered: boolean;
  /** This sample's concentration / limit (null when the sample is not usable). */
  sampleRatio: number | null;
}

export interface LocationStatus {
  location: string;
  counterId: string;
  /** Sample timestamp, ms since epoch (from the counter). */
  ts: number;
  /** Clock time the sample was ingested. */
  receivedAt: number;
  /** Whether this sample counts as a measurement of the air (no fault, readable). */
  dataValid: boolean;
  /** The counts overflowed: concentrations are lower bounds. */
  lowerBound: boolean;
  sizesUm: number[];
  counts: number[];
  sampleVolumeL: number | null;
  /** Vs for the configured class at the largest considered size (>= 2 L). */
  requiredSampleVolumeL: number | null;
  sampleVolumeOk: boolean | null;
  /** This sample, particles >= size per m3 (null when not usable). */
  concentrationPerM3: Array<number | null>;
  /** Mean of the last `averageSamples` valid samples (null before the first). */
  averagePerM3: Array<number | null>;
  averageSamples: number;
  /** Best class (0.1 steps) the rolling average meets; null = worse than 9 or no data. */
  isoClass: number | null;
  /** Best class this sample alone meets. */
  sampleIsoClass: number | null;
  configuredClass: number;
  /** Excursion levels as fractions of the class limit (for drawing alert/action lines). */
  alarmLevels: { alert: number; action: number; limit: number };
  meetsConfiguredClass: boolean | null;
  /** Per size, the rolling average against the configured class. */
  margins: StatusMargin[];
  alarm: { excursion: ExcursionState; counterFault: CounterFaultState; environment: Partial<Record<EnvironmentQuantity, RangeStatus>> };
  /** Status names the counter reported with this sample (all of them, faults or not). */
  faults: string[];
  invalidReason: string | null;
  environment: { temperatureC: EnvironmentValue; humidityPct: EnvironmentValue; dpPa: EnvironmentValue };
}

export interface IngestResult {
  status: LocationStatus;
  transitions: AlarmTransition[];
  /** The reading repeated the previous sample's timestamp and was not counted again. */
  duplicate: boolean;
}

export interface LocationMonitorOptions {
  location: string;
  counterId: string;
  config: CleanroomLocationConfig;
  clock: Clock;
  /** The counter's configured channel sizes; when given, consideredSizesUm is checked against them. */
  channelSizesUm?: readonly number[];
}

const nullIfNaN = (x: number): number | null => (Number.isFinite(x) ? x : null);
const sameSize = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(1, b);

function environmentValue(value: number | undefined, range: Range | undefined): EnvironmentValue {
  const min = range?.min ?? null;
  const max = range?.max ?? null;
  if (value === undefined || !Number.isFinite(value)) return { value: null, min, max, status: 'not_measured' };
  if (!range || (min === null && max === null)) return { value, min, max, status: 'no_limits' };
  return { value, min, max, status: rangeStatus(value, range) };
}

export class LocationMonitor {
  readonly location: string;
  readonly counterId: string;
  private readonly cfg: CleanroomLocationConfig;
  private readonly clock: Clock;
  private readonly excursion: ExcursionAlarm;
  private readonly counterFault: CounterFaultAlarm;
  private readonly environment: EnvironmentAlarm;
  private mean: RollingMean | null = null;
  private sizes: number[] = [];
  private sampleConc = new Float64Array(0);
  private avg = new Float64Array(0);
  private lastTs: number | null = null;
  private latest: LocationStatus | null = null;

  constructor(opts: LocationMonitorOptions) {
    checkCleanroomConfig(opts.config, `cleanroom[${opts.counterId}]`);
    if (opts.channelSizesUm) checkConsideredSizes(opts.config, opts.channelSizesUm, `cleanroom[${opts.counterId}]`);
    this.location = opts.location;
    this.counterId = opts.counterId;
    this.cfg = opts.config;
    this.clock = opts.clock;
    this.excursion = new ExcursionAlarm(opts.location, opts.config.excursion, opts.clock);
    this.counterFault = new CounterFaultAlarm(opts.location, opts.config.counterFault, opts.clock);
    const { minConsecutiveSamples: raiseSamples, clearConsecutiveSamples: clearSamples } = opts.config.excursion;
    this.environment = new EnvironmentAlarm(opts.location, opts.config.environment, { raiseSamples, clearSamples }, opts.clock);
  }

  /** The latest status (null before the first reading). */
  status(): LocationStatus | null {
    return this.latest ? { ...this.latest, alarm: this.alarms() } : null;
  }

  /** Periodic check for stale data; call every few seconds. */
  tick(): { status: LocationStatus | null; transitions: AlarmTransition[] } {
    const transitions = this.counterFault.check();
    return { status: this.status(), transitions };
  }

  ingest(reading: CounterReading): IngestResult {
    // Same record again (a driver without a NEW DATA flag): not new data. A timestamp that goes
    // backwards (counter clock reset) is new data; the excursion alarm restarts its duration timing.
    if (this.lastTs !== null && reading.ts === this.lastTs) {
      return { status: this.status()!, transitions: this.counterFault.check(), duplicate: true };
    }
    this.lastTs = reading.ts;
    const invalidReason = checkReading(reading);
    const transitions: AlarmTransition[] = [];
    const faultNames = this.counterFault.faultsOf(reading.faults);
    const valid = invalidReason === null && faultNames.length === 0;
    // Overflow alone: counts are a lower bound. With any other fault the counts mean nothing.
    const lowerBound = invalidReason === null && faultNames.length > 0 && faultNames.every((f) => f === 'overflow');
    let volumeM3: number | null = null;
    if (invalidReason === null) {
      this.ensureChannels(reading.sizesUm);
      volumeM3 = sampleVolumeM3(reading.flowCfm, reading.sampleTimeS);
      concentrationPerM3(reading.counts, reading.flowCfm, reading.sampleTimeS, this.sampleConc);
      if (valid) this.mean!.push(this.sampleConc);
      if (valid || lowerBound) {
        const basis = this.cfg.excursion.basis === 'average' && valid ? this.mean!.mean(this.avg) : this.sampleConc;
        const worst = this.worstRatio(basis);
        if (worst) transitions.push(...this.excursion.update({ ts: reading.ts, ratio: worst.ratio, sizeUm: worst.sizeUm, lowerBound }));
      }
    }
    transitions.push(...this.counterFault.onSample(reading.ts, reading.faults, invalidReason !== null));
    // Temperature, RH and dP come from their own probes: a particle-channel fault does not void them.
    transitions.push(...this.environment.update(reading.ts, { temperatureC: reading.temperatureC, humidityPct: reading.humidityPct, dpPa: reading.dpPa }));
    this.latest = this.build(reading, valid, lowerBound, volumeM3, invalidReason);
    return { status: this.status()!, transitions, duplicate: false };
  }

  private alarms(): LocationStatus['alarm'] {
    return { excursion: this.excursion.state, counterFault: this.counterFault.state, environment: this.environment.state };
  }

  private considered(sizeUm: number): boolean {
    const list = this.cfg.consideredSizesUm;
    return list.length === 0 || list.some((s) => sameSize(s, sizeUm));
  }

  private ensureChannels(sizesUm: readonly number[]): void {
    if (this.mean && sizesUm.length === this.sizes.length && sizesUm.every((s, i) => sameSize(s, this.sizes[i]))) return;
    // New or changed channel sizes: averages over different sizes cannot be mixed.
    this.sizes = [...sizesUm];
    this.mean = new RollingMean(sizesUm.length, this.cfg.averagingSamples);
    this.sampleConc = new Float64Array(sizesUm.length);
    this.avg = new Float64Array(sizesUm.length);
  }

  private worstRatio(conc: Float64Array): { ratio: number; sizeUm: number } | null {
    let worst: { ratio: number; sizeUm: number } | null = null;
    for (const m of classMargins(this.cfg.configuredClass, this.sizes, conc)) {
      if (!m.applicable || !this.considered(m.sizeUm)) continue;
      if (!worst || m.ratio > worst.ratio) worst = { ratio: m.ratio, sizeUm: m.sizeUm };
    }
    return worst;
  }

  private build(r: CounterReading, valid: boolean, lowerBound: boolean, volumeM3: number | null, invalidReason: string | null): LocationStatus {
    const cls = this.cfg.configuredClass;
    const usable = invalidReason === null && (valid || lowerBound);
    const n = this.mean?.count ?? 0;
    const avg = n > 0 ? this.mean!.mean(this.avg) : null;
    const consideredFn = (d: number): boolean => this.considered(d);
    const largest = this.sizes.filter((d) => consideredFn(d) && isSizeApplicable(cls, d)).at(-1);
    const required = largest !== undefined ? requiredSampleVolumeL(cls, largest) : null;
    const margins: StatusMargin[] = avg
      ? classMargins(cls, this.sizes, avg).map((m, i) => ({ ...m, considered: m.applicable && consideredFn(m.sizeUm), sampleRatio: usable ? this.sampleConc[i] / m.limitPerM3 : null }))
      : [];
    const isoClass = avg ? bestClass(this.sizes, avg, consideredFn) : null;
    const env = this.cfg.environment;
    return {
      location: this.location,
      counterId: this.counterId,
      ts: r.ts,
      receivedAt: this.clock.now(),
      dataValid: valid,
      lowerBound,
      sizesUm: invalidReason === null ? [...this.sizes] : [...r.sizesUm],
      counts: [...r.counts],
      sampleVolumeL: volumeM3 === null ? null : volumeM3 * 1000,
      requiredSampleVolumeL: required,
      sampleVolumeOk: volumeM3 === null || required === null ? null : volumeM3 * 1000 >= required,
      concentrationPerM3: usable ? Array.from(this.sampleConc, nullIfNaN) : r.sizesUm.map(() => null),
      averagePerM3: avg ? Array.from(avg, nullIfNaN) : this.sizes.map(() => null),
      averageSamples: n,
      isoClass,
      sampleIsoClass: valid ? bestClass(this.sizes, this.sampleConc, consideredFn) : null,
      configuredClass: cls,
      alarmLevels: { alert: this.cfg.excursion.alertFraction, action: this.cfg.excursion.actionFraction, limit: this.cfg.excursion.limitFraction },
      meetsConfiguredClass: avg ? meetsClass(cls, this.sizes, avg, consideredFn) : null,
      margins,
      alarm: this.alarms(),
      faults: [...r.faults],
      invalidReason,
      environment: {
        temperatureC: environmentValue(r.temperatureC, env.temperatureC),
        humidityPct: environmentValue(r.humidityPct, env.humidityPct),
        dpPa: environmentValue(r.dpPa, env.dpPa),
      },
    };
  }
}
