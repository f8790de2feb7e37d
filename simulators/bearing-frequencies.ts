/** Rolling-element bearing defect frequencies (Randall & Antoni 2011), in Hz for a shaft at `shaftHz`. */
export interface BearingGeometryMm {
  nBalls: number;
  ballDiameterMm: number;
  pitchDiameterMm: number;
  contactAngleDeg: number;
}

export interface DefectFrequencies {
  FTF: number;
  BPFO: number;
  BPFI: number;
  BSF: number;
}

export function defectFrequencies(shaftHz: number, g: BearingGeometryMm): DefectFrequencies {
  const ratio = (g.ballDiameterMm / g.pitchDiameterMm) * Math.cos((g.contactAngleDeg * Math.PI) / 180);
  return {
    FTF: (shaftHz / 2) * (1 - ratio),
    BPFO: ((g.nBalls * shaftHz) / 2) * (1 - ratio),
    BPFI: ((g.nBalls * shaftHz) / 2) * (1 + ratio),
    BSF: (g.pitchDiameterMm / (2 * g.ballDiameterMm)) * shaftHz * (1 - ratio * ratio),
  };
}
