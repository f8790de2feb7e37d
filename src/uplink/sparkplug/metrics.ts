import type { Alert, CleanroomLocationStatus, TelemetryRecord } from '../../state/types.js';
import type { TypeStr } from './codec.js';

/** A metric value as stored in the outbox and carried in a payload (null = is_null). */
export type MetricValue = number | string | boolean | null;

/** One Sparkplug metric: name, datatype, engineering unit, and where it comes from in the JSON. */
export interface MetricDef {
  name: string;
  type: TypeStr;
  /** Engineering unit (the `engUnit` property in the birth). */
  unit?: string;
  /** The JSON field it maps to (docs/mqtt.md). */
  json: string;
  /** Written by DCMD (robot commands). */
  writable?: boolean;
}

/** Metrics whose values are taken from one source record. */
export interface MetricGroup<S> {
  defs: MetricDef[];
  read(source: S): Record<string, MetricValue>;
}

const num = (v: number | null | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** In every DDATA: the device's outbox stream seq (+1 per DDATA produced, persisted), so a host can prove nothing was lost. */
export const STREAM_SEQ: MetricDef = { name: 'Stream Seq', type: 'UInt64', json: 'seq (own numbering: +1 per DDATA of the device)' };

const AXES = ['x', 'y', 'z'] as const;

/** A robot device: the fields of factory/{site}/{robot_id}/telemetry. */
export const robotTelemetry: MetricGroup<TelemetryRecord> = {
  defs: [
    { name: 'Status', type: 'String', json: 'status' },
    { name: 'Temperature', type: 'Double', unit: 'degC', json: 'temperature' },
    { name: 'Health/Score', type: 'Double', unit: '%', json: 'health_score' },
    { name: 'Health/Source', type: 'String', json: 'health_source' },
    { name: 'Vibration/RMS', type: 'Double', unit: 'g', json: 'vibration.rms' },
    { name: 'Vibration/Peak', type: 'Double', unit: 'g', json: 'vibration.peak' },
    { name: 'Vibration/Velocity RMS', type: 'Double', unit: 'mm/s', json: 'vibration.velocity_rms_mm_s' },
    { name: 'Vibration/Kurtosis', type: 'Double', json: 'vibration.kurtosis' },
    { name: 'Vibration/Crest Factor', type: 'Double', json: 'vibration.crest_factor' },
    { name: 'Vibration/Dominant Axis', type: 'String', json: 'vibration.dominant_axis' },
    { name: 'Vibration/Lost Samples', type: 'UInt64', json: 'vibration.lost_samples' },
    ...AXES.flatMap((a): MetricDef[] => [
      { name: `Vibration/${a.toUpperCase()}/RMS`, type: 'Double', unit: 'g', json: `vibration.axes.${a}.rms` },
      { name: `Vibration/${a.toUpperCase()}/Peak`, type: 'Double', unit: 'g', json: `vibration.axes.${a}.peak` },
      { name: `Vibration/${a.toUpperCase()}/Velocity RMS`, type: 'Double', unit: 'mm/s', json: `vibration.axes.${a}.velocity_rms_mm_s` },
      { name: `Vibration/${a.toUpperCase()}/Kurtosis`, type: 'Double', json: `vibration.axes.${a}.kurtosis` },
    ]),
    { name: 'ISO 20816/Zone', type: 'String', json: 'iso20816.zone' },
    { name: 'ISO 20816/Velocity RMS', type: 'Double', unit: 'mm/s', json: 'iso20816.velocity_rms_mm_s' },
    { name: 'Diagnosis/Label', type: 'String', json: 'diagnosis.label' },
    { name: 'Diagnosis/Confidence', type: 'Double', unit: '1', json: 'diagnosis.confidence' },
    { name: 'RUL/State', type: 'String', json: 'rul.rul_state' },
    { name: 'RUL/Remaining', type: 'Double', unit: 's', json: 'rul.rul_s' },
    { name: 'RUL/Low', type: 'Double', unit: 's', json: 'rul.rul_low_s' },
    { name: 'RUL/High', type: 'Double', unit: 's', json: 'rul.rul_high_s' },
    { name: 'RUL/Confidence Level', type: 'Double', unit: '1', json: 'rul.confidence_level' },
    { name: 'RUL/Health Indicator', type: 'Double', json: 'rul.health_indicator' },
    { name: 'RUL/Baseline Ready', type: 'Boolean', json: 'rul.baseline_ready' },
    { name: 'RUL/Model Version', type: 'String', json: 'rul.model_version' },
  ],
  read(r) {
    const v = r.vibration;
    const out: Record<string, MetricValue> = {
      Status: r.status,
      Temperature: num(r.temperature),
      'Health/Score': num(r.health_score),
      'Health/Source': r.health_source,
      'Vibration/RMS': num(v.rms),
      'Vibration/Peak': num(v.peak),
      'Vibration/Velocity RMS': num(v.velocity_rms_mm_s),
      'Vibration/Kurtosis': num(v.kurtosis),
      'Vibration/Crest Factor': num(v.crest_factor),
      'Vibration/Dominant Axis': v.dominant_axis,
      'Vibration/Lost Samples': num(v.lost_samples),
      'ISO 20816/Zone': r.iso20816?.zone ?? null,
      'ISO 20816/Velocity RMS': num(r.iso20816?.velocity_rms_mm_s),
      'Diagnosis/Label': r.diagnosis?.label ?? null,
      'Diagnosis/Confidence': num(r.diagnosis?.confidence),
      'RUL/State': r.rul?.rul_state ?? null,
      'RUL/Remaining': num(r.rul?.rul_s),
      'RUL/Low': num(r.rul?.rul_low_s),
      'RUL/High': num(r.rul?.rul_high_s),
      'RUL/Confidence Level': num(r.rul?.confidence_level),
      'RUL/Health Indicator': num(r.rul?.health_indicator),
      'RUL/Baseline Ready': r.rul ? r.rul.baseline_ready : null,
      'RUL/Model Version': r.rul?.model_version ?? null,
    };
    for (const a of AXES) {
      const ax = v.axes?.[a];
      const A = a.toUpperCase();
      out[`Vibration/${A}/RMS`] = num(ax?.rms);
      out[`Vibration/${A}/Peak`] = num(ax?.peak);
      out[`Vibration/${A}/Velocity RMS`] = num(ax?.velocity_rms_mm_s);
      out[`Vibration/${A}/Kurtosis`] = num(ax?.kurtosis);
    }
    return out;
  },
};

/** Maintenance mode of a robot (set_maintenance_mode), from the gateway state rather than the telemetry. */
export const MAINTENANCE: MetricDef = { name: 'Maintenance', type: 'Boolean', json: 'GET /api/robots/:id maintenance' };
/** The outcome of the last DCMD of a device: `{status} {command} [{code}]: {message}`. */
export const COMMAND_RESULT: MetricDef = { name: 'Commands/Last Result', type: 'String', json: 'cmd/ack (status, code, message)' };

const sizeName = (um: number) => `${um} um`;

/** A cleanroom location (one particle counter): the fields of one entry of cleanroom/{site}/status `locations`. */
export function locationMetrics(sizesUm: readonly number[]): MetricGroup<CleanroomLocationStatus> {
  return {
    defs: [
      { name: 'Location', type: 'String', json: 'location' },
      { name: 'Data Valid', type: 'Boolean', json: 'data_valid' },
      { name: 'ISO 14644/Class', type: 'Double', json: 'iso_class' },
      { name: 'ISO 14644/Sample Class', type: 'Double', json: 'sample_iso_class' },
      { name: 'ISO 14644/Configured Class', type: 'Double', json: 'configured_class' },
      { name: 'ISO 14644/Meets Configured Class', type: 'Boolean', json: 'meets_configured_class' },
      ...sizesUm.map((s, i): MetricDef => ({ name: `Concentration/${sizeName(s)}`, type: 'Double', unit: 'particles/m3', json: `concentration_per_m3[${i}]` })),
      ...sizesUm.map((s, i): MetricDef => ({ name: `Average/${sizeName(s)}`, type: 'Double', unit: 'particles/m3', json: `average_per_m3[${i}]` })),
      { name: 'Alarm/Excursion', type: 'String', json: 'alarm.excursion.level' },
      { name: 'Alarm/Counter Fault', type: 'Boolean', json: 'alarm.counterFault.active' },
      { name: 'Alarm/Counter Fault Reasons', type: 'String', json: 'alarm.counterFault.reasons (comma separated)' },
    ],
    read(l) {
      const alarm = (l.alarm ?? {}) as { excursion?: { level?: string }; counterFault?: { active?: boolean; reasons?: string[] } };
      const out: Record<string, MetricValue> = {
        Location: l.location,
        'Data Valid': l.data_valid,
        'ISO 14644/Class': num(l.iso_class),
        'ISO 14644/Sample Class': num(l.sample_iso_class),
        'ISO 14644/Configured Class': num(l.configured_class),
        'ISO 14644/Meets Configured Class': l.meets_configured_class,
        'Alarm/Excursion': alarm.excursion?.level ?? null,
        'Alarm/Counter Fault': alarm.counterFault?.active ?? null,
        'Alarm/Counter Fault Reasons': alarm.counterFault ? (alarm.counterFault.reasons ?? []).join(',') : null,
      };
      sizesUm.forEach((s, i) => {
        // Sizes are matched by value: a status whose channels differ from the config leaves the metric null.
        const j = l.sizes_um.indexOf(s);
        out[`Concentration/${sizeName(s)}`] = j >= 0 ? num(l.concentration_per_m3[j]) : null;
        out[`Average/${sizeName(s)}`] = j >= 0 ? num(l.average_per_m3[j]) : null;
      });
      return out;
    },
  };
}

/** Node metrics besides bdSeq and Node Control/Rebirth: identity (births only) and the last alert (NDATA). */
export const nodeInfo: MetricDef[] = [
  { name: 'Properties/Site', type: 'String', json: 'site' },
  { name: 'Properties/Version', type: 'String', json: '/health version' },
  { name: 'Properties/Simulation', type: 'Boolean', json: '/health simulation' },
];

export const nodeAlerts: MetricGroup<Alert> = {
  defs: [
    { name: 'Alerts/Last Id', type: 'String', json: 'alert id' },
    { name: 'Alerts/Last Code', type: 'String', json: 'alert code' },
    { name: 'Alerts/Last Severity', type: 'String', json: 'alert severity' },
    { name: 'Alerts/Last Source', type: 'String', json: 'alert source' },
    { name: 'Alerts/Last Robot', type: 'String', json: 'alert robot_id' },
    { name: 'Alerts/Last Message', type: 'String', json: 'alert message' },
    { name: 'Alerts/Last Active', type: 'Boolean', json: 'alert active' },
    { name: 'Alerts/Last Acknowledged', type: 'Boolean', json: 'alert acknowledged' },
  ],
  read(a) {
    return {
      'Alerts/Last Id': a.id,
      'Alerts/Last Code': a.code,
      'Alerts/Last Severity': a.severity,
      'Alerts/Last Source': a.source,
      'Alerts/Last Robot': a.robot_id ?? '',
      'Alerts/Last Message': a.message,
      'Alerts/Last Active': a.active,
      'Alerts/Last Acknowledged': a.acknowledged,
    };
  },
};

export const BD_SEQ: MetricDef = { name: 'bdSeq', type: 'Int64', json: '-' };
export const REBIRTH: MetricDef = { name: 'Node Control/Rebirth', type: 'Boolean', json: '-', writable: true };
