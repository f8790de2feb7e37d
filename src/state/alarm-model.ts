/**
 * The alarm model (ISA-18.2 states; policy in docs/alarms.md): one alarm per identity (source +
 * condition + robot), whose state follows two independent facts, whether the condition holds
 * (`active`) and whether its current occurrence was acknowledged.
 *
 *   UNACK_ACTIVE --ack--> ACK_ACTIVE --clear--> NORMAL
 *   UNACK_ACTIVE --clear--> UNACK_RTN --ack--> NORMAL
 *   UNACK_RTN --raise--> UNACK_ACTIVE (same occurrence)      NORMAL --raise--> UNACK_ACTIVE (new occurrence)
 *   ACK_ACTIVE --raise above the severity acknowledged--> UNACK_ACTIVE (re-annunciated)
 *
 * Pure: no I/O, no clock. The book in alarm-book.ts applies it and keeps history and persistence.
 */
import type { AlertSeverity } from './types.js';

export type AlarmState = 'UNACK_ACTIVE' | 'ACK_ACTIVE' | 'UNACK_RTN' | 'NORMAL';

/** raise: the condition holds (again); clear: it no longer holds; ack: a person acknowledged. */
export type AlarmInput = { kind: 'raise'; severity: AlertSeverity; previousSeverity: AlertSeverity | null } | { kind: 'clear' } | { kind: 'ack' };

const RANK: Record<AlertSeverity, number> = { info: 0, warning: 1, critical: 2 };

export function severityRank(s: AlertSeverity): number {
  return RANK[s];
}

/** The next state, and whether the input starts a new occurrence (its acknowledgement is forgotten). */
export function nextAlarmState(state: AlarmState, input: AlarmInput): { state: AlarmState; newOccurrence: boolean } {
  switch (input.kind) {
    case 'raise': {
      if (state === 'NORMAL') return { state: 'UNACK_ACTIVE', newOccurrence: true };
      if (state === 'ACK_ACTIVE') {
        const escalated = input.previousSeverity !== null && RANK[input.severity] > RANK[input.previousSeverity];
        return { state: escalated ? 'UNACK_ACTIVE' : 'ACK_ACTIVE', newOccurrence: false };
      }
      return { state: 'UNACK_ACTIVE', newOccurrence: false };
    }
    case 'clear':
      return { state: state === 'ACK_ACTIVE' ? 'NORMAL' : state === 'UNACK_ACTIVE' ? 'UNACK_RTN' : state, newOccurrence: false };
    case 'ack':
      return { state: state === 'UNACK_ACTIVE' ? 'ACK_ACTIVE' : state === 'UNACK_RTN' ? 'NORMAL' : state, newOccurrence: false };
  }
}

export const isActive = (s: AlarmState): boolean => s === 'UNACK_ACTIVE' || s === 'ACK_ACTIVE';
export const needsAck = (s: AlarmState): boolean => s === 'UNACK_ACTIVE' || s === 'UNACK_RTN';

/** The stable identity of an alarm: a re-raise (also after a restart) maps to the same alarm. */
export function alarmId(source: string, condition: string, robotId: string | null): string {
  return `${robotId ?? '-'}|${source}|${condition}`;
}
