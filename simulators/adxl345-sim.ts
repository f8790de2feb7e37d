import type { Clock } from '../src/core/clock.js';
import { ADXL345, adxl345Odr } from '../drivers/adxl345.js';
import type { SimI2cDevice } from './i2c-bus-sim.js';
import type { VibrationModel } from './vibration-model.js';
import type { SimGpioLine } from './gpio-sim.js';
import { InterruptPin } from './interrupt-pin.js';

/** DATA_FORMAT bit 5 INT_INVERT: 0 = interrupts active high (reset value), 1 = active low. */
const INT_INVERT = 0x20;

/**
 * Register-level ADXL345: DEVID, BW_RATE, POWER_CTL, DATA_FORMAT, FIFO_CTL/FIFO_STATUS, INT_SOURCE,
 * INT_ENABLE/INT_MAP and the data registers. While measuring, samples are produced from the
 * vibration model at the configured ODR as the injected clock advances. In stream mode the 32-entry
 * FIFO keeps the newest samples and latches OVERRUN when one is overwritten; each 6-byte read of
 * DATAX0 pops one entry. INT_SOURCE's DATA_READY and WATERMARK follow the FIFO level (WATERMARK
 * while it holds at least FIFO_CTL's samples), OVERRUN stays latched until INT_SOURCE is read. With
 * `attachInterrupt`, the enabled sources mapped to INT1 (INT_MAP bit clear) drive a GPIO line,
 * active high unless DATA_FORMAT's INT_INVERT is set.
 */
export class Adxl345Sim implements SimI2cDevice {
  private readonly regs = new Uint8Array(64);
  private readonly fifo: Int16Array[] = [];
  private lastMono = 0;
  private carry = 0;
  private readonly sample = new Float64Array(3);
  /** Samples the FIFO overwrote (for tests). */
  overwritten = 0;
  /** Freeze the output at the current value (scripted "stuck values" fault). */
  stuck = false;
  private stuckEntry?: Int16Array;
  private readonly irq: InterruptPin;

  constructor(private readonly clock: Clock, private readonly model: VibrationModel) {
    this.irq = new InterruptPin(clock, () => this.update());
    this.regs[ADXL345.DEVID] = ADXL345.DEVID_VALUE;
    this.regs[ADXL345.BW_RATE] = 0x0a;
  }

  private get measuring(): boolean {
    return (this.regs[ADXL345.POWER_CTL] & ADXL345.MEASURE) !== 0;
  }

  private get odr(): number {
    return adxl345Odr(this.regs[ADXL345.BW_RATE] & 0x0f);
  }

  private lsb(g: number): number {
    const fullRes = (this.regs[ADXL345.DATA_FORMAT] & ADXL345.FULL_RES) !== 0;
    const range = 2 << (this.regs[ADXL345.DATA_FORMAT] & 0x03);
    const clipped = Math.max(-range, Math.min(range, g));
    const scale = fullRes ? ADXL345.SCALE_G_PER_LSB : (2 * range) / 1024;
    return Math.max(-32768, Math.min(32767, Math.round(clipped / scale)));
  }

  /** Produce the samples due since the last access. */
  private update(): void {
    const now = this.clock.monotonic();
    if (!this.measuring) {
      this.lastMono = now;
      this.driveIrq();
      return;
    }
    const odr = this.odr;
    const exact = ((now - this.lastMono) / 1000) * odr + this.carry;
    let due = Math.floor(exact);
    this.carry = exact - due;
    this.lastMono = now;
    const dt = 1 / odr;
    if (due > ADXL345.FIFO_DEPTH + 1) {
      // Everything but the newest samples would be overwritten anyway: skip the model ahead.
      const skipped = due - (ADXL345.FIFO_DEPTH + 1);
      this.model.skip(skipped * dt);
      this.overwritten += skipped;
      this.regs[ADXL345.INT_SOURCE] |= ADXL345.INT_OVERRUN;
      due -= skipped;
    }
    const streaming = (this.regs[ADXL345.FIFO_CTL] & 0xc0) === ADXL345.FIFO_STREAM;
    for (let i = 0; i < due; i++) {
      this.model.next(dt, this.sample);
      let entry: Int16Array = Int16Array.of(this.lsb(this.sample[0]), this.lsb(this.sample[1]), this.lsb(this.sample[2]));
      if (this.stuck) entry = this.stuckEntry ??= entry;
      else this.stuckEntry = undefined;
      if (!streaming) {
        this.fifo.length = 0;
      } else if (this.fifo.length >= ADXL345.FIFO_DEPTH) {
        this.fifo.shift();
        this.overwritten++;
        this.regs[ADXL345.INT_SOURCE] |= ADXL345.INT_OVERRUN;
      }
      this.fifo.push(entry);
    }
    this.driveIrq();
  }

  /** INT_SOURCE now: the latched OVERRUN plus DATA_READY and WATERMARK from the FIFO level. */
  private intSource(): number {
    const wm = this.regs[ADXL345.FIFO_CTL] & 0x1f;
    return this.regs[ADXL345.INT_SOURCE] | (wm > 0 && this.fifo.length >= wm ? ADXL345.INT_WATERMARK : 0) | (this.fifo.length ? ADXL345.INT_DATA_READY : 0);
  }

  private driveIrq(): void {
    if (!this.irq.attached) return;
    const int1 = this.intSource() & this.regs[ADXL345.INT_ENABLE] & ~this.regs[ADXL345.INT_MAP];
    this.irq.drive(int1 !== 0, (this.regs[ADXL345.DATA_FORMAT] & INT_INVERT) === 0);
  }

  /** Connect INT1 to a GPIO line, the FIFO level checked every `checkMs` (simulators/interrupt-pin.ts). */
  attachInterrupt(line: SimGpioLine, checkMs = 2): void {
    this.irq.attach(line, checkMs);
  }

  detachInterrupt(): void {
    this.irq.detach();
  }

  readRegister(register: number): number {
    this.update();
    switch (register) {
      case ADXL345.FIFO_STATUS:
        return Math.min(this.fifo.length, ADXL345.FIFO_DEPTH);
      case ADXL345.INT_SOURCE: {
        const value = this.intSource();
        this.regs[ADXL345.INT_SOURCE] &= ~ADXL345.INT_OVERRUN;
        this.driveIrq();
        return value;
      }
      default:
        return this.regs[register & 0x3f];
    }
  }

  writeRegister(register: number, value: number): void {
    this.update();
    if (register === ADXL345.DEVID || register === ADXL345.FIFO_STATUS || register === ADXL345.INT_SOURCE) return;
    this.regs[register & 0x3f] = value;
    if (register === ADXL345.FIFO_CTL) this.fifo.length = 0;
    this.driveIrq();
  }

  readBlock(register: number, length: number, into: Buffer): void {
    this.update();
    if (register === ADXL345.DATAX0 && length === 6) {
      const entry = this.fifo.shift() ?? new Int16Array(3);
      into.writeInt16LE(entry[0], 0);
      into.writeInt16LE(entry[1], 2);
      into.writeInt16LE(entry[2], 4);
      this.driveIrq();
      return;
    }
    for (let i = 0; i < length; i++) into[i] = this.readRegister(register + i);
  }
}
