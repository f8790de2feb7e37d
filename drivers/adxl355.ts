import type { I2cBus } from './transports.js';
import { DeviceError, DeviceErrorCode, hex, i2cError } from './errors.js';
import { ErrorCode } from '../src/core/errors.js';
import { newBlock, checkAccelSettings, type AccelBlock, type Accelerometer } from './accelerometer.js';

/**
 * ADXL355 registers (../shared/docs/hardware.md; Analog Devices' adi-adxl355-rs and the ADXL354/
 * ADXL355 data sheet rev. D). The FIFO holds 96 axis entries = 32 X/Y/Z samples.
 */
export const ADXL355 = {
  DEVID_AD: 0x00,
  DEVID_AD_VALUE: 0xad,
  DEVID_MST: 0x01,
  DEVID_MST_VALUE: 0x1d,
  PARTID: 0x02,
  PARTID_VALUE: 0xed,
  STATUS: 0x04,
  STATUS_DATA_RDY: 0x01,
  STATUS_FIFO_FULL: 0x02,
  STATUS_FIFO_OVR: 0x04,
  FIFO_ENTRIES: 0x05,
  XDATA3: 0x08,
  FIFO_DATA: 0x11,
  FILTER: 0x28,
  FIFO_SAMPLES: 0x29,
  INT_MAP: 0x2a,
  INT_RDY_EN1: 0x01,
  INT_FULL_EN1: 0x02,
  INT_OVR_EN1: 0x04,
  RANGE: 0x2c,
  RANGE_I2C_HS: 0x80,
  /** RANGE bit 6 INT_POL: 0 = INT1/INT2 active low (reset value), 1 = active high. */
  RANGE_INT_POL_HIGH: 0x40,
  POWER_CTL: 0x2d,
  POWER_STANDBY: 0x01,
  RESET: 0x2f,
  RESET_CODE: 0x52,
  /** Axis entries in the FIFO (32 samples x 3 axes). */
  FIFO_ENTRIES_MAX: 96,
  /** Third byte of a FIFO entry: bit 0 marks an X-axis entry, bit 1 an empty FIFO. */
  MARK_X: 0x01,
  MARK_EMPTY: 0x02,
} as const;

/** RANGE bits[1:0] and the sensitivity (g per LSB of the 20-bit value): 256000 / 128000 / 64000 LSB/g. */
const RANGES: Record<number, { code: number; gPerLsb: number }> = {
  2: { code: 0b01, gPerLsb: 1 / 256000 },
  4: { code: 0b10, gPerLsb: 1 / 128000 },
  8: { code: 0b11, gPerLsb: 1 / 64000 },
};

/** ODR for FILTER bits[3:0]: 4000 Hz / 2^code, code 0..10. The low-pass corner is ODR/4. */
export function adxl355Odr(code: number): number {
  return 4000 / 2 ** code;
}

export function adxl355OdrCode(odrHz: number): number {
  const code = Math.round(Math.log2(4000 / odrHz));
  if (!(code >= 0 && code <= 10) || Math.abs(adxl355Odr(code) - odrHz) > 1e-6 * odrHz) throw new RangeError(`ADXL355 has no output data rate of ${odrHz} Hz`);
  return code;
}

/** Decode one 20-bit left-justified, big-endian two's-complement value from three bytes. */
export function decode20(b0: number, b1: number, b2: number): number {
  return ((b0 << 24) | (b1 << 16) | ((b2 & 0xf0) << 8)) >> 12;
}

export interface Adxl355Options {
  bus: I2cBus;
  busNumber: number;
  address: number;
  odrHz: number;
  rangeG: number;
  /** HPF_CORNER (FILTER bits[6:4]); 0 = high-pass off (default). */
  highPassCode?: number;
  /** FIFO watermark in samples (X/Y/Z sets), 1-32; raises FIFO_FULL (the watermark interrupt). Default 16. */
  watermark?: number;
  /** Map the watermark (FIFO_FULL) and overrun to INT1 for a data-ready GPIO. */
  interrupt?: boolean;
  /** Largest I2C block the adapter allows (SMBus block reads: 32 bytes). */
  maxBlockBytes?: number;
}

