/**
 * Bytes per hour that one technician-page tab costs, before and after issue 17's weight work,
 * measured on the wire against the simulated gateway (a child process, real clock, MQTT off).
 * Two emulated tabs run side by side against the same gateway for N minutes:
 *
 *   before: the page's old traffic — WebSocket with the default `all` subscription (every robot's
 *           telemetry and state, spectra included), /health + /api/cleanroom/status every 5 s
 *           without compression, and per robot click the history with every field
 *           (`?from=<1 h ago>&max_points=400`);
 *   after:  the page now — WebSocket `summary` + the selected robot, the same polls with
 *           `Accept-Encoding: br, gzip`, and per click `/api/robots/:id` plus the history with the
 *           three plotted fields decimated to the chart's width (`&fields=...&max_points=600`).
 *
 *   after + deflate: the same with permessage-deflate negotiated (as Chromium offers it).
 *
 * Counted: WebSocket bytes read from the socket after the handshake (frames as they came, deflated
 * when negotiated) and HTTP response bytes as received (status line + headers + body, compressed
 * when it was). The CPU that deflating costs the gateway is estimated by running the frames the
 * plain "after" tab received through a raw deflate stream with the gateway's settings (WS_DEFLATE:
 * 8 KiB window, memLevel 6, context takeover, one sync flush per message as RFC 7692 does).
 *
 *   node --import tsx bench/page-weight.ts [minutes=5] [clicks_per_hour=30]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { constants, createDeflateRaw } from 'node:zlib';
import { stringify } from 'yaml';
import WebSocket from 'ws';
import { parseConfigText } from '../src/config/load.js';
import { WS_DEFLATE } from '../src/api/server.js';
import { startGatewayProcess, repoRoot } from '../test/helpers/gateway-process.js';

const minutes = Math.max(0.5, Math.min(Number(process.argv[2] ?? 5), 60));
const clicksPerHour = Number(process.argv[3] ?? 30);
const HISTORY_FIELDS = 'vibration.rms,vibration.velocity_rms_mm_s,health_score';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const kib = (b: number) => Math.round(b / 102.4) / 10;
const mib = (b: number) => Math.round(b / 104857.6) / 10;

/** One GET; the bytes of the response as they came over the socket (headers + body, not decoded). */
function get(base: string, path: string, compressed: boolean): Promise<{ status: number; bytes: number; encoding: string }> {
  return new Promise((resolve, reject) => {
    const req = request(base + path, { headers: compressed ? { 'accept-encoding': 'br, gzip' } : {}, agent: false }, (res) => {
      let bytes = `HTTP/1.1 ${res.statusCode} ${res.statusMessage}\r\n`.length + 2;
      for (let i = 0; i < res.rawHeaders.length; i += 2) bytes += res.rawHeaders[i].length + res.rawHeaders[i + 1].length + 4;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, encoding: String(res.headers['content-encoding'] ?? 'identity') }));
    });
    req.on('error', reject);
    req.end();
  });
}

interface Tab {
  name: string;
  ws: WebSocket;
  /** Socket bytes read when the connection opened (the handshake, often with the init frame). */
  handshake: number;
  initBytes: number;
  frames: number;
  /** The subscription the gateway last confirmed (checked at the end: the emulation must match the page). */
  channels: unknown[];
  /** The CPU that deflating this tab's frames took (the plain "after" tab only). */
  deflateCpuUs: number;
  http: { polls: number; pollBytes: number; clicks: number; clickBytes: number };
  pending: Promise<void>;
}

const socketBytes = (ws: WebSocket) => ((ws as unknown as { _socket: { bytesRead: number } })._socket?.bytesRead ?? 0);

function openTab(name: string, url: string, channels: string[], o: { deflate: boolean; estimateCpu: boolean }): Promise<Tab> {
  const ws = new WebSocket(url, { perMessageDeflate: o.deflate ? { clientMaxWindowBits: 15 } : false });
  const deflate = createDeflateRaw({ level: WS_DEFLATE.zlibDeflateOptions.level, windowBits: WS_DEFLATE.serverMaxWindowBits, memLevel: WS_DEFLATE.zlibDeflateOptions.memLevel });
  const tab: Tab = { name, ws, channels: [], handshake: 0, initBytes: 0, frames: 0, deflateCpuUs: 0, http: { polls: 0, pollBytes: 0, clicks: 0, clickBytes: 0 }, pending: Promise.resolve() };
  ws.on('message', (data: Buffer) => {
    const head = data.subarray(0, 24).toString();
    if (head.startsWith('{"type":"subscribed"')) tab.channels = (JSON.parse(data.toString()) as { payload: { channels: unknown[] } }).payload.channels;
    if (head.startsWith('{"type":"init",')) {
      // (Its bytes often arrive in the same read as the handshake: its size as a message instead.)
      tab.initBytes = data.length;
      for (const c of channels) ws.send(JSON.stringify({ type: 'subscribe', channel: c }));
      return;
    }
    tab.frames++;
    if (!o.estimateCpu || data.length < WS_DEFLATE.threshold) return;
    // RFC 7692: each message deflated with a sync flush, the trailing 00 00 ff ff dropped; the
    // window carries over between messages (context takeover, the default).
    tab.pending = tab.pending.then(
      () =>
        new Promise<void>((resolve) => {
          const cpu = process.cpuUsage();
          deflate.write(data);
          deflate.flush(constants.Z_SYNC_FLUSH, () => {
            while (deflate.read() !== null);
            const u = process.cpuUsage(cpu);
            tab.deflateCpuUs += u.user + u.system;
            resolve();
          });
        }),
    );
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      tab.handshake = socketBytes(ws);
      resolve(tab);
    });
    ws.once('error', reject);
  });
}

