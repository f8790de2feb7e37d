import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startBroker, skipWithoutMosquitto } from '../helpers/mosquitto.js';
import { freePort } from '../../simulators/free-port.js';
import { SparkplugHost } from '../helpers/sparkplug-host.js';
import { makeTelemetry } from '../helpers/telemetry.js';
import { sleep, waitFor } from '../helpers/stream-recorder.js';
import { systemClock } from '../../src/core/clock.js';
import { GatewayState } from '../../src/state/gateway-state.js';
import { CommandService } from '../../src/commands/service.js';
import { robotCommands } from '../../src/commands/robot-commands.js';
import { validateConfig } from '../../src/config/load.js';
import { SparkplugNode } from '../../src/uplink/sparkplug/edge-node.js';
import type { CleanroomLocationStatus } from '../../src/state/types.js';

const NODE = 'gw-spb-1';

function location(ts: number, conc: number): CleanroomLocationStatus {
  return {
    counter_id: 'pc-1', location: 'litho-bay-1', ts: new Date(ts).toISOString(), data_valid: true, lower_bound: false, sizes_um: [0.5, 5], counts: [1, 0],
    sample_volume_l: 28.3, required_sample_volume_l: 2, sample_volume_ok: true, concentration_per_m3: [conc, 0], average_per_m3: [conc, 0], average_samples: 1,
    iso_class: 3.9, sample_iso_class: 3.9, configured_class: 4, meets_configured_class: true, alarm_levels: { alert: 0.5, action: 0.8, limit: 1 }, margins: [],
    alarm: { excursion: { level: 'none' }, counterFault: { active: false, reasons: [] } }, faults: [], invalid_reason: null, environment: {}, device_fault: null,
  };
}

/** A gateway state with two robots, the command service, and a factory for edge nodes on one state dir. */
function fixture(url: string, sparkplug: Record<string, unknown> = {}) {
  const stateDir = mkdtempSync(join(tmpdir(), 'fabwatch-spb-'));
  const config = validateConfig({ gateway: { id: NODE, stateDir }, mqtt: { url, reconnectMinMs: 200, reconnectMaxMs: 1000, sparkplug: { enabled: true, groupId: 'fab', primaryHostId: 'scada', ...sparkplug } } }, 'test');
  const state = new GatewayState({ gatewayId: NODE, site: 'main' }, systemClock, 100, [{ id: 'robot-a' }, { id: 'robot-b' }]);
  const auditLines: Array<Record<string, unknown>> = [];
  const audit = pino({ level: 'info' }, { write: (l: string) => void auditLines.push(JSON.parse(l)) });
  const rulResets: string[] = [];
  const commands = new CommandService({ clock: systemClock, audit, robotIds: () => state.robots.keys(), definitions: robotCommands({ state, startAcquisition: async () => undefined, stopAcquisition: async () => undefined, resetRul: (id) => void rulResets.push(id) }) });
  const logLines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'info' }, { write: (l: string) => void logLines.push(JSON.parse(l)) });
  const make = () => new SparkplugNode({ mqtt: config.mqtt, state, clock: systemClock, log, stateDir, robots: ['robot-a', 'robot-b'], locations: [{ id: 'pc-1', sizesUm: [0.5, 5] }], commands, version: 'test', simulation: true });
  return { state, make, auditLines, logLines, rulResets };
}

