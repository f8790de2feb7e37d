/**
 * Per-counter cleanroom settings: the TypeScript view of `definitions.cleanroomLocation` in
 * config/schema.json (definitions.cleanroomLocation). The defaults
 * below must equal the schema's; test/unit/location-monitor.test.ts checks that they do.
 */
import { FabwatchError, ErrorCode } from '../core/errors.js';
import { isSizeApplicable, isValidIsoClass } from '../analysis/iso14644.js';

/** An inclusive acceptable range; either end may be absent. */
export interface Range {
  min?: number;
  max?: number;
}

export interface ExcursionPolicy {
  /** Alert level as a fraction of the class limit (e.g. 0.5 = half the limit). */
  alertFraction: number;
  /** Action level, fraction of the class limit; > alertFraction. */
  actionFraction: number;
  /** Limit level, fraction of the class limit (1 = the class limit itself); > actionFraction. */
  limitFraction: number;
  /** A raised level clears once the ratio is below level x (1 - hysteresisFraction). */
  hysteresisFraction: number;
  /** Seconds (by sample timestamps) a level must be exceeded before it is raised; 0 = no minimum. */
  minDurationS: number;
  /** Consecutive samples at or above a level before it is raised; 1 = no minimum. */
  minConsecutiveSamples: number;
  /** Consecutive samples below the hysteresis band before a level is lowered or cleared. */
  clearConsecutiveSamples: number;
  /** Judge each sample ('sample') or the rolling average ('average'). */
  basis: 'sample' | 'average';
}

export interface CounterFaultPolicy {
  /** Counter status names that make a sample invalid and raise the counter-fault alarm. */
  faultBits: string[];
  /** Seconds without a new sample before the counter is reported stale (a fault). */
  staleAfterS: number;
}

export interface EnvironmentLimits {
  temperatureC?: Range;
  humidityPct?: Range;
  dpPa?: Range;
}

export interface CleanroomLocationConfig {
  /** ISO class the location is specified to meet, 1-9 in steps of 0.1. */
  configuredClass: number;
  /** Sizes (um) used for classification and alarms; empty = every channel the class allows. */
  consideredSizesUm: number[];
  /** Samples in the rolling average (ISO 14644-1 averages the samples taken at a location). */
  averagingSamples: number;
  excursion: ExcursionPolicy;
  counterFault: CounterFaultPolicy;
  environment: EnvironmentLimits;
}

export const DEFAULT_EXCURSION_POLICY: Readonly<ExcursionPolicy> = Object.freeze({
  alertFraction: 0.5,
  actionFraction: 0.8,
  limitFraction: 1,
  hysteresisFraction: 0.1,
  minDurationS: 60,
  minConsecutiveSamples: 3,
  clearConsecutiveSamples: 2,
  basis: 'sample',
});

export const DEFAULT_COUNTER_FAULT_POLICY: Readonly<CounterFaultPolicy> = Object.freeze({
  faultBits: ['laser', 'flow', 'overflow', 'service', 'sampler'],
  staleAfterS: 300,
});

export const DEFAULT_AVERAGING_SAMPLES = 5;

/** Fill defaults the way Ajv's useDefaults would (for tests and the offline CLI). */
export function cleanroomLocationConfig(partial: Partial<Omit<CleanroomLocationConfig, 'excursion' | 'counterFault'>> & {
  configuredClass: number;
  excursion?: Partial<ExcursionPolicy>;
  counterFault?: Partial<CounterFaultPolicy>;
}): CleanroomLocationConfig {
  const cfg: CleanroomLocationConfig = {
    configuredClass: partial.configuredClass,
    consideredSizesUm: partial.consideredSizesUm ?? [],
    averagingSamples: partial.averagingSamples ?? DEFAULT_AVERAGING_SAMPLES,
    excursion: { ...DEFAULT_EXCURSION_POLICY, ...partial.excursion },
    counterFault: { ...DEFAULT_COUNTER_FAULT_POLICY, faultBits: [...DEFAULT_COUNTER_FAULT_POLICY.faultBits], ...partial.counterFault },
    environment: partial.environment ?? {},
  };
  checkCleanroomConfig(cfg);
  return cfg;
}

/** Cross-field checks JSON Schema cannot express; throws CONFIG_INVALID naming the field. */
export function checkCleanroomConfig(cfg: CleanroomLocationConfig, where = 'cleanroom'): void {
  const bad = (path: string, message: string): never => {
    throw new FabwatchError(ErrorCode.CONFIG_INVALID, `${where}.${path}: ${message}`, { path: `${where}.${path}` });
  };
  if (!isValidIsoClass(cfg.configuredClass)) bad('configuredClass', 'must be 1-9 in steps of 0.1');
  if (!Number.isInteger(cfg.averagingSamples) || cfg.averagingSamples < 1) bad('averagingSamples', 'must be an integer >= 1');
  const e = cfg.excursion;
  if (!(e.alertFraction > 0 && e.alertFraction < e.actionFraction && e.actionFraction < e.limitFraction)) {
    bad('excursion', `levels must rise: 0 < alertFraction (${e.alertFraction}) < actionFraction (${e.actionFraction}) < limitFraction (${e.limitFraction})`);
  }
  if (!(e.hysteresisFraction >= 0 && e.hysteresisFraction < 1)) bad('excursion.hysteresisFraction', 'must be in [0, 1)');
  if (!(e.minDurationS >= 0)) bad('excursion.minDurationS', 'must be >= 0');
  if (!Number.isInteger(e.minConsecutiveSamples) || e.minConsecutiveSamples < 1) bad('excursion.minConsecutiveSamples', 'must be an integer >= 1');
  if (!Number.isInteger(e.clearConsecutiveSamples) || e.clearConsecutiveSamples < 1) bad('excursion.clearConsecutiveSamples', 'must be an integer >= 1');
  if (!(cfg.counterFault.staleAfterS > 0)) bad('counterFault.staleAfterS', 'must be > 0');
  for (const [name, r] of Object.entries(cfg.environment) as Array<[string, Range | undefined]>) {
    if (r && r.min !== undefined && r.max !== undefined && r.min > r.max) bad(`environment.${name}`, `min ${r.min} > max ${r.max}`);
  }
}

/** consideredSizesUm must name channels the counter has (else nothing would be judged). */
export function checkConsideredSizes(cfg: CleanroomLocationConfig, channelSizesUm: readonly number[], where = 'cleanroom'): void {
  const missing = cfg.consideredSizesUm.filter((d) => !channelSizesUm.some((c) => Math.abs(c - d) <= 1e-9 * Math.max(1, d)));
  if (missing.length) {
    throw new FabwatchError(ErrorCode.CONFIG_INVALID, `${where}.consideredSizesUm: ${missing.join(', ')} um not among the counter's channel sizes (${channelSizesUm.join(', ')})`, { path: `${where}.consideredSizesUm`, missing });
  }
  const judged = (cfg.consideredSizesUm.length ? cfg.consideredSizesUm : channelSizesUm).filter((d) => isSizeApplicable(cfg.configuredClass, d));
  if (judged.length === 0) {
    throw new FabwatchError(ErrorCode.CONFIG_INVALID, `${where}: no considered size is one ISO ${cfg.configuredClass} may be evaluated at (ISO 14644-1 Table 1)`, { path: `${where}.consideredSizesUm` });
  }
}
