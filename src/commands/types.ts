/** A command for one robot, from REST, WebSocket or MQTT (same body everywhere). */
export interface CommandRequest {
  /** Client-chosen id; a repeated id is not executed twice. Generated when absent. */
  id?: string;
  /** The robot; null for a gateway command (scope 'gateway', e.g. acknowledge_gateway_alert). */
  robotId: string | null;
  command: string;
  parameters?: Record<string, unknown>;
  /** When the client issued it (ISO-8601); commands older than the TTL are refused. */
  issuedAt?: string;
  source: 'rest' | 'ws' | 'mqtt';
  /** Who sent it (token name, MQTT client), for the audit log. */
  actor?: string;
}

export type CommandStatus = 'ok' | 'rejected' | 'failed';

export interface CommandOutcome {
  id: string;
  robot_id: string | null;
  command: string;
  status: CommandStatus;
  /** Stable code when not ok: UNKNOWN_COMMAND, BAD_PARAMETERS, UNKNOWN_ROBOT, EXPIRED, FAILED... */
  code?: string;
  message: string;
  result?: unknown;
  /** True when this id was already executed: the stored outcome is returned, nothing runs again. */
  duplicate?: boolean;
  ts: string;
}

/** Who sent a command and how (acknowledgements record the actor). */
export interface CommandContext {
  actor: string | undefined;
  source: CommandRequest['source'];
}

/** One command's definition: a JSON Schema for its parameters and what it does. */
export interface CommandDefinition<P = Record<string, unknown>> {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
  /** 'robot' (default): sent to one robot. 'gateway': names no robot (robotId null). */
  scope?: 'robot' | 'gateway';
  run(robotId: string, params: P, ctx: CommandContext): Promise<unknown> | unknown;
}