test('Sparkplug B edge node against Mosquitto: waits for the host, births, RBE data by alias, seq wrap, NCMD rebirth, DCMD via the command service, store-and-forward while the host is away, DDEATH on a fault', { skip: skipWithoutMosquitto(), timeout: 60_000 }, async (t) => {
  const broker = await startBroker();
  t.after(() => broker.stop());
  const host = await SparkplugHost.connect(broker.url, { hostId: 'scada', group: 'fab', online: false });
  t.after(() => host.close());
  const { state, make, auditLines, logLines, rulResets } = fixture(broker.url);
  let node = make();
  t.after(() => node.stop());
  await node.start();
  await node.start(); // idempotent

  // 1. No birth while the primary host is offline; data produced meanwhile is stored.
  const t0 = Date.now() - 60_000;
  state.addTelemetry(makeTelemetry('robot-a', t0, 0.1));
  await sleep(1000);
  assert.equal(node.status().connected, true);
  assert.equal(host.of('NBIRTH').length, 0, 'no NBIRTH before the host is online');
  assert.equal(host.of('DDATA').length, 0);
  await host.setOnline(true);
  assert.ok(await waitFor(() => host.of('DBIRTH').length >= 3, 5000), 'NBIRTH + a DBIRTH per robot and location');
  const nbirth = host.of('NBIRTH')[0];
  const dbirthA = host.of('DBIRTH', 'robot-a')[0];
  const rms = dbirthA.metrics.find((m) => m.name === 'Vibration/RMS')!;
  assert.deepEqual([rms.type, rms.unit, typeof rms.alias, rms.value], ['Double', 'g', 'number', 0.1], 'the birth carries the latest value, exactly');
  assert.equal(dbirthA.metrics.find((m) => m.name === 'RUL/Remaining')!.value, null, 'no RUL estimate: is_null');
  assert.ok(dbirthA.metrics.some((m) => m.name === 'Commands/set_maintenance_mode' && m.type === 'Boolean'));
  assert.ok(host.of('DBIRTH', 'pc-1')[0].metrics.some((m) => m.name === 'Concentration/0.5 um' && m.unit === 'particles/m3'));
  // The record stored before the birth comes after it, historical, with its own time.
  assert.ok(await waitFor(() => host.of('DDATA', 'robot-a').length >= 1, 5000));
  const first = host.check(NODE).data.get('robot-a')![0];
  assert.equal(first.historical, true);
  assert.equal(first.timestamp, t0);

  // 2. 300 records: report by exception, seq wraps 255 -> 0.
  for (let i = 1; i <= 300; i++) {
    state.addTelemetry(makeTelemetry(i % 2 ? 'robot-a' : 'robot-b', t0 + i * 10, 0.1 + (i % 7) * 0.01));
    if (i % 50 === 0) state.emit('cleanroom', { gateway_id: NODE, site: 'main', ts: new Date().toISOString(), locations: [location(t0 + i * 10, 1000 + i)], units: {} });
    if (i % 100 === 0) await sleep(100);
  }
  assert.ok(await waitFor(() => host.of('DDATA').length >= 306, 10_000), `data delivered (${host.of('DDATA').length})`);
  assert.ok(host.check(NODE).wraps >= 1, 'seq wrapped 255 -> 0');
  const live = host.check(NODE).data.get('robot-b')!.at(-1)!;
  assert.equal(live.historical, false);
  assert.ok(!('Temperature' in live.values), 'unchanged values are not repeated (report by exception)');

  // 3. NCMD Node Control/Rebirth: a full rebirth with the same bdSeq.
  await host.command(NODE, null, [{ name: 'Node Control/Rebirth', type: 'Boolean', value: true }]);
  assert.ok(await waitFor(() => host.of('NBIRTH').length === 2 && host.of('DBIRTH').length >= 6, 5000), 'rebirth on NCMD');
  assert.equal(host.of('NBIRTH')[1].metrics.find((m) => m.name === 'bdSeq')!.value, nbirth.metrics.find((m) => m.name === 'bdSeq')!.value);

  // 4. DCMD through the command service (by alias, as a host does), a duplicate, and malformed input.
  const alias = dbirthA.metrics.find((m) => m.name === 'Commands/set_maintenance_mode')!.alias!;
  const issued = Date.now();
  await host.command(NODE, 'robot-a', [{ alias, type: 'Boolean', value: true, timestamp: issued }]);
  await host.command(NODE, 'robot-a', [{ alias, type: 'Boolean', value: true, timestamp: issued }]);
  await host.command(NODE, 'robot-a', [], { raw: Buffer.from('not protobuf \xff\xff') });
  await host.command(NODE, 'robot-a', [{ name: 'Commands/acknowledge_alert', type: 'String', value: 'no-such-alert' }]);
  await host.command(NODE, 'robot-a', [{ name: 'Commands/stop_acquisition', type: 'Boolean', value: true, timestamp: Date.now() - 120_000 }]);
  await host.command(NODE, 'robot-a', [{ name: 'Commands/reset_rul', type: 'Boolean', value: true, timestamp: Date.now() }]);
  const results = () => host.check(NODE).data.get('robot-a')!.map((d) => d.values['Commands/Last Result']).filter((x): x is string => typeof x === 'string');
  assert.ok(await waitFor(() => results().length >= 6, 5000), `command results (${results()})`);
  const r = results();
  assert.match(r[0], /^ok set_maintenance_mode/);
  assert.match(r[1], /^ok set_maintenance_mode.*\(duplicate\)/);
  assert.match(r[2], /^rejected .*SPARKPLUG_BAD_COMMAND/);
  assert.match(r[3], /^failed acknowledge_alert \[ALERT_NOT_FOUND\]/);
  assert.match(r[4], /^rejected stop_acquisition \[EXPIRED\]/);
  assert.match(r[5], /^ok reset_rul/, 'bearing replaced: the Boolean trigger runs reset_rul');
  assert.deepEqual(rulResets, ['robot-a']);
  assert.ok(state.maintenance.has('robot-a'));
  assert.ok(host.check(NODE).data.get('robot-a')!.some((d) => d.values.Maintenance === true), 'Maintenance metric reported');
  assert.equal(auditLines.filter((l) => l.audit === 'command' && l.actor === 'sparkplug:scada' && !l.duplicate).length, 4, 'audited like any command');
  assert.equal(node.status().bad_commands, 1);

  // 5. The host goes away: NDEATH (its bdSeq), data stored; back: new bdSeq, births, historical replay, no gap.
  await host.setOnline(false);
  assert.ok(await waitFor(() => host.of('NDEATH').length === 1, 5000), 'NDEATH when the host goes offline');
  assert.ok(await waitFor(() => node.status().connected && node.status().online === false, 5000), 'reconnected, waiting');
  const tOff = Date.now() - 30_000;
  for (let i = 0; i < 20; i++) state.addTelemetry(makeTelemetry('robot-a', tOff + i, 0.5 + i * 0.01));
  await sleep(500);
  const before = host.of('DDATA').length;
  assert.equal(node.status().outbox.pending, 20, 'stored in the outbox');
  await host.setOnline(true);
  assert.ok(await waitFor(() => host.of('DDATA').length >= before + 20, 10_000), 'stored data replayed');
  assert.equal(host.of('NBIRTH').length, 3);
  const replayed = host.check(NODE).data.get('robot-a')!.slice(-20);
  assert.ok(replayed.every((d) => d.historical), 'replayed with is_historical');
  assert.deepEqual(replayed.map((d) => d.timestamp), Array.from({ length: 20 }, (_, i) => tOff + i), 'original timestamps');

  // 6. A device fault is a DDEATH; data again is a DBIRTH first.
  state.setRobotFaults('robot-b', [{ device: 'robot-b/accelerometer', code: 'I2C_NACK', message: 'nack', since: Date.now() }]);
  assert.ok(await waitFor(() => host.of('DDEATH', 'robot-b').length === 1, 5000), 'DDEATH on an accelerometer fault');
  state.setRobotFaults('robot-b', []);
  state.addTelemetry(makeTelemetry('robot-b', Date.now(), 0.2));
  const afterDeath = () => host.messages.slice(host.messages.findIndex((m) => m.type === 'DDEATH')).filter((m) => m.device === 'robot-b').map((m) => m.type);
  assert.ok(await waitFor(() => afterDeath().length >= 3, 5000));
  assert.deepEqual(afterDeath().slice(0, 3), ['DDEATH', 'DBIRTH', 'DDATA'], 'DBIRTH before data after recovery');

  // Stream Seq: every DDATA of each robot arrived exactly once, in order (a DDEATH/DBIRTH takes no number).
  for (const robot of ['robot-a', 'robot-b']) {
    const seqs = host.check(NODE).data.get(robot)!.map((d) => d.values['Stream Seq']).filter((s): s is number => typeof s === 'number');
    assert.deepEqual([...new Set(seqs)], Array.from({ length: Math.max(...seqs) }, (_, i) => i + 1), `${robot} Stream Seq 1..N without a gap`);
  }

  // 7. A clean stop says NDEATH itself; a new node on the same state dir continues the bdSeq.
  await node.stop();
  await node.stop();
  assert.ok(await waitFor(() => host.of('NDEATH').length === 2, 3000), 'NDEATH on a clean stop');
  node = make();
  await node.start();
  assert.ok(await waitFor(() => host.of('NBIRTH').length === 4, 5000));
  const report = host.check(NODE);
  assert.deepEqual(report.violations, [], report.violations.join('\n'));
  // Sessions: bdSeq b (birth, NCMD rebirth), host offline -> NDEATH b; b+1 until the clean stop -> NDEATH b+1; a new process: b+2.
  const b = report.births[0];
  assert.deepEqual(report.births, [b, b, b + 1, b + 2], 'bdSeq +1 per connection, persisted across a restart');
  assert.deepEqual(report.deaths, [b, b + 1], 'each NDEATH carries the bdSeq of its NBIRTH');
  assert.equal(logLines.filter((l) => (l.level as number) >= 50).length, 0, 'no error logged');
});

