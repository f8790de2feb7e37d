import type { TelemetryRecord } from '../../src/state/types.js';

/** A complete, plausible telemetry record for tests of consumers (history, WebSocket, uplink). */
export function makeTelemetry(robotId: string, ts: number, rms: number, overrides: Partial<TelemetryRecord> = {}): TelemetryRecord {
  const axis = { rms, peak: rms * 2, velocity_rms_mm_s: rms * 10, kurtosis: 3 };
  return {
    robot_id: robotId,
    gateway_id: 'gw',
    site: 'main',
    ts: new Date(ts).toISOString(),
    temperature: 40,
    vibration: { rms, peak: rms * 2, axes: { x: axis, y: axis, z: axis }, dominant_axis: 'x', sample_rate_hz: 1600, window_samples: 2048, lost_samples: 0, velocity_rms_mm_s: rms * 10, kurtosis: 3, crest_factor: 2, skewness: 0, peak_to_peak: rms * 4 },
    health_score: Math.max(0, 100 - rms * 100),
    health_source: 'zone',
    status_reasons: [],
    baseline_learnt_while_faulty: false,
    rul: null,
    status: 'ok',
    iso20816: { zone: 'A', velocity_rms_mm_s: rms * 10, limits: { ab: 1.4, bc: 2.8, cd: 4.5 }, band_hz: [10, 800] },
    diagnosis: { label: 'none', confidence: 0.5, windows: 1, votes: { none: 1 }, evidence: [], window_label: 'none' },
    fault_frequencies: null,
    spectrum: { df_hz: 1, band_hz: 12.5, amplitudes: [1, 2, 3], peak_hz: 30, peak_amplitude: 0.1 },
    units: { temperature: 'degC' },
    ...overrides,
  };
}
