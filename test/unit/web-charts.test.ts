import { test } from 'node:test';
import assert from 'node:assert/strict';
import { breakAtGaps, staggerRows, GAP_FACTOR } from '../../src/web/chart-math.js';

test('the trend breaks at gaps: one null point where a step is longer than 3 typical steps, nowhere else', () => {
  const t = [0, 1000, 2000, 3000, 10_000, 11_000, 12_000];
  const y = [1, 2, 3, 4, 5, 6, 7];
  const g = breakAtGaps(t, [y]);
  assert.deepEqual(g.t, [0, 1000, 2000, 3000, 4000, 10_000, 11_000, 12_000]);
  assert.deepEqual(g.ys[0], [1, 2, 3, 4, null, 5, 6, 7]);
  // Exactly GAP_FACTOR typical steps is not a gap; jitter is not either.
  assert.deepEqual(breakAtGaps([0, 1000, 2000, 2000 + GAP_FACTOR * 1000, 6000], [[1, 2, 3, 4, 5]]).ys[0], [1, 2, 3, 4, 5]);
  // History buckets set the typical step (a sparse series of full buckets is no gap).
  assert.deepEqual(breakAtGaps([0, 6000, 12_000, 60_000], [[1, 2, 3, 4]], 6000).ys[0], [1, 2, 3, null, 4]);
  assert.deepEqual(breakAtGaps([0, 6000, 12_000, 30_000], [[1, 2, 3, 4]], 6000).ys[0], [1, 2, 3, 4]);
  // Several series share the break; missing values stay null; empty and single points pass.
  const two = breakAtGaps([0, 1, 2, 50], [[1, 2, 3, 4], [9, null, 8, 7]]);
  assert.deepEqual(two.ys, [[1, 2, 3, null, 4], [9, null, 8, null, 7]]);
  assert.deepEqual(breakAtGaps([], [[]]), { t: [], ys: [[]] });
  assert.deepEqual(breakAtGaps([5], [[1]]), { t: [5], ys: [[1]] });
});

test('marker labels are staggered so that none overlaps another; those that fit no row are left to the legend', () => {
  // Label left edges (px) close together, as bearing markers are on a narrow axis.
  const xs = [10, 14, 40, 52, 60, 200];
  const w = [30, 30, 30, 30, 30, 30];
  const rows = staggerRows(xs, w, 3, 4);
  assert.deepEqual(rows, [0, 1, 2, 0, 1, 0]);
  // No two labels in one row overlap.
  for (let i = 0; i < xs.length; i++)
    for (let j = i + 1; j < xs.length; j++) if (rows[i] === rows[j] && rows[i] >= 0) assert.ok(xs[j] >= xs[i] + w[i] + 4, `labels ${i} and ${j} overlap`);
  // More labels on one spot than rows: the rest are not drawn (-1).
  assert.deepEqual(staggerRows([0, 1, 2, 3], [20, 20, 20, 20], 3), [0, 1, 2, -1]);
  assert.deepEqual(staggerRows([], []), []);
});
