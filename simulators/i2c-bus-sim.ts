import type { I2cBus } from '../drivers/transports.js';
import type { Clock } from '../src/core/clock.js';
import { NACK_BITS, bitsToMs, readBits, writeBits } from '../drivers/i2c-timing.js';

/** A register-level device model that can sit on the simulated bus. */
export interface SimI2cDevice {
  readRegister(register: number): number;
  writeRegister(register: number, value: number): void;
  /** Burst read; defaults to consecutive single-register reads with auto-increment. */
  readBlock?(register: number, length: number, into: Buffer): void;
}

/** Scriptable bus faults: NACK (EREMOTEIO), EIO, a clock-stretching slave that times out (ETIMEDOUT). */
export type SimI2cFault = 'nack' | 'eio' | 'timeout';

/** An errno-style error like the ones i2c-bus raises (EREMOTEIO for a NACK, EIO, ETIMEDOUT). */
export class SimI2cError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/** Bus time: each transfer takes its time on the wire at `speedHz` (drivers/i2c-timing.ts) on `clock`. */
export interface SimI2cTiming {
  clock: Clock;
  speedHz: number;
}

/**
 * An in-process I2C bus: devices answer register reads/writes as the real parts would, through
 * the same I2cBus interface the drivers use on /dev/i2c-N. An address with no device NACKs.
 * Faults can be scripted per address.
 *
 * With `timing`, the bus is a shared wire: each transfer occupies it for its bit times at the
 * configured speed, transfers are laid end to end on one timeline (two devices' concurrent
 * transfers serialise, as on the real bus), and a transfer completes only when the injected clock
 * has reached its end; the device answers at that moment (its registers as of the transfer's end). Without `timing` every transfer
 * completes at once (unit tests of one driver).
 *
 * A ManualClock moves in steps (5 ms in the simulated gateway), and a driver issues its next
 * transfer only after the previous one completed, in a promise continuation that runs after the
 * step. So that a FIFO drain of many transfers is not stretched to one transfer per step, a
 * transfer requested in the same event-loop turn in which a previous one completed is taken as
 * requested at that previous transfer's end, plus however far the clock has moved since the
 * completion was handed over (nothing on a ManualClock within a turn; the CPU time between the
 * transfers on the system clock, where a timer could not wait less than a millisecond anyway).
 * When its end is then already behind the clock, it completes without waiting. The bus time stays
 * exact; only for such a transfer the device's registers are read at the clock's time, up to one
 * clock step after the transfer's modelled end, so a FIFO much shorter than a few clock steps
 * (an ADXL355 at 4000 Hz holds 8 ms) needs a finer step than the gateway's 5 ms.
 */
export class SimI2cBus implements I2cBus {
  private readonly devices = new Map<number, SimI2cDevice>();
  private readonly faults = new Map<number, SimI2cFault>();
  private closed = false;
  /** Where the bus timeline stands (clock.monotonic() ms): the end of the last transfer laid on it. */
  private busyUntil = Number.NEGATIVE_INFINITY;
  /** A transfer completed in this event-loop turn: the next one continues the timeline. */
  private chained = false;
  /** The end (bus timeline) of the last completed transfer, and the clock when it was handed over. */
  private lastEnd = 0;
  private handedOverAt = 0;
  /** Bus time taken by transfers so far (ms of the injected clock), with `timing` only. */
  busyMs = 0;
  /** Transfers laid on the bus so far. */
  transfers = 0;
  /** Transfers waiting for the clock to reach their end. */
  private readonly waiting = new Set<() => void>();
  private released = false;

  constructor(readonly busNumber: number, readonly timing?: SimI2cTiming) {}

  attach(address: number, device: SimI2cDevice): void {
    this.devices.set(address, device);
  }

  detach(address: number): void {
    this.devices.delete(address);
  }

  /** Script a fault: every transfer to `address` fails until cleared with `null`. */
  setFault(address: number, fault: SimI2cFault | null): void {
    if (fault) this.faults.set(address, fault);
    else this.faults.delete(address);
  }

