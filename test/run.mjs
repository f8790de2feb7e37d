#!/usr/bin/env node
// Runs every test/**/*.test.ts with node:test (Node 20's --test does not expand globs).
// Extra arguments filter by substring: `node test/run.mjs config adxl`; arguments starting with
// `--` are passed to node's test runner: `node test/run.mjs config --test-name-pattern=defaults`.
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const walk = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.test.ts') ? [join(dir, e.name)] : []));
const args = process.argv.slice(2);
const nodeFlags = args.filter((a) => a.startsWith('--'));
const filters = args.filter((a) => !a.startsWith('--'));
const files = walk(join(root, 'test'))
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...nodeFlags, ...files], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
