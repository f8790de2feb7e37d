import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { BdSeqStore } from '../../src/uplink/sparkplug/bdseq.js';
import { HostTracker, parseHostState } from '../../src/uplink/sparkplug/host-state.js';
import { commandMetrics, runDcmdWrite } from '../../src/uplink/sparkplug/dcmd.js';
import { EntityCatalogue, birthMetrics, dataMetrics } from '../../src/uplink/sparkplug/devices.js';
import { robotTelemetry, locationMetrics, nodeAlerts, nodeInfo, BD_SEQ, REBIRTH, MAINTENANCE, STREAM_SEQ, COMMAND_RESULT, type MetricDef } from '../../src/uplink/sparkplug/metrics.js';
import { decodePayload, encodePayload, toNumber } from '../../src/uplink/sparkplug/codec.js';
import { parseTopic, spbTopics } from '../../src/uplink/sparkplug/topics.js';
import { CommandService } from '../../src/commands/service.js';
import { robotCommands } from '../../src/commands/robot-commands.js';
import { GatewayState } from '../../src/state/gateway-state.js';
import { ManualClock } from '../../src/core/clock.js';
import { makeTelemetry } from '../helpers/telemetry.js';

test('bdSeq: starts at 0, +1 per connection, persisted, wraps 255 -> 0, an unreadable file restarts at 0', () => {
  const dir = mkdtempSync(join(tmpdir(), 'spb-bdseq-'));
  const path = join(dir, 'sub', 'sparkplug-bdseq');
  const a = new BdSeqStore(path);
  assert.equal(a.current(), null);
  assert.deepEqual([a.next(), a.next()], [0, 1]);
  assert.equal(new BdSeqStore(path).next(), 2, 'continues after a restart');
  writeFileSync(path, '255\n');
  assert.equal(new BdSeqStore(path).next(), 0, 'wraps');
  assert.equal(readFileSync(path, 'utf8'), '0\n');
  writeFileSync(path, 'garbage');
  assert.equal(new BdSeqStore(path).next(), 0);
  // Not writable (a file where the directory should be): still advances, in memory, and says why.
  const blocked = new BdSeqStore(join(path, 'x', 'bdseq'));
  assert.deepEqual([blocked.next(), blocked.next()], [0, 1]);
  assert.match(blocked.lastError ?? '', /ENOTDIR|EEXIST/);
});

test('primary host STATE: JSON {online, timestamp}; older messages are stale; a newer online is a comeback', () => {
  assert.equal(parseHostState(Buffer.from('ONLINE')), null, 'Sparkplug 2.2 string form refused');
  assert.equal(parseHostState(Buffer.from('{"online":"yes","timestamp":1}')), null);
  const h = new HostTracker();
  assert.equal(h.update({ online: true, timestamp: 10 }), 'online');
  assert.equal(h.update({ online: true, timestamp: 10 }), 'same', 'the same retained message again');
  assert.equal(h.update({ online: false, timestamp: 5 }), 'stale', 'an old will delivered late');
  assert.equal(h.online, true);
  assert.equal(h.update({ online: false, timestamp: 11 }), 'offline');
  assert.equal(h.update({ online: true, timestamp: 12 }), 'online');
  assert.equal(h.update({ online: true, timestamp: 13 }), 'online', 'host reconnected without us seeing it offline: rebirth');
});

test('topics', () => {
  assert.equal(spbTopics.device('fab', 'DDATA', 'gw', 'robot-1'), 'spBv1.0/fab/DDATA/gw/robot-1');
  assert.deepEqual(parseTopic('spBv1.0/fab/DCMD/gw/robot-1'), { group: 'fab', type: 'DCMD', node: 'gw', device: 'robot-1' });
  assert.equal(parseTopic('spBv1.0/STATE/scada'), null);
  assert.equal(parseTopic('factory/main/x/cmd'), null);
});

