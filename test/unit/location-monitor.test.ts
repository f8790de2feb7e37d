import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { ManualClock } from '../../src/core/clock.js';
import { FabwatchError } from '../../src/core/errors.js';
import { tabulatedLimitPerM3 } from '../../src/analysis/iso14644.js';
import { LocationMonitor, type CounterReading } from '../../src/cleanroom/location-monitor.js';
import {
  DEFAULT_AVERAGING_SAMPLES, DEFAULT_COUNTER_FAULT_POLICY, DEFAULT_EXCURSION_POLICY, checkCleanroomConfig, cleanroomLocationConfig,
  type CleanroomLocationConfig,
} from '../../src/cleanroom/config.js';
import type { AlarmTransition } from '../../src/cleanroom/alarm.js';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;
const SIZES = [0.1, 0.2, 0.3, 0.5, 1, 5];
const V_M3 = 0.028316846592; // 1 CFM for 60 s = 1 ft3

/** Counts that put each channel at `fraction` of the ISO `cls` limit over 1 ft3 (rounded down). */
const countsAt = (fraction: number, cls = 4): number[] => SIZES.map((d) => Math.floor(fraction * tabulatedLimitPerM3(cls, d) * V_M3));

function setup(cfg: Partial<Parameters<typeof cleanroomLocationConfig>[0]> = {}) {
  const clock = new ManualClock(T0);
  const config = cleanroomLocationConfig({
    configuredClass: 4,
    averagingSamples: 3,
    excursion: { minConsecutiveSamples: 2, minDurationS: 60, clearConsecutiveSamples: 2 },
    environment: { temperatureC: { min: 20, max: 22 }, humidityPct: { min: 40, max: 50 } },
    ...cfg,
  });
  const mon = new LocationMonitor({ location: 'litho-bay-1', counterId: 'pc-litho-1', config, clock });
  let i = 0;
  const next = (counts: number[], extra: Partial<CounterReading> = {}) => {
    const r: CounterReading = { ts: T0 + i * MIN, sizesUm: SIZES, counts, sampleTimeS: 60, flowCfm: 1, faults: [], ...extra };
    i++;
    clock.advance(MIN);
    return mon.ingest(r);
  };
  return { mon, clock, next };
}

const kinds = (ts: AlarmTransition[]) => ts.map((t) => `${t.alarm}:${t.kind}:${t.to}`);

test('clean air: concentrations, class, margins, JSON-serialisable status', () => {
  const { next } = setup();
  const counts = countsAt(0.3); // [84, 20, 8, 2, 0, 0]
  const { status, transitions, duplicate } = next(counts, { temperatureC: 22.5, humidityPct: 45 });
  assert.equal(duplicate, false);
  assert.deepEqual(transitions, []);
  assert.equal(status.location, 'litho-bay-1');
  assert.equal(status.counterId, 'pc-litho-1');
  assert.equal(status.ts, T0);
  assert.equal(status.receivedAt, T0 + MIN);
  assert.equal(status.dataValid, true);
  assert.deepEqual(status.counts, counts);
  status.concentrationPerM3.forEach((c, k) => assert.ok(Math.abs(c! - counts[k] / V_M3) < 1e-9, `channel ${k}`));
  assert.deepEqual(status.averagePerM3, status.concentrationPerM3);
  // 2966/m3 at 0.1 um exceeds ISO 3.4 (2512) but not 3.5 (3160); 0.2-0.5 um are within 3.5 too.
  assert.equal(status.isoClass, 3.5);
  assert.equal(status.sampleIsoClass, 3.5);
  assert.equal(status.configuredClass, 4);
  assert.equal(status.meetsConfiguredClass, true);
  assert.deepEqual(status.margins.map((m) => m.considered), [true, true, true, true, true, false]); // 5 um: blank for ISO 4
  assert.ok(Math.abs(status.margins[0].ratio - 84 / V_M3 / 10000) < 1e-12);
  assert.ok(status.margins[0].headroomPct > 70 && status.margins[0].headroomPct < 71);
  assert.equal(status.alarm.excursion.level, 'none');
  assert.equal(status.alarm.counterFault.active, false);
  assert.equal(status.environment.temperatureC.status, 'high');
  assert.equal(status.environment.humidityPct.status, 'ok');
  assert.equal(status.environment.dpPa.status, 'not_measured');
  assert.deepEqual(JSON.parse(JSON.stringify(status)), status);
});

