import { execFile } from 'node:child_process';
import type { Clock, TimerHandle } from './clock.js';
import type { Component } from './component.js';

/**
 * systemd service notifications (sd_notify(3)) for a Type=notify unit: READY=1, STATUS=,
 * STOPPING=1 and a health-gated WATCHDOG=1.
 *
 * Node has no AF_UNIX datagram sockets, so messages go through the `systemd-notify` command, one
 * child process per message. The message then comes from a child of the main process, which
 * systemd accepts only with `NotifyAccess=all` in the unit. systemd-notify (>= v246) waits for a
 * BARRIER=1 round trip by default, so it is still alive while systemd reads the message and looks
 * up the sender's cgroup; `--no-block` would lose that guarantee, so it is not used. It does not
 * need the system to be booted with systemd (`--booted` is a separate query, not a precondition):
 * all it needs is $NOTIFY_SOCKET, which is why the tests can run it against a plain datagram
 * listener. See docs/deploy.md.
 *
 * When NOTIFY_SOCKET is unset (a developer's shell, the tests, Docker) every call is a no-op.
 */

/** Runs `file args` with `env`; resolves when it exited with status 0, rejects otherwise. */
export type NotifyExec = (file: string, args: readonly string[], env: NodeJS.ProcessEnv) => Promise<void>;

export interface NotifierLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface NotifierOptions {
  clock: Clock;
  /**
   * Whether the data path is healthy right now (the wiring passes "samples acquired and analysed
   * recently, outbox writable"). WATCHDOG=1 is sent only while this returns true; a stalled
   * pipeline therefore gets the process killed and restarted by systemd, even though the event
   * loop is still alive. A throw counts as unhealthy.
   */
  isHealthy: () => boolean;
  /** Defaults to process.env; read once, at construction. */
  env?: NodeJS.ProcessEnv;
  /** Defaults to running the command with child_process.execFile. */
  exec?: NotifyExec;
  /** Defaults to `systemd-notify` (looked up in PATH). */
  command?: string;
  /** Our PID, for the WATCHDOG_PID check; defaults to process.pid. */
  pid?: number;
  log?: NotifierLog;
}

/** Stable error code logged when a notification could not be delivered. */
export const SD_NOTIFY_FAILED = 'SD_NOTIFY_FAILED';

/** Milliseconds a single systemd-notify may take (its own barrier timeout is 5 s). */
const EXEC_TIMEOUT_MS = 8000;

export const execFileNotify: NotifyExec = (file, args, env) =>
  new Promise((resolve, reject) => {
    execFile(file, [...args], { env, timeout: EXEC_TIMEOUT_MS, windowsHide: true }, (err, _stdout, stderr) => {
      if (err) {
        const detail = String(stderr ?? '').trim();
        reject(detail ? new Error(`${err.message.trim()}: ${detail}`, { cause: err }) : err);
      } else {
        resolve();
      }
    });
  });

export interface WatchdogSettings {
  /** Interval between pings: half of WATCHDOG_USEC, in milliseconds. */
  intervalMs: number;
  /** WATCHDOG_USEC in milliseconds. */
  timeoutMs: number;
}

/**
 * The watchdog settings systemd passes (sd_watchdog_enabled(3)): WATCHDOG_USEC, and WATCHDOG_PID
 * which, when set, must be our PID (the variables are inherited by children that must not ping).
 */
export function watchdogFromEnv(env: NodeJS.ProcessEnv, pid: number): WatchdogSettings | undefined {
  const usecText = env.WATCHDOG_USEC;
  if (!usecText || !/^\d+$/.test(usecText)) return undefined;
  const usec = Number(usecText);
  if (!Number.isSafeInteger(usec) || usec <= 0) return undefined;
  const pidText = env.WATCHDOG_PID;
  if (pidText !== undefined && pidText !== '' && Number(pidText) !== pid) return undefined;
  const timeoutMs = usec / 1000;
  return { timeoutMs, intervalMs: Math.max(1, Math.floor(timeoutMs / 2)) };
}

/** One notification field; newlines would start a new field, so they are flattened. */
function field(name: string, value: string): string {
  return `${name}=${value.replace(/[\r\n]+/g, ' ')}`;
}

