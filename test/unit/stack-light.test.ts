import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { ManualClock } from '../../src/core/clock.js';
import { GatewayState } from '../../src/state/gateway-state.js';
import { StackLight } from '../../src/outputs/stack-light.js';
import { SimGpioLine } from '../../simulators/gpio-sim.js';

const settle = () => new Promise((r) => setImmediate(r));

test('stack light follows the alarms: on with an unacknowledged active fault, off on recovery or acknowledgement', async () => {
  const state = new GatewayState({ gatewayId: 'gw', site: 'main' }, new ManualClock());
  const line = new SimGpioLine('stack-light', 'out');
  const light = new StackLight({ line, state, minSeverity: 'warning', log: pino({ level: 'silent' }) });
  await light.start();
  assert.equal(line.level, 0);
  state.raiseAlert({ source: 'counter:pc-1', condition: 'DEVICE_FAULT', code: 'MODBUS_TIMEOUT', severity: 'warning', message: 'x' });
  await settle();
  assert.equal(line.level, 1);
  state.raiseAlert({ source: 'robot-001/accelerometer', condition: 'DEVICE_FAULT', code: 'I2C_NACK', severity: 'warning', message: 'y' });
  state.raiseAlert({ source: 'counter:pc-1', condition: 'DEVICE_FAULT', code: 'DEVICE_RECOVERED', severity: 'info', message: 'ok', active: false });
  await settle();
  assert.equal(line.level, 1, 'still one active alert');
  state.raiseAlert({ source: 'z', code: 'NOTE', severity: 'info', message: 'below threshold' });
  const last = state.alerts.find((a) => a.code === 'I2C_NACK')!;
  state.acknowledgeAlert(last.id);
  await settle();
  assert.equal(line.level, 0, 'info alerts do not light it; the acknowledged one no longer does (still active)');
  assert.equal(state.alarms.find(last.alarm_id)!.state, 'ACK_ACTIVE');
  assert.deepEqual(line.history, [1, 0]);
  // A one-off event (an uplink fault) lights it until acknowledged.
  const once = state.raiseAlert({ source: 'uplink', code: 'OUTBOX_CORRUPT', severity: 'critical', message: 'o', active: false });
  await settle();
  assert.equal(line.level, 1);
  state.acknowledgeAlert(once.id);
  await settle();
  assert.equal(line.level, 0);
  state.raiseAlert({ source: 'q', code: 'X', severity: 'critical', message: 'c' });
  await settle();
  assert.equal(line.level, 1);
  await light.stop();
  assert.equal(line.level, 0, 'off at stop');
});

test('a GPIO write failure is recorded with its code and retried on the next change', async () => {
  const state = new GatewayState({ gatewayId: 'gw', site: 'main' }, new ManualClock());
  const line = new SimGpioLine('stack-light', 'out');
  const light = new StackLight({ line, state, minSeverity: 'warning', log: pino({ level: 'silent' }) });
  await light.start();
  line.fault = 'EIO';
  state.raiseAlert({ source: 'a', code: 'X', severity: 'warning', message: 'm' });
  await settle();
  assert.equal(light.lastError?.code, 'EIO');
  line.fault = null;
  state.raiseAlert({ source: 'b', code: 'Y', severity: 'warning', message: 'm' });
  await settle();
  assert.equal(line.level, 1);
  assert.equal(light.lastError, null);
  await light.stop();
});