test('rolling average over the configured number of valid samples', () => {
  const { next } = setup({ averagingSamples: 3 });
  const series = [0.3, 0.3, 0.6, 0.9];
  let last;
  for (const f of series) last = next(countsAt(f)).status;
  const expected = (k: number) => series.slice(-3).reduce((s, f) => s + countsAt(f)[k] / V_M3, 0) / 3;
  assert.equal(last!.averageSamples, 3);
  last!.averagePerM3.forEach((a, k) => assert.ok(Math.abs(a! - expected(k)) < 1e-9 * Math.max(1, expected(k)), `channel ${k}`));
  // Class and margins follow the average, not the last sample.
  assert.ok(last!.margins[0].ratio < last!.margins[0].sampleRatio!);
});

test('excursion: raised after the minimum duration, cleared with hysteresis', () => {
  const { next } = setup();
  assert.deepEqual(next(countsAt(0.3)).transitions, []);
  assert.deepEqual(next(countsAt(1.5)).transitions, [], 'one sample over the limit does not raise');
  const r = next(countsAt(1.5));
  assert.deepEqual(kinds(r.transitions), ['excursion:raised:limit']);
  assert.equal(r.transitions[0].location, 'litho-bay-1');
  assert.equal(r.transitions[0].sizeUm, 0.1);
  assert.equal(r.status.alarm.excursion.level, 'limit');
  assert.equal(r.status.meetsConfiguredClass, false);
  assert.ok(r.status.isoClass! > 4);
  // 0.46 x limit is above the alert hysteresis band (0.45): steps down to alert, does not clear.
  assert.deepEqual(next(countsAt(0.47)).transitions, []);
  assert.deepEqual(kinds(next(countsAt(0.47)).transitions), ['excursion:deescalated:alert']);
  assert.deepEqual(next(countsAt(0.3)).transitions, []);
  assert.deepEqual(kinds(next(countsAt(0.3)).transitions), ['excursion:cleared:none']);
});

test('excursion on the rolling average: one high sample moves the average, not the alarm level directly', () => {
  const { next } = setup({ averagingSamples: 4, excursion: { basis: 'average', minConsecutiveSamples: 2, minDurationS: 0, clearConsecutiveSamples: 1 } });
  for (let k = 0; k < 4; k++) next(countsAt(0.2));
  // Sample at 3x: average of [0.2, 0.2, 0.2, 3] = 0.9x (> action 0.8), once: not raised yet.
  const a = next(countsAt(3));
  assert.deepEqual(a.transitions, []);
  assert.equal(a.status.alarmLevels.action, 0.8);
  assert.ok(a.status.margins[0].ratio > 0.8 && a.status.margins[0].ratio < 0.9, String(a.status.margins[0].ratio));
  // Next sample at 0.2: the average is still 0.85x (the 3x sample is in the window) -> action raised.
  assert.deepEqual(kinds(next(countsAt(0.2)).transitions), ['excursion:raised:action']);
  // The 3x sample stays in the window for four samples; when it leaves, the level clears in one step.
  assert.deepEqual(next(countsAt(0.2)).transitions, []);
  assert.deepEqual(next(countsAt(0.2)).transitions, []);
  assert.deepEqual(kinds(next(countsAt(0.2)).transitions), ['excursion:cleared:none']);
});

test('a faulty counter is not clean air: zero counts with a laser fault neither clear nor improve anything', () => {
  const { next } = setup();
  next(countsAt(1.5));
  next(countsAt(1.5));
  const before = next(countsAt(1.5)).status;
  assert.equal(before.alarm.excursion.level, 'limit');
  const dead = next([0, 0, 0, 0, 0, 0], { faults: ['laser'] });
  assert.deepEqual(kinds(dead.transitions), ['counter_fault:raised:fault']);
  assert.equal(dead.status.dataValid, false);
  assert.deepEqual(dead.status.concentrationPerM3, SIZES.map(() => null));
  assert.equal(dead.status.sampleIsoClass, null);
  assert.equal(dead.status.isoClass, before.isoClass, 'the average ignores faulty samples');
  assert.equal(dead.status.averageSamples, before.averageSamples);
  for (let k = 0; k < 4; k++) assert.deepEqual(next([0, 0, 0, 0, 0, 0], { faults: ['laser'] }).transitions, []);
  assert.equal(faultyHighSample(next).alarm.excursion.level, 'limit');
  // Good data again: the fault clears at once, the excursion only after clean samples.
  const back = next(countsAt(0.3));
  assert.deepEqual(kinds(back.transitions), ['counter_fault:cleared:ok']);
  assert.deepEqual(kinds(next(countsAt(0.3)).transitions), ['excursion:cleared:none']);
});

