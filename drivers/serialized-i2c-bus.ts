import type { I2cBus } from './transports.js';

/**
 * Serialises every transfer on one I2C bus: the kernel's i2c-dev selects the slave address per
 * file descriptor, so two in-flight transfers from the thread pool could interleave.
 *
 * With `monotonic` (ms), it also adds up how long the transfers took (`busyMs`): on hardware, the
 * wall time of each transfer from its start to its completion, the bus time plus the kernel's and
 * the thread pool's overhead, so an upper bound of the bus's busy time.
 */
export class SerializedI2cBus implements I2cBus {
  private tail: Promise<unknown> = Promise.resolve();
  /** Transfers started or waiting and not yet settled. */
  private queued = 0;
  /** Time spent in transfers so far (ms), when constructed with a monotonic clock. */
  busyMs = 0;
  constructor(private readonly inner: I2cBus, private readonly monotonic?: () => number) {}

  private run<T>(op: () => Promise<T>): Promise<T> {
    const timed = this.monotonic
      ? async () => {
          const t0 = this.monotonic!();
          try {
            return await op();
          } finally {
            this.busyMs += this.monotonic!() - t0;
          }
        }
      : async () => op();
    // An idle bus starts the transfer now, in the caller's turn (a timer or an interrupt edge), not a
    // microtask later: the simulated bus then takes the request at the clock time it was made.
    const next = this.queued === 0 ? timed() : this.tail.then(timed);
    this.queued++;
    const settled = next.then(
      () => void this.queued--,
      () => void this.queued--,
    );
    this.tail = settled;
    return next;
  }

  readByte(address: number, register: number): Promise<number> {
    return this.run(() => this.inner.readByte(address, register));
  }
  writeByte(address: number, register: number, byte: number): Promise<void> {
    return this.run(() => this.inner.writeByte(address, register, byte));
  }
  readI2cBlock(address: number, register: number, length: number, buffer: Buffer) {
    return this.run(() => this.inner.readI2cBlock(address, register, length, buffer));
  }
  writeI2cBlock(address: number, register: number, length: number, buffer: Buffer) {
    return this.run(() => this.inner.writeI2cBlock(address, register, length, buffer));
  }
  close(): Promise<void> {
    return this.run(() => this.inner.close());
  }
}
