import type { I2cBus } from './transports.js';

/**
 * Opens the underlying bus on first use and again after a failed open, so a bus that is missing
 * at start-up (module not loaded, adapter unplugged) is retried by the devices' own backoff.
 */
export class LazyI2cBus implements I2cBus {
  private bus?: I2cBus;
  private opening?: Promise<I2cBus>;

  constructor(private readonly open: () => Promise<I2cBus>) {}

  private async get(): Promise<I2cBus> {
    if (this.bus) return this.bus;
    this.opening ??= this.open().finally(() => (this.opening = undefined));
    this.bus = await this.opening;
    return this.bus;
  }

  async readByte(address: number, register: number): Promise<number> {
    return (await this.get()).readByte(address, register);
  }
  async writeByte(address: number, register: number, byte: number): Promise<void> {
    return (await this.get()).writeByte(address, register, byte);
  }
  async readI2cBlock(address: number, register: number, length: number, buffer: Buffer) {
    return (await this.get()).readI2cBlock(address, register, length, buffer);
  }
  async writeI2cBlock(address: number, register: number, length: number, buffer: Buffer) {
    return (await this.get()).writeI2cBlock(address, register, length, buffer);
  }
  async close(): Promise<void> {
    const bus = this.bus;
    this.bus = undefined;
    await bus?.close();
  }
}
