import type { DeviceFault } from '../core/device-fault.js';

export interface AxisSummary {
  rms: number;
  peak: number;
  velocity_rms_mm_s: number;
  kurtosis: number;
}

export interface VibrationSummary {
  /** Overall AC RMS over the three axes, g. */
  rms: number;
  peak: number;
  axes: { x: AxisSummary; y: AxisSummary; z: AxisSummary };
  dominant_axis: string;
  sample_rate_hz: number;
  window_samples: number;
  velocity_rms_mm_s: number;
  kurtosis: number;
  crest_factor: number;
  skewness: number;
  peak_to_peak: number;
}

export interface Iso20816Summary {
  zone: 'A' | 'B' | 'C' | 'D';
  velocity_rms_mm_s: number;
  limits: { ab: number; bc: number; cd: number };
  band_hz: [number, number];
}

export interface DiagnosisSummary {
  /** Voted over the last analysis.diagnosisVoteWindows windows. */
  label: string;
  confidence: number;
  windows: number;
  votes: Record<string, number | undefined>;
  evidence: Array<{ fault: string; source: string; component: string; expected_hz: number; found_hz: number; db_above_floor: number }>;
  /** This window's own label. */
  window_label: string;
}

export interface FaultFrequencySummary {
  shaft_hz: number;
  FTF: number;
  BPFO: number;
  BPFI: number;
  BSF: number;
}

export interface SpectrumBands {
  df_hz: number;
  band_hz: number;
  amplitudes: number[];
  peak_hz: number;
  peak_amplitude: number;
}

/** factory/{site}/{robot_id}/spectrum, at analysis.spectrumPublishIntervalS. */
export interface SpectrumSummary {
  robot_id: string;
  gateway_id: string;
  site: string;
  ts: string;
  axis: string;
  sample_rate_hz: number;
  window_samples: number;
  spectrum: { df_hz: number; band_hz: number; unit: string; values: number[] };
  envelope_spectrum: { band_hz: number; unit: string; values: number[]; filter_band_hz: [number, number] };
  fault_frequencies: FaultFrequencySummary | null;
}

/** Which anchor of the status model set health_score (the lowest wins): ISO 20816 zone, diagnosis, RUL, or the asset's own trend. */
export type HealthSource = 'zone' | 'diagnosis' | 'rul' | 'trend';

export type RobotStatus = 'starting' | 'ok' | 'warning' | 'critical' | 'fault';

/** The gateway's current picture of one robot, as served by GET /api/robots/:id. */
export interface RobotState {
  robot_id: string;
  name: string | null;
  status: RobotStatus;
  health_score: number | null;
  /** Why the status and health score are what they are, most important first (src/monitor/status-model.ts). */
  status_reasons: string[];
  /** The RUL baseline was learnt while the robot was in zone C/D or showed a fault: its trend is ignored. */
  baseline_learnt_while_faulty: boolean;
  temperature: number | null;
  vibration: VibrationSummary | null;
  iso20816: Iso20816Summary | null;
  diagnosis: DiagnosisSummary | null;
  fault_frequencies: FaultFrequencySummary | null;
  /** Amplitude spectrum of the dominant axis (band RMS). */
  spectrum: (SpectrumBands & { axis: string }) | null;
  /** Squared envelope spectrum of the dominant axis (band max) and the band the kurtogram chose. */
  envelope_spectrum: { band_hz: number; values: number[]; filter_band_hz: [number, number] } | null;
  sensors: { samples_acquired: number; samples_lost: number; measured_rate_hz: number; last_sample_at: string | null };
  faults: DeviceFault[];
  /** Remaining useful life from the ONNX model (null until the first estimate or without a model). */
  rul: RobotRul | null;
  /** Maintenance priority across this gateway's robots (1 = first). */
  priority: { rank: number; level: string; score: number; reasons: string[] } | null;
  maintenance: boolean;
  /** Whether the robot's sensors are being sampled; `since` is when a command last changed it (null = since start). */
  sampling: { running: boolean; since: string | null };
  last_update: string | null;
}

