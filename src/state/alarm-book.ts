import type { Clock, TimerHandle } from '../core/clock.js';
import { alarmId, isActive, needsAck, nextAlarmState, severityRank } from './alarm-model.js';
import type { Alert, AlertSeverity } from './types.js';

/** What a producer reports: a condition that holds (`active` true, the default) or no longer holds (false). */
export interface AlertInput {
  robotId?: string | null;
  source: string;
  code: string;
  severity: AlertSeverity;
  message: string;
  /**
   * true (default): the condition holds. false: it cleared; or, when the alarm is not active, a
   * one-off event (an uplink fault, a model update): unacknowledged-cleared when warning or
   * critical, history only when info.
   */
  active?: boolean;
  /** The condition's name within its source (default: the code), so that a raise and its clear share one alarm. */
  condition?: string;
}

/** An alarm as persisted: with the highest severity its acknowledgement covers. */
export type StoredAlarm = Alert & { acked_severity?: AlertSeverity | null };

/** Where alarms that are not normal are kept across restarts ({stateDir}/alarms.db, src/store/alarm-store.ts). */
export interface AlarmPersistence {
  save(alarm: StoredAlarm): void;
  remove(alarmId: string): void;
}

export interface HistoryQuery {
  source?: string;
  robot?: string;
  severity?: AlertSeverity;
  /** Only events older than this cursor (`next_before` of the previous page). */
  before?: number;
  limit?: number;
}

export interface HistoryPage {
  alerts: Alert[];
  /** Pass as `before` for the next (older) page; null when there is none. */
  next_before: number | null;
}

/** The code of the clear sent for a restored alarm whose condition was not reported again after a restart. */
export const NOT_RECONFIRMED = 'ALARM_NOT_RECONFIRMED';
export const HISTORY_MAX_LIMIT = 200;

interface Entry {
  n: number;
  alert: Alert;
}

/**
 * The gateway's alarms, one per identity (alarm-model.ts), and the history of their events. Every
 * change is an event (a new `id`, emitted and kept in the history) carrying the alarm's state
 * after it. The history keeps robot events and the others (cleanroom, counters, uplink, ...) in
 * separate rings of `historyPerClass` each, so cleanroom noise never pushes a robot's alert out;
 * the list of alarms that are not normal is never truncated (it holds one entry per identity).
 */
export class AlarmBook {
  private readonly alarms = new Map<string, Alert>();
  private readonly robotEvents: Entry[] = [];
  private readonly otherEvents: Entry[] = [];
  private n = 0;
  private seq = 0;
  private store?: AlarmPersistence;
  private readonly pending = new Set<string>();
  /** Per acknowledged alarm, the highest severity the acknowledgement covers: only a raise above it is announced again. */
  private readonly ackedSeverity = new Map<string, AlertSeverity>();
  private graceTimer?: TimerHandle;

  constructor(private readonly o: { gatewayId: string; site: string; clock: Clock; emit: (a: Alert) => void; historyPerClass?: number }) {}

  private now(): string {
    return new Date(this.o.clock.now()).toISOString();
  }

  private nextId(): string {
    return `${this.o.gatewayId}-${this.o.clock.now()}-${++this.seq}`;
  }

