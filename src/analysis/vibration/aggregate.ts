/**
 * Combining per-window diagnoses: a fault is only reported for a recording (or by the gateway, for
 * the last K windows) when MORE THAN HALF of the windows name it. A single window's envelope
 * spectrum can show a chance alignment; a bearing defect repeats every window. "none" otherwise.
 * Pure and allocation-light: keep one per robot/axis.
 */
import type { DiagnosisLabel, Evidence } from './diagnosis.js';
import type { VibrationResult } from './analyzer.js';

export interface AggregateDiagnosis {
  label: DiagnosisLabel;
  /** Share of windows with that label times their mean confidence. */
  confidence: number;
  windows: number;
  /** Windows per label. */
  votes: Partial<Record<DiagnosisLabel, number>>;
  /** Evidence of the most confident window with the winning label (empty for "none"). */
  evidence: Evidence[];
}

export class DiagnosisVote {
  private readonly capacity: number;
  private readonly labels: DiagnosisLabel[] = [];
  private readonly confidences: number[] = [];
  private bestEvidence = new Map<DiagnosisLabel, { confidence: number; evidence: Evidence[] }>();

  /** capacity: how many of the most recent windows vote (Infinity = all, for a recording). */
  constructor(capacity = Infinity) {
    this.capacity = capacity;
  }

  add(r: Pick<VibrationResult, 'diagnosis'>): void {
    const d = r.diagnosis;
    this.labels.push(d.label);
    this.confidences.push(d.confidence);
    if (this.labels.length > this.capacity) {
      this.labels.shift();
      this.confidences.shift();
    }
    const prev = this.bestEvidence.get(d.label);
    if (d.label !== 'none' && (!prev || d.confidence > prev.confidence)) {
      this.bestEvidence.set(d.label, { confidence: d.confidence, evidence: d.evidence.map((e) => ({ ...e })) });
    }
  }

  result(): AggregateDiagnosis {
    const votes: Partial<Record<DiagnosisLabel, number>> = {};
    const conf: Partial<Record<DiagnosisLabel, number>> = {};
    for (let i = 0; i < this.labels.length; i++) {
      const l = this.labels[i];
      votes[l] = (votes[l] ?? 0) + 1;
      conf[l] = (conf[l] ?? 0) + this.confidences[i];
    }
    const n = this.labels.length;
    let label: DiagnosisLabel = 'none';
    for (const [l, c] of Object.entries(votes) as [DiagnosisLabel, number][]) {
      if (l !== 'none' && c * 2 > n) label = l;
    }
    const c = votes[label] ?? 0;
    const confidence = n > 0 && c > 0 ? (c / n) * ((conf[label] ?? 0) / c) : label === 'none' ? 0.5 : 0;
    const evidence = label === 'none' ? [] : (this.bestEvidence.get(label)?.evidence ?? []);
    return { label, confidence, windows: n, votes, evidence };
  }
}
