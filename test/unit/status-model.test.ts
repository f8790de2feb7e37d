import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assessRobot, rankAssessments, zoneHealth, type StatusEvidence } from '../../src/monitor/status-model.js';

const LIMITS = { ab: 1.4, bc: 2.8, cd: 4.5 };
const iso = (zone: 'A' | 'B' | 'C' | 'D', v: number) => ({ zone, velocity_rms_mm_s: v, limits: LIMITS });
const none = { label: 'none', confidence: 0, evidence: [] };

// The simulated fab as the issue describes it, after the baseline was learnt: the asset trend says
// "98-100" on every robot. The absolute anchors must still separate them.
const healthy: StatusEvidence = { robot_id: 'robot-001', iso20816: iso('A', 0.5), diagnosis: none, rul: { state: 'no_degradation', rul_low_s: 12 * 86400 }, trend: { score: 99 } };
const outer: StatusEvidence = {
  robot_id: 'robot-002',
  iso20816: iso('B', 1.9),
  diagnosis: { label: 'outer_race', confidence: 0.9, evidence: [{ db_above_floor: 22 }] },
  rul: { state: 'degrading', rul_s: 5 * 3600, rul_low_s: 2 * 3600, rul_high_s: 9 * 3600 },
  trend: { score: 98 },
};
const zoneD: StatusEvidence = { robot_id: 'robot-003', iso20816: iso('D', 11.5), diagnosis: { label: 'imbalance', confidence: 0.8, evidence: [{ db_above_floor: 25 }] }, rul: { state: 'no_degradation', rul_low_s: 5 * 86400 }, trend: { score: 100, baseline_learnt_while_faulty: true } };
const inner: StatusEvidence = { robot_id: 'robot-004', iso20816: iso('B', 1.6), diagnosis: { label: 'inner_race', confidence: 0.7, evidence: [{ db_above_floor: 14 }] }, rul: { state: 'no_degradation', rul_low_s: 6 * 86400 }, trend: { score: 99 } };

test('zone health is anchored on the ISO 20816 limits and falls monotonically', () => {
  assert.equal(zoneHealth(0.1, LIMITS), 100);
  assert.equal(Math.round(zoneHealth(LIMITS.ab, LIMITS)), 85);
  assert.equal(Math.round(zoneHealth(LIMITS.bc, LIMITS)), 60);
  assert.equal(Math.round(zoneHealth(LIMITS.cd, LIMITS)), 30);
  assert.equal(zoneHealth(100, LIMITS), 0);
  let prev = 101;
  for (let v = 0.1; v < 20; v *= 1.1) {
    const h = zoneHealth(v, LIMITS);
    assert.ok(h <= prev, `not monotonic at ${v}`);
    prev = h;
  }
});

test('a healthy trend does not make a faulty robot healthy', () => {
  const a = assessRobot(healthy);
  assert.equal(a.status, 'ok');
  assert.ok(a.health_score! >= 85, `healthy robot ${a.health_score}`);
  for (const e of [outer, zoneD, inner]) {
    const r = assessRobot(e);
    assert.notEqual(r.status, 'ok', `${e.robot_id} must not be ok`);
    assert.ok(r.health_score! < 70, `${e.robot_id} health ${r.health_score} despite its fault`);
  }
});

test('zone D is critical, and a baseline learnt while faulty is ignored and said so', () => {
  const a = assessRobot(zoneD);
  assert.equal(a.status, 'critical');
  assert.equal(a.level, 'critical');
  assert.equal(a.baseline_suspect, true);
  assert.ok(a.reasons.some((r) => r.includes('baseline learnt while faulty')));
  assert.match(a.reasons[0], /zone D/);
});

test('an active critical alert is never ok', () => {
  const a = assessRobot({ ...healthy, active_alerts: [{ severity: 'critical', code: 'COUNTER_FAULT' }] });
  assert.equal(a.status, 'critical');
  assert.match(a.reasons[0], /COUNTER_FAULT/);
});

test('an alert for a finding already listed does not repeat it: the finding is the headline', () => {
  const a = assessRobot({ ...inner, active_alerts: [{ severity: 'critical', code: 'DIAGNOSIS_CHANGED' }] });
  assert.equal(a.status, 'critical');
  assert.match(a.reasons[0], /inner race fault/);
  assert.ok(!a.reasons.some((r) => r.includes('DIAGNOSIS_CHANGED')), a.reasons.join('; '));
});

test('device faults report fault, with the codes in the reasons', () => {
  const a = assessRobot({ robot_id: 'r', device_faults: ['I2C_NACK'] });
  assert.equal(a.status, 'fault');
  assert.match(a.reasons[0], /I2C_NACK/);
  assert.equal(a.health_score, null);
});

test('a no_degradation lower bound is not imminent failure; a degrading RUL is', () => {
  const quiet = assessRobot({ robot_id: 'r', rul: { state: 'no_degradation', rul_low_s: 600 } });
  assert.equal(quiet.urgency, 0);
  assert.equal(quiet.level, 'low');
  assert.match(quiet.reasons[0], /no degradation detected/);
  const soon = assessRobot({ robot_id: 'r', rul: { state: 'degrading', rul_s: 7200, rul_low_s: 1800, rul_high_s: 4 * 3600 } });
  assert.equal(soon.status, 'critical');
  assert.ok(soon.urgency >= 0.99);
  assert.match(soon.reasons[0], /degrading: 2\.0 h \[30 min–4\.0 h\]/);
  const failed = assessRobot({ robot_id: 'r', rul: { state: 'failed' } });
  assert.equal(failed.status, 'critical');
  assert.equal(failed.health_score, 5);
});

test('stronger, more confident bearing evidence lowers health further', () => {
  const weak = assessRobot({ robot_id: 'r', diagnosis: { label: 'outer_race', confidence: 0.5, evidence: [{ db_above_floor: 10 }] } });
  const strong = assessRobot({ robot_id: 'r', diagnosis: { label: 'outer_race', confidence: 1, evidence: [{ db_above_floor: 35 }] } });
  assert.ok(strong.health_score! < weak.health_score!);
  assert.equal(strong.health_score, 35);
});

test('the simulated fab ranks the faulty robots above the healthy one', () => {
  const ranked = rankAssessments([healthy, outer, zoneD, inner].map(assessRobot));
  assert.equal(ranked.at(-1)!.robot_id, 'robot-001');
  const pos = (id: string) => ranked.findIndex((r) => r.robot_id === id);
  assert.ok(pos('robot-003') < pos('robot-001'));
  assert.ok(pos('robot-004') < pos('robot-001'));
  assert.deepEqual(ranked.map((r) => r.rank), [1, 2, 3, 4]);
});

test('ranking is stable for equal evidence (by robot id)', () => {
  const ranked = rankAssessments([{ ...healthy, robot_id: 'b' }, { ...healthy, robot_id: 'a' }].map(assessRobot));
  assert.deepEqual(ranked.map((r) => r.robot_id), ['a', 'b']);
});