  /** Apply a producer's report; returns the event it caused. */
  report(a: AlertInput): Alert {
    const robot = a.robotId ?? null;
    const key = alarmId(a.source, a.condition ?? a.code, robot);
    const now = this.now();
    let rec = this.alarms.get(key);
    this.pending.delete(key);
    if (a.active === false) {
      if (rec && isActive(rec.state)) {
        // The condition cleared: the alarm keeps the severity, code and message of its raise.
        const next = nextAlarmState(rec.state, { kind: 'clear' }).state;
        Object.assign(rec, { state: next, active: false, cleared_at: now });
        return this.commit(rec, { code: a.code, message: a.message });
      }
      if (rec && a.severity === 'info') {
        // A repeated clear (e.g. a recovery reported after a restart) or an info note: nothing changes.
        return this.commit(rec, { code: a.code, message: a.message, severity: a.severity }, false);
      }
      // A one-off event: needs an acknowledgement unless it is info.
      const state = a.severity === 'info' ? 'NORMAL' : 'UNACK_RTN';
      rec = this.upsert(key, rec, a, { state, kind: 'event', active: false, raised_at: now, cleared_at: now }, !rec || rec.state === 'NORMAL');
      return this.commit(rec);
    }
    const before = rec?.state ?? 'NORMAL';
    const { state, newOccurrence } = nextAlarmState(before, { kind: 'raise', severity: a.severity, previousSeverity: rec && isActive(before) ? this.covered(rec) : null });
    const reannounced = before === 'ACK_ACTIVE' && state === 'UNACK_ACTIVE';
    rec = this.upsert(key, rec, a, { state, kind: 'condition', active: true, cleared_at: null, ...(newOccurrence ? { raised_at: now } : {}) }, newOccurrence || reannounced);
    return this.commit(rec);
  }

  /** Acknowledge by alarm id or by the id of any of its events; undefined when unknown (or not this robot's). */
  acknowledge(ref: string, ack: { by: string; comment?: string | null }, robotId?: string): Alert | undefined {
    const rec = this.find(ref);
    if (!rec || (robotId !== undefined && rec.robot_id !== robotId)) return undefined;
    if (!needsAck(rec.state)) return rec;
    const state = nextAlarmState(rec.state, { kind: 'ack' }).state;
    Object.assign(rec, { state, acknowledged: true, acked_by: ack.by, acked_at: this.now(), ack_comment: ack.comment ?? null });
    this.ackedSeverity.set(rec.alarm_id, this.covered(rec));
    return this.commit(rec);
  }

  /** The alarm an alarm id or event id belongs to. */
  find(ref: string): Alert | undefined {
    const direct = this.alarms.get(ref);
    if (direct) return direct;
    const ev = this.robotEvents.find((e) => e.alert.id === ref) ?? this.otherEvents.find((e) => e.alert.id === ref);
    return ev ? this.alarms.get(ev.alert.alarm_id) : undefined;
  }

  /**
   * Alarms that are not normal (active, or cleared and not yet acknowledged): unacknowledged
   * first, then by severity, newest first. Never truncated.
   */
  active(): Alert[] {
    return [...this.alarms.values()]
      .filter((a) => a.state !== 'NORMAL')
      .sort((x, y) => Number(!needsAck(x.state)) - Number(!needsAck(y.state)) || severityRank(y.severity) - severityRank(x.severity) || (y.ts < x.ts ? -1 : y.ts > x.ts ? 1 : 0));
  }

  /** Events, newest first, filtered; `limit` at most HISTORY_MAX_LIMIT. */
  history(q: HistoryQuery = {}): HistoryPage {
    const limit = Math.max(1, Math.min(q.limit ?? 50, HISTORY_MAX_LIMIT));
    const out: Entry[] = [];
    const all = this.merged();
    for (let i = all.length - 1; i >= 0 && out.length <= limit; i--) {
      const { n, alert } = all[i]!;
      if (q.before !== undefined && n >= q.before) continue;
      if (q.robot !== undefined && alert.robot_id !== q.robot) continue;
      if (q.severity !== undefined && alert.severity !== q.severity) continue;
      if (q.source !== undefined && alert.source !== q.source && !alert.source.startsWith(`${q.source}:`) && !alert.source.startsWith(`${q.source}/`)) continue;
      out.push(all[i]!);
    }
    const more = out.length > limit;
    if (more) out.pop();
    return { alerts: out.map((e) => e.alert), next_before: more ? out[out.length - 1]!.n : null };
  }

  /** Every kept event, oldest first. */
  events(): Alert[] {
    return this.merged().map((e) => e.alert);
  }