test('metric catalogue: every metric is read from the JSON record, names unique, aliases unique across the node', () => {
  const rec = makeTelemetry('robot-1', Date.UTC(2026, 0, 1), 0.3, { rul: { rul_state: 'degrading', rul_s: 3600, rul_low_s: 1800, rul_high_s: 7200, unit: 's', confidence_level: 0.9, health_indicator: 0.4, model_version: 'm1', baseline_ready: true, input_window: { snapshots: 1, from: '', to: '' }, ts: '' } });
  const values = robotTelemetry.read(rec);
  assert.deepEqual(Object.keys(values).sort(), robotTelemetry.defs.map((d) => d.name).sort());
  assert.equal(values['Vibration/X/Velocity RMS'], 3);
  assert.equal(values['RUL/High'], 7200);
  assert.equal(values['RUL/State'], 'degrading');
  assert.equal(robotTelemetry.read({ ...rec, rul: null })['RUL/Remaining'], null, 'no estimate = null (is_null in the payload)');
  const loc = locationMetrics([0.5, 5]);
  assert.equal(new Set(loc.defs.map((d) => d.name)).size, loc.defs.length);
  const cmds = commandMetrics(new CommandService({ clock: new ManualClock(), audit: pino({ level: 'silent' }), robotIds: () => [], definitions: robotCommands({ state: new GatewayState({ gatewayId: 'g', site: 's' }, new ManualClock()), startAcquisition: async () => undefined, stopAcquisition: async () => undefined, resetRul: () => undefined }) }).catalogue());
  assert.deepEqual(cmds.map((c) => [c.def.name, c.def.type, c.parameter ?? null]), [
    ['Commands/start_acquisition', 'Boolean', null],
    ['Commands/stop_acquisition', 'Boolean', null],
    ['Commands/set_maintenance_mode', 'Boolean', 'enabled'],
    ['Commands/acknowledge_alert', 'String', 'alert_id'],
    ['Commands/reset_rul', 'Boolean', null],
  ]);
  const cat = new EntityCatalogue({ robots: ['robot-1', 'robot-2'], locations: [{ id: 'pc-1', sizesUm: [0.5, 5] }], commands: cmds });
  const all = [cat.node, ...cat.devices.values()].flatMap((e) => [...e.alias.values()]);
  assert.equal(new Set(all).size, all.length, 'aliases unique across the edge node');
  // A birth carries every metric with name, alias, datatype (and unit); data only changes, by alias.
  const robot = cat.devices.get('robot-1')!;
  const birth = decodePayload(encodePayload({ timestamp: 1, seq: 1, metrics: birthMetrics(robot, 1, {}) })).metrics!;
  assert.equal(birth.length, robot.defs.length);
  assert.ok(birth.every((m) => m.name && toNumber(m.alias) !== null && m.type));
  assert.equal(birth.find((m) => m.name === 'Temperature')!.properties!.engUnit.value, 'degC');
  assert.deepEqual(EntityCatalogue.changes(robot, { Temperature: 40, Status: 'ok' }), { Temperature: 40, Status: 'ok' });
  assert.deepEqual(EntityCatalogue.changes(robot, { Temperature: 40, Status: 'warning' }), { Status: 'warning' });
  const data = decodePayload(encodePayload({ timestamp: 2, seq: 2, metrics: dataMetrics(robot, { Status: 'warning', 'RUL/Low': null }, 1234, true) })).metrics!;
  assert.deepEqual(data.map((m) => [m.name ?? null, toNumber(m.alias), m.isHistorical, toNumber(m.timestamp), m.value]), [
    [null, robot.alias.get('Status'), true, 1234, 'warning'],
    [null, robot.alias.get('RUL/Low'), true, 1234, null],
  ]);
});

