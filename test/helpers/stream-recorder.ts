import mqtt, { type MqttClient, type IClientOptions } from 'mqtt';

export interface Received {
  topic: string;
  body: { seq: number; gateway_id?: string; ts?: string; replayed?: boolean; [k: string]: unknown };
  at: number;
}

/** What a subscriber saw of one stream (gateway_id + topic), deduplicated by seq (QoS 1 is at-least-once). */
export interface StreamReport {
  seqs: number[];
  duplicates: number;
  /** First occurrences strictly increasing. */
  inOrder: boolean;
  /** Seqs between the first and the last that never arrived. */
  missing: number[];
  replayed: number;
  /** Same seq, different content: a reused seq (would be hidden by dedupe). Must be 0. */
  conflicts: number;
}

export function streamReport(msgs: Received[]): StreamReport {
  const seen = new Map<number, string>();
  const seqs: number[] = [];
  let duplicates = 0;
  let replayed = 0;
  let conflicts = 0;
  for (const m of msgs) {
    const content = JSON.stringify({ ...m.body, replayed: undefined });
    const prev = seen.get(m.body.seq);
    if (prev !== undefined) {
      duplicates++;
      if (prev !== content) conflicts++;
      continue;
    }
    seen.set(m.body.seq, content);
    seqs.push(m.body.seq);
    if (m.body.replayed === true) replayed++;
  }
  const inOrder = seqs.every((s, i) => i === 0 || s > seqs[i - 1]);
  const missing: number[] = [];
  if (seqs.length) for (let s = Math.min(...seqs); s <= Math.max(...seqs); s++) if (!seen.has(s)) missing.push(s);
  return { seqs, duplicates, inOrder, missing, replayed, conflicts };
}

/** A subscriber that records every message by stream (gateway_id + topic). */
export class StreamRecorder {
  readonly streams = new Map<string, Received[]>();
  client!: MqttClient;

  static async connect(url: string, filters: string[], opts: IClientOptions = {}): Promise<StreamRecorder> {
    const r = new StreamRecorder();
    r.client = await mqtt.connectAsync(url, { reconnectPeriod: 300, ...opts });
    r.client.on('message', (topic, payload) => {
      let body: Received['body'];
      try {
        body = JSON.parse(payload.toString());
      } catch {
        return;
      }
      if (typeof body?.seq !== 'number') return;
      const key = `${body.gateway_id ?? '?'} ${topic}`;
      const list = r.streams.get(key) ?? [];
      list.push({ topic, body, at: Date.now() });
      r.streams.set(key, list);
    });
    await r.client.subscribeAsync(filters, { qos: 1 });
    return r;
  }

  matching(re: RegExp): Map<string, Received[]> {
    return new Map([...this.streams].filter(([k]) => re.test(k)));
  }

  close(): Promise<void> {
    return this.client.endAsync(true);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll `fn` until it returns truthy or the time is up; returns its last value. */
export async function waitFor<T>(fn: () => Promise<T> | T, timeoutMs: number, everyMs = 200): Promise<T> {
  const until = Date.now() + timeoutMs;
  let v = await fn();
  while (!v && Date.now() < until) {
    await sleep(everyMs);
    v = await fn();
  }
  return v;
}
