import { randomUUID } from 'node:crypto';
import { Ajv, type ValidateFunction } from 'ajv';
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import { errorCode, errorMessage } from '../core/errors.js';
import { checkValueDepth, truncatedJson } from '../core/json-guard.js';
import { AuditLog } from '../core/audit.js';
import { MemoryOutcomeStore, type OutcomeStore } from './ledger.js';
import type { CommandDefinition, CommandOutcome, CommandRequest } from './types.js';

export interface CommandServiceOptions {
  clock: Clock;
  /** The audit log (or a logger to make it from): one line per command and outcome. */
  audit: AuditLog | Logger;
  robotIds: () => Iterable<string>;
  definitions: CommandDefinition<never>[];
  /** Commands issued longer ago than this are refused (ms). Default 60 s. */
  ttlMs?: number;
  /** Commands issued further in the future than this are refused (ms): clocks differ a little, not by years. Default 30 s. */
  clockSkewMs?: number;
  /** Where executed ids are remembered; default in memory, bounded by rememberIds and 24 h. */
  store?: OutcomeStore;
  /** How many executed ids the default store remembers. */
  rememberIds?: number;
}

/**
 * Validates and executes commands, whatever transport they came by: the one command path for
 * REST, WebSocket and MQTT. Unknown commands and bad parameters give a `rejected` outcome, never
 * an exception; an id that was executed returns its first outcome without running again (a
 * rejected id may be re-sent corrected); every command and outcome goes to the audit log.
 * Robot commands name a robot; gateway commands (`scope: 'gateway'`) are sent with robotId null.
 */
export class CommandService {
  private readonly defs = new Map<string, { def: CommandDefinition<never>; validate: ValidateFunction }>();
  private readonly store: OutcomeStore;
  private readonly inFlight = new Map<string, Promise<CommandOutcome>>();
  /** The audit log every transport writes to. */
  readonly audit: AuditLog;
  readonly recent: CommandOutcome[] = [];

  constructor(private readonly o: CommandServiceOptions) {
    const ajv = new Ajv({ allErrors: true, strict: true, useDefaults: true });
    for (const def of o.definitions) this.defs.set(def.name, { def, validate: ajv.compile({ type: 'object', additionalProperties: false, ...def.parameters }) });
    this.audit = AuditLog.from(o.audit);
    this.store = o.store ?? new MemoryOutcomeStore(o.clock, { maxEntries: o.rememberIds ?? 10_000, retentionMs: 24 * 3_600_000 });
  }

  /** Names, descriptions and parameter schemas (for the API and docs). */
  catalogue(): Array<{ name: string; description: string; scope: 'robot' | 'gateway'; parameters: Record<string, unknown> }> {
    return [...this.defs.values()].map(({ def }) => ({ name: def.name, description: def.description, scope: def.scope ?? 'robot', parameters: { type: 'object', additionalProperties: false, ...def.parameters } }));
  }

  async execute(req: CommandRequest): Promise<CommandOutcome> {
    const id = req.id ?? randomUUID();
    const key = `${req.robotId ?? ''}\u0000${id}`;
    const previous = this.store.get(key);
    if (previous) {
      this.audit.record({ event: 'command', transport: req.source, actor: req.actor, id, robot: req.robotId, command: req.command, duplicate: true }, 'duplicate command id: not executed again');
      return { ...previous, duplicate: true };
    }
    const running = this.inFlight.get(key);
    if (running) return { ...(await running), duplicate: true };
    const p = this.run(id, req);
    this.inFlight.set(key, p);
    try {
      const outcome = await p;
      // A rejected command did nothing: its id stays free, so a corrected command can use it.
      if (outcome.status !== 'rejected') this.store.put(key, outcome);
      return outcome;
    } finally {
      this.inFlight.delete(key);
    }
  }

  private outcome(id: string, req: CommandRequest, status: CommandOutcome['status'], message: string, extra: Partial<CommandOutcome> = {}): CommandOutcome {
    return { id, robot_id: req.robotId, command: req.command, status, message, ts: new Date(this.o.clock.now()).toISOString(), ...extra };
  }

