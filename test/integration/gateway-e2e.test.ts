import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import WebSocket from 'ws';
import { startBroker, skipWithoutMosquitto, type Broker } from '../helpers/mosquitto.js';
import { startGatewayProcess, getJson, json, type GatewayProcess } from '../helpers/gateway-process.js';

const ROBOTS = ['robot-001', 'robot-002', 'robot-003', 'robot-004'];
const skip = skipWithoutMosquitto();

interface Telemetry {
  robot_id: string;
  gateway_id: string;
  ts: string;
  seq: number;
  temperature: number | null;
  health_score: number;
  vibration: { rms: number; peak: number };
  iso20816: { zone: string };
  diagnosis: { label: string };
  spectrum: { amplitudes: number[] };
  units: Record<string, string>;
}

test('simulated gateway end to end against a real Mosquitto', { skip, timeout: 90_000 }, async (t) => {
  const broker: Broker = await startBroker();
  t.after(() => broker.stop());

  // Subscribe before the gateway starts so every seq from 1 is seen.
  const sub = await mqtt.connectAsync(broker.url, { clientId: 'e2e-sub', clean: true });
  t.after(() => sub.endAsync(true));
  const received = new Map<string, Telemetry[]>();
  const statuses: Array<{ state: string; gateway_id: string }> = [];
  sub.on('message', (topic, payload) => {
    const body = JSON.parse(payload.toString());
    if (topic.endsWith('/status') && topic.startsWith('factory/main/gateways/')) statuses.push(body);
    const m = /^factory\/main\/([^/]+)\/telemetry$/.exec(topic);
    if (m) {
      const list = received.get(m[1]) ?? [];
      list.push(body);
      received.set(m[1], list);
    }
  });
  await sub.subscribeAsync(['factory/main/+/telemetry', 'factory/main/gateways/+/status', 'cleanroom/main/status'], { qos: 1 });

  const gw: GatewayProcess = await startGatewayProcess({ env: { MQTT_URL: broker.url } });
  t.after(() => gw.stop('SIGKILL'));

  // Telemetry from every robot within 10 s of start; then enough messages to check seq continuity.
  const waitUntil = async (ms: number, cond: () => boolean) => {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline && !cond()) await new Promise((r) => setTimeout(r, 100));
  };
  await waitUntil(10_000, () => ROBOTS.every((r) => (received.get(r)?.length ?? 0) >= 1));
  for (const r of ROBOTS) assert.ok((received.get(r)?.length ?? 0) >= 1, `telemetry from ${r} within 10 s of start`);
  await waitUntil(30_000, () => ROBOTS.every((r) => (received.get(r)?.length ?? 0) >= 3));
  for (const r of ROBOTS) assert.ok((received.get(r)?.length ?? 0) >= 3, `at least 3 telemetry messages from ${r} (got ${received.get(r)?.length ?? 0})`);

  for (const r of ROBOTS) {
    const msgs = received.get(r)!;
    // The prototype's keys where subscribers already parse them, plus identity, time, units, seq.
    for (const m of msgs) {
      assert.equal(m.robot_id, r);
      assert.equal(m.gateway_id, 'gw-sim-01');
      assert.ok(typeof m.temperature === 'number' && m.temperature > 20 && m.temperature < 60, `temperature plausible: ${m.temperature}`);
      assert.ok(typeof m.vibration.rms === 'number' && m.vibration.rms > 0);
      assert.ok(['A', 'B', 'C', 'D'].includes(m.iso20816.zone), 'ISO 20816 zone');
      assert.equal(typeof m.diagnosis.label, 'string');
      assert.ok(typeof m.health_score === 'number' && m.health_score >= 0 && m.health_score <= 100);
      assert.ok(!Number.isNaN(Date.parse(m.ts)) && m.ts.endsWith('Z'), 'ISO-8601 UTC ts');
      assert.equal(m.units['vibration.rms'], 'g');
      assert.ok(m.spectrum.amplitudes.length > 0);
    }
    // Gap-free seq from 1.
    assert.deepEqual(msgs.map((m) => m.seq), msgs.map((_, i) => i + 1), `gap-free seq for ${r}`);
  }
  // The simulated imbalance robot vibrates more than the healthy one: the values come from the model.
  const rms = (r: string) => received.get(r)!.at(-1)!.vibration.rms;
  assert.ok(rms('robot-003') > 2 * rms('robot-001'), `robot-003 (imbalance) rms ${rms('robot-003')} > 2x robot-001 ${rms('robot-001')}`);
  assert.ok(statuses.some((s) => s.state === 'online' && s.gateway_id === 'gw-sim-01'), 'retained online status');

  // REST.
  const base = `http://127.0.0.1:${gw.rest}`;
  const health = await getJson(`${base}/health`);
  assert.equal(health.gateway_id, 'gw-sim-01');
  assert.equal(health.uplink.connected, true);
  const robots = await getJson(`${base}/api/robots`);
  assert.deepEqual(robots.robots.map((r: { robot_id: string }) => r.robot_id), ROBOTS);
  const one = await fetch(`${base}/api/robots/robot-002`);
  assert.equal(one.status, 200);
  assert.equal((await json(one)).robot_id, 'robot-002');
  const missing = await fetch(`${base}/api/robots/robot-999`);
  assert.equal(missing.status, 404);
  assert.equal((await json(missing)).error.code, 'ROBOT_NOT_FOUND');
  const latest = await getJson(`${base}/api/telemetry/latest?robot=robot-001&limit=2`);
  assert.equal(latest.count, 2);
  assert.ok(latest.records.every((r: Telemetry) => r.robot_id === 'robot-001'));
  const cleanroom = await fetch(`${base}/api/cleanroom/status`);
  assert.equal(cleanroom.status, 200);
  assert.equal((await json(cleanroom)).site, 'main');

  // WebSocket on WS_PORT and on /ws: init, then telemetry; ping answered; bad frame -> error frame.
  for (const url of [`ws://127.0.0.1:${gw.ws}`, `ws://127.0.0.1:${gw.rest}/ws`]) {
    const ws = new WebSocket(url);
    const frames: Array<{ type: string; payload: any }> = [];
    ws.on('message', (d) => frames.push(JSON.parse(d.toString())));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ type: 'ping' }));
    ws.send('{not json');
    const until = Date.now() + 8000;
    while (Date.now() < until && !(frames.some((f) => f.type === 'telemetry') && frames.some((f) => f.type === 'pong') && frames.some((f) => f.type === 'error'))) await new Promise((r) => setTimeout(r, 50));
    assert.equal(frames[0].type, 'init', `${url}: first frame is init`);
    assert.equal(frames[0].payload.robots.length, 4);
    assert.ok(frames.some((f) => f.type === 'telemetry'), `${url}: telemetry frames`);
    assert.ok(frames.some((f) => f.type === 'pong'), `${url}: ping answered`);
    assert.equal(frames.find((f) => f.type === 'error')?.payload.code, 'BAD_FRAME');
    assert.equal(ws.readyState, WebSocket.OPEN, 'malformed frame does not drop the connection');
    ws.close();
  }

  // SIGTERM: clean exit 0 within 5 s, and the retained status says offline.
  const t0 = Date.now();
  const code = await gw.stop('SIGTERM');
  assert.equal(code, 0);
  assert.ok(Date.now() - t0 < 5000, `stopped in ${Date.now() - t0} ms`);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(statuses.at(-1)?.state, 'offline');
});
