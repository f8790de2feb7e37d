import { test } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { startBroker, skipWithoutMosquitto } from '../helpers/mosquitto.js';
import { startGatewayProcess, getJson } from '../helpers/gateway-process.js';
import { freePort } from '../../simulators/free-port.js';

test('with no broker the gateway keeps sampling and serving, then connects when the broker appears', { skip: skipWithoutMosquitto(), timeout: 60_000 }, async (t) => {
  const port = await freePort();
  const gw = await startGatewayProcess({ env: { MQTT_URL: `mqtt://127.0.0.1:${port}` } });
  t.after(() => gw.stop('SIGKILL'));
  const base = `http://127.0.0.1:${gw.rest}`;

  // Uplink down: REST still answers and sampling goes on.
  await new Promise((r) => setTimeout(r, 3000));
  const h1 = await getJson(`${base}/health`);
  assert.equal(h1.uplink.connected, false);
  assert.equal(h1.status, 'degraded');
  assert.ok(h1.sensors.every((s: { samples_acquired: number }) => s.samples_acquired > 1000), 'sampling continues with the uplink down');
  const latest = await getJson(`${base}/api/telemetry/latest`);
  assert.ok(latest.count > 0, 'telemetry is produced while the uplink is down');

  // The broker appears on that port: the gateway reconnects by itself and telemetry flows.
  const broker = await startBroker({ port });
  t.after(() => broker.stop());
  const sub = await mqtt.connectAsync(broker.url);
  t.after(() => sub.endAsync(true));
  const seen = new Set<string>();
  sub.on('message', (topic) => seen.add(topic.split('/')[2]));
  await sub.subscribeAsync('factory/main/+/telemetry', { qos: 1 });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && seen.size < 4) await new Promise((r) => setTimeout(r, 100));
  assert.equal(seen.size, 4, `telemetry from all robots after reconnect (saw ${[...seen]})`);
  const h2 = await getJson(`${base}/health`);
  assert.equal(h2.uplink.connected, true);
  assert.ok(gw.logs.some((l) => l.includes('uplink connected')));
  assert.equal(await gw.stop('SIGTERM'), 0);
});
