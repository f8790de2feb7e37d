import type { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from 'pino';
import type { GatewayState } from '../state/gateway-state.js';
import type { Alert, CleanroomStatus, RobotState, TelemetryRecord } from '../state/types.js';

type Channel = { kind: 'all' } | { kind: 'robot'; robotId: string } | { kind: 'type'; type: string };

interface Client {
  ws: WebSocket;
  channels: Channel[];
}

const MESSAGE_TYPES = new Set(['telemetry', 'robot_update', 'cleanroom', 'alert']);

/**
 * The WebSocket protocol (api-contract.md): JSON frames `{type, payload}`. `init` on connect with
 * the full state; then `telemetry`, `robot_update`, `cleanroom`, `alert` per subscription (default
 * all); `ping` -> `pong`; a malformed frame gets an `error` frame, never a dropped connection. A
 * client whose unsent data exceeds the bound is disconnected (close 1008) so memory stays flat.
 */
export class WsHub {
  private readonly clients = new Set<Client>();
  private readonly detach: Array<() => void> = [];

  constructor(private readonly state: GatewayState, private readonly log: Logger, private readonly maxBufferedBytes: number) {}

  get clientCount(): number {
    return this.clients.size;
  }

  attach(server: WebSocketServer): void {
    server.on('connection', (ws) => this.accept(ws));
  }

  start(): void {
    if (this.detach.length) return;
    const on = <K extends 'telemetry' | 'robot_update' | 'cleanroom' | 'alert'>(type: K, robotOf: (p: never) => string | null) => {
      const handler = (payload: TelemetryRecord | RobotState | CleanroomStatus | Alert) => this.broadcast(type, payload, robotOf(payload as never));
      this.state.on(type, handler as never);
      this.detach.push(() => this.state.off(type, handler as never));
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

  private accept(ws: WebSocket): void {
    const client: Client = { ws, channels: [{ kind: 'all' }] };
    this.clients.add(client);
    ws.on('close', () => this.clients.delete(client));
    ws.on('error', () => this.clients.delete(client));
    ws.on('message', (data, isBinary) => this.onMessage(client, isBinary ? null : data.toString()));
    this.send(client, 'init', this.state.snapshot());
  }

  private onMessage(client: Client, text: string | null): void {
    let msg: unknown;
    try {
      if (text === null) throw new Error('binary frames are not supported; send JSON text');
      msg = JSON.parse(text);
    } catch (err) {
      return this.send(client, 'error', { code: 'BAD_FRAME', message: `malformed frame: ${(err as Error).message}` });
    }
    if (!msg || typeof msg !== 'object' || typeof (msg as { type?: unknown }).type !== 'string') {
      return this.send(client, 'error', { code: 'BAD_FRAME', message: 'a frame is a JSON object {"type": string, ...}' });
    }
    const m = msg as { type: string; channel?: unknown; robot_id?: unknown; payload?: unknown };
    switch (m.type) {
      case 'ping':
        return this.send(client, 'pong', { ts: new Date().toISOString(), echo: m.payload ?? null });
      case 'subscribe': {
        const channel = this.parseChannel(m.channel);
        if (!channel) return this.send(client, 'error', { code: 'BAD_CHANNEL', message: 'channel must be "all", "robot:<id>" (or a robot id) or a message type (telemetry, robot_update, cleanroom, alert)' });
        client.channels = channel.kind === 'all' ? [channel] : [...client.channels.filter((c) => c.kind !== 'all'), channel];
        return this.send(client, 'subscribed', { channels: client.channels });
      }
      default:
        return this.send(client, 'error', { code: 'UNKNOWN_TYPE', message: `unknown frame type "${m.type}"` });
    }
  }

  private parseChannel(raw: unknown): Channel | null {
    if (typeof raw !== 'string' || !raw) return null;
    if (raw === 'all') return { kind: 'all' };
    if (MESSAGE_TYPES.has(raw)) return { kind: 'type', type: raw };
    const id = raw.startsWith('robot:') ? raw.slice(6) : raw;
    return this.state.robots.has(id) ? { kind: 'robot', robotId: id } : null;
  }

  private wants(client: Client, type: string, robotId: string | null): boolean {
    return client.channels.some((c) => c.kind === 'all' || (c.kind === 'type' && c.type === type) || (c.kind === 'robot' && robotId === c.robotId));
  }

  private broadcast(type: string, payload: unknown, robotId: string | null): void {
    if (!this.clients.size) return;
    const frame = JSON.stringify({ type, payload });
    for (const c of this.clients) if (this.wants(c, type, robotId)) this.sendRaw(c, frame);
  }

  private send(client: Client, type: string, payload: unknown): void {
    this.sendRaw(client, JSON.stringify({ type, payload }));
  }

  private sendRaw(client: Client, frame: string): void {
    if (client.ws.readyState !== client.ws.OPEN) return;
    if (client.ws.bufferedAmount + frame.length > this.maxBufferedBytes) {
      this.log.warn({ buffered: client.ws.bufferedAmount }, 'WebSocket client too slow: disconnecting');
      this.clients.delete(client);
      client.ws.close(1008, 'too slow: send buffer limit exceeded');
      return;
    }
    client.ws.send(frame);
  }
}