  /**
   * After a restart: the alarms that were not normal, with their acknowledgements. Active ones are
   * kept as they were until their producer reports the condition again (the same alarm, so an
   * acknowledged one stays acknowledged) or clears it; one not reported again within `graceMs` is
   * cleared with code ALARM_NOT_RECONFIRMED.
   */
  restore(alarms: readonly StoredAlarm[], graceMs: number, store: AlarmPersistence): void {
    this.store = store;
    for (const { acked_severity, ...a } of alarms) {
      if (this.alarms.has(a.alarm_id)) continue; // reported since start: the live state wins
      this.alarms.set(a.alarm_id, { ...a });
      if (a.acknowledged && acked_severity) this.ackedSeverity.set(a.alarm_id, acked_severity);
      if (a.active) this.pending.add(a.alarm_id);
    }
    this.graceTimer?.cancel();
    if (this.pending.size) this.graceTimer = this.o.clock.setTimeout(() => this.expirePending(graceMs), graceMs);
  }

  /** Stop persisting (the store closed) and forget the restart timer. */
  detach(): void {
    this.store = undefined;
    this.graceTimer?.cancel();
    this.graceTimer = undefined;
  }

  private expirePending(graceMs: number): void {
    for (const key of [...this.pending]) {
      const rec = this.alarms.get(key);
      if (!rec || !rec.active) continue;
      this.report({ robotId: rec.robot_id, source: rec.source, code: NOT_RECONFIRMED, severity: rec.severity, message: `${rec.message} — not reported again within ${Math.round(graceMs / 1000)} s of the restart: cleared`, active: false, condition: key.split('|').slice(2).join('|') });
    }
    this.pending.clear();
  }

  /** The severity an acknowledged alarm's acknowledgement covers (at least its current one). */
  private covered(rec: Alert): AlertSeverity {
    const acked = this.ackedSeverity.get(rec.alarm_id);
    return acked && severityRank(acked) > severityRank(rec.severity) ? acked : rec.severity;
  }

  private upsert(key: string, rec: Alert | undefined, a: AlertInput, patch: Partial<Alert>, forgetAck: boolean): Alert {
    const base: Alert = rec ?? {
      id: '',
      alarm_id: key,
      gateway_id: this.o.gatewayId,
      site: this.o.site,
      robot_id: a.robotId ?? null,
      source: a.source,
      code: a.code,
      severity: a.severity,
      message: a.message,
      ts: '',
      state: 'NORMAL',
      kind: 'condition',
      active: false,
      acknowledged: false,
      acked_by: null,
      acked_at: null,
      ack_comment: null,
      raised_at: this.now(),
      cleared_at: null,
    };
    Object.assign(base, { code: a.code, severity: a.severity, message: a.message }, patch);
    if (forgetAck) {
      Object.assign(base, { acknowledged: false, acked_by: null, acked_at: null, ack_comment: null });
      this.ackedSeverity.delete(key);
    }
    this.alarms.set(key, base);
    return base;
  }

  /** A new event for the alarm's change: recorded, persisted, emitted. */
  private commit(rec: Alert, eventFields: Partial<Alert> = {}, persist = true): Alert {
    rec.id = this.nextId();
    rec.ts = this.now();
    const event: Alert = { ...rec, ...eventFields };
    if (persist && this.store) {
      if (rec.state === 'NORMAL') this.store.remove(rec.alarm_id);
      else this.store.save({ ...rec, acked_severity: this.ackedSeverity.get(rec.alarm_id) ?? null });
    }
    const ring = event.robot_id ? this.robotEvents : this.otherEvents;
    ring.push({ n: ++this.n, alert: event });
    const cap = this.o.historyPerClass ?? 1000;
    if (ring.length > cap) ring.splice(0, ring.length - cap);
    this.o.emit(event);
    return event;
  }

  private merged(): Entry[] {
    const a = this.robotEvents;
    const b = this.otherEvents;
    const out: Entry[] = [];
    let i = 0;
    let j = 0;
    while (i < a.length || j < b.length) out.push(j >= b.length || (i < a.length && a[i]!.n < b[j]!.n) ? a[i++]! : b[j++]!);
    return out;
  }
}
