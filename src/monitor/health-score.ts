import type { RobotStatus } from '../state/types.js';

/**
 * Interim health score until the RUL model drives it: 100 at or below the robot's healthy
 * baseline RMS, 0 at or above its alarm RMS, linear in between (config: robots[].analysis).
 */
export function rmsHealthScore(rmsG: number, baselineG: number, alarmG: number): number {
  if (!(alarmG > baselineG)) return rmsG <= baselineG ? 100 : 0;
  const s = 100 * (1 - (rmsG - baselineG) / (alarmG - baselineG));
  return Math.round(Math.max(0, Math.min(100, s)) * 10) / 10;
}

export function statusFromHealth(score: number): RobotStatus {
  if (score >= 70) return 'ok';
  if (score >= 40) return 'warning';
  return 'critical';
}
