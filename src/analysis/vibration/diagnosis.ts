/**
 * Per-window diagnosis from the squared envelope spectrum (bearing faults) and the Hann power
 * spectrum (shaft orders). One method and one set of thresholds for every asset and sample rate;
 * the thresholds come from the noise statistics described below, not from any recording.
 *
 * Bearing faults. For each fault family the SES is searched at harmonics h = 1..3 of its frequency:
 * outer_race BPFO, inner_race BPFI (plus the +-1x sidebands around BPFI, reported as evidence),
 * ball 2xBSF (a spall hits both races once per spin; Randall & Antoni 2011), cage FTF. Each search
 * band is +-(SLIP * h * f + half a bin) (real bearings slip 1-2 %), and the peak is compared with
 * the local median of the SES (peaks.ts). For a noise-only SES the bin amplitudes are close to
 * Rayleigh-distributed, for which P(bin > r * median) = exp(-ln2 r^2): a bin 10 dB over the median
 * happens with probability 1e-3, 6 dB with 6e-2. A family is DETECTED when its fundamental is at
 * least FUNDAMENTAL_DB (10 dB) above the floor and one of its 2nd/3rd harmonics at least
 * HARMONIC_DB (6 dB): under the noise model that pair has a false-alarm probability of order 1e-3
 * per window and family even after counting the bins searched. Among detected families the one
 * with the largest excess (fundamental + best harmonic) wins.
 *
 * Shaft orders. Imbalance and misalignment are only considered when the overall velocity is at
 * least the zone A/B limit (a machine in zone A has nothing to diagnose). Imbalance: the 1x
 * velocity holds at least half the in-band velocity energy and 2x is below half of 1x.
 * Misalignment: 2x at least half of 1x and 1x + 2x hold at least half the energy. Both need the
 * order peak to stand FUNDAMENTAL_DB over the spectrum's local floor. A detected bearing fault
 * takes precedence over a shaft-order finding (which stays in the evidence).
 *
 * Confidence is a monotone score of the margin by which the evidence clears the thresholds:
 * 0.5 + 0.5 (1 - exp(-margin / 6 dB)), capped at 0.99 ("none" uses the margin by which the best
 * candidate misses). It ranks findings; it is not a calibrated probability.
 */
import type { FaultFrequencies } from './bearing.js';
import { emptyPeak, measurePeak, peakQuery, setQuery, type PeakMeasure } from './peaks.js';

export type DiagnosisLabel = 'none' | 'inner_race' | 'outer_race' | 'ball' | 'cage' | 'imbalance' | 'misalignment';

export interface Evidence {
  fault: Exclude<DiagnosisLabel, 'none'>;
  /** 'envelope' = squared envelope spectrum, 'spectrum' = velocity spectrum. */
  source: 'envelope' | 'spectrum';
  /** e.g. 'BPFI x1', 'BPFI x1 -1X', '1X'. */
  component: string;
  expectedHz: number;
  foundHz: number;
  amplitude: number;
  floor: number;
  dbAboveFloor: number;
}

export interface Diagnosis {
  label: DiagnosisLabel;
  confidence: number;
  /** Evidence of the winning finding first, then of any other detected finding. */
  evidence: Evidence[];
  /** Every family's score (fundamental + best harmonic excess, dB) and whether it was detected. */
  candidates: { label: Exclude<DiagnosisLabel, 'none'>; scoreDb: number; detected: boolean; evaluated: boolean }[];
}

export const SLIP = 0.02;
export const FUNDAMENTAL_DB = 10;
export const HARMONIC_DB = 6;
/**
 * A family (or the shaft orders) is only evaluated when its fundamental lies at least this many
 * bins above DC: below that the +-slip search band, the DC/window leakage and the neighbouring
 * family overlap, and a "peak" says nothing (e.g. FTF ~ 13 Hz with 12.5 Hz bins).
 */
export const MIN_FUNDAMENTAL_BINS = 6;
const HARMONICS = 3;
const MARGIN_SCALE_DB = 6;