  private device(address: number): SimI2cDevice {
    if (this.closed) throw new SimI2cError('EBADF', `bus ${this.busNumber} is closed`);
    const fault = this.faults.get(address);
    if (fault === 'eio') throw new SimI2cError('EIO', 'Input/output error');
    if (fault === 'timeout') throw new SimI2cError('ETIMEDOUT', 'Connection timed out');
    const dev = this.devices.get(address);
    if (!dev || fault === 'nack') throw new SimI2cError('EREMOTEIO', 'Remote I/O error');
    return dev;
  }

  /** Bit times of a transfer to `address`: the full transfer, or the address byte alone when nobody answers. */
  private bitsFor(address: number, full: number): number {
    return this.devices.has(address) && !this.faults.has(address) ? full : NACK_BITS;
  }

  /** Run `op` against the device once the transfer's bus time has passed on the clock. */
  private async transfer<T>(address: number, bits: number, op: (dev: SimI2cDevice) => T): Promise<T> {
    const timing = this.timing;
    if (!timing || this.closed || this.released) return op(this.device(address));
    const now = timing.clock.monotonic();
    const requested = this.chained ? this.lastEnd + (now - this.handedOverAt) : now;
    const start = Math.max(this.busyUntil, requested);
    const duration = bitsToMs(this.bitsFor(address, bits), timing.speedHz);
    const end = start + duration;
    this.busyUntil = end;
    this.busyMs += duration;
    this.transfers++;
    if (end <= now) {
      this.continueTimeline(end, now);
      return op(this.device(address));
    }
    // The device answers when the transfer ends on the clock; the driver sees it when the clock step is over.
    let answer = { error: new SimI2cError('EIO', 'transfer not completed') } as { value: T } | { error: unknown };
    await new Promise<void>((resolve) => {
      const done = () => {
        this.waiting.delete(done);
        timer.cancel();
        try {
          answer = { value: op(this.device(address)) };
        } catch (error) {
          answer = { error };
        }
        resolve();
      };
      const timer = timing.clock.setTimeout(done, end - now);
      this.waiting.add(done);
    });
    this.continueTimeline(end, timing.clock.monotonic());
    if ('error' in answer) throw answer.error;
    return answer.value;
  }

  /**
   * Bus time on (the default with `timing`) or off. Off, waiting transfers complete now and later
   * ones at once: the simulated gateway turns it off while it starts and stops, when a test's
   * ManualClock does not move and the drivers' init and standby writes must not wait for it.
   */
  setBusTime(on: boolean): void {
    this.released = !on;
    if (on) return;
    for (const done of [...this.waiting]) done();
  }

  /** `setBusTime(false)`. */
  release(): void {
    this.setBusTime(false);
  }

  private continueTimeline(end: number, now: number): void {
    this.lastEnd = end;
    this.handedOverAt = now;
    if (this.chained) return;
    this.chained = true;
    setImmediate(() => (this.chained = false));
  }

  readByte(address: number, register: number): Promise<number> {
    return this.transfer(address, readBits(1), (dev) => dev.readRegister(register) & 0xff);
  }

  writeByte(address: number, register: number, byte: number): Promise<void> {
    return this.transfer(address, writeBits(1), (dev) => dev.writeRegister(register, byte & 0xff));
  }

  readI2cBlock(address: number, register: number, length: number, buffer: Buffer): Promise<{ bytesRead: number; buffer: Buffer }> {
    return this.transfer(address, readBits(length), (dev) => {
      if (dev.readBlock) dev.readBlock(register, length, buffer);
      else for (let i = 0; i < length; i++) buffer[i] = dev.readRegister(register + i) & 0xff;
      return { bytesRead: length, buffer };
    });
  }

  writeI2cBlock(address: number, register: number, length: number, buffer: Buffer): Promise<{ bytesWritten: number; buffer: Buffer }> {
    return this.transfer(address, writeBits(length), (dev) => {
      for (let i = 0; i < length; i++) dev.writeRegister(register + i, buffer[i]);
      return { bytesWritten: length, buffer };
    });
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
