/**
 * The one status model: from all the evidence about a robot -- ISO 20816 zone, the voted diagnosis
 * with its confidence and strength, the RUL state, device faults and active alerts -- derive its
 * status badge, health score, maintenance urgency and the reasons for them. Pure: the gateway
 * (MQTT, REST, WebSocket, the page) and `fabwatch analyze` call the same function, so they cannot
 * disagree.
 *
 * Rules:
 *  - The health score is the LOWEST of several anchors, each 0-100:
 *      * absolute: the velocity against the ISO 20816 zone limits (A/B boundary 85, B/C 60, C/D 30,
 *        twice C/D 0, log-linear in between; half the A/B limit and below 100);
 *      * diagnosis: a detected bearing fault caps health at 65 (weak evidence) down to 35 (strong,
 *        confident); a shaft-order fault (imbalance, misalignment) at 80 down to 60;
 *      * RUL: `failed` caps at 5; `degrading` maps the interval's lower end on a log scale from
 *        1 h (10) to 30 d (70);
 *      * trend: the asset's own score from its learnt baseline -- ignored (and said so) when the
 *        baseline was learnt while the robot was already in zone C/D or showed a fault, because a
 *        faulty baseline makes the fault look normal.
 *  - Status: `fault` while a device fault hides the data; otherwise `critical` on zone D, RUL
 *    `failed`, a degrading RUL whose lower end is under 24 h, an active critical alert or health
 *    < 40; `warning` on zone C, a detected fault, a degrading RUL, an active warning alert or
 *    health < 70; else `ok`. A robot with an active critical alert is never `ok`.
 *  - Urgency (0-1) is a noisy-OR of independent signals (zone, diagnosis, RUL, alerts, device
 *    faults). A `no_degradation` or `learning` RUL adds nothing: a lower bound is not an imminent
 *    failure.
 */
import type { Rul } from '../state/wire-types.js';

export type IsoZone = 'A' | 'B' | 'C' | 'D';
/** The published RUL states (docs/schemas/telemetry.json#/definitions/rul). */
export type RulStateName = Rul['rul_state'];
export type AssessedStatus = 'ok' | 'warning' | 'critical' | 'fault';
export type PriorityLevel = 'critical' | 'high' | 'medium' | 'low';
export type AlertSeverity = 'info' | 'warning' | 'critical';

export interface StatusEvidence {
  robot_id: string;
  /** ISO 20816 evaluation of the latest window (null before the first one). */
  iso20816?: { zone: IsoZone; velocity_rms_mm_s: number; limits: { ab: number; bc: number; cd: number } } | null;
  /** The voted diagnosis: label ('none' = nothing found), confidence 0-1, evidence strength. */
  diagnosis?: { label: string; confidence: number; evidence?: ReadonlyArray<{ db_above_floor: number }> } | null;
  /** RUL with its state; the point estimate is only present when degrading. */
  rul?: ({ state: RulStateName } & Partial<Pick<Rul, 'rul_s' | 'rul_high_s'>> & { rul_low_s?: number | null; capped?: Rul['capped'] | null }) | null;
  /** The asset's own trend score (0-100) from its learnt baseline, when it has one. */
  trend?: { score: number; baseline_learnt_while_faulty?: boolean } | null;
  /** Device faults currently active (sensor not readable, ...), by code. */
  device_faults?: readonly string[];
  /** Active alerts of this robot (only those whose condition still holds). */
  active_alerts?: ReadonlyArray<{ severity: AlertSeverity; code: string }>;
}

export interface Assessment {
  robot_id: string;
  status: AssessedStatus;
  /** 0-100, one decimal; null when there is no evidence at all yet. */
  health_score: number | null;
  /** Which anchor set the score ('zone', 'diagnosis', 'rul', 'trend'). */
  health_basis: 'zone' | 'diagnosis' | 'rul' | 'trend' | null;
  /** True when the learnt baseline was ignored because it was learnt on a faulty machine. */
  baseline_suspect: boolean;
  /** 0-1. */
  urgency: number;
  level: PriorityLevel;
  /** Most important first; reasons[0] is the one-line headline. */
  reasons: string[];
}

const BEARING_FAULTS = new Set(['inner_race', 'outer_race', 'ball', 'cage']);
const SHAFT_FAULTS = new Set(['imbalance', 'misalignment']);
const ZONE_URGENCY: Record<IsoZone, number> = { A: 0, B: 0.1, C: 0.6, D: 0.95 };
const HOUR = 3600;
const DAY = 86400;

const clamp = (x: number, lo: number, hi: number) => (x < lo ? lo : x > hi ? hi : x);
const round1 = (x: number) => Math.round(x * 10) / 10;

