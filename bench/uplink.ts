/**
 * MQTT uplink throughput through the durable outbox, against a private local Mosquitto:
 *  1. sustained: messages offered at a fixed rate for a few seconds, QoS 1; reports the PUBACKed
 *     rate and whether the outbox backlog stayed bounded (sustained = it did);
 *  2. drain: a stored backlog (1 h of the simulated 4-robot gateway, and a larger one) replayed
 *     after "reconnect"; reports messages/s and the time to empty the outbox.
 * Run: node --import tsx bench/uplink.ts [offeredPerS=25000] [seconds=8] [payload=small|telemetry]
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startBroker } from '../test/helpers/mosquitto.js';
import { validateConfig } from '../src/config/load.js';
import { systemClock } from '../src/core/clock.js';
import { GatewayState } from '../src/state/gateway-state.js';
import { MqttUplink } from '../src/uplink/mqtt-uplink.js';

const offered = Number(process.argv[2] ?? 25000);
const seconds = Number(process.argv[3] ?? 8);
const payloadKind = process.argv[4] ?? 'small';
// Mosquitto advertises max_inflight_messages (default 20) as MQTT 5 receive-maximum; the uplink honours it.
const brokerInflight = Number(process.env.BENCH_BROKER_INFLIGHT ?? 8192);
const synchronous = (process.env.BENCH_SYNCHRONOUS ?? 'normal') as 'normal' | 'full';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// A realistic telemetry record (64-band spectrum, ~1.5 KB) and a small one (~250 B).
const telemetry = {
  robot_id: 'robot-001', gateway_id: 'gw-bench', site: 'main', ts: new Date().toISOString(), temperature: 41.2,
  vibration: { rms: 0.2531, peak: 0.6012, axes: { x: { rms: 0.2, peak: 0.5 }, y: { rms: 0.1, peak: 0.3 }, z: { rms: 0.05, peak: 0.1 } }, dominant_axis: 'x', sample_rate_hz: 1600, window_samples: 2048, lost_samples: 0 },
  health_score: 77.2, status: 'ok',
  spectrum: { df_hz: 0.78125, band_hz: 12.5, amplitudes: Array.from({ length: 64 }, (_, i) => Math.round(Math.abs(Math.sin(i)) * 1e5) / 1e5), peak_hz: 24.2, peak_amplitude: 0.25 },
  units: { temperature: 'degC', 'vibration.rms': 'g', 'vibration.peak': 'g', health_score: '0-100', spectrum: 'g' },
};
const small = { robot_id: 'robot-001', gateway_id: 'gw-bench', site: 'main', ts: new Date().toISOString(), temperature: 41.2, vibration: { rms: 0.2531, peak: 0.6012 }, health_score: 77.2, status: 'ok' };

function makeUplink(url: string, outbox: Record<string, unknown>) {
  const stateDir = mkdtempSync(join(tmpdir(), 'fabwatch-bench-'));
  const config = validateConfig({ gateway: { id: 'gw-bench', stateDir }, mqtt: { url, clientId: `bench-${Math.random().toString(36).slice(2)}`, outbox: { synchronous, ...outbox }, maxInFlight: Number(process.env.BENCH_MAX_INFLIGHT ?? 8192), commands: { enabled: false } } }, 'bench');
  const state = new GatewayState({ gatewayId: 'gw-bench', site: 'main' }, systemClock);
  return new MqttUplink(config.mqtt, state, systemClock, pino({ level: 'warn' }), { stateDir });
}

/** CPU seconds used so far by a process (utime + stime from /proc), for the broker's share. */
function procCpuS(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

async function sustained(url: string, brokerPid: number): Promise<void> {
  const up = makeUplink(url, { replayRatePerS: 0 });
  await up.start();
  while (!up.connected) await sleep(20);
  const body = payloadKind === 'telemetry' ? telemetry : small;
  const topics = Array.from({ length: 8 }, (_, i) => `factory/main/robot-${i}/telemetry`);
  const tickMs = 10;
  const perTick = Math.round((offered * tickMs) / 1000);
  let produced = 0;
  const cpu0 = process.cpuUsage();
  const b0 = procCpuS(brokerPid);
  const t0 = performance.now();
  const p0 = up.status().published;
  let maxBacklog = 0;
  let inflightSum = 0;
  let ticks = 0;
  while (performance.now() - t0 < seconds * 1000) {
    const due = Math.floor(((performance.now() - t0) / tickMs) * perTick);
    while (produced < due) up.publish(topics[produced++ % topics.length], body, 'telemetry');
    maxBacklog = Math.max(maxBacklog, up.status().queued);
    inflightSum += up.status().in_flight;
    ticks++;
    await sleep(tickMs);
  }
  const dt = (performance.now() - t0) / 1000;
  const acked = up.status().published - p0;
  const backlog = up.status().queued;
  const cpu = process.cpuUsage(cpu0);
  const usPerMsg = (cpu.user + cpu.system) / Math.max(1, acked);
  const brokerUs = ((procCpuS(brokerPid) - b0) * 1e6) / Math.max(1, acked);
  const bytes = Buffer.byteLength(JSON.stringify({ ...body, seq: 1, replayed: false }));
  console.log(`sustained: offered ${offered} msg/s x ${seconds} s (${bytes} B payload, QoS 1, MQTT 5, window ${up.status().in_flight >= 0 ? brokerInflight : ''}, outbox sqlite WAL synchronous=${synchronous}): ` +
    `${Math.round(produced / dt)} msg/s produced, ${Math.round(acked / dt)} msg/s PUBACKed, backlog at end ${backlog} (max ${maxBacklog}) -> ${acked >= 0.97 * produced ? 'SUSTAINED' : 'NOT sustained (backlog grows)'}`);
  console.log(`  CPU per acknowledged message: fabwatch ${usPerMsg.toFixed(1)} us (produce + outbox commit + publish + PUBACK + delete; one core = ~${Math.round(1e6 / usPerMsg)} msg/s), mosquitto ${brokerUs.toFixed(1)} us; machine load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores; mean in flight ${Math.round(inflightSum / Math.max(1, ticks))}`);
  await up.stop();
}

async function drain(url: string, label: string, messages: number, replayRatePerS: number): Promise<void> {
  const up = makeUplink(url, { replayRatePerS });
  // Produced while "offline": the uplink is not started, so everything is stored and flagged replayed.
  const topics = ['robot-001', 'robot-002', 'robot-003', 'robot-004'].map((r) => `factory/main/${r}/telemetry`);
  const tp = performance.now();
  for (let i = 0; i < messages; i++) up.publish(topics[i % 4], telemetry, 'telemetry');
  up.outbox.flush();
  const storeMs = performance.now() - tp;
  const t0 = performance.now();
  await up.start();
  while (up.status().queued > 0 && performance.now() - t0 < 60_000) await sleep(20);
  const dt = (performance.now() - t0) / 1000;
  console.log(`drain ${label}: ${messages} stored telemetry messages (${Buffer.byteLength(JSON.stringify(telemetry))} B) written in ${(storeMs / 1000).toFixed(2)} s; ` +
    `replayed in ${dt.toFixed(2)} s at replayRatePerS=${replayRatePerS || 'unlimited'} = ${Math.round(messages / dt)} msg/s (left: ${up.status().queued})`);
  await up.stop();
}

const broker = await startBroker({ extraConfig: `max_inflight_messages ${brokerInflight}\n${process.env.BENCH_BROKER_EXTRA ?? ""}` });
try {
  await sustained(broker.url, broker.proc.pid!);
  if (process.env.BENCH_SKIP_DRAIN) process.exit(0);
  // 1 h of the simulated gateway: 4 robots x one 2048-sample window per 1.28 s.
  const hour = Math.round((4 * 3600) / 1.28);
  await drain(broker.url, '1 h of 4 robots, default rate', hour, 2000);
  await drain(broker.url, '1 h of 4 robots, unlimited', hour, 0);
  await drain(broker.url, 'large backlog, unlimited', 100_000, 0);
} finally {
  await broker.stop();
}
