/**
 * Alarm state machines for one cleanroom location (policy and defaults: docs/cleanroom.md).
 *  - ExcursionAlarm: particle concentration against the class limit, levels alert < action <
 *    limit, raised only after a minimum duration and number of consecutive samples, lowered or
 *    cleared only below a hysteresis band.
 *  - CounterFaultAlarm: the counter cannot be trusted (laser/flow/overflow/service/... bits, an
 *    unusable reading, or no new data for a while). A faulty counter is NOT clean air: faulty
 *    samples never lower or clear an excursion.
 * Exceedance durations use the samples' own timestamps (a burst of buffered records read after an
 * outage still spans the minutes it was sampled over); staleness and `at` use the injected Clock.
 */
import type { Clock } from '../core/clock.js';
import type { CounterFaultPolicy, ExcursionPolicy } from './config.js';

export const EXCURSION_LEVELS = ['none', 'alert', 'action', 'limit'] as const;
export type ExcursionLevel = (typeof EXCURSION_LEVELS)[number];

export interface AlarmTransition {
  alarm: 'excursion' | 'counter_fault' | 'environment';
  kind: 'raised' | 'escalated' | 'deescalated' | 'cleared' | 'changed';
  location: string;
  /** Previous and new level: excursion 'none' | 'alert' | 'action' | 'limit'; counter fault 'ok' | 'fault'; environment 'ok' | 'low' | 'high'. */
  from: string;
  to: string;
  /** Clock time of the transition, ms since epoch. */
  at: number;
  /** Timestamp of the sample that caused it (null for a stale-data check). */
  sampleTs: number | null;
  reason: string;
  /** Excursions: measured / class limit at the worst size, and that size. */
  ratio?: number;
  sizeUm?: number | null;
  /** Counter faults: the active reasons after the transition. */
  faults?: string[];
  /** Environment: which quantity and its value. */
  quantity?: 'temperatureC' | 'humidityPct' | 'dpPa';
  value?: number;
}

export interface ExcursionSample {
  ts: number;
  /** Worst measured / class-limit ratio over the considered sizes. */
  ratio: number;
  sizeUm: number | null;
  /** The counts are a lower bound (overflow): may raise or hold a level, never lower one. */
  lowerBound?: boolean;
}

export interface ExcursionState {
  level: ExcursionLevel;
  /** Sample timestamp at which the current level was entered (null when none). */
  since: number | null;
  /** Highest ratio seen since the alarm was raised (null when none). */
  peakRatio: number | null;
  lastRatio: number | null;
  lastSizeUm: number | null;
}

const fmt = (x: number): string => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3));

export class ExcursionAlarm {
  private level = 0;
  private since: number | null = null;
  private peak: number | null = null;
  private last: ExcursionSample | null = null;
  private readonly runCount = [0, 0, 0, 0];
  private readonly runStart = [0, 0, 0, 0];
  private clearCount = 0;
  private clearMaxHold = 0;
  private readonly thresholds: number[];

  constructor(readonly location: string, private readonly policy: ExcursionPolicy, private readonly clock: Clock) {
    this.thresholds = [0, policy.alertFraction, policy.actionFraction, policy.limitFraction];
  }

  /** Feed one valid (or lower-bound) sample; returns the transitions it caused (0 or 1). */
  update(s: ExcursionSample): AlarmTransition[] {
    if (!Number.isFinite(s.ratio)) return [];
    if (this.last && s.ts < this.last.ts) {
      // The counter's clock went backwards: keep the sample counts, restart the duration timing.
      for (let i = 1; i < 4; i++) if (this.runCount[i] > 0) this.runStart[i] = s.ts;
    }
    this.last = s;
    const p = this.policy;
    for (let i = 1; i < 4; i++) {
      if (s.ratio > this.thresholds[i]) {
        if (this.runCount[i] === 0) this.runStart[i] = s.ts;
        this.runCount[i]++;
      } else if (!s.lowerBound) {
        this.runCount[i] = 0;
      }
    }
    let confirmed = 0;
    for (let i = 3; i >= 1; i--) {
      if (this.runCount[i] >= p.minConsecutiveSamples && s.ts - this.runStart[i] >= p.minDurationS * 1000) {
        confirmed = i;
        break;
      }
    }
    if (this.level > 0) this.peak = Math.max(this.peak ?? s.ratio, s.ratio);

    if (confirmed > this.level) {
      const from = this.level;
      this.enter(confirmed, s.ts, s.ratio);
      const held = `${this.runCount[confirmed]} samples over ${fmt((s.ts - this.runStart[confirmed]) / 1000)} s`;
      return [this.transition(from === 0 ? 'raised' : 'escalated', from, s, `${s.sizeUm ?? '?'} um at ${fmt(s.ratio)} x class limit, above ${EXCURSION_LEVELS[confirmed]} level ${this.thresholds[confirmed]} for ${held}`)];
    }
    if (this.level === 0) return [];

    let hold = 0;
    for (let i = 3; i >= 1; i--) {
      if (s.ratio > this.thresholds[i] * (1 - p.hysteresisFraction)) {
        hold = i;
        break;
      }
    }
    if (hold >= this.level) {
      this.clearCount = 0;
      this.clearMaxHold = 0;
      return [];
    }
    if (s.lowerBound) return []; // the true value may be higher: no evidence for lowering
    this.clearCount++;
    this.clearMaxHold = Math.max(this.clearMaxHold, hold);
    if (this.clearCount < p.clearConsecutiveSamples) return [];
    const from = this.level;
    const to = this.clearMaxHold;
    const band = this.thresholds[from] * (1 - p.hysteresisFraction);
    this.enter(to, s.ts, s.ratio);
    return [this.transition(to === 0 ? 'cleared' : 'deescalated', from, s, `at or below ${fmt(band)} x class limit (${EXCURSION_LEVELS[from]} level ${this.thresholds[from]} less ${p.hysteresisFraction * 100}% hysteresis) for ${p.clearConsecutiveSamples} samples; now ${fmt(s.ratio)}`)];
  }

