import { strictAjv, describeErrors } from '../core/validation.js';

/**
 * The body of a command, the same by every transport: POST /api/robots/:id/command, the
 * WebSocket `command` frame (plus `type`, `robot_id`, `token`) and an MQTT message on
 * factory/{site}/{robot_id}/cmd (docs/schemas/command.json). No extra properties, no coercion.
 */
export const commandBody = {
  type: 'object',
  additionalProperties: false,
  required: ['command'],
  properties: {
    command: { type: 'string', minLength: 1, maxLength: 64, description: 'start_acquisition, stop_acquisition, set_maintenance_mode, acknowledge_alert, reset_rul, ...' },
    parameters: { type: 'object', default: {}, description: "The command's parameters (validated per command)." },
    id: { type: 'string', minLength: 1, maxLength: 128, description: 'Client-chosen id: a repeated id is not executed twice.' },
    issued_at: { type: 'string', format: 'date-time', description: 'When the client issued it; older than the TTL (or further ahead than the allowed clock skew) is refused.' },
  },
} as const;

export interface CommandBody {
  command: string;
  parameters?: Record<string, unknown>;
  id?: string;
  issued_at?: string;
}

const validate = strictAjv().compile<CommandBody>(commandBody);

/** Check a parsed command body: the body, or why not (one line). */
export function checkCommandBody(body: unknown): { ok: true; body: CommandBody } | { ok: false; message: string } {
  if (validate(body)) return { ok: true, body };
  return { ok: false, message: describeErrors(validate.errors, 'command') };
}
