import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  LITRES_PER_FT3, M3_PER_FT3, TABLE_SIZES_UM, RollingMean, bestClass, classLimitPerM3, classMargins, concentrationPerM3,
  differentialToCumulative, isSizeApplicable, isValidIsoClass, meetsClass, minSampleVolumeL, perFt3ToPerM3, requiredSampleVolumeL,
  roundSignificant, sampleVolumeM3, sizeApplicability, tabulatedLimitPerM3, ISO14644_INVALID_INPUT,
} from '../../src/analysis/iso14644.js';
import { FabwatchError } from '../../src/core/errors.js';

/**
 * ISO 14644-1:2015 Table 1 transcribed from ../shared/docs/standards.md. Blank cells carry the
 * standard's footnote: c = concentration too high, d = too few particles, e = sampling losses
 * above 1 um (class 5 at 5 um is footnoted d, e, f; its cause here is the >1 um rule).
 */
const TABLE: Array<Array<number | 'c' | 'd' | 'e'>> = [
  // 0.1      0.2      0.3      0.5         1          5
  [10, 'd', 'd', 'd', 'd', 'e'],
  [100, 24, 10, 'd', 'd', 'e'],
  [1000, 237, 102, 35, 'd', 'e'],
  [10000, 2370, 1020, 352, 83, 'e'],
  [100000, 23700, 10200, 3520, 832, 'e'],
  [1000000, 237000, 102000, 35200, 8320, 293],
  ['c', 'c', 'c', 352000, 83200, 2930],
  ['c', 'c', 'c', 3520000, 832000, 29300],
  ['c', 'c', 'c', 35200000, 8320000, 293000],
];
const REASON = { c: 'too_high_concentration', d: 'too_few_particles', e: 'sampling_losses' } as const;

test('Table 1: every cell, printed or blank, follows from Cn = 10^N (0.1/D)^2.08', () => {
  let cells = 0;
  for (let n = 1; n <= 9; n++) {
    TABLE_SIZES_UM.forEach((d, j) => {
      const cell = TABLE[n - 1][j];
      const where = `class ${n} at ${d} um`;
      const formula = 10 ** n * (0.1 / d) ** 2.08;
      assert.ok(Math.abs(classLimitPerM3(n, d) - formula) <= 1e-9 * formula, where);
      if (typeof cell === 'number') {
        assert.equal(sizeApplicability(n, d), 'ok', where);
        assert.equal(tabulatedLimitPerM3(n, d), cell, where);
        // Printed to 3 significant figures, except that nothing is finer than 1 particle/m3.
        const sig3 = roundSignificant(formula, 3);
        assert.equal(cell, formula >= 100 ? sig3 : Math.round(formula), where);
      } else {
        assert.equal(sizeApplicability(n, d), REASON[cell], where);
        assert.equal(isSizeApplicable(n, d), false, where);
        // The blank is explained by the formula value it would have had.
        if (cell === 'd') assert.ok(tabulatedLimitPerM3(n, d) < 10, `${where}: ${formula}`);
        if (cell === 'e') assert.ok(formula < 100 && d > 1, `${where}: ${formula}`);
        if (cell === 'c') assert.ok(formula >= 1e6 && d < 0.5 && n >= 7, `${where}: ${formula}`);
      }
      cells++;
    });
  }
  assert.equal(cells, 54);
});

test('the four smallest printed limits are whole particles, not 3 significant figures', () => {
  // standards.md says "every figure is the formula rounded to 3 significant figures"; these are not.
  for (const [n, d, printed, sig3] of [[2, 0.2, 24, 23.7], [2, 0.3, 10, 10.2], [3, 0.5, 35, 35.2], [4, 1, 83, 83.2]]) {
    assert.equal(roundSignificant(classLimitPerM3(n, d), 3), sig3);
    assert.equal(tabulatedLimitPerM3(n, d), printed);
  }
});

