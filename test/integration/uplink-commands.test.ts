import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import pino from 'pino';
import { startBroker, skipWithoutMosquitto } from '../helpers/mosquitto.js';
import { waitFor } from '../helpers/stream-recorder.js';
import { payloadErrors } from '../helpers/payload-schemas.js';
import { validateConfig } from '../../src/config/load.js';
import { systemClock } from '../../src/core/clock.js';
import { GatewayState } from '../../src/state/gateway-state.js';
import { MqttUplink } from '../../src/uplink/mqtt-uplink.js';
import { CommandService } from '../../src/commands/service.js';
import { robotCommands } from '../../src/commands/robot-commands.js';

function gateway(url: string, protocolVersion: 4 | 5, audit: string[]) {
  const config = validateConfig({ gateway: { id: `gw-cmd-v${protocolVersion}`, stateDir: mkdtempSync(join(tmpdir(), 'fabwatch-state-')) }, mqtt: { url, protocolVersion, reconnectMinMs: 200 } }, 'test');
  const state = new GatewayState({ gatewayId: config.gateway.id, site: 'main' }, systemClock, 100, [{ id: 'robot-001' }]);
  const acquisition: string[] = [];
  const commands = new CommandService({
    clock: systemClock,
    audit: pino({ level: 'info' }, { write: (s: string) => audit.push(s) }),
    robotIds: () => state.robots.keys(),
    definitions: robotCommands({ state, startAcquisition: async (id) => void acquisition.push(`start ${id}`), stopAcquisition: async (id) => void acquisition.push(`stop ${id}`) }),
  });
  const uplink = new MqttUplink(config.mqtt, state, systemClock, pino({ level: 'silent' }), { stateDir: config.gateway.stateDir, commands });
  return { uplink, state, acquisition };
}

