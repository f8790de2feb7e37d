import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/core/clock.js';
import { CounterFaultAlarm, ExcursionAlarm, type AlarmTransition } from '../../src/cleanroom/alarm.js';
import { DEFAULT_COUNTER_FAULT_POLICY, DEFAULT_EXCURSION_POLICY, type ExcursionPolicy } from '../../src/cleanroom/config.js';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;

function excursion(overrides: Partial<ExcursionPolicy> = {}) {
  const clock = new ManualClock(T0);
  const policy: ExcursionPolicy = { ...DEFAULT_EXCURSION_POLICY, alertFraction: 0.5, actionFraction: 0.8, limitFraction: 1, hysteresisFraction: 0.1, minDurationS: 120, minConsecutiveSamples: 3, clearConsecutiveSamples: 2, ...overrides };
  const alarm = new ExcursionAlarm('litho-bay-1', policy, clock);
  let i = 0;
  /** Feed ratios as samples one minute apart (clock follows); returns all transitions. */
  const feed = (ratios: number[], opts: { lowerBound?: boolean } = {}): AlarmTransition[] => {
    const out: AlarmTransition[] = [];
    for (const ratio of ratios) {
      out.push(...alarm.update({ ts: T0 + i * MIN, ratio, sizeUm: 0.5, lowerBound: opts.lowerBound }));
      clock.advance(MIN);
      i++;
    }
    return out;
  };
  return { alarm, feed, clock };
}

const kinds = (ts: AlarmTransition[]) => ts.map((t) => `${t.kind}:${t.from}->${t.to}`);

test('one noisy sample does not raise, however high', () => {
  const { alarm, feed } = excursion();
  assert.deepEqual(feed([0.1, 50, 0.1, 0.1, 0.1]), []);
  assert.equal(alarm.state.level, 'none');
  // Two in a row are still short of three consecutive samples.
  assert.deepEqual(feed([3, 3, 0.1]), []);
});

test('raises after the minimum number of samples and duration, then escalates', () => {
  const { alarm, feed } = excursion();
  assert.deepEqual(feed([0.6, 0.6]), []);
  const raised = feed([0.6]);
  assert.deepEqual(kinds(raised), ['raised:none->alert']);
  assert.equal(raised[0].sampleTs, T0 + 2 * MIN);
  assert.equal(raised[0].at, T0 + 2 * MIN);
  assert.equal(raised[0].alarm, 'excursion');
  assert.match(raised[0].reason, /0\.5 um at 0\.600 x class limit, above alert level 0\.5 for 3 samples over 120 s/);
  assert.equal(alarm.state.since, T0 + 2 * MIN);
  // The action run starts with the first sample above 0.8.
  assert.deepEqual(kinds(feed([0.9, 0.9, 0.9])), ['escalated:alert->action']);
  assert.deepEqual(kinds(feed([1.5, 1.5, 1.5])), ['escalated:action->limit']);
  assert.equal(alarm.state.peakRatio, 1.5);
});

test('a jump straight over the limit raises the limit level once, not each level in turn', () => {
  const { feed } = excursion();
  assert.deepEqual(kinds(feed([2, 2, 2, 2])), ['raised:none->limit']);
});

test('minimum duration is measured on sample timestamps, not on arrival time', () => {
  const clock = new ManualClock(T0);
  const alarm = new ExcursionAlarm('bay', { ...DEFAULT_EXCURSION_POLICY, minConsecutiveSamples: 1, minDurationS: 120 }, clock);
  assert.deepEqual(alarm.update({ ts: T0, ratio: 2, sizeUm: 0.3 }), []);
  assert.deepEqual(alarm.update({ ts: T0 + 60_000, ratio: 2, sizeUm: 0.3 }), []);
  // Buffered records read in one burst after an outage: the clock has not moved, the samples span 120 s.
  assert.deepEqual(kinds(alarm.update({ ts: T0 + 120_000, ratio: 2, sizeUm: 0.3 })), ['raised:none->limit']);
});

test('clears only below the hysteresis band, after the clear count', () => {
  const { alarm, feed } = excursion();
  feed([0.6, 0.6, 0.6]);
  assert.equal(alarm.state.level, 'alert');
  // 0.46-0.5 is inside the band (alert 0.5 less 10% = 0.45): holds however long.
  assert.deepEqual(feed([0.48, 0.46, 0.49, 0.47, 0.46]), []);
  // One sample below the band, then one inside it: the clear count starts again.
  assert.deepEqual(feed([0.3, 0.47]), []);
  assert.deepEqual(feed([0.3]), []);
  const cleared = feed([0.2]);
  assert.deepEqual(kinds(cleared), ['cleared:alert->none']);
  assert.match(cleared[0].reason, /at or below 0\.450 x class limit/);
  assert.equal(alarm.state.level, 'none');
  assert.equal(alarm.state.since, null);
  assert.equal(alarm.state.peakRatio, null);
});

