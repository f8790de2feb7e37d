/**
 * Plain, JSON-ready copies of analyzer results (the analyzer reuses its buffers; see analyzer.ts).
 * Spectra are reduced to `bands` equal-width bands over 0..Nyquist: each band's value is the RMS of
 * the band (sqrt of the summed per-bin power) for the amplitude spectrum, the band maximum for the
 * envelope spectrum (peaks matter there, not energy).
 */
import type { VibrationResult } from './analyzer.js';

export interface SerializedResult extends Omit<VibrationResult, 'spectrum' | 'envelopeSpectrum'> {
  spectrum: { bandHz: number; unit: 'g rms'; values: number[] };
  envelopeSpectrum: { bandHz: number; values: number[] };
}

function round(x: number, digits = 6): number {
  return Number.isFinite(x) ? Number(x.toPrecision(digits)) : x;
}

/** Band-RMS (from peak amplitudes a_k: sqrt(sum a_k^2 / 2)) of `bands` equal bands. */
export function bandSpectrum(mag: ArrayLike<number>, df: number, bands: number, mode: 'rms' | 'max'): { bandHz: number; values: number[] } {
  const bins = mag.length;
  const per = Math.max(1, Math.ceil(bins / bands));
  const values: number[] = [];
  for (let b = 0; b * per < bins; b++) {
    let acc = 0;
    for (let k = b * per; k < Math.min(bins, (b + 1) * per); k++) {
      if (mode === 'rms') acc += (mag[k] * mag[k]) / 2;
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
      candidates: r.diagnosis.candidates.map((c) => ({ label: c.label, scoreDb: round(c.scoreDb, 3), detected: c.detected })),
    },
    spectrum: { ...bandSpectrum(r.spectrum.magnitudes, r.spectrum.df, opts.spectrumBands ?? 64, 'rms'), unit: 'g rms' },
    envelopeSpectrum: bandSpectrum(r.envelopeSpectrum.magnitudes, r.envelopeSpectrum.df, opts.envelopeBands ?? 64, 'max'),
  };
}