  get state(): ExcursionState {
    return {
      level: EXCURSION_LEVELS[this.level],
      since: this.since,
      peakRatio: this.peak,
      lastRatio: this.last ? this.last.ratio : null,
      lastSizeUm: this.last ? this.last.sizeUm : null,
    };
  }

  private enter(level: number, ts: number, ratio: number): void {
    this.level = level;
    this.since = level > 0 ? ts : null;
    this.peak = level > 0 ? Math.max(this.peak ?? ratio, ratio) : null;
    this.clearCount = 0;
    this.clearMaxHold = 0;
  }

  private transition(kind: AlarmTransition['kind'], from: number, s: ExcursionSample, reason: string): AlarmTransition {
    return { alarm: 'excursion', kind, location: this.location, from: EXCURSION_LEVELS[from], to: EXCURSION_LEVELS[this.level], at: this.clock.now(), sampleTs: s.ts, reason, ratio: s.ratio, sizeUm: s.sizeUm };
  }
}

export interface CounterFaultState {
  active: boolean;
  /** Active reasons: fault bit names, 'stale', 'invalid_reading'. */
  reasons: string[];
  /** Clock time the alarm was raised (null when not active). */
  since: number | null;
  /** Clock time the last new sample arrived (or the alarm was created). */
  lastDataAt: number;
  stale: boolean;
}

export class CounterFaultAlarm {
  private reasons: string[] = [];
  private since: number | null = null;
  private lastDataAt: number;
  private stale = false;
  private sampleReasons: string[] = [];
  private readonly bits: Set<string>;

  constructor(readonly location: string, private readonly policy: CounterFaultPolicy, private readonly clock: Clock) {
    this.lastDataAt = clock.now();
    this.bits = new Set(policy.faultBits);
  }

  /** Which of a sample's status names are faults under this policy. */
  faultsOf(statusNames: readonly string[]): string[] {
    return statusNames.filter((f) => this.bits.has(f));
  }

  /**
   * A new sample arrived. `faults` are its status names (non-fault names are ignored); `invalid`
   * adds 'invalid_reading' (e.g. zero flow, mismatched channel counts).
   */
  onSample(ts: number, faults: readonly string[], invalid = false): AlarmTransition[] {
    this.lastDataAt = this.clock.now();
    this.stale = false;
    this.sampleReasons = [...this.faultsOf(faults), ...(invalid ? ['invalid_reading'] : [])];
    return this.apply(ts, invalid ? 'reading unusable' : '');
  }

  /** Periodic check (no sample): raises 'stale' once no new data has arrived for staleAfterS. */
  check(): AlarmTransition[] {
    const silentMs = this.clock.now() - this.lastDataAt;
    const stale = silentMs >= this.policy.staleAfterS * 1000;
    if (stale === this.stale) return [];
    this.stale = stale;
    return this.apply(null, `no new data for ${fmt(silentMs / 1000)} s (limit ${this.policy.staleAfterS} s)`);
  }

  get state(): CounterFaultState {
    return { active: this.reasons.length > 0, reasons: [...this.reasons], since: this.since, lastDataAt: this.lastDataAt, stale: this.stale };
  }

  private apply(sampleTs: number | null, detail: string): AlarmTransition[] {
    const next = [...this.sampleReasons, ...(this.stale ? ['stale'] : [])];
    const prev = this.reasons;
    if (next.length === prev.length && next.every((r, i) => r === prev[i])) return [];
    this.reasons = next;
    const at = this.clock.now();
    let kind: AlarmTransition['kind'];
    if (prev.length === 0) {
      kind = 'raised';
      this.since = at;
    } else if (next.length === 0) {
      kind = 'cleared';
      this.since = null;
    } else {
      kind = 'changed';
    }
    const reason = next.length ? `counter fault: ${next.join(', ')}${detail ? ` (${detail})` : ''}` : 'counter reports no faults and data is fresh';
    return [{ alarm: 'counter_fault', kind, location: this.location, from: prev.length ? 'fault' : 'ok', to: next.length ? 'fault' : 'ok', at, sampleTs, reason, faults: [...next] }];
  }
}