/**
 * ADXL355 over I2C: identity check (DEVID_AD, DEVID_MST, PARTID), range / ODR / filter set in
 * standby, FIFO drained in bursts from FIFO_DATA (the address does not auto-increment there, so one
 * block read returns consecutive entries). Each entry is 20-bit left-justified big-endian; the X
 * marker re-aligns the axes, and a partial set is discarded and reported, never mixed into the
 * next sample. FIFO_OVR in STATUS reports an overrun (the oldest entries were lost).
 */
export class Adxl355 implements Accelerometer {
  readonly part = 'ADXL355';
  readonly fifoDepth = ADXL355.FIFO_ENTRIES_MAX / 3;
  private readonly raw: Buffer;
  private readonly block: AccelBlock;
  private readonly gPerLsb: number;
  /** Axis entries discarded to re-align on the X marker, since start (for tests and /health). */
  misalignedEntries = 0;

  constructor(private readonly opts: Adxl355Options) {
    const issues = checkAccelSettings('adxl355', opts.odrHz, opts.rangeG);
    if (issues.length) throw new DeviceError(DeviceErrorCode.ACCEL_CONFIG_INVALID, issues.map((i) => i.message).join('; '), { odrHz: opts.odrHz, rangeG: opts.rangeG });
    this.gPerLsb = RANGES[opts.rangeG].gPerLsb;
    const maxBytes = Math.max(3, Math.floor((opts.maxBlockBytes ?? 32) / 3) * 3);
    this.raw = Buffer.alloc(maxBytes);
    this.block = newBlock(this.fifoDepth);
  }

  get where(): string {
    return `/dev/i2c-${this.opts.busNumber} address ${hex(this.opts.address)}`;
  }

