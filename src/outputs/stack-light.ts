import type { Logger } from 'pino';
import type { Component } from '../core/component.js';
import { errorCode, errorMessage } from '../core/errors.js';
import type { GpioLine } from '../../drivers/transports.js';
import type { GatewayState } from '../state/gateway-state.js';
import type { Alert, AlertSeverity } from '../state/types.js';

const RANK: Record<AlertSeverity, number> = { info: 0, warning: 1, critical: 2 };

/**
 * Whether an alarm lights the output: at or above `minSeverity`, and active and unacknowledged
 * (UNACK_ACTIVE), or a one-off event (raised and cleared at once, e.g. an uplink fault) not yet
 * acknowledged. Acknowledging or clearing a condition turns it off.
 */
export function lightsOutput(a: Alert, minSeverity: AlertSeverity): boolean {
  return RANK[a.severity] >= RANK[minSeverity] && (a.state === 'UNACK_ACTIVE' || (a.state === 'UNACK_RTN' && a.kind === 'event'));
}

/** The alarms that light the output (lightsOutput), kept from the alert events. Pure bookkeeping, so the rule is tested without GPIO. */
export class ActiveAlerts {
  private readonly lit = new Set<string>();

  constructor(private readonly minSeverity: AlertSeverity) {}

  /** Apply one alert event (or an alarm from the list); returns whether the set changed. */
  apply(a: Alert): boolean {
    const on = lightsOutput(a, this.minSeverity);
    const was = this.lit.has(a.alarm_id);
    if (on) this.lit.add(a.alarm_id);
    else this.lit.delete(a.alarm_id);
    return on !== was;
  }

  get count(): number {
    return this.lit.size;
  }
}

export interface StackLightOptions {
  line: GpioLine;
  state: GatewayState;
  minSeverity: AlertSeverity;
  log: Logger;
  name?: string;
}

/**
 * Drives an alarm output (a stack light or a PLC input) from the alarms (the rule: ActiveAlerts). Off at start and at stop. A GPIO
 * write failure is logged with its code and retried on the next change; it never stops the gateway.
 */
export class StackLight implements Component {
  readonly name: string;
  private readonly active: ActiveAlerts;
  private running = false;
  private level: 0 | 1 | null = null;
  private writing: Promise<void> = Promise.resolve();
  private readonly onAlert = (a: Alert) => {
    this.active.apply(a);
    this.sync();
  };
  lastError: { code: string; message: string } | null = null;

  constructor(private readonly o: StackLightOptions) {
    this.name = o.name ?? 'alarm-output';
    this.active = new ActiveAlerts(o.minSeverity);
  }

  get on(): boolean {
    return this.level === 1;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    for (const a of this.o.state.alarms.active()) this.active.apply(a);
    this.o.state.on('alert', this.onAlert);
    this.sync();
    await this.writing;
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.o.state.off('alert', this.onAlert);
    await this.set(0);
    await this.o.line.close().catch(() => undefined);
  }

  private sync(): void {
    if (!this.running) return;
    void this.set(this.active.count > 0 ? 1 : 0);
  }

  private set(v: 0 | 1): Promise<void> {
    this.writing = this.writing.then(async () => {
      if (this.level === v) return;
      try {
        await this.o.line.write(v);
        this.level = v;
        this.lastError = null;
        this.o.log.info({ output: this.name, on: v === 1 }, v ? 'alarm output on' : 'alarm output off');
      } catch (err) {
        this.level = null;
        this.lastError = { code: errorCode(err), message: errorMessage(err) };
        this.o.log.warn({ output: this.name, code: this.lastError.code }, this.lastError.message);
      }
    });
    return this.writing;
  }
}
