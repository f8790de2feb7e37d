import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import mqtt from 'mqtt';
import { startSimulatedGateway, wsClient, bearer, TOKENS, type RunningGateway } from '../helpers/api-fixture.js';
import { startBroker, skipWithoutMosquitto } from '../helpers/mosquitto.js';
import { maximumPacketSize } from '../../src/uplink/mqtt-options.js';

/**
 * Issue #19: property-based fuzzing of every input the gateway takes from outside (REST bodies,
 * WebSocket frames, MQTT command payloads) against the whole simulated gateway with a real
 * Mosquitto. Properties: nothing is unhandled (the process survives), every input gets a 4xx or
 * an error frame / ack with a code (never a 5xx, never silence), and sampling continues with no
 * sample lost. Seeded and bounded for `npm test`; FUZZ_RUNS=5000 (and FUZZ_SEED) for a long run.
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
const SEED = Number(process.env.FUZZ_SEED ?? 19);
const params = (numRuns: number) => ({ seed: SEED, numRuns, endOnFailure: true });

const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString', '__defineGetter__', '__lookupSetter__'];
// stop_acquisition is left out: a valid one would (rightly) stop sampling, which the properties check.
const COMMANDS = ['start_acquisition', 'set_maintenance_mode', 'acknowledge_alert', 'acknowledge_gateway_alert', ...PROTO_KEYS];
const EDGE_NUMBERS = [0, -0, 1, -1, 0.9999999999999999, 1e308, -1e308, 5e-324, Number.MAX_SAFE_INTEGER + 2, 2 ** 53, 1e21, 12345];

const edgeNumber = fc.oneof(fc.constantFrom(...EDGE_NUMBERS), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer());
const text = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom(...PROTO_KEYS, '', '\u0000', '\ud800', 'robot-001', '2999-01-01T00:00:00Z', '2020-01-01T00:00:00Z'));
const key = fc.oneof(text, fc.constantFrom(...PROTO_KEYS, 'command', 'parameters', 'id', 'issued_at', 'type', 'payload', 'channel', 'robot_id', 'token', 'features', 'confidence_level', 'enabled', 'alert_id'));
const { value } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, fc.constant(null), fc.boolean(), edgeNumber, text, fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(key, tie('value'), { maxKeys: 4 })),
}));
/** JSON text that nests `depth` levels (objects or arrays), built as text: a value this deep cannot be built and stringified. */
const deepText = fc.tuple(fc.integer({ min: 30, max: 20_000 }), fc.boolean()).map(([depth, arrays]) => (arrays ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)));
const hugeText = fc.integer({ min: 10_000, max: 70_000 }).map((n) => JSON.stringify({ command: 'set_maintenance_mode', parameters: { enabled: true, note: 'x'.repeat(n) } }));
const commandLike = fc.record({ command: fc.oneof(fc.constantFrom(...COMMANDS), value), parameters: value, id: fc.oneof(text, value), issued_at: fc.oneof(text, value) }, { requiredKeys: [] });

/** Bodies as text: hostile objects, wrong JSON, deep, huge, prototype keys as raw text. */
const bodyText = (extra: fc.Arbitrary<Record<string, unknown>>) =>
  fc.oneof(
    extra.map((o) => JSON.stringify(o)),
    value.map((v) => JSON.stringify(v) ?? 'null'),
    deepText,
    hugeText,
    fc.constantFrom('{"__proto__":{"admin":true},"command":"start_acquisition"}', '{"constructor":{"prototype":{"x":1}}}', '{', '', 'null', '[]', '"x"', '1e999', '{"command":"set_maintenance_mode","parameters":{"enabled":true}}'),
    fc.string({ unit: 'binary', maxLength: 200 }),
  );

/** A path segment for any string: lone surrogates (which encodeURIComponent refuses) become U+FFFD, as a browser would send them. */
const pathPart = (s: string) => encodeURIComponent(s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));

let unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => void unhandled.push(e);