  private async io<T>(what: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      throw i2cError('ADXL355', this.opts.busNumber, this.opts.address, what, err);
    }
  }

  private async expectId(register: number, name: string, expected: number): Promise<void> {
    const { bus, address, busNumber } = this.opts;
    const read = await this.io(`read ${name}`, () => bus.readByte(address, register));
    if (read !== expected) {
      throw new DeviceError(ErrorCode.DEVICE_ID_MISMATCH, `no ADXL355 on ${this.where}: ${name} expected ${hex(expected)}, read ${hex(read)}`, { bus: busNumber, address, register: name, expected, read });
    }
  }

  private async writeChecked(register: number, name: string, value: number): Promise<void> {
    const { bus, address } = this.opts;
    await this.io(`set ${name}`, () => bus.writeByte(address, register, value));
    const back = await this.io(`read back ${name}`, () => bus.readByte(address, register));
    if (back !== value) throw new DeviceError(DeviceErrorCode.ACCEL_CONFIG_INVALID, `ADXL355 on ${this.where}: ${name} wrote ${hex(value)}, read back ${hex(back)}`, { bus: this.opts.busNumber, address, register: name, wrote: value, read: back });
  }

  async init(): Promise<void> {
    const { bus, address } = this.opts;
    await this.expectId(ADXL355.DEVID_AD, 'DEVID_AD', ADXL355.DEVID_AD_VALUE);
    await this.expectId(ADXL355.DEVID_MST, 'DEVID_MST', ADXL355.DEVID_MST_VALUE);
    await this.expectId(ADXL355.PARTID, 'PARTID', ADXL355.PARTID_VALUE);
    // Filter, range and FIFO settings only take effect in standby.
    await this.io('standby', () => bus.writeByte(address, ADXL355.POWER_CTL, ADXL355.POWER_STANDBY));
    const hpf = (this.opts.highPassCode ?? 0) & 0x07;
    await this.writeChecked(ADXL355.FILTER, 'FILTER', (hpf << 4) | adxl355OdrCode(this.opts.odrHz));
    // Fast-mode I2C (the Pi has no high-speed mode); INT1 active high so the GPIO watches a rising edge.
    await this.writeChecked(ADXL355.RANGE, 'RANGE', RANGES[this.opts.rangeG].code | (this.opts.interrupt ? ADXL355.RANGE_INT_POL_HIGH : 0));
    const wm = Math.max(1, Math.min(32, this.opts.watermark ?? 16));
    await this.writeChecked(ADXL355.FIFO_SAMPLES, 'FIFO_SAMPLES', wm * 3);
    await this.writeChecked(ADXL355.INT_MAP, 'INT_MAP', this.opts.interrupt ? ADXL355.INT_FULL_EN1 | ADXL355.INT_OVR_EN1 : 0);
    // Leaving standby starts the FIFO empty; a stale STATUS overrun from before is cleared by this read.
    await this.io('read STATUS', () => bus.readByte(address, ADXL355.STATUS));
    await this.io('measure', () => bus.writeByte(address, ADXL355.POWER_CTL, 0));
  }

  /** Read every complete X/Y/Z set in the FIFO. The block is overwritten by the next call. */
  async drain(): Promise<AccelBlock> {
    const { bus, address } = this.opts;
    const b = this.block;
    b.count = 0;
    b.discarded = 0;
    const status = await this.io('read STATUS', () => bus.readByte(address, ADXL355.STATUS));
    b.overrun = (status & ADXL355.STATUS_FIFO_OVR) !== 0;
    const entries = Math.min(await this.io('read FIFO_ENTRIES', () => bus.readByte(address, ADXL355.FIFO_ENTRIES)), ADXL355.FIFO_ENTRIES_MAX);
    let left = entries;
    let axis = 0; // next expected axis: 0 = X, 1 = Y, 2 = Z
    let partial = 0; // entries of the current, incomplete set
    let skipping = false; // looking for the next X marker
    let x = 0;
    let y = 0;
    const perRead = this.raw.length / 3;
    while (left > 0) {
      // Read only whole X/Y/Z sets (an incomplete last set stays in the FIFO for the next drain),
      // except while searching for an X marker, when the position in the set is unknown.
      const usable = skipping ? left : left - ((left + partial) % 3);
      if (usable <= 0) break;
      const n = Math.min(usable, perRead);
      await this.io('read FIFO_DATA', () => bus.readI2cBlock(address, ADXL355.FIFO_DATA, n * 3, this.raw));
      left -= n;
      for (let i = 0; i < n; i++) {
        const b0 = this.raw[3 * i];
        const b1 = this.raw[3 * i + 1];
        const b2 = this.raw[3 * i + 2];
        if (b2 & ADXL355.MARK_EMPTY) {
          left = 0;
          break;
        }
        const isX = (b2 & ADXL355.MARK_X) !== 0;
        if (isX && axis !== 0) {
          // A new X before the set was complete: the partial set is dropped.
          this.misalignedEntries += partial;
          b.discarded++;
          b.overrun = true;
          axis = 0;
          partial = 0;
        } else if (!isX && axis === 0) {
          // Y or Z without its X (the FIFO lost the X, or a read was cut short): skip to the next X.
          this.misalignedEntries++;
          if (!skipping) b.discarded++;
          skipping = true;
          b.overrun = true;
          continue;
        }
        skipping = false;
        const v = decode20(b0, b1, b2) * this.gPerLsb;
        if (axis === 0) {
          x = v;
          partial = 1;
          axis = 1;
        } else if (axis === 1) {
          y = v;
          partial = 2;
          axis = 2;
        } else {
          if (b.count < b.x.length) {
            b.x[b.count] = x;
            b.y[b.count] = y;
            b.z[b.count] = v;
            b.count++;
          }
          partial = 0;
          axis = 0;
        }
      }
    }
    if (axis !== 0) {
      // Only when the FIFO emptied early (EMPTY marker) inside a set: the rest arrives without its X
      // and is skipped by the next drain.
      this.misalignedEntries += partial;
      b.discarded++;
      b.overrun = true;
    }
    return b;
  }

  async standby(): Promise<void> {
    await this.io('standby', () => this.opts.bus.writeByte(this.opts.address, ADXL355.POWER_CTL, ADXL355.POWER_STANDBY));
  }
}
