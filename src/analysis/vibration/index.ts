/** Public surface of the vibration analysis (pure, no I/O). */
export { createVibrationAnalyzer, type VibrationAnalyzer, type VibrationAnalyzerOptions, type VibrationResult, type VibrationFeatures } from './analyzer.js';
export { createMultiAxisAnalyzer, dominantAxis, type MultiAxisAnalyzer } from './multi-axis.js';
export { DiagnosisVote, type AggregateDiagnosis } from './aggregate.js';
export { toSerializable, bandSpectrum, type SerializedResult } from './serialize.js';
export { WelchAccumulator, WelchPlan } from './welch.js';
export { designDecimator, decimate, decimatedLength, type DecimatorDesign } from './decimate.js';
export { faultFrequencies, type BearingGeometry, type FaultFrequencies } from './bearing.js';
export { ISO20816_PRESETS, DEFAULT_ZONE_LIMITS, isoZone, type IsoZone, type ZoneLimits, type Iso20816Preset } from './iso20816.js';
export type { Diagnosis, DiagnosisLabel, Evidence } from './diagnosis.js';
export { windowSizeForResolution } from './window-size.js';
