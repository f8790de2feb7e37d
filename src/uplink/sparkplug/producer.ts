import type { Clock } from '../../core/clock.js';
import type { GatewayState } from '../../state/gateway-state.js';
import type { Alert, CleanroomStatus, RobotState, TelemetryRecord } from '../../state/types.js';
import type { MessageKind, Outbox } from '../outbox.js';
import { EntityCatalogue, type SpbEntity } from './devices.js';
import { COMMAND_RESULT, MAINTENANCE, locationMetrics, nodeAlerts, robotTelemetry, type MetricGroup, type MetricValue } from './metrics.js';
import type { EntityTopics } from './topics.js';

/** What a stored outbox row holds: data of one entity (changed values, production time), or a device going down / up. */
export type StoredRow = { k: 'data'; t: number; m: Record<string, MetricValue> } | { k: 'death' } | { k: 'birth' };

/** Outbox kinds: robot data may be dropped oldest-first at the cap like JSON telemetry; everything else never (and all stay in one lane, in order). */
const DROPPABLE: MessageKind = 'telemetry';
const KEPT: MessageKind = 'cleanroom';

const ACCEL = '/accelerometer';

type LocationStatus = CleanroomStatus['locations'][number];

export interface ProducerOptions {
  outbox: Outbox;
  entities: EntityCatalogue;
  topics: EntityTopics;
  clock: Clock;
  locations: Array<{ id: string; sizesUm: number[] }>;
  /** Births are out and the connection is up (a row produced now is live, not historical). */
  live(): boolean;
}

/**
 * The produce side of the edge node: gateway state events become outbox rows — the changed values
 * of a device or the node (report by exception), and a device's death (fault) and re-birth (data
 * again), in order with its data.
 */
export class SparkplugProducer {
  private readonly locationGroups = new Map<string, MetricGroup<LocationStatus>>();

  constructor(private readonly o: ProducerOptions) {}

  /** Subscribe to the state's events; returns the function that unsubscribes. */
  attach(s: GatewayState): () => void {
    const onTelemetry = (r: TelemetryRecord) => this.onTelemetry(r);
    const onCleanroom = (c: CleanroomStatus) => this.onCleanroom(c);
    const onRobot = (r: RobotState) => this.onRobot(r);
    const onAlert = (a: Alert) => this.produce(this.o.entities.node, nodeAlerts.read(a), this.o.clock.now(), KEPT);
    s.on('telemetry', onTelemetry);
    s.on('cleanroom', onCleanroom);
    s.on('robot_update', onRobot);
    s.on('alert', onAlert);
    return () => {
      s.off('telemetry', onTelemetry);
      s.off('cleanroom', onCleanroom);
      s.off('robot_update', onRobot);
      s.off('alert', onAlert);
    };
  }

  /** The outcome of a DCMD, as the device's `Commands/Last Result`. */
  commandResult(e: SpbEntity, text: string): void {
    this.produce(e, { [COMMAND_RESULT.name]: text }, this.o.clock.now(), KEPT);
  }

  /** After births (which include every device): a device that is down now is declared so, after whatever of it is still queued. */
  declareDead(): void {
    for (const d of this.o.entities.devices.values()) if (!d.alive) this.store(d, { k: 'death' }, KEPT);
  }

  private store(e: SpbEntity, row: StoredRow, kind: MessageKind): void {
    this.o.outbox.produce(row.k === 'data' ? this.o.topics.data(e) : this.o.topics.lifecycle(e), row, kind, this.o.live());
  }

  /** Queue the changed values of an entity (nothing if none changed and `always` is false). */
  private produce(e: SpbEntity, values: Record<string, MetricValue>, t: number, kind: MessageKind, always = false): void {
    if (e.id !== null && !e.alive) {
      // Data means the device is producing again: it is re-born (in order, through the outbox).
      e.alive = true;
      this.store(e, { k: 'birth' }, KEPT);
    }
    const m = EntityCatalogue.changes(e, values);
    if (!always && Object.keys(m).length === 0) return;
    this.store(e, { k: 'data', t, m }, kind);
  }

  private kill(e: SpbEntity): void {
    if (!e.alive) return;
    e.alive = false;
    this.store(e, { k: 'death' }, KEPT);
  }

  private time(iso: string): number {
    const t = Date.parse(iso);
    return Number.isFinite(t) ? t : this.o.clock.now();
  }

  private onTelemetry(r: TelemetryRecord): void {
    const e = this.o.entities.devices.get(r.robot_id);
    if (!e || e.kind !== 'robot') return;
    // Every record is a row (its Stream Seq moves even when no value changed).
    this.produce(e, robotTelemetry.read(r), this.time(r.ts), DROPPABLE, true);
  }

  private onRobot(r: RobotState): void {
    const e = this.o.entities.devices.get(r.robot_id);
    if (!e || e.kind !== 'robot') return;
    // The robot device is down while its accelerometer is faulted (a temperature fault alone is not).
    if (r.faults.some((f) => f.device.endsWith(ACCEL))) return this.kill(e);
    if (e.values.get(MAINTENANCE.name) !== r.maintenance) this.produce(e, { [MAINTENANCE.name]: r.maintenance }, this.o.clock.now(), KEPT);
  }

  private onCleanroom(c: CleanroomStatus): void {
    for (const l of c.locations) {
      const e = this.o.entities.devices.get(l.counter_id);
      if (!e || e.kind !== 'location') continue;
      if (l.device_fault) {
        this.kill(e);
        continue;
      }
      let g = this.locationGroups.get(l.counter_id);
      if (!g) this.locationGroups.set(l.counter_id, (g = locationMetrics(this.o.locations.find((x) => x.id === l.counter_id)?.sizesUm ?? [])));
      this.produce(e, g.read(l), this.time(l.ts), KEPT);
    }
  }
}
