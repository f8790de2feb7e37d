/** Shared by bench/ingest.ts and bench/ingest-drain.ts: CPU time of processes, a realistic telemetry record. */
import { readFileSync, readdirSync } from 'node:fs';
import { makeTelemetry } from '../test/helpers/telemetry.js';
import type { TelemetryRecord } from '../src/state/types.js';

/** utime + stime of a process in CPU seconds (/proc), NaN when it is gone. */
export function cpuS(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

/** CPU seconds of a process and its direct children (the postmaster and its backends). */
export function treeCpuS(pid: number): number {
  let total = cpuS(pid);
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const f = readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1].split(' ');
      if (Number(f[1]) === pid) total += (Number(f[11]) + Number(f[12])) / 100;
    } catch {
      /* exited */
    }
  }
  return total;
}

/** A telemetry record as the gateway builds it: full vibration, ISO 20816, diagnosis, RUL, 64-band spectrum (~1.5 KB). */
export function record(gw: string, robot: string, i: number): TelemetryRecord {
  const rms = 0.1 + ((i * 7) % 50) / 200;
  return makeTelemetry(robot, Date.now(), rms, {
    gateway_id: gw,
    health_source: 'trend',
    rul: { rul_state: 'degrading', rul_s: 86400 * 30, rul_low_s: 86400 * 20, rul_high_s: 86400 * 45, unit: 's', confidence_level: 0.9, health_indicator: 0.2, model_version: 'femto-1', baseline_ready: true, input_window: { snapshots: 6, from: '2026-12-01T00:00:00Z', to: '2026-12-01T00:01:00Z' }, ts: new Date().toISOString() },
    spectrum: { df_hz: 0.78125, band_hz: 12.5, amplitudes: Array.from({ length: 64 }, (_, k) => Math.round(Math.abs(Math.sin(k + i)) * 1e5) / 1e5), peak_hz: 24.2, peak_amplitude: 0.25 },
  });
}