test('decimal classes are evaluated at the sizes of their integer row', () => {
  for (let t = 10; t <= 90; t++) {
    for (const d of TABLE_SIZES_UM) assert.equal(isSizeApplicable(t / 10, d), isSizeApplicable(Math.floor(t / 10), d), `class ${t / 10} at ${d}`);
  }
  // Intermediate sizes: 0.7 um for ISO 3 has a limit of 17.4/m3 (>= 10) and is allowed; 2.5 um only from ISO 6.
  assert.equal(isSizeApplicable(3, 0.7), true);
  assert.equal(isSizeApplicable(2, 0.7), false);
  assert.equal(isSizeApplicable(5.9, 2.5), false);
  assert.equal(isSizeApplicable(6, 2.5), true);
  assert.equal(sizeApplicability(6, 10), 'out_of_scope');
  assert.equal(sizeApplicability(6, 0.05), 'out_of_scope');
});

test('class numbers: 1-9 in steps of 0.1, others rejected with a stable code', () => {
  assert.ok(isValidIsoClass(4.3) && isValidIsoClass(1) && isValidIsoClass(9) && isValidIsoClass(0.1 + 0.2 + 4));
  for (const bad of [0.9, 9.1, 4.35, NaN, Infinity]) {
    assert.equal(isValidIsoClass(bad), false, String(bad));
    assert.throws(() => classLimitPerM3(bad, 0.5), (e: unknown) => e instanceof FabwatchError && e.code === ISO14644_INVALID_INPUT);
  }
  assert.throws(() => classLimitPerM3(5, 0), (e: unknown) => e instanceof FabwatchError && e.code === ISO14644_INVALID_INPUT);
});

test('unit conversions are exact: 1 ft3 = 28.316846592 L, per ft3 x 35.3147 = per m3', () => {
  // The foot is exactly 0.3048 m: 3048^3 = 28316846592 (x 1e-12 m3 = 1e-9 L), exact in integers.
  assert.equal(3048 ** 3, 28316846592);
  assert.equal(Math.round(LITRES_PER_FT3 * 1e9), 3048 ** 3);
  assert.equal(M3_PER_FT3, 0.028316846592);
  assert.ok(Math.abs(perFt3ToPerM3(1) - 35.3147) < 1e-4);
  assert.ok(Math.abs(sampleVolumeM3(1, 60) - 0.028316846592) < 1e-18); // 1 CFM for a minute = 1 ft3
  assert.ok(Math.abs(sampleVolumeM3(0.1, 600) - 0.028316846592) < 1e-17);
  assert.ok(Math.abs(sampleVolumeM3(1, 6) - 0.0028316846592) < 1e-18);
  // 1 CFM for 60 s: 100 particles >= 0.5 um in one ft3 (FS 209E class 100) = 3531.47/m3.
  const c = concentrationPerM3([1000, 100], 1, 60);
  assert.ok(Math.abs(c[1] - 100 / 0.028316846592) < 1e-9);
  assert.ok(Math.abs(c[1] - 3531.4667) < 1e-3);
  // Caller-owned buffer is written, not replaced.
  const out = new Float64Array(2);
  assert.equal(concentrationPerM3([1, 2], 2, 30, out), out);
  assert.throws(() => sampleVolumeM3(0, 60), (e: unknown) => e instanceof FabwatchError && e.code === ISO14644_INVALID_INPUT);
  assert.throws(() => concentrationPerM3([1, -1], 1, 60), (e: unknown) => e instanceof FabwatchError && e.code === ISO14644_INVALID_INPUT);
});

test('differential counts become cumulative counts', () => {
  assert.deepEqual(Array.from(differentialToCumulative([5, 3, 2, 0, 1])), [11, 6, 3, 1, 1]);
});

test('best class: exact table values meet the class; 1% more needs the next step', () => {
  const sizes = [...TABLE_SIZES_UM];
  for (const n of [2, 4, 6, 8]) {
    const conc = sizes.map((d) => tabulatedLimitPerM3(n, d));
    assert.equal(bestClass(sizes, conc), n, `at the ISO ${n} limits`);
    const over = conc.map((x) => x * 1.01);
    assert.equal(bestClass(sizes, over), n + 0.1, `1% over the ISO ${n} limits`);
    assert.equal(meetsClass(n, sizes, over), false);
  }
  assert.equal(bestClass(sizes, sizes.map(() => 0)), 1);
  assert.equal(bestClass([0.5], [1e12]), null);
  assert.equal(bestClass([10], [0]), null, 'no size in scope: no class can be claimed');
});

