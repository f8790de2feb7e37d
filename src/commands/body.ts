import { strictAjv, describeErrors } from '../core/validation.js';
import commandSchema from '../../docs/schemas/command.json' with { type: 'json' };
import type { CommandMessage } from '../state/wire-types.js';

/**
 * The body of a command, the same by every transport: POST /api/robots/:id/command, the
 * WebSocket `command` frame (plus `type`, `robot_id`, `token`) and an MQTT message on
 * factory/{site}/{robot_id}/cmd. It is docs/schemas/command.json itself (without its $id, so that
 * each validator may compile it): no extra properties, no coercion. Its type is generated from the
 * same file (src/state/wire-types.ts).
 */
const { $schema: _schema, $id: _id, title: _title, ...body } = commandSchema;
export const commandBody = body;

export type CommandBody = CommandMessage;
const validate = strictAjv().compile<CommandBody>(commandBody);

/** Check a parsed command body: the body, or why not (one line). */
export function checkCommandBody(body: unknown): { ok: true; body: CommandBody } | { ok: false; message: string } {
  if (validate(body)) return { ok: true, body };
  return { ok: false, message: describeErrors(validate.errors, 'command') };
}
