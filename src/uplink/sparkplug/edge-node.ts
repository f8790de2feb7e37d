import { join } from 'node:path';
import mqtt, { type MqttClient, type IPublishPacket } from 'mqtt';
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../../core/clock.js';
import type { Component } from '../../core/component.js';
import { errorCode, errorMessage } from '../../core/errors.js';
import type { MqttConfig } from '../../config/types.js';
import type { GatewayState } from '../../state/gateway-state.js';
import type { CommandService } from '../../commands/service.js';
import { Outbox } from '../outbox.js';
import type { SparkplugStatus } from '../../status/uplink-status.js';
import type { OutboxRow } from '../outbox-store.js';
import { backoffDelay } from '../backoff.js';
import { ReplayRate } from '../replay-rate.js';
import { clientOptions } from '../mqtt-options.js';
import { redactUrl } from '../../core/redact-url.js';
import { encodePayload, type UMetric } from './codec.js';
import { BdSeqStore } from './bdseq.js';
import { HostTracker, parseHostState } from './host-state.js';
import { spbTopics, parseTopic, entityTopics, type EntityTopics } from './topics.js';
import { SparkplugProducer, type StoredRow } from './producer.js';
import { EntityCatalogue, birthMetrics, dataMetrics, type SpbEntity } from './devices.js';
import { MAINTENANCE, REBIRTH, STREAM_SEQ } from './metrics.js';
import { commandMetrics, decodeWrites, outcomeText, runDcmdWrite } from './dcmd.js';

export interface SparkplugOptions {
  /** The whole mqtt section: broker, credentials, TLS, keepalive, outbox settings, and mqtt.sparkplug. */
  mqtt: MqttConfig;
  state: GatewayState;
  clock: Clock;
  log: Logger;
  stateDir: string;
  robots: string[];
  locations: Array<{ id: string; sizesUm: number[] }>;
  commands?: CommandService;
  version: string;
  simulation: boolean;
}

export type { SparkplugStatus };

/**
 * An Eclipse Sparkplug B 3.0 edge node (edge node id = gateway id; devices = robots and particle
 * counters) on its own MQTT connection, whose last will is the NDEATH with the persisted bdSeq.
 * Everything produced goes through a durable outbox first (report by exception, aliases); it is
 * sent only after NBIRTH/DBIRTH of the current session, which wait for the primary host's STATE.
 * Rows older than the current births are sent with is_historical and their production time.
 */
export class SparkplugNode implements Component {
  readonly name = 'uplink:sparkplug';
  readonly outbox: Outbox;
  private readonly cfg: MqttConfig['sparkplug'];
  private readonly entities: EntityCatalogue;
  private readonly topics: EntityTopics;
  private readonly producer: SparkplugProducer;
  private readonly byTopic = new Map<string, SpbEntity>();
  private readonly bdSeqStore: BdSeqStore;
  private readonly host = new HostTracker();
  private client?: MqttClient;
  private session = 0;
  private bdSeq: number | null = null;
  private seq = 0;
  private born = false;
  private bornAt = 0;
  private started = false;
  private attempt = 0;
  private reconnectTimer?: TimerHandle;
  private pumpTimer?: TimerHandle;
  private pumping = false;
  private inflight = 0;
  /** Rows were taken from the outbox in this session (it is rewound when the session ends). */
  private tookRows = false;
  /** The session is ending on purpose (NDEATH being published): no more births on it. */
  private closing = false;
  private readonly replayRate: ReplayRate;
  private readonly counters = { births: 0, sent: 0, historical: 0, skipped: 0, badCommands: 0 };
  private readonly unsubscribers: Array<() => void> = [];
  private readonly nodeId: string;
  private incoming: Promise<void> = Promise.resolve();

