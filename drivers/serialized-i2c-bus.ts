import type { I2cBus } from './transports.js';

/**
 * Serialises every transfer on one I2C bus: the kernel's i2c-dev selects the slave address per
 * file descriptor, so two in-flight transfers from the thread pool could interleave.
 */
export class SerializedI2cBus implements I2cBus {
  private tail: Promise<unknown> = Promise.resolve();
  constructor(private readonly inner: I2cBus) {}

  private run<T>(op: () => Promise<T>): Promise<T> {
    const next = this.tail.then(op);
    this.tail = next.catch(() => undefined);
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
