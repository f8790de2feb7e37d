/**
 * Temperature / relative humidity / differential pressure against their configured ranges. A
 * quantity is raised after `raiseSamples` consecutive out-of-range samples and cleared after
 * `clearSamples` consecutive in-range ones (the excursion policy's counts). A sample that does not
 * carry the quantity is no evidence either way.
 */
import type { Clock } from '../core/clock.js';
import type { AlarmTransition } from './alarm.js';
import type { EnvironmentLimits, Range } from './config.js';

export const ENVIRONMENT_QUANTITIES = ['temperatureC', 'humidityPct', 'dpPa'] as const;
export type EnvironmentQuantity = (typeof ENVIRONMENT_QUANTITIES)[number];
export type RangeStatus = 'ok' | 'low' | 'high';

export function rangeStatus(value: number, range: Range): RangeStatus {
  if (range.min !== undefined && value < range.min) return 'low';
  if (range.max !== undefined && value > range.max) return 'high';
  return 'ok';
}

interface Track {
  active: RangeStatus;
  pending: RangeStatus;
  run: number;
}

export class EnvironmentAlarm {
  private readonly tracks = new Map<EnvironmentQuantity, Track>();

  constructor(
    readonly location: string,
    private readonly limits: EnvironmentLimits,
    private readonly counts: { raiseSamples: number; clearSamples: number },
    private readonly clock: Clock,
  ) {
    for (const q of ENVIRONMENT_QUANTITIES) if (limits[q]) this.tracks.set(q, { active: 'ok', pending: 'ok', run: 0 });
  }

  update(ts: number, values: Partial<Record<EnvironmentQuantity, number>>): AlarmTransition[] {
    const out: AlarmTransition[] = [];
    for (const [q, t] of this.tracks) {
      const v = values[q];
      if (v === undefined || !Number.isFinite(v)) continue;
      const s = rangeStatus(v, this.limits[q]!);
      if (s === t.active) {
        t.run = 0;
        t.pending = s;
        continue;
      }
      t.run = s === t.pending ? t.run + 1 : 1;
      t.pending = s;
      if (t.run < (s === 'ok' ? this.counts.clearSamples : this.counts.raiseSamples)) continue;
      const from = t.active;
      t.active = s;
      t.run = 0;
      const r = this.limits[q]!;
      const kind = from === 'ok' ? 'raised' : s === 'ok' ? 'cleared' : 'changed';
      const reason = s === 'ok' ? `${q} back within [${r.min ?? '-inf'}, ${r.max ?? 'inf'}]: ${v}` : `${q} ${v} ${s === 'low' ? `below min ${r.min}` : `above max ${r.max}`}`;
      out.push({ alarm: 'environment', kind, location: this.location, from, to: s, at: this.clock.now(), sampleTs: ts, reason, quantity: q, value: v });
    }
    return out;
  }

  /** Alarmed quantities and their side ('low' | 'high'). */
  get state(): Partial<Record<EnvironmentQuantity, RangeStatus>> {
    const s: Partial<Record<EnvironmentQuantity, RangeStatus>> = {};
    for (const [q, t] of this.tracks) s[q] = t.active;
    return s;
  }
}
