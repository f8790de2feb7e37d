import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import WebSocket from 'ws';
import { parseConfigText, validateConfig } from '../../src/config/load.js';
import type { ApiConfig, FabwatchConfig } from '../../src/config/types.js';
import { hashToken } from '../../src/api/token-hash.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { systemClock, ManualClock } from '../../src/core/clock.js';
import { GatewayState } from '../../src/state/gateway-state.js';
import { CommandService } from '../../src/commands/service.js';
import { robotCommands } from '../../src/commands/robot-commands.js';
import { ApiServer } from '../../src/api/server.js';
import type { HealthReport } from '../../src/status/health-report.js';
import { repoRoot } from './gateway-process.js';

/** Clear-text test tokens; the configs only ever hold their hashes. */
export const TOKENS = { tech: 'tech-token-0123456789abcdef', admin: 'admin-token-0123456789abcdef', viewer: 'viewer-token-0123456789abcdef' };

let hashes: Promise<Array<{ name: string; role: 'viewer' | 'technician' | 'admin'; hash: string }>> | undefined;
/** Token entries as a user configures them (hashed with the same code as `fabwatch hash-token`). */
export function tokenEntries() {
  hashes ??= Promise.all([
    hashToken(TOKENS.tech).then((hash) => ({ name: 'tech-alice', role: 'technician' as const, hash })),
    hashToken(TOKENS.admin).then((hash) => ({ name: 'admin-bob', role: 'admin' as const, hash })),
    hashToken(TOKENS.viewer).then((hash) => ({ name: 'viewer-carol', role: 'viewer' as const, hash })),
  ]);
  return hashes;
}

/** A logger whose JSON lines are kept for assertions (the audit log among them). */
export function captureLogger(): { log: Logger; lines: Array<Record<string, any>> } {
  const lines: Array<Record<string, any>> = [];
  const log = pino({ level: 'debug' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
  return { log, lines };
}

/** config/simulated.yaml with MQTT off, ports 0, a temporary state dir and the given changes. */
export async function simulatedConfig(change: (raw: Record<string, any>) => void = () => undefined): Promise<{ config: FabwatchConfig; stateDir: string }> {
  const raw = parseConfigText(readFileSync(join(repoRoot, 'config/simulated.yaml'), 'utf8'), 'simulated.yaml') as Record<string, any>;
  const stateDir = mkdtempSync(join(tmpdir(), 'fabwatch-api-'));
  raw.gateway.stateDir = stateDir;
  raw.mqtt = { enabled: false };
  // Tests read far faster than a person: the read rate limit has its own test (harden-api).
  raw.api = { ...raw.api, port: 0, wsPort: 0, host: '127.0.0.1', auth: { read: 'open', tokens: await tokenEntries() }, readRateLimit: { max: 1_000_000, windowS: 60 } };
  change(raw);
  return { config: validateConfig(raw, 'test'), stateDir };
}

export interface RunningGateway {
  gw: Gateway;
  base: string;
  ws: string;
  wsRest: string;
  lines: Array<Record<string, any>>;
  clock: ManualClock;
  /** Advance the simulated time by `ms` in small steps, letting the device I/O settle between. */
  pump(ms: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The whole simulated gateway in-process: real drivers against the register-level simulators,
 * real HTTP/WebSocket servers, and a ManualClock so sampling does not depend on how busy the
 * machine running the tests is (time moves only in pump()).
 */
export async function startSimulatedGateway(change?: (raw: Record<string, any>) => void): Promise<RunningGateway> {
  const { config, stateDir } = await simulatedConfig(change);
  const { log, lines } = captureLogger();
  const clock = new ManualClock(Date.now());
  const gw = await createGateway(config, { clock, log });
  await gw.start();
  const { rest, ws } = gw.api!.ports;
  return {
    gw,
    base: `http://127.0.0.1:${rest}`,
    ws: `ws://127.0.0.1:${ws}`,
    wsRest: `ws://127.0.0.1:${rest}/ws`,
    lines,
    clock,
    async pump(ms: number) {
      for (let t = 0; t < ms; t += 5) {
        clock.advance(5);
        await new Promise((r) => setImmediate(r));
      }
    },
    async stop() {
      await gw.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

export interface BareApi {
  api: ApiServer;
  state: GatewayState;
  base: string;
  ws: string;
  lines: Array<Record<string, any>>;
  stop(): Promise<void>;
}

/** Only the API over a state with robots and no devices: for auth variants and backpressure. */
export async function startBareApi(apiChange: Partial<ApiConfig> = {}): Promise<BareApi> {
  const { config, stateDir } = await simulatedConfig();
  rmSync(stateDir, { recursive: true, force: true });
  const { log, lines } = captureLogger();
  const state = new GatewayState({ gatewayId: 'gw-test', site: 'main' }, systemClock, 100, config.robots);
  const audit = log.child({ component: 'audit' });
  const commands = new CommandService({
    clock: systemClock,
    audit,
    robotIds: () => state.robots.keys(),
    definitions: robotCommands({ state, startAcquisition: async () => undefined, stopAcquisition: async () => undefined }),
  });
  const api = new ApiServer({ ...config.api, ...apiChange }, { state, log, audit, health: () => ({ status: 'ok' }) as unknown as HealthReport, commands, clock: systemClock });
  await api.start();
  return { api, state, base: `http://127.0.0.1:${api.ports.rest}`, ws: `ws://127.0.0.1:${api.ports.ws}`, lines, stop: () => api.stop() };
}

export interface Frame {
  type: string;
  payload: any;
}

/** A WebSocket client that records frames and can wait for one. */
export async function wsClient(url: string, opts: WebSocket.ClientOptions = {}): Promise<{ ws: WebSocket; frames: Frame[]; next(pred: (f: Frame) => boolean, timeoutMs?: number): Promise<Frame>; closed: Promise<{ code: number; reason: string }> }> {
  const ws = new WebSocket(url, opts);
  const frames: Frame[] = [];
  const waiters: Array<{ pred: (f: Frame) => boolean; resolve: (f: Frame) => void }> = [];
  ws.on('message', (d) => {
    const f = JSON.parse(d.toString()) as Frame;
    frames.push(f);
    for (const w of [...waiters]) if (w.pred(f)) waiters.splice(waiters.indexOf(w), 1), w.resolve(f);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return {
    ws,
    frames,
    closed,
    next(pred, timeoutMs = 8000) {
      const seen = frames.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise<Frame>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no matching frame within ${timeoutMs} ms; got ${frames.map((f) => f.type).join(',')}`)), timeoutMs);
        waiters.push({ pred, resolve: (f) => (clearTimeout(t), resolve(f)) });
      });
    },
  };
}

export const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: any }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

export async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: any; text: string }> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, body, text };
}
