import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface GatewayProcess {
  proc: ChildProcess;
  rest: number;
  ws: number;
  logs: string[];
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/**
 * Start fabwatch as a child process (the way a user or systemd does) with ports 0 and the given
 * environment; resolves once the API is listening, with the ports it chose.
 */
export async function startGatewayProcess(opts: { config?: string; env?: Record<string, string>; args?: string[]; timeoutMs?: number } = {}): Promise<GatewayProcess> {
  const stateDir = mkdtempSync(join(tmpdir(), 'fabwatch-state-'));
  const args = ['--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), 'run', '--config', opts.config ?? join(repoRoot, 'config/simulated.yaml'), ...(opts.args ?? [])];
  const proc = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: { ...process.env, PORT: '0', WS_PORT: '0', LOG_LEVEL: 'info', FABWATCH_STATE_DIR: stateDir, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const exited = new Promise<number | string>((resolve) => proc.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  let buf = '';
  const ready = new Promise<{ rest: number; ws: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start within ${opts.timeoutMs ?? 20000} ms:\n${logs.join('\n')}`)), opts.timeoutMs ?? 20000);
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        logs.push(line);
        try {
          const entry = JSON.parse(line) as { msg?: string; rest?: number; ws?: number };
          if (entry.msg === 'API listening') {
            clearTimeout(timer);
            resolve({ rest: entry.rest!, ws: entry.ws! });
          }
        } catch {
          /* non-JSON line */
        }
      }
    });
    proc.stderr!.on('data', (d: Buffer) => logs.push(d.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited (${code}) before it was ready:\n${logs.join('\n')}`));
    });
  });
  const ports = await ready;
  return {
    proc,
    ...ports,
    logs,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}

/** GET a URL and parse its JSON body (typed loosely: tests assert on the shape). */
export async function getJson(url: string): Promise<any> {
  return (await fetch(url)).json();
}

/** Parse a Response body as JSON (typed loosely). */
export async function json(res: Response): Promise<any> {
  return res.json();
}
