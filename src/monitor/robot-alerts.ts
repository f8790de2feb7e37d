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
  private activeNow: Array<{ severity: 'info' | 'warning' | 'critical'; code: string }> = [];

  constructor(private readonly robotId: string) {}

  check(label: string, confidence: number, iso: { zone: string; velocityRmsMmS: number; limits: { bc: number; cd: number } }, robot: RobotState | undefined): AlertInput[] {
    const alerts: AlertInput[] = [];
    if (label !== this.reportedDiagnosis) {
      const from = this.reportedDiagnosis;
      this.reportedDiagnosis = label;
      alerts.push({
        robotId: this.robotId,
        source: 'diagnosis',
        condition: 'DIAGNOSIS',
        code: label === 'none' ? 'DIAGNOSIS_CLEARED' : 'DIAGNOSIS_CHANGED',
        severity: label === 'none' ? 'info' : diagnosisSeverity(label),
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
        condition: 'ISO20816_ZONE',
        code: serious ? `ISO20816_ZONE_${zone}` : 'ISO20816_ZONE_OK',
        severity: zone === 'D' ? 'critical' : serious ? 'warning' : 'info',
        message: `${this.robotId}: ISO 20816 zone ${zone} (velocity ${iso.velocityRmsMmS.toFixed(2)} mm/s RMS; limits B/C ${iso.limits.bc}, C/D ${iso.limits.cd})${robot?.maintenance ? ' [maintenance mode]' : ''}`,
        active: serious,
      });
    }
    this.reportedZone = zone;
    // The conditions that hold now, with the severity their alerts carry (the status model reads them).
    const quiet = robot?.maintenance === true;
    this.activeNow = [];
    if (label !== 'none') this.activeNow.push({ code: 'DIAGNOSIS_CHANGED', severity: quiet ? 'info' : diagnosisSeverity(label) });
    if (serious) this.activeNow.push({ code: `ISO20816_ZONE_${zone}`, severity: quiet ? 'info' : zone === 'D' ? 'critical' : 'warning' });
    return alerts;
  }

  /** The robot's alert conditions that hold after the last check(), with their severity. */
  active(): ReadonlyArray<{ severity: 'info' | 'warning' | 'critical'; code: string }> {
    return this.activeNow;
  }
}

function diagnosisSeverity(label: string): 'warning' | 'critical' {
  return label === 'imbalance' || label === 'misalignment' ? 'warning' : 'critical';
}
