/**
 * Several axes of one sensor: one analyzer per axis (their buffers are independent), and a pick
 * of the axis that matters most for alerts: the worst ISO zone, then a fault diagnosis over
 * "none", then the higher velocity RMS.
 */
import { createVibrationAnalyzer, type VibrationAnalyzer, type VibrationAnalyzerOptions, type VibrationResult } from './analyzer.js';

const ZONE_RANK = { A: 0, B: 1, C: 2, D: 3 } as const;

export interface MultiAxisAnalyzer {
  readonly axes: number;
  /** Analyses every axis; results[i] belongs to analyzer i and is overwritten by its next call. */
  analyze(signals: readonly ArrayLike<number>[], shaftHz?: number): { results: VibrationResult[]; dominantAxis: number };
}

export function dominantAxis(results: readonly VibrationResult[]): number {
  let best = 0;
  for (let i = 1; i < results.length; i++) {
    const a = results[i];
    const b = results[best];
    const za = ZONE_RANK[a.iso20816.zone];
    const zb = ZONE_RANK[b.iso20816.zone];
    if (za !== zb) {
      if (za > zb) best = i;
      continue;
    }
    const fa = a.diagnosis.label !== 'none' ? 1 : 0;
    const fb = b.diagnosis.label !== 'none' ? 1 : 0;
    if (fa !== fb) {
      if (fa > fb) best = i;
      continue;
    }
    if (a.features.velocityRmsMmS > b.features.velocityRmsMmS) best = i;
  }
  return best;
}

export function createMultiAxisAnalyzer(opts: VibrationAnalyzerOptions, axes = 3): MultiAxisAnalyzer {
  const analyzers: VibrationAnalyzer[] = [];
  for (let i = 0; i < axes; i++) analyzers.push(createVibrationAnalyzer(opts));
  const results: VibrationResult[] = new Array(axes);
  return {
    axes,
    analyze(signals, shaftHz) {
      if (signals.length !== axes) throw new RangeError(`expected ${axes} axes, got ${signals.length}`);
      for (let i = 0; i < axes; i++) results[i] = analyzers[i].analyze(signals[i], shaftHz);
      return { results, dominantAxis: dominantAxis(results) };
    },
  };
}
