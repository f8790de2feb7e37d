import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import pino from 'pino';
import { startBroker, skipWithoutMosquitto } from '../helpers/mosquitto.js';
import { waitFor } from '../helpers/stream-recorder.js';
import { validateConfig } from '../../src/config/load.js';
import { systemClock } from '../../src/core/clock.js';
import { GatewayState } from '../../src/state/gateway-state.js';
import { MqttUplink } from '../../src/uplink/mqtt-uplink.js';
import { CommandService } from '../../src/commands/service.js';
import { CommandLedger } from '../../src/commands/ledger.js';
import { robotCommands } from '../../src/commands/robot-commands.js';

/** Issue #19 items 4, 5, 9 and 12 over a real Mosquitto: retained commands, restarts, size, strictness. */

function gateway(url: string, stateDir: string, acquisition: string[], audit: Array<Record<string, any>>) {
  const config = validateConfig({ gateway: { id: 'gw-harden-mqtt', stateDir }, mqtt: { url, reconnectMinMs: 200 } }, 'test');
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
  await op.publishAsync(topic, JSON.stringify({ command: 'set_maintenance_mode', id: 'big-1', parameters: { enabled: true, note: 'x'.repeat(100_000) } }), { qos: 1 });
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
