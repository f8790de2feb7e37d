/**
 * Records one simulated minute of the gateway's output -- every MQTT message, every WebSocket frame
 * and the REST answers every 10 s -- on a ManualClock, so that a behaviour-preserving refactor can
 * be shown to change no byte of it:
 *
 *   node --import tsx test/golden/record-minute.ts                  # prints the sha256 of the recording
 *   node --import tsx test/golden/record-minute.ts --out /tmp/a.txt # also writes the recording (~MB)
 *   node --import tsx test/golden/record-minute.ts --check          # compares with test/golden/minute.sha256
 *
 * The whole simulated gateway (config/simulated.yaml: 4 robots, 3 particle counters over Modbus
 * TCP on loopback, the ONNX RUL model) runs in-process against a private Mosquitto. Time moves in
 * 5 ms steps; after each step the recorder lets the real I/O the step started finish (Modbus
 * round trips, ONNX inference) before the next, so the same code gives the same bytes.
 *
 * Left out, because they are not a function of the code under test: the Modbus simulators' TCP
 * ports (freePort) and the temporary state directory, durations measured on the wall clock (/metrics' histograms), and the MQTT
 * delivery order across topics (each topic's messages stay in order; they are grouped per topic).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import pino from 'pino';
import WebSocket from 'ws';
import { parseConfigText, validateConfig } from '../../src/config/load.js';
import { ManualClock } from '../../src/core/clock.js';
import { createGateway } from '../../src/gateway.js';
import { startBroker } from '../helpers/mosquitto.js';
import { repoRoot } from '../helpers/gateway-process.js';

const SIM_MS = 60_000;
const STEP_MS = 5;
const REST_EVERY_MS = 10_000;
const START = Date.UTC(2026, 10, 1, 8, 0, 0);
const args = process.argv.slice(2);
const outPath = args.includes('--out') ? args[args.indexOf('--out') + 1] : undefined;
const hashFile = join(repoRoot, 'test/golden/minute.sha256');

const broker = await startBroker();
const stateDir = mkdtempSync(join(tmpdir(), 'fabwatch-golden-'));
const raw = parseConfigText(readFileSync(join(repoRoot, 'config/simulated.yaml'), 'utf8'), 'simulated.yaml') as Record<string, any>;
raw.gateway.stateDir = stateDir;
raw.mqtt = { ...raw.mqtt, url: broker.url };
raw.api = { ...raw.api, port: 0, wsPort: 0, host: '127.0.0.1' };
const config = validateConfig(raw, 'golden');

const clock = new ManualClock(START);
const gw = await createGateway(config, { clock, log: pino({ level: 'silent' }) });

// MQTT subscriber first, so that the retained gateway status and every message are seen.
const mqttMessages = new Map<string, string[]>();
const sub = await mqtt.connectAsync(broker.url, { clientId: 'golden-recorder' });
sub.on('message', (topic, payload) => {
  const list = mqttMessages.get(topic) ?? [];
  list.push(payload.toString());
  mqttMessages.set(topic, list);
});
await sub.subscribeAsync(['#'], { qos: 1 });

await gw.start();
const { rest, ws: wsPort } = gw.api!.ports;
const base = `http://127.0.0.1:${rest}`;

const wsFrames: string[] = [];
const ws = new WebSocket(`ws://127.0.0.1:${wsPort}`);
ws.on('message', (d) => wsFrames.push(d.toString()));
await new Promise((res, rej) => (ws.once('open', res), ws.once('error', rej)));

/** Components whose work crosses real I/O or a thread: wait until none is busy. */
const entries = (gw.supervisor as unknown as { entries: Array<{ component: object }> }).entries.map((e) => e.component);
const isBusy = (c: object) => (c as { busy?: boolean }).busy === true;
async function settle(): Promise<void> {
  await new Promise((r) => setImmediate(r));
  for (let i = 0; i < 2000 && entries.some(isBusy); i++) await new Promise((r) => setTimeout(r, 1));
  await new Promise((r) => setTimeout(r, 0));
}

