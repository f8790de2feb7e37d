/**
 * Evaluation-only candidate (not shipped, not run by `npm run train`): similarity to the library of
 * run-to-failure health-indicator curves. `node --import tsx src/prognosis/train/similarity.ts`
 * prints the same two protocols as `npm run train` for docs/rul.md's comparison.
 *
 * Health indicator per snapshot: HI = ln(max(S / phi, 1)), S the 1-minute trailing median of the
 * snapshot peak and phi the asset's running-minimum baseline (the classes RulTracker uses). At a
 * cut, the held-out bearing's last W snapshots of HI are compared with every W-long window of every
 * training bearing's HI curve; each window end k of bearing j gets the weight
 * exp(-mean squared difference / (2 s^2)), normalised so every training bearing counts equally, and
 * votes for that bearing's true RUL at k. The RUL distribution is that weighted mixture: point =
 * its 0.2 quantile (the PHM 2012 Bayes point), interval = its central quantiles. W and s are fixed
 * (10 min, 0.1), not tuned. Nothing of the held-out bearing but its own history up to the cut is used.
 */
import { FEMTO_BEARINGS, datasetsDir, loadFemtoBearing } from './femto.js';
import { phmAccuracy } from '../rul-math.js';
import { PHM_POINT_QUANTILE } from '../rul-fusion.js';
import { bearingRows, type BearingRows } from './dataset.js';
import { COVERAGE_LEVELS, TRUNCATION_FRACTIONS, truncationIndex, type FusedTruncation } from './evaluate.js';
import { protocolSummary } from './protocol-summary.js';

const W = 60;
const S = 0.1;

function hiCurve(r: BearingRows): Float64Array {
  const h = new Float64Array(r.n);
  for (let i = 0; i < r.n; i++) h[i] = r.ampReady[i] ? Math.log(Math.max(r.ampLevel[i] / r.ampBase[i], 1)) : 0;
  return h;
}

function weightedQuantile(xs: Array<{ v: number; w: number }>, p: number): number {
  let cum = 0;
  for (const x of xs) {
    cum += x.w;
    if (cum >= p) return x.v;
  }
  return xs[xs.length - 1].v;
}

function predict(query: Float64Array, lib: Array<{ h: Float64Array; r: BearingRows }>): Array<{ v: number; w: number }> {
  const votes: Array<{ v: number; w: number }> = [];
  for (const { h, r } of lib) {
    const local: Array<{ v: number; w: number }> = [];
    let total = 0;
    for (let k = W - 1; k < r.n; k++) {
      let d = 0;
      for (let m = 0; m < W; m++) {
        const e = h[k - W + 1 + m] - query[m];
        d += e * e;
      }
      const w = Math.exp(-d / W / (2 * S * S));
      if (w > 0) {
        local.push({ v: Math.max(r.rulS[k], 10), w });
        total += w;
      }
    }
    if (total > 0) for (const x of local) votes.push({ v: x.v, w: x.w / total / lib.length });
  }
  const sum = votes.reduce((a, x) => a + x.w, 0);
  for (const x of votes) x.w /= sum;
  return votes.sort((a, b) => a.v - b.v);
}

function cut(held: BearingRows, h: Float64Array, i: number, lib: Array<{ h: Float64Array; r: BearingRows }>, fraction: number, actual: number): FusedTruncation {
  const q = new Float64Array(W);
  for (let m = 0; m < W; m++) q[m] = h[Math.max(0, i - W + 1 + m)];
  const votes = predict(q, lib);
  const lowS: Record<string, number> = {};
  const highS: Record<string, number> = {};
  for (const l of COVERAGE_LEVELS) {
    lowS[String(l)] = weightedQuantile(votes, 0.5 - l / 2);
    highS[String(l)] = weightedQuantile(votes, 0.5 + l / 2);
  }
  const point = weightedQuantile(votes, PHM_POINT_QUANTILE);
  const median = weightedQuantile(votes, 0.5);
  return { fraction, state: 'degrading', tS: held.tS[i], actualRulS: actual, rulS: point, medianS: median, lowS, highS, source: 'degradation', percentError: (100 * (actual - point)) / actual, accuracy: phmAccuracy(actual, point), accuracyOfMedian: phmAccuracy(actual, median) };
}

function main(): void {
  const dir = datasetsDir(process.cwd());
  const rows = FEMTO_BEARINGS.map(({ id, set }) => bearingRows(loadFemtoBearing(dir, id, set), 'horiz'));
  const curves = new Map(rows.map((r) => [r.id, hiCurve(r)]));
  const lobo: FusedTruncation[] = [];
  const challenge: FusedTruncation[] = [];
  for (const held of rows) {
    const lib = rows.filter((r) => r.id !== held.id).map((r) => ({ r, h: curves.get(r.id)! }));
    const h = curves.get(held.id)!;
    const cuts = TRUNCATION_FRACTIONS.map((f) => {
      const i = truncationIndex(held, f);
      return cut(held, h, i, lib, f, held.rulS[i]);
    });
    lobo.push(...cuts);
    const mean = cuts.reduce((a, c) => a + c.accuracy, 0) / cuts.length;
    let line = `${held.id.padEnd(11)} LOBO score ${mean.toFixed(3)}`;
    if (held.challenge) {
      const i = Math.min(held.challenge.truncationSnapshots - 1, held.n - 1);
      const c = cut(held, h, i, lib, held.tS[i] / held.lifeS, held.challenge.actualRulS);
      challenge.push(c);
      line += `  challenge: ActRUL ${c.actualRulS} s, predicted ${Math.round(c.rulS)} s [${Math.round(c.lowS['0.9'])}, ${Math.round(c.highS['0.9'])}] -> A ${c.accuracy.toFixed(3)}`;
    }
    console.log(line);
  }
  for (const [name, cuts] of [['leave_one_bearing_out', lobo], ['challenge', challenge]] as const) {
    const p = protocolSummary(cuts);
    console.log(`${name.padEnd(22)} cuts ${String(p.cuts).padStart(3)}  PHM score ${p.phm_score.toFixed(3)}  coverage 80/90/95 % ${p.coverage['0.8'].toFixed(2)} / ${p.coverage['0.9'].toFixed(2)} / ${p.coverage['0.95'].toFixed(2)}  median 90 % high/low ${p.median_ratio_high_over_low_90}x`);
  }
}

main();