/** A faulty sample, whatever it reads, changes no excursion state either way. */
function faultyHighSample(next: ReturnType<typeof setup>['next']) {
  return next(countsAt(1.5), { faults: ['laser'] }).status;
}

test('overflow: concentrations are lower bounds, can raise, are not averaged', () => {
  const { next } = setup();
  next(countsAt(0.3));
  const a = next(countsAt(2), { faults: ['overflow'] });
  assert.equal(a.status.lowerBound, true);
  assert.equal(a.status.dataValid, false);
  assert.notEqual(a.status.concentrationPerM3[0], null);
  assert.equal(a.status.averageSamples, 1);
  const b = next(countsAt(2), { faults: ['overflow'] });
  assert.deepEqual(kinds(b.transitions), ['excursion:raised:limit']);
  assert.equal(b.status.alarm.counterFault.active, true);
  assert.deepEqual(b.status.alarm.counterFault.reasons, ['overflow']);
});

test('overflow together with another fault is not a lower bound', () => {
  const { next } = setup();
  for (let k = 0; k < 4; k++) {
    const r = next(countsAt(2), { faults: ['overflow', 'laser'] });
    assert.equal(r.status.lowerBound, false);
    assert.equal(r.status.concentrationPerM3[0], null);
    assert.equal(r.status.alarm.excursion.level, 'none');
  }
});

test('stale data raises a counter fault on tick; repeated records are not new data', () => {
  const { mon, clock, next } = setup({ counterFault: { staleAfterS: 300 } });
  const first = next(countsAt(0.3));
  const dup = mon.ingest({ ts: first.status.ts, sizesUm: SIZES, counts: countsAt(5), sampleTimeS: 60, flowCfm: 1, faults: [] });
  assert.equal(dup.duplicate, true);
  assert.equal(dup.status.averageSamples, 1);
  assert.deepEqual(dup.status.counts, first.status.counts);
  clock.advance(299_000);
  assert.deepEqual(mon.tick().transitions, []);
  clock.advance(1_000);
  const t = mon.tick();
  assert.deepEqual(kinds(t.transitions), ['counter_fault:raised:fault']);
  assert.deepEqual(t.status!.alarm.counterFault.reasons, ['stale']);
  assert.equal(t.status!.alarm.excursion.level, 'none');
});

test('an unusable reading is reported, not thrown', () => {
  const { next } = setup();
  const r = next(countsAt(0.3), { flowCfm: 0 });
  assert.match(r.status.invalidReason!, /flow 0 CFM/);
  assert.deepEqual(kinds(r.transitions), ['counter_fault:raised:fault']);
  assert.deepEqual(r.status.alarm.counterFault.reasons, ['invalid_reading']);
  const r2 = next([1, 5, 0, 0, 0, 0]);
  assert.match(r2.status.invalidReason!, /not cumulative/);
  assert.equal(r2.status.isoClass, null);
});

test('sample volume against Vs for the configured class', () => {
  // ISO 4 judged up to 1 um: Vs = 20 / 83 x 1000 = 241 L, far above one ft3 (28.3 L).
  const all = setup().next(countsAt(0.3)).status;
  assert.ok(Math.abs(all.requiredSampleVolumeL! - 20000 / 83) < 1e-9);
  assert.ok(Math.abs(all.sampleVolumeL! - 28.316846592) < 1e-9);
  assert.equal(all.sampleVolumeOk, false);
  // Only 0.1 um considered: Vs = 20 / 10000 x 1000 = 2 L.
  const fine = setup({ consideredSizesUm: [0.1] }).next(countsAt(0.3)).status;
  assert.equal(fine.requiredSampleVolumeL, 2);
  assert.equal(fine.sampleVolumeOk, true);
  assert.deepEqual(fine.margins.map((m) => m.considered), [true, false, false, false, false, false]);
  // 0.1 um alone sits at 0.297 of ISO 4: ISO 3.5 is the best judged there.
  assert.equal(fine.isoClass, 3.5);
});

