/**
 * The prototype's 5-feature request form for POST /api/ml/predict:
 *   {"robot_id":"robot-001","features":[0.35,45.2,6.5,3.8,4.2],"confidence_level":0.95}
 *
 * Positions (fixed, documented in docs/rul.md and models/rul.json):
 *   0 vibration RMS, g            (health feature `rms_g`)             -> model input 0
 *   1 bearing/housing temperature, degC  -> validated, NOT used by the model: the FEMTO training
 *                                   data used here carries no temperature, so the model cannot
 *                                   honestly weigh it. Kept so prototype clients keep working.
 *   2 kurtosis (3 = Gaussian)     (health feature `kurtosis`)          -> model input 1
 *   3 crest factor, peak/RMS      (health feature `crest_factor`)      -> model input 2
 *   4 velocity RMS 10-1000 Hz, mm/s (health feature `velocity_rms_mm_s`) -> model input 3
 *
 * The model consumes ratios to the asset's healthy baseline; the caller supplies the robot's
 * baseline when the gateway has learnt one (RulTracker.baseline), else the reference baseline from
 * the model card (median of the training bearings' baselines) is used and the result says so.
 */
import { FabwatchError } from '../core/errors.js';
import { RUL_MODEL_INPUT_COUNT } from './rul-math.js';

export const FIVE_FEATURE_FORM = [
  { position: 0, name: 'vibration_rms_g', unit: 'g', modelInput: 0, physical: 'greater than 0' },
  { position: 1, name: 'temperature_c', unit: 'degC', modelInput: null, physical: 'at least -273.15' },
  { position: 2, name: 'kurtosis', unit: '1', modelInput: 1, physical: 'at least 1' },
  { position: 3, name: 'crest_factor', unit: '1', modelInput: 2, physical: 'at least 1' },
  { position: 4, name: 'velocity_rms_mm_s', unit: 'mm/s', modelInput: 3, physical: 'greater than 0' },
] as const;

export const RUL_BAD_FEATURES = 'RUL_BAD_FEATURES';

function physicallyPossible(name: (typeof FIVE_FEATURE_FORM)[number]['name'], v: number): boolean {
  switch (name) {
    case 'temperature_c':
      return v >= -273.15;
    case 'kurtosis':
    case 'crest_factor':
      return v >= 1;
    default:
      return v > 0;
  }
}

/**
 * Validate a 5-feature array and return the model's raw (absolute) inputs in model order.
 * Throws FabwatchError(RUL_BAD_FEATURES) with the reason (wrong length, non-number, out of range).
 */
export function fiveFeaturesToModelInputs(features: unknown): Float64Array {
  if (!Array.isArray(features)) throw new FabwatchError(RUL_BAD_FEATURES, 'features must be an array of 5 numbers', { got: typeof features });
  if (features.length !== FIVE_FEATURE_FORM.length) {
    throw new FabwatchError(RUL_BAD_FEATURES, `features must have exactly ${FIVE_FEATURE_FORM.length} numbers [vibration_rms_g, temperature_c, kurtosis, crest_factor, velocity_rms_mm_s], got ${features.length}`, { length: features.length });
  }
  const out = new Float64Array(RUL_MODEL_INPUT_COUNT);
  for (const spec of FIVE_FEATURE_FORM) {
    const v = features[spec.position];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new FabwatchError(RUL_BAD_FEATURES, `features[${spec.position}] (${spec.name}) must be a finite number, got ${JSON.stringify(v)}`, { position: spec.position });
    }
    // Physical bounds: an RMS of 0 is a dead sensor, and kurtosis and crest factor of any signal
    // are at least 1. Values outside them made the model extrapolate (all zeros gave 3.5e25 s).
    if (!physicallyPossible(spec.name, v)) {
      throw new FabwatchError(RUL_BAD_FEATURES, `features[${spec.position}] (${spec.name}) is out of range: ${v} (must be ${spec.physical})`, { position: spec.position });
    }
    if (spec.modelInput !== null) out[spec.modelInput] = v;
  }
  return out;
}
