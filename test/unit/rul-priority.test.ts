import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maintenanceUrgency, rankMaintenance, type PriorityInput } from '../../src/health/priority.js';

const H = 3600;
const D = 86400;

test('shorter RUL ranks first when nothing else differs', () => {
  const ranked = rankMaintenance([
    { robot_id: 'r-long', rul_s: 20 * D, rul_low_s: 10 * D, rul_high_s: 40 * D, iso_zone: 'A' },
    { robot_id: 'r-short', rul_s: 6 * H, rul_low_s: 2 * H, rul_high_s: 12 * H, iso_zone: 'A' },
    { robot_id: 'r-mid', rul_s: 3 * D, rul_low_s: 1 * D, rul_high_s: 6 * D, iso_zone: 'A' },
  ]);
  assert.deepEqual(ranked.map((r) => r.robot_id), ['r-short', 'r-mid', 'r-long']);
  assert.deepEqual(ranked.map((r) => r.rank), [1, 2, 3]);
  assert.ok(ranked[0].score > ranked[1].score && ranked[1].score > ranked[2].score);
});

test('the conservative (lower) RUL bound drives urgency: an uncertain estimate counts as shorter', () => {
  const sure: PriorityInput = { robot_id: 'sure', rul_s: 5 * D, rul_low_s: 4 * D, rul_high_s: 6 * D };
  const unsure: PriorityInput = { robot_id: 'unsure', rul_s: 5 * D, rul_low_s: 2 * H, rul_high_s: 200 * D };
  const [first] = rankMaintenance([sure, unsure]);
  assert.equal(first.robot_id, 'unsure');
  assert.ok(first.reasons.some((r) => /wide/.test(r)));
});

test('ISO zone D is critical even with a long RUL; zone C outranks zone A', () => {
  const ranked = rankMaintenance([
    { robot_id: 'a', rul_s: 30 * D, rul_low_s: 30 * D, iso_zone: 'A' },
    { robot_id: 'c', rul_s: 30 * D, rul_low_s: 30 * D, iso_zone: 'C' },
    { robot_id: 'd', rul_s: 30 * D, rul_low_s: 30 * D, iso_zone: 'D' },
  ]);
  assert.deepEqual(ranked.map((r) => r.robot_id), ['d', 'c', 'a']);
  assert.equal(ranked[0].level, 'critical');
  assert.equal(ranked[2].level, 'low');
});

test('a confident fault diagnosis raises priority more than an unconfident one; "not_diagnosable" adds nothing', () => {
  const base = { rul_s: 30 * D, rul_low_s: 30 * D, iso_zone: 'B' as const };
  const confident = maintenanceUrgency({ robot_id: 'x', ...base, diagnosis: 'outer_race', diagnosis_confidence: 0.9 });
  const weak = maintenanceUrgency({ robot_id: 'y', ...base, diagnosis: 'outer_race', diagnosis_confidence: 0.2 });
  const none = maintenanceUrgency({ robot_id: 'z', ...base, diagnosis: 'not_diagnosable', diagnosis_confidence: 0.9 });
  const plain = maintenanceUrgency({ robot_id: 'w', ...base });
  assert.ok(confident.urgency > weak.urgency && weak.urgency > none.urgency);
  assert.equal(none.urgency, plain.urgency);
});

test('RUL unavailable is said, not invented; ties break by robot id for a stable order', () => {
  const ranked = rankMaintenance([
    { robot_id: 'b', iso_zone: 'B' },
    { robot_id: 'a', iso_zone: 'B' },
  ]);
  assert.deepEqual(ranked.map((r) => r.robot_id), ['a', 'b']);
  assert.ok(ranked[0].reasons.includes('RUL unavailable'));
  assert.equal(ranked[0].score, ranked[1].score);
});

test('rul_state: a no_degradation lower bound is not an imminent failure; degrading and failed are', () => {
  // the case: every robot had a lower bound under 1 h and was rated critical
  const healthy: PriorityInput = { robot_id: 'healthy', rul_state: 'no_degradation', rul_s: null, rul_low_s: 14 * 60, rul_high_s: null, iso_zone: 'A' };
  const degrading: PriorityInput = { robot_id: 'degrading', rul_state: 'degrading', rul_s: 2 * H, rul_low_s: 40 * 60, rul_high_s: 5 * H, iso_zone: 'B' };
  const failed: PriorityInput = { robot_id: 'failed', rul_state: 'failed', rul_s: 0, rul_low_s: 0, rul_high_s: 0, iso_zone: 'A' };
  const learning: PriorityInput = { robot_id: 'learning', rul_state: 'learning', rul_s: 10, rul_low_s: 1, rul_high_s: 100 };
  const u = maintenanceUrgency(healthy);
  assert.equal(u.level, 'low');
  assert.equal(u.urgency, 0);
  assert.ok(u.reasons.some((r) => /no degradation detected \(more than 14 min\)/.test(r)), u.reasons.join('; '));
  assert.equal(maintenanceUrgency(learning).level, 'low');
  assert.equal(maintenanceUrgency(failed).level, 'critical');
  assert.equal(maintenanceUrgency(degrading).level, 'critical');
  const ranked = rankMaintenance([healthy, learning, degrading, failed]);
  assert.deepEqual(ranked.map((r) => r.robot_id), ['failed', 'degrading', 'healthy', 'learning']);
  // the same lower bound without a state (a stateless REST estimate) still counts as before
  assert.equal(maintenanceUrgency({ ...healthy, rul_state: undefined, rul_s: 30 * 60 }).level, 'critical');
});
