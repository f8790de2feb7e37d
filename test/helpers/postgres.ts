import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../../simulators/free-port.js';
import { skipUnless } from './skip.js';

/**
 * A private PostgreSQL cluster for integration tests: `initdb` + `postgres` in a temp dir on a free
 * loopback port, the way test/helpers/mosquitto.ts starts a broker. PostgreSQL refuses to run as
 * root, so when the tests run as root (CI) the cluster runs as `nobody` (setpriv, else runuser).
 * Never touches a system cluster.
 */

/** Directory holding initdb and postgres: PATH, /usr/local/bin, Debian's /usr/lib/postgresql/<ver>/bin (newest). */
export function postgresBinDir(): string | null {
  const which = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  const candidates: string[] = [];
  if (which.status === 0) candidates.push(which.stdout.trim().replace(/\/initdb$/, ''));
  candidates.push('/usr/local/bin', '/usr/bin');
  if (existsSync('/usr/lib/postgresql')) {
    const versions = readdirSync('/usr/lib/postgresql').filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    for (const v of versions) candidates.push(`/usr/lib/postgresql/${v}/bin`);
  }
  for (const dir of candidates) if (existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'))) return dir;
  return null;
}

/** For node:test's `skip`: skip with a reason locally, fail under CI=true (.ci/run installs postgresql). */
export function skipWithoutPostgres(): string | false {
  return skipUnless(!postgresBinDir() && 'PostgreSQL (initdb, postgres) not installed (apt-get install postgresql; .ci/run installs it)');
}

/** How to run a command as an unprivileged user when we are root. */
function asUser(cmd: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [cmd, args];
  if (spawnSync('sh', ['-c', 'command -v setpriv'], { stdio: 'ignore' }).status === 0) {
    return ['setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', '--', cmd, ...args]];
  }
  return ['runuser', ['-u', 'nobody', '--', cmd, ...args]];
}

function nobodyIds(): { uid: number; gid: number } {
  const id = (flag: string) => Number(spawnSync('id', [flag, 'nobody'], { encoding: 'utf8' }).stdout.trim());
  return { uid: id('-u'), gid: id('-g') };
}

export interface PgCluster {
  port: number;
  url: string;
  dir: string;
  /** Stop (fast shutdown). Idempotent. */
  stop(): Promise<void>;
  /** Start again on the same port and data directory (after stop()). */
  start(): Promise<void>;
  /** Run one SQL statement in a fresh connection and return the rows. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Stop and remove the data directory. */
  destroy(): Promise<void>;
}

async function waitReady(url: string, proc: ChildProcess, timeoutMs: number, log: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`postgres exited with ${proc.exitCode}\n${log()}`);
    const c = new pg.Client({ connectionString: url });
    try {
      await c.connect();
      await c.query('select 1');
      await c.end();
      return;
    } catch {
      await c.end().catch(() => {});
      if (Date.now() > deadline) throw new Error(`postgres not ready within ${timeoutMs} ms\n${log()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * initdb a cluster in a temp dir and start `postgres` on a free loopback port (no Unix socket).
 * `settings` are passed as `-c key=value` (e.g. `{ fsync: 'off' }` for tests that never crash it).
 */
export async function startPostgres(opts: { settings?: Record<string, string | number> } = {}): Promise<PgCluster> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL not installed');
  const dir = mkdtempSync(join(tmpdir(), 'fabwatch-pg-'));
  const data = join(dir, 'data');
  const root = process.getuid?.() === 0;
  if (root) {
    const { uid, gid } = nobodyIds();
    chownSync(dir, uid, gid);
  }
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, 'fabwatch\n');
  if (root) chownSync(pwfile, nobodyIds().uid, nobodyIds().gid);
  const [icmd, iargs] = asUser(join(bin, 'initdb'), ['-D', data, '-U', 'fabwatch', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  const init = spawnSync(icmd, iargs, { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`initdb failed (${init.status}): ${init.stderr || init.stdout}`);
  const port = await freePort();
  const url = `postgres://fabwatch@127.0.0.1:${port}/postgres`;
  const settings = { listen_addresses: '127.0.0.1', port, unix_socket_directories: '', max_connections: 50, shared_buffers: '64MB', ...(opts.settings ?? {}) };
  let proc: ChildProcess | undefined;
  let output = '';
  let exited: Promise<void> = Promise.resolve();
  const start = async () => {
    if (proc && proc.exitCode === null && proc.signalCode === null) return;
    const args = ['-D', data, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
    const [cmd, cargs] = asUser(join(bin, 'postgres'), args);
    const p = spawn(cmd, cargs, { stdio: ['ignore', 'pipe', 'pipe'] });
    proc = p;
    output = '';
    p.stdout?.on('data', (d) => (output = (output + d).slice(-20_000)));
    p.stderr?.on('data', (d) => (output = (output + d).slice(-20_000)));
    exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
    await waitReady(url, p, 30_000, () => output);
  };
  const stop = async () => {
    const p = proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    // With setpriv/runuser the postmaster is our child (setpriv execs; runuser forwards signals).
    p.kill('SIGINT'); // fast shutdown
    const timer = setTimeout(() => p.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  await start();
  return {
    port,
    url,
    dir,
    stop,
    start,
    async query<T>(sql: string, params?: unknown[]): Promise<T[]> {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        return (await c.query(sql, params)).rows as T[];
      } finally {
        await c.end();
      }
    },
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
