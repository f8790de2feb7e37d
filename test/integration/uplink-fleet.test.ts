import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker, skipWithoutMosquitto } from '../helpers/mosquitto.js';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process.js';
import { StreamRecorder, streamReport, sleep, waitFor } from '../helpers/stream-recorder.js';
import { writeSmallConfig } from '../helpers/small-config.js';
import { payloadErrors } from '../helpers/payload-schemas.js';

const GATEWAYS = ['gw-fleet-01', 'gw-fleet-02', 'gw-fleet-03'];

test('3 gateways, 2 consumers on an MQTT 5 shared subscription: every message at exactly one consumer, none missing', { skip: skipWithoutMosquitto(), timeout: 120_000 }, async (t) => {
  const broker = await startBroker();
  t.after(() => broker.stop());
  const consumers = await Promise.all([1, 2].map((i) => StreamRecorder.connect(broker.url, ['$share/g/factory/+/+/telemetry'], { clientId: `consumer-${i}`, protocolVersion: 5 })));
  t.after(() => Promise.all(consumers.map((c) => c.close())));

  const gws: GatewayProcess[] = await Promise.all(GATEWAYS.map((id) => startGatewayProcess({ config: writeSmallConfig({ gatewayId: id, url: broker.url, windowSize: 512 }), timeoutMs: 60_000 })));
  t.after(() => Promise.all(gws.map((g) => g.stop('SIGKILL'))));
  const total = () => consumers.reduce((n, c) => n + [...c.streams.values()].reduce((m, l) => m + l.length, 0), 0);
  assert.ok(await waitFor(() => total() >= 60, 40_000), `telemetry flows (${total()})`);
  await sleep(2000);
  for (const g of gws) assert.equal(await g.stop('SIGTERM'), 0);
  await sleep(500);

  const keys = new Set(consumers.flatMap((c) => [...c.streams.keys()]));
  assert.equal(keys.size, GATEWAYS.length * 2, `a stream per gateway and robot: ${[...keys]}`);
  for (const key of keys) {
    const [a, b] = consumers.map((c) => c.streams.get(key) ?? []);
    const seqA = new Set(a.map((m) => m.body.seq));
    const both = b.filter((m) => seqA.has(m.body.seq)).map((m) => m.body.seq);
    assert.deepEqual(both, [], `${key}: no message delivered to both consumers`);
    const rep = streamReport([...a, ...b].sort((x, y) => x.body.seq - y.body.seq));
    assert.equal(rep.seqs[0], 1, `${key}: from seq 1`);
    assert.deepEqual(rep.missing, [], `${key}: none missing`);
    assert.equal(rep.duplicates, 0, `${key}: each message once`);
    assert.equal(payloadErrors('telemetry', a[0]?.body ?? b[0]?.body), '', `${key}: matches docs/schemas/telemetry.json`);
  }
  for (const [i, c] of consumers.entries()) {
    const n = [...c.streams.values()].reduce((m, l) => m + l.length, 0);
    assert.ok(n > 0, `consumer ${i + 1} got a share (${n})`);
  }
});
