/**
 * ARCHITECTURE.md's boundaries, enforced: reads every import (type-only ones and dynamic import()
 * included) of the runtime folders (src/, drivers/, simulators/) and fails on a broken rule, naming
 * the file and the import. Each rule has a control on a made-up import graph, so none can pass by
 * matching nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { repoRoot } from '../helpers/gateway-process.js';

type Graph = Map<string, string[]>; // file -> imported specifiers, resolved to repo paths for relative ones

const RUNTIME = ['src', 'drivers', 'simulators'];
const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : /\.(ts|mts)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [join(dir, e.name)] : []));

function importsOf(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const out: string[] = [];
  for (const m of code.matchAll(/^\s*(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm)) out.push(m[1]);
  for (const m of code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]);
  for (const m of code.matchAll(/\brequire\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]);
  return out;
}

function buildGraph(): Graph {
  const graph: Graph = new Map();
  for (const top of RUNTIME) {
    for (const file of walk(join(repoRoot, top))) {
      const rel = relative(repoRoot, file);
      graph.set(rel, importsOf(readFileSync(file, 'utf8')).map((s) => (s.startsWith('.') ? relative(repoRoot, resolve(dirname(file), s)).replace(/\.js$/, '.ts') : s)));
    }
  }
  return graph;
}

const under = (file: string, folder: string) => file === folder || file.startsWith(folder + '/');
const pkg = (spec: string) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);

/** Files reachable from `from` through imports (itself excluded). */
function reachable(graph: Graph, from: string): Set<string> {
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length) {
    for (const dep of graph.get(stack.pop()!) ?? []) if (graph.has(dep) && !seen.has(dep)) (seen.add(dep), stack.push(dep));
  }
  return seen;
}

/** Direct imports from files under `from` into `to` (a folder, or a predicate on a specifier). */
function direct(graph: Graph, from: string, to: (spec: string) => boolean): string[] {
  return [...graph].flatMap(([file, deps]) => (under(file, from) ? deps.filter(to).map((d) => `${file} -> ${d}`) : []));
}

/** Imports under `from` that reach a file under `to`, directly or through other modules. */
function transitive(graph: Graph, from: string, to: string): string[] {
  return [...graph.keys()].filter((f) => under(f, from)).flatMap((f) => {
    const hit = [...reachable(graph, f)].find((d) => under(d, to));
    return hit ? [`${f} ->* ${hit}`] : [];
  });
}

const NODE_IO = new Set(['fs', 'net', 'http', 'https', 'http2', 'dgram', 'child_process', 'worker_threads', 'tls', 'dns', 'readline', 'cluster', 'fs/promises']);
const ANALYSIS_PACKAGES = new Set(['@echogarden/pffft-wasm']);
/** Native modules and the one runtime file allowed to import each. */
const NATIVE: Record<string, string[]> = {
  'i2c-bus': ['drivers/i2c-linux.ts'],
  onoff: ['drivers/gpio-onoff.ts'],
  serialport: ['drivers/serial-port.ts'],
  'modbus-serial': ['drivers/modbus-serial-transport.ts'],
  'better-sqlite3': ['src/store/sqlite.ts'],
  // The training tool checks the model it wrote with the runtime that will load it.
  'onnxruntime-node': ['src/prognosis/rul-model.ts', 'src/prognosis/train/train.ts'],
};

const rules: Array<{ name: string; check(g: Graph): string[] }> = [
  { name: 'drivers never import simulators', check: (g) => direct(g, 'drivers', (d) => under(d, 'simulators')) },
  {
    name: 'src/analysis does no I/O: it imports itself, the error codes, pffft and no I/O module of node',
    check: (g) => direct(g, 'src/analysis', (d) => (d.startsWith('node:') ? NODE_IO.has(d.slice(5)) : g.has(d) ? !under(d, 'src/analysis') && d !== 'src/core/errors.ts' : !ANALYSIS_PACKAGES.has(pkg(d)))),
  },
  { name: 'src/api never reaches src/uplink (type imports included)', check: (g) => transitive(g, 'src/api', 'src/uplink') },
  { name: 'src/uplink never reaches src/api (type imports included)', check: (g) => transitive(g, 'src/uplink', 'src/api') },
  { name: 'src/state imports no acquisition, monitor, uplink, api or wiring', check: (g) => ['src/acquisition', 'src/monitor', 'src/uplink', 'src/api', 'src/wiring', 'drivers', 'simulators'].flatMap((to) => transitive(g, 'src/state', to)) },
  {
    // device-platform.ts names the simulator types for Gateway.simulators; simulate-device.ts is the CLI that serves them.
    name: 'in src/, only the simulated device platform (and the simulate-device CLI) import simulators',
    check: (g) => direct(g, 'src', (d) => under(d, 'simulators')).filter((l) => !/^src\/(wiring\/simulated-platform|wiring\/device-platform|cli\/simulate-device)\.ts /.test(l)),
  },
  {
    name: 'each native module is imported by its one adapter file',
    check: (g) => [...g].flatMap(([file, deps]) => deps.filter((d) => NATIVE[pkg(d)] && !NATIVE[pkg(d)].includes(file)).map((d) => `${file} -> ${d} (only ${NATIVE[pkg(d)].join(', ')})`)),
  },
];

const graph = buildGraph();

for (const rule of rules) {
  test(`boundary: ${rule.name}`, () => {
    assert.deepEqual(rule.check(graph), []);
  });
}

test('the import reader sees type-only, multi-line, re-export and dynamic imports', () => {
  const text = `import type { A } from './a.js';\nimport {\n  B,\n  C,\n} from '../b.js';\nexport { D } from './d.js';\nexport type { E } from './e.js';\nconst x = await import('serialport');\n// import { F } from './commented.js';\n/* import G from './block.js'; */\nconst s = 'from "./not-an-import.js"';`;
  assert.deepEqual(importsOf(text), ['./a.js', '../b.js', './d.js', './e.js', 'serialport']);
  assert.ok(graph.size > 100, `read only ${graph.size} files`);
});

test('controls: every rule fails on a graph that breaks it', () => {
  const bad: Graph = new Map([
    ['drivers/x.ts', ['simulators/y.ts']],
    ['simulators/y.ts', []],
    ['src/analysis/a.ts', ['node:fs', 'src/config/load.ts', 'pino']],
    ['src/config/load.ts', []],
    ['src/api/server.ts', ['src/metrics/metrics.ts']],
    ['src/metrics/metrics.ts', ['src/uplink/mqtt-uplink.ts']],
    ['src/uplink/mqtt-uplink.ts', ['src/api/schemas.ts']],
    ['src/api/schemas.ts', []],
    ['src/state/types.ts', ['src/acquisition/robot-sensors.ts']],
    ['src/acquisition/robot-sensors.ts', []],
    ['src/wiring/robots.ts', ['simulators/y.ts']],
    ['simulators/modbus-rtu-server.ts', ['serialport']],
    ['src/store/history.ts', ['better-sqlite3']],
  ]);
  for (const rule of rules) assert.notDeepEqual(rule.check(bad), [], `${rule.name}: the control did not fail`);
});
