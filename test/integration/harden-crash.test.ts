import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startBroker, skipWithoutMosquitto } from '../helpers/mosquitto.js';
import { startGatewayProcess } from '../helpers/gateway-process.js';
import { wsClient, post, get, bearer, TOKENS, tokenEntries } from '../helpers/api-fixture.js';
import { waitFor } from '../helpers/stream-recorder.js';

/**
 * Issue #19, items 1-3: input that used to end the process, sent to a real gateway process the
 * way the outside probe sent it (a real WebSocket client, real HTTP, a real Mosquitto publish).
 * After each, the process must still be running and answering.
 */

const PROTOTYPE_NAMES = ['hasOwnProperty', '__proto__', 'valueOf', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString', '__defineGetter__', 'constructor', 'toString'];
const nestedArrays = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

async function gatewayConfig(brokerUrl: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'fabwatch-harden-'));
  const file = join(dir, 'gw.json');
  const robot = (id: string, address: number, seed: number) => ({ id, accelerometer: { driver: 'adxl345', bus: 1, address, odrHz: 1600, simulator: { seed } }, analysis: { windowSize: 512, spectrumBins: 16 } });
  writeFileSync(
    file,
    JSON.stringify({
      gateway: { id: 'gw-harden', site: 'main', simulation: true, environment: 'test', testAlertIntervalMs: 0, stateDir: join(dir, 'state') },
      mqtt: { url: brokerUrl, reconnectMinMs: 200, reconnectMaxMs: 2000 },
      api: { port: 0, wsPort: 0, host: '127.0.0.1', corsOrigins: ['*'], auth: { read: 'open', tokens: await tokenEntries() } },
      robots: [robot('robot-a', 0x53, 1), robot('robot-b', 0x1d, 2)],
    }),
  );
  return file;
}

test('hostile frames, bodies and publishes that used to crash the gateway get an error with a code; the process keeps serving', { skip: skipWithoutMosquitto(), timeout: 90_000 }, async (t) => {
  const broker = await startBroker();
  t.after(() => broker.stop());
  const gw = await startGatewayProcess({ config: await gatewayConfig(broker.url) });
  t.after(() => gw.stop());
  const base = `http://127.0.0.1:${gw.rest}`;
  const alive = async (what: string) => {
    assert.equal(gw.proc.exitCode, null, `process still running after ${what}`);
    assert.equal((await get(`${base}/health`)).status, 200, `/health answers after ${what}`);
  };

  // 1. Frame types that name members of Object.prototype: unauthenticated, a browser page could send them.
  const c = await wsClient(`ws://127.0.0.1:${gw.ws}`, { headers: { origin: 'http://evil.example' } });
  t.after(() => c.ws.terminate());
  await c.next((f) => f.type === 'init');
  for (const name of PROTOTYPE_NAMES) {
    c.ws.send(JSON.stringify({ type: name }));
    const e = await c.next((f) => f.type === 'error' && f.payload.message.includes(`"${name}"`));
    assert.equal(e.payload.code, 'UNKNOWN_TYPE', name);
  }
  await alive('prototype-named frame types');

  // 2. A ping whose payload is 6,000 nested arrays (12 KB): refused before parsing, not echoed.
  c.ws.send(`{"type":"ping","payload":${nestedArrays(6000)}}`);
  assert.equal((await c.next((f) => f.type === 'error' && f.payload.code === 'INPUT_TOO_DEEP')).payload.code, 'INPUT_TOO_DEEP');
  c.ws.send(JSON.stringify({ type: 'ping', payload: { n: 1 } }));
  assert.deepEqual((await c.next((f) => f.type === 'pong')).payload.echo, { n: 1 }, 'the same connection still works');
  await alive('a deeply nested ping');

  // 3a. Command parameters nested 15,000 deep over WebSocket, with a valid token.
  const deepParams = (depth: number) => `{"type":"command","robot_id":"robot-a","command":"set_maintenance_mode","id":"deep-ws","token":"${TOKENS.tech}","parameters":{"x":${nestedArrays(depth)}}}`;
  const seen = c.frames.length;
  c.ws.send(deepParams(15_000));
  const wsDeep = await c.next((f) => c.frames.indexOf(f) >= seen && f.type === 'error');
  assert.equal(wsDeep.payload.code, 'INPUT_TOO_DEEP');
  assert.match(wsDeep.payload.message, /nested deeper than 32/);
  await alive('deep command parameters over WebSocket');

  // 3b. The same over REST: a 400 with its code (not a 500), and an audited outcome.
  const rest = await post(`${base}/api/robots/robot-a/command`, `{"command":"set_maintenance_mode","id":"deep-rest","parameters":{"x":${nestedArrays(15_000)}}}`, bearer(TOKENS.tech));
  assert.equal(rest.status, 400);
  assert.equal(rest.body.error.code, 'INPUT_TOO_DEEP');
  await alive('deep command parameters over REST');
  assert.ok(await waitFor(() => gw.logs.some((l) => l.includes('"audit":"outcome"') && l.includes('INPUT_TOO_DEEP')), 3000), 'the refusal is in the audit log');

  // 3c. The same over MQTT: an ack with a code is always sent.
  const op = await mqtt.connectAsync(broker.url, { clientId: 'harden-operator' });
  t.after(() => op.endAsync(true));
  const acks: Array<Record<string, any>> = [];
  op.on('message', (_topic, payload) => acks.push(JSON.parse(payload.toString())));
  await op.subscribeAsync('factory/main/robot-a/cmd/ack', { qos: 1 });
  assert.ok(await waitFor(() => gw.logs.some((l) => l.includes('listening for commands')), 10_000), 'gateway subscribed to commands');
  await op.publishAsync('factory/main/robot-a/cmd', `{"command":"set_maintenance_mode","id":"deep-mqtt","parameters":{"x":${nestedArrays(7_000)}}}`, { qos: 1 });
  assert.ok(await waitFor(() => acks.length >= 1, 10_000), 'an ack arrives');
  assert.equal(acks[0].status, 'rejected');
  assert.equal(acks[0].code, 'INPUT_TOO_DEEP');
  await alive('deep command parameters over MQTT');
  assert.ok(!gw.logs.some((l) => /unhandled|uncaught|RangeError/i.test(l)), 'nothing unhandled in the log');
  const dupComponent = gw.logs.filter((l) => (l.match(/"component":/g) ?? []).length > 1);
  assert.deepEqual(dupComponent.slice(0, 3), [], 'no log line repeats the component key');
  assert.ok(gw.logs.some((l) => l.includes('"component":"audit"')), 'audit lines were written (the check above saw some)');
});
