import mqtt, { type MqttClient } from 'mqtt';
import { decodePayload, encodePayload, toNumber, type UMetric } from '../../src/uplink/sparkplug/codec.js';

/** One decoded Sparkplug message as a host received it. */
export interface SpbMessage {
  topic: string;
  type: string;
  node: string;
  device?: string;
  seq: number | null;
  timestamp: number | null;
  metrics: Array<{ name?: string; alias?: number; type: string; value: unknown; historical: boolean; timestamp: number | null; unit?: string }>;
  at: number;
}

/** What the lifecycle check found (violations must be empty). */
export interface LifecycleReport {
  violations: string[];
  /** bdSeq of each NBIRTH, in order. */
  births: number[];
  /** bdSeq of each NDEATH, in order. */
  deaths: number[];
  /** Exact repeats of a message of the session (QoS 1 redelivery), skipped. */
  duplicates: number;
  /** Times seq went 255 -> 0 inside a session. */
  wraps: number;
  /** Per device: every DDATA metric resolved to its name through the births' aliases. */
  data: Map<string, Array<{ values: Record<string, unknown>; historical: boolean; timestamp: number | null }>>;
}

const metricOf = (m: UMetric) => ({
  name: m.name ?? undefined,
  alias: toNumber(m.alias) ?? undefined,
  type: m.type,
  value: typeof m.value === 'object' && m.value !== null && 'toNumber' in (m.value as object) ? toNumber(m.value) : m.value,
  historical: m.isHistorical === true,
  timestamp: toNumber(m.timestamp),
  unit: (m.properties?.engUnit?.value as string | undefined) ?? undefined,
});

/**
 * A Sparkplug B primary host application for tests: publishes its retained STATE (with a will
 * saying offline), subscribes the group, decodes every message with sparkplug-payload, and checks
 * the edge node's lifecycle (birth before data, aliases from the births, seq continuity, bdSeq).
 */
export class SparkplugHost {
  readonly messages: SpbMessage[] = [];
  client!: MqttClient;
  private stateTs = 0;
  online = true;

  constructor(readonly hostId: string, readonly group: string) {}

  /** `clean: false` = a persistent session: the broker queues QoS 1 messages for the host while it is away. */
  static async connect(url: string, o: { hostId: string; group: string; online?: boolean; clean?: boolean }): Promise<SparkplugHost> {
    const h = new SparkplugHost(o.hostId, o.group);
    h.online = o.online ?? true;
    h.stateTs = Date.now();
    const stateTopic = `spBv1.0/STATE/${o.hostId}`;
    h.client = await mqtt.connectAsync(url, { clientId: `host-${o.hostId}`, reconnectPeriod: 300, clean: o.clean ?? true, will: { topic: stateTopic, payload: Buffer.from(JSON.stringify({ online: false, timestamp: h.stateTs })), qos: 1, retain: true } });
    h.client.on('message', (topic, payload) => h.record(topic, payload));
    // A real host: a new will timestamp for every connection, STATE online once subscribed.
    h.client.on('close', () => {
      h.stateTs = Math.max(Date.now(), h.stateTs + 1);
      h.client.options.will!.payload = Buffer.from(JSON.stringify({ online: false, timestamp: h.stateTs }));
    });
    h.client.on('connect', () => {
      if (h.online) void h.client.publishAsync(stateTopic, JSON.stringify({ online: true, timestamp: h.stateTs }), { qos: 1, retain: true });
    });
    await h.client.subscribeAsync([`spBv1.0/${o.group}/#`], { qos: 1 });
    await h.setOnline(h.online);
    return h;
  }

  async setOnline(online: boolean): Promise<void> {
    this.online = online;
    this.stateTs = Math.max(Date.now(), this.stateTs + 1);
    await this.client.publishAsync(`spBv1.0/STATE/${this.hostId}`, JSON.stringify({ online, timestamp: this.stateTs }), { qos: 1, retain: true });
  }

  private record(topic: string, payload: Buffer): void {
    const p = topic.split('/');
    if (p[0] !== 'spBv1.0' || p[1] === 'STATE') return;
    const type = p[2];
    if (type === 'NCMD' || type === 'DCMD') return;
    const d = decodePayload(payload);
    this.messages.push({ topic, type, node: p[3], device: p[4], seq: toNumber(d.seq), timestamp: toNumber(d.timestamp), metrics: (d.metrics ?? []).map(metricOf), at: Date.now() });
  }

  of(type: string, device?: string): SpbMessage[] {
    return this.messages.filter((m) => m.type === type && (device === undefined || m.device === device));
  }

