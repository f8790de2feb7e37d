/**
 * Ingest capacity without the simulated gateways in the way: the workers subscribe (their
 * persistent sessions exist), stop, a light publisher queues M full-size telemetry messages at the
 * broker for their shared subscription, then the workers start again and drain the backlog into
 * PostgreSQL. The committed rows/s between 10 % and 90 % of the backlog, and CPU per 1 000 rows of
 * the workers, PostgreSQL and Mosquitto in that window, are what the ingest side can do on this
 * machine; on the end-to-end run the 200 simulated gateways' own CPU caps what is offered.
 *
 * Run: npm run bench:ingest -- --drain [--messages 60000] [--workers 2] [--gateways 200] [--robots 4]
 */
import { cpus, loadavg } from 'node:os';
import mqtt from 'mqtt';
import pg from 'pg';
import { cpuS, record, treeCpuS } from './ingest-common.js';
import { startBroker } from '../test/helpers/mosquitto.js';
import type { PgCluster } from '../test/helpers/postgres.js';
import { startIngestProcess, type IngestProcess } from '../test/helpers/ingest.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface DrainOptions {
  workers: number;
  messages: number;
  gateways: number;
  robots: number;
  /** Rows per ingest batch (ingest.batch.maxMessages). */
  batch: number;
  postmasterPid: number;
}

/** Queue the backlog: QoS 1, two connections, every PUBACK awaited; fails on PUBACK 0x10 (no subscriber). */
async function queueBacklog(url: string, o: DrainOptions): Promise<number> {
  const conns = await Promise.all([0, 1].map((k) => mqtt.connectAsync(url, { protocolVersion: 5, clientId: `drain-pub-${k}`, clean: true })));
  let noSubscriber = 0;
  for (const c of conns) c.on('packetreceive', (p) => void (p.cmd === 'puback' && p.reasonCode === 0x10 && noSubscriber++));
  const streams = o.gateways * o.robots;
  const t0 = performance.now();
  let pending: Array<Promise<unknown>> = [];
  for (let n = 0; n < o.messages; n++) {
    const s = n % streams;
    const gw = `gw-${String(Math.floor(s / o.robots) + 1).padStart(3, '0')}`;
    const robot = `robot-${String((s % o.robots) + 1).padStart(3, '0')}`;
    const seq = Math.floor(n / streams) + 1;
    const body = { ...record(gw, robot, seq), seq, replayed: false };
    pending.push(conns[n % 2].publishAsync(`factory/main/${robot}/telemetry`, JSON.stringify(body), { qos: 1 }));
    if (pending.length >= 2000) {
      await Promise.all(pending);
      pending = [];
    }
  }
  await Promise.all(pending);
  await Promise.all(conns.map((c) => c.endAsync()));
  if (noSubscriber) throw new Error(`the broker discarded ${noSubscriber} message(s) with no subscriber`);
  return (o.messages / (performance.now() - t0)) * 1000;
}

export async function drainRun(cluster: PgCluster, o: DrainOptions): Promise<void> {
  const dbName = `bench_drain_w${o.workers}_${Date.now()}`;
  await cluster.query(`CREATE DATABASE ${dbName}`);
  const dbUrl = cluster.url.replace(/\/postgres$/, `/${dbName}`);
  const broker = await startBroker({ extraConfig: 'max_inflight_messages 10000\nmax_queued_messages 0\nset_tcp_nodelay true\n' });
  const c = new pg.Client({ connectionString: dbUrl });
  let workers: IngestProcess[] = [];
  const start = () => Promise.all(Array.from({ length: o.workers }, (_, i) => startIngestProcess({ db: dbUrl, mqtt: broker.url, instance: i + 1, clientId: 'bench-ingest', ingest: { batch: { maxMessages: o.batch, maxDelayMs: 50 } } })));
  try {
    workers = await start(); // subscribed: their sessions now hold the shared subscription
    await Promise.all(workers.map((w) => w.stop('SIGTERM')));
    const pubRate = await queueBacklog(broker.url, o);
    await c.connect();
    const count = async () => Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM telemetry')).rows[0].n);
    const load0 = loadavg()[0];
    workers = await start();
    const cpuNow = () => ({ w: workers.reduce((s, w) => s + cpuS(w.proc.pid!), 0), pg: treeCpuS(o.postmasterPid), mq: cpuS(broker.proc.pid!) });
    type Mark = { t: number; n: number; cpu: ReturnType<typeof cpuNow> };
    let lo: Mark | null = null;
    let hi: Mark | null = null;
    const deadline = performance.now() + 300_000;
    for (let n = await count(); n < o.messages && performance.now() < deadline; n = await count()) {
      const t = performance.now();
      if (!lo && n >= 0.1 * o.messages) lo = { t, n, cpu: cpuNow() };
      if (lo && !hi && n >= 0.9 * o.messages) hi = { t, n, cpu: cpuNow() };
      await sleep(100);
    }
    const end = { t: performance.now(), n: await count(), cpu: cpuNow() };
    const top: Mark = hi ?? end;
    if (!lo) throw new Error(`the backlog was not drained: ${end.n} of ${o.messages} rows`);
    const rows = top.n - lo.n;
    const rate = (rows / (top.t - lo.t)) * 1000;
    const per1k = (d: number) => ((d * 1000) / rows) * 1000;
    const [chk] = (await c.query<{ n: string; keys: string }>('SELECT count(*) AS n, count(DISTINCT (gateway_id, topic, seq)) AS keys FROM telemetry')).rows;
    const gaps = Number((await c.query<{ n: string }>('SELECT coalesce(sum(missing), 0) AS n FROM stream_gaps')).rows[0].n);
    const shares = (await Promise.all(workers.map((w) => w.health()))).map((h) => h.body.messages.committed as number);
    console.log(
      `drain, ${o.workers} worker(s), batch ${o.batch}: backlog of ${o.messages} telemetry messages (${o.gateways} gateways x ${o.robots} robots, queued at ${Math.round(pubRate)} msg/s) -> ` +
        `committed ${Math.round(rate)} rows/s between 10 % and 90 % of it; CPU per 1000 rows: ingest workers ${per1k(top.cpu.w - lo.cpu.w).toFixed(1)} ms, PostgreSQL ${per1k(top.cpu.pg - lo.cpu.pg).toFixed(1)} ms, Mosquitto ${per1k(top.cpu.mq - lo.cpu.mq).toFixed(1)} ms; ` +
        `shares ${shares.join(' / ')}; ${chk.n} rows, ${chk.keys} distinct keys, missing (stream_gaps) ${gaps}; load average ${load0.toFixed(1)} -> ${loadavg()[0].toFixed(1)} on ${cpus().length} cores`,
    );
  } finally {
    await Promise.all(workers.map((w) => w.stop('SIGTERM')));
    await c.end().catch(() => {});
    await broker.stop();
  }
}