type BearingFault = 'outer_race' | 'inner_race' | 'ball' | 'cage';
const BEARING_FAULTS: { label: BearingFault; name: string }[] = [
  { label: 'outer_race', name: 'BPFO' },
  { label: 'inner_race', name: 'BPFI' },
  { label: 'ball', name: '2xBSF' },
  { label: 'cage', name: 'FTF' },
];

/** Fundamentals in BEARING_FAULTS order, written into a reused array (a call returning a double per
 * family would box it on the heap in every window). */
function familyFrequencies(f: FaultFrequencies, out: Float64Array): void {
  out[0] = f.BPFO;
  out[1] = f.BPFI;
  out[2] = 2 * f.BSF;
  out[3] = f.FTF;
}
const COMPONENT_NAMES = BEARING_FAULTS.map((b) => [1, 2, 3].map((h) => `${b.name} x${h}`));

function confidenceFromMargin(marginDb: number): number {
  return Math.min(0.99, 0.5 + 0.5 * (1 - Math.exp(-Math.max(0, marginDb) / MARGIN_SCALE_DB)));
}

function copyEvidence(dst: Evidence, fault: Evidence['fault'], source: Evidence['source'], component: string, p: PeakMeasure): Evidence {
  dst.fault = fault;
  dst.source = source;
  dst.component = component;
  dst.expectedHz = p.expectedHz;
  dst.foundHz = p.foundHz;
  dst.amplitude = p.amplitude;
  dst.floor = p.floor;
  dst.dbAboveFloor = p.dbAboveFloor;
  return dst;
}

export interface ShaftInputs {
  /** Hann power spectrum of acceleration (g^2 per bin). */
  power: Float64Array;
  /** Velocity weights (mm/s per g)^2 per bin, 0 outside the ISO band. */
  velocityWeights: Float64Array;
  /** Overall in-band velocity RMS, mm/s. */
  velocityRmsMmS: number;
  /** Zone A/B limit, mm/s. */
  abLimit: number;
  /** Shaft speed, Hz; 0 when unknown. (A field, not an argument: see peaks.ts on boxing.) */
  shaftHz: number;
}

/** Diagnosis with preallocated peaks and evidence: run() allocates nothing; its output is reused. */
export class DiagnosisEngine {
  private readonly scratch: Float64Array;
  private readonly peaks: PeakMeasure[][] = BEARING_FAULTS.map(() => [emptyPeak(), emptyPeak(), emptyPeak()]);
  private readonly sb: PeakMeasure[] = [emptyPeak(), emptyPeak()];
  private readonly orderPeaks: PeakMeasure[] = [emptyPeak(), emptyPeak()];
  private readonly pool: Evidence[] = [];
  private poolUsed = 0;
  /** views[k] = [pool[0], ..., pool[k-1]], built once: the evidence array of a window with k items. */
  private readonly views: Evidence[][] = [];
  private readonly freqs = new Float64Array(4);
  private readonly q = peakQuery();
  private readonly velAmp: Float64Array;
  readonly result: Diagnosis;

  /** spectrumBins: length of the Hann power spectrum (N/2 + 1); scratchLen: >= any floor span in bins. */
  constructor(spectrumBins: number, scratchLen: number = spectrumBins) {
    this.scratch = new Float64Array(scratchLen + 2);
    this.velAmp = new Float64Array(spectrumBins);
    for (let i = 0; i < 32; i++) {
      this.pool.push({ fault: 'ball', source: 'envelope', component: '', expectedHz: 0.5, foundHz: 0.5, amplitude: 0.5, floor: 0.5, dbAboveFloor: 0.5 });
    }
    for (let k = 0; k <= this.pool.length; k++) this.views.push(this.pool.slice(0, k));
    this.result = {
      label: 'none',
      confidence: 0,
      evidence: [],
      candidates: [...BEARING_FAULTS.map((b) => b.label), 'imbalance' as const, 'misalignment' as const].map((label) => ({ label, scoreDb: 0, detected: false, evaluated: false })),
    };
  }

