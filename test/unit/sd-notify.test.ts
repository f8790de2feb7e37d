import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/core/clock.js';
import { Notifier, SD_NOTIFY_FAILED, watchdogFromEnv, type NotifyExec } from '../../src/core/sd-notify.js';

interface Call {
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

function recordingExec(): { exec: NotifyExec; calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    exec: async (file, args, env) => {
      calls.push({ file, args: [...args], env });
    },
  };
}

/** Lets queued promise callbacks (the notifier's send chain) run. */
const settle = () => new Promise<void>((r) => setImmediate(r));

const PID = 4242;
const ENV = { NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '30000000', WATCHDOG_PID: String(PID) };

test('does nothing when NOTIFY_SOCKET is unset', async () => {
  const clock = new ManualClock();
  const { exec, calls } = recordingExec();
  const n = new Notifier({ clock, exec, env: { WATCHDOG_USEC: '30000000' }, isHealthy: () => true, pid: PID });
  assert.equal(n.enabled, false);
  assert.equal(n.watchdog, undefined);
  await n.start();
  assert.equal(await n.ready(), false);
  assert.equal(await n.status('x'), false);
  clock.advance(120_000);
  assert.equal(await n.stopping(), false);
  await n.stop();
  assert.deepEqual(calls, []);
});

test('watchdogFromEnv: half of WATCHDOG_USEC, only for our PID, garbage ignored', () => {
  assert.deepEqual(watchdogFromEnv({ WATCHDOG_USEC: '30000000' }, 1), { timeoutMs: 30_000, intervalMs: 15_000 });
  assert.deepEqual(watchdogFromEnv({ WATCHDOG_USEC: '200000', WATCHDOG_PID: '7' }, 7), { timeoutMs: 200, intervalMs: 100 });
  assert.equal(watchdogFromEnv({ WATCHDOG_USEC: '200000', WATCHDOG_PID: '8' }, 7), undefined);
  assert.equal(watchdogFromEnv({}, 7), undefined);
  assert.equal(watchdogFromEnv({ WATCHDOG_USEC: '0' }, 7), undefined);
  assert.equal(watchdogFromEnv({ WATCHDOG_USEC: '-5' }, 7), undefined);
  assert.equal(watchdogFromEnv({ WATCHDOG_USEC: '30s' }, 7), undefined);
});

test('ready, status and stopping send the sd_notify fields through systemd-notify with our environment', async () => {
  const clock = new ManualClock();
  const { exec, calls } = recordingExec();
  const n = new Notifier({ clock, exec, env: ENV, isHealthy: () => true, pid: PID });
  assert.equal(n.enabled, true);
  assert.equal(await n.ready(), true);
  assert.equal(await n.status('8 robots\nSTOPPING=1'), true);
  assert.equal(await n.stopping('flushing outbox'), true);
  assert.deepEqual(
    calls.map((c) => [c.file, ...c.args]),
    [
      ['systemd-notify', 'READY=1'],
      // A newline would have started a forged STOPPING=1 field.
      ['systemd-notify', 'STATUS=8 robots STOPPING=1'],
      ['systemd-notify', 'STOPPING=1', 'STATUS=flushing outbox'],
    ],
  );
  assert.equal(calls[0]!.env.NOTIFY_SOCKET, '/run/systemd/notify');
});

test('messages are delivered one at a time, in call order', async () => {
  const clock = new ManualClock();
  const order: string[] = [];
  let active = 0;
  const exec: NotifyExec = async (_f, args) => {
    active++;
    assert.equal(active, 1, 'two systemd-notify processes ran at once');
    await new Promise((r) => setTimeout(r, args[0] === 'READY=1' ? 20 : 1));
    order.push(args[0]!);
    active--;
  };
  const n = new Notifier({ clock, exec, env: ENV, isHealthy: () => true, pid: PID });
  await Promise.all([n.ready(), n.status('a'), n.stopping()]);
  assert.deepEqual(order, ['READY=1', 'STATUS=a', 'STOPPING=1']);
});

