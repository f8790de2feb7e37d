/**
 * The fleet historian under load, everything real and on this machine: G simulated gateways
 * (each the gateway's own GatewayState -> MqttUplink -> SQLite outbox -> MQTT 5 connection, fed
 * realistic telemetry records of R robots at an accelerated rate) -> a private Mosquitto ->
 * N `fabwatch ingest` worker processes (shared subscription) -> a private PostgreSQL cluster.
 *
 * For each worker count it reports: the committed rows/s in the steady part of the offer window
 * (after a warm-up), whether ingest kept up (rows committed vs produced), the time to drain what
 * was left, end-to-end latency percentiles (payload ts -> commit, from the workers' histogram,
 * interpolated within buckets), CPU per 1 000 messages of the workers, PostgreSQL, Mosquitto and
 * the publishers, and the completeness check (no gap, no duplicate, every produced seq stored).
 * Then it compares the batch INSERT forms (multi-row VALUES, which ingest uses, unnest arrays, COPY
 * into a staging table) and splits the worker's and PostgreSQL's CPU per message by stage.
 *
 * Run: npm run bench:ingest -- [--gateways 200] [--robots 4] [--rate 20000] [--seconds 20] [--warmup 4] [--workers 1,2,4]
 *      [--insert-only | --no-insert]
 *      npm run bench:ingest -- --drain [--messages 60000] [--workers 1,2] [--batch 5000]   (bench/ingest-drain.ts)
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { cpuS, record, treeCpuS } from './ingest-common.js';
import { drainRun } from './ingest-drain.js';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { numberOption } from './bench-args.js';
import { startBroker, type Broker } from '../test/helpers/mosquitto.js';
import { startPostgres, type PgCluster } from '../test/helpers/postgres.js';
import { startIngestProcess, type IngestProcess } from '../test/helpers/ingest.js';
import { validateConfig } from '../src/config/load.js';
import { systemClock } from '../src/core/clock.js';
import { GatewayState } from '../src/state/gateway-state.js';
import { MqttUplink } from '../src/uplink/mqtt-uplink.js';
import { MIGRATIONS } from '../src/ingest/schema-sql.js';
import { streamRows, unnestInsert, valuesInsert } from '../src/ingest/insert-sql.js';
import { copyInsert, copyText } from './ingest-copy.js';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { parseMessage, type StreamRow } from '../src/ingest/messages.js';

const args = process.argv.slice(2);
const GATEWAYS = numberOption(args, 'gateways', 200);
const ROBOTS = numberOption(args, 'robots', 4);
const RATE = numberOption(args, 'rate', 20000);
const SECONDS = numberOption(args, 'seconds', 20);
const WARMUP = numberOption(args, 'warmup', 4);
const wi = args.indexOf('--workers');
const WORKERS = (wi >= 0 ? args[wi + 1] : '1,2,4').split(',').map(Number);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Gateway {
  id: string;
  state: GatewayState;
  uplink: MqttUplink;
}

async function startGateways(url: string): Promise<Gateway[]> {
  const log = pino({ level: 'warn' });
  const gws: Gateway[] = [];
  for (let g = 0; g < GATEWAYS; g++) {
    const id = `gw-${String(g + 1).padStart(3, '0')}`;
    const stateDir = mkdtempSync(join(tmpdir(), 'fabwatch-bench-gw-'));
    const config = validateConfig({ gateway: { id, stateDir }, mqtt: { url, clientId: `bench-${id}`, protocolVersion: 5, maxInFlight: 1024, outbox: { replayRatePerS: 0 }, commands: { enabled: false } } }, 'bench');
    const robots = Array.from({ length: ROBOTS }, (_, r) => ({ id: `robot-${String(r + 1).padStart(3, '0')}` }));
    const state = new GatewayState({ gatewayId: id, site: 'main' }, systemClock, 8, robots);
    const uplink = new MqttUplink(config.mqtt, state, systemClock, log, { stateDir });
    await uplink.start();
    gws.push({ id, state, uplink });
  }
  while (!gws.every((g) => g.uplink.connected)) await sleep(50);
  return gws;
}

/** Merge the workers' latency histograms and interpolate quantiles within buckets. */
async function latency(workers: IngestProcess[]): Promise<{ p50: number; p95: number; p99: number; n: number }> {
  const buckets = new Map<number, number>();
  for (const w of workers) {
    const text = await (await fetch(`http://127.0.0.1:${w.port}/metrics`)).text();
    for (const m of text.matchAll(/^fabwatch_ingest_latency_seconds_bucket\{le="([^"]+)"\} (\d+)/gm)) {
      const le = m[1] === '+Inf' ? Infinity : Number(m[1]);
      buckets.set(le, (buckets.get(le) ?? 0) + Number(m[2]));
    }
  }
  const sorted = [...buckets.entries()].sort((a, b) => a[0] - b[0]);
  const n = sorted.at(-1)?.[1] ?? 0;
  const q = (p: number) => {
    const target = p * n;
    let prevLe = 0;
    let prevCount = 0;
    for (const [le, count] of sorted) {
      if (count >= target) {
        if (le === Infinity) return prevLe;
        return prevLe + ((le - prevLe) * (target - prevCount)) / Math.max(1, count - prevCount);
      }
      prevLe = le;
      prevCount = count;
    }
    return NaN;
  };
  return { p50: q(0.5), p95: q(0.95), p99: q(0.99), n };
}

