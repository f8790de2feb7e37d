import type { VibrationResult } from '../analysis/vibration/analyzer.js';
import type { AggregateDiagnosis } from '../analysis/vibration/aggregate.js';
import { bandSpectrum } from '../analysis/vibration/serialize.js';
import type { RulEstimate } from '../prognosis/rul-tracker.js';
import type { RobotRul as RobotRulState, SpectrumSummary, TelemetryRecord } from '../state/types.js';

/**
 * Analysis results -> the JSON the gateway publishes (telemetry, robot state, spectrum summaries):
 * rounding, field names and units in one place, out of the monitor's control flow.
 */
export const AXES = ['x', 'y', 'z'] as const;
export const round = (v: number, digits = 5) => (Number.isFinite(v) ? Number(v.toPrecision(digits)) : v);

export function rulState(e: RulEstimate, ts: number): RobotRulState {
  const r = (v: number | null) => (v === null ? null : Math.round(v));
  return {
    rul_state: e.rul_state,
    rul_s: r(e.rul_s),
    rul_low_s: Math.round(e.rul_low_s),
    rul_high_s: r(e.rul_high_s),
    unit: 's',
    confidence_level: e.confidence_level,
    health_indicator: Math.round(e.health_indicator * 1000) / 1000,
    model_version: e.model_version,
    baseline_ready: e.baseline_ready,
    input_window: { snapshots: e.input_window.snapshots, from: new Date(e.input_window.from_ms).toISOString(), to: new Date(e.input_window.to_ms).toISOString() },
    ts: new Date(ts).toISOString(),
    ...(e.capped ? { capped: e.capped } : {}),
  };
}

function axisStats(r: VibrationResult) {
  return { rms: round(r.features.rms), peak: round(r.features.peak), velocity_rms_mm_s: round(r.features.velocityRmsMmS), kurtosis: round(r.features.kurtosis) };
}

/** The wire form of one window's analysis (every axis, the dominant one in detail). */
export function windowJson(results: readonly VibrationResult[], dominantAxis: number, voted: AggregateDiagnosis, window: { rateHz: number; samples: number }, spectrumBins: number) {
  const dom = results[dominantAxis];
  let ms = 0;
  let peak = 0;
  for (const r of results) {
    ms += r.features.rms * r.features.rms;
    peak = Math.max(peak, r.features.peak);
  }
  const rms = Math.sqrt(ms);
  const f = dom.features;
  const axes = { x: axisStats(results[0]), y: axisStats(results[1]), z: axisStats(results[2]) };
  const vibration = {
    rms: round(rms),
    peak: round(peak),
    axes,
    dominant_axis: AXES[dominantAxis],
    sample_rate_hz: window.rateHz,
    window_samples: window.samples,
    velocity_rms_mm_s: round(f.velocityRmsMmS),
    kurtosis: round(f.kurtosis),
    crest_factor: round(f.crestFactor),
    skewness: round(f.skewness),
    peak_to_peak: round(f.peakToPeak),
  };
  const iso20816 = { zone: dom.iso20816.zone, velocity_rms_mm_s: round(dom.iso20816.velocityRmsMmS), limits: { ...dom.iso20816.limits }, band_hz: [dom.iso20816.bandHz[0], dom.iso20816.bandHz[1]] as [number, number] };
  const diagnosis = {
    label: voted.label,
    confidence: round(voted.confidence, 3),
    windows: voted.windows,
    votes: voted.votes,
    evidence: voted.evidence.map((e) => ({ fault: e.fault, source: e.source, component: e.component, expected_hz: round(e.expectedHz, 4), found_hz: round(e.foundHz, 4), db_above_floor: round(e.dbAboveFloor, 3) })),
    window_label: dom.diagnosis.label,
  };
  const ff = dom.faultFrequencies;
  const faultFrequencies = ff ? { shaft_hz: round(ff.shaftHz), FTF: round(ff.FTF), BPFO: round(ff.BPFO), BPFI: round(ff.BPFI), BSF: round(ff.BSF) } : null;
  const amp = bandSpectrum(dom.spectrum.magnitudes, dom.spectrum.df, spectrumBins, 'rms');
  const env = bandSpectrum(dom.envelopeSpectrum.magnitudes, dom.envelopeSpectrum.df, spectrumBins, 'max');
  let peakBin = 1;
  for (let k = 2; k < dom.spectrum.magnitudes.length; k++) if (dom.spectrum.magnitudes[k] > dom.spectrum.magnitudes[peakBin]) peakBin = k;
  const spectrum = { df_hz: round(dom.spectrum.df), band_hz: round(amp.bandHz), amplitudes: amp.values, peak_hz: round(peakBin * dom.spectrum.df), peak_amplitude: round(dom.spectrum.magnitudes[peakBin]) };
  const envelope = { band_hz: round(env.bandHz), values: env.values, filter_band_hz: [round(dom.envelope.lowHz), round(dom.envelope.highHz)] as [number, number] };
  return { rms, vibration, iso20816, diagnosis, faultFrequencies, spectrum, envelope };
}

export type WindowJson = ReturnType<typeof windowJson>;

/** The summary published on factory/{site}/{robot_id}/spectrum. */
export function spectrumSummary(j: WindowJson, head: { robot_id: string; gateway_id: string; site: string; ts: string }, window: { rateHz: number; samples: number }): SpectrumSummary {
  return {
    ...head,
    axis: j.vibration.dominant_axis,
    sample_rate_hz: window.rateHz,
    window_samples: window.samples,
    spectrum: { df_hz: j.spectrum.df_hz, band_hz: j.spectrum.band_hz, unit: 'g rms per band', values: j.spectrum.amplitudes },
    envelope_spectrum: { band_hz: j.envelope.band_hz, unit: 'squared-envelope modulation, band max', values: j.envelope.values, filter_band_hz: j.envelope.filter_band_hz },
    fault_frequencies: j.faultFrequencies,
  };
}

/** Units of the telemetry record's fields, sent with every record. */
export const TELEMETRY_UNITS = {
  temperature: 'degC',
  'vibration.rms': 'g',
  'vibration.peak': 'g',
  'vibration.velocity_rms_mm_s': 'mm/s',
  'vibration.sample_rate_hz': 'Hz',
  'spectrum.amplitudes': 'g rms per band',
  'spectrum.df_hz': 'Hz',
  'fault_frequencies': 'Hz',
  health_score: '0-100',
  'rul.rul_s': 's',
};

/** One telemetry record (factory/{site}/{robot_id}/telemetry; the uplink adds `seq`). */
export function telemetryRecord(
  j: WindowJson,
  r: Pick<TelemetryRecord, 'robot_id' | 'gateway_id' | 'site' | 'ts' | 'temperature' | 'health_score' | 'health_source' | 'status_reasons' | 'baseline_learnt_while_faulty' | 'rul' | 'status'> & { lostSamples: number },
): TelemetryRecord {
  return {
    robot_id: r.robot_id,
    gateway_id: r.gateway_id,
    site: r.site,
    ts: r.ts,
    temperature: r.temperature,
    vibration: { ...j.vibration, lost_samples: r.lostSamples },
    health_score: r.health_score,
    health_source: r.health_source,
    rul: r.rul,
    status: r.status,
    status_reasons: r.status_reasons,
    baseline_learnt_while_faulty: r.baseline_learnt_while_faulty,
    iso20816: j.iso20816,
    diagnosis: j.diagnosis,
    fault_frequencies: j.faultFrequencies,
    spectrum: j.spectrum,
    units: { ...TELEMETRY_UNITS },
  };
}
