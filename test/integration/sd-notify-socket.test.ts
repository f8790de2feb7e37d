import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from '../../src/core/clock.js';
import { Notifier } from '../../src/core/sd-notify.js';
import { NotifyListener } from '../helpers/notify-listener.js';
import { skipWithoutTools } from '../helpers/skip.js';

/**
 * The Notifier with the real `systemd-notify` command against a real AF_UNIX datagram socket
 * (a python3 listener standing in for systemd): READY=1, WATCHDOG=1 while healthy, none while the
 * pipeline is stalled, WATCHDOG=1 again after recovery, STOPPING=1.
 */
const skip = skipWithoutTools(['systemd-notify', 'python3']);

test('real systemd-notify delivers READY, health-gated WATCHDOG and STOPPING to NOTIFY_SOCKET', { skip, timeout: 20_000 }, async () => {
  const listener = new NotifyListener();
  await listener.start();
  let healthy = true;
  // WATCHDOG_USEC=300 ms: a ping every 150 ms.
  const notifier = new Notifier({
    clock: systemClock,
    isHealthy: () => healthy,
    env: { ...process.env, NOTIFY_SOCKET: listener.socketPath, WATCHDOG_USEC: '300000', WATCHDOG_PID: String(process.pid) },
  });
  try {
    assert.deepEqual(notifier.watchdog, { timeoutMs: 300, intervalMs: 150 });
    assert.equal(await notifier.ready('devices and uplink started'), true);
    await listener.waitFor((m) => m.some((x) => x.fields.READY === '1'), 5000, 'READY=1');
    const ready = listener.withField('READY')[0]!;
    assert.equal(ready.fields.STATUS, 'devices and uplink started');

    await notifier.start();
    await listener.waitFor((m) => m.filter((x) => x.fields.WATCHDOG === '1').length >= 3, 5000, 'three WATCHDOG=1 while healthy');
    // Pings come at about the interval, not faster (they would be if the loop were duplicated).
    const firstPings = listener.withField('WATCHDOG').slice(0, 3);
    const spacing = (firstPings[2]!.t - firstPings[0]!.t) / 2;
    assert.ok(spacing > 0.1 && spacing < 0.6, `ping spacing ${spacing}s`);

    // The pipeline stalls. Wait until a tick has seen it, then flush whatever ping was in flight by
    // queueing a marker behind it (messages are delivered in order).
    healthy = false;
    await waitUntil(() => notifier.stats().withheld >= 1, 5000, 'a withheld ping');
    await notifier.status('marker-stalled');
    await listener.waitFor((m) => m.some((x) => x.fields.STATUS === 'marker-stalled'), 5000, 'stall marker');
    const pingsAtStall = listener.withField('WATCHDOG').length;
    // Four more intervals (600 ms, twice WATCHDOG_USEC: systemd would have fired).
    const withheldBefore = notifier.stats().withheld;
    await waitUntil(() => notifier.stats().withheld >= withheldBefore + 4, 5000, 'four more withheld pings');
    await notifier.status('marker-still-stalled');
    await listener.waitFor((m) => m.some((x) => x.fields.STATUS === 'marker-still-stalled'), 5000, 'second marker');
    assert.equal(listener.withField('WATCHDOG').length, pingsAtStall, 'WATCHDOG=1 sent while the pipeline was stalled');

    healthy = true;
    await listener.waitFor((m) => m.filter((x) => x.fields.WATCHDOG === '1').length > pingsAtStall, 5000, 'WATCHDOG=1 after recovery');

    await notifier.stopping();
    await notifier.stop();
    await listener.waitFor((m) => m.some((x) => x.fields.STOPPING === '1'), 5000, 'STOPPING=1');
    const count = listener.withField('WATCHDOG').length;
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(listener.withField('WATCHDOG').length, count, 'WATCHDOG=1 after stop()');
    assert.equal(notifier.stats().failures, 0);
  } finally {
    await notifier.stop();
    await listener.close();
  }
});

async function waitUntil(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
