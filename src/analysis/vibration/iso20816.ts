/**
 * ISO 10816-3 / ISO 20816-3 evaluation zones from velocity RMS (mm/s). The table presets are from
 * standards.md; robot joints are smaller than the standard's machine groups, so every asset may
 * carry its own limits.
 */
export type IsoZone = 'A' | 'B' | 'C' | 'D';

export interface ZoneLimits {
  /** A/B boundary, mm/s RMS. */
  ab: number;
  /** B/C boundary, mm/s RMS. */
  bc: number;
  /** C/D boundary, mm/s RMS. */
  cd: number;
}

export const ISO20816_PRESETS = {
  /** Group 1 (> 300 kW), rigid foundation. */
  group1_rigid: { ab: 2.3, bc: 4.5, cd: 7.1 },
  /** Group 1 (> 300 kW), flexible foundation. */
  group1_flexible: { ab: 3.5, bc: 7.1, cd: 11.0 },
  /** Group 2 (15-300 kW), rigid foundation. */
  group2_rigid: { ab: 1.4, bc: 2.8, cd: 4.5 },
  /** Group 2 (15-300 kW), flexible foundation. */
  group2_flexible: { ab: 2.3, bc: 4.5, cd: 7.1 },
} as const satisfies Record<string, ZoneLimits>;

export type Iso20816Preset = keyof typeof ISO20816_PRESETS;

/** Default when an asset has no limits configured: the strictest table row (group 2, rigid). */
export const DEFAULT_ZONE_LIMITS: ZoneLimits = ISO20816_PRESETS.group2_rigid;

export function validateZoneLimits(l: ZoneLimits): void {
  if (!(l.ab > 0 && l.bc > l.ab && l.cd > l.bc)) {
    throw new RangeError(`zone limits must satisfy 0 < ab < bc < cd, got ${JSON.stringify(l)}`);
  }
}

/** Zone of a velocity RMS: A below ab, B below bc, C below cd, D at or above cd. */
export function isoZone(velocityRmsMmS: number, l: ZoneLimits): IsoZone {
  if (velocityRmsMmS < l.ab) return 'A';
  if (velocityRmsMmS < l.bc) return 'B';
  if (velocityRmsMmS < l.cd) return 'C';
  return 'D';
}

/**
 * Sets `r.zone` from `r.velocityRmsMmS` (same rule as isoZone). For the per-window path: taking the
 * velocity from a field instead of a number argument keeps V8 from boxing it when not inlined.
 */
export function updateZone(r: { velocityRmsMmS: number; zone: IsoZone }, l: ZoneLimits): void {
  const v = r.velocityRmsMmS;
  r.zone = v < l.ab ? 'A' : v < l.bc ? 'B' : v < l.cd ? 'C' : 'D';
}
