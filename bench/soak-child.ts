/**
 * The measured process of bench/soak.ts (run that, not this): the whole simulated gateway on a
 * ManualClock advanced in 5 ms steps with an event-loop turn between, as fast as the machine
 * allows. Prints one JSON line per simulated half hour ({"sample": ...}) and a final one with the
 * warning/error counts of the gateway's log. Environment: SOAK_MQTT_URL, SOAK_HOURS, SOAK_ROBOTS.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { writeHeapSnapshot } from 'node:v8';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { validateConfig } from '../src/config/load.js';
import { createGateway } from '../src/gateway.js';
import { applyProcessSettings } from '../src/cli/process-settings.js';
import { ManualClock } from '../src/core/clock.js';
import { simulatedFleet } from './fleet-config.js';

export interface SoakSample {
  simH: number;
  wallS: number;
  rssMb: number;
  heapUsedMb: number;
  externalMb: number;
  arrayBuffersMb: number;
  telemetry: number;
}
type Sample = SoakSample;

const repoRoot = resolve(process.cwd());
const hours = Number(process.env.SOAK_HOURS ?? 24);
const robots = Number(process.env.SOAK_ROBOTS ?? 8);

const dir = mkdtempSync(join(tmpdir(), 'fabwatch-soak-'));
const raw = simulatedFleet(repoRoot, robots);
raw.gateway.stateDir = dir;
raw.mqtt = { ...raw.mqtt, url: process.env.SOAK_MQTT_URL };
raw.api = { ...raw.api, port: 0, wsPort: 0, host: '127.0.0.1' };
const config = validateConfig(raw, 'soak');
// Warnings and errors go to a file: counted at the end, so a soak that "passes" while the
// gateway complains is visible.
const logFile = join(dir, 'gateway.log');
const log = pino({ level: 'warn' }, pino.destination({ dest: logFile, sync: true }));
const clock = new ManualClock(Date.now());
applyProcessSettings(); // as `fabwatch run` does
const gw = await createGateway(config, { clock, log });
let telemetry = 0;
gw.state.on('telemetry', () => telemetry++);
await gw.start();

const emit = (o: object) => process.stdout.write(JSON.stringify(o) + '\n');
const gc = (globalThis as { gc?: () => void }).gc!;
const t0 = performance.now();
// SOAK_SNAPSHOTS=1: heap snapshots after the first simulated hour and at the end, in the cwd,
// to see what grows (compare them in Chrome DevTools' Memory tab, "Comparison" view).
const snapshots = process.env.SOAK_SNAPSHOTS === '1';
const sample = (simMs: number) => {
  if (snapshots && (simMs === 3.6e6 || simMs >= hours * 3.6e6)) process.stderr.write(`\nheap snapshot: ${writeHeapSnapshot()}\n`);
  gc();
  const m = process.memoryUsage();
  emit({ sample: { simH: simMs / 3.6e6, wallS: (performance.now() - t0) / 1000, rssMb: m.rss / 2 ** 20, heapUsedMb: m.heapUsed / 2 ** 20, externalMb: m.external / 2 ** 20, arrayBuffersMb: m.arrayBuffers / 2 ** 20, telemetry } satisfies Sample });
};
// 5 ms steps with an event-loop turn between them: the same cadence the in-process test fixture
// uses, short enough that the drivers' FIFO polls (every 10-20 ms of device time) never overrun.
const stepMs = 5;
const sampleEveryMs = 30 * 60_000;
const endMs = hours * 3.6e6;
let simMs = 0;
sample(0);
while (simMs < endMs) {
  clock.advance(stepMs);
  simMs += stepMs;
  await new Promise((r) => setImmediate(r));
  if (simMs % sampleEveryMs === 0) sample(simMs);
}
await gw.stop();
const lines = readFileSync(logFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { level: number; code?: string; msg?: string });
const codes: Record<string, number> = {};
for (const l of lines) codes[l.code ?? l.msg ?? '?'] = (codes[l.code ?? l.msg ?? '?'] ?? 0) + 1;
emit({ warnings: lines.filter((l) => l.level === 40).length, errors: lines.filter((l) => l.level >= 50).length, logCodes: codes });
// SOAK_KEEP_STATE=1 keeps the state directory (history.db, outbox.db, gateway.log) for a look.
if (process.env.SOAK_KEEP_STATE === '1') process.stderr.write(`\nstate kept in ${dir}\n`);
else rmSync(dir, { recursive: true, force: true });
