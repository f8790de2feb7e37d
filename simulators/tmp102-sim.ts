import type { Clock } from '../src/core/clock.js';
import type { SimI2cDevice } from './i2c-bus-sim.js';

/** Register-level TMP102: a temperature that drifts slowly around a base value (12-bit, 0.0625 C/LSB). */
export class Tmp102Sim implements SimI2cDevice {
  private pointer = 0;
  constructor(private readonly clock: Clock, private readonly baseC: number, private readonly swingC: number) {}

  temperatureC(): number {
    const hours = this.clock.now() / 3_600_000;
    return this.baseC + this.swingC * Math.sin((2 * Math.PI * hours) / 8);
  }

  private word(): number {
    return ((Math.round(this.temperatureC() / 0.0625) & 0xfff) << 4) & 0xffff;
  }

  readRegister(register: number): number {
    if (register === 0) return this.word() >> 8;
    if (register === 1) return this.word() & 0xff;
    return 0;
  }

  writeRegister(register: number): void {
    this.pointer = register;
  }

  readBlock(register: number, length: number, into: Buffer): void {
    this.pointer = register;
    const w = register === 0 ? this.word() : 0x60a0;
    into[0] = w >> 8;
    if (length > 1) into[1] = w & 0xff;
  }
}
