import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { RobotConfig } from '../config/types.js';
import type { Component } from '../core/component.js';
import type { DeviceFault } from '../core/device-fault.js';
import { FabwatchError } from '../core/errors.js';
import type { RobotAcquisition, RobotSensorStats, RobotSensorsEvents } from './robot-sensors.js';
import type { VibrationWindow } from './vibration-window.js';
import { AcquisitionRing, RING_SLOTS, readLoopDelay, readStats, type LoopDelaySnapshot, type RobotRing } from './shared-ring.js';
import type { FromWorker, ToWorker, WorkerInit } from './worker-protocol.js';

export const AcquisitionErrorCode = {
  /** The acquisition worker thread ended without being asked to (an uncaught error, out of memory, terminated). */
  WORKER_EXITED: 'ACQUISITION_WORKER_EXITED',
  /** The acquisition worker did not report ready in time at start. */
  WORKER_START_FAILED: 'ACQUISITION_WORKER_START_FAILED',
} as const;

export interface AcquisitionWorkerOptions {
  /** The worker's entry module (the wiring knows it: source .ts or bundled .mjs). */
  entry: URL;
  robots: RobotConfig[];
  simulation: boolean;
  simulationSpeed: number;
  logLevel: string;
  /** acquisition.workerNice. */
  nice: number;
  /** I2C bus number -> speedHz. */
  i2cSpeeds: Record<number, number>;
  /** The main clock's now(), so a paced worker clock starts where the main one is. */
  now: () => number;
  log: Logger;
  /** Per robot (same order as `robots`): where its windows, temperatures and faults go. */
  events: RobotSensorsEvents[];
  /** How often the main thread looks for completed windows in the ring, ms. */
  pumpMs?: number;
  /** Restart backoff after a crash, ms. */
  restartMinMs?: number;
  restartMaxMs?: number;
  readyTimeoutMs?: number;
}

export interface AcquisitionWorkerStatus {
  alive: boolean;
  restarts: number;
  /** ms since the worker's heartbeat last moved (null before the first). */
  heartbeat_age_ms: number | null;
  /** Windows the main thread did not analyse because the ring had moved past them (main stalled > RING_SLOTS windows). */
  windows_skipped: number;
}

/**
 * The main thread's side of the acquisition worker: starts it (and restarts it after a crash, with
 * backoff: the crash is logged with ACQUISITION_WORKER_EXITED, shown as a fault on every robot
 * while it lasts, and the samples nobody read meanwhile are counted as lost), relays start/stop,
 * reads completed windows from the shared ring every few ms and hands them, in place, to the
 * robots' consumers. One RemoteRobotSensors per robot stands in for the RobotSensors that runs
 * in the worker.
 */
