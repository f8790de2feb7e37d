/**
 * The memory floor under the gateway (issue 9): steady RSS of a bare `node` and of `node` with
 * nothing but onnxruntime-node and the RUL model's session loaded (the session options of
 * src/prognosis/rul-model.ts), both with the systemd unit's node flags and environment.
 *
 *   node --import tsx bench/footprint-floor.ts [--json]
 *
 * Reads VmRSS / RssAnon / RssFile from /proc/self/status in each child after 3 s idle.
 */
import { execFileSync } from 'node:child_process';
import { repoRoot } from '../test/helpers/gateway-process.js';
import { unitRuntime } from './unit-runtime.js';

const report = `const s = require('node:fs').readFileSync('/proc/self/status', 'utf8');
const kb = (k) => Number(new RegExp(k + ':\\\\s+(\\\\d+)').exec(s)[1]) / 1024;
console.log(JSON.stringify({ rssMb: +kb('VmRSS').toFixed(1), anonMb: +kb('RssAnon').toFixed(1), fileMb: +kb('RssFile').toFixed(1) }));`;

const bare = `setTimeout(() => { ${report} }, 3000);`;
const ort = `const ort = require('onnxruntime-node');
const bytes = require('node:fs').readFileSync('models/rul.onnx');
ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all', enableCpuMemArena: false, enableMemPattern: false })
  .then(async (s) => {
    const feeds = { [s.inputNames[0]]: new ort.Tensor('float32', new Float32Array([1.2, 1.1, 1.05, 1.3]), [1, 4]) };
    for (let i = 0; i < 100; i++) await s.run(feeds);
    setTimeout(() => { ${report} }, 3000);
  });`;

const unit = unitRuntime();
function measure(code: string): { rssMb: number; anonMb: number; fileMb: number } {
  const out = execFileSync(process.execPath, [...unit.nodeArgs, '-e', code], { cwd: repoRoot, env: { ...process.env, ...unit.env }, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

const result = { nodeArgs: unit.nodeArgs, env: unit.env, node: process.version, bareNode: measure(bare), nodeWithOnnxruntimeSession: measure(ort) };
if (process.argv.includes('--json')) console.log(JSON.stringify(result));
else {
  console.log(`node ${result.node} ${unit.nodeArgs.join(' ')} ${Object.entries(unit.env).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  for (const [name, m] of [['bare node', result.bareNode], ['node + onnxruntime-node + RUL session', result.nodeWithOnnxruntimeSession]] as const) {
    console.log(`  ${name.padEnd(40)} RSS ${m.rssMb.toFixed(1).padStart(6)} MB  (anonymous ${m.anonMb.toFixed(1)}, file-backed ${m.fileMb.toFixed(1)})`);
  }
}
