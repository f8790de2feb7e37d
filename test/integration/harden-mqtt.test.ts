import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import pino from 'pino';
import { startBroker, skipWithoutMosquitto } from '../helpers/mosquitto.js';
import { repoRoot } from '../helpers/gateway-process.js';
import { waitFor } from '../helpers/stream-recorder.js';
import { validateConfig } from '../../src/config/load.js';
import { systemClock } from '../../src/core/clock.js';
import { GatewayState } from '../../src/state/gateway-state.js';
import { MqttUplink } from '../../src/uplink/mqtt-uplink.js';
import { CommandService } from '../../src/commands/service.js';
import { CommandLedger } from '../../src/commands/ledger.js';
import { robotCommands } from '../../src/commands/robot-commands.js';

/** Issue #19 items 4, 5, 9 and 12 over a real Mosquitto: retained commands, restarts, size, strictness. */

function gateway(url: string, stateDir: string, acquisition: string[], audit: Array<Record<string, any>>, mqttChange: Record<string, unknown> = {}) {
  const config = validateConfig({ gateway: { id: 'gw-harden-mqtt', stateDir }, mqtt: { url, reconnectMinMs: 200, ...mqttChange } }, 'test');
  const state = new GatewayState({ gatewayId: config.gateway.id, site: 'main' }, systemClock, 100, [{ id: 'robot-002' }]);
  const ledger = new CommandLedger({ stateDir, clock: systemClock, log: pino({ level: 'silent' }), limits: { maxEntries: 1000, retentionMs: 3_600_000 } });
  const commands = new CommandService({
    clock: systemClock,
    audit: pino({ level: 'info' }, { write: (s: string) => void audit.push(JSON.parse(s)) }),
    store: ledger,
    robotIds: () => state.robots.keys(),
    definitions: robotCommands({ state, startAcquisition: async (id) => void acquisition.push(`start ${id}`), stopAcquisition: async (id) => void acquisition.push(`stop ${id}`) }),
  });
  const uplink = new MqttUplink(config.mqtt, state, systemClock, pino({ level: 'silent' }), { stateDir, commands });
  return {
    uplink,
    async start() {
      await ledger.start();
      await uplink.start();
      assert.ok(await waitFor(() => uplink.connected, 10_000), 'connected');
      await new Promise((r) => setTimeout(r, 400)); // command subscription in place
    },
    async stop() {
      await uplink.stop();
      await ledger.stop();
    },
  };
}

