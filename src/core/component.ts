import type { Logger } from 'pino';
import { FabwatchError, ErrorCode, errorCode, errorMessage } from './errors.js';

/**
 * A long-lived part of the gateway. `start()` and `stop()` are idempotent: calling either twice
 * is harmless, and `stop()` after a failed `start()` releases whatever was acquired.
 */
export interface Component {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export type ComponentStatus = 'stopped' | 'starting' | 'running' | 'failed' | 'stopping';

export interface ComponentReport {
  name: string;
  status: ComponentStatus;
  /** Whether the gateway can run without it (a failed optional component does not stop start-up). */
  critical: boolean;
  error?: { code: string; message: string };
}

interface Entry {
  component: Component;
  critical: boolean;
  status: ComponentStatus;
  error?: { code: string; message: string };
}

/**
 * Starts components in the order they were added and stops them in reverse. A non-critical
 * component that fails to start is reported (stable code, logged) and the others carry on.
 */
export class Supervisor {
  private readonly entries: Entry[] = [];
  private running = false;

  constructor(private readonly log: Logger) {}

  add(component: Component, opts: { critical?: boolean } = {}): this {
    this.entries.push({ component, critical: opts.critical ?? false, status: 'stopped' });
    return this;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    for (const entry of this.entries) {
      entry.status = 'starting';
      const t0 = performance.now();
      try {
        await entry.component.start();
        entry.status = 'running';
        // Start-up time per component, for profiling a slow start (log.level debug).
        this.log.debug({ component: entry.component.name, ms: Math.round((performance.now() - t0) * 10) / 10 }, `component ${entry.component.name} started`);
        entry.error = undefined;
      } catch (err) {
        entry.status = 'failed';
        entry.error = { code: errorCode(err), message: errorMessage(err) };
        this.log.error({ component: entry.component.name, code: entry.error.code, err }, `component ${entry.component.name} failed to start`);
        if (entry.critical) {
          await this.stop();
          throw new FabwatchError(ErrorCode.COMPONENT_START_FAILED, `critical component ${entry.component.name} failed to start: ${entry.error.message}`, { component: entry.component.name }, { cause: err });
        }
      }
    }
  }

  async stop(): Promise<void> {
    for (const entry of [...this.entries].reverse()) {
      if (entry.status === 'stopped') continue;
      entry.status = 'stopping';
      try {
        await entry.component.stop();
      } catch (err) {
        this.log.error({ component: entry.component.name, code: ErrorCode.COMPONENT_STOP_FAILED, err }, `component ${entry.component.name} failed to stop cleanly`);
      }
      // A component that failed to start is stopped too (it may hold half-acquired resources);
      // its error stays in the report.
      entry.status = 'stopped';
    }
    this.running = false;
  }

  report(): ComponentReport[] {
    return this.entries.map((e) => ({ name: e.component.name, status: e.status, critical: e.critical, ...(e.error ? { error: e.error } : {}) }));
  }
}
