/**
 * Peak-versus-floor measurements on a magnitude spectrum (SES or amplitude spectrum).
 *
 * The local noise floor is the median of the bins within +-floorHalfWidthHz of the target, not
 * counting the search band itself; the median ignores the few other peaks (harmonics, sidebands)
 * that fall into that span. Medians use a caller-owned scratch buffer and an in-place quickselect.
 */
export interface PeakMeasure {
  expectedHz: number;
  foundHz: number;
  amplitude: number;
  floor: number;
  /** 20 log10(amplitude / floor); 0 when the floor is 0. */
  dbAboveFloor: number;
}

function quickselect(a: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

/**
 * Where to look: bin width df, target f, search half-width tol, floor half-width floorHalf (Hz).
 * Passed as one reused object rather than four number arguments: a call that V8 does not inline
 * would box each double argument on the heap, every window.
 */
export interface PeakQuery {
  df: number;
  f: number;
  tol: number;
  floorHalf: number;
}

export function peakQuery(): PeakQuery {
  return { df: 0.5, f: 0.5, tol: 0.5, floorHalf: 0.5 }; // non-integer: fields start as doubles
}

/** Fills `q` and returns it (for call sites that set all four at once). */
export function setQuery(q: PeakQuery, df: number, f: number, tol: number, floorHalf: number): PeakQuery {
  q.df = df;
  q.f = f;
  q.tol = tol;
  q.floorHalf = floorHalf;
  return q;
}

/**
 * Largest bin of `spec` within [f - tol, f + tol] and its ratio to the local median over
 * [f - floorHalf, f + floorHalf] minus the search band. `scratch` must hold 2 * floorHalf / df + 2
 * numbers. Writes into and returns `out`.
 */
export function measurePeak(spec: ArrayLike<number>, q: PeakQuery, scratch: Float64Array, out: PeakMeasure): PeakMeasure {
  const df = q.df;
  const f = q.f;
  const tol = q.tol;
  const floorHalf = q.floorHalf;
  const last = spec.length - 1;
  const k1 = Math.max(1, Math.floor((f - tol) / df));
  const k2 = Math.min(last, Math.ceil((f + tol) / df));
  out.expectedHz = f;
  if (k1 > last || k2 < k1) {
    out.foundHz = f;
    out.amplitude = 0;
    out.floor = 0;
    out.dbAboveFloor = 0;
    return out;
  }
  let best = -1;
  let bk = k1;
  for (let k = k1; k <= k2; k++) {
    if (spec[k] > best) {
      best = spec[k];
      bk = k;
    }
  }
  const f1 = Math.max(1, Math.floor((f - floorHalf) / df));
  const f2 = Math.min(last, Math.ceil((f + floorHalf) / df));
  let n = 0;
  for (let k = f1; k <= f2 && n < scratch.length; k++) {
    if (k >= k1 && k <= k2) continue;
    scratch[n++] = spec[k];
  }
  const floor = n > 0 ? quickselect(scratch, n, n >> 1) : 0;
  out.foundHz = bk * df;
  out.amplitude = best;
  out.floor = floor;
  out.dbAboveFloor = floor > 0 && best > 0 ? 20 * Math.log10(best / floor) : 0;
  return out;
}

export function emptyPeak(): PeakMeasure {
  return { expectedHz: 0.5, foundHz: 0.5, amplitude: 0.5, floor: 0.5, dbAboveFloor: 0.5 }; // doubles from the start
}