export interface RobotRul {
  /**
   * learning (baseline being learnt: provisional) | no_degradation (only the lower bound rul_low_s;
   * rul_s and rul_high_s null) | degrading (point + interval) | failed (past the failure criterion).
   * See docs/rul.md, "RUL state".
   */
  rul_state: 'learning' | 'no_degradation' | 'degrading' | 'failed';
  /** Point estimate, s; null in no_degradation. */
  rul_s: number | null;
  /** Lower end of the interval (no_degradation: one-sided lower bound at confidence_level), s. */
  rul_low_s: number;
  /** Upper end of the interval, s; null in no_degradation. */
  rul_high_s: number | null;
  unit: 's';
  confidence_level: number;
  health_indicator: number;
  model_version: string;
  baseline_ready: boolean;
  input_window: { snapshots: number; from: string; to: string };
  ts: string;
}

/** One telemetry record: what goes to factory/{site}/{robot_id}/telemetry (the uplink adds `seq`). */
export interface TelemetryRecord {
  robot_id: string;
  gateway_id: string;
  site: string;
  ts: string;
  temperature: number | null;
  vibration: VibrationSummary & { lost_samples: number };
  health_score: number;
  /** Which anchor of the status model set health_score (docs/status.md). */
  health_source: HealthSource;
  rul: RobotRul | null;
  status: RobotStatus;
  /** Why the status and health score are what they are, most important first (src/monitor/status-model.ts). */
  status_reasons: string[];
  /** The RUL baseline was learnt while the robot was in zone C/D or showed a fault: its trend is ignored. */
  baseline_learnt_while_faulty: boolean;
  iso20816: Iso20816Summary;
  diagnosis: DiagnosisSummary;
  fault_frequencies: FaultFrequencySummary | null;
  /** Coarse amplitude spectrum of the dominant axis (the detailed one goes to .../spectrum less often). */
  spectrum: SpectrumBands;
  units: Record<string, string>;
}

/** One cleanroom location (counter) as served by GET /api/cleanroom/status and cleanroom/{site}/status. */
export interface CleanroomLocationStatus {
  counter_id: string;
  location: string;
  ts: string;
  data_valid: boolean;
  lower_bound: boolean;
  sizes_um: number[];
  counts: number[];
  sample_volume_l: number | null;
  required_sample_volume_l: number | null;
  sample_volume_ok: boolean | null;
  concentration_per_m3: Array<number | null>;
  average_per_m3: Array<number | null>;
  average_samples: number;
  iso_class: number | null;
  sample_iso_class: number | null;
  configured_class: number;
  meets_configured_class: boolean | null;
  alarm_levels: { alert: number; action: number; limit: number };
  margins: unknown[];
  alarm: unknown;
  faults: string[];
  invalid_reason: string | null;
  environment: unknown;
  device_fault: DeviceFault | null;
}

export interface CleanroomStatus {
  gateway_id: string;
  site: string;
  ts: string;
  locations: CleanroomLocationStatus[];
  units: Record<string, string>;
}

export type AlertSeverity = 'info' | 'warning' | 'critical';

/** ISA-18.2 alarm states (src/state/alarm-model.ts, docs/alarms.md). */
export type AlarmStateName = 'UNACK_ACTIVE' | 'ACK_ACTIVE' | 'UNACK_RTN' | 'NORMAL';

/**
 * One alert event (an alarm raised, cleared, acknowledged, or a one-off event) carrying its
 * alarm's state after it. `id` is new for every event; `alarm_id` is the alarm's stable identity.
 */
export interface Alert {
  id: string;
  /** Stable identity: robot | source | condition; the same after a restart. */
  alarm_id: string;
  gateway_id: string;
  site: string;
  robot_id: string | null;
  source: string;
  code: string;
  severity: AlertSeverity;
  message: string;
  ts: string;
  state: AlarmStateName;
  /** condition: raised and cleared by its producer; event: a one-off notification (an uplink fault, a model update), cleared at once. */
  kind: 'condition' | 'event';
  /** True only while the condition holds. */
  active: boolean;
  /** The current occurrence was acknowledged. */
  acknowledged: boolean;
  acked_by: string | null;
  acked_at: string | null;
  ack_comment: string | null;
  /** When the current occurrence was raised. */
  raised_at: string;
  /** When its condition cleared (null while active). */
  cleared_at: string | null;
}

export interface StateEvents {
  telemetry: [TelemetryRecord];
  robot_update: [RobotState];
  cleanroom: [CleanroomStatus];
  alert: [Alert];
  spectrum: [SpectrumSummary];
}
