/**
 * What the RUL estimate of an asset can honestly say, as a small state machine (docs/rul.md):
 *
 *   learning --(baseline learnt)--> no_degradation --(degradation established)--> degrading
 *       \                                 \                                          |
 *        `---------------------------------`---------(snapshot peak >= F)--> failed <'
 *
 * - learning: the asset's healthy baseline is still being learnt (first BASELINE_SNAPSHOTS
 *   snapshots). The numbers are provisional; nothing should act on them.
 * - no_degradation: no degradation detected yet. Only a lower bound is given (rul_low_s: the RUL
 *   exceeds it with the stated confidence); no point estimate, no upper bound. A lower bound is
 *   not an imminent failure (src/monitor/status-model.ts).
 * - degrading: the asset's own degradation trend is established; point estimate + interval.
 * - failed: a snapshot reached the failure criterion (F, 20 g peak for FEMTO). Latched until the
 *   asset's tracker is reset (bearing replaced).
 * degrading does not return to no_degradation: the degradation model's onset is latched too.
 */
import type { Rul } from '../state/wire-types.js';

/** The states and the RUL figures are the published ones (docs/schemas/telemetry.json#/definitions/rul): one field list. */
export type RulState = Rul['rul_state'];
export const RUL_STATES = ['learning', 'no_degradation', 'degrading', 'failed'] as const satisfies readonly RulState[];
/** Compile-time: every published state is listed (`satisfies` above checks the other direction); a missing one fails the type check here. */
export const RUL_STATES_COMPLETE: [Exclude<RulState, (typeof RUL_STATES)[number]>] extends [never] ? true : Exclude<RulState, (typeof RUL_STATES)[number]> = true;

export interface RulStateInputs {
  baselineReady: boolean;
  /** A snapshot reached the failure criterion at some point (latched). */
  failed: boolean;
  /** The asset's degradation model is established (onset + significant positive trend). */
  degrading: boolean;
}

export function rulStateOf(i: RulStateInputs): RulState {
  if (i.failed) return 'failed';
  if (!i.baselineReady) return 'learning';
  return i.degrading ? 'degrading' : 'no_degradation';
}

/** The RUL figures a state allows to show: no_degradation has only a lower bound; failed is 0. */
export type RulFigures = Pick<Rul, 'rul_s' | 'rul_low_s' | 'rul_high_s'>;

/**
 * `point`, `low`, `high`: the model's estimate and two-sided interval; `lowerBound`: its one-sided
 * lower bound at the same confidence (the (1 - c) quantile), shown for no_degradation.
 */
export function figuresFor(state: RulState, point: number, low: number, high: number, lowerBound: number): RulFigures {
  switch (state) {
    case 'failed':
      return { rul_s: 0, rul_low_s: 0, rul_high_s: 0 };
    case 'no_degradation':
      return { rul_s: null, rul_low_s: lowerBound, rul_high_s: null };
    default:
      return { rul_s: point, rul_low_s: low, rul_high_s: high };
  }
}