test('dataQos 1: data in flight when the broker goes down is sent again after the rebirth (historical), nothing lost', { skip: skipWithoutMosquitto(), timeout: 60_000 }, async (t) => {
  const port = await freePort();
  const persistenceDir = mkdtempSync(join(tmpdir(), 'fabwatch-mosq-data-'));
  let broker = await startBroker({ port, persistenceDir });
  t.after(() => broker.stop());
  // A persistent host session: what the broker accepted before it stopped is delivered after it restarts.
  const host = await SparkplugHost.connect(broker.url, { hostId: 'scada', group: 'fab', clean: false });
  t.after(() => host.close());
  const { state, make, logLines } = fixture(broker.url, { dataQos: 1 });
  const node = make();
  t.after(() => node.stop());
  await node.start();
  assert.ok(await waitFor(() => host.of('DBIRTH').length >= 3, 5000));
  const t0 = Date.now();
  for (let i = 0; i < 600; i++) state.addTelemetry(makeTelemetry('robot-a', t0 + i, 0.1 + (i % 13) * 0.01));
  // Stop the broker while the first window of QoS 1 messages waits for PUBACKs.
  assert.ok(await waitFor(() => node.status().sent > 0, 5000, 1));
  await broker.stop();
  assert.ok(await waitFor(() => logLines.some((l) => l.msg === 'sparkplug: session ended; storing in the outbox until the next births'), 5000), 'session ended');
  broker = await startBroker({ port, persistenceDir });
  assert.ok(await waitFor(() => host.of('NBIRTH').length >= 2 && node.status().online && node.status().outbox.pending === 0, 20_000), `drained after the rebirth (${JSON.stringify(node.status().outbox.pending)})`);
  await sleep(300);
  const report = host.check(NODE);
  assert.deepEqual(report.violations, [], report.violations.join('\n'));
  const rows = report.data.get('robot-a')!;
  const seqs = [...new Set(rows.map((d) => d.values['Stream Seq']))];
  assert.deepEqual(seqs, Array.from({ length: 600 }, (_, i) => i + 1), 'all 600 records, in order, none lost');
  assert.ok(rows.some((d) => d.historical), 'the rest came after the rebirth as historical');

  // The host flaps (offline, online at once): the NDEATH ends the session; the next births are a new session's.
  const deaths = host.of('NDEATH').length;
  await Promise.all([host.setOnline(false), host.setOnline(true)]);
  assert.ok(await waitFor(() => host.of('NDEATH').length > deaths && host.messages.at(-1)?.type !== 'NDEATH' && node.status().online, 5000));
  await sleep(300);
  const after = host.messages.slice(host.messages.indexOf(host.of('NDEATH').at(-1)!));
  const bdOf = (m: (typeof after)[number]) => Number(m.metrics.find((x) => x.name === 'bdSeq')!.value);
  assert.deepEqual(after.filter((m) => m.type === 'NBIRTH' || m.type === 'NDEATH').map((m) => [m.type, bdOf(m) - bdOf(after[0])]), [['NDEATH', 0], ['NBIRTH', 1]], 'no birth on the session that said NDEATH');
  assert.deepEqual(host.check(NODE).violations, []);
});