  run(ses: Float32Array, sesDf: number, ff: FaultFrequencies | undefined, shaft: ShaftInputs, df: number): Diagnosis {
    const out = this.result;
    this.poolUsed = 0;
    let winner = -1;
    let winnerScore = -Infinity;
    let bestMiss = -Infinity; // largest (score - threshold) among undetected families, for "none"
    const cands = out.candidates;
    for (let c = 0; c < cands.length; c++) {
      cands[c].detected = false;
      cands[c].evaluated = false;
      cands[c].scoreDb = 0;
    }

    if (ff) {
      familyFrequencies(ff, this.freqs);
      for (let b = 0; b < BEARING_FAULTS.length; b++) {
        const f0 = this.freqs[b];
        // Harmonics whose search band lies beyond the SES (low sample rates) are not measured; the
        // fundamental and the 2nd harmonic at least must fit for the family to be evaluated.
        const sesTop = (ses.length - 1) * sesDf;
        if (f0 < MIN_FUNDAMENTAL_BINS * sesDf || 2 * f0 * (1 + SLIP) >= sesTop) continue;
        cands[b].evaluated = true;
        const floorHalf = Math.max(0.4 * f0, 12 * sesDf);
        const pk = this.peaks[b];
        let bestH = 0;
        for (let h = 1; h <= HARMONICS; h++) {
          const fh = h * f0;
          if (fh * (1 + SLIP) >= sesTop) {
            const p = pk[h - 1];
            p.expectedHz = fh;
            p.foundHz = fh;
            p.amplitude = 0;
            p.floor = 0;
            p.dbAboveFloor = 0;
            continue;
          }
          measurePeak(ses, setQuery(this.q, sesDf, fh, SLIP * fh + 0.5 * sesDf, floorHalf), this.scratch, pk[h - 1]);
          if (h > 1) bestH = Math.max(bestH, pk[h - 1].dbAboveFloor);
        }
        const fund = pk[0].dbAboveFloor;
        const score = fund + bestH;
        cands[b].scoreDb = score;
        const detected = fund >= FUNDAMENTAL_DB && bestH >= HARMONIC_DB;
        cands[b].detected = detected;
        if (detected && score > winnerScore) {
          winnerScore = score;
          winner = b;
        }
        if (!detected) bestMiss = Math.max(bestMiss, Math.min(fund - FUNDAMENTAL_DB, bestH - HARMONIC_DB));
      }
    }

    // Shaft orders from the velocity spectrum.
    let orderLabel: 'imbalance' | 'misalignment' | undefined;
    let orderConfidence = 0;
    const fr = shaft.shaftHz;
    if (fr > 0 && fr >= MIN_FUNDAMENTAL_BINS * df) {
      cands[4].evaluated = true;
      cands[5].evaluated = true;
      const w = shaft.velocityWeights;
      const va = this.velAmp;
      // velocity amplitude per bin, only as far up as the 2X search and its floor reach (measurePeak
      // below never reads past nb)
      const floorHalfO = Math.max(0.4 * fr, 12 * df);
      const nb = Math.min(va.length, shaft.power.length, Math.ceil((2 * fr * (1 + SLIP) + floorHalfO) / df) + 3);
      for (let k = 0; k < nb; k++) va[k] = Math.sqrt(2 * shaft.power[k] * w[k]);
      const o1 = measurePeak(va, setQuery(this.q, df, fr, SLIP * fr + 0.5 * df, Math.max(0.4 * fr, 12 * df)), this.scratch, this.orderPeaks[0]);
      const o2 = measurePeak(va, setQuery(this.q, df, 2 * fr, 2 * SLIP * fr + 0.5 * df, Math.max(0.4 * fr, 12 * df)), this.scratch, this.orderPeaks[1]);
      const vt2 = shaft.velocityRmsMmS * shaft.velocityRmsMmS;
      // velocity RMS of each order tone: its peak bin +-1 (Hann leakage). Written out inline: a
      // helper taking the frequency as an argument boxed it on the heap every window.
      let v1 = 0;
      let v2 = 0;
      for (let o = 0; o < 2; o++) {
        const k = Math.round((o === 0 ? o1.foundHz : o2.foundHz) / df);
        let ms = 0;
        for (let j = Math.max(1, k - 1); j <= Math.min(shaft.power.length - 1, k + 1); j++) ms += shaft.power[j] * w[j];
        if (o === 0) v1 = Math.sqrt(ms);
        else v2 = Math.sqrt(ms);
      }
      const share1 = vt2 > 0 ? (v1 * v1) / vt2 : 0;
      const share12 = vt2 > 0 ? (v1 * v1 + v2 * v2) / vt2 : 0;
      const loud = shaft.velocityRmsMmS >= shaft.abLimit;
      cands[4].scoreDb = o1.dbAboveFloor;
      cands[5].scoreDb = o2.dbAboveFloor;
      if (loud && o1.dbAboveFloor >= FUNDAMENTAL_DB && share1 >= 0.5 && v2 < 0.5 * v1) {
        orderLabel = 'imbalance';
        orderConfidence = Math.min(0.99, share1);
        cands[4].detected = true;
      } else if (loud && o2.dbAboveFloor >= FUNDAMENTAL_DB && v2 >= 0.5 * v1 && share12 >= 0.5) {
        orderLabel = 'misalignment';
        orderConfidence = Math.min(0.99, share12);
        cands[5].detected = true;
      }
    }

    if (winner >= 0) {
      const pk = this.peaks[winner];
      const bestH = Math.max(pk[1].dbAboveFloor, pk[2].dbAboveFloor);
      out.label = BEARING_FAULTS[winner].label;
      out.confidence = confidenceFromMargin(pk[0].dbAboveFloor - FUNDAMENTAL_DB + (bestH - HARMONIC_DB));
      this.pushBearing(winner, ff as FaultFrequencies, ses, sesDf);
      for (let b = 0; b < BEARING_FAULTS.length; b++) if (b !== winner && cands[b].detected) this.pushBearing(b, ff as FaultFrequencies, ses, sesDf);
      if (orderLabel) this.pushOrders(orderLabel);
    } else if (orderLabel) {
      out.label = orderLabel;
      out.confidence = orderConfidence;
      this.pushOrders(orderLabel);
    } else {
      out.label = 'none';
      // How clearly nothing is there: the margin by which the closest family misses its thresholds.
      out.confidence = ff && bestMiss > -Infinity ? confidenceFromMargin(-bestMiss) : 0.5;
    }
    out.evidence = this.views[this.poolUsed];
    return out;
  }