async function count(c: pg.Client): Promise<number> {
  return Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM telemetry')).rows[0].n);
}

async function run(cluster: PgCluster, workersN: number): Promise<void> {
  const dbName = `bench_w${workersN}_${Date.now()}`;
  await cluster.query(`CREATE DATABASE ${dbName}`);
  const dbUrl = cluster.url.replace(/\/postgres$/, `/${dbName}`);
  const broker: Broker = await startBroker({ extraConfig: 'max_inflight_messages 10000\nmax_queued_messages 0\nset_tcp_nodelay true\n' });
  const workers: IngestProcess[] = [];
  const gws: Gateway[] = [];
  const c = new pg.Client({ connectionString: dbUrl });
  try {
    for (let i = 1; i <= workersN; i++) workers.push(await startIngestProcess({ db: dbUrl, mqtt: broker.url, instance: i, clientId: 'bench-ingest', ingest: { batch: { maxMessages: 5000, maxDelayMs: 50 } } }));
    await c.connect();
    gws.push(...(await startGateways(broker.url)));
    const streams = GATEWAYS * ROBOTS;
    const produced = new Array<number>(streams).fill(0);
    const load0 = loadavg()[0];
    const t0 = performance.now();
    let total = 0;
    let mark: { t: number; rows: number; cpu: { w: number; pg: number; mq: number; pub: number } } | null = null;
    const cpuNow = () => ({ w: workers.reduce((s, w) => s + cpuS(w.proc.pid!), 0), pg: treeCpuS(pgPid(cluster)), mq: cpuS(broker.proc.pid!), pub: (process.cpuUsage().user + process.cpuUsage().system) / 1e6 });
    const tickMs = 10;
    let warmTaking: Promise<void> | null = null;
    while (performance.now() - t0 < SECONDS * 1000) {
      const due = Math.floor(((performance.now() - t0) / 1000) * RATE);
      // Catch-up bursts stop at the end of the window, so the offer window is what it says.
      while (total < due && (total % 200 !== 0 || performance.now() - t0 < SECONDS * 1000)) {
        const s = total % streams;
        const g = Math.floor(s / ROBOTS);
        const r = s % ROBOTS;
        gws[g].state.addTelemetry(record(gws[g].id, `robot-${String(r + 1).padStart(3, '0')}`, produced[s]));
        produced[s]++;
        total++;
      }
      if (!mark && !warmTaking && performance.now() - t0 >= WARMUP * 1000) {
        const t = performance.now();
        const cpu = cpuNow();
        warmTaking = count(c).then((rows) => void (mark = { t, rows, cpu }));
      }
      await sleep(tickMs);
    }
    await warmTaking;
    const tEnd = performance.now();
    const cpuEnd = cpuNow();
    const rowsEnd = await count(c);
    const m = mark!;
    const windowS = (tEnd - m.t) / 1000;
    const committedRate = (rowsEnd - m.rows) / windowS;
    const producedRate = total / ((tEnd - t0) / 1000);
    // Drain: wait until every produced message is committed.
    const td = performance.now();
    let rows = rowsEnd;
    while (rows < total && performance.now() - td < 120_000) {
      await sleep(250);
      rows = await count(c);
    }
    const drainS = (performance.now() - td) / 1000;
    const lat = await latency(workers);
    const per1k = (d: number) => ((d * 1000) / Math.max(1, rowsEnd - m.rows)) * 1000; // ms CPU per 1000 committed messages
    const cpu = { w: cpuEnd.w - m.cpu.w, pg: cpuEnd.pg - m.cpu.pg, mq: cpuEnd.mq - m.cpu.mq, pub: cpuEnd.pub - m.cpu.pub };
    const [chk] = (await c.query<{ n: string; keys: string }>('SELECT count(*) AS n, count(DISTINCT (gateway_id, topic, seq)) AS keys FROM telemetry')).rows;
    const gaps = Number((await c.query<{ n: string }>('SELECT coalesce(sum(missing), 0) AS n FROM stream_gaps')).rows[0].n);
    const prog = (await c.query<{ gateway_id: string; topic: string; first_seq: string; last_seq: string }>('SELECT gateway_id, topic, first_seq, last_seq FROM stream_progress')).rows;
    let short = 0;
    for (const p of prog) {
      const g = Number(p.gateway_id.slice(3)) - 1;
      const r = Number(/robot-(\d+)/.exec(p.topic)![1]) - 1;
      if (p.first_seq !== '1' || Number(p.last_seq) !== produced[g * ROBOTS + r]) short++;
    }
    const shares = (await Promise.all(workers.map((w) => w.health()))).map((h) => h.body.messages.committed as number);
    const sustained = committedRate >= 0.97 * producedRate;
    console.log(
      `workers ${workersN}: offered ${RATE} msg/s for ${SECONDS} s (the offer loop ended after ${((tEnd - t0) / 1000).toFixed(1)} s) from ${GATEWAYS} gateways x ${ROBOTS} robots; produced ${Math.round(producedRate)} msg/s; ` +
        `committed ${Math.round(committedRate)} rows/s over the last ${windowS.toFixed(1)} s -> ${sustained ? 'SUSTAINED' : 'NOT sustained'}; ` +
        `left at the end ${total - rowsEnd}, drained in ${drainS.toFixed(1)} s`,
    );
    console.log(`  latency ts -> commit (not replayed, n=${lat.n}): p50 ${(lat.p50 * 1000).toFixed(0)} ms, p95 ${(lat.p95 * 1000).toFixed(0)} ms, p99 ${(lat.p99 * 1000).toFixed(0)} ms`);
    console.log(`  CPU per 1000 messages: ingest workers ${per1k(cpu.w).toFixed(1)} ms, PostgreSQL ${per1k(cpu.pg).toFixed(1)} ms, Mosquitto ${per1k(cpu.mq).toFixed(1)} ms, publishers (gateway uplinks + outboxes) ${per1k(cpu.pub).toFixed(1)} ms; shares per worker ${shares.join(' / ')}`);
    console.log(`  completeness: ${chk.n} rows, ${chk.keys} distinct (gateway_id, topic, seq), produced ${total}; missing seqs (stream_gaps) ${gaps}; streams not 1..produced ${short} of ${streams}; load average ${load0.toFixed(1)} -> ${loadavg()[0].toFixed(1)} on ${cpus().length} cores`);
  } finally {
    await Promise.all(gws.map((g) => g.uplink.stop().catch(() => {})));
    await Promise.all(workers.map((w) => w.stop('SIGTERM')));
    await c.end().catch(() => {});
    await broker.stop();
  }
}

