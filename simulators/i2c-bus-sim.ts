import type { I2cBus } from '../drivers/transports.js';

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

/**
 * An in-process I2C bus: devices answer register reads/writes as the real parts would, through
 * the same I2cBus interface the drivers use on /dev/i2c-N. An address with no device NACKs.
 * Faults can be scripted per address.
 */
export class SimI2cBus implements I2cBus {
  private readonly devices = new Map<number, SimI2cDevice>();
  private readonly faults = new Map<number, SimI2cFault>();
  private closed = false;

  constructor(readonly busNumber: number) {}

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

  async readByte(address: number, register: number): Promise<number> {
    return this.device(address).readRegister(register) & 0xff;
  }

  async writeByte(address: number, register: number, byte: number): Promise<void> {
    this.device(address).writeRegister(register, byte & 0xff);
  }

  async readI2cBlock(address: number, register: number, length: number, buffer: Buffer): Promise<{ bytesRead: number; buffer: Buffer }> {
    const dev = this.device(address);
    if (dev.readBlock) dev.readBlock(register, length, buffer);
    else for (let i = 0; i < length; i++) buffer[i] = dev.readRegister(register + i) & 0xff;
    return { bytesRead: length, buffer };
  }

  async writeI2cBlock(address: number, register: number, length: number, buffer: Buffer): Promise<{ bytesWritten: number; buffer: Buffer }> {
    const dev = this.device(address);
    for (let i = 0; i < length; i++) dev.writeRegister(register + i, buffer[i]);
    return { bytesWritten: length, buffer };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
