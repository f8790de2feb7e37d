import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { ManualClock } from '../../src/core/clock.js';
import { GatewayState } from '../../src/state/gateway-state.js';
import { nextAlarmState, type AlarmState } from '../../src/state/alarm-model.js';
import { NOT_RECONFIRMED } from '../../src/state/alarm-book.js';
import { AlarmStore } from '../../src/store/alarm-store.js';
import type { Alert } from '../../src/state/types.js';

const silent = pino({ level: 'silent' });
const newState = (clock = new ManualClock(1_700_000_000_000)) => new GatewayState({ gatewayId: 'gw', site: 'main' }, clock, 10, [{ id: 'robot-003' }]);
const zone = (state: GatewayState, z: 'C' | 'D' | 'B') =>
  state.raiseAlert({ robotId: 'robot-003', source: 'iso20816', condition: 'ISO20816_ZONE', code: z === 'B' ? 'ISO20816_ZONE_OK' : `ISO20816_ZONE_${z}`, severity: z === 'D' ? 'critical' : z === 'C' ? 'warning' : 'info', message: `zone ${z}`, active: z !== 'B' });

test('ISA-18.2 transitions: every state and input', () => {
  const raise = (s: AlarmState, severity: 'warning' | 'critical' = 'warning', previousSeverity: 'warning' | 'critical' | null = 'warning') => nextAlarmState(s, { kind: 'raise', severity, previousSeverity });
  assert.deepEqual(raise('NORMAL'), { state: 'UNACK_ACTIVE', newOccurrence: true });
  assert.deepEqual(raise('UNACK_ACTIVE'), { state: 'UNACK_ACTIVE', newOccurrence: false });
  assert.deepEqual(raise('ACK_ACTIVE'), { state: 'ACK_ACTIVE', newOccurrence: false });
  assert.deepEqual(raise('ACK_ACTIVE', 'critical', 'warning'), { state: 'UNACK_ACTIVE', newOccurrence: false }, 'a higher severity is announced again');
  assert.deepEqual(raise('ACK_ACTIVE', 'warning', 'critical'), { state: 'ACK_ACTIVE', newOccurrence: false }, 'a lower one is not');
  assert.deepEqual(raise('UNACK_RTN'), { state: 'UNACK_ACTIVE', newOccurrence: false }, 'back before anyone acknowledged: the same occurrence');
  const clear = (s: AlarmState) => nextAlarmState(s, { kind: 'clear' }).state;
  assert.equal(clear('UNACK_ACTIVE'), 'UNACK_RTN');
  assert.equal(clear('ACK_ACTIVE'), 'NORMAL');
  assert.equal(clear('UNACK_RTN'), 'UNACK_RTN');
  assert.equal(clear('NORMAL'), 'NORMAL');
  const ack = (s: AlarmState) => nextAlarmState(s, { kind: 'ack' }).state;
  assert.equal(ack('UNACK_ACTIVE'), 'ACK_ACTIVE');
  assert.equal(ack('UNACK_RTN'), 'NORMAL');
  assert.equal(ack('ACK_ACTIVE'), 'ACK_ACTIVE');
  assert.equal(ack('NORMAL'), 'NORMAL');
});

