/**
 * ISO 14644-1:2015 airborne particle cleanliness: class limits, which sizes a class may be
 * evaluated at, counts -> concentration, best class met, margins and minimum sample volume.
 * Pure and I/O-free (shared by the gateway and `fabwatch analyze`). See docs/cleanroom.md.
 */
import { FabwatchError } from '../core/errors.js';

export const ISO14644_INVALID_INPUT = 'ISO14644_INVALID_INPUT';

/** 1 ft3 = 0.3048^3 m3 exactly = 28.316846592 L. */
export const LITRES_PER_FT3 = 28.316846592;
export const M3_PER_FT3 = LITRES_PER_FT3 / 1000;
/** Particle sizes (um) of the standard's Table 1. */
export const TABLE_SIZES_UM: readonly number[] = [0.1, 0.2, 0.3, 0.5, 1, 5];
export const MIN_CLASS = 1;
export const MAX_CLASS = 9;
/** The standard's scope: threshold sizes 0.1 um to 5 um (smaller = nano, larger = M descriptor). */
export const MIN_SIZE_UM = 0.1;
export const MAX_SIZE_UM = 5;

function invalid(message: string, details: Record<string, unknown>): never {
  throw new FabwatchError(ISO14644_INVALID_INPUT, message, details);
}

/** Whether `isoClass` is 1..9 in steps of 0.1. */
export function isValidIsoClass(isoClass: number): boolean {
  const t = Math.round(isoClass * 10);
  return Number.isFinite(isoClass) && Math.abs(t - isoClass * 10) <= 1e-6 && t >= MIN_CLASS * 10 && t <= MAX_CLASS * 10;
}

/** Class numbers are handled in tenths so 4.3 is exactly the 43rd step, not 4.299999. */
function tenths(isoClass: number): number {
  if (!isValidIsoClass(isoClass)) invalid(`ISO class must be 1..9 in steps of 0.1, got ${isoClass}`, { isoClass });
  return Math.round(isoClass * 10);
}

function checkSize(sizeUm: number): void {
  if (!(sizeUm > 0) || !Number.isFinite(sizeUm)) invalid(`particle size must be a positive number of um, got ${sizeUm}`, { sizeUm });
}

/** Cn = 10^N (0.1/D)^2.08, particles >= D per m3, unrounded. */
export function classLimitPerM3(isoClass: number, sizeUm: number): number {
  const t = tenths(isoClass);
  checkSize(sizeUm);
  return 10 ** (t / 10) * (0.1 / sizeUm) ** 2.08;
}

/** Round to `sig` significant figures (decimal rounding of the printed value). */
export function roundSignificant(x: number, sig = 3): number {
  return x === 0 || !Number.isFinite(x) ? x : Number(x.toPrecision(sig));
}

/**
 * The limit as the standard prints it: at most 3 significant figures and never finer than one
 * particle per m3 (Table 1 prints 24, 10, 35 and 83, not 23.7, 10.2, 35.2 and 83.2).
 */
export function tabulatedLimitPerM3(isoClass: number, sizeUm: number): number {
  const c = classLimitPerM3(isoClass, sizeUm);
  return c >= 100 ? roundSignificant(c, 3) : Math.round(c);
}

/** Why a (class, size) cell of Table 1 is blank; 'ok' when the class may be evaluated there. */
export type Applicability = 'ok' | 'out_of_scope' | 'too_high_concentration' | 'too_few_particles' | 'sampling_losses';

/**
 * The rule behind the blank cells of Table 1, applied to the integer class row n = floor(N)
 * (decimal classes follow the row of their integer class, as the 2015 edition's Annex E does):
 *  - sizes outside 0.1-5 um are out of the standard's scope;
 *  - footnote c: below 0.5 um, classes 7-9 are not evaluated (concentration too high to count);
 *  - footnote e: above 1 um, only classes 6-9 (sampling losses + too few particles);
 *  - footnote d: up to 1 um, the class-n limit must be at least 10 particles/m3 (as printed).
 */
