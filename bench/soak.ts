/**
 * Compressed soak (issue 9): the whole simulated gateway -- 8 robots, the particle counters, the RUL
 * model, history, API, MQTT uplink to a real Mosquitto -- driven by a ManualClock as fast as this
 * machine allows, so a day of device time passes in minutes. Every device still produces every
 * sample (the simulators are clocked, nothing is skipped), every window is analysed, every record
 * goes through the outbox and history. Reports RSS and the JS heap (after a forced GC) per simulated
 * half hour, and the drift over the second half of the run.
 *
 *   node --import tsx bench/soak.ts [--hours 24] [--robots 8] [--json] [--bare-node] [--source]
 *
 * The measured process is a child (bench/soak-child.ts) bundled like dist/fabwatch.mjs (same esbuild
 * options, build-options.mjs) into dist/soak-child.mjs and started with the systemd unit's node
 * flags and environment (bench/unit-runtime.ts) plus --expose-gc; --bare-node drops the unit's
 * flags, --source runs the child from source through tsx instead (tsx adds ~35 MB of RSS).
 * This process starts the Mosquitto broker the gateway publishes to.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { build } from 'esbuild';
import { runtimeBuildOptions } from '../build-options.mjs';
import { startBroker } from '../test/helpers/mosquitto.js';
import { repoRoot } from '../test/helpers/gateway-process.js';
import { unitRuntime } from './unit-runtime.js';
import { numberOption, slope } from './bench-args.js';
import type { SoakSample as Sample } from './soak-child.js';

const args = process.argv.slice(2);
const opt = (name: string, def: number) => numberOption(args, name, def);
const hours = opt('hours', 24);
const robots = opt('robots', 8);
const json = args.includes('--json');

const slopePerDay = (points: Array<[number, number]>) => slope(points) * 24;

{
  const unit = args.includes('--bare-node') ? { nodeArgs: [], env: {} } : unitRuntime();
  const fromSource = args.includes('--source');
  let entry = [join(repoRoot, 'bench/soak-child.ts')];
  if (fromSource) entry = ['--import', 'tsx', ...entry];
  else {
    // Inside the repository so the externals (natives, pino, PFFFT) resolve from node_modules.
    const outfile = join(repoRoot, 'dist/soak-child.mjs');
    await build({ ...runtimeBuildOptions(), entryPoints: [entry[0]], outfile, sourcemap: false, logLevel: 'warning' });
    entry = [outfile];
  }
  const broker = await startBroker();
  const child = spawn(process.execPath, [...unit.nodeArgs, '--expose-gc', ...entry], {
    cwd: repoRoot,
    env: { ...process.env, ...unit.env, SOAK_MQTT_URL: broker.url, SOAK_HOURS: String(hours), SOAK_ROBOTS: String(robots) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const samples: Sample[] = [];
  let meta: Record<string, unknown> = {};
  let buf = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (d: string) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (!line.startsWith('{')) continue;
      const m = JSON.parse(line);
      if (m.sample) {
        samples.push(m.sample);
        const s = m.sample as Sample;
        process.stderr.write(`\rsimulated ${s.simH.toFixed(1)} h in ${s.wallS.toFixed(0)} s  RSS ${s.rssMb.toFixed(1)} MB  heap ${s.heapUsedMb.toFixed(1)} MB  telemetry ${s.telemetry}   `);
      } else meta = { ...meta, ...m };
    }
  });
  const code: number = await new Promise((r) => child.once('exit', (c) => r(c ?? 1)));
  await broker.stop();
  if (code !== 0 || samples.length < 4) {
    console.error(`\nsoak child exited with ${code} after ${samples.length} samples`);
    process.exit(1);
  }
  const second = samples.slice(Math.floor(samples.length / 2));
  const range = (k: keyof Sample) => {
    const v = second.map((s) => s[k] as number);
    return { min: Math.round(Math.min(...v) * 10) / 10, max: Math.round(Math.max(...v) * 10) / 10 };
  };
  const result = {
    simulatedHours: samples.at(-1)!.simH,
    wallSeconds: Math.round(samples.at(-1)!.wallS),
    compression: Math.round((samples.at(-1)!.simH * 3600) / samples.at(-1)!.wallS),
    robots,
    runtime: fromSource ? 'src via tsx' : 'dist/soak-child.mjs (bundled like dist/fabwatch.mjs)',
    telemetryRecords: samples.at(-1)!.telemetry,
    ...meta,
    secondHalf: {
      rssMb: range('rssMb'),
      heapUsedAfterGcMb: range('heapUsedMb'),
      externalMb: range('externalMb'),
      arrayBuffersMb: range('arrayBuffersMb'),
      rssDriftMbPerSimulatedDay: Math.round(slopePerDay(second.map((s) => [s.simH, s.rssMb])) * 10) / 10,
      heapDriftMbPerSimulatedDay: Math.round(slopePerDay(second.map((s) => [s.simH, s.heapUsedMb])) * 100) / 100,
      externalDriftMbPerSimulatedDay: Math.round(slopePerDay(second.map((s) => [s.simH, s.externalMb])) * 100) / 100,
    },
    nodeArgs: unit.nodeArgs,
    env: unit.env,
    node: process.version,
    samples,
  };
  if (json) console.log(JSON.stringify(result));
  else {
    process.stderr.write('\n');
    const { samples: _s, ...summary } = result;
    console.log(summary);
    for (const s of samples.filter((_, i) => i % 4 === 0 || i === samples.length - 1)) {
      console.log(`  ${s.simH.toFixed(1).padStart(5)} h  RSS ${s.rssMb.toFixed(1).padStart(6)} MB  heap ${s.heapUsedMb.toFixed(1).padStart(5)} MB  external ${s.externalMb.toFixed(1).padStart(5)} MB (array buffers ${s.arrayBuffersMb.toFixed(1)})  telemetry ${s.telemetry}`);
    }
  }
}
