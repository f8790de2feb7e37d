import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { Component } from '../core/component.js';
import { errorCode, errorMessage } from '../core/errors.js';
import type { Accelerometer } from '../../drivers/accelerometer.js';
import type { Tmp102 } from '../../drivers/tmp102.js';
import type { GpioLine } from '../../drivers/transports.js';
import { DeviceError, DeviceErrorCode } from '../../drivers/errors.js';
import { WindowAssembler, type VibrationWindow } from './vibration-window.js';

export type { DeviceFault } from '../core/device-fault.js';
import type { DeviceFault } from '../core/device-fault.js';

export interface RobotSensorStats {
  samplesAcquired: number;
  samplesLost: number;
  windows: number;
  /** Sample rate actually sustained, from sample counts and the clock (Hz). */
  measuredRateHz: number;
  lastSampleAt: number | null;
  /** 'interrupt' when drains follow the data-ready/watermark line, 'polling' otherwise. */
  mode: 'interrupt' | 'polling';
  interrupts: number;
}

/** One robot's acquisition as the rest of the gateway sees it: in-process (RobotSensors) or in the acquisition worker (RemoteRobotSensors). */
export interface RobotAcquisition extends Component {
  readonly stats: RobotSensorStats;
  readonly faults: DeviceFault[];
}

export interface RobotSensorsEvents {
  onWindow(w: VibrationWindow): void;
  onTemperature(robotId: string, celsius: number, ts: number): void;
  onFault(robotId: string, fault: DeviceFault | null, device: string): void;
}

export interface RobotSensorsOptions {
  robotId: string;
  accel: Accelerometer;
  /** Data-ready / watermark line (INT1): drain as soon as it rises; the poll timer stays as the fallback. */
  interrupt?: GpioLine;
  /** Identical consecutive samples on all axes that mean the sensor is stuck (0 = off). Default 2 s of samples, at least 256. */
  stuckSamples?: number;
  accelName: string;
  odrHz: number;
  pollIntervalMs: number;
  windowSize: number;
  temperature?: Tmp102;
  temperatureName?: string;
  temperatureIntervalMs?: number;
  clock: Clock;
  log: Logger;
  events: RobotSensorsEvents;
  /** Window buffers to fill in turn (the acquisition worker's shared ring); default one set, reused. */
  windowSlots?: ReadonlyArray<{ x: Float32Array; y: Float32Array; z: Float32Array }>;
  /** Backoff for re-initialising a faulted device, ms. */
  retryMinMs?: number;
  retryMaxMs?: number;
}

/**
 * Acquisition for one robot: polls the accelerometer FIFO, assembles analysis windows, reads the
 * temperature. A device error marks the device faulted (stable code, event) and it is
 * re-initialised with exponential backoff; other robots are unaffected.
 */
export class RobotSensors implements RobotAcquisition {
  readonly name: string;
  readonly stats: RobotSensorStats = { samplesAcquired: 0, samplesLost: 0, windows: 0, measuredRateHz: 0, lastSampleAt: null, mode: 'polling', interrupts: 0 };
  private unwatch?: () => void;
  private stuckRun = 0;
  private stuck = false;
  private readonly stuckLimit: number;
  private readonly last = new Float32Array(3);
  private readonly assembler: WindowAssembler;
  private pollTimer?: TimerHandle;
  private tempTimer?: TimerHandle;
  private retryTimer?: TimerHandle;
  private running = false;
  private polling = false;
  /** A poll or an interrupt edge came while a drain was running: drain again when it ends. */
  private pollAgain = false;
  private accelReady = false;
  private retryMs: number;
  private lastDrainMono = 0;
  private rateWindowStart = 0;
  private rateWindowSamples = 0;
  private fault: DeviceFault | null = null;
  private tempFault: DeviceFault | null = null;
  private readonly window: VibrationWindow;

