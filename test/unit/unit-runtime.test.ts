import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unitRuntime } from '../../bench/unit-runtime.js';

// The footprint and soak benches measure the runtime with the unit's node flags and environment;
// these pin what they read.
test('the systemd unit starts node with the memory flags and malloc arena cap the benches apply', () => {
  const { nodeArgs, env } = unitRuntime();
  assert.ok(nodeArgs.includes('--max-semi-space-size=1'), nodeArgs.join(' '));
  assert.ok(nodeArgs.includes('--optimize-for-size'), nodeArgs.join(' '));
  assert.equal(env.MALLOC_ARENA_MAX, '2');
  assert.equal(env.NODE_ENV, 'production');
});

test('unit parsing: flags between node and the bundle, several and quoted Environment= assignments', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fabwatch-unit-'));
  const unit = join(dir, 'x.service');
  writeFileSync(unit, '[Service]\nExecStart=/opt/node/bin/node --a=1 --b /opt/fw/dist/fabwatch.mjs run\nEnvironment=A=1 B=two\nEnvironment="C=with space"\n');
  assert.deepEqual(unitRuntime(unit), { nodeArgs: ['--a=1', '--b'], env: { A: '1', B: 'two', C: 'with space' } });
  writeFileSync(unit, '[Service]\nExecStart=/usr/bin/python3 x.py\n');
  assert.throws(() => unitRuntime(unit), /no ExecStart=/);
});