  constructor(private readonly o: SparkplugOptions) {
    this.cfg = o.mqtt.sparkplug;
    this.nodeId = o.state.identity.gatewayId;
    const cmds = o.commands && this.cfg.commands ? commandMetrics(o.commands.catalogue()) : [];
    this.entities = new EntityCatalogue({ robots: o.robots, locations: o.locations, commands: cmds });
    this.topics = entityTopics(this.cfg.groupId, this.nodeId);
    this.byTopic.set(this.topics.data(this.entities.node), this.entities.node);
    for (const d of this.entities.devices.values()) {
      this.byTopic.set(this.topics.data(d), d);
      this.byTopic.set(this.topics.lifecycle(d), d);
    }
    this.entities.node.values.set('Properties/Site', o.state.identity.site);
    this.entities.node.values.set('Properties/Version', o.version);
    this.entities.node.values.set('Properties/Simulation', o.simulation);
    for (const id of o.robots) this.entities.devices.get(id)!.values.set(MAINTENANCE.name, o.state.maintenance.has(id));
    this.replayRate = new ReplayRate(o.clock, o.mqtt.outbox.replayRatePerS);
    this.bdSeqStore = new BdSeqStore(join(o.stateDir, 'sparkplug-bdseq'));
    this.outbox = new Outbox({ path: join(o.stateDir, 'sparkplug-outbox.db'), ...o.mqtt.outbox }, o.clock, o.log.child({ component: 'sparkplug-outbox' }), {
      onCommitted: () => this.pump(),
      onFault: (f) => o.clock.setTimeout(() => o.state.raiseAlert({ source: 'uplink:sparkplug', code: f.code, severity: 'critical', message: `sparkplug ${f.message}`, active: false }), 0),
    });
    this.producer = new SparkplugProducer({ outbox: this.outbox, entities: this.entities, topics: this.topics, clock: o.clock, locations: o.locations, live: () => this.born && this.connected });
  }

  get connected(): boolean {
    return Boolean(this.client?.connected);
  }

  /** For /health: not connected to the broker, or the outbox lost durability / was found corrupt. */
  get degraded(): boolean {
    return !this.connected || (this.started && this.outbox.status().fault !== null);
  }

  status(): SparkplugStatus {
    return {
      enabled: true,
      group_id: this.cfg.groupId,
      edge_node_id: this.nodeId,
      connected: this.connected,
      online: this.born,
      primary_host: this.cfg.primaryHostId ? { id: this.cfg.primaryHostId, online: this.host.online } : null,
      bd_seq: this.bdSeq,
      births: this.counters.births,
      sent: this.counters.sent,
      historical: this.counters.historical,
      skipped: this.counters.skipped,
      bad_commands: this.counters.badCommands,
      outbox: this.outbox.status(),
    };
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.outbox.open();
    this.unsubscribers.push(this.producer.attach(this.o.state));
    this.connect();
  }

  // ---------------------------------------------------------------- connection and session

  private connect(): void {
    if (!this.started || this.client) return;
    const session = ++this.session;
    this.closing = false;
    this.bdSeq = this.bdSeqStore.next();
    if (this.bdSeqStore.lastError) this.o.log.error({ code: 'SPARKPLUG_BDSEQ_UNSAVED', err: this.bdSeqStore.lastError, bd_seq: this.bdSeq }, 'sparkplug: bdSeq could not be saved (continuing with it in memory; after a restart a bdSeq may repeat)');
    const clientId = this.cfg.clientId ?? `fabwatch-${this.nodeId}-spb`;
    const ndeath = encodePayload({ timestamp: this.o.clock.now(), metrics: [{ name: 'bdSeq', type: 'Int64', value: this.bdSeq }] });
    // NCMD/DCMD are commands: the same cap as the JSON ones, so with MQTT 5 the broker never sends a bigger packet (mqtt-options.ts).
    const opts = clientOptions(this.o.mqtt, { clientId }, { topic: '', payload: '' }, { commandBytes: this.o.mqtt.commands.maxBytes });
    // Sparkplug 3.0: clean session / clean start with no session expiry; the will is the NDEATH (QoS 1, not retained).
    opts.clean = true;
    delete opts.properties?.sessionExpiryInterval;
    opts.will = { topic: spbTopics.node(this.cfg.groupId, 'NDEATH', this.nodeId), payload: ndeath, qos: 1, retain: false };
    // One client per session: nothing of a lost session (queued packets, callbacks) reaches the next one.
    const client = mqtt.connect(this.o.mqtt.url, { ...opts, writeCache: false, reconnectPeriod: 0 });
    this.client = client;
    client.on('connect', () => {
      if (session !== this.session) return;
      this.attempt = 0;
      (client.stream as { setNoDelay?: (on: boolean) => void } | undefined)?.setNoDelay?.(true);
      this.o.log.info({ broker: redactUrl(this.o.mqtt.url), bd_seq: this.bdSeq, primary_host: this.cfg.primaryHostId ?? null, backlog: this.outbox.status().pending }, 'sparkplug: connected');
      const subs = [spbTopics.node(this.cfg.groupId, 'NCMD', this.nodeId)];
      if (this.o.commands && this.cfg.commands) subs.push(spbTopics.device(this.cfg.groupId, 'DCMD', this.nodeId, '+'));
      if (this.cfg.primaryHostId) subs.push(spbTopics.state(this.cfg.primaryHostId));
      client.subscribe(subs, { qos: 1 }, (err) => {
        if (session !== this.session) return;
        if (err) {
          this.o.log.error({ err: err.message }, 'sparkplug: subscription failed; reconnecting');
          client.end(true);
          return;
        }
        // Without a primary host, births follow the connect; with one, they wait for its STATE.
        if (!this.cfg.primaryHostId) this.birth('connect');
      });
    });
    client.on('message', (topic, payload, packet) => {
      // One at a time, in arrival order: a command's result is reported before the next one runs.
      if (session === this.session) this.incoming = this.incoming.then(() => this.onMessage(topic, payload, packet));
    });
    client.on('error', (err) => this.o.log.warn({ err: err.message, code: (err as NodeJS.ErrnoException).code }, 'sparkplug: connection error'));
    client.on('close', () => {
      if (session !== this.session) return;
      this.endSession(client, 'connection closed');
    });
  }