const restLog: string[] = [];
const norm = (s: string) => s.replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT').replaceAll(stateDir, 'STATE_DIR');
async function snapshotRest(): Promise<void> {
  const paths = ['/health', '/api/robots', ...config.robots.map((r) => `/api/robots/${r.id}`), '/api/cleanroom/status', '/api/alerts', '/api/alerts/active', '/api/telemetry/latest?limit=20', ...config.robots.map((r) => `/api/robots/${r.id}/history`), '/api/ml/model_info', '/openapi.json', '/api/commands'];
  for (const p of paths) {
    const res = await fetch(base + p);
    restLog.push(`GET ${p} ${res.status}\n${norm(await res.text())}`);
  }
  const metrics = await (await fetch(base + '/metrics')).text();
  // Wall-clock durations (analysis time, request time, process figures) are not the code's output.
  restLog.push(`GET /metrics\n${metrics.split('\n').filter((l) => l.startsWith('fabwatch_') && !/seconds|duration|_process_|nodejs/.test(l)).join('\n')}`);
}

/**
 * Faults, so that the minute also carries device-fault and recovery alerts on both paths: robot-004's
 * accelerometer fails with EIO from 20 s to 35 s; the first particle counter answers every request
 * with Modbus exception 4 from 25 s to 45 s (an exception, not a timeout: modbus-serial times out on
 * the wall clock).
 */
const accel = config.robots[3].accelerometer;
const counter = config.cleanroom.counters[0];
const line = [...gw.simulators.lines.values()].find((l) => l.images.has(counter.unitId) && [...gw.simulators.counters.values()].includes(l.images.get(counter.unitId)!))!;
const script: Record<number, () => void> = {
  20_000: () => gw.simulators.i2c.get(accel.bus)!.setFault(accel.address, 'eio'),
  25_000: () => line.slave.setFault(counter.unitId, { kind: 'exception', code: 4 }),
  35_000: () => gw.simulators.i2c.get(accel.bus)!.setFault(accel.address, null),
  45_000: () => line.slave.setFault(counter.unitId, null),
};

for (let t = 0; t < SIM_MS; t += STEP_MS) {
  script[t]?.();
  clock.advance(STEP_MS);
  await settle();
  if ((t + STEP_MS) % REST_EVERY_MS === 0) await snapshotRest();
}

// Let the uplink empty its outbox (publishing is paced by the clock) and the broker deliver.
for (let i = 0; i < 400 && gw.uplink.status().queued > 0; i++) {
  clock.advance(STEP_MS);
  await new Promise((r) => setTimeout(r, 5));
}
await new Promise((r) => setTimeout(r, 500));
ws.close();
await gw.stop();
await sub.endAsync();
await broker.stop();
rmSync(stateDir, { recursive: true, force: true });

const mqttLog = [...mqttMessages.keys()].sort().map((topic) => `# ${topic} (${mqttMessages.get(topic)!.length})\n${norm(mqttMessages.get(topic)!.join('\n'))}`);
const recording = ['## MQTT', ...mqttLog, '## WebSocket', ...wsFrames.map(norm), '## REST', ...restLog].join('\n') + '\n';
const sha = createHash('sha256').update(recording).digest('hex');
if (outPath) writeFileSync(outPath, recording);
const counts = `${[...mqttMessages.values()].reduce((n, l) => n + l.length, 0)} MQTT messages on ${mqttMessages.size} topics, ${wsFrames.length} WebSocket frames, ${restLog.length} REST answers, ${recording.length} bytes`;
console.log(`${sha}  ${counts}`);
if (args.includes('--check')) {
  const want = readFileSync(hashFile, 'utf8').split(/\s+/)[0];
  if (want !== sha) {
    console.error(`DIFFERENT from test/golden/minute.sha256 (${want})`);
    process.exit(1);
  }
  console.log('identical to test/golden/minute.sha256');
}