async function gatewayUnderFuzz(t: test.TestContext, brokerUrl?: string): Promise<RunningGateway> {
  unhandled = [];
  process.on('unhandledRejection', onUnhandled);
  t.after(() => process.off('unhandledRejection', onUnhandled));
  const g = await startSimulatedGateway((raw) => {
    raw.api.corsOrigins = ['*'];
    raw.api.commandRateLimit = { max: 1_000_000, windowS: 60 };
    raw.api.readRateLimit = { max: 1_000_000, windowS: 60 };
    if (brokerUrl) raw.mqtt = { url: brokerUrl, reconnectMinMs: 200 };
  });
  t.after(() => g.stop());
  await g.pump(1500);
  return g;
}

/** Sampling went on through the fuzzing: more samples, none lost. */
async function assertSamplingContinues(g: RunningGateway): Promise<void> {
  const acquired = () => [...g.gw.sensors.values()].reduce((n, s) => n + s.stats.samplesAcquired, 0);
  const lost = () => [...g.gw.sensors.values()].reduce((n, s) => n + s.stats.samplesLost, 0);
  const before = acquired();
  await g.pump(500);
  assert.ok(acquired() > before, 'samples are still acquired');
  assert.equal(lost(), 0, 'no sample lost');
  assert.deepEqual(unhandled, [], 'nothing unhandled');
}