test('MQTT commands: retained ones never run, executed ids survive a restart, size and strictness', { skip: skipWithoutMosquitto(), timeout: 90_000 }, async (t) => {
  const broker = await startBroker();
  t.after(() => broker.stop());
  const stateDir = mkdtempSync(join(tmpdir(), 'fabwatch-harden-mqtt-'));
  const op = await mqtt.connectAsync(broker.url, { clientId: 'harden-op' });
  t.after(() => op.endAsync(true));
  const acks: Array<Record<string, any>> = [];
  op.on('message', (_t, p) => acks.push(JSON.parse(p.toString())));
  await op.subscribeAsync('factory/main/robot-002/cmd/ack', { qos: 1 });
  const topic = 'factory/main/robot-002/cmd';
  const ackFor = async (id: string) => {
    assert.ok(await waitFor(() => acks.some((a) => a.id === id), 10_000), `ack for ${id}`);
    return acks.find((a) => a.id === id)!;
  };

  // The probe's repro: a retained stop, then the gateway (re)starts.
  await op.publishAsync(topic, JSON.stringify({ command: 'stop_acquisition', id: 'r1' }), { qos: 1, retain: true });
  const acquisition: string[] = [];
  const audit: Array<Record<string, any>> = [];
  let gw = gateway(broker.url, stateDir, acquisition, audit);
  await gw.start();
  assert.ok(await waitFor(() => gw.uplink.status().commands_retained_ignored === 1, 5000), 'the retained command was seen and ignored');
  assert.deepEqual(acquisition, [], 'and not executed');
  assert.ok(audit.some((l) => l.audit === 'ignored' && l.code === 'COMMAND_RETAINED' && l.transport === 'mqtt'));

  // Live commands work; an executed id is remembered across a restart.
  await op.publishAsync(topic, JSON.stringify({ command: 'stop_acquisition', id: 'live-1' }), { qos: 1 });
  assert.equal((await ackFor('live-1')).status, 'ok');
  // Future issued_at (the TTL bypass), extra fields, and an oversized payload.
  await op.publishAsync(topic, JSON.stringify({ command: 'start_acquisition', id: 'future-1', issued_at: '2999-01-01T00:00:00Z' }), { qos: 1 });
  assert.equal((await ackFor('future-1')).code, 'ISSUED_IN_FUTURE');
  await op.publishAsync(topic, JSON.stringify({ command: 'start_acquisition', id: 'extra-1', robot: 'x' }), { qos: 1 });
  const extra = await ackFor('extra-1');
  assert.equal(extra.code, 'BAD_REQUEST');
  assert.match(extra.message, /additional properties \(robot\)/);
  const before = acks.length;
  // Over mqtt.commands.maxBytes (16 KiB) but within the Maximum Packet Size the gateway announces
  // (cap + 4 KiB): delivered, and refused by the gateway with an ack.
  await op.publishAsync(topic, JSON.stringify({ command: 'set_maintenance_mode', id: 'big-1', parameters: { enabled: true, note: 'x'.repeat(18_000) } }), { qos: 1 });
  assert.ok(await waitFor(() => acks.length > before, 10_000));
  const big = acks[acks.length - 1];
  assert.equal(big.code, 'INPUT_TOO_LARGE');
  assert.equal(big.id, null, 'refused before it was decoded');
  assert.ok(!audit.some((l) => JSON.stringify(l).includes('x'.repeat(300))), 'parameter values never reach the log unbounded');
  assert.deepEqual(acquisition, ['stop robot-002']);

  await gw.stop();
  gw = gateway(broker.url, stateDir, acquisition, audit);
  await gw.start();
  t.after(() => gw.stop());
  assert.equal(gw.uplink.status().commands_retained_ignored, 1, 'the retained command is ignored again after the restart');
  acks.length = 0;
  await op.publishAsync(topic, JSON.stringify({ command: 'stop_acquisition', id: 'live-1' }), { qos: 1 });
  const again = await ackFor('live-1');
  assert.equal(again.duplicate, true, 'the id executed before the restart is recognised');
  assert.deepEqual(acquisition, ['stop robot-002'], 'and not run twice');
});

/**
 * #19: MQTT 5 Maximum Packet Size. The gateway announces mqtt.commands.maxBytes + 4 KiB in CONNECT,
 * so the broker discards a bigger publish instead of sending it: the gateway never holds it in
 * memory. Order on one topic is kept, so once the ack of a small command sent after it arrives, the
 * big one would have been answered before it had it been delivered. Control: the same publish to a
 * gateway on MQTT 3.1.1 (no Maximum Packet Size) is delivered, and refused only by the gateway.
 */