test('an alarm: active only while the condition holds; acknowledgement separate from clearing; one identity', () => {
  const clock = new ManualClock(1_700_000_000_000);
  const state = newState(clock);
  const events: Alert[] = [];
  state.on('alert', (a) => events.push(a));
  const c = zone(state, 'C');
  assert.equal(c.state, 'UNACK_ACTIVE');
  assert.equal(c.active, true);
  assert.equal(c.alarm_id, 'robot-003|iso20816|ISO20816_ZONE');
  clock.advance(1000);
  const acked = state.acknowledgeAlert(c.id, 'robot-003', { by: 'tech', comment: 'looking at it' })!;
  assert.equal(acked.state, 'ACK_ACTIVE');
  assert.deepEqual([acked.acked_by, acked.ack_comment, acked.acked_at], ['tech', 'looking at it', new Date(clock.now()).toISOString()]);
  assert.equal(state.acknowledgeAlert(c.alarm_id, 'robot-001'), undefined, 'not another robot\'s');
  // Zone D: escalated, announced again (the acknowledgement no longer covers it).
  const d = zone(state, 'D');
  assert.equal(d.alarm_id, c.alarm_id);
  assert.equal(d.state, 'UNACK_ACTIVE');
  assert.equal(d.acked_by, null);
  state.acknowledgeAlert(d.alarm_id, undefined, { by: 'tech' });
  // Back to zone B: cleared and acknowledged -> normal, out of the active list at once.
  clock.advance(1000);
  const b = zone(state, 'B');
  assert.equal(b.state, 'NORMAL');
  assert.equal(b.active, false);
  assert.equal(b.severity, 'critical', 'the clear carries the alarm\'s severity');
  assert.equal(b.cleared_at, new Date(clock.now()).toISOString());
  assert.deepEqual(state.alarms.active(), []);
  // Raised again: a new occurrence, unacknowledged; cleared unacknowledged -> UNACK_RTN, still listed.
  zone(state, 'C');
  const rtn = zone(state, 'B');
  assert.equal(rtn.state, 'UNACK_RTN');
  assert.equal(rtn.acknowledged, false);
  assert.deepEqual(state.alarms.active().map((a) => a.state), ['UNACK_RTN']);
  assert.equal(state.alarms.active()[0]!.code, 'ISO20816_ZONE_C', 'the list keeps what was raised');
  assert.equal(state.acknowledgeAlert(rtn.id)!.state, 'NORMAL');
  assert.deepEqual(state.alarms.active(), []);
  // Every change was an event with its own id.
  assert.equal(new Set(events.map((e) => e.id)).size, events.length);
  assert.deepEqual(events.map((e) => e.state), ['UNACK_ACTIVE', 'ACK_ACTIVE', 'UNACK_ACTIVE', 'ACK_ACTIVE', 'NORMAL', 'UNACK_ACTIVE', 'UNACK_RTN', 'NORMAL']);
});

test('one-off events: warning/critical need an acknowledgement, info is history only; a repeated clear changes nothing', () => {
  const state = newState();
  const e = state.raiseAlert({ source: 'uplink', code: 'OUTBOX_WRITE_FAILED', severity: 'critical', message: 'x', active: false });
  assert.equal(e.state, 'UNACK_RTN');
  assert.equal(e.active, false);
  const note = state.raiseAlert({ source: 'model-update', code: 'MODEL_INSTALLED', severity: 'info', message: 'y', active: false });
  assert.equal(note.state, 'NORMAL');
  const rec = state.raiseAlert({ robotId: 'robot-003', source: 'robot-003/accelerometer', condition: 'DEVICE_FAULT', code: 'DEVICE_RECOVERED', severity: 'info', message: 'recovered', active: false });
  assert.equal(rec.state, 'NORMAL');
  assert.deepEqual(state.alarms.active().map((a) => a.code), ['OUTBOX_WRITE_FAILED']);
});