  async command(node: string, device: string | null, metrics: UMetric[], opts: { raw?: Buffer; timestamp?: number; retain?: boolean } = {}): Promise<void> {
    const topic = device === null ? `spBv1.0/${this.group}/NCMD/${node}` : `spBv1.0/${this.group}/DCMD/${node}/${device}`;
    const payload = opts.raw ?? encodePayload({ timestamp: opts.timestamp ?? Date.now(), metrics });
    await this.client.publishAsync(topic, payload, { qos: 0, retain: opts.retain ?? false });
  }

  /** Replays what was received as a host would and lists every lifecycle violation. */
  check(node: string): LifecycleReport {
    const r: LifecycleReport = { violations: [], births: [], deaths: [], duplicates: 0, wraps: 0, data: new Map() };
    let bdSeq: number | null = null;
    let lastSeq: number | null = null;
    let nodeAliases = new Map<number, { name: string; type: string }>();
    const devices = new Map<string, Map<number, { name: string; type: string }>>();
    const v = (m: SpbMessage, what: string) => r.violations.push(`${m.type} ${m.device ?? ''} seq=${m.seq}: ${what}`);
    const aliases = (m: SpbMessage) => {
      const map = new Map<number, { name: string; type: string }>();
      for (const x of m.metrics) {
        if (x.name === undefined || x.alias === undefined) v(m, `birth metric without name or alias (${x.name}/${x.alias})`);
        else map.set(x.alias, { name: x.name, type: x.type });
      }
      return map;
    };
    const nextSeq = (m: SpbMessage) => {
      if (lastSeq === null) return v(m, 'no NBIRTH in this session');
      const want = (lastSeq + 1) % 256;
      if (m.seq !== want) v(m, `seq ${m.seq}, expected ${want}`);
      if (lastSeq === 255 && m.seq === 0) r.wraps++;
      lastSeq = m.seq;
    };
    // QoS 1 is at-least-once: a broker may deliver a message again (DUP after a reconnect). A host
    // ignores an exact repeat of a message of the current session.
    let seen = new Set<string>();
    for (const m of this.messages.filter((x) => x.node === node)) {
      const key = `${m.topic} ${m.seq} ${m.timestamp} ${JSON.stringify(m.metrics)}`;
      if (m.type === 'NBIRTH') seen = new Set();
      else if (seen.has(key)) {
        r.duplicates++;
        continue;
      }
      seen.add(key);
      switch (m.type) {
        case 'NBIRTH': {
          const bd = m.metrics.find((x) => x.name === 'bdSeq');
          if (!bd) v(m, 'NBIRTH without bdSeq');
          if (!m.metrics.some((x) => x.name === 'Node Control/Rebirth')) v(m, 'NBIRTH without Node Control/Rebirth');
          if (m.seq !== 0) v(m, 'NBIRTH seq is not 0');
          bdSeq = Number(bd?.value);
          r.births.push(bdSeq);
          lastSeq = 0;
          nodeAliases = aliases(m);
          devices.clear();
          break;
        }
        case 'NDEATH': {
          const bd = Number(m.metrics.find((x) => x.name === 'bdSeq')?.value);
          if (m.metrics.length !== 1) v(m, 'NDEATH carries more than bdSeq');
          r.deaths.push(bd);
          // An NDEATH whose bdSeq is not the NBIRTH's is stale (a host ignores it); only one ending a born session must match.
          if (lastSeq !== null && bd !== bdSeq) v(m, `NDEATH bdSeq ${bd} does not match the NBIRTH's ${bdSeq}`);
          lastSeq = null;
          devices.clear();
          break;
        }
        case 'DBIRTH':
          nextSeq(m);
          devices.set(m.device!, aliases(m));
          break;
        case 'DDEATH':
          nextSeq(m);
          if (!devices.delete(m.device!)) v(m, 'DDEATH of a device that was not born');
          break;
        case 'NDATA':
        case 'DDATA': {
          nextSeq(m);
          const map = m.type === 'NDATA' ? (lastSeq === null ? undefined : nodeAliases) : devices.get(m.device!);
          if (!map) {
            v(m, 'data before its birth');
            break;
          }
          const values: Record<string, unknown> = {};
          let historical = false;
          let timestamp: number | null = null;
          for (const x of m.metrics) {
            const def = x.alias !== undefined ? map.get(x.alias) : undefined;
            if (!def) v(m, `alias ${x.alias} not in the birth`);
            else {
              if (def.type !== x.type) v(m, `${def.name}: datatype ${x.type}, birth said ${def.type}`);
              values[def.name] = x.value;
            }
            historical ||= x.historical;
            timestamp = x.timestamp;
          }
          const key = m.device ?? '(node)';
          const list = r.data.get(key) ?? [];
          list.push({ values, historical, timestamp });
          r.data.set(key, list);
          break;
        }
      }
    }
    return r;
  }

  close(): Promise<void> {
    return this.client.endAsync(true);
  }
}
