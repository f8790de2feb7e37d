/**
 * Why the acquisition worker is parked, not terminated, on hardware (AcquisitionWorkerHost.stop):
 * onoff's native `epoll` addon (the GPIO edge watcher behind the accelerometers' data-ready lines)
 * is not safe to unload: when the worker thread that loaded it ends, the whole process dies with
 * SIGSEGV. This test pins that upstream behaviour; if an `epoll` update fixes it, this test fails,
 * and the worker can be terminated on hardware too (then drop the parking).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { skipUnless } from '../helpers/skip.js';
import { repoRoot } from '../helpers/gateway-process.js';

const hasEpoll = (() => {
  try {
    createRequire(import.meta.url).resolve('epoll');
    return true;
  } catch {
    return false;
  }
})();

test('a worker thread that loaded epoll ends the process with SIGSEGV when it exits; one that is left running does not', { skip: skipUnless(!hasEpoll && 'the optional native module epoll (onoff) is not installed') }, () => {
  const load = "const r = require('node:module').createRequire(process.cwd() + '/'); r('epoll'); require('node:worker_threads').parentPort.postMessage('loaded');";
  const run = (afterLoad: string) =>
    spawnSync(process.execPath, ['-e', `const { Worker } = require('node:worker_threads'); (async () => { const w = new Worker(${JSON.stringify(load)}, { eval: true }); await new Promise((r) => w.once('message', r)); ${afterLoad} })();`], { cwd: repoRoot, encoding: 'utf8', timeout: 20_000 });
  const terminated = run("await w.terminate(); await new Promise((r) => setTimeout(r, 300)); console.log('survived');");
  assert.equal(terminated.signal, 'SIGSEGV', `expected the process to die when the worker ended: status ${terminated.status}, stdout ${terminated.stdout}`);
  const parked = run("w.unref(); console.log('survived'); process.exit(0);");
  assert.equal(parked.status, 0, parked.stderr);
  assert.match(parked.stdout, /survived/);
});
