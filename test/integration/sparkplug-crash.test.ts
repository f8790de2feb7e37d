import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, skipWithoutMosquitto, type Broker } from '../helpers/mosquitto.js';
import { startGatewayProcess, getJson, type GatewayProcess } from '../helpers/gateway-process.js';
import { SparkplugHost } from '../helpers/sparkplug-host.js';
import { sleep, waitFor } from '../helpers/stream-recorder.js';
import { writeSmallConfig } from '../helpers/small-config.js';
import { freePort } from '../../simulators/free-port.js';

const NODE = 'gw-spb-crash';

test('Sparkplug only (no JSON topics): a broker outage and a kill -9 mid-replay lose nothing; the broker publishes the NDEATH will with the NBIRTH bdSeq; replayed data is historical', { skip: skipWithoutMosquitto(), timeout: 90_000 }, async (t) => {
  const port = await freePort();
  let broker: Broker = await startBroker({ port });
  t.after(() => broker.stop());
  const host = await SparkplugHost.connect(broker.url, { hostId: 'scada', group: 'fab' });
  t.after(() => host.close());
  const stateDir = mkdtempSync(join(tmpdir(), 'fabwatch-state-'));
  // Replay slowed to 4 historical messages/s (2 robots produce ~6/s; live ones are not limited) so the kill lands mid-replay.
  const config = writeSmallConfig({ gatewayId: NODE, url: broker.url, windowSize: 512, mqtt: { outbox: { replayRatePerS: 4 }, sparkplug: { enabled: true, groupId: 'fab', primaryHostId: 'scada', jsonTopics: false } } });
  const env = { FABWATCH_STATE_DIR: stateDir };
  const procs: GatewayProcess[] = [];
  t.after(() => Promise.all(procs.map((p) => p.stop('SIGKILL'))));
  let gw = await startGatewayProcess({ config, env, timeoutMs: 60_000 });
  procs.push(gw);
  assert.ok(await waitFor(() => host.of('DDATA', 'robot-a').length >= 3, 30_000), 'DDATA flows');
  const h0 = await getJson(`http://127.0.0.1:${gw.rest}/health`);
  assert.equal(h0.uplink.enabled, false, 'JSON uplink off (jsonTopics: false)');
  assert.equal(h0.sparkplug.online, true);
  const prom = await (await fetch(`http://127.0.0.1:${gw.rest}/metrics`)).text();
  assert.match(prom, /^fabwatch_sparkplug_online 1$/m);
  assert.match(prom, /^fabwatch_sparkplug_messages_sent_total\{kind="all"\} [1-9]/m);

  // Broker outage: the node stores; after it, births again and replays as historical.
  await broker.stop();
  await sleep(5000);
  broker = await startBroker({ port });
  assert.ok(await waitFor(() => host.of('NBIRTH').length >= 2, 20_000), 'births after the outage');
  assert.ok(await waitFor(() => host.check(NODE).data.get('robot-a')!.filter((d) => d.historical).length >= 3, 20_000), `replay under way: ${host.messages.map((m) => `${m.type}:${m.device ?? ''}${m.metrics.some((x) => x.historical) ? 'H' : ''}`).join(' ')}\n${gw.logs.filter((l) => l.includes('sparkplug')).join('\n')}`);
  const h1 = await getJson(`http://127.0.0.1:${gw.rest}/health`);
  assert.ok(h1.sparkplug.outbox.pending > 5, `a backlog is left when the process dies (${h1.sparkplug.outbox.pending})`);

  // kill -9: the broker publishes the will, an NDEATH with the bdSeq of the NBIRTH. (A stopping
  // Mosquitto may already have delivered the will of the session the outage ended.)
  const deathsBefore = host.of('NDEATH').length;
  assert.equal(await gw.stop('SIGKILL'), 'SIGKILL');
  assert.ok(await waitFor(() => host.of('NDEATH').length > deathsBefore, 10_000), 'NDEATH from the broker after kill -9');
  const bd = (m: { metrics: Array<{ name?: string; value: unknown }> }) => Number(m.metrics.find((x) => x.name === 'bdSeq')!.value);
  assert.equal(bd(host.of('NDEATH').at(-1)!), bd(host.of('NBIRTH').at(-1)!), 'NDEATH bdSeq = the last NBIRTH bdSeq');

  gw = await startGatewayProcess({ config, env, timeoutMs: 60_000 });
  procs.push(gw);
  const nbirths = host.of('NBIRTH').length;
  assert.ok(await waitFor(() => host.of('NBIRTH').length > nbirths, 20_000), 'births after the restart');
  assert.equal(bd(host.of('NBIRTH').at(-1)!), (bd(host.of('NDEATH').at(-1)!) + 1) % 256, 'bdSeq persisted and incremented');
  const drained = await waitFor(async () => {
    const h = await getJson(`http://127.0.0.1:${gw.rest}/health`);
    return h.sparkplug.online && h.sparkplug.outbox.pending === 0 ? h : null;
  }, 40_000, 250);
  assert.ok(drained, 'the restarted gateway drains the backlog');
  await sleep(500);
  assert.equal(await gw.stop('SIGTERM'), 0);
  assert.ok(await waitFor(() => host.messages.at(-1)?.type === 'NDEATH', 5000), 'clean stop: NDEATH');

  const report = host.check(NODE);
  assert.deepEqual(report.violations, [], report.violations.join('\n'));
  for (const robot of ['robot-a', 'robot-b']) {
    const data = report.data.get(robot)!;
    const seqs = data.map((d) => d.values['Stream Seq']).filter((s): s is number => typeof s === 'number');
    const unique = [...new Set(seqs)];
    assert.deepEqual(unique, Array.from({ length: Math.max(...seqs) }, (_, i) => i + 1), `${robot}: Stream Seq 1..N, nothing lost, in order`);
    assert.ok(data.filter((d) => d.historical).length >= 5, `${robot}: historical rows`);
    assert.ok(seqs.length >= 8, `${robot}: ${seqs.length} records`);
  }
  // What was stored when the process died went out after the restart, as historical data.
  const lastBirth = host.messages.lastIndexOf(host.of('NBIRTH').at(-1)!);
  assert.ok(host.messages.slice(lastBirth).filter((m) => m.type === 'DDATA' && m.metrics.every((x) => x.historical)).length >= 3, 'backlog replayed after the restart');
});
