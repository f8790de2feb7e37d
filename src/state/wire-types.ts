// Generated from docs/schemas/*.json by src/config/schema-to-ts.ts (npm run gen:config-types). Do not edit.

/** factory/{site}/{robot_id}/alerts (robot), cleanroom/{site}/alerts (counters), factory/{site}/gateways/{gateway_id}/alerts (gateway, e.g. OUTBOX_*). QoS 1, never dropped by the outbox, sent before telemetry. One message per alarm event (raised, changed, cleared, acknowledged, or a one-off event), each with a new id; alarm_id names the alarm (docs/alarms.md), state is its ISA-18.2 state after the event. The alarm fields (alarm_id ... cleared_at) are absent from gateways older than the alarm model. */
export type AlertMessage = {
  gateway_id: string;
  site: string;
  /** Production time, ISO-8601 UTC. */
  ts: string;
  /** Per-stream sequence number (stream = gateway_id + topic), +1 per message, persisted across restarts. A gap means lost messages (see the gateway's uplink.outbox.dropped_by_stream); an equal seq is a QoS 1 re-delivery of the same message. Range: 1 .. inf. */
  seq: number;
  /** true: produced while the uplink was down (or before a restart) and sent later from the outbox; ts is still the production time. */
  replayed: boolean;
  /** New for every event (also for an acknowledgement). */
  id: string;
  robot_id: string | null;
  source: string;
  /** Stable code (docs/error-codes.md), e.g. DEVICE_IO, OUTBOX_TELEMETRY_DROPPED, ISO20816_ZONE_D; a clear carries the clearing code (DEVICE_RECOVERED, ISO20816_ZONE_OK, CLEANROOM_EXCURSION_CLEARED, ALARM_NOT_RECONFIRMED). */
  code: string;
  /** The alarm's severity; a clear carries the severity of the condition it clears. */
  severity: "info" | "warning" | "critical";
  message: string;
  /** True only while the condition holds. */
  active: boolean;
  /** The current occurrence was acknowledged. */
  acknowledged: boolean;
  /** The alarm's stable identity: robot_id (or "-") | source | condition. A condition raised again, also after a gateway restart, has the same alarm_id. */
  alarm_id: string;
  /** ISA-18.2 state after this event: unacknowledged-active, acknowledged-active, returned to normal unacknowledged, normal. */
  state: "UNACK_ACTIVE" | "ACK_ACTIVE" | "UNACK_RTN" | "NORMAL";
  /** condition: raised and cleared by its producer; event: a one-off notification (uplink fault, model update), cleared at once; warning/critical ones still need an acknowledgement. */
  kind: "condition" | "event";
  /** Who acknowledged (the API token's name; "anonymous (transport)" without one). */
  acked_by: string | null;
  /** When it was acknowledged. */
  acked_at: string | null;
  ack_comment: string | null;
  /** When the current occurrence was raised. */
  raised_at: string;
  /** When the condition cleared (null while active). */
  cleared_at: string | null;
};

/** cleanroom/{site}/status, QoS 1, every cleanroom.publishIntervalS. Never dropped by the outbox. */
export type CleanroomStatusMessage = {
  gateway_id: string;
  site: string;
  /** Production time, ISO-8601 UTC. */
  ts: string;
  /** Per-stream sequence number (stream = gateway_id + topic), +1 per message, persisted across restarts. A gap means lost messages (see the gateway's uplink.outbox.dropped_by_stream); an equal seq is a QoS 1 re-delivery of the same message. Range: 1 .. inf. */
  seq: number;
  /** true: produced while the uplink was down (or before a restart) and sent later from the outbox; ts is still the production time. */
  replayed: boolean;
  locations: Array<CleanroomLocation>;
  units: {
    [key: string]: string;
  };
};

