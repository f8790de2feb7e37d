import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { ManualClock } from '../../src/core/clock.js';
import { CommandService } from '../../src/commands/service.js';
import { robotCommands } from '../../src/commands/robot-commands.js';
import { GatewayState } from '../../src/state/gateway-state.js';

function setup() {
  const clock = new ManualClock(Date.UTC(2026, 10, 26, 12));
  const state = new GatewayState({ gatewayId: 'gw', site: 'main' }, clock, 10, [{ id: 'robot-001' }]);
  const calls: string[] = [];
  const lines: Array<Record<string, unknown>> = [];
  const audit = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
  const svc = new CommandService({
    clock,
    audit,
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
  const r = await svc.execute({ robotId: 'robot-001', command: 'acknowledge_alert', parameters: { alert_id: alert.id }, source: 'ws' });
  assert.equal(r.status, 'ok');
  assert.equal(state.alerts[0].acknowledged, true);
  assert.ok(lines.some((l) => l.audit === 'command' && l.actor === 'tech-1'));
  assert.equal(lines.filter((l) => l.audit === 'outcome').length, 2);
});
