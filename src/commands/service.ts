import { randomUUID } from 'node:crypto';
import { Ajv, type ValidateFunction } from 'ajv';
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import { errorCode, errorMessage } from '../core/errors.js';
import { checkValueDepth, truncatedJson } from '../core/json-guard.js';
import type { CommandDefinition, CommandOutcome, CommandRequest } from './types.js';

export interface CommandServiceOptions {
  clock: Clock;
  /** Receives one line per command and outcome (component `audit`). */
  audit: Logger;
  robotIds: () => Iterable<string>;
  definitions: CommandDefinition<never>[];
  /** Commands issued longer ago than this are refused (ms). */
  ttlMs?: number;
  /** How many executed ids are remembered for de-duplication. */
  rememberIds?: number;
}

/**
 * Validates and executes robot commands, whatever transport they came by. Unknown commands and
 * bad parameters give a `rejected` outcome, never an exception; a repeated id returns the first
 * outcome without running again; every command and outcome goes to the audit log.
 */
export class CommandService {
  private readonly defs = new Map<string, { def: CommandDefinition<never>; validate: ValidateFunction }>();
  private readonly done = new Map<string, CommandOutcome>();
  private readonly inFlight = new Map<string, Promise<CommandOutcome>>();
  readonly recent: CommandOutcome[] = [];

  constructor(private readonly o: CommandServiceOptions) {
    const ajv = new Ajv({ allErrors: true, strict: true, useDefaults: true });
    for (const def of o.definitions) this.defs.set(def.name, { def, validate: ajv.compile({ type: 'object', additionalProperties: false, ...def.parameters }) });
  }

  /** Names, descriptions and parameter schemas (for the API and docs). */
  catalogue(): Array<{ name: string; description: string; parameters: Record<string, unknown> }> {
    return [...this.defs.values()].map(({ def }) => ({ name: def.name, description: def.description, parameters: { type: 'object', additionalProperties: false, ...def.parameters } }));
  }

  async execute(req: CommandRequest): Promise<CommandOutcome> {
    const id = req.id ?? randomUUID();
    const key = `${req.robotId}\u0000${id}`;
    const previous = this.done.get(key);
    if (previous) {
      this.o.audit.info({ audit: 'command', id, robot: req.robotId, command: req.command, source: req.source, actor: req.actor, duplicate: true }, 'duplicate command id: not executed again');
      return { ...previous, duplicate: true };
    }
    const running = this.inFlight.get(key);
    if (running) return { ...(await running), duplicate: true };
    const p = this.run(id, req);
    this.inFlight.set(key, p);
    try {
      const outcome = await p;
      this.remember(key, outcome);
      return outcome;
    } finally {
      this.inFlight.delete(key);
    }
  }

  private outcome(id: string, req: CommandRequest, status: CommandOutcome['status'], message: string, extra: Partial<CommandOutcome> = {}): CommandOutcome {
    return { id, robot_id: req.robotId, command: req.command, status, message, ts: new Date(this.o.clock.now()).toISOString(), ...extra };
  }

  private async run(id: string, req: CommandRequest): Promise<CommandOutcome> {
    this.o.audit.info({ audit: 'command', id, robot: req.robotId, command: req.command, parameters: truncatedJson(req.parameters), source: req.source, actor: req.actor }, 'command received');
    let result: CommandOutcome;
    try {
      result = await this.evaluate(id, req);
    } catch (err) {
      // evaluate() answers every bad input itself; this is a bug, still answered and audited.
      result = this.outcome(id, req, 'failed', `internal error: ${errorMessage(err)}`, { code: 'INTERNAL' });
    }
    const level = result.status === 'ok' ? 'info' : 'warn';
    this.o.audit[level]({ audit: 'outcome', id, robot: req.robotId, command: req.command, status: result.status, code: result.code, source: req.source, actor: req.actor }, result.message);
    this.recent.push(result);
    if (this.recent.length > 200) this.recent.shift();
    return result;
  }

  private async evaluate(id: string, req: CommandRequest): Promise<CommandOutcome> {
    if (![...this.o.robotIds()].includes(req.robotId)) return this.outcome(id, req, 'rejected', `no robot "${req.robotId}" on this gateway`, { code: 'UNKNOWN_ROBOT' });
    const entry = this.defs.get(req.command);
    if (!entry) return this.outcome(id, req, 'rejected', `unknown command "${req.command}"; known: ${[...this.defs.keys()].join(', ')}`, { code: 'UNKNOWN_COMMAND' });
    if (req.issuedAt !== undefined) {
      const issued = Date.parse(req.issuedAt);
      if (Number.isNaN(issued)) return this.outcome(id, req, 'rejected', 'issued_at is not an ISO-8601 time', { code: 'BAD_PARAMETERS' });
      const age = this.o.clock.now() - issued;
      if (age > (this.o.ttlMs ?? 60_000)) return this.outcome(id, req, 'rejected', `command expired: issued ${Math.round(age / 1000)} s ago (TTL ${Math.round((this.o.ttlMs ?? 60_000) / 1000)} s)`, { code: 'EXPIRED' });
    }
    // Depth before structuredClone and Ajv, which both recurse (deep nesting overflows the stack).
    const tooDeep = checkValueDepth(req.parameters ?? {});
    if (tooDeep) return this.outcome(id, req, 'rejected', `parameters refused: ${tooDeep.message}`, { code: tooDeep.code });
    const params = structuredClone(req.parameters ?? {});
    if (!entry.validate(params)) {
      const why = (entry.validate.errors ?? []).map((e) => `${e.instancePath || 'parameters'} ${e.message}${e.keyword === 'additionalProperties' ? ` (${(e.params as { additionalProperty: string }).additionalProperty})` : ''}`).join('; ');
      return this.outcome(id, req, 'rejected', `bad parameters for ${req.command}: ${why}`, { code: 'BAD_PARAMETERS' });
    }
    try {
      const result = await entry.def.run(req.robotId, params as never);
      return this.outcome(id, req, 'ok', `${req.command} done`, result === undefined ? {} : { result });
    } catch (err) {
      return this.outcome(id, req, 'failed', errorMessage(err), { code: errorCode(err) === 'INTERNAL' ? 'FAILED' : errorCode(err) });
    }
  }

  private remember(key: string, outcome: CommandOutcome): void {
    this.done.set(key, outcome);
    const cap = this.o.rememberIds ?? 10_000;
    if (this.done.size > cap) this.done.delete(this.done.keys().next().value!);
  }
}
