import type { CommandService } from '../../commands/service.js';
import type { CommandOutcome } from '../../commands/types.js';
import { decodePayload, toNumber, type TypeStr } from './codec.js';
import type { MetricDef, MetricValue } from './metrics.js';
import type { SpbEntity } from './devices.js';

const PREFIX = 'Commands/';

/** How one robot command is written over DCMD: metric `Commands/{name}`, and which parameter its value fills. */
export interface CommandMetric {
  def: MetricDef;
  command: string;
  /** The one parameter the value fills; absent = a trigger (write true to run). */
  parameter?: string;
}

const TYPE_OF: Record<string, TypeStr> = { boolean: 'Boolean', string: 'String', number: 'Double', integer: 'Int64' };

/**
 * The writable command metrics of a robot device, from the command catalogue: a command without
 * required parameters is a Boolean trigger; a command with exactly one required parameter takes it as the value
 * (its JSON type gives the datatype). Commands with more parameters are not exposed over DCMD.
 */
export function commandMetrics(catalogue: ReturnType<CommandService['catalogue']>): CommandMetric[] {
  const out: CommandMetric[] = [];
  for (const c of catalogue) {
    // DCMD addresses a device (a robot); gateway commands (acknowledge_gateway_alert, model_rollback) are not device metrics.
    if (c.scope === 'gateway') continue;
    // Optional parameters (e.g. an acknowledgement's comment) cannot be written over DCMD: left out.
    const schema = c.parameters as { properties?: Record<string, { type?: string }>; required?: string[] };
    const props = Object.entries(schema.properties ?? {}).filter(([k]) => (schema.required ?? []).includes(k));
    if (props.length === 0) out.push({ command: c.name, def: { name: PREFIX + c.name, type: 'Boolean', json: `command ${c.name}`, writable: true } });
    else if (props.length === 1 && TYPE_OF[props[0][1].type ?? '']) out.push({ command: c.name, parameter: props[0][0], def: { name: PREFIX + c.name, type: TYPE_OF[props[0][1].type!], json: `command ${c.name} {${props[0][0]}}`, writable: true } });
  }
  return out;
}

export interface DcmdWrite {
  robotId: string;
  /** The metric name (resolved from its alias). */
  name: string;
  value: MetricValue;
  /** Payload or metric timestamp, ms: the command's issued_at (TTL) and its de-duplication key. */
  timestamp: number | null;
  /** Who sent it (audit): e.g. sparkplug:{host id}. */
  actor: string;
}

/**
 * Runs one DCMD metric write through the CommandService (the same validation, de-duplication,
 * TTL and audit as REST, WebSocket and MQTT-JSON). The command id is derived from the device,
 * metric and timestamp, so a repeated delivery of the same DCMD is not executed twice.
 */
export async function runDcmdWrite(commands: CommandService, metrics: readonly CommandMetric[], w: DcmdWrite, now: () => number): Promise<CommandOutcome> {
  const base = { robot_id: w.robotId, ts: new Date(now()).toISOString() };
  const cm = metrics.find((m) => m.def.name === w.name);
  if (!cm) {
    const command = w.name.startsWith(PREFIX) ? w.name.slice(PREFIX.length) : w.name;
    return { ...base, id: '-', command, status: 'rejected', code: 'SPARKPLUG_BAD_COMMAND', message: `metric "${w.name}" is not writable; writable: ${metrics.map((m) => m.def.name).join(', ')}` };
  }
  if (!cm.parameter && w.value !== true) return { ...base, id: '-', command: cm.command, status: 'rejected', code: 'SPARKPLUG_BAD_COMMAND', message: `${w.name} is a trigger: write true to run ${cm.command}` };
  return commands.execute({
    id: w.timestamp !== null ? `spb:${w.robotId}:${cm.command}:${w.timestamp}` : undefined,
    robotId: w.robotId,
    command: cm.command,
    parameters: cm.parameter ? { [cm.parameter]: w.value } : {},
    issuedAt: w.timestamp !== null ? new Date(w.timestamp).toISOString() : undefined,
    source: 'mqtt',
    actor: w.actor,
  });
}

/** The value of `Commands/Last Result`. */
export function outcomeText(o: CommandOutcome): string {
  return `${o.status} ${o.command}${o.code ? ` [${o.code}]` : ''}${o.duplicate ? ' (duplicate)' : ''}: ${o.message}`;
}

/** One metric write of an NCMD/DCMD, its name resolved from the alias when the host sent only that. */
export interface MetricWrite {
  name: string;
  value: MetricValue;
  /** The metric's timestamp, else the payload's (ms), else null. */
  timestamp: number | null;
}

/** Decode an NCMD/DCMD payload into writes to `e`'s metrics; an error string for bytes that are not a Sparkplug B payload. */
export function decodeWrites(payload: Uint8Array, e: SpbEntity): MetricWrite[] | string {
  let decoded;
  try {
    decoded = decodePayload(payload);
  } catch (err) {
    return `not a Sparkplug B payload (${(err as Error).message})`;
  }
  const ts = toNumber(decoded.timestamp);
  return (decoded.metrics ?? []).map((m) => {
    const alias = toNumber(m.alias);
    return {
      name: m.name ?? e.byAlias.get(alias ?? -1)?.name ?? `alias ${String(alias)}`,
      value: (typeof m.value === 'object' && m.value !== null ? toNumber(m.value) : m.value) as MetricValue,
      timestamp: toNumber(m.timestamp) ?? ts,
    };
  });
}