test('WATCHDOG=1 every WATCHDOG_USEC/2 only while the data path is healthy', async () => {
  const clock = new ManualClock();
  const { exec, calls } = recordingExec();
  let healthy = true;
  const n = new Notifier({ clock, exec, env: ENV, isHealthy: () => healthy, pid: PID });
  assert.deepEqual(n.watchdog, { timeoutMs: 30_000, intervalMs: 15_000 });
  await n.start();
  await n.start(); // idempotent: still one loop
  const pings = () => calls.filter((c) => c.args.includes('WATCHDOG=1')).length;

  clock.advance(14_999);
  await settle();
  assert.equal(pings(), 0);
  clock.advance(1);
  await settle();
  assert.equal(pings(), 1);
  clock.advance(15_000);
  await settle();
  assert.equal(pings(), 2);

  healthy = false; // pipeline stalled
  for (let i = 0; i < 4; i++) {
    clock.advance(15_000);
    await settle();
  }
  assert.equal(pings(), 2, 'pinged while unhealthy');
  assert.equal(n.stats().withheld, 4);

  healthy = true;
  clock.advance(15_000);
  await settle();
  assert.equal(pings(), 3);

  await n.stop();
  await n.stop();
  clock.advance(60_000);
  await settle();
  assert.equal(pings(), 3, 'pinged after stop()');
  assert.deepEqual(n.stats(), { pings: 3, withheld: 4, failures: 0 });
});

test('no watchdog loop when systemd armed none, or armed it for another PID', async () => {
  for (const env of [{ NOTIFY_SOCKET: '/x' }, { ...ENV, WATCHDOG_PID: String(PID + 1) }]) {
    const clock = new ManualClock();
    const { exec, calls } = recordingExec();
    const n = new Notifier({ clock, exec, env, isHealthy: () => true, pid: PID });
    await n.start();
    clock.advance(120_000);
    await settle();
    assert.deepEqual(calls, []);
    await n.stop();
  }
});

test('a health check that throws counts as unhealthy', async () => {
  const clock = new ManualClock();
  const { exec, calls } = recordingExec();
  const n = new Notifier({
    clock,
    exec,
    env: ENV,
    pid: PID,
    isHealthy: () => {
      throw new Error('outbox probe failed');
    },
  });
  await n.start();
  clock.advance(60_000);
  await settle();
  assert.deepEqual(calls, []);
  assert.equal(n.stats().withheld, 4);
  await n.stop();
});

test('a slow systemd-notify does not pile up watchdog processes', async () => {
  const clock = new ManualClock();
  let release: () => void = () => {};
  let started = 0;
  const exec: NotifyExec = () => {
    started++;
    return new Promise<void>((r) => (release = r));
  };
  const n = new Notifier({ clock, exec, env: ENV, isHealthy: () => true, pid: PID });
  await n.start();
  clock.advance(15_000);
  await settle();
  clock.advance(45_000);
  await settle();
  assert.equal(started, 1);
  release();
  await settle();
  clock.advance(15_000);
  await settle();
  assert.equal(started, 2);
  release();
  await n.stop();
  assert.equal(n.stats().pings, 2);
});

test('a failed notification is logged with a stable code and never throws', async () => {
  const clock = new ManualClock();
  const warnings: Array<{ obj: Record<string, unknown>; msg: string }> = [];
  const n = new Notifier({
    clock,
    env: ENV,
    pid: PID,
    isHealthy: () => true,
    exec: async () => {
      throw new Error('spawn systemd-notify ENOENT');
    },
    log: { info: () => {}, warn: (obj, msg) => warnings.push({ obj: obj as Record<string, unknown>, msg }) },
  });
  assert.equal(await n.ready(), false);
  await n.start();
  clock.advance(15_000);
  await n.stop();
  assert.equal(n.stats().failures, 2);
  assert.equal(n.stats().pings, 0);
  assert.equal(warnings.length, 2);
  assert.equal(warnings[0]!.obj.code, SD_NOTIFY_FAILED);
  assert.match(String(warnings[0]!.obj.err), /ENOENT/);
});
