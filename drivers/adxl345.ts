import type { I2cBus } from './transports.js';
import { DeviceError, DeviceErrorCode, hex, i2cError } from './errors.js';
import { ErrorCode } from '../src/core/errors.js';
import { checkAccelSettings, newBlock, type AccelBlock, type Accelerometer } from './accelerometer.js';

export type { AccelBlock } from './accelerometer.js';

/** ADXL345 registers (docs: ../shared/docs/hardware.md; Linux drivers/iio/accel/adxl345.h). */
export const ADXL345 = {
  DEVID: 0x00,
  DEVID_VALUE: 0xe5,
  BW_RATE: 0x2c,
  POWER_CTL: 0x2d,
  INT_ENABLE: 0x2e,
  INT_MAP: 0x2f,
  INT_SOURCE: 0x30,
  DATA_FORMAT: 0x31,
  DATAX0: 0x32,
  FIFO_CTL: 0x38,
  FIFO_STATUS: 0x39,
  FIFO_DEPTH: 32,
  MEASURE: 0x08,
  FULL_RES: 0x08,
  FIFO_STREAM: 0x80,
  INT_OVERRUN: 0x01,
  INT_WATERMARK: 0x02,
  INT_DATA_READY: 0x80,
  /** Full resolution: ~3.9 mg/LSB in every range. */
  SCALE_G_PER_LSB: 0.0039,
} as const;

/** ODR in Hz for a BW_RATE rate code: 0.09765625 Hz * 2^code. */
export function adxl345Odr(code: number): number {
  return 0.09765625 * 2 ** code;
}

export function adxl345RateCode(odrHz: number): number {
  const code = Math.round(Math.log2(odrHz / 0.09765625));
  if (code < 0 || code > 0x0f || Math.abs(adxl345Odr(code) - odrHz) > 1e-6 * odrHz) {
    throw new RangeError(`ADXL345 has no output data rate of ${odrHz} Hz`);
  }
  return code;
}

const RANGE_CODES: Record<number, number> = { 2: 0, 4: 1, 8: 2, 16: 3 };

export interface Adxl345Options {
  bus: I2cBus;
  busNumber: number;
  address: number;
  odrHz: number;
  rangeG: number;
  /** FIFO watermark (samples, 1-31) that raises the WATERMARK interrupt; default 16. */
  watermark?: number;
  /**
   * INT1 is wired to a GPIO (config interruptGpio): WATERMARK and OVERRUN are enabled and mapped to
   * INT1, active high, so the line rises when the FIFO reaches the watermark. Without it the same
   * sources stay enabled (INT_SOURCE reports them either way) and nothing listens to the pin.
   */
  interrupt?: boolean;
}

/**
 * ADXL345 in FIFO stream mode, full resolution. The FIFO is configured while MEASURE=0 (as the
 * Linux driver does). `drain()` reads every entry the FIFO holds, one 6-byte burst per entry,
 * and detects overruns through INT_SOURCE so a gap is counted, never stitched silently.
 */
export class Adxl345 implements Accelerometer {
  readonly part = 'ADXL345';
  readonly fifoDepth = ADXL345.FIFO_DEPTH;
  private readonly raw = Buffer.alloc(6);
  private readonly block: AccelBlock;

  constructor(private readonly opts: Adxl345Options) {
    this.block = newBlock(ADXL345.FIFO_DEPTH);
  }

  get where(): string {
    return `/dev/i2c-${this.opts.busNumber} address ${hex(this.opts.address)}`;
  }

  private async io<T>(what: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      throw i2cError('ADXL345', this.opts.busNumber, this.opts.address, what, err);
    }
  }

  async init(): Promise<void> {
    const { bus, address } = this.opts;
    const id = await this.io('read DEVID', () => bus.readByte(address, ADXL345.DEVID));
    if (id !== ADXL345.DEVID_VALUE) {
      throw new DeviceError(ErrorCode.DEVICE_ID_MISMATCH, `no ADXL345 on ${this.where}: DEVID expected ${hex(ADXL345.DEVID_VALUE)}, read ${hex(id)}`, { bus: this.opts.busNumber, address, expected: ADXL345.DEVID_VALUE, read: id });
    }
    const issues = checkAccelSettings('adxl345', this.opts.odrHz, this.opts.rangeG);
    if (issues.length) throw new DeviceError(DeviceErrorCode.ACCEL_CONFIG_INVALID, issues.map((i) => i.message).join('; '), { odrHz: this.opts.odrHz, rangeG: this.opts.rangeG });
    const rateCode = adxl345RateCode(this.opts.odrHz);
    const rangeCode = RANGE_CODES[this.opts.rangeG];
    await this.io('standby', () => bus.writeByte(address, ADXL345.POWER_CTL, 0));
    await this.io('set BW_RATE', () => bus.writeByte(address, ADXL345.BW_RATE, rateCode));
    // INT_INVERT (bit 5) stays 0: interrupts active high, for a rising-edge GPIO watch.
    await this.io('set DATA_FORMAT', () => bus.writeByte(address, ADXL345.DATA_FORMAT, ADXL345.FULL_RES | rangeCode));
    await this.io('set FIFO_CTL', () => bus.writeByte(address, ADXL345.FIFO_CTL, ADXL345.FIFO_STREAM | Math.max(1, Math.min(31, this.opts.watermark ?? 16))));
    // INT_MAP bit clear = INT1: the watermark and overrun go to the pin wired to the GPIO.
    if (this.opts.interrupt) await this.io('set INT_MAP', () => bus.writeByte(address, ADXL345.INT_MAP, 0));
    await this.io('set INT_ENABLE', () => bus.writeByte(address, ADXL345.INT_ENABLE, ADXL345.INT_WATERMARK | ADXL345.INT_OVERRUN));
    await this.io('measure', () => bus.writeByte(address, ADXL345.POWER_CTL, ADXL345.MEASURE));
  }

  /**
   * Read every sample now in the FIFO. The returned block is owned by the driver and is
   * overwritten by the next call.
   */
  async drain(): Promise<AccelBlock> {
    const { bus, address } = this.opts;
    const source = await this.io('read INT_SOURCE', () => bus.readByte(address, ADXL345.INT_SOURCE));
    const status = await this.io('read FIFO_STATUS', () => bus.readByte(address, ADXL345.FIFO_STATUS));
    const entries = Math.min(status & 0x3f, ADXL345.FIFO_DEPTH);
    const b = this.block;
    b.count = 0;
    b.discarded = 0;
    // In stream mode an overrun means the FIFO kept only the newest 32 samples: how many were
    // overwritten cannot be read from the part; the acquisition layer estimates it from the clock.
    b.overrun = (source & ADXL345.INT_OVERRUN) !== 0;
    for (let i = 0; i < entries; i++) {
      await this.io('read FIFO entry', () => bus.readI2cBlock(address, ADXL345.DATAX0, 6, this.raw));
      const s = ADXL345.SCALE_G_PER_LSB;
      b.x[i] = this.raw.readInt16LE(0) * s;
      b.y[i] = this.raw.readInt16LE(2) * s;
      b.z[i] = this.raw.readInt16LE(4) * s;
      b.count++;
    }
    return b;
  }

  async standby(): Promise<void> {
    await this.io('standby', () => this.opts.bus.writeByte(this.opts.address, ADXL345.POWER_CTL, 0));
  }
}