export function sizeApplicability(isoClass: number, sizeUm: number): Applicability {
  const n = Math.floor(tenths(isoClass) / 10);
  checkSize(sizeUm);
  const eps = 1e-9;
  if (sizeUm < MIN_SIZE_UM - eps || sizeUm > MAX_SIZE_UM + eps) return 'out_of_scope';
  if (sizeUm < 0.5 - eps && n >= 7) return 'too_high_concentration';
  if (sizeUm > 1 + eps) return n >= 6 ? 'ok' : 'sampling_losses';
  return tabulatedLimitPerM3(n, sizeUm) >= 10 ? 'ok' : 'too_few_particles';
}

export function isSizeApplicable(isoClass: number, sizeUm: number): boolean {
  return sizeApplicability(isoClass, sizeUm) === 'ok';
}

/** Volume drawn in one sample: flow (ft3/min) x time, in m3. */
export function sampleVolumeM3(flowCfm: number, sampleTimeS: number): number {
  if (!(flowCfm > 0) || !(sampleTimeS > 0) || !Number.isFinite(flowCfm) || !Number.isFinite(sampleTimeS)) {
    invalid(`flow and sample time must be positive (flow ${flowCfm} CFM, sample time ${sampleTimeS} s)`, { flowCfm, sampleTimeS });
  }
  return flowCfm * (sampleTimeS / 60) * M3_PER_FT3;
}

/** Particles per ft3 -> per m3 (x 35.3147...). */
export function perFt3ToPerM3(perFt3: number): number {
  return perFt3 / M3_PER_FT3;
}

/** Counts per channel over one sample -> particles per m3, written into `out` (caller-owned). */
export function concentrationPerM3(counts: ArrayLike<number>, flowCfm: number, sampleTimeS: number, out: Float64Array = new Float64Array(counts.length)): Float64Array {
  if (out.length < counts.length) invalid('output buffer shorter than counts', { counts: counts.length, out: out.length });
  const v = sampleVolumeM3(flowCfm, sampleTimeS);
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i];
    if (!(c >= 0) || !Number.isFinite(c)) invalid(`count on channel ${i + 1} must be a non-negative number, got ${c}`, { channel: i + 1, count: c });
    out[i] = c / v;
  }
  return out;
}

/** Differential (per-bin) counts, smallest size first -> cumulative (>= size) counts. */
export function differentialToCumulative(diff: ArrayLike<number>, out: Float64Array = new Float64Array(diff.length)): Float64Array {
  let sum = 0;
  for (let i = diff.length - 1; i >= 0; i--) {
    sum += diff[i];
    out[i] = sum;
  }
  return out;
}

function checkPair(sizesUm: ArrayLike<number>, conc: ArrayLike<number>): void {
  if (sizesUm.length !== conc.length) invalid('sizes and concentrations differ in length', { sizes: sizesUm.length, concentrations: conc.length });
}

/**
 * Whether concentrations meet ISO class N: at every size that is applicable to N (and, when given,
 * in `considered`), the concentration rounded to 3 significant figures is <= the printed limit.
 * A class with no applicable measured size is not met (nothing to judge it by).
 */
export function meetsClass(isoClass: number, sizesUm: ArrayLike<number>, conc: ArrayLike<number>, considered?: (sizeUm: number) => boolean): boolean {
  checkPair(sizesUm, conc);
  let judged = 0;
  for (let i = 0; i < sizesUm.length; i++) {
    const d = sizesUm[i];
    if ((considered && !considered(d)) || !isSizeApplicable(isoClass, d)) continue;
    judged++;
    if (!(roundSignificant(conc[i], 3) <= tabulatedLimitPerM3(isoClass, d))) return false;
  }
  return judged > 0;
}

/**
 * The cleanest class, in steps of 0.1 from 1 to 9, that the concentrations meet; null when not even
 * class 9 is met (or no measured size is applicable). Each candidate is judged only at its own
 * applicable sizes, so the answer is not always monotonic in N (5.9 ignores 5 um, 6.0 does not).
 */
export function bestClass(sizesUm: ArrayLike<number>, conc: ArrayLike<number>, considered?: (sizeUm: number) => boolean): number | null {
  for (let t = MIN_CLASS * 10; t <= MAX_CLASS * 10; t++) {
    if (meetsClass(t / 10, sizesUm, conc, considered)) return t / 10;
  }
  return null;
}