  constructor(private readonly o: RobotSensorsOptions) {
    this.name = `sensors:${o.robotId}`;
    this.assembler = new WindowAssembler(o.windowSize, o.windowSlots);
    this.retryMs = o.retryMinMs ?? 500;
    this.stuckLimit = o.stuckSamples ?? Math.max(256, Math.round(2 * o.odrHz));
    this.window = { robotId: o.robotId, t0: 0, t1: 0, rateHz: o.odrHz, x: this.assembler.x, y: this.assembler.y, z: this.assembler.z, lostBefore: 0 };
  }

  get faults(): DeviceFault[] {
    return [this.fault, this.tempFault].filter((f): f is DeviceFault => f !== null);
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.initAccel();
    this.pollTimer = this.o.clock.setInterval(() => void this.poll(), this.o.pollIntervalMs);
    if (this.o.interrupt) await this.watchInterrupt(this.o.interrupt);
    if (this.o.temperature) {
      void this.readTemperature();
      this.tempTimer = this.o.clock.setInterval(() => void this.readTemperature(), this.o.temperatureIntervalMs ?? 5000);
    }
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.pollTimer?.cancel();
    this.tempTimer?.cancel();
    this.retryTimer?.cancel();
    this.unwatch?.();
    this.unwatch = undefined;
    this.stats.mode = 'polling';
    if (this.accelReady) await this.o.accel.standby().catch(() => undefined);
    this.accelReady = false;
  }

  private setFault(device: string, err: unknown): void {
    const fault: DeviceFault = { device, code: errorCode(err), message: errorMessage(err), since: this.o.clock.now() };
    const isAccel = device === this.o.accelName;
    const prev = isAccel ? this.fault : this.tempFault;
    if (!prev || prev.code !== fault.code) {
      this.o.log.warn({ robot: this.o.robotId, device, code: fault.code }, fault.message);
      this.o.events.onFault(this.o.robotId, fault, device);
    } else {
      fault.since = prev.since;
    }
    if (isAccel) this.fault = fault;
    else this.tempFault = fault;
  }

  private clearFault(device: string): void {
    const isAccel = device === this.o.accelName;
    if ((isAccel ? this.fault : this.tempFault) === null) return;
    if (isAccel) this.fault = null;
    else this.tempFault = null;
    this.o.log.info({ robot: this.o.robotId, device }, 'device recovered');
    this.o.events.onFault(this.o.robotId, null, device);
  }

  private async initAccel(): Promise<void> {
    try {
      await this.o.accel.init();
      this.accelReady = true;
      this.retryMs = this.o.retryMinMs ?? 500;
      this.lastDrainMono = this.o.clock.monotonic();
      this.rateWindowStart = this.lastDrainMono;
      this.rateWindowSamples = 0;
      this.assembler.gap(0);
      this.stuck = false;
      this.stuckRun = 0;
      this.clearFault(this.o.accelName);
    } catch (err) {
      this.accelReady = false;
      this.setFault(this.o.accelName, err);
      this.scheduleRetry();
    }
  }

  /** Follow the interrupt line; if it cannot be opened, stay on polling (logged, not a fault). */
  private async watchInterrupt(line: GpioLine): Promise<void> {
    try {
      await line.read(); // opens a lazily opened line now, so a failure shows at start
      this.unwatch = line.watch('rising', () => {
        this.stats.interrupts++;
        void this.poll();
      });
      this.stats.mode = 'interrupt';
    } catch (err) {
      this.o.log.warn({ robot: this.o.robotId, code: (err as { code?: string }).code }, `data-ready interrupt unavailable, polling every ${this.o.pollIntervalMs} ms: ${(err as Error).message}`);
    }
  }