export function fmtDuration(s: number): string {
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} d`;
}

/** Health from velocity against the zone limits: log-linear through fixed anchor points. */
export function zoneHealth(v: number, limits: { ab: number; bc: number; cd: number }): number {
  const pts: Array<[number, number]> = [
    [limits.ab / 2, 100],
    [limits.ab, 85],
    [limits.bc, 60],
    [limits.cd, 30],
    [limits.cd * 2, 0],
  ];
  if (!(v > pts[0][0])) return 100;
  for (let i = 1; i < pts.length; i++) {
    const [v0, h0] = pts[i - 1];
    const [v1, h1] = pts[i];
    if (v <= v1) return h0 + ((h1 - h0) * Math.log(v / v0)) / Math.log(v1 / v0);
  }
  return 0;
}

/** Cap from the diagnosis: how strongly and confidently a fault is seen. */
function diagnosisCap(d: NonNullable<StatusEvidence['diagnosis']>): number | null {
  const conf = clamp(d.confidence, 0, 1);
  const strongest = Math.max(0, ...(d.evidence ?? []).map((e) => e.db_above_floor));
  // 10 dB above the floor is the detection threshold; 30 dB is a very clear finding.
  const strength = clamp((strongest - 10) / 20, 0, 1);
  const weight = conf * (0.5 + 0.5 * strength);
  if (BEARING_FAULTS.has(d.label)) return 65 - 30 * weight;
  if (SHAFT_FAULTS.has(d.label)) return 80 - 20 * weight;
  return null;
}

/** Cap from a degrading RUL: the interval's lower end, 1 h -> 10, 30 d -> 70, log scale. */
function rulCap(rul: NonNullable<StatusEvidence['rul']>): number | null {
  if (rul.state === 'failed') return 5;
  if (rul.state !== 'degrading') return null;
  const low = rul.rul_low_s ?? rul.rul_s;
  if (typeof low !== 'number' || !Number.isFinite(low)) return 60;
  const f = clamp(Math.log(Math.max(low, 1) / HOUR) / Math.log((30 * DAY) / HOUR), 0, 1);
  return 10 + 60 * f;
}

/** Urgency of a degrading RUL: 1 at a lower end of 1 h, 0 at 30 d. */
function rulUrgency(rul: NonNullable<StatusEvidence['rul']>): number {
  if (rul.state === 'failed') return 1;
  if (rul.state !== 'degrading') return 0;
  const low = rul.rul_low_s ?? rul.rul_s;
  if (typeof low !== 'number' || !Number.isFinite(low)) return 0.5;
  return clamp(1 - Math.log(Math.max(low, 1) / HOUR) / Math.log((30 * DAY) / HOUR), 0, 1);
}

export function describeRul(rul: NonNullable<StatusEvidence['rul']>): string {
  switch (rul.state) {
    case 'learning':
      return 'RUL: learning the baseline';
    case 'no_degradation':
      return rul.rul_low_s != null ? `no degradation detected (RUL > ${fmtDuration(rul.rul_low_s)})` : 'no degradation detected';
    case 'failed':
      return 'past the failure criterion';
    case 'degrading': {
      const p = rul.rul_s != null ? fmtDuration(rul.rul_s) : '?';
      const lo = rul.rul_low_s != null ? fmtDuration(rul.rul_low_s) : '?';
      const hi = rul.rul_high_s != null ? fmtDuration(rul.rul_high_s) : '?';
      return `degrading: ${p} [${lo}–${hi}]`;
    }
  }
}

/** Why RUL figures were clamped (src/prognosis/rul-cap.ts), in words. */
export function describeRulCap(c: NonNullable<NonNullable<StatusEvidence['rul']>['capped']>): string {
  const model = c.model_rul_s === null ? 'not a number' : c.model_rul_s < 0 ? `${Math.round(c.model_rul_s)} s` : fmtDuration(c.model_rul_s);
  if (c.reason === 'negative') return `RUL: the model answered ${model}, shown as 0`;
  return `RUL capped at ${c.cap_s === null ? '?' : fmtDuration(c.cap_s)}: the model answered ${model}, outside its training range`;
}

export function assessRobot(e: StatusEvidence): Assessment {
  const reasons: Array<{ weight: number; text: string }> = [];
  const caps: Array<{ basis: Assessment['health_basis']; value: number }> = [];
  let critical = false;
  let warning = false;
  const u: number[] = [];

  const iso = e.iso20816 ?? null;
  if (iso) {
    caps.push({ basis: 'zone', value: zoneHealth(iso.velocity_rms_mm_s, iso.limits) });
    u.push(ZONE_URGENCY[iso.zone]);
    if (iso.zone === 'D') critical = true;
    if (iso.zone === 'C') warning = true;
    if (iso.zone === 'C' || iso.zone === 'D') {
      reasons.push({ weight: ZONE_URGENCY[iso.zone], text: `ISO 20816 zone ${iso.zone} (${iso.velocity_rms_mm_s.toFixed(1)} mm/s)` });
    }
  }

  const d = e.diagnosis ?? null;
  const faultSeen = !!d && (BEARING_FAULTS.has(d.label) || SHAFT_FAULTS.has(d.label));
  if (d && faultSeen) {
    const cap = diagnosisCap(d);
    if (cap !== null) caps.push({ basis: 'diagnosis', value: cap });
    const conf = clamp(d.confidence, 0, 1);
    const w = BEARING_FAULTS.has(d.label) ? 0.7 * conf : 0.4 * conf;
    u.push(w);
    warning = true;
    reasons.push({ weight: w + 0.05, text: `${d.label.replace('_', ' ')} fault (confidence ${Math.round(conf * 100)} %)` });
  }

  const rul = e.rul ?? null;
  if (rul) {
    const cap = rulCap(rul);
    if (cap !== null) caps.push({ basis: 'rul', value: cap });
    const ur = rulUrgency(rul);
    u.push(ur);
    if (rul.state === 'failed') critical = true;
    if (rul.state === 'degrading') {
      warning = true;
      const low = rul.rul_low_s ?? rul.rul_s;
      if (typeof low === 'number' && low < DAY) critical = true;
    }
    if (rul.state === 'degrading' || rul.state === 'failed') reasons.push({ weight: ur, text: describeRul(rul) });
    if (rul.capped) reasons.push({ weight: 0.02, text: describeRulCap(rul.capped) });
  }

  let baselineSuspect = false;
  if (e.trend && Number.isFinite(e.trend.score)) {
    if (e.trend.baseline_learnt_while_faulty) {
      baselineSuspect = true;
      reasons.push({ weight: 0.01, text: 'baseline learnt while faulty: trend ignored' });
    } else {
      // The min() below keeps a trend that reads healthy from hiding an absolute finding.
      caps.push({ basis: 'trend', value: clamp(e.trend.score, 0, 100) });
    }
  }

  // Alerts raise status and urgency; their reason is only listed when no finding above says it already.
  const said = new Set<string>();
  if (faultSeen) said.add('DIAGNOSIS_CHANGED');
  if (iso) said.add(`ISO20816_ZONE_${iso.zone}`);
  for (const a of e.active_alerts ?? []) {
    if (a.severity === 'critical') {
      critical = true;
      u.push(0.8);
      if (!said.has(a.code)) reasons.push({ weight: 0.8, text: `active critical alert ${a.code}` });
    } else if (a.severity === 'warning') {
      warning = true;
      u.push(0.3);
      if (!said.has(a.code)) reasons.push({ weight: 0.3, text: `active alert ${a.code}` });
    }
  }

  const faults = e.device_faults ?? [];
  if (faults.length > 0) {
    u.push(0.5);
    reasons.push({ weight: 0.9, text: `device fault ${faults.join(', ')}: no data` });
  }

  let health: number | null = null;
  let basis: Assessment['health_basis'] = null;
  for (const c of caps) {
    if (health === null || c.value < health) {
      health = c.value;
      basis = c.basis;
    }
  }
  if (health !== null) {
    health = round1(clamp(health, 0, 100));
    if (health < 40) critical = true;
    else if (health < 70) warning = true;
  }

  const status: AssessedStatus = faults.length > 0 ? 'fault' : critical ? 'critical' : warning ? 'warning' : 'ok';
  const urgency = 1 - u.reduce((p, x) => p * (1 - clamp(x, 0, 1)), 1);
  const level: PriorityLevel = status === 'critical' || urgency >= 0.8 ? 'critical' : urgency >= 0.5 ? 'high' : urgency >= 0.25 ? 'medium' : 'low';
  reasons.sort((a, b) => b.weight - a.weight);
  const texts = reasons.map((r) => r.text);
  if (texts.length === 0) texts.push(rul ? describeRul(rul) : 'no findings');
  else if (rul && (rul.state === 'no_degradation' || rul.state === 'learning')) texts.push(describeRul(rul));
  return { robot_id: e.robot_id, status, health_score: health, health_basis: basis, baseline_suspect: baselineSuspect, urgency, level, reasons: texts };
}

export interface RankedAssessment extends Assessment {
  rank: number;
  /** 0-100, one decimal (urgency x 100). */
  score: number;
}

/** Most urgent first: level, then urgency, then lower health, then the robot id (stable). */
export function rankAssessments(items: readonly Assessment[]): RankedAssessment[] {
  const order: Record<PriorityLevel, number> = { critical: 0, high: 1, medium: 2, low: 3 };
  const sorted = [...items].sort((a, b) => {
    if (order[a.level] !== order[b.level]) return order[a.level] - order[b.level];
    if (Math.abs(b.urgency - a.urgency) > 1e-9) return b.urgency - a.urgency;
    const ha = a.health_score ?? 101;
    const hb = b.health_score ?? 101;
    if (ha !== hb) return ha - hb;
    return a.robot_id < b.robot_id ? -1 : a.robot_id > b.robot_id ? 1 : 0;
  });
  return sorted.map((a, i) => ({ ...a, rank: i + 1, score: round1(a.urgency * 100) }));
}