/** Where one size stands against a class limit. */
export interface SizeMargin {
  sizeUm: number;
  /** Whether the class is evaluated at this size (blank cells of Table 1 are not). */
  applicable: boolean;
  /** Printed class limit, particles/m3 (reported even when not applicable, for information). */
  limitPerM3: number;
  /** Measured / limit: 1 = at the limit. */
  ratio: number;
  /** limit - measured, particles/m3 (negative = over the limit). */
  headroomPerM3: number;
  /** 100 x (1 - ratio): share of the limit still unused. */
  headroomPct: number;
}

export function classMargins(isoClass: number, sizesUm: ArrayLike<number>, conc: ArrayLike<number>): SizeMargin[] {
  checkPair(sizesUm, conc);
  const out: SizeMargin[] = [];
  for (let i = 0; i < sizesUm.length; i++) {
    const d = sizesUm[i];
    const limit = tabulatedLimitPerM3(isoClass, d);
    const ratio = conc[i] / limit;
    out.push({ sizeUm: d, applicable: isSizeApplicable(isoClass, d), limitPerM3: limit, ratio, headroomPerM3: limit - conc[i], headroomPct: 100 * (1 - ratio) });
  }
  return out;
}

/**
 * Minimum single-sample volume so that 20 particles would be counted at the class limit of the
 * largest considered size: Vs = 20 / Cn,m x 1000, litres, with Cn,m as printed in Table 1
 * (ISO 5 at 0.5 um: 20 / 3520 x 1000 = 5.68 L).
 */
export function minSampleVolumeL(isoClass: number, largestSizeUm: number): number {
  return (20 / tabulatedLimitPerM3(isoClass, largestSizeUm)) * 1000;
}

/**
 * Vs with the standard's floor of 2 L. (Its 1-minute minimum sampling time per location applies to
 * classification sampling and is not enforced here.)
 */
export function requiredSampleVolumeL(isoClass: number, largestSizeUm: number): number {
  return Math.max(2, minSampleVolumeL(isoClass, largestSizeUm));
}

/**
 * Arithmetic mean of the last `capacity` samples per channel (ISO 14644-1 A.6.1.1 averages the
 * sample concentrations at a location). Buffers are allocated once.
 */
export class RollingMean {
  private readonly ring: Float64Array;
  private readonly sums: Float64Array;
  private head = 0;
  private filled = 0;
  private pushes = 0;

  constructor(readonly channels: number, readonly capacity: number) {
    if (!Number.isInteger(channels) || channels < 1 || !Number.isInteger(capacity) || capacity < 1) {
      invalid(`rolling mean needs integer channels >= 1 and capacity >= 1 (got ${channels}, ${capacity})`, { channels, capacity });
    }
    this.ring = new Float64Array(channels * capacity);
    this.sums = new Float64Array(channels);
  }

  get count(): number {
    return this.filled;
  }

  push(values: ArrayLike<number>): void {
    if (values.length !== this.channels) invalid('rolling mean: wrong number of channels', { expected: this.channels, got: values.length });
    const base = this.head * this.channels;
    for (let c = 0; c < this.channels; c++) {
      if (this.filled === this.capacity) this.sums[c] -= this.ring[base + c];
      this.ring[base + c] = values[c];
      this.sums[c] += values[c];
    }
    this.head = (this.head + 1) % this.capacity;
    if (this.filled < this.capacity) this.filled++;
    // Running sums drift; rebuild them from the ring now and then.
    if (++this.pushes % (64 * this.capacity) === 0) this.resum();
  }

  /** Mean per channel into `out`; NaN when empty. */
  mean(out: Float64Array = new Float64Array(this.channels)): Float64Array {
    for (let c = 0; c < this.channels; c++) out[c] = this.filled ? this.sums[c] / this.filled : NaN;
    return out;
  }

  clear(): void {
    this.head = 0;
    this.filled = 0;
    this.sums.fill(0);
  }

  private resum(): void {
    this.sums.fill(0);
    for (let s = 0; s < this.filled; s++) for (let c = 0; c < this.channels; c++) this.sums[c] += this.ring[s * this.channels + c];
  }
}
