import type { ResolvedVibrationSimulatorConfig } from '../src/config/types.js';
import { Random } from './random.js';
import { faultFrequencies, geometryFromMm } from '../src/analysis/vibration/bearing.js';

const TWO_PI = 2 * Math.PI;

interface Impact {
  t: number;
  amp: number;
}

/**
 * A small physical model of a robot joint's vibration, in g, sample by sample:
 * - 1x shaft order (imbalance) in quadrature on X/Y, 2x order (misalignment) mostly axial (Z);
 * - a bearing defect as periodic impacts at the defect frequency (with 1-2 % random slip) that ring
 *   a structural resonance (damping ratio 5 %); inner-race and ball impacts are amplitude-modulated
 *   by shaft rotation / cage speed as the defect passes through the load zone;
 * - defect severity growing exponentially over simulated life;
 * - gravity (+1 g on Z) and Gaussian broadband noise.
 */
export class VibrationModel {
  private readonly rng: Random;
  private readonly impacts: Impact[] = [];
  private nextImpactT = 0;
  /** Simulated seconds since the model was created. */
  private t = 0;
  private readonly decay: number;
  private readonly defectHz: number;
  private readonly modulationHz: number;

  constructor(private readonly cfg: ResolvedVibrationSimulatorConfig, private readonly startAgeHours = 0) {
    this.rng = new Random(cfg.seed);
    const f = faultFrequencies(geometryFromMm(cfg.bearing), cfg.shaftHz);
    const byKind = { none: 0, outer_race: f.BPFO, inner_race: f.BPFI, ball: 2 * f.BSF, cage: f.FTF };
    this.defectHz = byKind[cfg.defect];
    this.modulationHz = cfg.defect === 'inner_race' ? cfg.shaftHz : cfg.defect === 'ball' ? f.FTF : 0;
    const zeta = 0.05;
    this.decay = zeta * TWO_PI * cfg.resonanceHz;
    this.nextImpactT = this.defectHz > 0 ? 1 / this.defectHz : Infinity;
  }

  /** Bearing impact amplitude (g) at simulated time t seconds. */
  defectAmplitude(tS = this.t): number {
    if (this.cfg.defect === 'none') return 0;
    const hours = this.startAgeHours + tS / 3600;
    return this.cfg.defectSeverityG * Math.exp(this.cfg.defectGrowthPerHour * hours);
  }

  get timeS(): number {
    return this.t;
  }

  /** Advance time without producing samples (e.g. samples the FIFO overwrote). */
  skip(seconds: number): void {
    this.t += seconds;
    this.impacts.length = 0;
    if (this.defectHz > 0) this.nextImpactT = this.t + this.rng.next() / this.defectHz;
  }

  /** Produce the next sample at sample period `dt`; writes into out[0..2] (x, y, z in g). */
  next(dt: number, out: Float64Array): void {
    const { cfg } = this;
    const t = this.t;
    const phase = TWO_PI * cfg.shaftHz * t;
    let x = cfg.imbalanceG * Math.cos(phase) + 0.3 * cfg.misalignmentG * Math.cos(2 * phase + 0.4);
    let y = cfg.imbalanceG * Math.sin(phase) + 0.3 * cfg.misalignmentG * Math.sin(2 * phase + 0.4);
    let z = 1 + cfg.misalignmentG * Math.cos(2 * phase + 1.1);

    while (t >= this.nextImpactT) {
      let amp = this.defectAmplitude(this.nextImpactT);
      if (this.modulationHz > 0) amp *= 0.5 * (1 + Math.cos(TWO_PI * this.modulationHz * this.nextImpactT));
      this.impacts.push({ t: this.nextImpactT, amp });
      if (this.impacts.length > 8) this.impacts.shift();
      const slip = 1 + 0.015 * (this.rng.next() - 0.5);
      this.nextImpactT += slip / this.defectHz;
    }
    let ring = 0;
    for (const imp of this.impacts) {
      const age = t - imp.t;
      const env = Math.exp(-this.decay * age);
      if (env < 1e-4) continue;
      ring += imp.amp * env * Math.sin(TWO_PI * cfg.resonanceHz * age);
    }
    x += ring;
    y += 0.6 * ring;
    z += 0.3 * ring;

    out[0] = x + cfg.noiseG * this.rng.gauss();
    out[1] = y + cfg.noiseG * this.rng.gauss();
    out[2] = z + cfg.noiseG * this.rng.gauss();
    this.t = t + dt;
  }
}