/** One cleanroom location (particle counter), as in GET /api/cleanroom/status. */
export type CleanroomLocation = {
  counter_id: string;
  location: string;
  /** Sample time (from the counter). */
  ts: string;
  data_valid: boolean;
  /** Counts saturated: the concentrations are lower bounds. */
  lower_bound: boolean;
  sizes_um: Array<number>;
  counts: Array<number>;
  /** Volume of this sample, litres. */
  sample_volume_l: number | null;
  /** ISO 14644-1 minimum sample volume for the configured class, litres. */
  required_sample_volume_l: number | null;
  sample_volume_ok: boolean | null;
  /** Particles per m3 per channel; null where the sample cannot be used (no data, invalid or unusable sample). */
  concentration_per_m3: Array<number | null>;
  /** Rolling average, particles per m3 per channel. */
  average_per_m3: Array<number | null>;
  /** Range: 0 .. inf. */
  average_samples: number;
  /** Best ISO 14644-1 class (0.1 steps) the rolling average meets; null = worse than 9 or no data. */
  iso_class: number | null;
  /** Best class this sample alone meets. */
  sample_iso_class: number | null;
  configured_class: number;
  meets_configured_class: boolean | null;
  /** Excursion levels as fractions of the class limit. */
  alarm_levels: {
    alert: number;
    action: number;
    limit: number;
  };
  /** Per size, the rolling average against the configured class (docs/cleanroom.md). */
  margins: Array<Record<string, unknown>>;
  /** Excursion, counter-fault and environment alarm states (docs/cleanroom.md). */
  alarm: Record<string, unknown>;
  /** Status names the counter reported with this sample. */
  faults: Array<string>;
  invalid_reason: string | null;
  /** temperatureC, humidityPct, dpPa: value, min, max, status. */
  environment: Record<string, unknown>;
  device_fault: null | DeviceFault;
};

/** A device's current fault (src/core/device-fault.ts). */
export type DeviceFault = {
  device: string;
  /** Stable code (docs/error-codes.md). */
  code: string;
  message: string;
  /** ms since the epoch */
  since: number;
};

/** factory/{site}/{robot_id}/cmd/ack and factory/{site}/gateways/{gateway_id}/cmd/ack (through the outbox: durable, never dropped, sent first), and for MQTT 5 also to the command's Response Topic with its Correlation Data (not through the outbox). */
export type CommandAckMessage = {
  gateway_id: string;
  site: string;
  /** Production time, ISO-8601 UTC. */
  ts: string;
  /** Per-stream sequence number (stream = gateway_id + topic), +1 per message, persisted across restarts. A gap means lost messages (see the gateway's uplink.outbox.dropped_by_stream); an equal seq is a QoS 1 re-delivery of the same message. Range: 1 .. inf. */
  seq: number;
  /** true: produced while the uplink was down (or before a restart) and sent later from the outbox; ts is still the production time. */
  replayed?: boolean;
  /** The command's id (generated when absent; null when the body could not be read). */
  id: string | null;
  /** The robot; null for a gateway command (factory/{site}/gateways/{gateway_id}/cmd/ack, e.g. model_rollback). */
  robot_id: string | null;
  command: string | null;
  source?: "mqtt";
  status: "ok" | "rejected" | "failed";
  /** When not ok: BAD_REQUEST (not JSON / wrong shape), UNKNOWN_COMMAND, BAD_PARAMETERS, UNKNOWN_ROBOT, EXPIRED, FAILED, or the command's own code. */
  code?: string;
  message: string;
  result?: unknown;
  duplicate?: boolean;
};

/** factory/{site}/{robot_id}/cmd, to the gateway that owns robot_id. MQTT 5: set Response Topic (and Correlation Data) to get the ack there as well. The same commands as REST (GET /api/commands lists them with their parameter schemas). */
export type CommandMessage = {
  /** start_acquisition | stop_acquisition | set_maintenance_mode | acknowledge_alert | reset_rul | ... */
  command: string;
  /** The command's parameters, validated against the command's own schema (GET /api/commands). */
  parameters?: Record<string, unknown>;
  /** Client-chosen; an id that was executed is not executed again, also after a restart (the first outcome is returned with duplicate: true). The whole payload is at most mqtt.commands.maxBytes (16 KiB) and 32 levels deep; a retained command is never executed. */
  id?: string;
  /** Commands older than the TTL (commands.ttlS, 60 s) are refused with EXPIRED, further ahead than the allowed clock skew (commands.clockSkewS, 30 s) with ISSUED_IN_FUTURE. */
  issued_at?: string;
};

/** factory/{site}/gateways/{gateway_id}/status, QoS 1, RETAINED. 'online' on every (re)connect (so a broker restarted without persistence has it again), 'offline' on a clean stop or by the MQTT last will. Not queued in the outbox and carries no seq: it is state, not an event. */
export type GatewayStatusMessage = {
  gateway_id: string;
  site: string;
  state: "online" | "offline";
  /** Production time, ISO-8601 UTC. */
  ts: string;
};

