import { COVERAGE_LEVELS, type FusedTruncation } from './evaluate.js';

const r3 = (v: number) => Math.round(v * 1000) / 1000;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
};

/**
 * The figures over a set of held-out cuts: mean PHM score (the model's point at every cut,
 * whatever the state), coverage of the model's 80/90/95 % intervals, sharpness (median high/low
 * of the 90 % interval), and the states the gateway would have shown.
 */
export function protocolSummary(cuts: FusedTruncation[]) {
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const ratios = cuts.map((c) => c.highS['0.9'] / c.lowS['0.9']);
  const states: Record<string, number> = {};
  for (const c of cuts) states[c.state] = (states[c.state] ?? 0) + 1;
  const noDeg = cuts.filter((c) => c.state === 'no_degradation');
  return {
    cuts: cuts.length,
    phm_score: r3(mean(cuts.map((c) => c.accuracy))),
    coverage: Object.fromEntries(COVERAGE_LEVELS.map((l) => [String(l), r3(cuts.filter((c) => c.actualRulS >= c.lowS[String(l)] && c.actualRulS <= c.highS[String(l)]).length / cuts.length)])),
    median_ratio_high_over_low_90: r3(median(ratios)),
    states_at_cuts: states,
    no_degradation_lower_bound_90_holds: noDeg.length ? r3(noDeg.filter((c) => c.actualRulS >= c.lowS['0.9']).length / noDeg.length) : null,
  };
}
