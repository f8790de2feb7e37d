import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig, ConfigError } from '../../src/config/load.js';
import { stateDirProblem } from '../../src/config/state-dir.js';
import { repoRoot } from '../helpers/gateway-process.js';

/** Issue #19 item 11: configurations that pass validation but cannot run. */

const issues = (raw: Record<string, unknown>) => {
  try {
    validateConfig({ gateway: { id: 'gw-cfg', stateDir: tmpdir(), ...(raw.gateway as object) }, ...Object.fromEntries(Object.entries(raw).filter(([k]) => k !== 'gateway')) }, 'test');
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.issues.map((i) => `${i.path}: ${i.message}`);
  }
};

test('api.port == api.wsPort and a state dir under /proc or /sys are configuration errors', () => {
  assert.match(issues({ api: { port: 4000, wsPort: 4000 } }).join('\n'), /\/api\/wsPort: is the same port as api.port/);
  assert.deepEqual(issues({ api: { port: 0, wsPort: 0 } }), [], 'port 0 (any free port) twice is fine');
  assert.match(issues({ gateway: { stateDir: '/proc/self/fabwatch' } }).join('\n'), /\/gateway\/stateDir: .*under \/proc/);
  assert.match(issues({ gateway: { stateDir: '/sys/kernel/x' } }).join('\n'), /under \/sys/);
});

test('stateDirProblem: a file, or an unwritable place, is reported; a creatable directory is fine', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fabwatch-sd-'));
  writeFileSync(join(dir, 'file'), 'x');
  assert.match(stateDirProblem(join(dir, 'file')) ?? '', /not a directory/);
  assert.match(stateDirProblem(join(dir, 'file', 'below')) ?? '', /not a directory/);
  assert.equal(stateDirProblem(join(dir, 'new', 'deeper')), null);
  assert.equal(stateDirProblem(dir), null);
});

test('fabwatch --check-config exits 2 at once, with the path, for a state dir under /proc and for equal ports', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fabwatch-cc-'));
  const cfg = join(dir, 'c.json');
  writeFileSync(cfg, JSON.stringify({ gateway: { id: 'gw-cfg', stateDir: '/proc/1/fabwatch' }, api: { port: 4100, wsPort: 4100 } }));
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), '--check-config', cfg], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000, env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !['FABWATCH_STATE_DIR', 'STATE_DIRECTORY', 'PORT', 'WS_PORT'].includes(k))) });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /\/gateway\/stateDir/);
  assert.match(r.stderr, /\/api\/wsPort/);
});
