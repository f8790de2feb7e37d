import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import pino from 'pino';
import { ProcessGuard, EXIT_UNCAUGHT } from '../../src/core/process-guard.js';

function setup(stop: () => Promise<void> = async () => undefined) {
  const proc = new EventEmitter();
  const lines: Array<Record<string, any>> = [];
  const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
  const exits: number[] = [];
  const guard = new ProcessGuard({ log, stop, proc: proc as never, exit: (c) => void exits.push(c), stopTimeoutMs: 200 });
  return { proc, lines, exits, guard };
}

test('an unhandled rejection is logged with its code and counted; the process keeps running', () => {
  const { proc, lines, exits, guard } = setup();
  guard.install();
  guard.install(); // idempotent: one listener
  assert.equal(proc.listenerCount('unhandledRejection'), 1);
  proc.emit('unhandledRejection', new Error('boom'));
  assert.equal(guard.counts.unhandled_rejection, 1);
  assert.equal(lines[0].code, 'UNHANDLED_REJECTION');
  assert.deepEqual(exits, []);
  guard.uninstall();
  assert.equal(proc.listenerCount('unhandledRejection'), 0);
});

test('an uncaught exception stops the gateway, then exits 70 (once)', async () => {
  let stopped = 0;
  const { proc, lines, exits, guard } = setup(async () => void stopped++);
  guard.install();
  proc.emit('uncaughtException', new Error('bug'));
  proc.emit('uncaughtException', new Error('second'));
  await new Promise((r) => setImmediate(r));
  assert.equal(stopped, 1);
  assert.deepEqual(exits, [EXIT_UNCAUGHT]);
  assert.equal(guard.counts.uncaught_exception, 2);
  assert.ok(lines.every((l) => l.code === 'UNCAUGHT_EXCEPTION' && l.level === 60));
});

test('a stop that hangs does not keep the process alive: exit after the timeout', async () => {
  const { proc, exits, guard } = setup(() => new Promise(() => undefined));
  guard.install();
  proc.emit('uncaughtException', new Error('bug'));
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(exits, [EXIT_UNCAUGHT]);
});
