/**
 * Footprint of a running gateway (issue 9): start-up to first MQTT publish, and RSS over a soak
 * with N simulated robots, the simulated particle counters and the RUL model loaded.
 *
 *   node --import tsx bench/footprint.ts [--robots 8] [--seconds 120] [--bundle] [--json]
 *                                        [--no-model] [--no-history] [--no-api]
 *                                        [--bare-node] [--node-args "FLAGS"] [--hold] [--thread worker|main]
 *
 * --bundle runs dist/fabwatch.mjs (npm run build first), else the TypeScript sources through tsx.
 * The gateway gets the node flags and environment of systemd/fabwatch.service (bench/unit-runtime.ts),
 * i.e. it is measured as deployed; --bare-node drops them (plain `node`), --node-args adds flags.
 * --hold keeps the gateway running for 10 minutes after the measurement (for /proc/PID/smaps, a
 * heap snapshot with --node-args --heapsnapshot-signal=SIGUSR2, ...); its pid is printed.
 * Starts its own Mosquitto on a free loopback port; everything stays on this machine. RSS is read
 * from /proc/<pid>/status every 2 s; the drift is the least-squares slope over the second half.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { stringify } from 'yaml';
import { startBroker } from '../test/helpers/mosquitto.js';
import { repoRoot } from '../test/helpers/gateway-process.js';
import { unitRuntime } from './unit-runtime.js';
import { numberOption, slope } from './bench-args.js';
import { simulatedFleet } from './fleet-config.js';

const args = process.argv.slice(2);
const opt = (name: string, def: number) => numberOption(args, name, def);
const robots = opt('robots', 8);
const seconds = opt('seconds', 120);
const bundle = args.includes('--bundle');
const json = args.includes('--json');
// Extra node flags for the gateway process only, e.g. --node-args "--max-semi-space-size=1".
const nodeArgsAt = args.indexOf('--node-args');
const unit = args.includes('--bare-node') ? { nodeArgs: [], env: {} } : unitRuntime();
const nodeArgs = [...unit.nodeArgs, ...(nodeArgsAt >= 0 ? args[nodeArgsAt + 1].split(/\s+/).filter(Boolean) : [])];

function config(dir: string): string {
  const base = simulatedFleet(repoRoot, robots);
  base.api = { ...base.api, port: 0, wsPort: 0 };
  // Switches to see what each part costs.
  if (args.includes('--no-model')) base.model = { enabled: false };
  if (args.includes('--no-history')) base.history = { enabled: false };
  if (args.includes('--no-api')) base.api = { enabled: false };
  // --thread main: acquisition on the main event loop (default: the acquisition worker thread).
  if (args.includes('--thread')) base.acquisition = { thread: args[args.indexOf('--thread') + 1] };
  base.log = { level: 'info', pretty: false };
  const file = join(dir, 'footprint.yaml');
  writeFileSync(file, stringify(base));
  return file;
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** User + system CPU seconds of a process (/proc/PID/stat fields 14 and 15, in clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

const slopePerHour = (points: Array<[number, number]>) => slope(points) * 3600;

const broker = await startBroker();
const dir = mkdtempSync(join(tmpdir(), 'fabwatch-footprint-'));
const cfg = config(dir);
const sub = await mqtt.connectAsync(broker.url);
let firstAny = 0;
let firstTelemetry = 0;
let telemetry = 0;
sub.on('message', (topic) => {
  const now = performance.now();
  if (!firstAny) firstAny = now;
  if (topic.endsWith('/telemetry')) {
    telemetry++;
    if (!firstTelemetry) firstTelemetry = now;
  }
});
await sub.subscribeAsync(['factory/#', 'cleanroom/#'], { qos: 1 });

const entry = bundle ? [join(repoRoot, 'dist/fabwatch.mjs')] : ['--import', 'tsx', join(repoRoot, 'src/cli/main.ts')];
const t0 = performance.now();
const proc = spawn(process.execPath, [...nodeArgs, ...entry, 'run', '--config', cfg], {
  cwd: repoRoot,
  env: { ...process.env, ...unit.env, MQTT_URL: broker.url, FABWATCH_STATE_DIR: dir, NODE_ENV: 'production' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
proc.stdout!.on('data', () => undefined);

const samples: Array<[number, number]> = [];
const end = t0 + seconds * 1000;
while (performance.now() < end && proc.exitCode === null) {
  await new Promise((r) => setTimeout(r, 2000));
  if (proc.exitCode !== null) break;
  samples.push([(performance.now() - t0) / 1000, rssMb(proc.pid!)]);
  if (!json) process.stderr.write(`\r${Math.round((performance.now() - t0) / 1000)} s  RSS ${samples.at(-1)![1].toFixed(1)} MB  telemetry ${telemetry}   `);
}
const cpu = proc.exitCode === null ? cpuSeconds(proc.pid!) : NaN;
if (args.includes('--hold') && proc.exitCode === null) {
  process.stderr.write(`\nholding pid ${proc.pid} for 10 minutes\n`);
  await new Promise((r) => setTimeout(r, 600_000));
}
proc.kill('SIGTERM');
await new Promise((r) => proc.once('exit', r));
await sub.endAsync(true);
await broker.stop();

const second = samples.slice(Math.floor(samples.length / 2));
const steady = second.map((p) => p[1]);
const result = {
  robots,
  seconds,
  runtime: bundle ? 'dist/fabwatch.mjs' : 'src via tsx',
  startToFirstPublishMs: firstAny ? Math.round(firstAny - t0) : null,
  startToFirstTelemetryMs: firstTelemetry ? Math.round(firstTelemetry - t0) : null,
  telemetryMessages: telemetry,
  rssMbSteadyMax: Math.round(Math.max(...steady) * 10) / 10,
  rssMbSteadyMean: Math.round((steady.reduce((a, b) => a + b, 0) / steady.length) * 10) / 10,
  rssDriftMbPerHour: Math.round(slopePerHour(second) * 10) / 10,
  cpuPercentOfOneCore: Math.round((cpu / seconds) * 1000) / 10,
  nodeArgs,
  env: unit.env,
  node: process.version,
};
if (json) console.log(JSON.stringify(result));
else {
  process.stderr.write('\n');
  console.log(result);
}