export class Notifier implements Component {
  readonly name = 'sd-notify';
  /** True when NOTIFY_SOCKET is set: messages are sent. */
  readonly enabled: boolean;
  /** Present when systemd armed a watchdog for this process. */
  readonly watchdog: WatchdogSettings | undefined;

  private readonly clock: Clock;
  private readonly isHealthy: () => boolean;
  private readonly env: NodeJS.ProcessEnv;
  private readonly exec: NotifyExec;
  private readonly command: string;
  private readonly log: NotifierLog | undefined;
  private timer: TimerHandle | undefined;
  /** Messages go out one at a time and in order (READY before the first WATCHDOG). */
  private queue: Promise<unknown> = Promise.resolve();
  private pingInFlight = false;
  private lastHealthy: boolean | undefined;
  private counters = { pings: 0, withheld: 0, failures: 0 };

  constructor(opts: NotifierOptions) {
    this.clock = opts.clock;
    this.isHealthy = opts.isHealthy;
    this.env = { ...(opts.env ?? process.env) };
    this.exec = opts.exec ?? execFileNotify;
    this.command = opts.command ?? 'systemd-notify';
    this.log = opts.log;
    this.enabled = Boolean(this.env.NOTIFY_SOCKET);
    this.watchdog = this.enabled ? watchdogFromEnv(this.env, opts.pid ?? process.pid) : undefined;
  }

  /** Starts the watchdog loop when systemd armed one; otherwise does nothing. Idempotent. */
  async start(): Promise<void> {
    if (this.timer || !this.watchdog) return;
    this.timer = this.clock.setInterval(() => this.tick(), this.watchdog.intervalMs);
  }

  /** Stops the watchdog loop and waits for messages already queued. Idempotent. */
  async stop(): Promise<void> {
    this.timer?.cancel();
    this.timer = undefined;
    await this.queue;
  }

  /** READY=1: start-up is complete (devices and uplink started). Resolves true when delivered. */
  ready(status?: string): Promise<boolean> {
    return this.send(status === undefined ? ['READY=1'] : ['READY=1', field('STATUS', status)]);
  }

  /** STOPPING=1: shutdown has begun. */
  stopping(status?: string): Promise<boolean> {
    return this.send(status === undefined ? ['STOPPING=1'] : ['STOPPING=1', field('STATUS', status)]);
  }

  /** STATUS=text, shown by `systemctl status`. */
  status(text: string): Promise<boolean> {
    return this.send([field('STATUS', text)]);
  }

  /** Counts since construction, for the health endpoint and tests. */
  stats(): { pings: number; withheld: number; failures: number } {
    return { ...this.counters };
  }

  private healthy(): boolean {
    try {
      return this.isHealthy() === true;
    } catch {
      return false;
    }
  }

  private tick(): void {
    const healthy = this.healthy();
    if (healthy !== this.lastHealthy) {
      if (!healthy) {
        this.log?.warn({ watchdogTimeoutMs: this.watchdog?.timeoutMs }, 'data path unhealthy: withholding systemd watchdog pings (systemd restarts the service if this lasts)');
      } else if (this.lastHealthy === false) {
        this.log?.info({}, 'data path healthy again: resuming systemd watchdog pings');
      }
      this.lastHealthy = healthy;
    }
    if (!healthy) {
      this.counters.withheld++;
      return;
    }
    // A ping still waiting on systemd-notify covers this tick too; do not pile up processes.
    if (this.pingInFlight) return;
    this.pingInFlight = true;
    void this.send(['WATCHDOG=1']).then((ok) => {
      this.pingInFlight = false;
      if (ok) this.counters.pings++;
    });
  }

  private send(fields: string[]): Promise<boolean> {
    if (!this.enabled) return Promise.resolve(false);
    const run = this.queue.then(() =>
      this.exec(this.command, fields, this.env).then(
        () => true,
        (err: unknown) => {
          this.counters.failures++;
          this.log?.warn({ code: SD_NOTIFY_FAILED, fields, err: err instanceof Error ? err.message : String(err) }, 'systemd notification failed');
          return false;
        },
      ),
    );
    this.queue = run;
    return run;
  }
}
