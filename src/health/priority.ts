/**
 * Maintenance priority: ranks robots so a technician knows which to look at first. Pure.
 *
 * Each robot gets an urgency in [0, 1] from three independent signals, combined as a noisy-OR
 * (any one of them alone can make a robot urgent; several together make it more so):
 *   - RUL: the LOWER end of the RUL interval (conservative: an uncertain estimate counts as
 *     shorter), mapped on a log scale from `rulUrgentS` (urgency 1) to `rulRelaxedS` (0) - only
 *     when `rul_state` is 'degrading' (or absent: a stateless REST estimate). 'no_degradation'
 *     carries only a lower bound ("more than X"), which says nothing about an imminent failure:
 *     it adds no urgency. 'learning' adds none either; 'failed' is urgency 1 (critical);
 *   - ISO 20816 zone: A 0, B 0.2, C 0.6, D 0.95;
 *   - diagnosis: a detected bearing fault, weighted by the diagnosis confidence (0-1).
 * Levels: critical (>= 0.8 or zone D), high (>= 0.5), medium (>= 0.25), low. Ties are broken by
 * the lower RUL bound, then robot id, so the order is stable.
 */
import type { RulState } from './rul-state.js';

export type IsoZone = 'A' | 'B' | 'C' | 'D';
export type PriorityLevel = 'critical' | 'high' | 'medium' | 'low';

export interface PriorityInput {
  robot_id: string;
  /** RUL state (src/health/rul-state.ts); absent = a plain interval (rul_s/low/high) to be used as is. */
  rul_state?: RulState | null;
  /** RUL interval in seconds; null/undefined when RUL is unavailable for this robot. */
  rul_s?: number | null;
  rul_low_s?: number | null;
  rul_high_s?: number | null;
  iso_zone?: IsoZone | null;
  /** Fault name from the diagnosis ('none', 'not_diagnosable' or absent = no fault found). */
  diagnosis?: string | null;
  /** Confidence of the diagnosis, 0-1 (default 0.5 when a fault is given without one). */
  diagnosis_confidence?: number | null;
}

export interface PriorityResult {
  robot_id: string;
  rank: number;
  level: PriorityLevel;
  /** 0-100. */
  score: number;
  reasons: string[];
}

export interface PriorityOptions {
  /** RUL lower bound at or below which RUL urgency is 1 (default 1 h). */
  rulUrgentS?: number;
  /** RUL lower bound at or above which RUL urgency is 0 (default 30 days). */
  rulRelaxedS?: number;
}

const ZONE_URGENCY: Record<IsoZone, number> = { A: 0, B: 0.2, C: 0.6, D: 0.95 };
const NO_FAULT = new Set(['', 'none', 'healthy', 'normal', 'not_diagnosable', 'no_clear_fault', 'unknown']);

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

function fmtDuration(s: number): string {
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} d`;
}

/** Urgency and reasons for one robot. */
export function maintenanceUrgency(r: PriorityInput, opts: PriorityOptions = {}): { urgency: number; level: PriorityLevel; reasons: string[] } {
  const urgentS = opts.rulUrgentS ?? 3600;
  const relaxedS = opts.rulRelaxedS ?? 30 * 86400;
  const reasons: string[] = [];

  let uRul = 0;
  const low = r.rul_low_s ?? r.rul_s;
  if (r.rul_state === 'failed') {
    uRul = 1;
    reasons.push('RUL: past the failure criterion');
  } else if (r.rul_state === 'learning') {
    reasons.push('RUL: learning the baseline');
  } else if (r.rul_state === 'no_degradation') {
    reasons.push(typeof low === 'number' && Number.isFinite(low) ? `RUL: no degradation detected (more than ${fmtDuration(low)})` : 'RUL: no degradation detected');
  } else if (typeof low === 'number' && Number.isFinite(low)) {
    uRul = clamp01(1 - Math.log(Math.max(low, 1) / urgentS) / Math.log(relaxedS / urgentS));
    if (uRul > 0) reasons.push(`RUL lower bound ${fmtDuration(low)}${r.rul_s != null ? ` (estimate ${fmtDuration(r.rul_s)})` : ''}`);
    if (r.rul_high_s != null && low > 0 && r.rul_high_s / low > 20) reasons.push('RUL interval is wide (low confidence)');
  } else {
    reasons.push('RUL unavailable');
  }

  const uZone = r.iso_zone ? ZONE_URGENCY[r.iso_zone] : 0;
  if (r.iso_zone && uZone > 0) reasons.push(`ISO 20816 zone ${r.iso_zone}`);

  let uDiag = 0;
  const fault = (r.diagnosis ?? '').toLowerCase();
  if (!NO_FAULT.has(fault)) {
    const conf = clamp01(r.diagnosis_confidence ?? 0.5);
    uDiag = 0.7 * conf;
    reasons.push(`diagnosis: ${r.diagnosis} (confidence ${Math.round(conf * 100)} %)`);
  }

  const urgency = 1 - (1 - uRul) * (1 - uZone) * (1 - uDiag);
  const level: PriorityLevel = urgency >= 0.8 || r.iso_zone === 'D' ? 'critical' : urgency >= 0.5 ? 'high' : urgency >= 0.25 ? 'medium' : 'low';
  return { urgency, level, reasons };
}

/** Lower RUL bound for tie-breaking; a no_degradation or learning bound does not make a robot look sooner. */
function rulTieKey(r: PriorityInput): number {
  if (r.rul_state === 'failed') return 0;
  if (r.rul_state === 'no_degradation' || r.rul_state === 'learning') return Infinity;
  return r.rul_low_s ?? r.rul_s ?? Infinity;
}

/** Rank robots, most urgent first (rank 1). */
export function rankMaintenance(robots: readonly PriorityInput[], opts: PriorityOptions = {}): PriorityResult[] {
  const levelOrder: Record<PriorityLevel, number> = { critical: 0, high: 1, medium: 2, low: 3 };
  const scored = robots.map((r) => ({ r, ...maintenanceUrgency(r, opts) }));
  scored.sort((a, b) => {
    if (levelOrder[a.level] !== levelOrder[b.level]) return levelOrder[a.level] - levelOrder[b.level];
    if (b.urgency !== a.urgency) return b.urgency - a.urgency;
    const la = rulTieKey(a.r);
    const lb = rulTieKey(b.r);
    if (la !== lb) return la - lb;
    return a.r.robot_id < b.r.robot_id ? -1 : a.r.robot_id > b.r.robot_id ? 1 : 0;
  });
  return scored.map((s, i) => ({ robot_id: s.r.robot_id, rank: i + 1, level: s.level, score: Math.round(s.urgency * 1000) / 10, reasons: s.reasons }));
}
