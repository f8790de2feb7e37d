import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, skipWithoutMosquitto } from '../helpers/mosquitto.js';
import { startPostgres, skipWithoutPostgres, type PgCluster } from '../helpers/postgres.js';
import { BROKER_CONF, publishFleet, startIngestProcess, type IngestProcess } from '../helpers/ingest.js';
import { startGatewayProcess } from '../helpers/gateway-process.js';
import { writeSmallConfig } from '../helpers/small-config.js';
import { sleep, waitFor } from '../helpers/stream-recorder.js';

const skip = skipWithoutMosquitto() || skipWithoutPostgres();

/** Rows, distinct keys and gaps of the telemetry table. */
async function completeness(db: PgCluster, where = 'true') {
  const [c] = await db.query<{ n: string; keys: string }>(`SELECT count(*) AS n, count(DISTINCT (gateway_id, topic, seq)) AS keys FROM telemetry WHERE ${where}`);
  const gaps = await db.query(`SELECT * FROM stream_gaps WHERE ${where}`);
  const starts = await db.query<{ first_seq: string }>(`SELECT first_seq FROM stream_progress WHERE ${where} AND first_seq <> 1`);
  return { rows: Number(c.n), keys: Number(c.keys), gaps, notFromOne: starts.length };
}

const countRows = async (db: PgCluster) => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM telemetry'))[0].n);

test('kill -9 of one of two workers under load: nothing missing, nothing duplicated', { skip, timeout: 120_000 }, async (t) => {
  const db = await startPostgres({ settings: { fsync: 'off' } });
  t.after(() => db.destroy());
  const broker = await startBroker({ extraConfig: BROKER_CONF });
  t.after(() => broker.stop());
  const workers: IngestProcess[] = await Promise.all([1, 2].map((instance) => startIngestProcess({ db: db.url, mqtt: broker.url, instance })));
  t.after(() => Promise.all(workers.map((w) => w.stop('SIGKILL'))));

  const GW = 10;
  const ROBOTS = 4;
  const PER = 80;
  let killedAt = -1;
  const publishing = publishFleet({
    url: broker.url,
    gateways: GW,
    robots: ROBOTS,
    perStream: PER,
    ratePerS: 1200,
    onProgress: (sent) => {
      if (killedAt < 0 && sent >= 1200) {
        killedAt = sent;
        workers[0].proc.kill('SIGKILL');
      }
    },
  });
  await waitFor(() => killedAt >= 0, 20_000);
  assert.equal(await workers[0].exited, 'SIGKILL');
  await sleep(1000);
  // systemd restarts it (Restart=always): same instance, same client id, so the persistent session and
  // whatever the broker holds for it are found again.
  workers[0] = await startIngestProcess({ db: db.url, mqtt: broker.url, instance: 1 });
  await publishing;
  const total = GW * ROBOTS * PER;
  assert.ok(await waitFor(async () => (await countRows(db)) >= total, 30_000), `all ${total} rows arrive (${await countRows(db)})`);
  await sleep(500);
  const c = await completeness(db);
  assert.equal(c.rows, total, 'nothing duplicated, nothing missing');
  assert.equal(c.keys, total);
  assert.deepEqual(c.gaps, []);
  assert.equal(c.notFromOne, 0);
  const resumed = workers[0].logs.find((l) => l.includes('connected to the broker'));
  assert.match(resumed ?? '', /"sessionPresent":true/, 'the restarted worker resumed its session');
});

test('PostgreSQL restarted mid-stream: ingest waits and retries, /health says so, nothing is lost', { skip, timeout: 120_000 }, async (t) => {
  const db = await startPostgres({ settings: { fsync: 'off' } });
  t.after(() => db.destroy());
  const broker = await startBroker({ extraConfig: BROKER_CONF });
  t.after(() => broker.stop());
  const worker = await startIngestProcess({ db: db.url, mqtt: broker.url });
  t.after(() => worker.stop('SIGKILL'));

  const total = 5 * 4 * 60;
  let stopped: Promise<void> | null = null;
  const publishing = publishFleet({ url: broker.url, gateways: 5, robots: 4, perStream: 60, ratePerS: 700, onProgress: (sent) => void (sent >= 400 && !stopped && (stopped = db.stop())) });
  await waitFor(() => stopped, 20_000);
  await stopped;
  const down = await waitFor(async () => {
    const h = await worker.health();
    return h.body.database.up === false ? h : null;
  }, 10_000);
  assert.ok(down, '/health reports the database down');
  assert.equal(down.code, 503);
  assert.equal(down.body.status, 'degraded');
  assert.ok(down.body.database.downSince);
  assert.ok(down.body.database.lastError.code, 'the last error is shown with its code');
  assert.match(down.body.notes.join(' '), /held unacknowledged; the broker keeps them/);
  await sleep(1000);
  const held = await worker.health();
  assert.ok(held.body.messages.pending > 0, `messages held while the database is down (${held.body.messages.pending})`);
  await db.start();
  await publishing;
  const arrived = await waitFor(async () => (await countRows(db)) >= total, 30_000);
  if (!arrived) assert.fail(`all ${total} rows arrive after the restart (${await countRows(db)}); health ${JSON.stringify((await worker.health()).body)}\n${worker.logs.filter((l) => !l.includes('"level":30')).slice(-30).join('\n')}`);
  const c = await completeness(db);
  assert.equal(c.rows, total);
  assert.equal(c.keys, total);
  assert.deepEqual(c.gaps, []);
  const up = await waitFor(async () => {
    const h = await worker.health();
    return h.body.database.up ? h : null;
  }, 5000);
  assert.equal(up?.code, 200);
  assert.equal(up?.body.status, 'ok');
  assert.ok(worker.logs.some((l) => l.includes('database writes succeed again')));
  assert.equal(worker.proc.exitCode, null, 'the worker rode out the restart (no crash)');
});