let postmasterPid = 0;
function pgPid(_c: PgCluster): number {
  return postmasterPid;
}

/**
 * The three batch INSERT forms on the same rows, each with ON CONFLICT DO NOTHING: multi-row VALUES
 * (1 000-row statements), one INSERT ... SELECT FROM unnest(arrays), and COPY into a staging table +
 * INSERT ... SELECT (what ingest uses). Rows/s of the transaction, and CPU per 1 000 rows of this
 * process (building the statement, the pg protocol: what a worker pays) and of PostgreSQL.
 */
async function insertForms(cluster: PgCluster): Promise<void> {
  await cluster.query('CREATE DATABASE bench_insert');
  const c = new pg.Client({ connectionString: cluster.url.replace(/\/postgres$/, '/bench_insert') });
  await c.connect();
  try {
    for (const m of MIGRATIONS) await c.query(m.sql);
    const day = new Date().toISOString().slice(0, 10);
    const next = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    for (const t of ['telemetry', 'alerts', 'command_acks', 'cleanroom_status']) await c.query(`CREATE TABLE ${t}_d PARTITION OF ${t} FOR VALUES FROM ('${day}') TO ('${next}')`);
    const N = numberOption(args, 'batch', 5000);
    const batch = (off: number): StreamRow[] =>
      Array.from({ length: N }, (_, i) => {
        const rec = { ...record('gw-ins', 'robot-001', i), seq: off + i + 1, replayed: false };
        return { kind: 'telemetry', gateway_id: 'gw-ins', topic: 'factory/main/robot-001/telemetry', seq: off + i + 1, ts: rec.ts, tsMs: Date.parse(rec.ts), site: 'main', robot_id: 'robot-001', replayed: false, payload: JSON.stringify(rec) };
      });
    const recv = new Array<number>(N).fill(Date.now());
    workerStages(batch(0), recv);
    const forms = ['values', 'unnest', 'copy'] as const;
    const results = Object.fromEntries(forms.map((f) => [f, { rate: [] as number[], js: [] as number[], pg: [] as number[] }]));
    let off = 0;
    for (let rep = 0; rep < 8; rep++) {
      for (const form of forms) {
        const rows = streamRows('telemetry', batch(off), recv);
        off += N;
        const t = performance.now();
        const cpu0 = process.cpuUsage();
        const pg0 = treeCpuS(postmasterPid);
        await c.query('BEGIN');
        let inserted = 0;
        if (form === 'unnest') {
          const s = unnestInsert(rows);
          inserted = (await c.query(s.text, s.values)).rowCount ?? 0;
        } else if (form === 'values') {
          for (const s of valuesInsert(rows)) inserted += (await c.query(s.text, s.values)).rowCount ?? 0;
        } else {
          inserted = await copyInsert(c, rows);
        }
        await c.query('COMMIT');
        const cpu = process.cpuUsage(cpu0);
        if (inserted !== N) throw new Error(`${form}: inserted ${inserted} of ${N}`);
        if (rep > 0) {
          results[form].rate.push((N / (performance.now() - t)) * 1000);
          results[form].js.push(((cpu.user + cpu.system) / 1000 / N) * 1000);
          results[form].pg.push(((treeCpuS(postmasterPid) - pg0) * 1000 * 1000) / N);
        }
      }
    }
    const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
    console.log(`insert forms: ${N}-row transactions of ~${Buffer.byteLength(batch(0)[0].payload)} B telemetry, median of 7 alternating runs after a warm-up; load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores`);
    for (const f of forms) console.log(`  ${f.padEnd(6)} ${String(Math.round(med(results[f].rate))).padStart(6)} rows/s; CPU per 1000 rows: this process ${med(results[f].js).toFixed(1)} ms, PostgreSQL ${med(results[f].pg).toFixed(1)} ms`);
    await pgBreakdown(c, N, batch, recv, () => (off += N) - N);
  } finally {
    await c.end();
  }
}