async function main(): Promise<void> {
  const raw = parseConfigText(readFileSync(join(repoRoot, 'config/simulated.yaml'), 'utf8'), 'simulated.yaml') as Record<string, any>;
  raw.mqtt = { enabled: false };
  raw.api.readRateLimit = { max: 100_000, windowS: 60 };
  raw.log = { level: 'warn' };
  const cfg = join(tmpdir(), `fabwatch-page-weight-${process.pid}.yaml`);
  writeFileSync(cfg, stringify(raw));
  const gw = await startGatewayProcess({ config: cfg, env: { LOG_LEVEL: 'info' } });
  const base = `http://127.0.0.1:${gw.rest}`;
  const robots: string[] = raw.robots.map((r: { id: string }) => r.id);
  try {
    const page = { html: await get(base, '/', true), js: await get(base, '/app.js', true) };
    const ws = `ws://127.0.0.1:${gw.rest}/ws`;
    const before = await openTab('before', ws, [], { deflate: false, estimateCpu: false });
    const after = await openTab('after', ws, ['summary', `robot:${robots[0]}`], { deflate: false, estimateCpu: true });
    const zipped = await openTab('after + deflate', ws, ['summary', `robot:${robots[0]}`], { deflate: true, estimateCpu: false });
    const tabs = [before, after, zipped];
    const started = Date.now();
    const endAt = started + minutes * 60_000;
    const clickEvery = clicksPerHour > 0 ? 3_600_000 / clicksPerHour : Infinity;
    let nextPoll = started;
    let nextClick = started + 30_000;
    let clickNo = 0;
    while (Date.now() < endAt) {
      if (Date.now() >= nextPoll) {
        nextPoll += 5000;
        for (const tab of tabs) {
          const compressed = tab !== before;
          for (const path of ['/health', '/api/cleanroom/status']) {
            const r = await get(base, path, compressed);
            tab.http.polls++;
            tab.http.pollBytes += r.bytes;
          }
        }
      }
      if (Date.now() >= nextClick) {
        nextClick += clickEvery;
        const id = robots[++clickNo % robots.length];
        const from = Date.now() - 3_600_000;
        const old = await get(base, `/api/robots/${id}/history?from=${from}&max_points=400`, false);
        before.http.clicks++;
        before.http.clickBytes += old.bytes;
        for (const tab of [after, zipped]) {
          tab.ws.send(JSON.stringify({ type: 'unsubscribe', channel: `robot:${robots[(clickNo - 1) % robots.length]}` }));
          tab.ws.send(JSON.stringify({ type: 'subscribe', channel: `robot:${id}` }));
          const state = await get(base, `/api/robots/${id}`, true);
          const hist = await get(base, `/api/robots/${id}/history?from=${from}&fields=${HISTORY_FIELDS}&max_points=600`, true);
          tab.http.clicks++;
          tab.http.clickBytes += state.bytes + hist.bytes;
        }
      }
      await sleep(250);
    }
    const elapsedH = (Date.now() - started) / 3_600_000;
    await Promise.all(tabs.map((t) => t.pending));
    // Socket bytes after the first read, which holds the handshake and usually the init frame.
    const wsBytes = new Map(tabs.map((t) => [t, socketBytes(t.ws) - t.handshake]));
    // The last click's answers, i.e. with the history as full as it got in this run.
    const from = Date.now() - 3_600_000;
    const lastOld = await get(base, `/api/robots/${robots[1]}/history?from=${from}&max_points=400`, false);
    const lastNew = await get(base, `/api/robots/${robots[1]}/history?from=${from}&fields=${HISTORY_FIELDS}&max_points=600`, true);
    const lastState = await get(base, `/api/robots/${robots[1]}`, true);
    const points = (await (await fetch(`${base}/api/robots/${robots[1]}/history?from=${from}&fields=health_score&max_points=5000`)).json()) as { points: unknown[] };
    const perHour = (b: number) => b / elapsedH;
    const row = (t: Tab) => ({
      tab: t.name,
      ws_frames: t.frames,
      ws_MiB_per_h: mib(perHour(wsBytes.get(t)!)),
      polls_MiB_per_h: mib(perHour(t.http.pollBytes)),
      clicks: t.http.clicks,
      clicks_MiB_per_h: mib(perHour(t.http.clickBytes)),
      total_MiB_per_h: mib(perHour(wsBytes.get(t)! + t.http.pollBytes + t.http.clickBytes)),
      init_KiB_inflated: kib(t.initBytes),
    });
    console.table(tabs.map(row));
    console.log(
      JSON.stringify(
        {
          minutes: Math.round(elapsedH * 600) / 10,
          clicks_per_hour: clicksPerHour,
          page_load_KiB: kib(page.html.bytes + page.js.bytes),
          history_records_in_last_hour: points.points.length,
          one_click_before_KiB: kib(lastOld.bytes),
          one_click_after_KiB: kib(lastNew.bytes + lastState.bytes),
          one_click_after_encoding: lastNew.encoding,
          deflate_cpu_ms_per_tab_hour: Math.round(perHour(after.deflateCpuUs) / 1000),
          after_channels: after.channels,
          after_deflate_extension: zipped.ws.extensions,
          loadavg_1min: Math.round(loadavg()[0] * 100) / 100,
          node: process.version,
        },
        null,
        1,
      ),
    );
    for (const t of tabs) t.ws.close();
  } finally {
    await gw.stop('SIGTERM');
  }
}

await main();