  /**
   * Stuck-output check: a real accelerometer always shows noise, so many identical consecutive
   * samples on all three axes mean a latched-up sensor or a frozen bus bridge. Returns how many of
   * the block's samples are usable (0 while stuck).
   */
  private checkStuck(x: Float32Array, y: Float32Array, z: Float32Array, n: number): boolean {
    if (this.stuckLimit <= 0) return false;
    for (let i = 0; i < n; i++) {
      if (x[i] === this.last[0] && y[i] === this.last[1] && z[i] === this.last[2]) this.stuckRun++;
      else this.stuckRun = 0;
      this.last[0] = x[i];
      this.last[1] = y[i];
      this.last[2] = z[i];
    }
    const nowStuck = this.stuckRun >= this.stuckLimit;
    if (nowStuck && !this.stuck) {
      this.stuck = true;
      this.assembler.gap(0);
      this.setFault(this.o.accelName, new DeviceError(DeviceErrorCode.SENSOR_STUCK, `${this.o.accel.part} output frozen: ${this.stuckRun} identical samples on all axes (sensor latched up, or a stuck bus bridge)`, { robot: this.o.robotId, samples: this.stuckRun }));
    } else if (!nowStuck && this.stuck) {
      this.stuck = false;
      this.clearFault(this.o.accelName);
    }
    return this.stuck;
  }

  private scheduleRetry(): void {
    if (!this.running || this.retryTimer) return;
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, this.o.retryMaxMs ?? 30_000);
    this.retryTimer = this.o.clock.setTimeout(() => {
      this.retryTimer = undefined;
      if (this.running) void this.initAccel();
    }, delay);
  }

  private async poll(): Promise<void> {
    if (!this.accelReady || !this.running) return;
    if (this.polling) {
      // An edge (or the timer) during a drain: the FIFO may have reached the watermark again while it
      // was read, and an edge-triggered line gives no second edge while it stays high.
      this.pollAgain = true;
      return;
    }
    this.polling = true;
    this.pollAgain = false;
    try {
      const block = await this.o.accel.drain();
      // Stopped while the drain's transfers were on the bus: acquisition has ended, nothing to deliver.
      if (!this.running) return;
      const mono = this.o.clock.monotonic();
      const now = this.o.clock.now();
      if (block.overrun) {
        // The FIFO overflowed (or the driver dropped a partial X/Y/Z set): what arrived since the
        // last drain beyond what we got was lost.
        const expected = Math.round(((mono - this.lastDrainMono) / 1000) * this.o.odrHz);
        const lost = Math.max(1, block.discarded, expected - block.count);
        this.stats.samplesLost += lost;
        this.assembler.gap(lost);
        this.o.log.debug({ robot: this.o.robotId, lost }, 'accelerometer FIFO overrun: partial window discarded');
      }
      this.lastDrainMono = mono;
      if (block.count > 0 && this.checkStuck(block.x, block.y, block.z, block.count)) {
        this.stats.samplesAcquired += block.count;
      } else if (block.count > 0) {
        this.stats.samplesAcquired += block.count;
        this.stats.lastSampleAt = now;
        this.rateWindowSamples += block.count;
        const span = mono - this.rateWindowStart;
        if (span >= 2000) {
          this.stats.measuredRateHz = (this.rateWindowSamples * 1000) / span;
          this.rateWindowStart = mono;
          this.rateWindowSamples = 0;
        }
        const lostBefore = this.assembler.lostSinceEmit;
        this.assembler.push(block.x, block.y, block.z, block.count, now, this.o.odrHz, (t0, t1) => {
          this.stats.windows++;
          this.window.x = this.assembler.x;
          this.window.y = this.assembler.y;
          this.window.z = this.assembler.z;
          this.window.t0 = t0;
          this.window.t1 = t1;
          this.window.lostBefore = lostBefore;
          this.o.events.onWindow(this.window);
        });
      }
    } catch (err) {
      this.accelReady = false;
      this.assembler.gap(0);
      this.setFault(this.o.accelName, err);
      this.scheduleRetry();
    } finally {
      this.polling = false;
    }
    if (this.pollAgain) void this.poll();
  }

  private async readTemperature(): Promise<void> {
    const sensor = this.o.temperature;
    const name = this.o.temperatureName ?? 'temperature';
    if (!sensor || !this.running) return;
    try {
      const c = await sensor.read();
      this.clearFault(name);
      this.o.events.onTemperature(this.o.robotId, c, this.o.clock.now());
    } catch (err) {
      this.setFault(name, err);
    }
  }
}