test('best class: FS 209E class 100 air (100/ft3 at 0.5 um) is just outside ISO 5', () => {
  const c = concentrationPerM3([100], 1, 60);
  // 3531.47/m3 -> 3530 > 3520 (ISO 5); ISO 5.1 allows 10^5.1 x 0.2^2.08 = 4430.
  assert.equal(meetsClass(5, [0.5], c), false);
  assert.equal(bestClass([0.5], c), 5.1);
});

test('best class is judged only at each class\'s own sizes (not monotonic across ISO 6)', () => {
  const sizes = [0.5, 5];
  const conc = [3000, 1000];
  // 5.x ignores 5 um, so 3000/m3 at 0.5 um meets ISO 5.0 (3520); ISO 6.0 brings in 5 um (293 < 1000).
  assert.equal(bestClass(sizes, conc), 5);
  assert.equal(meetsClass(5.9, sizes, conc), true);
  assert.equal(meetsClass(6, sizes, conc), false);
  // 10^N (0.02)^2.08 >= 1000 needs N >= 6.534: 6.6 is the first 6.x met.
  assert.equal(meetsClass(6.5, sizes, conc), false);
  assert.equal(meetsClass(6.6, sizes, conc), true);
  // Considering only 5 um: ISO 6.6 is the best.
  assert.equal(bestClass(sizes, conc, (d) => d === 5), 6.6);
});

test('margins to a configured class per size', () => {
  const sizes = [0.3, 0.5, 5];
  const m = classMargins(5, sizes, [5100, 1760, 40]);
  assert.deepEqual(m.map((x) => x.limitPerM3), [10200, 3520, 29]);
  assert.deepEqual(m.map((x) => x.applicable), [true, true, false]);
  assert.equal(m[0].ratio, 0.5);
  assert.equal(m[1].headroomPerM3, 1760);
  assert.equal(m[1].headroomPct, 50);
  assert.ok(m[2].ratio > 1 && m[2].headroomPerM3 < 0);
});

test('minimum sample volume Vs = 20 / Cn,m x 1000 L, at least 2 L', () => {
  assert.equal(minSampleVolumeL(5, 0.5).toFixed(2), '5.68');
  assert.equal(minSampleVolumeL(4, 0.5).toFixed(1), '56.8');
  assert.equal(minSampleVolumeL(1, 0.1), 2000);
  assert.equal(requiredSampleVolumeL(9, 5), 2);
  assert.equal(requiredSampleVolumeL(4, 1), (20 / 83) * 1000);
});

test('rolling mean equals the plain mean of the last k samples, also after many pushes', () => {
  const k = 4;
  const rm = new RollingMean(2, k);
  assert.ok(Number.isNaN(rm.mean()[0]));
  const history: number[][] = [];
  let x = 0.123456789;
  for (let i = 0; i < 64 * k * 3 + 7; i++) {
    x = (x * 9301 + 49297) % 233280; // deterministic pseudo-random values with fractions
    const v = [x / 7, 1e6 + x / 3];
    history.push(v);
    rm.push(v);
    if (i < 6 || i % 97 === 0 || i > 64 * k * 3) {
      const last = history.slice(-k);
      const mean = rm.mean();
      for (let c = 0; c < 2; c++) {
        const ref = last.reduce((s, r) => s + r[c], 0) / last.length;
        assert.ok(Math.abs(mean[c] - ref) <= 1e-9 * Math.abs(ref), `push ${i} channel ${c}: ${mean[c]} vs ${ref}`);
      }
      assert.equal(rm.count, Math.min(i + 1, k));
    }
  }
  rm.clear();
  assert.equal(rm.count, 0);
  assert.throws(() => rm.push([1]), (e: unknown) => e instanceof FabwatchError && e.code === ISO14644_INVALID_INPUT);
});
