import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { ManualClock } from '../../src/core/clock.js';
import { CommandService } from '../../src/commands/service.js';
import { robotCommands } from '../../src/commands/robot-commands.js';
import { GatewayState } from '../../src/state/gateway-state.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandLedger } from '../../src/commands/ledger.js';
import type { OutcomeStore } from '../../src/commands/ledger.js';

function setup(opts: { clock?: ManualClock; store?: OutcomeStore } = {}) {
  const clock = opts.clock ?? new ManualClock(Date.UTC(2026, 10, 26, 12));
  const state = new GatewayState({ gatewayId: 'gw', site: 'main' }, clock, 10, [{ id: 'robot-001' }]);
  const calls: string[] = [];
  const lines: Array<Record<string, unknown>> = [];
  const audit = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
  const svc = new CommandService({
    clock,
    audit,
    store: opts.store,
    robotIds: () => state.robots.keys(),
    definitions: robotCommands({ state, startAcquisition: async (id) => void calls.push(`start ${id}`), stopAcquisition: async (id) => void calls.push(`stop ${id}`) }),
  });
  return { clock, state, calls, lines, svc };
}

test('a valid command runs once; a repeated id returns the first outcome without running again', async () => {
  const { svc, calls } = setup();
  const a = await svc.execute({ id: 'c1', robotId: 'robot-001', command: 'stop_acquisition', source: 'rest' });
  assert.equal(a.status, 'ok');
  const b = await svc.execute({ id: 'c1', robotId: 'robot-001', command: 'stop_acquisition', source: 'mqtt' });
  assert.equal(b.duplicate, true);
  assert.equal(b.status, 'ok');
  assert.deepEqual(calls, ['stop robot-001']);
});

test('unknown commands, robots and bad parameters are rejected with codes, never thrown', async () => {
  const { svc } = setup();
  assert.equal((await svc.execute({ robotId: 'robot-001', command: 'self_destruct', source: 'rest' })).code, 'UNKNOWN_COMMAND');
  assert.equal((await svc.execute({ robotId: 'robot-xyz', command: 'stop_acquisition', source: 'rest' })).code, 'UNKNOWN_ROBOT');
  const bad = await svc.execute({ robotId: 'robot-001', command: 'set_maintenance_mode', parameters: { enabled: 'yes', extra: 1 }, source: 'rest' });
  assert.equal(bad.code, 'BAD_PARAMETERS');
  assert.match(bad.message, /enabled must be boolean/);
  assert.match(bad.message, /extra/);
  const ack = await svc.execute({ robotId: 'robot-001', command: 'acknowledge_alert', parameters: { alert_id: 'nope' }, source: 'rest' });
  assert.equal(ack.status, 'failed');
  assert.equal(ack.code, 'ALERT_NOT_FOUND');
});

test('commands older than the TTL are refused', async () => {
  const { svc, clock, calls } = setup();
  const old = new Date(clock.now() - 120_000).toISOString();
  const r = await svc.execute({ robotId: 'robot-001', command: 'stop_acquisition', issuedAt: old, source: 'mqtt' });
  assert.equal(r.code, 'EXPIRED');
  assert.deepEqual(calls, []);
});

test('maintenance mode downgrades alerts; acknowledge marks the alert; everything is audited', async () => {
  const { svc, state, lines } = setup();
  await svc.execute({ robotId: 'robot-001', command: 'set_maintenance_mode', parameters: { enabled: true }, source: 'rest', actor: 'tech-1' });
  const alert = state.raiseAlert({ robotId: 'robot-001', source: 'x', code: 'DEVICE_IO', severity: 'critical', message: 'm' });
  assert.equal(alert.severity, 'info');
  const r = await svc.execute({ robotId: 'robot-001', command: 'acknowledge_alert', parameters: { alert_id: alert.id, comment: 'seen' }, source: 'ws', actor: 'tech-1' });
  assert.equal(r.status, 'ok');
  const alarm = state.alarms.find(alert.alarm_id)!;
  assert.deepEqual([alarm.state, alarm.acknowledged, alarm.acked_by, alarm.ack_comment], ['ACK_ACTIVE', true, 'tech-1', 'seen']);
  assert.equal((r.result as { state: string }).state, 'ACK_ACTIVE', 'the outcome carries the alarm');
  assert.ok(lines.some((l) => l.audit === 'command' && l.actor === 'tech-1'));
  assert.equal(lines.filter((l) => l.audit === 'outcome').length, 2);
});

