import type { WebSocket } from 'ws';
import type { Logger } from 'pino';
import type { GatewayState } from '../state/gateway-state.js';
import type { Alert, CleanroomStatus, RobotState, TelemetryRecord } from '../state/types.js';
import type { CommandService } from '../commands/service.js';
import type { Authenticator, Principal } from './auth.js';
import type { FixedWindowLimiter } from './ws-guard.js';
import { wsFrames } from './schemas.js';
import { checkJsonText } from '../core/json-guard.js';
import { errorMessage } from '../core/errors.js';
import type { AuditLog } from '../core/audit.js';
import { strictAjv, describeErrors, type ValidateFunction } from '../core/validation.js';

/**
 * `all`: every frame. `summary`: every frame too, but without the per-robot spectra unless the robot
 * is subscribed by id: no `telemetry` frames, and `robot_update` frames with `spectrum` and
 * `envelope_spectrum` null (`summary: true`). The page subscribes `summary` + its selected robot.
 */
type Channel = { kind: 'all' } | { kind: 'summary' } | { kind: 'robot'; robotId: string } | { kind: 'type'; type: string };

/** What a client gets of one frame. */
type Delivery = 'full' | 'summary' | null;

interface Client {
  ws: WebSocket;
  ip: string;
  principal: Principal;
  /** Token given at connect (?token=), used for commands when the frame carries none. */
  token?: string;
  channels: Channel[];
}

export interface WsHubDeps {
  state: GatewayState;
  log: Logger;
  audit: AuditLog;
  maxBufferedBytes: number;
  /** Largest frame accepted (the WebSocket server's maxPayload). */
  maxFrameBytes: number;
  commands: CommandService;
  auth: Authenticator;
  limiter: FixedWindowLimiter;
}

const MESSAGE_TYPES = new Set(['telemetry', 'robot_update', 'cleanroom', 'alert']);

type CommandFrame = { type: 'command'; robot_id: string; command: string; parameters?: Record<string, unknown>; id?: string; issued_at?: string; token?: string };

/**
 * The WebSocket protocol (api-contract.md): JSON frames `{type, payload}`. `init` on connect with
 * the full state; then `telemetry`, `robot_update`, `cleanroom`, `alert` per subscription (default
 * all); `ping` -> `pong`; `command` -> `command_result` (token needed, like REST); a malformed
 * frame gets an `error` frame, never a dropped connection. Frames are validated against the
 * schemas in schemas.ts. A client whose unsent data exceeds the bound is disconnected (close
 * 1008, then terminated) so the server's memory stays flat.
 */
export class WsHub {
  private readonly clients = new Set<Client>();
  private readonly detach: Array<() => void> = [];
  /** Frame type -> validator. A Map: a plain object would match inherited names ("hasOwnProperty", "__proto__"). */
  private readonly validators: Map<string, ValidateFunction>;
  /** Clients disconnected for being too slow (for tests and metrics). */
  slowDisconnects = 0;

  constructor(private readonly d: WsHubDeps) {
    const ajv = strictAjv();
    this.validators = new Map(Object.entries(wsFrames).map(([type, schema]) => [type, ajv.compile(schema)]));
  }

  get clientCount(): number {
    return this.clients.size;
  }

  start(): void {
    if (this.detach.length) return;
    const on = <K extends 'telemetry' | 'robot_update' | 'cleanroom' | 'alert'>(type: K, robotOf: (p: never) => string | null) => {
      const handler = (payload: TelemetryRecord | RobotState | CleanroomStatus | Alert) => this.broadcast(type, payload, robotOf(payload as never));
      this.d.state.on(type, handler as never);
      this.detach.push(() => this.d.state.off(type, handler as never));
    };
    on('telemetry', (p: TelemetryRecord) => p.robot_id);
    on('robot_update', (p: RobotState) => p.robot_id);
    on('cleanroom', () => null);
    on('alert', (p: Alert) => p.robot_id);
  }

  stop(): void {
    for (const off of this.detach.splice(0)) off();
    for (const c of this.clients) c.ws.close(1001, 'gateway shutting down');
    this.clients.clear();
  }

  /** A connection that passed the origin and read checks. */
  accept(ws: WebSocket, ctx: { ip: string; principal: Principal; token?: string }): void {
    const client: Client = { ws, ...ctx, channels: [{ kind: 'all' }] };
    this.clients.add(client);
    ws.on('close', () => this.clients.delete(client));
    ws.on('error', () => this.clients.delete(client));
    ws.on('message', (data, isBinary) => this.handle(client, isBinary ? null : data.toString()));
    this.send(client, 'init', this.d.state.snapshot());
  }

  private error(client: Client, code: string, message: string, extra: Record<string, unknown> = {}): void {
    this.send(client, 'error', { code, message, ...extra });
  }

  /** Every frame gets an answer; a failure in a handler is an INTERNAL error frame, never an unhandled rejection. */
  private handle(client: Client, text: string | null): void {
    this.onMessage(client, text).catch((err: unknown) => {
      this.d.log.error({ code: 'INTERNAL', err: errorMessage(err), ip: client.ip }, 'WebSocket frame handling failed');
      try {
        this.error(client, 'INTERNAL', 'internal error handling this frame (see the gateway log)');
      } catch {
        // the answer itself failed (connection gone): nothing more to do
      }
    });
  }

