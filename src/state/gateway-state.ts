import { EventEmitter } from 'node:events';
import type { Clock } from '../core/clock.js';
import type { DeviceFault } from '../core/device-fault.js';
import { AlarmBook, type AlertInput } from './alarm-book.js';
import type { Alert, CleanroomLocationStatus, CleanroomStatus, RobotState, StateEvents, TelemetryRecord } from './types.js';

export interface GatewayIdentity {
  gatewayId: string;
  site: string;
}

/**
 * The gateway's current picture: robots, cleanroom, alerts, device faults. Producers (robot
 * monitors, the cleanroom poller) update it; consumers (uplink, API, history) subscribe to its
 * typed events and never talk to each other.
 */
export class GatewayState extends EventEmitter<StateEvents> {
  readonly robots = new Map<string, RobotState>();
  readonly cleanroomLocations = new Map<string, CleanroomLocationStatus>();
  /** The alarms (one per identity) and the history of alert events (src/state/alarm-book.ts). */
  readonly alarms: AlarmBook;
  private readonly telemetryRing: TelemetryRecord[] = [];

  constructor(readonly identity: GatewayIdentity, private readonly clock: Clock, private readonly telemetryCapacity = 500, robots: Array<{ id: string; name?: string }> = []) {
    super();
    this.alarms = new AlarmBook({ gatewayId: identity.gatewayId, site: identity.site, clock, emit: (a) => this.emit('alert', a) });
    for (const r of robots) {
      this.robots.set(r.id, {
        robot_id: r.id,
        name: r.name ?? null,
        status: 'starting',
        health_score: null,
        status_reasons: [],
        sampling: { running: true, since: null },
        baseline_learnt_while_faulty: false,
        temperature: null,
        vibration: null,
        iso20816: null,
        diagnosis: null,
        fault_frequencies: null,
        spectrum: null,
        envelope_spectrum: null,
        sensors: { samples_acquired: 0, samples_lost: 0, measured_rate_hz: 0, last_sample_at: null },
        faults: [],
        rul: null,
        priority: null,
        maintenance: false,
        last_update: null,
      });
    }
  }

  private iso(ms = this.clock.now()): string {
    return new Date(ms).toISOString();
  }

  robot(id: string): RobotState | undefined {
    return this.robots.get(id);
  }

  /** Apply a partial update to a robot and emit robot_update. */
  updateRobot(id: string, patch: Partial<RobotState>): void {
    const robot = this.robots.get(id);
    if (!robot) return;
    Object.assign(robot, patch, { last_update: this.iso() });
    if (robot.faults.length && robot.status !== 'starting') robot.status = 'fault';
    this.emit('robot_update', robot);
  }

  setRobotFaults(id: string, faults: DeviceFault[]): void {
    const robot = this.robots.get(id);
    if (!robot) return;
    robot.faults = faults;
    if (faults.length) robot.status = 'fault';
    else if (robot.status === 'fault') robot.status = robot.health_score === null ? 'starting' : 'ok';
    robot.last_update = this.iso();
    this.emit('robot_update', robot);
  }

  /** Record a telemetry record (bounded ring for GET /api/telemetry/latest) and emit it. */
  addTelemetry(record: TelemetryRecord): void {
    this.telemetryRing.push(record);
    if (this.telemetryRing.length > this.telemetryCapacity) this.telemetryRing.splice(0, this.telemetryRing.length - this.telemetryCapacity);
    this.emit('telemetry', record);
  }

  latestTelemetry(opts: { robot?: string; limit?: number } = {}): TelemetryRecord[] {
    const limit = Math.max(1, Math.min(opts.limit ?? 100, this.telemetryCapacity));
    const rows = opts.robot ? this.telemetryRing.filter((r) => r.robot_id === opts.robot) : this.telemetryRing;
    return rows.slice(-limit).reverse();
  }

  updateCleanroom(loc: CleanroomLocationStatus): void {
    this.cleanroomLocations.set(loc.counter_id, loc);
  }

  cleanroomStatus(): CleanroomStatus {
    return {
      gateway_id: this.identity.gatewayId,
      site: this.identity.site,
      ts: this.iso(),
      locations: [...this.cleanroomLocations.values()],
      units: { concentration_per_m3: 'particles/m3 (cumulative >= size)', sizes_um: 'um', sample_time_s: 's', flow_cfm: 'ft3/min' },
    };
  }

  publishCleanroom(): CleanroomStatus {
    const status = this.cleanroomStatus();
    this.emit('cleanroom', status);
    return status;
  }

  /** A producer's report: a condition raised (active, the default) or cleared (active false), or a one-off event. */
  raiseAlert(a: AlertInput): Alert {
    const severity = a.robotId && this.maintenance.has(a.robotId) ? 'info' : a.severity;
    return this.alarms.report({ ...a, severity });
  }

  /** Every kept alert event, oldest first (robot and other events are kept in separate rings). */
  get alerts(): Alert[] {
    return this.alarms.events();
  }

  /** Sampling started or stopped by a command (stop_acquisition / start_acquisition). */
  setSampling(robotId: string, running: boolean): void {
    if (this.robots.has(robotId)) this.updateRobot(robotId, { sampling: { running, since: this.iso() } });
  }

  /** Maintenance mode per robot (alerts for it are downgraded to info). */
  readonly maintenance = new Set<string>();

  setMaintenance(robotId: string, enabled: boolean): void {
    if (enabled) this.maintenance.add(robotId);
    else this.maintenance.delete(robotId);
    const robot = this.robots.get(robotId);
    if (robot) this.updateRobot(robotId, { maintenance: enabled });
  }

  /** Acknowledge an alarm by its alarm id or the id of one of its events (robotId: it must be this robot's). */
  acknowledgeAlert(alertId: string, robotId?: string, ack: { by?: string; comment?: string | null } = {}): Alert | undefined {
    return this.alarms.acknowledge(alertId, { by: ack.by ?? 'anonymous', comment: ack.comment ?? null }, robotId);
  }

  /** The WebSocket `init` frame: `alarms` are those not normal (never truncated), `alerts` the latest 50 events (newest last). */
  snapshot(): { gateway_id: string; site: string; robots: RobotState[]; cleanroom: CleanroomStatus; alarms: Alert[]; alerts: Alert[] } {
    return { gateway_id: this.identity.gatewayId, site: this.identity.site, robots: [...this.robots.values()], cleanroom: this.cleanroomStatus(), alarms: this.alarms.active(), alerts: this.alarms.history({ limit: 50 }).alerts.reverse() };
  }
}
