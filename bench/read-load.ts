/**
 * Do heavy reads stall sampling? fabwatch runs as a child process in simulated mode (real clock,
 * MQTT off) on a history pre-filled with `prefill` rows; then `readers` concurrent clients loop
 * the heaviest reads back to back (history from=0 with max_points=5000, and latest?limit=200, its maximum)
 * for `seconds`. Prints the samples lost (FIFO overruns while the event loop was busy) idle and
 * under load, from /metrics, and the read throughput. The per-address read rate limit is raised
 * so that the reads themselves are measured (with the default limit a reader gets 429s instead).
 *
 *   node --import tsx bench/read-load.ts [seconds=20] [readers=4] [prefill=50000]
 */
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir, loadavg, cpus } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import pino from 'pino';
import { parseConfigText } from '../src/config/load.js';
import { GatewayState } from '../src/state/gateway-state.js';
import { TelemetryHistory } from '../src/store/history.js';
import { systemClock } from '../src/core/clock.js';
import type { TelemetryRecord } from '../src/state/types.js';
import { startGatewayProcess, repoRoot } from '../test/helpers/gateway-process.js';

const seconds = Math.min(Number(process.argv[2] ?? 20), 60);
const readers = Math.min(Number(process.argv[3] ?? 4), 16);
const prefill = Math.min(Number(process.argv[4] ?? 50_000), 500_000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const r3 = (v: number) => Math.round(v * 1000) / 1000;

async function sampling(base: string): Promise<{ acquired: number; lost: number; lag_p99_ms: number; lag_max_ms: number; worker_delay_p99_ms: number; worker_delay_max_ms: number }> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const sum = (name: string) => [...text.matchAll(new RegExp(`^${name}\\{[^}]*\\} (\\d+)`, 'gm'))].reduce((a, m) => a + Number(m[1]), 0);
  // Event-loop lag since the previous scrape (prom-client resets its histogram at each scrape): long blocking steps vs a starved process.
  const gauge = (name: string) => Math.round(1000 * Number(new RegExp(`^${name} ([0-9.e+-]+)`, 'm').exec(text)?.[1] ?? NaN));
  // The acquisition worker's event-loop delay since start (acquisition.thread: worker; NaN without one).
  const worker = (q: string) => Math.round(1000 * Number(new RegExp(`^fabwatch_event_loop_delay_seconds\\{thread="acquisition",quantile="${q}"\\} ([0-9.e+-]+)`, 'm').exec(text)?.[1] ?? NaN));
  return { acquired: sum('fabwatch_samples_acquired_total'), lost: sum('fabwatch_samples_lost_total'), lag_p99_ms: gauge('nodejs_eventloop_lag_p99_seconds'), lag_max_ms: gauge('nodejs_eventloop_lag_max_seconds'), worker_delay_p99_ms: worker('0.99'), worker_delay_max_ms: worker('1') };
}
const lostPct = (a: { acquired: number; lost: number }, b: { acquired: number; lost: number; lag_p99_ms: number; lag_max_ms: number; worker_delay_p99_ms: number; worker_delay_max_ms: number }) => {
  const lost = b.lost - a.lost;
  return { lost, acquired: b.acquired - a.acquired, lost_pct: r3((100 * lost) / Math.max(1, b.acquired - a.acquired + lost)), event_loop_lag_p99_ms: b.lag_p99_ms, event_loop_lag_max_ms: b.lag_max_ms, worker_delay_since_start_p99_ms: b.worker_delay_p99_ms, worker_delay_since_start_max_ms: b.worker_delay_max_ms };
};

