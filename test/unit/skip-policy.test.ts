/**
 * The skip policy (test/helpers/skip.ts): skip locally with a reason, fail in CI. Checked on the
 * helper itself, and on every test file: none may decide a skip on its own (a literal reason, a
 * ternary, its own look at CI), because that is how a missing tool turned CI green before.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { skipUnless, skipWithoutTools } from '../helpers/skip.js';
import { repoRoot } from '../helpers/gateway-process.js';

test('skipUnless: runs when nothing is missing, skips with the reason locally, throws under CI=true', () => {
  assert.equal(skipUnless(false, {}), false);
  assert.equal(skipUnless(undefined, { CI: 'true' }), false);
  assert.equal(skipUnless('socat missing', {}), 'socat missing');
  assert.throws(() => skipUnless('socat missing', { CI: 'true' }), /socat missing; CI=true, so this is a failure/);
  assert.throws(() => skipWithoutTools(['fabwatch-no-such-tool'], 'nothing', { CI: 'true' }), /fabwatch-no-such-tool/);
  assert.equal(skipWithoutTools(['sh'], 'nothing', { CI: 'true' }), false);
});

const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));

test('every skip in the tests goes through the helper', () => {
  const offences: string[] = [];
  for (const file of walk(join(repoRoot, 'test'))) {
    const rel = relative(repoRoot, file);
    if (rel === 'test/helpers/skip.ts' || rel === 'test/unit/skip-policy.test.ts') continue;
    readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
      const where = `${rel}:${i + 1}: ${line.trim()}`;
      if (/process\.env\.CI\b/.test(line)) offences.push(`${where} (reads CI itself)`);
      if (/\bskip\s*:\s*(['"`]|true\b)/.test(line)) offences.push(`${where} (a literal skip)`);
      if (/\bskip\s*[:=][^,}\n]*\?[^,}\n]*:/.test(line)) offences.push(`${where} (a skip decided by a ternary)`);
      if (/\b(t|test|it|describe)\.(skip|todo)\(/.test(line)) offences.push(`${where} (skip()/todo())`);
    });
  }
  assert.deepEqual(offences, [], 'use skipUnless / skipWithoutTools / skipUnlessRoot from test/helpers/skip.ts');
});