test('config: cross-field checks name the field', () => {
  const good = cleanroomLocationConfig({ configuredClass: 4 });
  const bad = (c: CleanroomLocationConfig, re: RegExp) =>
    assert.throws(() => checkCleanroomConfig(c), (e: unknown) => e instanceof FabwatchError && e.code === 'CONFIG_INVALID' && re.test(e.message));
  bad({ ...good, configuredClass: 4.25 }, /configuredClass/);
  bad({ ...good, excursion: { ...good.excursion, alertFraction: 0.9 } }, /alertFraction/);
  bad({ ...good, environment: { dpPa: { min: 10, max: 5 } } }, /environment\.dpPa/);
});

test('config/schema.json cleanroom section: valid under strict Ajv, defaults equal the TypeScript defaults', () => {
  const fragment = JSON.parse(readFileSync(new URL('../../config/schema.json', import.meta.url), 'utf8'));
  const schema = { $schema: 'http://json-schema.org/draft-07/schema#', definitions: fragment.definitions, $ref: '#/definitions/cleanroomLocation' };
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, strictTypes: false, allowUnionTypes: true });
  const validate = ajv.compile(schema);
  const data: Record<string, unknown> = { configuredClass: 4 };
  assert.equal(validate(data), true, JSON.stringify(validate.errors));
  assert.deepEqual(data, {
    configuredClass: 4,
    consideredSizesUm: [],
    averagingSamples: DEFAULT_AVERAGING_SAMPLES,
    excursion: { ...DEFAULT_EXCURSION_POLICY },
    counterFault: { ...DEFAULT_COUNTER_FAULT_POLICY },
    environment: {},
  });
  assert.deepEqual(data, cleanroomLocationConfig({ configuredClass: 4 }));
  assert.equal(validate({}), false, 'configuredClass is required');
  assert.equal(validate({ configuredClass: 4, alarmLevel: 1 }), false, 'unknown keys are rejected');
  assert.equal(validate({ configuredClass: 4, environment: { dpPa: { min: 10 } } }), true);
  assert.equal(validate({ configuredClass: 10 }), false);
});

test('environment: out of range after the raise count, back in range after the clear count', () => {
  const { next } = setup(); // temperature 20-22 C, humidity 40-50 %, no dP limits
  assert.deepEqual(next(countsAt(0.3), { temperatureC: 22.5, dpPa: 3 }).transitions, []);
  const r = next(countsAt(0.3), { temperatureC: 22.6, humidityPct: 45 });
  assert.deepEqual(r.transitions.map((t) => `${t.alarm}:${t.kind}:${t.quantity}:${t.to}`), ['environment:raised:temperatureC:high']);
  assert.equal(r.transitions[0].value, 22.6);
  assert.equal(r.status.alarm.environment.temperatureC, 'high');
  assert.equal(r.status.environment.dpPa.status, 'not_measured');
  // A sample without temperature is no evidence; two in range clear it.
  assert.deepEqual(next(countsAt(0.3)).transitions, []);
  assert.deepEqual(next(countsAt(0.3), { temperatureC: 21 }).transitions, []);
  assert.deepEqual(next(countsAt(0.3), { temperatureC: 21 }).transitions.map((t) => `${t.kind}:${t.to}`), ['cleared:ok']);
  assert.equal(next(countsAt(0.3), { dpPa: 3 }).status.environment.dpPa.status, 'no_limits');
});

test('considered sizes are checked against the counter channels', () => {
  const clock = new ManualClock(T0);
  const make = (config: CleanroomLocationConfig, channelSizesUm: number[]) => () => new LocationMonitor({ location: 'x', counterId: 'pc', config, clock, channelSizesUm });
  const isConfigError = (re: RegExp) => (e: unknown) => e instanceof FabwatchError && e.code === 'CONFIG_INVALID' && re.test(e.message);
  assert.throws(make(cleanroomLocationConfig({ configuredClass: 4, consideredSizesUm: [0.7] }), SIZES), isConfigError(/0\.7 um not among/));
  // ISO 2 may not be evaluated at 0.5 um or above: a 0.5/5 um counter cannot judge it.
  assert.throws(make(cleanroomLocationConfig({ configuredClass: 2 }), [0.5, 5]), isConfigError(/no considered size/));
  assert.doesNotThrow(make(cleanroomLocationConfig({ configuredClass: 6, consideredSizesUm: [0.5, 5] }), SIZES));
});
