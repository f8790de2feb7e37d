import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { ManualClock } from '../../src/core/clock.js';
import { Outbox, type OutboxOptions, type OutboxFault } from '../../src/uplink/outbox.js';
import type { Lane, OutboxRow } from '../../src/uplink/outbox-store.js';

const log = pino({ level: 'silent' });
const dir = () => mkdtempSync(join(tmpdir(), 'fabwatch-outbox-'));
const opts = (path: string, extra: Partial<OutboxOptions> = {}): OutboxOptions => ({ path, flushIntervalMs: 50, flushMaxMessages: 1000, maxBytes: 1 << 20, memoryMaxBytes: 1 << 20, synchronous: 'full', ...extra });

/** Take every sendable row (lane 0 first, as the uplink does) and acknowledge it if asked. */
function drain(ob: Outbox, ack = true): OutboxRow[] {
  const out: OutboxRow[] = [];
  for (;;) {
    let lane: Lane = 0;
    let r = ob.peek(0);
    if (!r) {
      lane = 1;
      r = ob.peek(1);
    }
    if (!r) return out;
    ob.take(lane);
    out.push(r);
    if (ack) ob.ack(r);
  }
}

test('only committed rows are sendable; seq and unsent rows survive a reopen; acked rows are gone', () => {
  const clock = new ManualClock();
  const path = join(dir(), 'outbox.db');
  const a = new Outbox(opts(path), clock, log);
  a.open();
  for (let i = 0; i < 5; i++) a.produce('factory/main/r1/telemetry', { i }, 'telemetry', true);
  assert.equal(drain(a).length, 0, 'nothing is sent before the batch is committed');
  clock.advance(50); // durability window elapses: committed
  const first = drain(a, false);
  assert.deepEqual(first.map((r) => r.seq), [1, 2, 3, 4, 5]);
  for (const r of first.slice(0, 3)) a.ack(r); // PUBACK for 1..3 only
  a.produce('factory/main/r1/telemetry', { i: 5 }, 'telemetry', false); // produced while down
  a.close();

  const b = new Outbox(opts(path), clock, log);
  b.open();
  const rows = drain(b, false);
  assert.deepEqual(rows.map((r) => r.seq), [4, 5, 6], 'unacknowledged rows are replayed after a restart, acked ones are not');
  assert.ok(rows.every((r) => b.isReplay(r)), 'rows from a previous run are replays');
  assert.equal(b.produce('factory/main/r1/telemetry', {}, 'telemetry', true), 7, 'seq continues across the restart');
  assert.equal(JSON.parse(rows[0].payload).seq, 4);
  b.close();
});