  private async run(id: string, req: CommandRequest): Promise<CommandOutcome> {
    this.audit.record({ event: 'command', transport: req.source, actor: req.actor, id, robot: req.robotId, command: req.command, parameters: truncatedJson(req.parameters) }, 'command received');
    let result: CommandOutcome;
    try {
      result = await this.evaluate(id, req);
    } catch (err) {
      // evaluate() answers every bad input itself; this is a bug, still answered and audited.
      result = this.outcome(id, req, 'failed', `internal error: ${errorMessage(err)}`, { code: 'INTERNAL' });
    }
    this.audit.record({ event: 'outcome', transport: req.source, actor: req.actor, id, robot: req.robotId, command: req.command, status: result.status, code: result.code }, result.message);
    this.recent.push(result);
    if (this.recent.length > 200) this.recent.shift();
    return result;
  }

  /** Why a command's issued_at is refused (too old, or too far in the future), or null. */
  private timeProblem(id: string, req: CommandRequest): CommandOutcome | null {
    if (req.issuedAt === undefined) return null;
    const issued = Date.parse(req.issuedAt);
    if (Number.isNaN(issued)) return this.outcome(id, req, 'rejected', 'issued_at is not an ISO-8601 time', { code: 'BAD_PARAMETERS' });
    const age = this.o.clock.now() - issued;
    const ttl = this.o.ttlMs ?? 60_000;
    const skew = this.o.clockSkewMs ?? 30_000;
    if (age > ttl) return this.outcome(id, req, 'rejected', `command expired: issued ${Math.round(age / 1000)} s ago (TTL ${Math.round(ttl / 1000)} s)`, { code: 'EXPIRED' });
    if (-age > skew) return this.outcome(id, req, 'rejected', `issued_at is ${Math.round(-age / 1000)} s in the future (allowed clock skew ${Math.round(skew / 1000)} s): check the sender's clock`, { code: 'ISSUED_IN_FUTURE' });
    return null;
  }

  private async evaluate(id: string, req: CommandRequest): Promise<CommandOutcome> {
    const entry = this.defs.get(req.command);
    const scope = entry?.def.scope ?? 'robot';
    if (scope === 'robot' && (req.robotId === null || ![...this.o.robotIds()].includes(req.robotId))) return this.outcome(id, req, 'rejected', `no robot "${req.robotId}" on this gateway`, { code: 'UNKNOWN_ROBOT' });
    if (!entry) return this.outcome(id, req, 'rejected', `unknown command "${req.command.slice(0, 64)}"; known: ${[...this.defs.keys()].join(', ')}`, { code: 'UNKNOWN_COMMAND' });
    if (scope === 'gateway' && req.robotId !== null) return this.outcome(id, req, 'rejected', `${req.command} is a gateway command: it names no robot`, { code: 'UNKNOWN_COMMAND' });
    const late = this.timeProblem(id, req);
    if (late) return late;
    // Depth before structuredClone and Ajv, which both recurse (deep nesting overflows the stack).
    const tooDeep = checkValueDepth(req.parameters ?? {});
    if (tooDeep) return this.outcome(id, req, 'rejected', `parameters refused: ${tooDeep.message}`, { code: tooDeep.code });
    const params = structuredClone(req.parameters ?? {});
    if (!entry.validate(params)) {
      const why = (entry.validate.errors ?? []).map((e) => `${e.instancePath || 'parameters'} ${e.message}${e.keyword === 'additionalProperties' ? ` (${(e.params as { additionalProperty: string }).additionalProperty})` : ''}`).join('; ');
      return this.outcome(id, req, 'rejected', `bad parameters for ${req.command}: ${why}`, { code: 'BAD_PARAMETERS' });
    }
    try {
      const result = await entry.def.run(req.robotId as string, params as never, { actor: req.actor, source: req.source });
      return this.outcome(id, req, 'ok', `${req.command} done`, result === undefined ? {} : { result });
    } catch (err) {
      return this.outcome(id, req, 'failed', errorMessage(err), { code: errorCode(err) === 'INTERNAL' ? 'FAILED' : errorCode(err) });
    }
  }
}