test('history: filters, bounded pagination, robot events kept apart from cleanroom noise', () => {
  const clock = new ManualClock(1_700_000_000_000);
  const state = new GatewayState({ gatewayId: 'gw', site: 'main' }, clock, 10, [{ id: 'robot-003' }]);
  zone(state, 'D');
  for (let i = 0; i < 1500; i++) {
    clock.advance(60_000);
    state.raiseAlert({ source: 'cleanroom:pc-1', condition: 'CLEANROOM_EXCURSION', code: i % 2 ? 'CLEANROOM_EXCURSION_CLEARED' : 'CLEANROOM_EXCURSION_RAISED', severity: i % 2 ? 'info' : 'warning', message: 'noise', active: i % 2 === 0 });
  }
  const robot = state.alarms.history({ robot: 'robot-003' });
  assert.equal(robot.alerts.length, 1, 'the robot\'s alert is still in the history after 1500 cleanroom events');
  assert.equal(state.alarms.active().filter((a) => a.robot_id === 'robot-003').length, 1);
  const first = state.alarms.history({ source: 'cleanroom', limit: 1000 });
  assert.equal(first.alerts.length, 200, 'limit is capped at 200');
  assert.ok(first.alerts.every((a) => a.source === 'cleanroom:pc-1'));
  let seen = 0;
  let before: number | null | undefined;
  do {
    const page = state.alarms.history({ source: 'cleanroom', limit: 200, before: before ?? undefined });
    seen += page.alerts.length;
    before = page.next_before;
  } while (before !== null);
  assert.equal(seen, 1000, 'the cleanroom ring keeps 1000 events; pages cover them without overlap');
  assert.equal(state.alarms.history({ severity: 'critical' }).alerts.length, 1);
  assert.equal(state.alarms.history({ source: 'nope' }).alerts.length, 0);
});

test('acknowledgements persist in SQLite: a re-raise after a restart comes back acknowledged-active; unconfirmed ones clear after the grace time', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fabwatch-alarms-'));
  const clock = new ManualClock(1_700_000_000_000);
  let state = newState(clock);
  let store = new AlarmStore({ stateDir: dir, book: state.alarms, log: silent, restoreGraceMs: 60_000 });
  await store.start();
  assert.equal(store.persistent, true);
  const d = zone(state, 'D');
  state.raiseAlert({ source: 'cleanroom:pc-1', condition: 'CLEANROOM_EXCURSION', code: 'CLEANROOM_EXCURSION_RAISED', severity: 'warning', message: 'excursion', active: true });
  state.raiseAlert({ source: 'uplink', code: 'OUTBOX_CORRUPT', severity: 'critical', message: 'corrupt', active: false });
  state.acknowledgeAlert(d.alarm_id, undefined, { by: 'tech', comment: 'bearing ordered' });
  await store.stop();

  // Restart: a new state, the same state dir.
  state = newState(clock);
  store = new AlarmStore({ stateDir: dir, book: state.alarms, log: silent, restoreGraceMs: 60_000 });
  await store.start();
  const restored = new Map(state.alarms.active().map((a) => [a.alarm_id, a]));
  assert.equal(restored.size, 3);
  assert.equal(restored.get(d.alarm_id)!.state, 'ACK_ACTIVE');
  const again = zone(state, 'D');
  assert.equal(again.state, 'ACK_ACTIVE', 're-raised after the restart: still acknowledged');
  assert.deepEqual([again.acked_by, again.ack_comment], ['tech', 'bearing ordered']);
  assert.equal(restored.get('-|uplink|OUTBOX_CORRUPT')!.state, 'UNACK_RTN');
  // The excursion is not reported again: cleared after the grace time, unacknowledged -> UNACK_RTN.
  clock.advance(60_000);
  const ex = state.alarms.active().find((a) => a.source === 'cleanroom:pc-1')!;
  assert.equal(ex.state, 'UNACK_RTN');
  assert.equal(state.alarms.history({ source: 'cleanroom' }).alerts[0]!.code, NOT_RECONFIRMED);
  assert.equal(state.alarms.find(d.alarm_id)!.state, 'ACK_ACTIVE', 'a re-raised alarm is not cleared by the grace timer');
  // Normal alarms leave the table.
  zone(state, 'B');
  await store.stop();
  state = newState(clock);
  store = new AlarmStore({ stateDir: dir, book: state.alarms, log: silent, restoreGraceMs: 60_000 });
  await store.start();
  assert.equal(state.alarms.find(d.alarm_id), undefined);
  assert.equal(state.alarms.active().length, 2);
  await store.stop();
});

