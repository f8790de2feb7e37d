import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { Component } from '../core/component.js';
import { errorCode, errorMessage } from '../core/errors.js';
import type { ParticleCounterDriver, ParticleReading } from '../../drivers/particle-counter.js';
import { DeviceErrorCode } from '../../drivers/errors.js';
import type { DeviceFault } from '../core/device-fault.js';

/** The per-device side of a shared bus (drivers/modbus-bus.ts ModbusDevice), when there is one. */
export interface BusSlot {
  cycle<T>(fn: () => Promise<T>, nextDueAt: number): Promise<T>;
  readonly breaker: { readonly state: string };
}

export interface CounterPollerOptions {
  counterId: string;
  driver: ParticleCounterDriver;
  pollIntervalMs: number;
  clock: Clock;
  log: Logger;
  onReading(reading: ParticleReading): void;
  onFault(fault: DeviceFault | null): void;
  /** Tells the bus when this counter's next poll is due (per-bus scheduling). */
  slot?: BusSlot;
  /** No new sample for this long while the counter answers = COUNTER_STALE fault (0 = off). */
  staleAfterMs?: number;
}

/**
 * Polls one particle counter: starts it, reads each completed sample once, reports faults with
 * stable codes (communication failures, status bits such as laser/flow/overflow/service, a counter
 * that stops producing samples) and keeps retrying, so a dead counter never stops the rest.
 */
export class CounterPoller implements Component {
  readonly name: string;
  private timer?: TimerHandle;
  private running = false;
  private started = false;
  private busy = false;
  private commFault: DeviceFault | null = null;
  private statusFault: DeviceFault | null = null;
  private lastReadingMono = 0;
  private reported: DeviceFault | null = null;
  readonly stats = { polls: 0, readings: 0, failures: 0 };

  constructor(private readonly o: CounterPollerOptions) {
    this.name = `counter:${o.counterId}`;
  }

  /** The fault shown in /health and alerts: a communication fault first, else a status fault. */
  get currentFault(): DeviceFault | null {
    return this.commFault ?? this.statusFault;
  }

  get breakerState(): string | undefined {
    return this.o.slot?.breaker.state;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.lastReadingMono = this.o.clock.monotonic();
    this.timer = this.o.clock.setInterval(() => void this.tick(), this.o.pollIntervalMs);
    await this.tick();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.timer?.cancel();
    if (this.started) await this.o.driver.stop().catch(() => undefined);
    this.started = false;
  }

  private publish(): void {
    const f = this.currentFault;
    const prev = this.reported;
    if (f === prev || (f && prev && f.code === prev.code)) return;
    this.reported = f;
    if (f) this.o.log.warn({ counter: this.o.counterId, code: f.code }, f.message);
    else this.o.log.info({ counter: this.o.counterId }, 'particle counter recovered');
    this.o.onFault(f);
  }

  private fault(code: string, message: string, prev: DeviceFault | null): DeviceFault {
    if (prev && prev.code === code) return { ...prev, message };
    return { device: this.o.counterId, code, message, since: this.o.clock.now() };
  }

  private async tick(): Promise<void> {
    if (this.busy || !this.running) return;
    this.busy = true;
    this.stats.polls++;
    const nextDue = this.o.clock.monotonic() + this.o.pollIntervalMs;
    const work = async () => {
      if (!this.started) {
        await this.o.driver.start();
        this.started = true;
        this.lastReadingMono = this.o.clock.monotonic();
      }
      return this.o.driver.poll();
    };
    try {
      const reading = await (this.o.slot ? this.o.slot.cycle(work, nextDue) : work());
      this.commFault = null;
      const mono = this.o.clock.monotonic();
      if (reading) {
        this.stats.readings++;
        this.lastReadingMono = mono;
        this.statusFault = reading.faults.length ? this.fault(DeviceErrorCode.COUNTER_STATUS, `particle counter ${this.o.counterId} reports ${reading.faults.join(', ')}`, this.statusFault) : null;
        this.o.onReading(reading);
      } else if (this.o.staleAfterMs && mono - this.lastReadingMono > this.o.staleAfterMs) {
        this.statusFault = this.fault(DeviceErrorCode.COUNTER_STALE, `particle counter ${this.o.counterId} answers but has produced no new sample for ${Math.round((mono - this.lastReadingMono) / 1000)} s`, this.statusFault);
      }
    } catch (err) {
      this.stats.failures++;
      const code = errorCode(err);
      // An open breaker is the consequence, not the cause: keep showing the cause.
      if (code !== DeviceErrorCode.DEVICE_CIRCUIT_OPEN || !this.commFault) {
        this.started = code === DeviceErrorCode.DEVICE_CIRCUIT_OPEN ? this.started : false;
        const cause = code === DeviceErrorCode.DEVICE_CIRCUIT_OPEN ? ((err as { details?: { lastCode?: string } }).details?.lastCode ?? code) : code;
        this.commFault = this.fault(cause, errorMessage(err), this.commFault);
      }
    } finally {
      this.busy = false;
      this.publish();
    }
  }
}