test('gateway outage with replay: every message stored once, in order per stream, replayed kept', { skip, timeout: 120_000 }, async (t) => {
  const db = await startPostgres({ settings: { fsync: 'off' } });
  t.after(() => db.destroy());
  const persistenceDir = mkdtempSync(join(tmpdir(), 'fabwatch-mosq-data-'));
  let broker = await startBroker({ persistenceDir, extraConfig: 'max_inflight_messages 10000\n' });
  const port = broker.port;
  t.after(() => broker.stop());
  const worker = await startIngestProcess({ db: db.url, mqtt: broker.url });
  t.after(() => worker.stop('SIGKILL'));
  const gw = await startGatewayProcess({ config: writeSmallConfig({ gatewayId: 'gw-outage', url: broker.url, windowSize: 512 }), timeoutMs: 60_000 });
  t.after(() => gw.stop('SIGKILL'));
  const where = `gateway_id = 'gw-outage'`;
  const n = async () => Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM telemetry WHERE ${where}`))[0].n);
  assert.ok(await waitFor(async () => (await n()) >= 10, 40_000), 'telemetry flows');
  // The uplink is down for 4 s: the gateway keeps producing into its outbox.
  await broker.stop();
  await sleep(4000);
  broker = await startBroker({ port, persistenceDir, extraConfig: 'max_inflight_messages 10000\n' });
  const replayed = async () => Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM telemetry WHERE ${where} AND replayed`))[0].n);
  assert.ok(await waitFor(async () => (await replayed()) >= 5, 30_000), `replayed messages stored (${await replayed()})`);
  await sleep(1500);
  assert.equal(await gw.stop('SIGTERM'), 0);
  assert.ok(await waitFor(async () => (await worker.health()).body.messages.pending === 0, 10_000));
  await sleep(300);
  const c = await completeness(db, where);
  assert.equal(c.rows, c.keys, 'stored once');
  assert.deepEqual(c.gaps, [], 'no gap across the outage');
  assert.equal(c.notFromOne, 0);
  // One worker, one broker queue: rows of a stream were committed in seq order.
  const [order] = await db.query<{ back: string }>(
    `SELECT count(*) FILTER (WHERE received_at < prev) AS back FROM (SELECT received_at, lag(received_at) OVER (PARTITION BY topic ORDER BY seq) AS prev FROM telemetry WHERE ${where}) x`,
  );
  assert.equal(order.back, '0', 'in order per stream');
  const [late] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM telemetry WHERE ${where} AND replayed AND received_at - ts > interval '1 second'`);
  assert.ok(Number(late.n) > 0, 'replayed rows keep their production ts');
});

test('PUBACK waits for the commit: messages held while the database is down survive kill -9 of the worker', { skip, timeout: 120_000 }, async (t) => {
  const db = await startPostgres({ settings: { fsync: 'off' } });
  t.after(() => db.destroy());
  const broker = await startBroker({ extraConfig: BROKER_CONF });
  t.after(() => broker.stop());
  let worker = await startIngestProcess({ db: db.url, mqtt: broker.url });
  t.after(() => worker.stop('SIGKILL'));
  await db.stop();
  const total = 2 * 4 * 50;
  await publishFleet({ url: broker.url, gateways: 2, robots: 4, perStream: 50, ratePerS: 2000 });
  // Every message reached the worker and sits in its queue, received but not committed.
  assert.ok(await waitFor(async () => (await worker.health()).body.messages.pending === total, 15_000), 'all messages held by the worker');
  worker.proc.kill('SIGKILL');
  await worker.exited;
  await db.start();
  // Had the worker acknowledged on receipt, the broker would have nothing left to redeliver.
  worker = await startIngestProcess({ db: db.url, mqtt: broker.url });
  assert.ok(await waitFor(async () => (await countRows(db)) >= total, 30_000), `all ${total} rows after the restart (${await countRows(db)})`);
  const c = await completeness(db);
  assert.equal(c.rows, total);
  assert.deepEqual(c.gaps, []);
});

test('a message published before any worker subscribed is discarded by the broker (PUBACK 0x10), and publishFleet says so; once ingest logs running it is subscribed', { skip, timeout: 60_000 }, async (t) => {
  const db = await startPostgres({ settings: { fsync: 'off' } });
  t.after(() => db.destroy());
  const broker = await startBroker({ extraConfig: BROKER_CONF });
  t.after(() => broker.stop());
  // No subscriber yet: what the lost messages of the PostgreSQL-restart test were (docs/historian.md).
  await assert.rejects(publishFleet({ url: broker.url, gateways: 1, robots: 2, perStream: 3, ratePerS: 1000 }), /discarded 6 of 6 .*no matching subscribers/);
  const worker = await startIngestProcess({ db: db.url, mqtt: broker.url });
  t.after(() => worker.stop('SIGKILL'));
  const h = await worker.health();
  assert.equal(h.body.mqtt.subscribed, true, "'ingest: running' is logged only after the SUBACK");
  assert.equal(h.body.status, 'ok');
  await publishFleet({ url: broker.url, gateways: 1, robots: 2, perStream: 3, ratePerS: 1000, firstSeq: 4 });
  assert.ok(await waitFor(async () => (await countRows(db)) >= 6, 10_000));
  const c = await completeness(db);
  assert.equal(c.rows, 6);
  assert.deepEqual(c.gaps, []);
});
