import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { Component } from '../core/component.js';
import { errorCode, errorMessage } from '../core/errors.js';
import type { Adxl345 } from '../../drivers/adxl345.js';
import type { Tmp102 } from '../../drivers/tmp102.js';
import { WindowAssembler, type VibrationWindow } from './vibration-window.js';

export interface DeviceFault {
  device: string;
  code: string;
  message: string;
  since: number;
}

export interface RobotSensorStats {
  samplesAcquired: number;
  samplesLost: number;
  windows: number;
  /** Sample rate actually sustained, from sample counts and the clock (Hz). */
  measuredRateHz: number;
  lastSampleAt: number | null;
}

export interface RobotSensorsEvents {
  onWindow(w: VibrationWindow): void;
  onTemperature(robotId: string, celsius: number, ts: number): void;
  onFault(robotId: string, fault: DeviceFault | null, device: string): void;
}

export interface RobotSensorsOptions {
  robotId: string;
  accel: Adxl345;
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
  /** Backoff for re-initialising a faulted device, ms. */
  retryMinMs?: number;
  retryMaxMs?: number;
}

/**
 * Acquisition for one robot: polls the accelerometer FIFO, assembles analysis windows, reads the
 * temperature. A device error marks the device faulted (stable code, event) and it is
 * re-initialised with exponential backoff; other robots are unaffected.
 */
export class RobotSensors implements Component {
  readonly name: string;
  readonly stats: RobotSensorStats = { samplesAcquired: 0, samplesLost: 0, windows: 0, measuredRateHz: 0, lastSampleAt: null };
  private readonly assembler: WindowAssembler;
  private pollTimer?: TimerHandle;
  private tempTimer?: TimerHandle;
  private retryTimer?: TimerHandle;
  private running = false;
  private polling = false;
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
    this.assembler = new WindowAssembler(o.windowSize);
    this.retryMs = o.retryMinMs ?? 500;
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
      this.clearFault(this.o.accelName);
    } catch (err) {
      this.accelReady = false;
      this.setFault(this.o.accelName, err);
      this.scheduleRetry();
    }
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
    if (!this.accelReady || this.polling || !this.running) return;
    this.polling = true;
    try {
      const block = await this.o.accel.drain();
      const mono = this.o.clock.monotonic();
      const now = this.o.clock.now();
      if (block.overrun) {
        // The FIFO overflowed: what arrived since the last drain beyond what we got was lost.
        const expected = Math.round(((mono - this.lastDrainMono) / 1000) * this.o.odrHz);
        const lost = Math.max(1, expected - block.count);
        this.stats.samplesLost += lost;
        this.assembler.gap(lost);
        this.o.log.debug({ robot: this.o.robotId, lost }, 'accelerometer FIFO overrun: partial window discarded');
      }
      this.lastDrainMono = mono;
      if (block.count > 0) {
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