export class AcquisitionWorkerHost implements Component {
  readonly name = 'acquisition-worker';
  readonly ring: AcquisitionRing;
  readonly sensors: RemoteRobotSensors[];
  private worker?: Worker;
  private ready = false;
  private stopping = false;
  private started = false;
  private restarts = 0;
  private restartMs: number;
  private restartTimer?: ReturnType<typeof setTimeout>;
  private pump?: ReturnType<typeof setInterval>;
  private crashedAt: number | null = null;
  private lastBeat = -1;
  private lastBeatAt: number | null = null;
  private skipped = 0;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(): void; reject(err: Error): void }>();
  private readonly lastRead: number[];
  /** The worker's latest report of each I2C bus's bus time (ms); kept across a restart, which starts its counts again. */
  private readonly busBusy = new Map<number, { base: number; last: number }>();
  private readonly windows: VibrationWindow[][];

  constructor(private readonly o: AcquisitionWorkerOptions) {
    this.ring = AcquisitionRing.create(o.robots.map((r) => r.analysis.windowSize));
    this.restartMs = o.restartMinMs ?? 1000;
    this.sensors = o.robots.map((r, i) => new RemoteRobotSensors(r.id, this.ring.robots[i], this, i));
    this.lastRead = o.robots.map(() => 0);
    // One window object per slot, over the shared memory: the consumers read it in place.
    this.windows = o.robots.map((r, i) => this.ring.robots[i].slots.map((s) => ({ robotId: r.id, t0: 0, t1: 0, rateHz: r.accelerometer.odrHz, x: s.x, y: s.y, z: s.z, lostBefore: 0 })));
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.stopping = false;
    this.pump = setInterval(() => this.drain(), this.o.pumpMs ?? 20);
    await this.spawn();
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.stopping = true;
    clearTimeout(this.restartTimer);
    clearInterval(this.pump);
    const w = this.worker;
    if (w) {
      const closed = new Promise<void>((resolve) => {
        const done = () => resolve();
        w.once('exit', done);
        w.on('message', (m: FromWorker) => m.t === 'closed' && done());
      });
      w.postMessage({ t: 'close' } satisfies ToWorker);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([closed, new Promise((r) => (timer = setTimeout(r, 3000)))]);
      clearTimeout(timer);
      // On hardware the worker may have loaded native addons that are not context-aware: onoff's
      // `epoll` crashes the whole process (SIGSEGV) when the thread that loaded it is torn down
      // (reproduced with epoll 4.x on Node 20). There the closed worker is parked, unreferenced,
      // and ends with the process; in simulation it is terminated.
      if (this.o.simulation) await w.terminate();
      else w.unref();
    }
    this.drain();
    this.worker = undefined;
    this.ready = false;
  }

  status(): AcquisitionWorkerStatus {
    return { alive: this.ready, restarts: this.restarts, heartbeat_age_ms: this.lastBeatAt === null ? null : Math.round(performance.now() - this.lastBeatAt), windows_skipped: this.skipped };
  }

  /** Bus time the worker's transfers have taken on I2C bus `bus` so far, ms (reported every second). */
  busBusyMs(bus: number): number {
    const b = this.busBusy.get(bus);
    return b ? b.base + b.last : 0;
  }

  /** The worker's heartbeat counter (moves every ~10 ms while its event loop turns). */
  heartbeat(): number {
    return Atomics.load(this.ring.heartbeat, 0);
  }

  loopDelay(): LoopDelaySnapshot {
    return readLoopDelay(this.ring.loopDelay);
  }

  /** The worker itself, for tests that end it the hard way to check crash handling. */
  get thread(): Worker | undefined {
    return this.worker;
  }

  /** start/stop one robot's sampling in the worker; while no worker runs, what a restart resumes. */
  async command(t: 'start' | 'stop', robot: number): Promise<void> {
    await this.request((id) => ({ t, robot, id }));
  }

  /** Simulation: fault (or, with null, heal) a simulated I2C device inside the worker. */
  async simulateI2cFault(bus: number, address: number, fault: 'nack' | 'eio' | 'timeout' | null): Promise<void> {
    if (!this.o.simulation) throw new FabwatchError('NOT_SIMULATED', 'simulated faults exist only in simulation mode');
    await this.request((id) => ({ t: 'i2c-fault', bus, address, fault, id }));
  }

  private async request(message: (id: number) => ToWorker): Promise<void> {
    const w = this.worker;
    if (!w || !this.ready) return;
    const id = this.nextId++;
    await new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.postMessage(message(id));
    });
  }

  private spawn(): Promise<void> {
    const lostOnStart = this.o.robots.map((r, i) => (this.crashedAt === null || !this.sensors[i].wanted ? 0 : Math.round(((performance.now() - this.crashedAt) / 1000) * r.accelerometer.odrHz)));
    const init: WorkerInit = {
      robots: this.o.robots,
      simulation: this.o.simulation,
      simulationSpeed: this.o.simulationSpeed,
      startMs: this.o.now(),
      logLevel: this.o.logLevel,
      nice: this.o.nice,
      buffer: this.ring.buffer,
      running: this.sensors.map((s) => s.wanted),
      lostOnStart,
      i2cSpeeds: this.o.i2cSpeeds,
    };
    const w = startWorker(this.o.entry, init);
    this.worker = w;
    this.ready = false;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new FabwatchError(AcquisitionErrorCode.WORKER_START_FAILED, `acquisition worker not ready after ${this.o.readyTimeoutMs ?? 15000} ms`)), this.o.readyTimeoutMs ?? 15000);
      w.on('message', (m: FromWorker) => {
        if (m.t === 'ready') {
          clearTimeout(timer);
          this.ready = true;
          if (this.crashedAt !== null) this.setWorkerFault(null);
          this.crashedAt = null;
          resolve();
        } else this.onMessage(m);
      });
      w.on('error', (err) => this.o.log.error({ err, code: AcquisitionErrorCode.WORKER_EXITED }, `acquisition worker failed: ${err.message}`));
      w.on('exit', (exitCode) => {
        clearTimeout(timer);
        if (this.worker === w) this.onExit(exitCode);
        reject(new FabwatchError(AcquisitionErrorCode.WORKER_EXITED, `acquisition worker exited (code ${exitCode}) before it was ready`));
      });
    });
  }

  private onMessage(m: FromWorker): void {
    if (m.t === 'done') {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.error) p?.reject(new FabwatchError(m.error.code, m.error.message));
      else p?.resolve();
    } else if (m.t === 'fault') {
      this.sensors[m.robot].deviceFaults(m.faults);
      this.o.events[m.robot].onFault(this.o.robots[m.robot].id, m.fault, m.device);
    } else if (m.t === 'temperature') {
      this.o.events[m.robot].onTemperature(this.o.robots[m.robot].id, m.celsius, m.ts);
    } else if (m.t === 'buses') {
      for (const [bus, ms] of m.busy) {
        const b = this.busBusy.get(bus) ?? { base: 0, last: 0 };
        if (ms < b.last) b.base += b.last; // a restarted worker counts from 0 again
        b.last = ms;
        this.busBusy.set(bus, b);
      }
    }
  }

  private onExit(exitCode: number): void {
    this.worker = undefined;
    this.ready = false;
    for (const p of this.pending.values()) p.resolve();
    this.pending.clear();
    if (this.stopping) return;
    this.crashedAt ??= performance.now();
    this.restarts++;
    const delay = this.restartMs;
    this.restartMs = Math.min(this.restartMs * 2, this.o.restartMaxMs ?? 30_000);
    const message = `acquisition worker exited unexpectedly (code ${exitCode}); restart ${this.restarts} in ${delay} ms`;
    this.o.log.error({ code: AcquisitionErrorCode.WORKER_EXITED, exitCode, restarts: this.restarts }, message);
    this.setWorkerFault({ device: 'acquisition-worker', code: AcquisitionErrorCode.WORKER_EXITED, message, since: this.o.now() });
    this.restartTimer = setTimeout(() => {
      this.spawn().then(
        () => this.o.log.info({ restarts: this.restarts }, 'acquisition worker restarted'),
        (err) => this.o.log.error({ err, code: (err as FabwatchError).code }, 'acquisition worker restart failed'),
      );
    }, delay);
  }

  /** A worker crash is a fault of every robot's acquisition until the restarted worker is ready. */
  private setWorkerFault(fault: DeviceFault | null): void {
    this.sensors.forEach((s, i) => {
      if (fault !== null && s.faults.some((f) => f.code === fault.code)) return;
      s.workerFault(fault);
      this.o.events[i].onFault(this.o.robots[i].id, fault, 'acquisition-worker');
    });
  }

  /** Hand every completed, not yet read window to its consumer, oldest first, in place (the pump timer calls it every pumpMs). */
  drain(): void {
    const beat = Atomics.load(this.ring.heartbeat, 0);
    if (beat !== this.lastBeat) {
      this.lastBeat = beat;
      this.lastBeatAt = performance.now();
    }
    for (let r = 0; r < this.sensors.length; r++) {
      const shared = this.ring.robots[r];
      for (;;) {
        let slot = -1;
        let seq = 0;
        for (let i = 0; i < RING_SLOTS; i++) {
          const s = Atomics.load(shared.seq, i);
          if (s > this.lastRead[r] && (slot < 0 || s < seq)) {
            slot = i;
            seq = s;
          }
        }
        if (slot < 0) break;
        if (seq > this.lastRead[r] + 1 && this.lastRead[r] > 0) this.skipped += seq - this.lastRead[r] - 1;
        this.lastRead[r] = seq;
        const w = this.windows[r][slot];
        w.t0 = shared.header[3 * slot];
        w.t1 = shared.header[3 * slot + 1];
        w.lostBefore = shared.header[3 * slot + 2];
        this.o.events[r].onWindow(w);
        // Overwritten while it was analysed (the worker went RING_SLOTS windows ahead): counted.
        if (Atomics.load(shared.seq, slot) !== seq) this.skipped++;
      }
    }
  }
}