test('producers: a raise and its clear share one alarm (cleanroom excursion, counter fault, robot rules)', async () => {
  const { transitionAlerts, counterFaultAlert } = await import('../../src/cleanroom/alerts.js');
  const { RobotAlertRules } = await import('../../src/monitor/robot-alerts.js');
  const state = newState();
  const t = (kind: 'raised' | 'escalated' | 'cleared', from: string, to: string) => ({ alarm: 'excursion' as const, kind, location: 'bay', from, to, at: 0, sampleTs: 0, reason: 'r' });
  const [raised] = transitionAlerts('pc-1', [t('raised', 'none', 'alert')]).map((a) => state.raiseAlert(a));
  state.acknowledgeAlert(raised!.id);
  const [escalated] = transitionAlerts('pc-1', [t('escalated', 'alert', 'action')]).map((a) => state.raiseAlert(a));
  assert.equal(escalated!.alarm_id, raised!.alarm_id);
  assert.equal(escalated!.state, 'UNACK_ACTIVE', 'alert -> action level (warning -> critical) is announced again');
  const [cleared] = transitionAlerts('pc-1', [t('cleared', 'action', 'none')]).map((a) => state.raiseAlert(a));
  assert.deepEqual([cleared!.alarm_id, cleared!.state, cleared!.active, cleared!.severity], [raised!.alarm_id, 'UNACK_RTN', false, 'critical']);

  const fault = state.raiseAlert(counterFaultAlert({ id: 'pc-1', location: 'bay' }, { code: 'MODBUS_TIMEOUT', message: 'm' } as never));
  const back = state.raiseAlert(counterFaultAlert({ id: 'pc-1', location: 'bay' }, null));
  assert.deepEqual([back.alarm_id, back.state, back.code], [fault.alarm_id, 'UNACK_RTN', 'DEVICE_RECOVERED']);

  const rules = new RobotAlertRules('robot-003');
  const iso = (zone: string) => ({ zone, velocityRmsMmS: 1, limits: { bc: 2.8, cd: 4.5 } });
  const up = rules.check('imbalance', 0.9, iso('D'), undefined).map((a) => state.raiseAlert(a));
  const down = rules.check('none', 0.9, iso('B'), undefined).map((a) => state.raiseAlert(a));
  assert.deepEqual(down.map((a) => a.alarm_id), up.map((a) => a.alarm_id), 'diagnosis and zone clears map onto their raises');
  assert.ok(down.every((a) => !a.active && a.state === 'UNACK_RTN'));
});

test('an acknowledgement covers the severity it was given at: re-confirmed level by level after a restart, it is not announced again', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fabwatch-alarms-'));
  const clock = new ManualClock(1_700_000_000_000);
  const excursion = (state: GatewayState, severity: 'warning' | 'critical') => state.raiseAlert({ source: 'cleanroom:pc-1', condition: 'CLEANROOM_EXCURSION', code: 'CLEANROOM_EXCURSION_RAISED', severity, message: severity, active: true });
  let state = newState(clock);
  let store = new AlarmStore({ stateDir: dir, book: state.alarms, log: silent, restoreGraceMs: 60_000 });
  await store.start();
  excursion(state, 'warning');
  const critical = excursion(state, 'critical');
  state.acknowledgeAlert(critical.alarm_id, undefined, { by: 'tech' });
  await store.stop();
  state = newState(clock);
  store = new AlarmStore({ stateDir: dir, book: state.alarms, log: silent, restoreGraceMs: 60_000 });
  await store.start();
  assert.equal(excursion(state, 'warning').state, 'ACK_ACTIVE', 'alert level first after the restart');
  assert.equal(excursion(state, 'critical').state, 'ACK_ACTIVE', 'action level again: covered by the acknowledgement');
  await store.stop();
  // Without the restart the rule is the same; a raise above the acknowledged severity is announced again.
  const s2 = newState(clock);
  const w = excursion(s2, 'warning');
  s2.acknowledgeAlert(w.alarm_id);
  assert.equal(excursion(s2, 'critical').state, 'UNACK_ACTIVE');
});
