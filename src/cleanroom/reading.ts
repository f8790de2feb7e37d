/**
 * What the cleanroom monitor needs from a particle-counter driver per completed sample. The
 * Lighthouse driver's ParticleReading satisfies it structurally (extra fields are ignored; the
 * concentration is recomputed here from counts, flow and sample time).
 */
export interface CounterReading {
  /** Sample timestamp, ms since epoch. */
  ts: number;
  /** Channel threshold sizes, um, smallest first. */
  sizesUm: readonly number[];
  /** Cumulative counts (particles >= size) per channel over the sample. */
  counts: readonly number[];
  sampleTimeS: number;
  /** Sample flow, ft3/min. */
  flowCfm: number;
  /** Status names reported with the sample (laser, flow, overflow, service, sampler, ...). */
  faults: readonly string[];
  temperatureC?: number;
  humidityPct?: number;
  dpPa?: number;
}

/** Why a reading cannot be turned into concentrations, or null when it can. */
export function checkReading(r: CounterReading): string | null {
  const n = r.sizesUm.length;
  if (n === 0) return 'no channels';
  if (r.counts.length !== n) return `${r.counts.length} counts for ${n} channel sizes`;
  for (let i = 0; i < n; i++) {
    const d = r.sizesUm[i];
    if (!(d > 0) || !Number.isFinite(d)) return `channel ${i + 1} size ${d} um is not a positive number`;
    if (i > 0 && !(d > r.sizesUm[i - 1])) return `channel sizes must increase (channel ${i + 1}: ${d} um)`;
    const c = r.counts[i];
    if (!(c >= 0) || !Number.isFinite(c)) return `channel ${i + 1} count ${c} is not a non-negative number`;
    if (i > 0 && c > r.counts[i - 1]) return `counts are not cumulative (channel ${i + 1} > channel ${i})`;
  }
  if (!(r.flowCfm > 0) || !Number.isFinite(r.flowCfm)) return `flow ${r.flowCfm} CFM is not positive`;
  if (!(r.sampleTimeS > 0) || !Number.isFinite(r.sampleTimeS)) return `sample time ${r.sampleTimeS} s is not positive`;
  return null;
}