  /** The session is over: forget the births, rewind the outbox (unsent rows are sent after the next births) and reconnect. */
  private endSession(client: MqttClient, why: string, graceful = false): void {
    if (this.client !== client) return;
    this.session++;
    this.client = undefined;
    client.removeAllListeners('message');
    // A graceful end sends DISCONNECT (the broker discards the will: the NDEATH was published already);
    // after a lost connection there is nothing to say goodbye on.
    client.end(!graceful);
    const wasBorn = this.born;
    this.born = false;
    for (const d of this.entities.devices.values()) d.born = false;
    this.pumpTimer?.cancel();
    this.pumpTimer = undefined;
    this.inflight = 0;
    if (!this.started) return this.outbox.close();
    // If this session took rows to send, close and reopen the outbox: every row not yet acknowledged
    // is read again and, being older than the next births, sent as historical.
    if (this.tookRows) {
      this.tookRows = false;
      this.outbox.close();
      this.outbox.open();
    }
    if (wasBorn) this.o.log.warn({ why, backlog: this.outbox.status().pending }, 'sparkplug: session ended; storing in the outbox until the next births');
    this.reconnectLater();
  }

  private reconnectLater(): void {
    const delay = backoffDelay(this.attempt++, this.o.mqtt.reconnectMinMs, this.o.mqtt.reconnectMaxMs);
    this.reconnectTimer = this.o.clock.setTimeout(() => {
      this.reconnectTimer = undefined;
      try {
        this.connect();
      } catch (err) {
        // e.g. a TLS file removed since the start (files are read per connection): keep trying, never crash.
        this.client = undefined;
        this.o.log.error({ code: errorCode(err), err: errorMessage(err) }, 'sparkplug: cannot connect; retrying');
        if (this.started) this.reconnectLater();
      }
    }, delay);
  }

  private nextSeq(): number {
    this.seq = (this.seq + 1) % 256;
    return this.seq;
  }

  private publish(topic: string, payload: Buffer, qos: 0 | 1, cb?: (err?: Error) => void): void {
    this.client!.publish(topic, payload, { qos, retain: false }, (err) => cb?.(err ?? undefined));
  }

  /** NBIRTH (seq 0, bdSeq of this connection) then a DBIRTH per device, each with every metric, alias, datatype and unit. */
  private birth(why: string): void {
    const c = this.client;
    // Not on a session that is saying its NDEATH (host offline, stop): the births belong to the next one.
    if (!c?.connected || this.closing) return;
    const now = this.o.clock.now();
    const node = this.entities.node;
    this.seq = 0;
    this.publish(spbTopics.node(this.cfg.groupId, 'NBIRTH', this.nodeId), encodePayload({ timestamp: now, seq: 0, metrics: birthMetrics(node, now, { bdSeq: this.bdSeq, [REBIRTH.name]: false }) }), this.cfg.dataQos);
    for (const d of this.entities.devices.values()) {
      this.publish(spbTopics.device(this.cfg.groupId, 'DBIRTH', this.nodeId, d.id!), this.dbirth(d, now), this.cfg.dataQos);
      d.born = true;
    }
    this.born = true;
    this.bornAt = now;
    this.counters.births++;
    this.o.log.info({ why, bd_seq: this.bdSeq, devices: this.entities.devices.size, backlog: this.outbox.status().pending }, 'sparkplug: NBIRTH and DBIRTHs published');
    // A device that is down now is declared so after whatever of it is still queued.
    this.producer.declareDead();
    this.pump();
  }

