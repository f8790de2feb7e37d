import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'node:net';
import { freePort } from '../../simulators/free-port.js';
import { skipUnless } from './skip.js';

/** Path of the mosquitto binary, or null. */
export function mosquittoPath(): string | null {
  for (const p of ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto']) {
    if (spawnSync('test', ['-x', p]).status === 0) return p;
  }
  const which = spawnSync('sh', ['-c', 'command -v mosquitto'], { encoding: 'utf8' });
  return which.status === 0 ? which.stdout.trim() : null;
}

/**
 * For node:test's `skip` option: on a developer machine without Mosquitto the broker tests are
 * skipped with a reason; in CI (CI=true) a missing broker is a failure, never a silent skip.
 */
export function skipWithoutMosquitto(): string | false {
  return skipUnless(!mosquittoPath() && 'mosquitto not installed (apt-get install mosquitto; .ci/run installs it)');
}

export interface Broker {
  port: number;
  url: string;
  proc: ChildProcess;
  stop(): Promise<void>;
  /** Kill with SIGKILL (simulated crash). */
  kill(): Promise<void>;
}

function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const sock = createConnection({ port, host: '127.0.0.1' });
      sock.once('connect', () => {
        sock.destroy();
        resolve();
      });
      sock.once('error', () => {
        sock.destroy();
        if (Date.now() > deadline) reject(new Error(`mosquitto did not listen on ${port} within ${timeoutMs} ms`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

/** Start a private Mosquitto on a free loopback port (tests that stop or break a broker own it). */
export async function startBroker(opts: { port?: number; extraConfig?: string; persistenceDir?: string } = {}): Promise<Broker> {
  const bin = mosquittoPath();
  if (!bin) throw new Error('mosquitto not installed');
  const port = opts.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'fabwatch-mosq-'));
  const conf = join(dir, 'mosquitto.conf');
  // Started as root, mosquitto drops to its own user: it must be able to read and write these.
  chmodSync(dir, 0o755);
  if (opts.persistenceDir) chmodSync(opts.persistenceDir, 0o777);
  // persistenceDir: sessions, queued messages and retained messages survive a stop/start on that directory.
  const persistence = opts.persistenceDir ? `persistence true\npersistence_location ${opts.persistenceDir.replace(/\/?$/, '/')}\nmax_queued_messages 0\nmax_queued_bytes 0\n` : 'persistence false\n';
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\n${persistence}${opts.extraConfig ?? ''}\n`);
  const proc = spawn(bin, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (d) => (stderr += d));
  try {
    await waitForPort(port, 5000);
  } catch (err) {
    proc.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${stderr}`);
  }
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    proc,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
    },
    async kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
  };
}
