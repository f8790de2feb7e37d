import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/core/clock.js';
import { DataPathLiveness } from '../../src/core/data-path-liveness.js';

test('healthy during the start-up grace, unhealthy after it without data', () => {
  const clock = new ManualClock();
  const h = new DataPathLiveness({ clock, maxAnalysisGapMs: 10_000, startupGraceMs: 30_000 });
  assert.equal(h.isHealthy(), true);
  clock.advance(30_000);
  assert.equal(h.isHealthy(), true);
  clock.advance(1);
  assert.deepEqual(h.report().reasons, ['no_recent_samples', 'no_recent_analysis']);
});

test('samples without analysis is a stalled pipeline', () => {
  const clock = new ManualClock();
  const h = new DataPathLiveness({ clock, maxAnalysisGapMs: 10_000, maxSampleGapMs: 2_000, startupGraceMs: 5_000 });
  h.sampleAcquired();
  h.analysed();
  for (let i = 0; i < 10; i++) {
    clock.advance(1_000);
    h.sampleAcquired();
  }
  assert.equal(h.isHealthy(), true, 'analysis 10 s ago is still within the limit');
  clock.advance(1_000);
  h.sampleAcquired();
  const r = h.report();
  assert.equal(r.healthy, false);
  assert.deepEqual(r.reasons, ['no_recent_analysis']);
  assert.equal(r.lastAnalysisAgeMs, 11_000);
  assert.equal(r.lastSampleAgeMs, 0);
  h.analysed();
  assert.equal(h.isHealthy(), true);
});

test('acquisition stalls: samples too old', () => {
  const clock = new ManualClock();
  const h = new DataPathLiveness({ clock, maxAnalysisGapMs: 10_000, maxSampleGapMs: 2_000, startupGraceMs: 1 });
  h.sampleAcquired();
  h.analysed();
  clock.advance(2_001);
  assert.deepEqual(h.report().reasons, ['no_recent_samples']);
});

test('an outbox write failure makes it unhealthy until a write succeeds', () => {
  const clock = new ManualClock();
  const h = new DataPathLiveness({ clock, maxAnalysisGapMs: 10_000, startupGraceMs: 5_000 });
  h.outboxWrite(false, 'SQLITE_FULL: database or disk is full');
  const r = h.report();
  assert.equal(r.healthy, false);
  assert.deepEqual(r.reasons, ['outbox_not_writable']);
  assert.equal(r.outboxError, 'SQLITE_FULL: database or disk is full');
  h.outboxWrite(true);
  assert.equal(h.isHealthy(), true);
  assert.equal(h.report().outboxError, undefined);
});

test('a gateway with no devices is judged on the outbox only', () => {
  const clock = new ManualClock();
  const h = new DataPathLiveness({ clock, maxAnalysisGapMs: 1_000, startupGraceMs: 1_000, expectData: false });
  clock.advance(60_000);
  assert.equal(h.isHealthy(), true);
  h.outboxWrite(false);
  assert.equal(h.isHealthy(), false);
});

test('rejects non-positive limits', () => {
  const clock = new ManualClock();
  assert.throws(() => new DataPathLiveness({ clock, maxAnalysisGapMs: 0, startupGraceMs: 1 }), RangeError);
  assert.throws(() => new DataPathLiveness({ clock, maxAnalysisGapMs: 1, startupGraceMs: Number.NaN }), RangeError);
});

test('with an acquisition worker, its heartbeat must move too: samples counted but a stalled worker loop is unhealthy', () => {
  const clock = new ManualClock();
  const h = new DataPathLiveness({ clock, maxAnalysisGapMs: 10_000, maxSampleGapMs: 2_000, startupGraceMs: 1_000, expectAcquisitionThread: true });
  h.sampleAcquired();
  h.analysed();
  h.acquisitionBeat();
  assert.equal(h.isHealthy(), true);
  clock.advance(1_500);
  h.sampleAcquired();
  h.analysed();
  clock.advance(1_000);
  h.sampleAcquired();
  assert.deepEqual(h.report().reasons, ['acquisition_thread_stalled']);
  assert.equal(h.report().lastAcquisitionBeatAgeMs, 2_500);
  h.acquisitionBeat();
  assert.equal(h.isHealthy(), true);
  // Without a worker the heartbeat is not expected.
  const inline = new DataPathLiveness({ clock, maxAnalysisGapMs: 10_000, startupGraceMs: 1 });
  inline.sampleAcquired();
  inline.analysed();
  assert.equal(inline.isHealthy(), true);
});