  private dbirth(d: SpbEntity, now: number): Buffer {
    return encodePayload({ timestamp: now, seq: this.nextSeq(), metrics: birthMetrics(d, now, { [STREAM_SEQ.name]: this.outbox.lastSeq(this.topics.data(d)) }) });
  }

  /** The node leaves on purpose: NDEATH with this connection's bdSeq (the will would say the same on a crash). */
  private async sayDeath(c: MqttClient): Promise<void> {
    if (!c.connected || this.bdSeq === null) return;
    const payload = encodePayload({ timestamp: this.o.clock.now(), metrics: [{ name: 'bdSeq', type: 'Int64', value: this.bdSeq }] });
    await Promise.race([
      new Promise<void>((resolve) => c.publish(spbTopics.node(this.cfg.groupId, 'NDEATH', this.nodeId), payload, { qos: 1, retain: false }, () => resolve())),
      new Promise<void>((resolve) => setTimeout(resolve, 1000)),
    ]);
  }

  // ---------------------------------------------------------------- sending (outbox -> DDATA/NDATA/DDEATH/DBIRTH)

  private pump(): void {
    const c = this.client;
    if (!c?.connected || !this.born || this.pumping || this.pumpTimer) return;
    this.pumping = true;
    try {
      while (this.inflight < this.o.mqtt.maxInFlight) {
        const row = this.outbox.peek(1);
        if (!row) break;
        const historical = this.outbox.isReplay(row) || row.ts < this.bornAt;
        if (historical && this.o.mqtt.outbox.replayRatePerS > 0) {
          const wait = this.replayRate.take();
          if (wait > 0) {
            this.pumpTimer = this.o.clock.setTimeout(() => {
              this.pumpTimer = undefined;
              this.pump();
            }, wait);
            break;
          }
        }
        this.outbox.take(1);
        this.tookRows = true;
        this.send(row, historical);
      }
    } finally {
      this.pumping = false;
    }
  }

  private send(row: OutboxRow, historical: boolean): void {
    const e = this.byTopic.get(row.topic);
    let body: StoredRow;
    try {
      body = JSON.parse(row.payload) as StoredRow;
    } catch {
      return this.skip(row, 'unreadable row');
    }
    const done = () => this.outbox.ack(row);
    if (!e) return this.skip(row, 'unknown entity (configuration changed since it was stored)');
    const now = this.o.clock.now();
    let topic: string;
    let payload: Buffer;
    if (body.k === 'data') {
      if (e.id !== null && !e.born) return this.skip(row, 'device has no birth in this session');
      const metrics: UMetric[] = dataMetrics(e, body.m, body.t, historical);
      if (e.id !== null) metrics.push(...dataMetrics(e, { [STREAM_SEQ.name]: row.seq }, body.t, historical));
      topic = e.id === null ? spbTopics.node(this.cfg.groupId, 'NDATA', this.nodeId) : spbTopics.device(this.cfg.groupId, 'DDATA', this.nodeId, e.id);
      payload = encodePayload({ timestamp: now, seq: this.nextSeq(), metrics });
      if (historical) this.counters.historical++;
    } else if (body.k === 'death') {
      if (e.id === null || !e.born) return done();
      e.born = false;
      topic = spbTopics.device(this.cfg.groupId, 'DDEATH', this.nodeId, e.id);
      payload = encodePayload({ timestamp: now, seq: this.nextSeq(), metrics: [] });
    } else {
      if (e.id === null || e.born) return done();
      e.born = true;
      topic = spbTopics.device(this.cfg.groupId, 'DBIRTH', this.nodeId, e.id);
      payload = this.dbirth(e, now);
    }
    const session = this.session;
    this.inflight++;
    this.publish(topic, payload, this.cfg.dataQos, (err) => {
      // A callback from a lost session: the row was rewound with the outbox and is sent again.
      if (session !== this.session) return;
      this.inflight--;
      if (err) return;
      this.counters.sent++;
      done();
      this.pump();
    });
  }