/** A worker's own CPU per message, stage by stage, on the same payloads (best of 5 passes). */
function workerStages(rows: StreamRow[], recv: number[]): void {
  const payloads = rows.map((r) => Buffer.from(r.payload));
  const topic = rows[0].topic;
  const cpuMs = (f: () => void) => {
    let best = Infinity;
    for (let i = 0; i < 5; i++) {
      const c0 = process.cpuUsage();
      f();
      const c = process.cpuUsage(c0);
      best = Math.min(best, (c.user + c.system) / 1000);
    }
    return (best / rows.length) * 1000;
  };
  const opts = { now: Date.now(), oldestMs: 0, newestMs: Date.now() + 86_400_000 };
  const parse = cpuMs(() => payloads.forEach((p) => JSON.parse(p.toString('utf8'))));
  const full = cpuMs(() => payloads.forEach((p) => parseMessage(topic, p, opts)));
  const copy = cpuMs(() => [...copyText(streamRows('telemetry', rows, recv).rows)]);
  const values = cpuMs(() => valuesInsert(streamRows('telemetry', rows, recv)));
  console.log(`worker CPU per 1000 messages (best of 5 over ${rows.length}): JSON.parse ${parse.toFixed(1)} ms; parse + schema validation + checks (parseMessage) ${full.toFixed(1)} ms; rows + COPY text ${copy.toFixed(1)} ms; rows + VALUES statement ${values.toFixed(1)} ms (the pg protocol is in the forms below)`);
}