test('steps down to the highest level still held, then clears', () => {
  const { alarm, feed } = excursion();
  feed([1.2, 1.2, 1.2]);
  assert.equal(alarm.state.level, 'limit');
  // 0.6 is above the alert band (0.45) but below the action band (0.72).
  assert.deepEqual(kinds(feed([0.6, 0.6])), ['deescalated:limit->alert']);
  assert.deepEqual(kinds(feed([0.1, 0.1])), ['cleared:alert->none']);
});

test('lower-bound (overflow) samples can hold or raise but never lower a level', () => {
  const { alarm, feed } = excursion();
  assert.deepEqual(kinds(feed([2, 2, 2], { lowerBound: true })), ['raised:none->limit']);
  // An overflowed sample reading low says nothing about the true value: no clearing.
  assert.deepEqual(feed([0.1, 0.1, 0.1, 0.1], { lowerBound: true }), []);
  assert.equal(alarm.state.level, 'limit');
  assert.deepEqual(kinds(feed([0.1, 0.1])), ['cleared:limit->none']);
});

test('a lower-bound sample does not break a run towards raising', () => {
  const { feed } = excursion();
  assert.deepEqual(feed([0.9, 0.9]), []);
  assert.deepEqual(feed([0.2], { lowerBound: true }), []);
  assert.deepEqual(kinds(feed([0.9])), ['raised:none->action']);
});

test('counter fault: fault bits raise, change and clear; other status names are ignored', () => {
  const clock = new ManualClock(T0);
  const fa = new CounterFaultAlarm('bay', { ...DEFAULT_COUNTER_FAULT_POLICY }, clock);
  assert.deepEqual(fa.onSample(T0, ['threshold_high']), []);
  const raised = fa.onSample(T0 + MIN, ['laser']);
  assert.deepEqual(kinds(raised), ['raised:ok->fault']);
  assert.deepEqual(raised[0].faults, ['laser']);
  assert.equal(raised[0].alarm, 'counter_fault');
  assert.deepEqual(fa.onSample(T0 + 2 * MIN, ['laser']), []);
  assert.deepEqual(kinds(fa.onSample(T0 + 3 * MIN, ['laser', 'flow'])), ['changed:fault->fault']);
  assert.deepEqual(kinds(fa.onSample(T0 + 4 * MIN, [], true)), ['changed:fault->fault']);
  assert.deepEqual(fa.state.reasons, ['invalid_reading']);
  assert.deepEqual(kinds(fa.onSample(T0 + 5 * MIN, [])), ['cleared:fault->ok']);
  assert.equal(fa.state.active, false);
});

test('counter fault: no new data for staleAfterS raises stale; a new sample clears it', () => {
  const clock = new ManualClock(T0);
  const fa = new CounterFaultAlarm('bay', { ...DEFAULT_COUNTER_FAULT_POLICY, staleAfterS: 300 }, clock);
  fa.onSample(T0, []);
  clock.advance(299_000);
  assert.deepEqual(fa.check(), []);
  clock.advance(1_000);
  const stale = fa.check();
  assert.deepEqual(kinds(stale), ['raised:ok->fault']);
  assert.equal(stale[0].sampleTs, null);
  assert.match(stale[0].reason, /no new data for 300 s/);
  assert.deepEqual(fa.check(), [], 'raised once');
  assert.equal(fa.state.stale, true);
  assert.deepEqual(kinds(fa.onSample(T0 + 301_000, [])), ['cleared:fault->ok']);
});

test('counter fault: a counter that never reports goes stale from construction time', () => {
  const clock = new ManualClock(T0);
  const fa = new CounterFaultAlarm('bay', { ...DEFAULT_COUNTER_FAULT_POLICY, staleAfterS: 60 }, clock);
  clock.advance(60_000);
  assert.deepEqual(kinds(fa.check()), ['raised:ok->fault']);
});

test('a counter clock that jumps back restarts the duration timing, keeping the sample count', () => {
  const clock = new ManualClock(T0);
  const alarm = new ExcursionAlarm('bay', { ...DEFAULT_EXCURSION_POLICY, minConsecutiveSamples: 3, minDurationS: 120 }, clock);
  assert.deepEqual(alarm.update({ ts: T0 + 10 * MIN, ratio: 2, sizeUm: 0.3 }), []);
  assert.deepEqual(alarm.update({ ts: T0 + 11 * MIN, ratio: 2, sizeUm: 0.3 }), []);
  // Reset to T0: without the restart, T0 - (T0 + 10 min) would be a negative duration for ever.
  assert.deepEqual(alarm.update({ ts: T0, ratio: 2, sizeUm: 0.3 }), []);
  assert.deepEqual(alarm.update({ ts: T0 + MIN, ratio: 2, sizeUm: 0.3 }), []);
  assert.deepEqual(kinds(alarm.update({ ts: T0 + 2 * MIN, ratio: 2, sizeUm: 0.3 })), ['raised:none->limit']);
});