/** Rows like the gateway writes, over the last `prefill / 14` seconds (4 robots, ~1.3 s windows). */
async function fillHistory(stateDir: string, robots: string[]): Promise<void> {
  const state = new GatewayState({ gatewayId: 'bench', site: 'main' }, systemClock, 10, robots.map((id) => ({ id })));
  const history = new TelemetryHistory({ enabled: true, retentionHours: 168, maxRows: 500_000, flushIntervalMs: 3_600_000 }, { stateDir, state, clock: systemClock, log: pino({ level: 'silent' }), latestRows: 1000 });
  await history.start();
  const now = Date.now();
  for (let i = 0; i < prefill; i++) {
    const axis = () => ({ rms: Math.random(), peak: Math.random(), kurtosis: 3 + Math.random(), crest: 3 + Math.random() });
    const rec = { robot_id: robots[i % robots.length], gateway_id: 'bench', site: 'main', ts: new Date(now - (prefill - i) * 70).toISOString(), temperature: 40 + Math.random(), vibration: { rms: Math.random(), peak: Math.random(), axes: { x: axis(), y: axis(), z: axis() }, dominant_axis: 'x', sample_rate_hz: 1600, window_samples: 2048, lost_samples: 0 }, health_score: 80, status: 'ok', spectrum: { df_hz: 0.78, band_hz: 12.5, amplitudes: Array.from({ length: 32 }, () => Math.random()), peak_hz: 24, peak_amplitude: 0.2 }, seq: i } as unknown as TelemetryRecord;
    state.emit('telemetry', rec);
    if (i % 5000 === 4999) history.flush();
  }
  await history.stop();
}

async function main(): Promise<void> {
  const raw = parseConfigText(readFileSync(join(repoRoot, 'config/simulated.yaml'), 'utf8'), 'simulated.yaml') as Record<string, any>;
  raw.mqtt = { enabled: false };
  raw.api.readRateLimit = { max: 1_000_000, windowS: 60 };
  raw.history = { ...raw.history, maxRows: 500_000, retentionHours: 168 };
  raw.log = { level: 'warn' };
  const robots = (raw.robots as Array<{ id: string }>).map((r) => r.id);
  const stateDir = mkdtempSync(join(tmpdir(), 'fabwatch-readload-'));
  const t0 = performance.now();
  await fillHistory(stateDir, robots);
  const fillS = (performance.now() - t0) / 1000;
  const cfg = join(stateDir, 'config.yaml');
  writeFileSync(cfg, stringify(raw));
  const gw = await startGatewayProcess({ config: cfg, env: { LOG_LEVEL: 'info', FABWATCH_STATE_DIR: stateDir } });
  const base = `http://127.0.0.1:${gw.rest}`;
  try {
    await sleep(3000);
    const idle0 = await sampling(base);
    await sleep(seconds * 1000);
    const idle1 = await sampling(base);

    const paths = [`/api/robots/${robots[0]}/history?from=0&max_points=5000`, '/api/telemetry/latest?limit=200'];
    const count = new Map<string, number>();
    const ms = new Map<string, number[]>();
    let errors = 0;
    const load0 = await sampling(base);
    const end = performance.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: readers }, async (_, r) => {
        for (let i = r; performance.now() < end; i++) {
          const path = paths[i % paths.length];
          const s = performance.now();
          const res = await fetch(base + path);
          await res.arrayBuffer();
          if (res.status !== 200) errors++;
          count.set(path, (count.get(path) ?? 0) + 1);
          (ms.get(path) ?? ms.set(path, []).get(path)!).push(performance.now() - s);
        }
      }),
    );
    const load1 = await sampling(base);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
    const result = {
      machine: { cpus: cpus().length, loadavg_1m: r3(loadavg()[0]) },
      history_rows: prefill,
      prefill_s: r3(fillS),
      seconds,
      readers,
      idle: lostPct(idle0, idle1),
      under_reads: lostPct(load0, load1),
      requests: Object.fromEntries([...count].map(([p, n]) => [p, { n, per_s: r3(n / seconds), median_ms: Math.round(median(ms.get(p)!)) }])),
      errors,
    };
    console.log(JSON.stringify(result, null, 2));
    console.log(`samples lost with ${readers} heavy readers: ${result.under_reads.lost_pct} % (idle ${result.idle.lost_pct} %); target < 0.1 %`);
  } finally {
    await gw.stop();
  }
}

await main();
