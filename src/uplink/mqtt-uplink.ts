import mqtt, { type MqttClient, type IClientOptions } from 'mqtt';
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import type { Component } from '../core/component.js';
import type { MqttConfig } from '../config/types.js';
import type { GatewayState } from '../state/gateway-state.js';
import type { Alert, CleanroomStatus, SpectrumSummary, TelemetryRecord } from '../state/types.js';
import { topics } from './topics.js';
import { backoffDelay } from './backoff.js';

export interface UplinkStatus {
  enabled: boolean;
  connected: boolean;
  broker: string;
  queued: number;
  published: number;
  dropped: number;
  lastError: string | null;
  connectedSince: string | null;
}

interface Pending {
  topic: string;
  payload: string;
  retain: boolean;
}

/** Redact credentials from a broker URL before it is logged or served. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

/**
 * Publishes the gateway's state upstream: telemetry per robot, cleanroom status, alerts, and a
 * retained gateway status (birth `online`; the MQTT last will sets `offline`). Every payload of a
 * stream carries a per-stream `seq` that increases by one, so a subscriber can prove nothing was
 * lost. While the broker is unreachable the gateway keeps running; messages wait in a bounded
 * in-memory queue (drop-oldest, counted and logged) — the durable SQLite outbox replaces this.
 */
export class MqttUplink implements Component {
  readonly name = 'uplink:mqtt';
  private client?: MqttClient;
  private readonly seq = new Map<string, number>();
  private readonly queue: Pending[] = [];
  private attempt = 0;
  private readonly counters = { published: 0, dropped: 0 };
  private lastError: string | null = null;
  private connectedSince: number | null = null;
  private readonly unsubscribers: Array<() => void> = [];

  constructor(
    private readonly cfg: MqttConfig,
    private readonly state: GatewayState,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly maxQueue = 10_000,
  ) {}

  private get site(): string {
    return this.state.identity.site;
  }

  private get gatewayId(): string {
    return this.state.identity.gatewayId;
  }

  status(): UplinkStatus {
    return {
      enabled: this.cfg.enabled,
      connected: Boolean(this.client?.connected),
      broker: redactUrl(this.cfg.url),
      queued: this.queue.length + (this.client ? this.client.queue.length : 0),
      published: this.counters.published,
      dropped: this.counters.dropped,
      lastError: this.lastError,
      connectedSince: this.connectedSince === null ? null : new Date(this.connectedSince).toISOString(),
    };
  }

  private statusPayload(state: 'online' | 'offline'): string {
    return JSON.stringify({ gateway_id: this.gatewayId, site: this.site, state, ts: new Date(this.clock.now()).toISOString() });
  }

  async start(): Promise<void> {
    if (this.client || !this.cfg.enabled) return;
    const statusTopic = topics.gatewayStatus(this.site, this.gatewayId);
    const opts: IClientOptions = {
      clientId: this.cfg.clientId ?? `fabwatch-${this.gatewayId}`,
      protocolVersion: this.cfg.protocolVersion,
      keepalive: this.cfg.keepaliveS,
      connectTimeout: this.cfg.connectTimeoutMs,
      reconnectPeriod: backoffDelay(0, this.cfg.reconnectMinMs, this.cfg.reconnectMaxMs),
      clean: true,
      username: this.cfg.username,
      password: this.cfg.password,
      will: { topic: statusTopic, payload: Buffer.from(this.statusPayload('offline')), qos: 1, retain: true },
    };
    const client = mqtt.connect(this.cfg.url, opts);
    this.client = client;
    // Runs before mqtt.js's own close handler schedules the reconnect, so each retry uses the next backoff step.
    client.prependListener('close', () => {
      client.options.reconnectPeriod = backoffDelay(this.attempt++, this.cfg.reconnectMinMs, this.cfg.reconnectMaxMs);
    });
    client.on('connect', () => {
      this.attempt = 0;
      this.connectedSince = this.clock.now();
      this.lastError = null;
      this.log.info({ broker: redactUrl(this.cfg.url) }, 'uplink connected');
      client.publish(statusTopic, this.statusPayload('online'), { qos: 1, retain: true });
      this.flush();
    });
    client.on('offline', () => {
      if (this.connectedSince !== null) this.log.warn({ broker: redactUrl(this.cfg.url) }, 'uplink down; buffering and reconnecting');
      this.connectedSince = null;
    });
    client.on('error', (err) => {
      if (this.lastError !== err.message) this.log.warn({ broker: redactUrl(this.cfg.url), err: err.message }, 'uplink error');
      this.lastError = err.message;
    });

    const onTelemetry = (r: TelemetryRecord) => this.publish(topics.telemetry(this.site, r.robot_id), r);
    const onCleanroom = (s: CleanroomStatus) => this.publish(topics.cleanroomStatus(this.site), s);
    const onSpectrum = (s: SpectrumSummary) => this.publish(topics.spectrum(this.site, s.robot_id), s);
    const onAlert = (a: Alert) => {
      const topic = a.robot_id ? topics.robotAlerts(this.site, a.robot_id) : a.source.startsWith('counter:') || a.source.startsWith('cleanroom') ? topics.cleanroomAlerts(this.site) : topics.gatewayAlerts(this.site, this.gatewayId);
      this.publish(topic, a);
    };
    this.state.on('telemetry', onTelemetry);
    this.state.on('cleanroom', onCleanroom);
    this.state.on('alert', onAlert);
    this.state.on('spectrum', onSpectrum);
    this.unsubscribers.push(
      () => this.state.off('spectrum', onSpectrum),
      () => this.state.off('telemetry', onTelemetry),
      () => this.state.off('cleanroom', onCleanroom),
      () => this.state.off('alert', onAlert),
    );
  }

  /** Stamp the stream's next seq and send (or queue while disconnected). */
  publish(topic: string, body: object, retain = false): number {
    const seq = (this.seq.get(topic) ?? 0) + 1;
    this.seq.set(topic, seq);
    const payload = JSON.stringify({ ...body, seq });
    if (this.client?.connected && this.queue.length === 0) this.send({ topic, payload, retain });
    else this.enqueue({ topic, payload, retain });
    return seq;
  }

  private enqueue(p: Pending): void {
    this.queue.push(p);
    if (this.queue.length > this.maxQueue) {
      this.queue.shift();
      this.counters.dropped++;
      if (this.counters.dropped === 1 || this.counters.dropped % 1000 === 0) {
        this.log.warn({ dropped: this.counters.dropped, cap: this.maxQueue }, 'uplink queue full: oldest message dropped');
      }
    }
  }

  private send(p: Pending): void {
    this.client!.publish(p.topic, p.payload, { qos: this.cfg.qos, retain: p.retain }, (err) => {
      if (err) {
        this.lastError = err.message;
      } else {
        this.counters.published++;
      }
    });
  }

  private flush(): void {
    while (this.queue.length && this.client?.connected) this.send(this.queue.shift()!);
  }

  async stop(): Promise<void> {
    for (const off of this.unsubscribers.splice(0)) off();
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    if (client.connected) {
      // A clean shutdown says so: publish offline ourselves (the will fires only on an unclean loss).
      await new Promise<void>((resolve) => client.publish(topics.gatewayStatus(this.site, this.gatewayId), this.statusPayload('offline'), { qos: 1, retain: true }, () => resolve()));
    }
    // Not connected: nothing in flight can be acknowledged, so do not wait for it.
    await new Promise<void>((resolve) => client.end(!client.connected, {}, () => resolve()));
  }
}
