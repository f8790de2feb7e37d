import { redactUrl } from '../core/redact-url.js';
import { join } from 'node:path';
import mqtt, { type MqttClient, type IPublishPacket, type IConnackPacket } from 'mqtt';
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { Component } from '../core/component.js';
import { FabwatchError, errorMessage } from '../core/errors.js';
import type { MqttConfig } from '../config/types.js';
import type { GatewayState } from '../state/gateway-state.js';
import type { Alert, CleanroomStatus, SpectrumSummary, TelemetryRecord } from '../state/types.js';
import type { CommandService } from '../commands/service.js';
import { topics } from './topics.js';
import { backoffDelay } from './backoff.js';
import { ReplayRate } from './replay-rate.js';
import { clientOptions } from './mqtt-options.js';
import { handleMqttCommand } from './mqtt-commands.js';
import { Outbox, type MessageKind, type OutboxFault, type OutboxStatus } from './outbox.js';
import type { Lane, OutboxRow } from './outbox-store.js';

export type { UplinkStatus } from '../status/uplink-status.js';
import type { UplinkStatus } from '../status/uplink-status.js';

export interface UplinkDeps {
  /** Directory of outbox.db (config gateway.stateDir). */
  stateDir: string;
  /** Commands arriving on factory/{site}/{robot_id}/cmd (and gateway commands on factory/{site}/gateways/{id}/cmd); absent = not subscribed. */
  commands?: CommandService;
  /**
   * Model packages arriving on factory/{site}/gateways/{id}/model (retained included); absent = not
   * subscribed. maxPackageBytes (model.updates.maxPackageBytes) counts, with the command cap, in
   * the MQTT 5 Maximum Packet Size the gateway announces (mqtt-options.ts).
   */
  modelPackages?: { onPackage(payload: Buffer): void; maxPackageBytes: number };
}

