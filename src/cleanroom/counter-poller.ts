import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { Component } from '../core/component.js';
import { errorCode, errorMessage } from '../core/errors.js';
import type { LighthouseCounter, ParticleReading } from '../../drivers/lighthouse.js';
import type { DeviceFault } from '../acquisition/robot-sensors.js';

export interface CounterPollerOptions {
  counterId: string;
  driver: LighthouseCounter;
  pollIntervalMs: number;
  clock: Clock;
  log: Logger;
  onReading(reading: ParticleReading): void;
  onFault(fault: DeviceFault | null): void;
}

/**
 * Polls one particle counter: starts it, reads each completed sample once (NEW DATA bit), reports
 * faults with stable codes and keeps retrying, so a dead counter never stops the rest.
 */
export class CounterPoller implements Component {
  readonly name: string;
  private timer?: TimerHandle;
  private running = false;
  private started = false;
  private busy = false;
  private fault: DeviceFault | null = null;

  constructor(private readonly o: CounterPollerOptions) {
    this.name = `counter:${o.counterId}`;
  }

  get currentFault(): DeviceFault | null {
    return this.fault;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.tick();
    this.timer = this.o.clock.setInterval(() => void this.tick(), this.o.pollIntervalMs);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.timer?.cancel();
    if (this.started) await this.o.driver.stop().catch(() => undefined);
    this.started = false;
  }

  private async tick(): Promise<void> {
    if (this.busy || !this.running) return;
    this.busy = true;
    try {
      if (!this.started) {
        await this.o.driver.start();
        this.started = true;
      }
      const reading = await this.o.driver.poll();
      if (this.fault) {
        this.fault = null;
        this.o.log.info({ counter: this.o.counterId }, 'particle counter recovered');
        this.o.onFault(null);
      }
      if (reading) this.o.onReading(reading);
    } catch (err) {
      this.started = false;
      const code = errorCode(err);
      if (!this.fault || this.fault.code !== code) {
        this.fault = { device: this.o.counterId, code, message: errorMessage(err), since: this.o.clock.now() };
        this.o.log.warn({ counter: this.o.counterId, code }, this.fault.message);
        this.o.onFault(this.fault);
      }
    } finally {
      this.busy = false;
    }
  }
}
