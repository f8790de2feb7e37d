import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `fabwatch analyze` from the deployable bundle (dist/fabwatch.mjs), run from an unrelated
 * working directory: the RUL model must be found in the package's models/ (not relative to the
 * bundle's folder or the cwd), and every snapshot of a multi-snapshot recording carries rul_s and
 * rul_state. The recording is synthetic (no datasets needed): 25.6 kHz snapshots every 10 s.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BUNDLE = join(ROOT, 'dist/fabwatch.mjs');
const built = spawnSync(process.execPath, [join(ROOT, 'build.mjs')], { cwd: ROOT, encoding: 'utf8' });
if (built.status !== 0) throw new Error(`npm run build failed:\n${built.stdout}${built.stderr}`);

function syntheticRecording(dir: string, snapshots: number, len: number): string {
  const x = new Float32Array(snapshots * len);
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296) - 0.5;
  for (let s = 0; s < snapshots; s++) for (let i = 0; i < len; i++) x[s * len + i] = 0.4 * rnd() + 0.1 * Math.sin((2 * Math.PI * 30 * i) / 25600);
  writeFileSync(join(dir, 'life.f32'), Buffer.from(x.buffer));
  const meta = { file: 'life.f32', dtype: 'float32le', unit: 'g', sampleRateHz: 25600, numSamples: x.length, layout: 'snapshots concatenated, snapshot-major', snapshotLength: len, numSnapshots: snapshots, snapshotIntervalS: 10, shaftHz: 30 };
  const p = join(dir, 'life.json');
  writeFileSync(p, JSON.stringify(meta));
  return p;
}

test('bundle: analyze --json on a multi-snapshot recording gives rul_s and rul_state per snapshot (model from the package root)', { timeout: 120_000 }, () => {
  assert.ok(existsSync(BUNDLE), 'dist/fabwatch.mjs missing after the build');
  const dir = mkdtempSync(join(tmpdir(), 'fabwatch-analyze-bundle-'));
  try {
    const rec = syntheticRecording(dir, 40, 2560);
    const r = spawnSync(process.execPath, [BUNDLE, 'analyze', rec, '--json'], { cwd: dir, encoding: 'utf8', timeout: 100_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /RUL not available/, r.stderr);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(rows.length, 40);
    for (const row of rows) {
      assert.equal(typeof row.rul_state, 'string', JSON.stringify(row).slice(0, 200));
      assert.ok(['learning', 'no_degradation', 'degrading', 'failed'].includes(row.rul_state as string));
    }
    // healthy, stationary vibration: learning first, then no degradation (a lower bound, no point estimate)
    assert.equal(rows[0].rul_state, 'learning');
    const last = rows[rows.length - 1];
    assert.equal(last.rul_state, 'no_degradation', JSON.stringify(last).slice(0, 300));
    assert.equal(last.rul_s, null);
    assert.ok(typeof last.rul_low_s === 'number' && (last.rul_low_s as number) > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