const VALID_RESPONSE_TOPIC = /^[^#+\u0000]{1,65535}$/;

/**
 * Publishes the gateway's state upstream through a durable outbox (outbox.ts): telemetry per
 * robot, cleanroom status, alerts and command acks, each stream with a persisted `seq`. Sending
 * reads committed rows, alerts and acks first, keeps at most `maxInFlight` unacknowledged, and
 * replays a backlog at `outbox.replayRatePerS` with `replayed: true`. The retained gateway status
 * (`online` on every connect, `offline` by the last will or a clean stop) is not queued: it is
 * state, re-published after every reconnect. Commands arrive on factory/{site}/{robot_id}/cmd.
 */
export class MqttUplink implements Component {
  readonly name = 'uplink:mqtt';
  readonly outbox: Outbox;
  private client?: MqttClient;
  private attempt = 0;
  private inflight = 0;
  private window: number;
  private pumping = false;
  private pumpTimer?: TimerHandle;
  private readonly replayRate: ReplayRate;
  private subscribed = false;
  private readonly counters = { published: 0, rejected: 0, replayed: 0 };
  /** Retained command messages received and not executed. */
  retainedIgnored = 0;
  private readonly rejectedTopics = new Set<string>();
  private lastError: string | null = null;
  private connectedSince: number | null = null;
  private readonly unsubscribers: Array<() => void> = [];

  constructor(
    private readonly cfg: MqttConfig,
    private readonly state: GatewayState,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly deps: UplinkDeps,
  ) {
    this.window = cfg.maxInFlight;
    this.replayRate = new ReplayRate(clock, cfg.outbox.replayRatePerS);
    this.outbox = new Outbox({ path: join(deps.stateDir, 'outbox.db'), ...cfg.outbox }, clock, log.child({ sub: 'outbox' }), {
      onCommitted: () => this.pump(),
      onFault: (f) => this.alertLater(f.code, 'critical', f.message),
      onDropStart: (d) => this.alertLater('OUTBOX_TELEMETRY_DROPPED', 'warning', `uplink outbox reached its cap (${d.capBytes} bytes) during an outage: the oldest telemetry is being dropped (alerts, command acks and cleanroom status are kept); see /health uplink.outbox.dropped_by_stream`),
    });
  }

  private get site(): string {
    return this.state.identity.site;
  }

  private get gatewayId(): string {
    return this.state.identity.gatewayId;
  }

  get connected(): boolean {
    return Boolean(this.client?.connected);
  }

  status(): UplinkStatus {
    const ob = this.cfg.enabled ? this.outbox.status() : null;
    return {
      enabled: this.cfg.enabled,
      connected: this.connected,
      broker: redactUrl(this.cfg.url),
      protocol_version: this.cfg.protocolVersion,
      queued: ob?.pending ?? 0,
      in_flight: this.inflight,
      published: this.counters.published,
      dropped: ob?.dropped ?? 0,
      rejected: this.counters.rejected,
      replayed: this.counters.replayed,
      commands_retained_ignored: this.retainedIgnored,
      lastError: this.lastError,
      connectedSince: this.connectedSince === null ? null : new Date(this.connectedSince).toISOString(),
      outbox: ob,
    };
  }

  /** True when the outbox lost durability or was found corrupt (health shows it degraded). */
  get faulted(): OutboxFault | null {
    return this.cfg.enabled ? this.outbox.status().fault : null;
  }

  private statusPayload(state: 'online' | 'offline'): string {
    return JSON.stringify({ gateway_id: this.gatewayId, site: this.site, state, ts: new Date(this.clock.now()).toISOString() });
  }

  private alertLater(code: string, severity: 'warning' | 'critical', message: string): void {
    // Not from inside an outbox commit: raising an alert produces an outbox message. A one-off
    // event (active false): it needs an acknowledgement, the fault itself shows in /health.
    this.clock.setTimeout(() => this.state.raiseAlert({ source: 'uplink', code, severity, message, active: false }), 0);
  }

  async start(): Promise<void> {
    if (this.client || !this.cfg.enabled) return;
    const statusTopic = topics.gatewayStatus(this.site, this.gatewayId);
    const url = new URL(this.cfg.url);
    if (this.cfg.tls && (url.protocol === 'mqtt:' || url.protocol === 'ws:' || url.protocol === 'tcp:')) {
      throw new FabwatchError('UPLINK_CONFIG', `mqtt.tls is set but the broker URL ${redactUrl(this.cfg.url)} is not TLS: use mqtts:// or wss://`);
    }
    const inbound = {
      commandBytes: this.deps.commands && this.cfg.commands.enabled ? this.cfg.commands.maxBytes : undefined,
      modelPackageBytes: this.deps.modelPackages?.maxPackageBytes,
    };
    const opts = clientOptions(this.cfg, { clientId: this.cfg.clientId ?? `fabwatch-${this.gatewayId}` }, { topic: statusTopic, payload: this.statusPayload('offline') }, inbound);
    this.outbox.open();

    const produce = (topic: string, body: object, kind: MessageKind) => this.publish(topic, body, kind);
    const onTelemetry = (r: TelemetryRecord) => produce(topics.telemetry(this.site, r.robot_id), r, 'telemetry');
    const onCleanroom = (s: CleanroomStatus) => produce(topics.cleanroomStatus(this.site), s, 'cleanroom');
    // Spectrum summaries are telemetry: same lane, same drop policy at the outbox cap.
    const onSpectrum = (s: SpectrumSummary) => produce(topics.spectrum(this.site, s.robot_id), s, 'telemetry');
    const onAlert = (a: Alert) => {
      const topic = a.robot_id ? topics.robotAlerts(this.site, a.robot_id) : a.source.startsWith('counter:') || a.source.startsWith('cleanroom') ? topics.cleanroomAlerts(this.site) : topics.gatewayAlerts(this.site, this.gatewayId);
      produce(topic, a, 'alert');
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

    // writeCache: false -- mqtt-packet otherwise pre-builds 65 536 two-byte Buffers (one per packet
    // id), about 7 MB of heap on a gateway whose memory budget is 80 MB (docs/deploy.md, footprint).
    const client = mqtt.connect(this.cfg.url, { ...opts, writeCache: false, reconnectPeriod: backoffDelay(0, this.cfg.reconnectMinMs, this.cfg.reconnectMaxMs) });
    this.client = client;
    // Runs before mqtt.js's own close handler schedules the reconnect, so each retry uses the next backoff step.
    client.prependListener('close', () => {
      client.options.reconnectPeriod = backoffDelay(this.attempt++, this.cfg.reconnectMinMs, this.cfg.reconnectMaxMs);
    });
    client.on('connect', (connack: IConnackPacket) => {
      this.attempt = 0;
      this.connectedSince = this.clock.now();
      this.lastError = null;
      // Small QoS 1 packets: do not let Nagle hold them back (latency of live data, PUBACK round trips).
      (client.stream as { setNoDelay?: (on: boolean) => void } | undefined)?.setNoDelay?.(true);
      const receiveMaximum = connack.properties?.receiveMaximum;
      this.window = Math.max(1, Math.min(this.cfg.maxInFlight, receiveMaximum ?? Infinity));
      this.log.info({ broker: redactUrl(this.cfg.url), protocol_version: this.cfg.protocolVersion, max_packet_bytes: client.options.properties?.maximumPacketSize ?? null, session_present: connack.sessionPresent, window: this.window, backlog: this.outbox.status().pending }, 'uplink connected');
      // Retained state: refreshed on every connect, so a broker that restarted without persistence has it again.
      client.publish(statusTopic, this.statusPayload('online'), { qos: 1, retain: true });
      this.subscribeCommands(client);
      this.subscribeModel(client);
      this.pump();
    });
    client.on('offline', () => {
      if (this.connectedSince !== null) this.log.warn({ broker: redactUrl(this.cfg.url), backlog: this.outbox.status().pending }, 'uplink down; storing in the outbox and reconnecting');
      this.connectedSince = null;
    });
    client.on('error', (err) => {
      if (this.lastError !== err.message) this.log.warn({ broker: redactUrl(this.cfg.url), err: err.message, code: (err as NodeJS.ErrnoException).code }, 'uplink error');
      this.lastError = err.message;
    });
    client.on('message', (topic, payload, packet) => void this.onMessage(topic, payload, packet));
  }

  /**
   * Store a message for `topic` (stamped with the stream's next seq) and return the seq. It is sent
   * once committed — within the outbox's durability window.
   */
  publish(topic: string, body: object, kind: MessageKind = 'telemetry'): number {
    return this.outbox.produce(topic, body, kind, this.connected);
  }

  private subscribeCommands(client: MqttClient): void {
    if (this.subscribed || !this.deps.commands || !this.cfg.commands.enabled) return;
    this.subscribed = true;
    const list = [...this.state.robots.keys()].map((id) => topics.command(this.site, id));
    list.push(topics.gatewayCommand(this.site, this.gatewayId));
    client.subscribe(list, { qos: 1 }, (err) => {
      if (err) {
        this.subscribed = false;
        this.log.error({ err: err.message }, 'uplink: command subscription failed');
      } else this.log.info({ topics: list.length }, 'uplink: listening for commands');
    });
  }

  private subscribeModel(client: MqttClient): void {
    if (!this.deps.modelPackages) return;
    // Every connect: with a clean session the subscription is gone, and the retained latest package must come again.
    const topic = topics.gatewayModel(this.site, this.gatewayId);
    client.subscribe(topic, { qos: 1 }, (err) => {
      if (err) this.log.error({ err: err.message, topic }, 'uplink: model update subscription failed');
    });
  }

  private async onMessage(topic: string, payload: Buffer, packet: IPublishPacket): Promise<void> {
    try {
      if (topic === topics.gatewayModel(this.site, this.gatewayId)) {
        // An empty retained message is how the fleet clears the topic: nothing to install.
        if (payload.length > 0) this.deps.modelPackages?.onPackage(payload);
        return;
      }
      const parts = topic.split('/');
      const gatewayCmd = topic === topics.gatewayCommand(this.site, this.gatewayId);
      if (!gatewayCmd && (parts.length !== 4 || parts[0] !== 'factory' || parts[1] !== this.site || parts[3] !== 'cmd')) return;
      if (!this.deps.commands) return;
      const robotId = gatewayCmd ? null : parts[2];
      if (robotId !== null && !this.state.robots.has(robotId)) return; // another gateway's robot (wildcard subscriptions of a persistent session)
      if (packet.retain) {
        // A retained command would run again at every (re)subscription, i.e. every restart: never executed.
        this.retainedIgnored++;
        this.deps.commands.audit.record({ event: 'ignored', transport: 'mqtt', actor: 'mqtt', robot: robotId, what: topic, code: 'COMMAND_RETAINED' }, 'retained command ignored: publish commands without the retain flag (and clear it: an empty retained message on the topic)');
        return;
      }
      const ack = await handleMqttCommand(this.deps.commands, { gatewayId: this.gatewayId, site: this.site, robotId, actor: 'mqtt' }, payload, () => this.clock.now(), this.cfg.commands.maxBytes);
      this.publish(robotId === null ? topics.gatewayCommandAck(this.site, this.gatewayId) : topics.commandAck(this.site, robotId), ack, 'ack');
      const responseTopic = packet.properties?.responseTopic;
      if (this.cfg.protocolVersion === 5 && responseTopic && VALID_RESPONSE_TOPIC.test(responseTopic) && this.client?.connected) {
        const correlationData = packet.properties?.correlationData;
        this.client.publish(responseTopic, JSON.stringify(ack), { qos: 1, properties: correlationData ? { correlationData } : {} }, (err) => {
          if (err) this.log.warn({ err: err.message }, 'uplink: command response not delivered to the response topic');
        });
      }
    } catch (err) {
      this.log.error({ code: 'INTERNAL', err: errorMessage(err), topic }, 'uplink: command handling failed');
    }
  }

  /** Send committed rows while the window allows: lane 0 (alerts, acks) first, then the bulk in order. */
  private pump(): void {
    const c = this.client;
    if (!c || !c.connected || this.pumping || this.pumpTimer) return;
    this.pumping = true;
    try {
      while (this.inflight < this.window) {
        let lane: Lane = 0;
        let row = this.outbox.peek(0);
        if (!row) {
          lane = 1;
          row = this.outbox.peek(1);
        }
        if (!row) break;
        const replay = this.outbox.isReplay(row);
        if (replay && lane === 1 && this.cfg.outbox.replayRatePerS > 0) {
          const waitMs = this.replayRate.take();
          if (waitMs > 0) {
            this.pumpTimer = this.clock.setTimeout(() => {
              this.pumpTimer = undefined;
              this.pump();
            }, waitMs);
            break;
          }
        }
        this.outbox.take(lane);
        this.send(c, row, replay);
      }
    } finally {
      this.pumping = false;
    }
  }

  private send(c: MqttClient, row: OutboxRow, replay: boolean): void {
    const payload = row.payload.slice(0, -1) + (replay ? ',"replayed":true}' : ',"replayed":false}');
    this.inflight++;
    if (replay) this.counters.replayed++;
    c.publish(row.topic, payload, { qos: this.cfg.qos }, (err) => {
      if (!err) {
        this.inflight--;
        this.counters.published++;
        this.outbox.ack(row);
      } else if (typeof (err as { code?: unknown }).code === 'number') {
        // The broker refused it (MQTT 5 reason code, e.g. 0x87 not authorized): resending cannot help.
        this.inflight--;
        this.counters.rejected++;
        this.outbox.ack(row);
        if (!this.rejectedTopics.has(row.topic)) {
          this.rejectedTopics.add(row.topic);
          this.log.error({ topic: row.topic, err: err.message }, 'broker refused a message: deleted from the outbox (check the broker ACL)');
        }
      } else {
        // Connection closed under it: mqtt.js resends it after the reconnect; on stop it stays in the outbox.
        return;
      }
      this.pump();
    });
  }

  async stop(): Promise<void> {
    for (const off of this.unsubscribers.splice(0)) off();
    this.pumpTimer?.cancel();
    this.pumpTimer = undefined;
    const client = this.client;
    this.client = undefined;
    this.subscribed = false;
    if (client) {
      if (client.connected) {
        // Give in-flight messages a moment to be acknowledged (what is not stays in the outbox).
        const until = this.clock.monotonic() + 1000;
        while (this.inflight > 0 && client.connected && this.clock.monotonic() < until) await new Promise((r) => setTimeout(r, 10));
        // A clean shutdown says so: publish offline ourselves (the will fires only on an unclean loss).
        await Promise.race([
          new Promise<void>((resolve) => client.publish(topics.gatewayStatus(this.site, this.gatewayId), this.statusPayload('offline'), { qos: 1, retain: true }, () => resolve())),
          new Promise<void>((resolve) => setTimeout(resolve, 1000)),
        ]);
      }
      await new Promise<void>((resolve) => client.end(true, {}, () => resolve()));
      this.inflight = 0;
    }
    if (this.cfg.enabled) this.outbox.close();
  }
}