/** REST only (not an MQTT message): the gateway's current picture of one robot, as served by GET /api/robots/:id and in GET /api/robots and the WebSocket snapshot. Its parts are the telemetry message's definitions. */
export type RobotStateMessage = {
  robot_id: string;
  name: string | null;
  status: RobotStatus;
  /** Range: 0 .. 100. */
  health_score: number | null;
  /** Why the status and health score are what they are, most important first (src/monitor/status-model.ts). */
  status_reasons: Array<string>;
  /** Whether the robot's sensors are being sampled; since is when a command last changed it (null = since start). */
  sampling: {
    running: boolean;
    since: string | null;
  };
  /** The RUL baseline was learnt while the robot was in zone C/D or showed a fault: its trend is ignored. */
  baseline_learnt_while_faulty: boolean;
  /** degC */
  temperature: number | null;
  vibration: null | VibrationSummary;
  iso20816: null | Iso20816;
  diagnosis: null | Diagnosis;
  fault_frequencies: null | FaultFrequencies;
  /** Amplitude spectrum of the dominant axis (band RMS). */
  spectrum: null | (SpectrumBands & {
    axis: string;
  });
  /** Squared envelope spectrum of the dominant axis (band max) and the band the kurtogram chose. */
  envelope_spectrum: null | {
    band_hz: number;
    values: Array<number>;
    filter_band_hz: [number, number];
  };
  sensors: {
    /** Range: 0 .. inf. */
    samples_acquired: number;
    /** Range: 0 .. inf. */
    samples_lost: number;
    measured_rate_hz: number;
    last_sample_at: string | null;
  };
  faults: Array<DeviceFault>;
  /** Remaining useful life from the ONNX model (null until the first estimate or without a model). */
  rul: null | Rul;
  /** Maintenance priority across this gateway's robots (1 = first). */
  priority: null | {
    /** Range: 1 .. inf. */
    rank: number;
    level: string;
    score: number;
    reasons: Array<string>;
  };
  maintenance: boolean;
  last_update: string | null;
};

/** factory/{site}/{robot_id}/spectrum, QoS 1, not retained, at analysis.spectrumPublishIntervalS: the detailed spectra of the dominant axis. */
export type SpectrumMessage = {
  robot_id: string;
  gateway_id: string;
  site: string;
  /** Production time, ISO-8601 UTC. */
  ts: string;
  /** Per-stream sequence number (stream = gateway_id + topic), +1 per message, persisted across restarts. A gap means lost messages (see the gateway's uplink.outbox.dropped_by_stream); an equal seq is a QoS 1 re-delivery of the same message. Range: 1 .. inf. */
  seq: number;
  /** true: produced while the uplink was down (or before a restart) and sent later from the outbox; ts is still the production time. */
  replayed: boolean;
  /** The dominant axis the spectra are of. */
  axis: string;
  /** Hz */
  sample_rate_hz: number;
  window_samples: number;
  /** Amplitude spectrum (band RMS). */
  spectrum: {
    df_hz: number;
    band_hz: number;
    unit: string;
    values: Array<number>;
  };
  /** Squared envelope spectrum (band max) and the band the kurtogram chose. */
  envelope_spectrum: {
    band_hz: number;
    unit: string;
    values: Array<number>;
    filter_band_hz: [number, number];
  };
  fault_frequencies: null | FaultFrequencies;
};

/** factory/{site}/{robot_id}/telemetry, QoS 1, not retained. One analysis window of one robot. */
export type TelemetryMessage = {
  robot_id: string;
  gateway_id: string;
  site: string;
  /** Production time, ISO-8601 UTC. */
  ts: string;
  /** Per-stream sequence number (stream = gateway_id + topic), +1 per message, persisted across restarts. A gap means lost messages (see the gateway's uplink.outbox.dropped_by_stream); an equal seq is a QoS 1 re-delivery of the same message. Range: 1 .. inf. */
  seq: number;
  /** true: produced while the uplink was down (or before a restart) and sent later from the outbox; ts is still the production time. */
  replayed: boolean;
  /** degC */
  temperature: number | null;
  vibration: (VibrationSummary & {
    /** Samples lost in this window. Range: 0 .. inf. */
    lost_samples: number;
  });
  /** Range: 0 .. 100. */
  health_score: number;
  health_source: HealthSource;
  /** null until the first estimate or without a model. */
  rul: null | Rul;
  status: RobotStatus;
  /** Why status and health_score are what they are, most important first; the first is a one-line headline. */
  status_reasons: Array<string>;
  /** The RUL baseline was learnt while the robot was in ISO 20816 zone C/D or showed a detected fault; its trend is ignored by the health score. */
  baseline_learnt_while_faulty: boolean;
  iso20816: Iso20816;
  diagnosis: Diagnosis;
  fault_frequencies: null | FaultFrequencies;
  /** Coarse amplitude spectrum of the dominant axis (the detailed one goes to .../spectrum less often). */
  spectrum: SpectrumBands;
  units: {
    [key: string]: string;
  };
};

