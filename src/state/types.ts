import type { DeviceFault } from '../acquisition/robot-sensors.js';
import type { WindowSummary } from '../analysis/window-summary.js';

export type RobotStatus = 'starting' | 'ok' | 'warning' | 'critical' | 'fault';

/** The gateway's current picture of one robot, as served by GET /api/robots/:id. */
export interface RobotState {
  robot_id: string;
  name: string | null;
  status: RobotStatus;
  health_score: number | null;
  temperature: number | null;
  vibration: (Omit<WindowSummary, 'spectrum' | 'dominantAxis'> & { dominant_axis: string; sample_rate_hz: number; window_samples: number }) | null;
  spectrum: WindowSummary['spectrum'] | null;
  sensors: { samples_acquired: number; samples_lost: number; measured_rate_hz: number; last_sample_at: string | null };
  faults: DeviceFault[];
  /** Remaining useful life from the ONNX model (null until the first estimate or without a model). */
  rul: RobotRul | null;
  /** Maintenance priority across this gateway's robots (1 = first). */
  priority: { rank: number; level: string; score: number; reasons: string[] } | null;
  maintenance: boolean;
  last_update: string | null;
}

export interface RobotRul {
  rul_s: number;
  rul_low_s: number;
  rul_high_s: number;
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
  vibration: { rms: number; peak: number; axes: WindowSummary['axes']; dominant_axis: string; sample_rate_hz: number; window_samples: number; lost_samples: number };
  health_score: number;
  /** Where health_score comes from: the RUL model, or the interim RMS mapping until the model has an estimate. */
  health_source: 'rul_model' | 'rms';
  rul: RobotRul | null;
  status: RobotStatus;
  spectrum: { df_hz: number; band_hz: number; amplitudes: number[]; peak_hz: number; peak_amplitude: number };
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

export interface Alert {
  id: string;
  gateway_id: string;
  site: string;
  robot_id: string | null;
  source: string;
  code: string;
  severity: AlertSeverity;
  message: string;
  ts: string;
  active: boolean;
  acknowledged: boolean;
}

export interface StateEvents {
  telemetry: [TelemetryRecord];
  robot_update: [RobotState];
  cleanroom: [CleanroomStatus];
  alert: [Alert];
}