test('MQTT 5: a command bigger than the announced Maximum Packet Size is never delivered to the gateway', { skip: skipWithoutMosquitto(), timeout: 90_000 }, async (t) => {
  const broker = await startBroker();
  t.after(() => broker.stop());
  const op = await mqtt.connectAsync(broker.url, { clientId: 'harden-op-size', protocolVersion: 5 });
  t.after(() => op.endAsync(true));
  const acks: Array<Record<string, any>> = [];
  op.on('message', (_t, p) => acks.push(JSON.parse(p.toString())));
  await op.subscribeAsync('factory/main/robot-002/cmd/ack', { qos: 1 });
  const topic = 'factory/main/robot-002/cmd';
  const huge = JSON.stringify({ command: 'set_maintenance_mode', id: 'huge-1', parameters: { enabled: true, note: 'x'.repeat(1_000_000) } });

  for (const protocolVersion of [5, 4] as const) {
    const audit: Array<Record<string, any>> = [];
    const gw = gateway(broker.url, mkdtempSync(join(tmpdir(), `fabwatch-maxpacket-${protocolVersion}-`)), [], audit, { protocolVersion, clientId: `gw-size-${protocolVersion}` });
    await gw.start();
    // Stopped also when an assertion fails: a running uplink would keep the test process alive.
    try {
      acks.length = 0;
      await op.publishAsync(topic, huge, { qos: 1 });
      await op.publishAsync(topic, JSON.stringify({ command: 'stop_acquisition', id: `after-huge-${protocolVersion}` }), { qos: 1 });
      assert.ok(await waitFor(() => acks.some((a) => a.id === `after-huge-${protocolVersion}`), 10_000), `MQTT ${protocolVersion}: the command after the huge one is answered`);
      const tooLarge = acks.filter((a) => a.code === 'INPUT_TOO_LARGE');
      if (protocolVersion === 5) {
        assert.equal(tooLarge.length, 0, 'MQTT 5: the broker discarded the 1 MB publish (never delivered, so never answered)');
        assert.equal(acks.length, 1, 'only the small command was delivered');
      } else assert.equal(tooLarge.length, 1, 'control, MQTT 3.1.1: the same publish is delivered and only the gateway refuses it');
    } finally {
      await gw.stop();
    }
  }
});

/**
 * MQTT 3.1.1 has no Maximum Packet Size: a gateway on protocolVersion 4 relies on the broker's
 * message_size_limit, as config/mosquitto.example.conf sets it (read from the file, so the shipped
 * example is what is tested). A publish over it is not forwarded; one under it still is.
 */
test('MQTT 3.1.1: the example broker config keeps a command over message_size_limit from the gateway', { skip: skipWithoutMosquitto(), timeout: 90_000 }, async (t) => {
  const line = readFileSync(join(repoRoot, 'config/mosquitto.example.conf'), 'utf8').split('\n').find((l) => l.startsWith('message_size_limit '))!;
  const limit = Number(line.split(/\s+/)[1]);
  assert.ok(limit > 16 * 1024, line);
  const broker = await startBroker({ extraConfig: line });
  t.after(() => broker.stop());
  const op = await mqtt.connectAsync(broker.url, { clientId: 'harden-op-limit', protocolVersion: 4 });
  t.after(() => op.endAsync(true));
  const acks: Array<Record<string, any>> = [];
  op.on('message', (_t, p) => acks.push(JSON.parse(p.toString())));
  await op.subscribeAsync('factory/main/robot-002/cmd/ack', { qos: 1 });
  const topic = 'factory/main/robot-002/cmd';
  const gw = gateway(broker.url, mkdtempSync(join(tmpdir(), 'fabwatch-msglimit-')), [], [], { protocolVersion: 4, clientId: 'gw-limit' });
  await gw.start();
  t.after(() => gw.stop());
  const body = (id: string, bytes: number) => JSON.stringify({ command: 'set_maintenance_mode', id, parameters: { enabled: true, note: 'x'.repeat(bytes) } });
  await op.publishAsync(topic, body('over-limit', limit + 1000), { qos: 1 });
  await op.publishAsync(topic, body('under-limit', 20_000), { qos: 1 });
  assert.ok(await waitFor(() => acks.length >= 1, 10_000), 'the publish under the limit is delivered and answered');
  await op.publishAsync(topic, JSON.stringify({ command: 'stop_acquisition', id: 'after-both' }), { qos: 1 });
  assert.ok(await waitFor(() => acks.some((a) => a.id === 'after-both'), 10_000));
  assert.deepEqual(acks.map((a) => a.code ?? a.status), ['INPUT_TOO_LARGE', 'ok'], 'only the one under the limit reached the gateway (refused there, id unread), then the small one');
});