  private skip(row: OutboxRow, why: string): void {
    this.counters.skipped++;
    this.o.log.warn({ topic: row.topic, seq: row.seq, why, skipped: this.counters.skipped }, 'sparkplug: stored row not sendable: deleted and counted');
    this.outbox.ack(row);
  }

  // ---------------------------------------------------------------- incoming: STATE, NCMD, DCMD

  private async onMessage(topic: string, payload: Buffer, packet: IPublishPacket): Promise<void> {
    try {
      if (this.cfg.primaryHostId && topic === spbTopics.state(this.cfg.primaryHostId)) return this.onHostState(payload);
      const t = parseTopic(topic);
      if (!t || t.group !== this.cfg.groupId || t.node !== this.nodeId) return;
      if (packet.retain) {
        this.badCommand(topic, 'retained command ignored (Sparkplug commands are never retained)');
        return;
      }
      if (t.type === 'NCMD') return this.onNcmd(topic, payload);
      if (t.type === 'DCMD' && t.device) return await this.onDcmd(t.device, topic, payload);
    } catch (err) {
      this.o.log.error({ err: errorMessage(err), topic }, 'sparkplug: message handling failed');
    }
  }

  private onHostState(payload: Buffer): void {
    const s = parseHostState(payload);
    if (!s) {
      this.o.log.warn({ code: 'SPARKPLUG_BAD_STATE', host: this.cfg.primaryHostId }, 'sparkplug: primary host STATE is not {"online": bool, "timestamp": ms}: ignored');
      return;
    }
    const change = this.host.update(s);
    if (change === 'stale') return;
    if (s.online) {
      if (!this.born) this.birth('primary host online');
      else if (change === 'online') this.birth('primary host came back');
    } else if (this.born && this.client) {
      // Sparkplug 3.0: the host went away, so this session ends (NDEATH) and the node reconnects and waits for it.
      const c = this.client;
      this.o.log.warn({ host: this.cfg.primaryHostId }, 'sparkplug: primary host offline: NDEATH, reconnecting, storing until it is back');
      this.born = false;
      this.closing = true;
      void this.sayDeath(c).then(() => this.endSession(c, 'primary host offline', true));
    }
  }

  private badCommand(topic: string, why: string): void {
    this.counters.badCommands++;
    this.o.log.warn({ code: 'SPARKPLUG_BAD_COMMAND', topic, bad_commands: this.counters.badCommands }, `sparkplug: command refused: ${why}`);
  }

  private onNcmd(topic: string, payload: Buffer): void {
    const writes = decodeWrites(payload, this.entities.node);
    if (typeof writes === 'string') return this.badCommand(topic, writes);
    for (const w of writes) {
      if (w.name === REBIRTH.name && w.value === true) {
        if (this.born) this.birth('NCMD Node Control/Rebirth');
      } else this.badCommand(topic, `unknown or unwritable node metric ${JSON.stringify(w.name)} = ${JSON.stringify(w.value)}`);
    }
  }

  private async onDcmd(deviceId: string, topic: string, payload: Buffer): Promise<void> {
    const e = this.entities.devices.get(deviceId);
    if (!e) return this.badCommand(topic, `unknown device ${deviceId}`);
    if (e.kind !== 'robot' || !this.o.commands) return this.badCommand(topic, `device ${deviceId} takes no commands`);
    const writes = decodeWrites(payload, e);
    if (typeof writes === 'string') {
      this.badCommand(topic, writes);
      return this.producer.commandResult(e, 'rejected - [SPARKPLUG_BAD_COMMAND]: not a Sparkplug B payload');
    }
    for (const w of writes) {
      const outcome = await runDcmdWrite(this.o.commands, e.commands, { robotId: deviceId, ...w, actor: `sparkplug:${this.cfg.primaryHostId ?? 'host'}` }, () => this.o.clock.now());
      if (outcome.code === 'SPARKPLUG_BAD_COMMAND') this.badCommand(topic, outcome.message);
      this.producer.commandResult(e, outcomeText(outcome));
    }
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    for (const off of this.unsubscribers.splice(0)) off();
    this.reconnectTimer?.cancel();
    this.reconnectTimer = undefined;
    const c = this.client;
    if (c) {
      // Nothing may follow the NDEATH: the sender stops first (what it has not sent stays in the outbox).
      this.born = false;
      this.closing = true;
      this.pumpTimer?.cancel();
      this.pumpTimer = undefined;
      await this.sayDeath(c);
      this.endSession(c, 'stop', true);
    } else this.outbox.close();
  }
}
