import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Supervisor, type Component } from '../../src/core/component.js';
import { FabwatchError } from '../../src/core/errors.js';
import { backoffDelay } from '../../src/uplink/backoff.js';
import { ManualClock } from '../../src/core/clock.js';

const log = pino({ level: 'silent' });

function recorder(events: string[], name: string, failStart = false): Component {
  return {
    name,
    async start() {
      events.push(`start ${name}`);
      if (failStart) throw new FabwatchError('DEVICE_IO', `${name} broke`);
    },
    async stop() {
      events.push(`stop ${name}`);
    },
  };
}

test('starts in order, stops in reverse; a failed optional component is reported and the rest run', async () => {
  const events: string[] = [];
  const sup = new Supervisor(log).add(recorder(events, 'a')).add(recorder(events, 'b', true)).add(recorder(events, 'c'));
  await sup.start();
  await sup.start(); // idempotent
  assert.deepEqual(events, ['start a', 'start b', 'start c']);
  const b = sup.report().find((r) => r.name === 'b')!;
  assert.equal(b.status, 'failed');
  assert.equal(b.error?.code, 'DEVICE_IO');
  await sup.stop();
  await sup.stop();
  assert.deepEqual(events.slice(3), ['stop c', 'stop b', 'stop a']);
});

test('a failed critical component stops what started and throws COMPONENT_START_FAILED', async () => {
  const events: string[] = [];
  const sup = new Supervisor(log).add(recorder(events, 'a')).add(recorder(events, 'api', true), { critical: true }).add(recorder(events, 'c'));
  await assert.rejects(sup.start(), (err: any) => err.code === 'COMPONENT_START_FAILED');
  assert.deepEqual(events, ['start a', 'start api', 'stop api', 'stop a']);
});

test('reconnect backoff grows exponentially, is capped and jittered', () => {
  assert.equal(backoffDelay(0, 1000, 30000, () => 0), 1000);
  assert.equal(backoffDelay(3, 1000, 30000, () => 1), 8000);
  assert.equal(backoffDelay(20, 1000, 30000, () => 1), 30000);
  const spread = new Set(Array.from({ length: 50 }, () => backoffDelay(4, 1000, 30000)));
  assert.ok(spread.size > 40, 'jitter spreads a fleet out');
});

test('ManualClock fires timers in deadline order as time advances', () => {
  const clock = new ManualClock(0);
  const fired: string[] = [];
  clock.setTimeout(() => fired.push('t50'), 50);
  const every = clock.setInterval(() => fired.push(`i@${clock.monotonic()}`), 30);
  clock.advance(100);
  every.cancel();
  clock.advance(100);
  assert.deepEqual(fired, ['i@30', 't50', 'i@60', 'i@90']);
  assert.equal(clock.now(), 200);
});
