import type { Logger } from 'pino';

/**
 * What happened: a command received, its outcome, a refused login or access, a rate limit, an
 * input ignored, a model update accepted / rejected / swapped / rolled back (src/prognosis/model-updater.ts).
 */
export type AuditEvent = 'command' | 'outcome' | 'login_failure' | 'forbidden' | 'rate_limited' | 'ignored' | 'model';
/** `local`: decided on the gateway itself (a model self-rollback, a rollback command's effect). */
export type AuditTransport = 'rest' | 'ws' | 'mqtt' | 'local';

/**
 * One audit record: the same field set whatever wrote it (docs/api.md, "Audit log"). Fields that
 * do not apply are left out, never renamed.
 */
export interface AuditRecord {
  event: AuditEvent;
  transport: AuditTransport;
  /** Client address (REST, WebSocket); absent for MQTT (the broker is the peer). */
  ip?: string;
  /** Token name, `anonymous`, or `mqtt`. */
  actor?: string;
  /** The request: `POST /api/robots/robot-001/command`, `connect`, `command robot-001 stop_acquisition`. */
  what?: string;
  /** Command id (client-chosen or generated). */
  id?: string;
  robot?: string | null;
  command?: string;
  status?: 'ok' | 'rejected' | 'failed';
  /** Stable error code when not ok. */
  code?: string;
  /** Command parameters as JSON, cut to 256 characters. */
  parameters?: string;
  duplicate?: boolean;
}

/**
 * The audit log: a child `component: audit` of the root logger, written only through record(), so
 * every line has one shape (`audit` = the event, then the fields of AuditRecord). Warnings for
 * refusals and failed outcomes, info for the rest.
 */
export class AuditLog {
  readonly log: Logger;

  /** `log`: the root logger (a child `component: audit` is made), or a logger that already is that child. */
  constructor(log: Logger) {
    this.log = log.bindings().component === 'audit' ? log : log.child({ component: 'audit' });
  }

  static from(a: Logger | AuditLog): AuditLog {
    return a instanceof AuditLog ? a : new AuditLog(a);
  }

  record(r: AuditRecord, message: string): void {
    const { event, ...fields } = r;
    const warn = event !== 'command' && ((event !== 'outcome' && event !== 'model') || r.status !== 'ok');
    this.log[warn ? 'warn' : 'info']({ audit: event, ...fields }, message);
  }
}