test('alerts and acks go before a telemetry backlog; order per stream is kept', () => {
  const clock = new ManualClock();
  const ob = new Outbox(opts(join(dir(), 'o.db')), clock, log);
  for (let i = 0; i < 10; i++) ob.produce('t/a', { i }, 'telemetry', false);
  ob.produce('alerts', {}, 'alert', false);
  ob.produce('t/b', {}, 'cleanroom', false);
  ob.produce('acks', {}, 'ack', false);
  ob.flush();
  const rows = drain(ob);
  assert.deepEqual(rows.slice(0, 2).map((r) => r.topic), ['alerts', 'acks']);
  assert.deepEqual(rows.filter((r) => r.topic === 't/a').map((r) => r.seq), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  ob.close();
});

test('at the cap the oldest telemetry is dropped (counted), alerts and cleanroom status never', () => {
  const clock = new ManualClock();
  const starts: number[] = [];
  const ob = new Outbox(opts(join(dir(), 'o.db'), { maxBytes: 65536, pageSize: 16 }), clock, log, { onDropStart: (d) => starts.push(d.dropped) });
  const blob = 'x'.repeat(1000);
  for (let i = 0; i < 200; i++) {
    ob.produce('t/robot', { blob }, 'telemetry', false);
    if (i % 10 === 0) ob.produce('alerts', { blob }, 'alert', false);
    if (i % 20 === 0) ob.produce('cleanroom', { blob }, 'cleanroom', false);
    if (i % 25 === 0) ob.flush();
  }
  ob.flush();
  const s = ob.status();
  assert.ok(s.bytes <= 65536, `bytes ${s.bytes} within the cap`);
  assert.ok(s.dropped > 100, `telemetry dropped: ${s.dropped}`);
  assert.equal(s.dropped_by_stream['t/robot'], s.dropped);
  assert.equal(starts.length, 1, 'one drop episode reported');
  const rows = drain(ob);
  assert.deepEqual(rows.filter((r) => r.topic === 'alerts').map((r) => r.seq), Array.from({ length: 20 }, (_, i) => i + 1), 'every alert kept');
  assert.deepEqual(rows.filter((r) => r.topic === 'cleanroom').map((r) => r.seq), Array.from({ length: 10 }, (_, i) => i + 1), 'every cleanroom status kept');
  const tel = rows.filter((r) => r.topic === 't/robot').map((r) => r.seq);
  assert.equal(tel.at(-1), 200, 'the newest telemetry is kept (drop-oldest)');
  assert.deepEqual(tel, [...tel].sort((x, y) => x - y), 'still in order');
  assert.equal(tel.length + s.dropped, 200, 'every telemetry message is either kept or counted as dropped');
  ob.close();
});

test('a corrupt database file is moved aside with an alert; the outbox stays durable', () => {
  const clock = new ManualClock();
  const d = dir();
  const path = join(d, 'outbox.db');
  writeFileSync(path, Buffer.alloc(8192, 0x5a));
  const faults: OutboxFault[] = [];
  const ob = new Outbox(opts(path), clock, log, { onFault: (f) => faults.push(f) });
  ob.open();
  assert.equal(faults[0]?.code, 'OUTBOX_CORRUPT');
  assert.equal(ob.status().mode, 'sqlite');
  assert.ok(readdirSync(d).some((f) => f.startsWith('outbox.db.corrupt-')), 'bad file kept for inspection');
  ob.produce('t', {}, 'telemetry', true);
  ob.close();
  const again = new Outbox(opts(path), clock, log);
  again.open();
  assert.equal(drain(again).length, 1);
  again.close();
});

test('a database that cannot be opened means memory mode and a fault, not a crash', () => {
  const clock = new ManualClock();
  const d = dir();
  writeFileSync(join(d, 'state'), 'a file where the state directory should be');
  const faults: OutboxFault[] = [];
  const ob = new Outbox(opts(join(d, 'state', 'outbox.db')), clock, log, { onFault: (f) => faults.push(f) });
  ob.open();
  assert.equal(faults[0]?.code, 'OUTBOX_UNAVAILABLE');
  assert.equal(ob.status().mode, 'memory');
  assert.equal(ob.status().durable, false);
  ob.produce('t', {}, 'telemetry', true);
  ob.flush();
  assert.equal(drain(ob).length, 1, 'messages still flow in memory');
  ob.close();
});

test('a full disk while running (SQLITE_FULL) fails over to memory without losing the batch', () => {
  const clock = new ManualClock();
  const path = join(dir(), 'outbox.db');
  const faults: OutboxFault[] = [];
  // max_page_count makes SQLite report SQLITE_FULL exactly as a full disk does.
  const ob = new Outbox(opts(path, { pragmas: ['max_page_count = 12'] }), clock, log, { onFault: (f) => faults.push(f) });
  ob.open();
  const blob = 'y'.repeat(2000);
  for (let i = 0; i < 40; i++) {
    ob.produce('t', { blob }, 'telemetry', false);
    if (i % 5 === 4) ob.flush();
  }
  ob.produce('a', {}, 'alert', false);
  ob.flush();
  assert.equal(faults[0]?.code, 'OUTBOX_WRITE_FAILED');
  assert.equal(ob.status().mode, 'memory');
  const rows = drain(ob);
  assert.deepEqual(rows.filter((r) => r.topic === 't').map((r) => r.seq), Array.from({ length: 40 }, (_, i) => i + 1), 'committed and failed batches are all still sent');
  assert.equal(rows.filter((r) => r.topic === 'a').length, 1);
  assert.ok(existsSync(path));
  ob.close();
});

test("synchronous 'normal': a reboot after an unclean stop jumps seq ahead; a plain crash (same boot) does not", () => {
  const clock = new ManualClock();
  const path = join(dir(), 'outbox.db');
  let boot = 'boot-A';
  const o = () => new Outbox(opts(path, { synchronous: 'normal', bootId: () => boot, powerLossSeqJump: 1000 }), clock, log);
  const a = o();
  a.open();
  a.produce('t', {}, 'telemetry', true);
  a.flush(); // committed, never closed: a crash
  const b = o();
  b.open();
  assert.equal(b.produce('t', {}, 'telemetry', true), 2, 'same boot (kill -9): committed seq is exact, no jump');
  b.flush();
  boot = 'boot-B'; // b never closed either, and the machine rebooted: a power loss
  const c = o();
  c.open();
  assert.equal(c.produce('t', {}, 'telemetry', true), 1003, 'after a power loss seq jumps ahead');
  c.close();
  boot = 'boot-C';
  const d = o();
  d.open();
  assert.equal(d.produce('t', {}, 'telemetry', true), 1004, 'a clean stop before the reboot: no jump');
  d.close();
});
