import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { TOPIC_FILTERS } from './messages.js';
import type { IngestMetrics } from './metrics.js';
import type { IngestConfig } from '../config/types.js';
import { redactUrl } from '../core/redact-url.js';

/** The `ingest.mqtt` config slice (config/schema.json), with the client id this instance resolved. */
export interface ConsumerOptions extends Omit<IngestConfig['mqtt'], 'clientId'> {
  clientId: string;
  log: Logger;
  metrics: IngestMetrics;
  /** Called for every QoS 1 message; call `ack` once the message is durably stored. */
  onMessage(topic: string, payload: Buffer, ack: () => void): void;
}

type PacketSender = (packet: Record<string, unknown>, cb?: (err?: Error) => void, cbStorePut?: unknown, noStore?: boolean) => void;

/**
 * MQTT 5 consumer on shared subscriptions, QoS 1, persistent session, whose PUBACKs are sent by
 * the application after the database commit instead of on receipt.
 *
 * mqtt.js processes incoming packets one at a time and, with `customHandleAcks` or
 * `handleMessage`, waits for each message's callback before reading the next packet; holding the
 * callback until a commit would mean one message per transaction. So the client acknowledges
 * nothing by itself: its own PUBACK write is suppressed (the packet-processing callback is called
 * at once, so reading continues), and `ack()` writes the PUBACK when the writer has committed.
 * An ack whose connection is gone is not sent: the broker redelivers that message on the
 * resumed session (and the copy is stored once by ON CONFLICT); sending it on the new connection
 * could acknowledge a different message that reused the packet id.
 * test/integration/ingest-failures.test.ts proves it with kill -9 and a database restart.
 */
export class IngestConsumer {
  private client: MqttClient | null = null;
  /** Incremented on every (re)connect and close: acks carry the generation they belong to. */
  private generation = 0;
  connected = false;
  lastError: string | null = null;
  connects = 0;
  subscribed = false;
  /** Resolved by the first granted subscription (or stop): see whenSubscribed(). */
  private subscribedWaiters: Array<() => void> = [];

  constructor(private readonly o: ConsumerOptions) {}

  async start(): Promise<void> {
    if (this.client) return;
    const o = this.o;
    const client = mqtt.connect(o.url, {
      protocolVersion: 5,
      clientId: o.clientId,
      clean: false,
      keepalive: o.keepaliveS,
      reconnectPeriod: o.reconnectMs,
      connectTimeout: 10_000,
      username: o.username,
      password: o.password,
      resubscribe: false,
      properties: { sessionExpiryInterval: o.sessionExpiryS, receiveMaximum: o.receiveMaximum },
    });
    this.client = client;
    const internals = client as unknown as { _sendPacket: PacketSender };
    const send = internals._sendPacket.bind(client);
    if (typeof send !== 'function') throw new Error('mqtt.js internals changed: _sendPacket is missing (ingest holds PUBACKs until commit)');
    internals._sendPacket = (packet, cb, cbStorePut, noStore) => {
      if (packet.cmd === 'puback' && packet.fabwatch !== true) {
        // The library's automatic PUBACK: suppressed; ack() sends it after the commit.
        cb?.();
        return;
      }
      if (packet.cmd === 'puback') delete packet.fabwatch;
      send(packet, cb, cbStorePut, noStore);
    };
    client.on('connect', (connack) => {
      this.generation++;
      this.connected = true;
      this.connects++;
      this.lastError = null;
      o.metrics.mqttUp.set(1);
      o.log.info({ url: redactUrl(o.url), clientId: o.clientId, sessionPresent: connack.sessionPresent }, 'ingest: connected to the broker');
      // Subscribe on every connect: cheap, idempotent, and covers a broker that lost the session.
      const subs = Object.fromEntries(TOPIC_FILTERS.map((f) => [`$share/${o.group}/${f}`, { qos: 1 as const }]));
      client.subscribe(subs, (err, granted) => {
        if (err) {
          this.lastError = `subscribe failed: ${err.message}`;
          o.log.error({ err: err.message }, 'ingest: subscribe failed');
          return;
        }
        const refused = (granted ?? []).filter((g) => g.qos > 2);
        if (refused.length) {
          this.lastError = `the broker refused ${refused.length} subscription(s)`;
          o.log.error({ refused }, 'ingest: the broker refused subscriptions');
        }
        this.subscribed = refused.length === 0;
        if (this.subscribed) {
          o.log.info({ group: o.group, filters: TOPIC_FILTERS.length }, 'ingest: subscribed');
          this.releaseWaiters();
        }
      });
    });
    client.on('close', () => {
      if (this.connected) o.log.warn('ingest: broker connection closed; reconnecting');
      this.generation++;
      this.connected = false;
      this.subscribed = false;
      o.metrics.mqttUp.set(0);
    });
    client.on('error', (err) => {
      this.lastError = err.message;
      o.log.warn({ err: err.message }, 'ingest: MQTT error');
    });
    client.on('message', (topic, payload, packet: IPublishPacket) => {
      if (packet.qos === 0 || packet.messageId === undefined) {
        o.onMessage(topic, payload, () => {});
        return;
      }
      const gen = this.generation;
      const messageId = packet.messageId;
      o.onMessage(topic, payload, () => this.ack(gen, messageId));
    });
  }

  /**
   * Resolves once the broker has granted the shared subscriptions (or on stop). Until then a
   * message published to the fleet's topics may have no subscriber at all (a fresh broker, or
   * one that lost the sessions): the broker acknowledges it to the publisher with reason code
   * 0x10 "no matching subscribers" and discards it. Nothing may claim to be ingesting before this
   * (docs/historian.md, "Start-up order").
   */
  whenSubscribed(): Promise<void> {
    if (this.subscribed || !this.client) return Promise.resolve();
    return new Promise((resolve) => this.subscribedWaiters.push(resolve));
  }

  private releaseWaiters(): void {
    const waiters = this.subscribedWaiters;
    this.subscribedWaiters = [];
    for (const w of waiters) w();
  }

  private ack(gen: number, messageId: number): void {
    if (gen !== this.generation || !this.client || !this.connected) {
      this.o.metrics.acksDropped.inc();
      return;
    }
    const internals = this.client as unknown as { _sendPacket: PacketSender };
    internals._sendPacket({ cmd: 'puback', messageId, reasonCode: 0, fabwatch: true }, undefined, undefined, true);
  }

  /** Disconnect without unsubscribing: the persistent session keeps this worker's share queued. */
  async stop(): Promise<void> {
    const c = this.client;
    if (!c) return;
    this.client = null;
    this.releaseWaiters();
    await new Promise<void>((resolve) => c.end(false, {}, () => resolve()));
    this.connected = false;
    this.o.metrics.mqttUp.set(0);
  }
}
