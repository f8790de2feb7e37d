import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { repoRoot } from './gateway-process.js';
import { makeTelemetry } from './telemetry.js';
import { freePort } from '../../simulators/free-port.js';

/**
 * Mosquitto settings docs/historian.md asks for: no cap on a session's queue, and an in-flight
 * window at least the workers' receive maximum (as bench/ingest.ts uses).
 */
export const BROKER_CONF = 'max_queued_messages 0\nmax_inflight_messages 10000\n';

export interface IngestProcess {
  proc: ChildProcess;
  port: number;
  logs: string[];
  exited: Promise<number | string>;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
  health(): Promise<{ code: number; body: any }>;
}

/**
 * Run `fabwatch ingest` as a child process (as systemd does) with a config file holding `ingest`;
 * resolves once it logs 'ingest: running' (or, with waitRunning: false, once /health answers).
 */
export async function startIngestProcess(opts: { db: string; mqtt: string; instance?: number; ingest?: Record<string, unknown>; clientId?: string; waitRunning?: boolean; timeoutMs?: number; nodeArgs?: string[] }): Promise<IngestProcess> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'fabwatch-ingest-'));
  const file = join(dir, 'ingest.json');
  const instance = opts.instance ?? 1;
  writeFileSync(
    file,
    JSON.stringify({
      ingest: { http: { port: port - instance + 1 }, mqtt: { clientId: opts.clientId ?? 'test-ingest', reconnectMs: 200 }, retry: { minMs: 100, maxMs: 1000 }, ...opts.ingest },
      log: { level: 'info', pretty: false },
    }),
  );
  const args = [...(opts.nodeArgs ?? []), '--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), 'ingest', '--config', file, '--db', opts.db, '--mqtt', opts.mqtt, '--instance', String(instance)];
  const proc = spawn(process.execPath, args, { cwd: repoRoot, env: { ...process.env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: string[] = [];
  const exited = new Promise<number | string>((resolve) => proc.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  let buf = '';
  const wanted = opts.waitRunning === false ? 'ingest: starting' : 'ingest: running';
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ingest did not log "${wanted}" within ${opts.timeoutMs ?? 30000} ms:\n${logs.join('\n')}`)), opts.timeoutMs ?? 30000);
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        logs.push(line);
        if (line.includes(`"msg":"${wanted}"`)) {
          clearTimeout(timer);
          resolve();
        }
      }
    });
    proc.stderr!.on('data', (d: Buffer) => logs.push(d.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`ingest exited (${code}) before it was ready:\n${logs.join('\n')}`));
    });
  });
  await ready;
  return {
    proc,
    port,
    logs,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
    async health() {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      return { code: res.status, body: await res.json() };
    },
  };
}

/**
 * A synthetic fleet: `gateways` x `robots` telemetry streams published QoS 1 at about `ratePerS`
 * messages/s in total, each stream with seq 1.., payloads valid per docs/schemas/telemetry.json.
 * Returns the number of messages per stream once every PUBACK came back. Throws if the broker
 * answered any publish with reason code 0x10 "no matching subscribers": it discarded that message
 * because no worker's subscription existed yet (publishing before the workers are subscribed is a
 * test bug, not an ingest loss; it was the cause of the lost messages in ingest-failures, see
 * docs/historian.md).
 */
export async function publishFleet(opts: { url: string; gateways: number; robots: number; perStream: number; ratePerS: number; replayed?: boolean; firstSeq?: number; onProgress?: (sent: number) => void }): Promise<number> {
  const client = await mqtt.connectAsync(opts.url, { protocolVersion: 5, clientId: `fleet-pub-${process.pid}-${Math.random().toString(16).slice(2, 8)}`, clean: true });
  const total = opts.gateways * opts.robots * opts.perStream;
  const tickMs = 20;
  const perTick = Math.max(1, Math.round((opts.ratePerS * tickMs) / 1000));
  let sent = 0;
  let noSubscriber = 0;
  client.on('packetreceive', (p) => {
    if (p.cmd === 'puback' && p.reasonCode === 0x10) noSubscriber++;
  });
  const pubs: Array<Promise<unknown>> = [];
  const first = opts.firstSeq ?? 1;
  for (let i = 0; i < opts.perStream; i++) {
    for (let g = 0; g < opts.gateways; g++) {
      for (let r = 0; r < opts.robots; r++) {
        const gw = `gw-${String(g + 1).padStart(3, '0')}`;
        const robot = `robot-${String(r + 1).padStart(3, '0')}`;
        const body = { ...makeTelemetry(robot, Date.now(), 0.1 + r * 0.05, { gateway_id: gw }), seq: first + i, replayed: opts.replayed ?? false };
        pubs.push(client.publishAsync(`factory/main/${robot}/telemetry`, JSON.stringify(body), { qos: 1 }));
        sent++;
        if (sent % perTick === 0) {
          opts.onProgress?.(sent);
          await new Promise((res) => setTimeout(res, tickMs));
        }
      }
    }
  }
  await Promise.all(pubs);
  await client.endAsync();
  if (noSubscriber) throw new Error(`publishFleet: the broker discarded ${noSubscriber} of ${total} message(s): PUBACK 0x10 "no matching subscribers" (published before any worker had subscribed)`);
  return total / (opts.gateways * opts.robots);
}

export function writeJson(dir: string, name: string, v: unknown): string {
  const f = join(dir, name);
  writeFileSync(f, JSON.stringify(v));
  return f;
}
