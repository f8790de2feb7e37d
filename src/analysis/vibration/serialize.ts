/**
 * Plain, JSON-ready copies of analyzer results (the analyzer reuses its buffers; see analyzer.ts).
 * Spectra are reduced to `bands` equal-width bands over 0..Nyquist (fewer if there are fewer bins): each band's value is the RMS of
 * the band (sqrt of the summed per-bin power) for the amplitude spectrum, the band maximum for the
 * envelope spectrum (peaks matter there, not energy).
 */
import type { VibrationResult } from './analyzer.js';
import { HANN_ENBW_BINS } from './window.js';

export interface SerializedResult extends Omit<VibrationResult, 'spectrum' | 'envelopeSpectrum'> {
  spectrum: { bandHz: number; unit: 'g rms'; values: number[] };
  envelopeSpectrum: { bandHz: number; values: number[] };
}

function round(x: number, digits = 6): number {
  return Number.isFinite(x) ? Number(x.toPrecision(digits)) : x;
}

/**
 * `bands` equal bands of a Hann amplitude spectrum (peak amplitude per bin). mode 'rms': the band's
 * RMS, sqrt(sum a_k^2 / 2 / ENBW) (the Hann window's 1.5-bin noise bandwidth would otherwise count
 * a tone's energy 1.5 times); mode 'max': the largest bin.
 */
export function bandSpectrum(mag: ArrayLike<number>, df: number, bands: number, mode: 'rms' | 'max'): { bandHz: number; values: number[] } {
  // Bands of equal width over bins 0 .. bins-2 (the Nyquist bin is left out so that a
  // power-of-two spectrum splits into exactly `bands` bands).
  const usable = Math.max(1, mag.length - 1);
  const per = Math.max(1, Math.floor(usable / bands));
  const count = Math.min(bands, Math.floor(usable / per));
  const values: number[] = [];
  for (let b = 0; b < count; b++) {
    let acc = 0;
    for (let k = b * per; k < (b + 1) * per; k++) {
      if (mode === 'rms') acc += (mag[k] * mag[k]) / (2 * HANN_ENBW_BINS);
      else acc = Math.max(acc, mag[k]);
    }
    values.push(round(mode === 'rms' ? Math.sqrt(acc) : acc, 4));
  }
  return { bandHz: per * df, values };
}

export function toSerializable(r: VibrationResult, opts: { spectrumBands?: number; envelopeBands?: number } = {}): SerializedResult {
  const f = r.features;
  const roundAll = <T extends object>(o: T): T => {
    const c: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) c[k] = typeof v === 'number' ? round(v) : v;
    return c as T;
  };
  return {
    sampleRateHz: r.sampleRateHz,
    windowSize: r.windowSize,
    features: roundAll(f),
    iso20816: { zone: r.iso20816.zone, velocityRmsMmS: round(r.iso20816.velocityRmsMmS), limits: { ...r.iso20816.limits }, bandHz: [r.iso20816.bandHz[0], r.iso20816.bandHz[1]] },
    faultFrequencies: r.faultFrequencies ? roundAll(r.faultFrequencies) : null,
    envelope: roundAll(r.envelope),
    diagnosis: {
      label: r.diagnosis.label,
      confidence: round(r.diagnosis.confidence, 3),
      evidence: r.diagnosis.evidence.map((e) => roundAll(e)),
      candidates: r.diagnosis.candidates.map((c) => ({ label: c.label, scoreDb: round(c.scoreDb, 3), detected: c.detected, evaluated: c.evaluated })),
    },
    spectrum: { ...bandSpectrum(r.spectrum.magnitudes, r.spectrum.df, opts.spectrumBands ?? 64, 'rms'), unit: 'g rms' },
    envelopeSpectrum: bandSpectrum(r.envelopeSpectrum.magnitudes, r.envelopeSpectrum.df, opts.envelopeBands ?? 64, 'max'),
  };
}

/** `bands` equal bands of a per-bin power spectrum (mean square per bin, e.g. a Welch mean): band RMS. */
export function bandRmsSpectrum(power: ArrayLike<number>, df: number, bands: number): { bandHz: number; values: number[] } {
  const usable = Math.max(1, power.length - 1);
  const per = Math.max(1, Math.floor(usable / bands));
  const count = Math.min(bands, Math.floor(usable / per));
  const values: number[] = [];
  for (let b = 0; b < count; b++) {
    let acc = 0;
    for (let k = b * per; k < (b + 1) * per; k++) acc += power[k];
    values.push(round(Math.sqrt(acc), 4));
  }
  return { bandHz: per * df, values };
}
