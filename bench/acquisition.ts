/**
 * Does acquisition lose samples under stress (issue 14 item 4)? Runs the built bundle
 * (dist/fabwatch.mjs, built first unless --no-build) with the systemd unit's node flags and
 * environment (bench/unit-runtime.ts), simulated, 4 robots + the 3 simulated particle counters,
 * a private Mosquitto on a free loopback port, under each load:
 *
 *   idle     nothing else
 *   stall    the main thread blocks 200 ms every 2 s (bench-only FABWATCH_BENCH_STALL_MS=200)
 *   busyN    N processes spinning on the CPU beside the gateway (default N = 2)
 *   slow     every outbox commit sleeps 50 ms (bench-only FABWATCH_BENCH_COMMIT_SLEEP_MS=50)
 *
 * and prints per load: samples acquired and lost (from the start, start-up included), windows the
 * analysis skipped, the event-loop delay percentiles of the main thread and of the acquisition
 * worker (/metrics), and the time from process start to the first MQTT publish and the first
 * telemetry message.
 *
 *   node --import tsx bench/acquisition.ts [--seconds 30] [--loads idle,stall,busy2,slow]
 *                                          [--thread worker|main] [--nice N] [--poll-ms N] [--no-build] [--json]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { stringify } from 'yaml';
import { startBroker } from '../test/helpers/mosquitto.js';
import { repoRoot } from '../test/helpers/gateway-process.js';
import { unitRuntime } from './unit-runtime.js';
import { numberOption } from './bench-args.js';
import { simulatedFleet } from './fleet-config.js';

const args = process.argv.slice(2);
const seconds = numberOption(args, 'seconds', 30);
const at = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const loads = (at('--loads') ?? 'idle,stall,busy2,slow').split(',');
const thread = at('--thread') ?? 'worker';
const json = args.includes('--json');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

if (!args.includes('--no-build')) {
  const b = spawnSync(process.execPath, ['build.mjs'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
  if (b.status !== 0) throw new Error('npm run build failed');
}
const unit = unitRuntime();

function config(dir: string, port: number): string {
  const base = simulatedFleet(repoRoot, 4);
  base.api = { ...base.api, port, wsPort: 0 };
  base.acquisition = { thread, ...(at('--nice') ? { workerNice: Number(at('--nice')) } : {}) };
  if (at('--poll-ms')) for (const r of base.robots) r.accelerometer.pollIntervalMs = Number(at('--poll-ms'));
  base.log = { level: 'info', pretty: false };
  const file = join(dir, 'acquisition.yaml');
  writeFileSync(file, stringify(base));
  return file;
}

interface Scrape {
  acquired: number;
  lost: number;
  skipped: number;
  delay: Record<string, Record<string, number>>;
}

async function scrape(port: number): Promise<Scrape> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const sum = (name: string) => [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'gm'))].reduce((a, m) => a + Number(m[1]), 0);
  const delay: Record<string, Record<string, number>> = {};
  for (const m of text.matchAll(/^fabwatch_event_loop_delay_seconds\{thread="(\w+)",quantile="([\d.]+)"\} ([\d.e+-]+)/gm)) (delay[m[1]] ??= {})[m[2]] = Math.round(Number(m[3]) * 10_000) / 10;
  return { acquired: sum('fabwatch_samples_acquired_total'), lost: sum('fabwatch_samples_lost_total'), skipped: sum('fabwatch_windows_skipped_total'), delay };
}

function busy(n: number): ChildProcess[] {
  return Array.from({ length: n }, () => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
}

async function freePort(): Promise<number> {
  const { freePort: f } = await import('../simulators/free-port.js');
  return f();
}

async function run(load: string, brokerUrl: string) {
  const dir = mkdtempSync(join(tmpdir(), 'fabwatch-acq-'));
  const port = await freePort();
  const cfg = config(dir, port);
  const env: Record<string, string> = {};
  if (load === 'stall') env.FABWATCH_BENCH_STALL_MS = '200';
  if (load === 'slow') env.FABWATCH_BENCH_COMMIT_SLEEP_MS = '50';
  const spinners = busy(/^busy(\d+)$/.exec(load) ? Number(/^busy(\d+)$/.exec(load)![1]) : 0);
  await sleep(spinners.length ? 1000 : 0);
  const sub = await mqtt.connectAsync(brokerUrl);
  let firstAny = 0;
  let firstTelemetry = 0;
  sub.on('message', (topic, _payload, packet) => {
    if (packet.retain) return; // an earlier run's retained status, not this process's publish
    const now = performance.now();
    firstAny ||= now;
    if (topic.endsWith('/telemetry')) firstTelemetry ||= now;
  });
  await sub.subscribeAsync(['factory/#', 'cleanroom/#'], { qos: 1 });
  const load0 = loadavg()[0];
  const t0 = performance.now();
  const proc = spawn(process.execPath, [...unit.nodeArgs, join(repoRoot, 'dist/fabwatch.mjs'), 'run', '--config', cfg], {
    cwd: repoRoot,
    env: { ...process.env, ...unit.env, ...env, MQTT_URL: brokerUrl, FABWATCH_STATE_DIR: dir, NODE_ENV: 'production' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  // Start-up (bundle load, model load, JIT): what is lost in the first 5 s, separately.
  await sleep(5000);
  const early = await scrape(port).catch(() => undefined);
  await sleep(seconds * 1000 - 5000);
  let s: Scrape | undefined;
  try {
    s = await scrape(port);
  } catch (err) {
    process.stderr.write(`${load}: /metrics unreachable: ${(err as Error).message}\n`);
  }
  proc.kill('SIGTERM');
  await new Promise((r) => proc.once('exit', r));
  for (const p of spinners) p.kill('SIGKILL');
  await sub.endAsync(true);
  return {
    load,
    thread,
    seconds,
    samples_acquired: s?.acquired ?? null,
    samples_lost: s?.lost ?? null,
    lost_first_5s: early?.lost ?? null,
    lost_pct: s ? Math.round((100_000 * s.lost) / Math.max(1, s.acquired + s.lost)) / 1000 : null,
    windows_skipped: s?.skipped ?? null,
    main_delay_ms: s?.delay.main ?? null,
    worker_delay_ms: s?.delay.acquisition ?? null,
    first_publish_ms: firstAny ? Math.round(firstAny - t0) : null,
    first_telemetry_ms: firstTelemetry ? Math.round(firstTelemetry - t0) : null,
    loadavg_1m_before: Math.round(load0 * 100) / 100,
  };
}

const broker = await startBroker();
const results = [];
try {
  for (const load of loads) {
    const r = await run(load, broker.url);
    results.push(r);
    if (!json) console.log(r);
  }
} finally {
  await broker.stop();
}
if (json) console.log(JSON.stringify({ node: process.version, cpus: cpus().length, nodeArgs: unit.nodeArgs, results }));
else console.log(`node ${process.version}, ${cpus().length} CPUs, unit flags ${unit.nodeArgs.join(' ')}; delays in ms (quantile: 0.5/0.9/0.99/1 = max)`);
