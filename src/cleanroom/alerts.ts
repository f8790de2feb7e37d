import type { AlarmTransition } from './alarm.js';
import type { DeviceFault } from '../core/device-fault.js';
import type { AlertSeverity } from '../state/types.js';

export interface CleanroomAlert {
  source: string;
  code: string;
  severity: AlertSeverity;
  message: string;
  active: boolean;
  /** The alarm a raise and its clear share (src/state/alarm-model.ts). */
  condition: string;
}

/** ISO 14644 excursion / counter-fault / environment transitions -> alerts on cleanroom/{site}/alerts. */
export function transitionAlerts(counterId: string, transitions: readonly AlarmTransition[]): CleanroomAlert[] {
  return transitions.map((t) => {
    const active = t.kind !== 'cleared';
    const severity = !active ? 'info' : t.alarm === 'excursion' && (t.to === 'action' || t.to === 'limit') ? 'critical' : 'warning';
    return {
      source: `cleanroom:${counterId}`,
      code: `CLEANROOM_${t.alarm.toUpperCase()}_${t.kind.toUpperCase()}`,
      severity,
      message: `${t.location}: ${t.alarm.replace('_', ' ')} ${t.kind} (${t.from} -> ${t.to}): ${t.reason}`,
      active,
      condition: `CLEANROOM_${t.alarm.toUpperCase()}${t.quantity ? `_${t.quantity}` : ''}`,
    };
  });
}

/** A particle counter's communication fault (or its recovery) -> an alert. */
export function counterFaultAlert(counter: { id: string; location: string }, fault: DeviceFault | null): CleanroomAlert {
  return { source: `counter:${counter.id}`, code: fault ? fault.code : 'DEVICE_RECOVERED', severity: fault ? 'warning' : 'info', message: fault ? `particle counter ${counter.id} (${counter.location}): ${fault.message}` : `particle counter ${counter.id} recovered`, active: fault !== null, condition: 'DEVICE_FAULT' };
}
