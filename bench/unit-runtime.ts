/**
 * The node flags and environment the systemd unit starts fabwatch with (systemd/fabwatch.service:
 * the flags between `/usr/bin/node` and the bundle on ExecStart=, and its Environment= lines), so
 * the footprint and soak benches measure the runtime as deployed, not a bare `node`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../test/helpers/gateway-process.js';

export interface UnitRuntime {
  nodeArgs: string[];
  env: Record<string, string>;
}

export function unitRuntime(unitPath = join(repoRoot, 'systemd/fabwatch.service')): UnitRuntime {
  const text = readFileSync(unitPath, 'utf8');
  const exec = /^ExecStart=\S*node((?:\s+--\S+)*)\s+\S*fabwatch\.mjs\b/m.exec(text);
  if (!exec) throw new Error(`${unitPath}: no ExecStart=.../node [flags] .../fabwatch.mjs line`);
  const nodeArgs = exec[1].trim().split(/\s+/).filter(Boolean);
  const env: Record<string, string> = {};
  for (const m of text.matchAll(/^Environment=(.*)$/gm)) {
    // One or more NAME=value assignments (optionally quoted) per line, as systemd allows.
    for (const a of m[1].matchAll(/"([^"=]+)=([^"]*)"|(\S+?)=(\S*)/g)) env[a[1] ?? a[3]] = a[2] ?? a[4];
  }
  return { nodeArgs, env };
}
