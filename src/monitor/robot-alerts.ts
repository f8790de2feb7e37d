import type { GatewayState } from '../state/gateway-state.js';
import type { RobotState } from '../state/types.js';

export type AlertInput = Parameters<GatewayState['raiseAlert']>[0];

/**
 * The robot alert rules: a change of the voted diagnosis, and an ISO 20816 zone C/D entry (and
 * leaving it). Remembers what it last reported; returns the alerts to raise, in order.
 */
export class RobotAlertRules {
  private reportedDiagnosis = 'none';
  private reportedZone: string | null = null;

  constructor(private readonly robotId: string) {}

  check(label: string, confidence: number, iso: { zone: string; velocityRmsMmS: number; limits: { bc: number; cd: number } }, robot: RobotState | undefined): AlertInput[] {
    const alerts: AlertInput[] = [];
    if (label !== this.reportedDiagnosis) {
      const from = this.reportedDiagnosis;
      this.reportedDiagnosis = label;
      alerts.push({
        robotId: this.robotId,
        source: 'diagnosis',
        code: label === 'none' ? 'DIAGNOSIS_CLEARED' : 'DIAGNOSIS_CHANGED',
        severity: label === 'none' ? 'info' : label === 'imbalance' || label === 'misalignment' ? 'warning' : 'critical',
        message: label === 'none' ? `${this.robotId}: no clear fault any more (was ${from})` : `${this.robotId}: ${label.replace('_', ' ')} (confidence ${confidence.toFixed(2)}; was ${from})`,
        active: label !== 'none',
      });
    }
    const zone = iso.zone;
    const serious = zone === 'C' || zone === 'D';
    const wasSerious = this.reportedZone === 'C' || this.reportedZone === 'D';
    if (zone !== this.reportedZone && (serious || wasSerious)) {
      alerts.push({
        robotId: this.robotId,
        source: 'iso20816',
        code: serious ? `ISO20816_ZONE_${zone}` : 'ISO20816_ZONE_OK',
        severity: zone === 'D' ? 'critical' : serious ? 'warning' : 'info',
        message: `${this.robotId}: ISO 20816 zone ${zone} (velocity ${iso.velocityRmsMmS.toFixed(2)} mm/s RMS; limits B/C ${iso.limits.bc}, C/D ${iso.limits.cd})${robot?.maintenance ? ' [maintenance mode]' : ''}`,
        active: serious,
      });
    }
    this.reportedZone = zone;
    return alerts;
  }
}

/** The worse of the health-derived status and the ISO zone's. */
export function worstStatus(fromHealth: 'ok' | 'warning' | 'critical' | 'starting' | 'fault', zone: string): 'ok' | 'warning' | 'critical' {
  const rank = { ok: 0, warning: 1, critical: 2 } as const;
  const zoneStatus = zone === 'D' ? 'critical' : zone === 'C' ? 'warning' : 'ok';
  const h = fromHealth === 'ok' || fromHealth === 'warning' || fromHealth === 'critical' ? fromHealth : 'ok';
  return rank[zoneStatus] > rank[h] ? zoneStatus : h;
}
