/**
 * A cap on RUL figures far outside what the model was trained on (#19). The population model is a
 * log-linear regression: inputs outside the training range extrapolate exponentially (all-zero
 * features once gave 3.5e25 s), and the degradation model can extrapolate too. The training lives
 * are in the model card (models/rul.json, training_data.bearings[].end_of_life_s: FEMTO bearings,
 * the longest 27 550 s); a figure above RUL_CAP_FACTOR times the longest is not a prediction but an
 * extrapolation. Shown figures are clamped to [0, cap], the estimate says so (`capped`: why, the
 * model's figure, the cap), the status reasons name it and the feed counts it
 * (fabwatch_rul_capped_total).
 */
import type { Rul } from '../state/wire-types.js';
import type { RulFigures } from './rul-state.js';

/** Above this multiple of the longest training life a figure is clamped. */
export const RUL_CAP_FACTOR = 2;

export type RulCapped = NonNullable<Rul['capped']>;

/** The cap from a model card's training data, s; null when the card does not list the training lives (then only negatives are clamped). */
export function rulCapFromCard(card: { training_data?: unknown }): number | null {
  const bearings = (card.training_data as { bearings?: Array<{ end_of_life_s?: unknown }> } | undefined)?.bearings;
  if (!Array.isArray(bearings)) return null;
  const lives = bearings.map((b) => b?.end_of_life_s).filter((v): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0);
  return lives.length ? RUL_CAP_FACTOR * Math.max(...lives) : null;
}

/**
 * Judged on the figure the estimate stands on: the point estimate, or in no_degradation (no point)
 * the lower bound. Above the cap, every figure is clamped to [0, capS]; an upper bound alone above
 * the cap is left as it is (it is the point times the interval's spread, and a healthy asset's
 * interval reaches past the cap without the point being an extrapolation). Any negative or NaN
 * figure becomes 0. `capped` is null when nothing was changed; otherwise the reason (above the
 * training range wins over negative), the model's figure and the cap.
 */
export function capRulFigures(f: RulFigures, capS: number | null): { figures: RulFigures; capped: RulCapped | null } {
  const point = f.rul_s ?? f.rul_low_s;
  const values = [f.rul_s, f.rul_low_s, f.rul_high_s].filter((v): v is number => v !== null);
  const above = capS !== null && point > capS;
  const bad = values.find((v) => v < 0 || Number.isNaN(v));
  if (!above && bad === undefined) return { figures: f, capped: null };
  const limit = above ? capS : Infinity;
  const clamp = (v: number) => (Number.isNaN(v) ? 0 : Math.min(Math.max(v, 0), limit));
  return {
    figures: { rul_s: f.rul_s === null ? null : clamp(f.rul_s), rul_low_s: clamp(f.rul_low_s), rul_high_s: f.rul_high_s === null ? null : clamp(f.rul_high_s) },
    capped: above ? { reason: 'above_training_range', model_rul_s: point, cap_s: capS } : { reason: 'negative', model_rul_s: Number.isNaN(bad!) ? null : bad!, cap_s: capS },
  };
}