test('DCMD writes go through the command service: trigger, one-parameter command, non-writable metric, TTL, duplicate', async () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const state = new GatewayState({ gatewayId: 'g', site: 's' }, clock, 10, [{ id: 'robot-1' }]);
  const stopped: string[] = [];
  const commands = new CommandService({ clock, audit: pino({ level: 'silent' }), robotIds: () => state.robots.keys(), definitions: robotCommands({ state, startAcquisition: async () => undefined, stopAcquisition: async (id) => void stopped.push(id) }) });
  const metrics = commandMetrics(commands.catalogue());
  const w = (name: string, value: string | boolean | number | null, timestamp: number | null = clock.now()) => runDcmdWrite(commands, metrics, { robotId: 'robot-1', name, value, timestamp, actor: 'sparkplug:test' }, () => clock.now());
  assert.equal((await w('Commands/stop_acquisition', true)).status, 'ok');
  assert.deepEqual(stopped, ['robot-1']);
  assert.equal((await w('Commands/stop_acquisition', true)).duplicate, true, 'same timestamp = same command id');
  assert.deepEqual(stopped, ['robot-1']);
  assert.equal((await w('Commands/stop_acquisition', false, clock.now() + 1)).code, 'SPARKPLUG_BAD_COMMAND');
  assert.equal((await w('Temperature', 3)).code, 'SPARKPLUG_BAD_COMMAND');
  assert.equal((await w('Commands/set_maintenance_mode', 'yes', clock.now() + 2)).code, 'BAD_PARAMETERS', 'type checked by the command schema');
  assert.equal((await w('Commands/set_maintenance_mode', true, clock.now() - 120_000)).code, 'EXPIRED');
  assert.equal((await w('Commands/set_maintenance_mode', true, clock.now() + 3)).status, 'ok');
  assert.ok(state.maintenance.has('robot-1'));
});

test('docs/mqtt.md lists every Sparkplug metric with its datatype and unit', () => {
  const doc = readFileSync(new URL('../../docs/mqtt.md', import.meta.url), 'utf8');
  const row = (d: MetricDef) => `| \`${d.name}\` | ${d.type} | ${d.unit ?? ''} |`;
  const defs = [BD_SEQ, REBIRTH, ...nodeInfo, ...nodeAlerts.defs, ...robotTelemetry.defs, MAINTENANCE, STREAM_SEQ, COMMAND_RESULT, ...locationMetrics(['{size}' as unknown as number]).defs];
  const missing = defs.filter((d) => !doc.includes(row(d))).map(row);
  assert.deepEqual(missing, []);
});

test('config: mqtt.sparkplug defaults, bad ids refused, jsonTopics: false turns the JSON uplink off', async () => {
  const { validateConfig } = await import('../../src/config/load.js');
  const { jsonUplinkConfig, checkSparkplugIds } = await import('../../src/uplink/sparkplug/factory.js');
  const c = validateConfig({ gateway: { id: 'gw-1' } }, 'test');
  assert.deepEqual(c.mqtt.sparkplug, { enabled: false, groupId: 'fabwatch', jsonTopics: true, dataQos: 0, commands: true });
  assert.throws(() => validateConfig({ gateway: { id: 'gw-1' }, mqtt: { sparkplug: { groupId: 'a/b' } } }, 'test'), /sparkplug\/groupId/);
  assert.equal(jsonUplinkConfig(c.mqtt).enabled, true);
  const only = validateConfig({ gateway: { id: 'gw-1' }, mqtt: { sparkplug: { enabled: true, jsonTopics: false } } }, 'test');
  assert.equal(jsonUplinkConfig(only.mqtt).enabled, false);
  // A robot and a counter with the same id would be one Sparkplug device.
  const clash = { gateway: { id: 'gw-1' }, robots: [{ id: 'x-1' }], cleanroom: { counters: [{ id: 'x-1' }] } } as unknown as Parameters<typeof checkSparkplugIds>[0];
  assert.throws(() => checkSparkplugIds(clash), (e: Error & { code?: string }) => e.code === 'SPARKPLUG_CONFIG' && /x-1/.test(e.message));
});
