import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ModbusSerialTransport } from '../../drivers/modbus-serial-transport.js';
import { MetOne6000Counter } from '../../drivers/metone6000.js';
import { LighthouseCounter } from '../../drivers/lighthouse.js';
import { skipWithoutSocat, ptyPair } from '../helpers/pty-pair.js';

const bin = fileURLToPath(new URL('../../bin/fabwatch.mjs', import.meta.url));

/** Start `fabwatch simulate-device ARGS` and wait for its "serving on" line. */
function startSim(args: string[]) {
  const proc = spawn(process.execPath, [bin, 'simulate-device', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stderr.on('data', (d) => (err += d));
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "serving on" line: ${out} ${err}`)), 20_000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /serving on (.*)\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.once('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
  });
  const stop = () =>
    new Promise<number | null>((resolve) => {
      if (proc.exitCode !== null) return resolve(proc.exitCode);
      proc.once('exit', (code) => resolve(code));
      proc.kill('SIGTERM');
    });
  const send = (line: string) => proc.stdin.write(line + '\n');
  return { ready, stop, send };
}

test('simulate-device --help and argument errors', async () => {
  const run = (args: string[]) =>
    new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const p = spawn(process.execPath, [bin, 'simulate-device', ...args]);
      let out = '';
      let err = '';
      p.stdout.on('data', (d) => (out += d));
      p.stderr.on('data', (d) => (err += d));
      p.on('exit', (code) => resolve({ code, out, err }));
    });
  const help = await run(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.out, /--map lighthouse\|metone6000/);
  const bad = await run(['--map', 'nope', '--port', '0']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--map must be lighthouse or metone6000/);
  const none = await run([]);
  assert.equal(none.code, 2);
  assert.match(none.err, /give --port/);
});

test('simulate-device serves a Met One 6000 over Modbus TCP to the real driver; SIGTERM exits 0', { timeout: 60_000 }, async () => {
  const sim = startSim(['--map', 'metone6000', '--port', '0', '--unit', '3', '--sample-time', '1', '--channels', '0.3,0.5,5']);
  const where = await sim.ready;
  const port = Number(/:(\d+)$/.exec(where)![1]);
  const transport = new ModbusSerialTransport({ kind: 'tcp', host: '127.0.0.1', port, timeoutMs: 1000 });
  try {
    const drv = new MetOne6000Counter({ transport, unitId: 3, channelSizesUm: [0.3, 0.5, 5], where });
    await drv.start();
    let r = null;
    for (let i = 0; i < 40 && !r; i++) {
      await new Promise((res) => setTimeout(res, 100));
      r = await drv.poll();
    }
    assert.ok(r, 'a sample arrived');
    assert.equal(r.counts.length, 3);
    assert.ok(r.counts[0] >= r.counts[1] && r.counts[1] >= r.counts[2], 'cumulative');
    assert.ok(r.volumeM3 > 0);
    // Faults scripted on the running simulator through standard input.
    sim.send('fault 3 exception:4');
    let code: string | undefined;
    for (let i = 0; i < 20 && !code; i++) {
      await new Promise((res) => setTimeout(res, 50));
      code = await transport.readHoldingRegisters(3, 300, 1).then(() => undefined, (e) => e.code);
    }
    assert.equal(code, 'MODBUS_EXCEPTION');
    sim.send('fault 3 none');
    let ok = false;
    for (let i = 0; i < 20 && !ok; i++) {
      await new Promise((res) => setTimeout(res, 50));
      ok = await transport.readHoldingRegisters(3, 300, 1).then(() => true, () => false);
    }
    assert.ok(ok, 'fault cleared');
  } finally {
    await transport.close();
    assert.equal(await sim.stop(), 0);
  }
});

test('simulate-device serves a Lighthouse counter over RTU on a pty', { skip: skipWithoutSocat(), timeout: 60_000 }, async () => {
  const pty = await ptyPair();
  const sim = startSim(['--map', 'lighthouse', '--serial', pty.b, '--sample-time', '1']);
  const transport = new ModbusSerialTransport({ kind: 'rtu', path: pty.a, baudRate: 19200, timeoutMs: 500 });
  try {
    assert.match(await sim.ready, /rtu:\/dev\/pts\/\d+@19200 8N1/);
    const drv = new LighthouseCounter({ transport, unitId: 1, channelSizesUm: [0.3, 0.5, 1, 5], where: pty.a });
    await drv.start();
    let r = null;
    for (let i = 0; i < 40 && !r; i++) {
      await new Promise((res) => setTimeout(res, 100));
      r = await drv.poll();
    }
    assert.ok(r, 'a sample arrived over RTU');
    assert.equal(r.sampleTimeS, 1);
  } finally {
    await transport.close();
    assert.equal(await sim.stop(), 0);
    await pty.close();
  }
});
