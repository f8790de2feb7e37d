import type { UMetric } from './codec.js';
import { BD_SEQ, COMMAND_RESULT, MAINTENANCE, REBIRTH, STREAM_SEQ, nodeAlerts, nodeInfo, robotTelemetry, locationMetrics, type MetricDef, type MetricValue } from './metrics.js';
import type { CommandMetric } from './dcmd.js';

/** The edge node itself or one of its devices: its metrics with their aliases and the last values (report by exception). */
export interface SpbEntity {
  /** Device id, or null for the edge node. */
  id: string | null;
  kind: 'node' | 'robot' | 'location';
  defs: MetricDef[];
  alias: Map<string, number>;
  byAlias: Map<number, MetricDef>;
  /** Last produced value of each metric (what a birth carries). */
  values: Map<string, MetricValue>;
  /** Produce side: is the device up (a DDEATH row was queued when it faulted)? */
  alive: boolean;
  /** Send side: has the host seen a DBIRTH for it in this session and no DDEATH since? */
  born: boolean;
  commands: CommandMetric[];
}

/** Builds the node and its devices with aliases unique across the whole edge node (1, 2, ...). */
export class EntityCatalogue {
  readonly node: SpbEntity;
  readonly devices = new Map<string, SpbEntity>();
  private nextAlias = 1;

  constructor(o: { robots: string[]; locations: Array<{ id: string; sizesUm: number[] }>; commands: CommandMetric[] }) {
    this.node = this.entity(null, 'node', [BD_SEQ, REBIRTH, ...nodeInfo, ...nodeAlerts.defs], []);
    for (const id of o.robots) this.devices.set(id, this.entity(id, 'robot', [...robotTelemetry.defs, MAINTENANCE, STREAM_SEQ, ...o.commands.map((c) => c.def), COMMAND_RESULT], o.commands));
    for (const l of o.locations) this.devices.set(l.id, this.entity(l.id, 'location', [...locationMetrics(l.sizesUm).defs, STREAM_SEQ], []));
  }

  private entity(id: string | null, kind: SpbEntity['kind'], defs: MetricDef[], commands: CommandMetric[]): SpbEntity {
    const alias = new Map<string, number>();
    const byAlias = new Map<number, MetricDef>();
    for (const d of defs) {
      const a = this.nextAlias++;
      alias.set(d.name, a);
      byAlias.set(a, d);
    }
    const values = new Map<string, MetricValue>();
    for (const c of commands) values.set(c.def.name, c.def.type === 'Boolean' ? false : c.def.type === 'String' ? '' : 0);
    return { id, kind, defs, alias, byAlias, values, alive: true, born: false, commands };
  }

  /** Merge new values; returns only those that changed (report by exception). */
  static changes(e: SpbEntity, next: Record<string, MetricValue>): Record<string, MetricValue> {
    const out: Record<string, MetricValue> = {};
    for (const [k, v] of Object.entries(next)) {
      if (!e.alias.has(k)) continue;
      if (!e.values.has(k) || e.values.get(k) !== v) {
        out[k] = v;
        e.values.set(k, v);
      }
    }
    return out;
  }
}

/** Every metric of an entity with name, alias, datatype, current value and the engineering unit: a birth. */
export function birthMetrics(e: SpbEntity, ts: number, extra: Record<string, MetricValue>): UMetric[] {
  return e.defs.map((d) => {
    const v = d.name in extra ? extra[d.name] : (e.values.get(d.name) ?? null);
    const m: UMetric = { name: d.name, alias: e.alias.get(d.name)!, type: d.type, value: v, timestamp: ts };
    if (d.unit) m.properties = { engUnit: { type: 'String', value: d.unit } };
    return m;
  });
}

/** Changed values by alias only (NDATA/DDATA), with the production time and the historical flag. */
export function dataMetrics(e: SpbEntity, values: Record<string, MetricValue>, ts: number, historical: boolean): UMetric[] {
  const out: UMetric[] = [];
  for (const [name, value] of Object.entries(values)) {
    const alias = e.alias.get(name);
    if (alias === undefined) continue;
    const d = e.byAlias.get(alias)!;
    const m: UMetric = { alias, type: d.type, value, timestamp: ts };
    if (historical) m.isHistorical = true;
    out.push(m);
  }
  return out;
}