test('fuzz REST: hostile command and ML bodies get 2xx or a 4xx with a code, never a 5xx', { timeout: 180_000 }, async (t) => {
  const g = await gatewayUnderFuzz(t);
  const send = async (path: string, body: string, headers: Record<string, string>) => {
    const res = await fetch(`${g.base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const text = await res.text();
    assert.ok(res.status < 500, `${path} ${body.slice(0, 200)} -> ${res.status} ${text.slice(0, 200)}`);
    if (res.status >= 400) assert.match(JSON.parse(text).error.code, /^[A-Z_]+$/, text.slice(0, 200));
  };
  const robot = fc.oneof(fc.constantFrom('robot-001', 'robot-002', 'robot-999', '__proto__', 'hasOwnProperty', 'a'.repeat(65)), text);
  await fc.assert(fc.asyncProperty(robot, bodyText(commandLike), async (r, body) => send(`/api/robots/${pathPart(r)}/command`, body, bearer(TOKENS.tech))), params(RUNS));
  const predict = fc.record({ robot_id: fc.oneof(fc.constantFrom('robot-001', 'robot-999', '__proto__'), value), features: fc.oneof(fc.array(edgeNumber, { minLength: 5, maxLength: 5 }), value), confidence_level: fc.oneof(edgeNumber, value) }, { requiredKeys: [] });
  await fc.assert(fc.asyncProperty(bodyText(predict), async (body) => send('/api/ml/predict', body, {})), params(RUNS));
  await fc.assert(fc.asyncProperty(fc.oneof(text, fc.constantFrom('__proto__', 'constructor')), bodyText(fc.record({ id: value, issued_at: value }, { requiredKeys: [] })), async (id, body) => send(`/api/alerts/${pathPart(id)}/acknowledge`, body, bearer(TOKENS.tech))), params(Math.ceil(RUNS / 2)));
  await assertSamplingContinues(g);
});

test('fuzz WebSocket: every hostile frame gets exactly one answer (an error frame with a code, or the reply)', { timeout: 180_000 }, async (t) => {
  const g = await gatewayUnderFuzz(t);
  const c = await wsClient(g.ws, { headers: { origin: 'http://evil.example' } });
  t.after(() => c.ws.terminate());
  await c.next((f) => f.type === 'init');
  const REPLIES = new Set(['error', 'pong', 'subscribed', 'command_result']);
  const frame = fc.oneof(
    bodyText(fc.record({ type: fc.oneof(fc.constantFrom('ping', 'subscribe', 'unsubscribe', 'command', ...PROTO_KEYS), value), payload: value, channel: fc.oneof(fc.constantFrom('all', 'robot-001', 'telemetry'), value), robot_id: fc.oneof(fc.constantFrom('robot-001'), value), token: fc.oneof(fc.constant(TOKENS.tech), text), command: fc.oneof(fc.constantFrom(...COMMANDS), value), parameters: value, id: value }, { requiredKeys: ['type'] })),
    fc.constantFrom(...PROTO_KEYS).map((type) => JSON.stringify({ type })),
  );
  await fc.assert(
    fc.asyncProperty(frame, async (f) => {
      if (Buffer.byteLength(f) > 64 * 1024) return; // over maxPayload the server closes the connection (1009) by design
      const seen = c.frames.length;
      c.ws.send(f);
      const reply = await c.next((x) => c.frames.indexOf(x) >= seen && REPLIES.has(x.type), 10_000);
      if (reply.type === 'error') assert.match(reply.payload.code, /^[A-Z_]+$/);
      await new Promise((r) => setTimeout(r, 5)); // a second answer to the same frame would be caught by the next run
      assert.equal(c.frames.slice(seen).filter((x) => REPLIES.has(x.type)).length, 1, `one answer to ${f.slice(0, 200)}`);
    }),
    params(RUNS * 2),
  );
  assert.equal(c.ws.readyState, c.ws.OPEN, 'no frame cost the connection');
  await assertSamplingContinues(g);
});

/**
 * MQTT 5 Maximum Packet Size (#19): the gateway announces mqtt.commands.maxBytes + 4 KiB (model
 * updates are off here), so the broker never delivers a bigger command: no ack is the right answer
 * for it. The size of the PUBLISH the broker forwards: fixed header (1 + remaining-length varint),
 * topic (2 + length), packet id (2), properties length (1, none), payload.
 */
const MAX_PACKET = maximumPacketSize({ commandBytes: 16 * 1024 })!;
function forwardedBytes(topic: string, payload: string): number {
  const rest = 2 + Buffer.byteLength(topic) + 2 + 1 + Buffer.byteLength(payload);
  return 1 + (rest < 128 ? 1 : rest < 16_384 ? 2 : rest < 2_097_152 ? 3 : 4) + rest;
}

test('fuzz MQTT: every hostile command payload gets an ack with a status and a code', { skip: skipWithoutMosquitto(), timeout: 180_000 }, async (t) => {
  const broker = await startBroker();
  t.after(() => broker.stop());
  const g = await gatewayUnderFuzz(t, broker.url);
  const start = Date.now();
  while (!g.gw.uplink.connected && Date.now() - start < 10_000) await g.pump(50);
  assert.ok(g.gw.uplink.connected);
  await new Promise((r) => setTimeout(r, 400));
  const op = await mqtt.connectAsync(broker.url, { clientId: 'fuzz-op' });
  t.after(() => op.endAsync(true));
  const acks: Array<Record<string, any>> = [];
  op.on('message', (_t, p) => acks.push(JSON.parse(p.toString())));
  await op.subscribeAsync('factory/main/robot-001/cmd/ack', { qos: 1 });
  const payload = fc.oneof(bodyText(commandLike), fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1')));
  let sent = 0;
  let tooBigForTheGateway = 0;
  await fc.assert(
    fc.asyncProperty(payload, async (p) => {
      const size = forwardedBytes('factory/main/robot-001/cmd', p);
      fc.pre(Math.abs(size - MAX_PACKET) > 64); // not at the exact edge of the broker's limit (its framing could differ by a byte)
      if (size > MAX_PACKET) {
        // Never delivered (harden-mqtt.test.ts shows it), so never answered: the next ack checked is the next delivered command's.
        await op.publishAsync('factory/main/robot-001/cmd', p, { qos: 1 });
        tooBigForTheGateway++;
        return;
      }
      sent++;
      await op.publishAsync('factory/main/robot-001/cmd', p, { qos: 1 });
      const deadline = Date.now() + 10_000;
      while (acks.length < sent && Date.now() < deadline) await g.pump(20); // acks leave through the outbox, flushed on the gateway's clock
      assert.equal(acks.length, sent, `an ack for ${p.slice(0, 200)}`);
      const ack = acks[sent - 1];
      assert.ok(['ok', 'rejected', 'failed'].includes(ack.status));
      if (ack.status !== 'ok') assert.match(ack.code, /^[A-Z_]+$/);
    }),
    params(RUNS),
  );
  t.diagnostic(`${sent} commands delivered and answered; ${tooBigForTheGateway} over the MQTT 5 Maximum Packet Size, discarded by the broker (an extra ack would have failed the count)`);
  assert.ok(g.gw.uplink.connected, 'the uplink stayed up');
  await assertSamplingContinues(g);
});
