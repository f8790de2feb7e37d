import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

/** One datagram received on the fake NOTIFY_SOCKET. */
export interface NotifyMessage {
  /** Listener's monotonic clock, seconds. */
  t: number;
  /** Sender PID from SCM_CREDENTIALS. */
  pid: number | null;
  fields: Record<string, string>;
  /** Date.now() when the test process read it. */
  receivedAt: number;
}

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'notify-listener.py');

/**
 * A fake systemd notification socket: Node cannot bind AF_UNIX datagram sockets, so a small
 * python3 program (test/helpers/notify-listener.py) binds one and reports each datagram as JSON.
 */
export class NotifyListener {
  readonly messages: NotifyMessage[] = [];
  readonly socketPath: string;
  private readonly dir: string;
  private child: ChildProcessWithoutNullStreams | undefined;
  private waiters: Array<() => void> = [];
  private stderr = '';

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'fabwatch-notify-'));
    this.socketPath = join(this.dir, 'notify.sock');
  }

  async start(): Promise<void> {
    const child = spawn('python3', [SCRIPT, this.socketPath], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    const lines = createInterface({ input: child.stdout });
    await new Promise<void>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`notify listener exited (${code}): ${this.stderr}`));
      child.once('exit', onExit);
      child.once('error', reject);
      lines.on('line', (line) => {
        if (line === 'LISTENING') {
          child.off('exit', onExit);
          resolve();
          return;
        }
        this.messages.push({ ...(JSON.parse(line) as Omit<NotifyMessage, 'receivedAt'>), receivedAt: Date.now() });
        for (const w of this.waiters.splice(0)) w();
      });
    });
  }

  /** Messages carrying `name` (e.g. 'WATCHDOG'). */
  withField(name: string): NotifyMessage[] {
    return this.messages.filter((m) => name in m.fields);
  }

  /** Resolves once `predicate` holds over the messages received so far; rejects after timeoutMs. */
  waitFor(predicate: (messages: NotifyMessage[]) => boolean, timeoutMs: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got ${JSON.stringify(this.messages.map((m) => m.fields))}`));
      }, timeoutMs);
      const check = () => {
        if (predicate(this.messages)) {
          clearTimeout(timer);
          resolve();
        } else {
          this.waiters.push(check);
        }
      };
      check();
    });
  }

  async close(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.stdin.end();
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
