/**
 * Load test of the local API, on loopback only and bounded in count and time: fabwatch runs as a
 * child process in simulated mode (real clock, MQTT off) while 50 WebSocket clients receive every
 * frame and ping once a second, and a REST loop (4 concurrent requests) cycles through the read
 * endpoints plus a command now and then. Reports REST and WebSocket ping latency (p50/p99), the
 * gateway's RSS, and whether sampling kept its cadence (rate and lost samples from /metrics,
 * under load versus idle).
 *
 *   node --import tsx bench/api-load.ts [seconds=15] [clients=50] [rest_req_per_s=40 | 0 = as fast as possible]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir, loadavg, cpus } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import WebSocket from 'ws';
import { parseConfigText } from '../src/config/load.js';
import { hashToken } from '../src/api/token-hash.js';
import { startGatewayProcess, repoRoot } from '../test/helpers/gateway-process.js';

const seconds = Math.min(Number(process.argv[2] ?? 15), 20);
const nClients = Math.min(Number(process.argv[3] ?? 50), 200);
const restRate = Number(process.argv[4] ?? 40);
const TOKEN = 'bench-token-0123456789abcdef';

const pct = (xs: number[], p: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const r2 = (v: number) => Math.round(v * 100) / 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function sampling(base: string): Promise<{ acquired: number; lost: number; windows: number; at: number }> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const sum = (name: string) => [...text.matchAll(new RegExp(`^${name}\\{[^}]*\\} (\\d+)`, 'gm'))].reduce((a, m) => a + Number(m[1]), 0);
  return { acquired: sum('fabwatch_samples_acquired_total'), lost: sum('fabwatch_samples_lost_total'), windows: sum('fabwatch_windows_total'), at: performance.now() };
}

const cadence = (a: Awaited<ReturnType<typeof sampling>>, b: Awaited<ReturnType<typeof sampling>>, robots: number) => {
  const s = (b.at - a.at) / 1000;
  return { seconds: r2(s), rate_hz_per_sensor: r2((b.acquired - a.acquired) / s / robots), lost_samples: b.lost - a.lost, lost_pct: r2((100 * (b.lost - a.lost)) / Math.max(1, b.acquired - a.acquired + b.lost - a.lost)), windows: b.windows - a.windows };
};

async function main(): Promise<void> {
  const raw = parseConfigText(readFileSync(join(repoRoot, 'config/simulated.yaml'), 'utf8'), 'simulated.yaml') as Record<string, any>;
  raw.mqtt = { enabled: false };
  raw.api.auth = { read: 'open', tokens: [{ name: 'bench', role: 'technician', hash: await hashToken(TOKEN) }] };
  raw.api.commandRateLimit = { max: 1000, windowS: 60 };
  raw.api.readRateLimit = { max: 1_000_000, windowS: 60 }; // measures the reads themselves, not the per-address limit
  raw.log = { level: 'warn' };
  const robots = raw.robots.length as number;
  const cfg = join(tmpdir(), `fabwatch-bench-${process.pid}.yaml`);
  writeFileSync(cfg, stringify(raw));
  const gw = await startGatewayProcess({ config: cfg, env: { LOG_LEVEL: 'info' } });
  const base = `http://127.0.0.1:${gw.rest}`;
  const pid = gw.proc.pid!;
  try {
    await sleep(3000); // first windows, page bundle warm-up
    const idle0 = await sampling(base);
    const rssIdle = rssMiB(pid);
    await sleep(5000);
    const idle1 = await sampling(base);

    // 50 WebSocket clients: every frame received, a ping each second (round trip measured).
    const wsRtt: number[] = [];
    let frames = 0;
    let bytes = 0;
    const clients = await Promise.all(
      Array.from({ length: nClients }, (_, i) =>
        new Promise<WebSocket>((resolve, reject) => {
          const ws = new WebSocket(i % 2 ? `ws://127.0.0.1:${gw.ws}` : `ws://127.0.0.1:${gw.rest}/ws`);
          ws.on('message', (d) => {
            frames++;
            bytes += (d as Buffer).length;
            const s = d.toString();
            if (s.startsWith('{"type":"pong"')) wsRtt.push(performance.now() - JSON.parse(s).payload.echo);
          });
          ws.once('open', () => resolve(ws));
          ws.once('error', reject);
        }),
      ),
    );
    const pinger = setInterval(() => {
      for (const ws of clients) ws.send(JSON.stringify({ type: 'ping', payload: performance.now() }));
    }, 1000);

    // REST loop: 4 concurrent workers over the read endpoints, a command every 25th request.
    const paths = ['/api/robots', '/api/robots/robot-002', '/api/telemetry/latest?limit=20', '/api/robots/robot-003/history?fields=vibration.rms,health_score', '/api/cleanroom/status', '/health', '/metrics'];
    const restMs: number[] = [];
    const byPath = new Map<string, number[]>();
    let errors = 0;
    let n = 0;
    const load0 = await sampling(base);
    let rssPeak = rssMiB(pid);
    const rssTimer = setInterval(() => (rssPeak = Math.max(rssPeak, rssMiB(pid))), 500);
    const start = performance.now();
    const end = start + seconds * 1000;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (performance.now() < end) {
          const i = n++;
          // Paced: request i starts at start + i/rate (a dashboard polling), or back to back.
          if (restRate > 0) {
            const at = start + (i * 1000) / restRate;
            if (at >= end) break;
            if (at > performance.now()) await sleep(at - performance.now());
          }
          const command = i % 25 === 24;
          const path = command ? 'POST command' : paths[i % paths.length];
          const t0 = performance.now();
          const res = command
            ? await fetch(`${base}/api/robots/robot-001/command`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ command: 'set_maintenance_mode', parameters: { enabled: i % 2 === 0 } }) })
            : await fetch(base + path);
          await res.arrayBuffer();
          const dt = performance.now() - t0;
          if (!res.ok) errors++;
          restMs.push(dt);
          (byPath.get(path) ?? byPath.set(path, []).get(path)!).push(dt);
        }
      }),
    );
    const load1 = await sampling(base);
    clearInterval(pinger);
    clearInterval(rssTimer);
    const rssEnd = rssMiB(pid);
    const stillOpen = clients.filter((c) => c.readyState === WebSocket.OPEN).length;
    for (const c of clients) c.close();

    const result = {
      machine: { node: process.version, cpus: cpus().length, loadavg_1m_at_end: r2(loadavg()[0]), note: 'gateway, load generator and any other jobs share the machine' },
      load: { seconds, ws_clients: nClients, ws_clients_open_at_end: stillOpen, rest_concurrency: 4, rest_target_req_per_s: restRate || 'unpaced' },
      rest: { requests: restMs.length, errors, req_per_s: r2(restMs.length / seconds), p50_ms: r2(pct(restMs, 50)), p99_ms: r2(pct(restMs, 99)), max_ms: r2(Math.max(...restMs)) },
      rest_by_path: Object.fromEntries([...byPath].map(([p, xs]) => [p, { n: xs.length, p50_ms: r2(pct(xs, 50)), p99_ms: r2(pct(xs, 99)) }])),
      ws: { frames_received: frames, mib_received: r2(bytes / 2 ** 20), pings: wsRtt.length, ping_p50_ms: r2(pct(wsRtt, 50)), ping_p99_ms: r2(pct(wsRtt, 99)) },
      gateway_rss_mib: { idle: r2(rssIdle), peak_under_load: r2(rssPeak), end: r2(rssEnd) },
      sampling: { nominal_hz: 1600, idle: cadence(idle0, idle1, robots), under_load: cadence(load0, load1, robots) },
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await gw.stop('SIGTERM');
  }
}

await main();
