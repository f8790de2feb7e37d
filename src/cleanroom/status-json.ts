import type { LocationStatus } from './location-monitor.js';
import type { CleanroomLocationStatus } from '../state/types.js';
import type { DeviceFault } from '../core/device-fault.js';

const r3 = (v: number | null): number | null => (v === null ? null : Number(v.toPrecision(4)));

/** The API/MQTT view (snake_case, rounded) of one location's status. */
export function locationStatusJson(s: LocationStatus, deviceFault: DeviceFault | null): CleanroomLocationStatus {
  return {
    counter_id: s.counterId,
    location: s.location,
    ts: new Date(s.ts).toISOString(),
    data_valid: s.dataValid,
    lower_bound: s.lowerBound,
    sizes_um: s.sizesUm,
    counts: s.counts,
    sample_volume_l: r3(s.sampleVolumeL),
    required_sample_volume_l: r3(s.requiredSampleVolumeL),
    sample_volume_ok: s.sampleVolumeOk,
    concentration_per_m3: s.concentrationPerM3.map(r3),
    average_per_m3: s.averagePerM3.map(r3),
    average_samples: s.averageSamples,
    iso_class: s.isoClass,
    sample_iso_class: s.sampleIsoClass,
    configured_class: s.configuredClass,
    meets_configured_class: s.meetsConfiguredClass,
    alarm_levels: s.alarmLevels,
    margins: s.margins.map((m) => ({
      size_um: m.sizeUm,
      applicable: m.applicable,
      considered: m.considered,
      limit_per_m3: m.limitPerM3,
      ratio: r3(m.ratio),
      headroom_per_m3: r3(m.headroomPerM3),
      headroom_pct: r3(m.headroomPct),
      sample_ratio: r3(m.sampleRatio),
    })),
    alarm: s.alarm,
    faults: s.faults,
    invalid_reason: s.invalidReason,
    environment: s.environment,
    device_fault: deviceFault,
  };
}
