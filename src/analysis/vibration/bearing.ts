/**
 * Rolling-element bearing defect frequencies (standards.md; Randall & Antoni, MSSP 25 (2011)): the
 * one formula, used by the diagnosis and by the vibration simulator (which models the same physics;
 * it does not diagnose). The one geometry type: lengths in any unit as long as both diameters use
 * the same one. The config names them in mm (config/schema.json): geometryFromMm() converts.
 */
export interface BearingGeometry {
  nBalls: number;
  ballDiameter: number;
  pitchDiameter: number;
  contactAngleDeg: number;
}

/** The config's form (config/schema.json `bearing`, lengths in mm) as a BearingGeometry. */
export function geometryFromMm(b: { nBalls: number; ballDiameterMm: number; pitchDiameterMm: number; contactAngleDeg: number }): BearingGeometry {
  return { nBalls: b.nBalls, ballDiameter: b.ballDiameterMm, pitchDiameter: b.pitchDiameterMm, contactAngleDeg: b.contactAngleDeg };
}

export interface FaultFrequencies {
  shaftHz: number;
  /** Cage (fundamental train) frequency. */
  FTF: number;
  /** Ball pass frequency, outer race. */
  BPFO: number;
  /** Ball pass frequency, inner race. */
  BPFI: number;
  /** Ball (rolling element) spin frequency; 2xBSF is what a ball defect usually shows. */
  BSF: number;
}

export function validateBearing(b: BearingGeometry): void {
  if (!(Number.isInteger(b.nBalls) && b.nBalls >= 3)) throw new RangeError(`bearing.nBalls must be an integer >= 3, got ${b.nBalls}`);
  if (!(b.ballDiameter > 0 && b.pitchDiameter > b.ballDiameter)) {
    throw new RangeError(`bearing needs 0 < ballDiameter < pitchDiameter, got ${b.ballDiameter}, ${b.pitchDiameter}`);
  }
  if (!(b.contactAngleDeg >= 0 && b.contactAngleDeg < 90)) throw new RangeError(`bearing.contactAngleDeg must be in [0, 90), got ${b.contactAngleDeg}`);
}

export function faultFrequencies(b: BearingGeometry, shaftHz: number, out?: FaultFrequencies): FaultFrequencies {
  const r = (b.ballDiameter / b.pitchDiameter) * Math.cos((b.contactAngleDeg * Math.PI) / 180);
  const o = out ?? { shaftHz: 0, FTF: 0, BPFO: 0, BPFI: 0, BSF: 0 };
  o.shaftHz = shaftHz;
  o.FTF = (shaftHz / 2) * (1 - r);
  o.BPFO = ((b.nBalls * shaftHz) / 2) * (1 - r);
  o.BPFI = ((b.nBalls * shaftHz) / 2) * (1 + r);
  o.BSF = (b.pitchDiameter / (2 * b.ballDiameter)) * shaftHz * (1 - r * r);
  return o;
}