/**
 * The bundle's worker is plain JavaScript. From source (a .ts entry, tests and `npm start`), the
 * TypeScript loader that `node --import tsx` installed on the main thread does not reach a worker,
 * so the worker registers tsx itself before importing the entry.
 */
function startWorker(entry: URL, init: WorkerInit): Worker {
  const options = { workerData: init, name: 'fabwatch-acquisition' };
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, options);
  const tsx = import.meta.resolve('tsx/esm/api');
  return new Worker(`import(${JSON.stringify(tsx)}).then((m) => m.register()).then(() => import(${JSON.stringify(entry.href)}))`, { ...options, eval: true });
}

/** One robot's acquisition as seen from the main thread; the RobotSensors itself runs in the worker. */
export class RemoteRobotSensors implements RobotAcquisition {
  readonly name: string;
  /** Whether sampling should run (start/stop commands; a restarted worker resumes it). */
  wanted = false;
  private readonly view: RobotSensorStats = { samplesAcquired: 0, samplesLost: 0, windows: 0, measuredRateHz: 0, lastSampleAt: null, mode: 'polling', interrupts: 0 };
  private devices: DeviceFault[] = [];
  private worker: DeviceFault | null = null;

  constructor(
    robotId: string,
    private readonly shared: RobotRing,
    private readonly host: AcquisitionWorkerHost,
    private readonly index: number,
  ) {
    this.name = `sensors:${robotId}`;
  }

  get stats(): RobotSensorStats {
    return readStats(this.shared.stats, this.view);
  }

  get faults(): DeviceFault[] {
    return this.worker ? [...this.devices, this.worker] : this.devices;
  }

  async start(): Promise<void> {
    if (this.wanted) return;
    this.wanted = true;
    await this.host.command('start', this.index);
  }

  async stop(): Promise<void> {
    if (!this.wanted) return;
    this.wanted = false;
    await this.host.command('stop', this.index);
  }

  /** The device faults the worker reported (its RobotSensors' current list). */
  deviceFaults(faults: DeviceFault[]): void {
    this.devices = faults;
  }

  /** The worker is down (a fault on every robot while it lasts) or back (null). */
  workerFault(fault: DeviceFault | null): void {
    this.worker = fault;
  }
}
