import type { I2cBus } from './transports.js';
import { DeviceError, hex } from './errors.js';
import { ErrorCode } from '../src/core/errors.js';

/** TI TMP102: register 0x00 holds the temperature, 12-bit two's complement, 0.0625 C/LSB, MSB first. */
export const TMP102 = { TEMP: 0x00, CONFIG: 0x01, LSB_C: 0.0625 } as const;

export class Tmp102 {
  private readonly buf = Buffer.alloc(2);
  constructor(private readonly bus: I2cBus, private readonly busNumber: number, private readonly address: number) {}

  /** Temperature in degrees Celsius. */
  async read(): Promise<number> {
    try {
      await this.bus.readI2cBlock(this.address, TMP102.TEMP, 2, this.buf);
    } catch (err) {
      throw new DeviceError(ErrorCode.DEVICE_IO, `TMP102 on /dev/i2c-${this.busNumber} address ${hex(this.address)}: read failed: ${(err as Error).message}`, { bus: this.busNumber, address: this.address }, err);
    }
    return (this.buf.readInt16BE(0) >> 4) * TMP102.LSB_C;
  }
}
