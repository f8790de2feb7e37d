import type { CommandService } from '../commands/service.js';
import type { CommandOutcome } from '../commands/types.js';
import { checkJsonText } from '../core/json-guard.js';
import { checkCommandBody } from '../commands/body.js';

/** A reply to one MQTT command: what goes to factory/{site}/{robot_id}/cmd/ack. */
export type CommandAck = Omit<CommandOutcome, 'id' | 'command'> & { id: string | null; command: string | null; gateway_id: string; site: string; source: 'mqtt' };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Turns the bytes of an MQTT command into a CommandService request and the outcome into an ack.
 * Malformed JSON or a body of the wrong shape gives a `rejected` ack (BAD_REQUEST), never an
 * exception; the command's own validation (unknown command, bad parameters, TTL, duplicate id)
 * is the CommandService's, shared with REST.
 */
export async function handleMqttCommand(commands: CommandService, who: { gatewayId: string; site: string; robotId: string | null; actor?: string }, payload: Buffer, now: () => number, maxBytes = 16 * 1024): Promise<CommandAck> {
  const base = { gateway_id: who.gatewayId, site: who.site, robot_id: who.robotId, source: 'mqtt' as const };
  const reject = (id: string | null, command: string | null, message: string, code = 'BAD_REQUEST'): CommandAck => ({ ...base, id, command, status: 'rejected', code, message, ts: new Date(now()).toISOString() });
  // Size before decoding, depth before parsing: nothing recursive runs on an oversized or deeply nested payload.
  if (payload.length > maxBytes) return reject(null, null, `command payload of ${payload.length} bytes is larger than ${maxBytes} bytes (mqtt.commands.maxBytes)`, 'INPUT_TOO_LARGE');
  const text = payload.toString('utf8');
  const bad = checkJsonText(text, maxBytes);
  if (bad) return reject(null, null, `command refused: ${bad.message}`, bad.code);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    return reject(null, null, `command is not JSON: ${(err as Error).message}`);
  }
  if (!isObject(body)) return reject(null, null, 'command must be a JSON object {"command", "parameters", "id", "issued_at"}');
  // The same schema and strictness as REST and WebSocket (src/commands/body.ts, docs/schemas/command.json).
  const id = typeof body.id === 'string' && body.id.length > 0 && body.id.length <= 128 ? body.id : null;
  const command = typeof body.command === 'string' ? body.command.slice(0, 64) : null;
  const checked = checkCommandBody(body);
  if (!checked.ok) return reject(id, command, `invalid command: ${checked.message}`);
  const cmd = checked.body;
  let outcome: CommandOutcome;
  try {
    outcome = await commands.execute({
      id: cmd.id,
      robotId: who.robotId,
      command: cmd.command,
      parameters: cmd.parameters,
      issuedAt: cmd.issued_at,
      source: 'mqtt',
      actor: who.actor,
    });
  } catch (err) {
    // CommandService answers every input itself; should it ever throw, the sender still gets an ack.
    return { ...reject(id, command, `internal error: ${(err as Error).message}`, 'INTERNAL'), status: 'failed' };
  }
  return { ...base, ...outcome };
}