  private pushBearing(b: number, ff: FaultFrequencies, ses: Float32Array, sesDf: number): void {
    const out = this.result;
    const pk = this.peaks[b];
    const label = BEARING_FAULTS[b].label;
    for (let h = 0; h < HARMONICS; h++) {
      copyEvidence(this.pool[this.poolUsed++], label, 'envelope', COMPONENT_NAMES[b][h], pk[h]);
    }
    if (label === 'inner_race') {
      // +-1x sidebands around BPFI: the inner race turns with the shaft through the load zone.
      const f0 = ff.BPFI;
      const floorHalf = Math.max(0.4 * f0, 12 * sesDf);
      measurePeak(ses, setQuery(this.q, sesDf, f0 - ff.shaftHz, SLIP * f0 + 0.5 * sesDf, floorHalf), this.scratch, this.sb[0]);
      measurePeak(ses, setQuery(this.q, sesDf, f0 + ff.shaftHz, SLIP * f0 + 0.5 * sesDf, floorHalf), this.scratch, this.sb[1]);
      copyEvidence(this.pool[this.poolUsed++], label, 'envelope', 'BPFI x1 -1X', this.sb[0]);
      copyEvidence(this.pool[this.poolUsed++], label, 'envelope', 'BPFI x1 +1X', this.sb[1]);
    }
  }

  private pushOrders(label: 'imbalance' | 'misalignment'): void {
    const out = this.result;
    copyEvidence(this.pool[this.poolUsed++], label, 'spectrum', '1X', this.orderPeaks[0]);
    copyEvidence(this.pool[this.poolUsed++], label, 'spectrum', '2X', this.orderPeaks[1]);
  }

}