  private async onMessage(client: Client, text: string | null): Promise<void> {
    let msg: unknown;
    try {
      if (text === null) throw new Error('binary frames are not supported; send JSON text');
      // Size and depth before JSON.parse: echoing or cloning a deeply nested value overflows the stack.
      const bad = checkJsonText(text, this.d.maxFrameBytes);
      if (bad) return this.error(client, bad.code, `frame refused: ${bad.message}`);
      msg = JSON.parse(text);
    } catch (err) {
      return this.error(client, 'BAD_FRAME', `malformed frame: ${(err as Error).message}`);
    }
    if (!msg || typeof msg !== 'object' || Array.isArray(msg) || typeof (msg as { type?: unknown }).type !== 'string') {
      return this.error(client, 'BAD_FRAME', 'a frame is a JSON object {"type": string, ...}');
    }
    let frame = msg as { type: string; payload?: unknown };
    const validate = this.validators.get(frame.type);
    if (!validate) return this.error(client, 'UNKNOWN_TYPE', `unknown frame type "${frame.type.slice(0, 64)}"; known: ${[...this.validators.keys()].join(', ')}`);
    // `{type, payload: {...}}` is accepted as well as the fields at the top level.
    if (frame.type !== 'ping' && frame.payload && typeof frame.payload === 'object' && !Array.isArray(frame.payload)) {
      const { payload, ...rest } = frame;
      frame = { ...rest, ...(payload as object) } as typeof frame;
    }
    const valid = validate(frame);
    if (!valid) return this.error(client, 'BAD_FRAME', `invalid ${frame.type} frame: ${describeErrors(validate.errors, 'frame')}`, { id: (frame as { id?: unknown }).id });
    const f = frame as { type: 'ping' | 'subscribe' | 'unsubscribe' | 'command'; payload?: unknown; channel?: string };
    switch (f.type) {
      case 'ping':
        return this.send(client, 'pong', { ts: new Date().toISOString(), echo: f.payload ?? null });
      case 'subscribe':
      case 'unsubscribe':
        return this.subscription(client, f.type, f.channel!);
      case 'command':
        return this.command(client, frame as unknown as CommandFrame);
    }
  }

  private subscription(client: Client, type: 'subscribe' | 'unsubscribe', raw: string): void {
    const channel = this.parseChannel(raw);
    if (!channel) return this.error(client, 'BAD_CHANNEL', `unknown channel "${raw}": use "all", "summary", a robot id (or "robot:<id>") or a message type (telemetry, robot_update, cleanroom, alert)`);
    const same = (c: Channel) => JSON.stringify(c) === JSON.stringify(channel);
    if (type === 'subscribe') client.channels = channel.kind === 'all' ? [channel] : [...client.channels.filter((c) => c.kind !== 'all' && !same(c)), channel];
    else client.channels = channel.kind === 'all' ? [] : client.channels.filter((c) => !same(c));
    this.send(client, 'subscribed', { channels: client.channels });
  }

  private async command(client: Client, f: CommandFrame): Promise<void> {
    const what = `command ${f.robot_id} ${f.command}`;
    if (!this.d.limiter.take(client.ip)) {
      this.d.audit.record({ event: 'rate_limited', transport: 'ws', ip: client.ip, what, code: 'RATE_LIMITED' }, 'command rate limit exceeded');
      return this.error(client, 'RATE_LIMITED', 'too many commands from this address; retry later', { id: f.id, status: 429 });
    }
    const decision = await this.d.auth.authorizeCommand(f.token ?? client.token, { ip: client.ip, transport: 'ws', what });
    if (!decision.ok) return this.error(client, decision.code, decision.message, { id: f.id, status: decision.status });
    const outcome = await this.d.commands.execute({
      robotId: f.robot_id,
      command: f.command,
      parameters: f.parameters,
      id: f.id,
      issuedAt: f.issued_at,
      source: 'ws',
      actor: decision.principal.name,
    });
    this.send(client, 'command_result', outcome);
  }

  private parseChannel(raw: string): Channel | null {
    if (raw === 'all') return { kind: 'all' };
    if (raw === 'summary') return { kind: 'summary' };
    if (MESSAGE_TYPES.has(raw)) return { kind: 'type', type: raw };
    const id = raw.startsWith('robot:') ? raw.slice(6) : raw;
    return this.d.state.robots.has(id) ? { kind: 'robot', robotId: id } : null;
  }

  private wants(client: Client, type: string, robotId: string | null): Delivery {
    let summary = false;
    for (const c of client.channels) {
      if (c.kind === 'all' || (c.kind === 'type' && c.type === type) || (c.kind === 'robot' && robotId === c.robotId)) return 'full';
      if (c.kind === 'summary') summary = true;
    }
    if (!summary || type === 'telemetry') return null;
    return type === 'robot_update' ? 'summary' : 'full';
  }

  private broadcast(type: string, payload: unknown, robotId: string | null): void {
    if (!this.clients.size) return;
    let full: string | undefined;
    let summary: string | undefined;
    for (const c of this.clients) {
      const d = this.wants(c, type, robotId);
      if (d === 'full') this.sendRaw(c, (full ??= JSON.stringify({ type, payload })));
      else if (d === 'summary') this.sendRaw(c, (summary ??= JSON.stringify({ type, payload: { ...(payload as object), spectrum: null, envelope_spectrum: null, summary: true } })));
    }
  }

  private send(client: Client, type: string, payload: unknown): void {
    this.sendRaw(client, JSON.stringify({ type, payload }));
  }

  private sendRaw(client: Client, frame: string): void {
    const ws = client.ws;
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount + frame.length > this.d.maxBufferedBytes) {
      this.slowDisconnects++;
      this.d.log.warn({ ip: client.ip, buffered: ws.bufferedAmount, limit: this.d.maxBufferedBytes }, 'WebSocket client too slow: disconnecting');
      this.clients.delete(client);
      // The close frame queues behind the unsent data a stalled client is not reading, so
      // terminate shortly after: the buffered frames are released, memory stays flat.
      ws.close(1008, 'too slow: send buffer limit exceeded');
      setTimeout(() => ws.terminate(), 1000).unref();
      return;
    }
    ws.send(frame);
  }
}