/**
 * Where PostgreSQL's time per row goes: the same rows COPYed straight (no staging, no conflict
 * check) into the real telemetry table and into stripped copies of it: without the 11 generated
 * columns, also without the secondary index, and with the payload as text instead of jsonb.
 */
async function pgBreakdown(c: pg.Client, N: number, batch: (off: number) => StreamRow[], recv: number[], nextOff: () => number): Promise<void> {
  const plain = 'gateway_id text NOT NULL, topic text NOT NULL, seq bigint NOT NULL, ts timestamptz NOT NULL, robot_id text NOT NULL, site text, received_at timestamptz NOT NULL, replayed boolean NOT NULL';
  await c.query(`CREATE TABLE t_nogen (${plain}, payload jsonb NOT NULL, PRIMARY KEY (gateway_id, topic, seq, ts)); CREATE INDEX ON t_nogen (robot_id, ts)`);
  await c.query(`CREATE TABLE t_pkonly (${plain}, payload jsonb NOT NULL, PRIMARY KEY (gateway_id, topic, seq, ts))`);
  await c.query(`CREATE TABLE t_text (${plain}, payload text NOT NULL, PRIMARY KEY (gateway_id, topic, seq, ts))`);
  const variants = [
    ['telemetry', 'the real table: partitioned, 11 generated columns, primary key + (robot_id, ts) index'],
    ['t_nogen', 'no generated columns'],
    ['t_pkonly', 'no generated columns, no secondary index'],
    ['t_text', 'no generated columns, no secondary index, payload text (no jsonb parsing)'],
  ] as const;
  const pgMs: Record<string, number[]> = Object.fromEntries(variants.map(([t]) => [t, []]));
  for (let rep = 0; rep < 5; rep++) {
    for (const [t] of variants) {
      const rows = streamRows('telemetry', batch(nextOff()), recv);
      const names = rows.cols.map(([n]) => n).join(', ');
      const pg0 = treeCpuS(postmasterPid);
      await c.query('BEGIN');
      await pipeline(Readable.from(copyText(rows.rows)), c.query(copyFrom(`COPY ${t} (${names}) FROM STDIN`)));
      await c.query('COMMIT');
      if (rep > 0) pgMs[t].push(((treeCpuS(postmasterPid) - pg0) * 1e6) / N);
    }
  }
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  console.log(`PostgreSQL CPU per 1000 rows, plain COPY of the same ${N}-row batches (median of 4):`);
  for (const [t, what] of variants) console.log(`  ${med(pgMs[t]).toFixed(1).padStart(6)} ms  ${what}`);
}

console.log(`bench:ingest on ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
const cluster = await startPostgres({ settings: { shared_buffers: '256MB', max_wal_size: '4GB', max_connections: 50 } });
postmasterPid = Number(readFileSync(join(cluster.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
console.log(`PostgreSQL ${(await cluster.query<{ server_version: string }>('SHOW server_version'))[0].server_version} private cluster: fsync on, synchronous_commit on, shared_buffers 256MB`);
try {
  if (args.includes('--drain')) {
    for (const n of WORKERS) await drainRun(cluster, { workers: n, messages: numberOption(args, 'messages', 60000), gateways: GATEWAYS, robots: ROBOTS, batch: numberOption(args, 'batch', 5000), postmasterPid });
  } else if (!args.includes('--insert-only')) for (const n of WORKERS) await run(cluster, n);
  if (!args.includes('--no-insert') && !args.includes('--drain')) await insertForms(cluster);
} finally {
  await cluster.destroy();
}
