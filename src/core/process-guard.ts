import type { Logger } from 'pino';
import { errorCode, errorMessage } from './errors.js';

/** EX_SOFTWARE (sysexits.h): the exit status after an uncaught exception; Restart=on-failure restarts. */
export const EXIT_UNCAUGHT = 70;

export interface ProcessGuardOptions {
  log: Logger;
  /** Stop the gateway (flush the outbox, close buses) before exiting. */
  stop: () => Promise<void>;
  /** How long stop() may take before the process exits anyway (ms). */
  stopTimeoutMs?: number;
  exit?: (code: number) => void;
  /** The process to watch (a plain EventEmitter in unit tests). */
  proc?: Pick<NodeJS.Process, 'on' | 'off'>;
}

/**
 * The process-level policy for errors nothing else caught (docs/api.md, "Security"):
 * - an unhandled promise rejection is logged with code UNHANDLED_REJECTION and counted
 *   (`fabwatch_process_errors_total{kind="unhandled_rejection"}`); the process keeps serving;
 * - an uncaught exception is logged with code UNCAUGHT_EXCEPTION and counted, the gateway is
 *   stopped (bounded by stopTimeoutMs) and the process exits with 70, so systemd restarts it.
 * No input path is meant to get here: every handler catches and answers, and the fuzz tests
 * (test/integration/harden-fuzz.test.ts) check it. Each restart still counts against the unit's
 * StartLimitBurst, which is why input must never reach this point.
 */
export class ProcessGuard {
  readonly counts = { unhandled_rejection: 0, uncaught_exception: 0 };
  private installed = false;
  private exiting = false;
  private readonly proc: Pick<NodeJS.Process, 'on' | 'off'>;

  constructor(private readonly o: ProcessGuardOptions) {
    this.proc = o.proc ?? process;
  }

  private readonly onRejection = (reason: unknown): void => {
    this.counts.unhandled_rejection++;
    this.o.log.error({ code: 'UNHANDLED_REJECTION', cause: errorCode(reason), err: reason instanceof Error ? { message: reason.message, stack: reason.stack } : String(reason) }, `unhandled promise rejection (kept running): ${errorMessage(reason)}`);
  };

  private readonly onException = (err: unknown): void => {
    this.counts.uncaught_exception++;
    this.o.log.fatal({ code: 'UNCAUGHT_EXCEPTION', cause: errorCode(err), err: err instanceof Error ? { message: err.message, stack: err.stack } : String(err) }, `uncaught exception: stopping, exit ${EXIT_UNCAUGHT} (systemd restarts)`);
    if (this.exiting) return;
    this.exiting = true;
    const exit = this.o.exit ?? ((code: number) => process.exit(code));
    const timer = setTimeout(() => exit(EXIT_UNCAUGHT), this.o.stopTimeoutMs ?? 5000);
    timer.unref?.();
    void this.o
      .stop()
      .catch(() => undefined)
      .then(() => {
        clearTimeout(timer);
        this.o.log.flush?.();
        exit(EXIT_UNCAUGHT);
      });
  };

  install(): void {
    if (this.installed) return;
    this.installed = true;
    this.proc.on('unhandledRejection', this.onRejection);
    this.proc.on('uncaughtException', this.onException);
  }

  uninstall(): void {
    if (!this.installed) return;
    this.installed = false;
    this.proc.off('unhandledRejection', this.onRejection);
    this.proc.off('uncaughtException', this.onException);
  }
}
