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
  maintenance: boolean;
  last_update: string | null;
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