test('commands over MQTT: validated, deduplicated, expired refused, malformed answered; acks through the outbox; MQTT 5 response topic', { skip: skipWithoutMosquitto(), timeout: 60_000 }, async (t) => {
  const broker = await startBroker();
  t.after(() => broker.stop());
  const audit: string[] = [];
  const gw = gateway(broker.url, 5, audit);
  await gw.uplink.start();
  t.after(() => gw.uplink.stop());
  assert.ok(await waitFor(() => gw.uplink.connected, 10_000));

  const client = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'operator-console' });
  t.after(() => client.endAsync(true));
  const acks: Array<Record<string, any>> = [];
  const responses: Array<{ body: Record<string, any>; correlation?: string }> = [];
  client.on('message', (topic, payload, packet) => {
    const body = JSON.parse(payload.toString());
    if (topic === 'factory/main/robot-001/cmd/ack') acks.push(body);
    if (topic === 'operator/responses') responses.push({ body, correlation: packet.properties?.correlationData?.toString() });
  });
  await client.subscribeAsync(['factory/main/+/cmd/ack', 'operator/responses'], { qos: 1 });
  await new Promise((r) => setTimeout(r, 300)); // the gateway's command subscription is in place

  const send = (body: string, props?: mqtt.IClientPublishOptions['properties']) => client.publishAsync('factory/main/robot-001/cmd', body, { qos: 1, properties: props });
  const now = () => new Date().toISOString();
  await send(JSON.stringify({ command: 'set_maintenance_mode', parameters: { enabled: true }, id: 'c-1', issued_at: now() }), { responseTopic: 'operator/responses', correlationData: Buffer.from('corr-42') });
  assert.ok(await waitFor(() => acks.length >= 1, 5000));
  await send(JSON.stringify({ command: 'set_maintenance_mode', parameters: { enabled: true }, id: 'c-1', issued_at: now() }));
  await send('{not json');
  await send(JSON.stringify({ command: 'self_destruct', id: 'c-2' }));
  await send(JSON.stringify({ command: 'set_maintenance_mode', parameters: { enabled: 'yes' }, id: 'c-3' }));
  await send(JSON.stringify({ command: 'stop_acquisition', id: 'c-4', issued_at: new Date(Date.now() - 3_600_000).toISOString() }));
  await send(JSON.stringify([1, 2]));
  await send(JSON.stringify({ command: 'stop_acquisition', id: 'c-5', parameters: {} }));
  // Another gateway's robot: not ours, no answer from us.
  await client.publishAsync('factory/main/robot-999/cmd', JSON.stringify({ command: 'stop_acquisition', id: 'c-6' }), { qos: 1 });
  assert.ok(await waitFor(() => acks.length >= 8, 5000), `8 acks (got ${acks.length})`);
  await new Promise((r) => setTimeout(r, 300));

  assert.equal(acks.length, 8, 'one ack per command to this robot, none for robot-999');
  assert.deepEqual(acks.map((a) => a.seq), [1, 2, 3, 4, 5, 6, 7, 8], 'acks are a seq stream of their own');
  assert.ok(acks.every((a) => a.gateway_id === 'gw-cmd-v5' && a.robot_id === 'robot-001' && a.source === 'mqtt'));
  for (const a of acks) assert.equal(payloadErrors('command-ack', a), '', 'ack matches docs/schemas/command-ack.json');
  const [ok, dup, bad, unknown, badParams, expired, notObject, stop] = acks;
  assert.equal(ok.status, 'ok');
  assert.deepEqual(ok.result, { maintenance: true });
  assert.ok(gw.state.maintenance.has('robot-001'), 'the command took effect');
  assert.equal(dup.status, 'ok');
  assert.equal(dup.duplicate, true, 'a repeated id is not executed twice');
  assert.equal(bad.status, 'rejected');
  assert.equal(bad.code, 'BAD_REQUEST');
  assert.equal(bad.id, null);
  assert.equal(unknown.code, 'UNKNOWN_COMMAND');
  assert.equal(badParams.code, 'BAD_PARAMETERS');
  assert.equal(expired.code, 'EXPIRED');
  assert.equal(notObject.code, 'BAD_REQUEST');
  assert.equal(stop.status, 'ok');
  assert.deepEqual(gw.acquisition, ['stop robot-001'], 'only the valid, fresh stop ran');

  assert.equal(responses.length, 1, 'MQTT 5: the reply also goes to the response topic');
  assert.equal(responses[0].correlation, 'corr-42', 'with the correlation data');
  assert.equal(responses[0].body.id, 'c-1');
  assert.ok(audit.some((l) => l.includes('"audit":"outcome"') && l.includes('c-2')), 'outcomes are audited');
  assert.ok(gw.uplink.connected, 'malformed input never broke the uplink');

  // A broker restarted without persistence has lost the retained status: the gateway publishes it again on reconnect.
  const port = broker.port;
  await broker.stop();
  const restarted = await startBroker({ port });
  t.after(() => restarted.stop());
  const restartedAt = Date.now();
  assert.ok(await waitFor(() => gw.uplink.connected, 15_000), 'reconnects after the broker restart');
  const watcher = await mqtt.connectAsync(restarted.url, { clientId: 'status-watcher' });
  t.after(() => watcher.endAsync(true));
  const retained: Array<{ state: string; ts: string }> = [];
  watcher.on('message', (_topic, p, packet) => packet.retain && retained.push(JSON.parse(p.toString())));
  await watcher.subscribeAsync('factory/main/gateways/gw-cmd-v5/status', { qos: 1 });
  assert.ok(await waitFor(() => retained.length > 0, 3000), 'retained status present on the new broker');
  assert.equal(retained[0].state, 'online');
  assert.ok(Date.parse(retained[0].ts) >= restartedAt - 1000, 'refreshed after the restart');
  assert.equal(payloadErrors('gateway-status', retained[0]), '');

  // MQTT 3.1.1 works too (no response topic there).
  const v4 = gateway(restarted.url, 4, []);
  await v4.uplink.start();
  t.after(() => v4.uplink.stop());
  assert.ok(await waitFor(() => v4.uplink.connected, 10_000), 'MQTT 3.1.1 connects');
});