/** One axis of an analysis window. */
export type AxisSummary = {
  /** AC RMS, g */
  rms: number;
  /** g */
  peak: number;
  /** mm/s */
  velocity_rms_mm_s: number;
  kurtosis: number;
};

/** Time-domain features of one analysis window. */
export type VibrationSummary = {
  /** Overall AC RMS over the three axes, g */
  rms: number;
  /** g */
  peak: number;
  axes: {
    x: AxisSummary;
    y: AxisSummary;
    z: AxisSummary;
  };
  dominant_axis: string;
  sample_rate_hz: number;
  window_samples: number;
  /** mm/s, over the ISO 20816 band */
  velocity_rms_mm_s: number;
  kurtosis: number;
  crest_factor: number;
  skewness: number;
  /** g */
  peak_to_peak: number;
};

/** ISO 20816 zone of the window (docs/status.md). */
export type Iso20816 = {
  zone: "A" | "B" | "C" | "D";
  /** mm/s */
  velocity_rms_mm_s: number;
  /** Zone boundaries, mm/s */
  limits: {
    ab: number;
    bc: number;
    cd: number;
  };
  /** Band of the velocity RMS, Hz */
  band_hz: [number, number];
};

/** Bearing-fault / imbalance diagnosis (docs/diagnosis.md). */
export type Diagnosis = {
  /** Voted over the last analysis.diagnosisVoteWindows windows. */
  label: string;
  /** Range: 0 .. 1. */
  confidence: number;
  /** Range: 0 .. inf. */
  windows: number;
  /** Votes per label over the voting windows. */
  votes: {
    [key: string]: number;
  };
  evidence: Array<{
    fault: string;
    source: string;
    component: string;
    expected_hz: number;
    found_hz: number;
    db_above_floor: number;
  }>;
  /** This window's own label. */
  window_label: string;
};

/** Shaft and bearing defect frequencies, Hz. */
export type FaultFrequencies = {
  shaft_hz: number;
  FTF: number;
  BPFO: number;
  BPFI: number;
  BSF: number;
};

/** Coarse amplitude spectrum of the dominant axis (band RMS). */
export type SpectrumBands = {
  df_hz: number;
  band_hz: number;
  amplitudes: Array<number>;
  peak_hz: number;
  peak_amplitude: number;
};

/** Remaining useful life (docs/rul.md); null until the first estimate or without a model. What it may say depends on rul_state: learning (baseline being learnt, provisional), no_degradation (only the lower bound rul_low_s: the RUL exceeds it with confidence_level; rul_s and rul_high_s are null), degrading (point estimate rul_s and interval [rul_low_s, rul_high_s]), failed (past the failure criterion; all 0). */
export type Rul = {
  rul_state: "learning" | "no_degradation" | "degrading" | "failed";
  /** point estimate, s (the 0.2 quantile: the PHM 2012 score's Bayes point); null in no_degradation Range: 0 .. inf. */
  rul_s: number | null;
  /** lower end of the interval, s; in no_degradation the one-sided lower bound at confidence_level Range: 0 .. inf. */
  rul_low_s: number;
  /** upper end of the interval, s; null in no_degradation Range: 0 .. inf. */
  rul_high_s: number | null;
  unit: "s";
  confidence_level: number;
  /** Range: 0 .. 1. */
  health_indicator: number;
  model_version: string;
  baseline_ready: boolean;
  /** The snapshots the estimate was computed from. */
  input_window: {
    /** Range: 0 .. inf. */
    snapshots: number;
    from: string;
    to: string;
  };
  ts: string;
  /** Present only when the figures were clamped (src/prognosis/rul-cap.ts, docs/rul.md): the model's point estimate (in no_degradation its lower bound) was above 2 x the longest life in its training data (models/rul.json training_data: an extrapolation, not a prediction), then every figure is clamped to [0, cap_s]; or a figure was negative, then it is 0. status_reasons says so and fabwatch_rul_capped_total counts it. */
  capped?: {
    reason: "above_training_range" | "negative";
    /** The model's figure that was out of range, s (null: not a number). */
    model_rul_s: number | null;
    /** The cap, s: 2 x the longest training life (null: the card lists no training lives, only negatives are clamped). */
    cap_s: number | null;
  };
};

/** Which anchor of the status model set health_score, the lowest of them (docs/status.md): the velocity against the ISO 20816 zone limits, the diagnosis, a degrading or failed RUL, or the asset's own trend from its learnt baseline. */
export type HealthSource = "zone" | "diagnosis" | "rul" | "trend";

export type RobotStatus = "starting" | "ok" | "warning" | "critical" | "fault";