test('issued_at in the future beyond the allowed clock skew (30 s) is refused; within it runs', async () => {
  const { svc, clock, calls } = setup();
  const far = await svc.execute({ id: 'f1', robotId: 'robot-001', command: 'stop_acquisition', issuedAt: '2999-01-01T00:00:00Z', source: 'mqtt' });
  assert.equal(far.status, 'rejected');
  assert.equal(far.code, 'ISSUED_IN_FUTURE');
  const justOver = await svc.execute({ robotId: 'robot-001', command: 'stop_acquisition', issuedAt: new Date(clock.now() + 31_000).toISOString(), source: 'mqtt' });
  assert.equal(justOver.code, 'ISSUED_IN_FUTURE');
  assert.deepEqual(calls, []);
  const skewed = await svc.execute({ robotId: 'robot-001', command: 'stop_acquisition', issuedAt: new Date(clock.now() + 20_000).toISOString(), source: 'mqtt' });
  assert.equal(skewed.status, 'ok');
  assert.deepEqual(calls, ['stop robot-001']);
});

test('a rejected id may be re-sent corrected; an executed id is not run again', async () => {
  const { svc, calls } = setup();
  const bad = await svc.execute({ id: 'r1', robotId: 'robot-001', command: 'set_maintenance_mode', parameters: { enabled: 'yes' }, source: 'rest' });
  assert.equal(bad.code, 'BAD_PARAMETERS');
  const fixed = await svc.execute({ id: 'r1', robotId: 'robot-001', command: 'set_maintenance_mode', parameters: { enabled: true }, source: 'rest' });
  assert.equal(fixed.status, 'ok');
  assert.equal(fixed.duplicate, undefined);
  await svc.execute({ id: 'r2', robotId: 'robot-001', command: 'stop_acquisition', source: 'rest' });
  assert.equal((await svc.execute({ id: 'r2', robotId: 'robot-001', command: 'stop_acquisition', source: 'rest' })).duplicate, true);
  assert.deepEqual(calls, ['stop robot-001']);
});

test('parameters nested deeper than 32 levels are refused before they are cloned or validated', async () => {
  const { svc } = setup();
  let deep: Record<string, unknown> = {};
  for (let i = 0; i < 20_000; i++) deep = { x: deep };
  const r = await svc.execute({ robotId: 'robot-001', command: 'set_maintenance_mode', parameters: deep, source: 'ws' });
  assert.equal(r.status, 'rejected');
  assert.equal(r.code, 'INPUT_TOO_DEEP');
});

test('gateway commands name no robot: acknowledge_gateway_alert acknowledges any alert', async () => {
  const { svc, state } = setup();
  const alert = state.raiseAlert({ source: 'counter:pc-1', code: 'TEST', severity: 'warning', message: 'm' });
  const r = await svc.execute({ id: 'a1', robotId: null, command: 'acknowledge_gateway_alert', parameters: { alert_id: alert.id }, source: 'rest' });
  assert.equal(r.status, 'ok');
  assert.equal(state.alarms.find(alert.id)!.acknowledged, true);
  assert.equal(state.alarms.find(alert.id)!.acked_by, 'anonymous (rest)', 'no token name: the transport');
  assert.equal((await svc.execute({ robotId: 'robot-001', command: 'acknowledge_gateway_alert', parameters: { alert_id: alert.id }, source: 'ws' })).code, 'UNKNOWN_COMMAND');
  assert.equal((await svc.execute({ robotId: null, command: 'stop_acquisition', source: 'rest' })).code, 'UNKNOWN_ROBOT');
});

test('executed ids survive a restart in the SQLite ledger, bounded by count and age', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fabwatch-ledger-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const clock = new ManualClock(Date.UTC(2026, 10, 26, 12));
  const log = pino({ level: 'silent' });
  const open = async () => {
    const ledger = new CommandLedger({ stateDir: dir, clock, log, limits: { maxEntries: 150, retentionMs: 3_600_000 } });
    await ledger.start();
    await ledger.start(); // idempotent
    return ledger;
  };
  const first = await open();
  assert.equal(first.persistent, true);
  const a = setup({ clock, store: first });
  await a.svc.execute({ id: 'keep', robotId: 'robot-001', command: 'stop_acquisition', source: 'mqtt' });
  await first.stop();
  await first.stop();

  const second = await open();
  const b = setup({ clock, store: second });
  const again = await b.svc.execute({ id: 'keep', robotId: 'robot-001', command: 'stop_acquisition', source: 'mqtt' });
  assert.equal(again.duplicate, true, 'remembered across the restart');
  assert.deepEqual(b.calls, [], 'not run again');
  // Bounded by count: 200 more ids push the first one out (the cap is 150, pruned every 100 writes).
  for (let i = 0; i < 200; i++) await b.svc.execute({ id: `n${i}`, robotId: 'robot-001', command: 'start_acquisition', source: 'mqtt' });
  await second.stop();
  const third = await open();
  const c = setup({ clock, store: third });
  assert.equal((await c.svc.execute({ id: 'keep', robotId: 'robot-001', command: 'stop_acquisition', source: 'mqtt' })).duplicate, undefined, 'the oldest id was forgotten');
  // Bounded by age.
  clock.advance(3_600_001);
  assert.equal((await c.svc.execute({ id: 'n199', robotId: 'robot-001', command: 'start_acquisition', source: 'mqtt' })).duplicate, undefined, 'ids older than the retention are forgotten');
  await third.stop();
});
