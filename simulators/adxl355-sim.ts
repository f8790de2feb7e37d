import type { Clock } from '../src/core/clock.js';
import { ADXL355, adxl355Odr } from '../drivers/adxl355.js';
import type { SimI2cDevice } from './i2c-bus-sim.js';
import type { VibrationModel } from './vibration-model.js';
import type { SimGpioLine } from './gpio-sim.js';
import { InterruptPin } from './interrupt-pin.js';

const G_PER_LSB = [0, 1 / 256000, 1 / 128000, 1 / 64000];
/** The part's internal rate: the model runs at 4000 Hz and is low-pass filtered and decimated to the ODR. */
const BASE_HZ = 4000;

/**
 * Second-order Butterworth low-pass (RBJ cookbook biquad) at ODR/4, run at 4000 Hz before
 * decimation: stands in for the part's digital filter so a low ODR does not alias the model's
 * high-frequency content (bearing resonances) the way a bare sample-and-hold would.
 */
class AntiAlias {
  private b0 = 1;
  private b1 = 0;
  private b2 = 0;
  private a1 = 0;
  private a2 = 0;
  private readonly s = new Float64Array(12); // per axis: x1, x2, y1, y2
  private primed = false;

  design(odrHz: number): void {
    const w0 = (2 * Math.PI * (odrHz / 4)) / BASE_HZ;
    const cos = Math.cos(w0);
    const alpha = Math.sin(w0) / (2 * Math.SQRT1_2);
    const a0 = 1 + alpha;
    this.b0 = (1 - cos) / 2 / a0;
    this.b1 = (1 - cos) / a0;
    this.b2 = this.b0;
    this.a1 = (-2 * cos) / a0;
    this.a2 = (1 - alpha) / a0;
    this.primed = false;
  }

  /** Filter one 3-axis sample in place. */
  step(v: Float64Array): void {
    const s = this.s;
    for (let i = 0; i < 3; i++) {
      const o = 4 * i;
      if (!this.primed) s[o] = s[o + 1] = s[o + 2] = s[o + 3] = v[i];
      const y = this.b0 * v[i] + this.b1 * s[o] + this.b2 * s[o + 1] - this.a1 * s[o + 2] - this.a2 * s[o + 3];
      s[o + 1] = s[o];
      s[o] = v[i];
      s[o + 3] = s[o + 2];
      s[o + 2] = y;
      v[i] = y;
    }
    this.primed = true;
  }
}
const MAX20 = (1 << 19) - 1;

/**
 * Register-level ADXL355: identity registers, STATUS, FIFO_ENTRIES, FILTER (ODR), RANGE,
 * FIFO_SAMPLES, INT_MAP, POWER_CTL, RESET and the 96-entry FIFO read through FIFO_DATA (3 bytes
 * per axis entry, no address auto-increment, X entries marked in bit 0 of the third byte, an empty
 * FIFO answering with bit 1 set). Samples come from the vibration model at the configured ODR as
 * the injected clock advances; when the FIFO is full the oldest entries are lost and FIFO_OVR is
 * latched until STATUS is read. Scriptable: `stuck` (frozen output), `dropEntries()` (lose axis
 * entries, as a cut-short burst does, to exercise X-marker re-alignment).
 */
export class Adxl355Sim implements SimI2cDevice {
  private readonly regs = new Uint8Array(0x30);
  /** Axis entries, each the 20-bit value and its X marker. */
  private readonly fifo: Array<{ v: number; x: boolean }> = [];
  private lastMono = 0;
  private carry = 0;
  private readonly sample = new Float64Array(3);
  private stuckSample?: Int32Array;
  private readonly irq: InterruptPin;
  private readonly filter = new AntiAlias();
  private filterOdr = 0;
  /** Axis entries the FIFO overwrote. */
  overwrittenEntries = 0;
  /** Freeze the output at the current value (a sensor whose signal chain latched up). */
  stuck = false;

  constructor(private readonly clock: Clock, private readonly model: VibrationModel) {
    this.irq = new InterruptPin(clock, () => this.update());
    this.reset();
  }

  private reset(): void {
    this.regs.fill(0);
    this.regs[ADXL355.DEVID_AD] = ADXL355.DEVID_AD_VALUE;
    this.regs[ADXL355.DEVID_MST] = ADXL355.DEVID_MST_VALUE;
    this.regs[ADXL355.PARTID] = ADXL355.PARTID_VALUE;
    this.regs[0x03] = 0x01; // REVID
    this.regs[ADXL355.FILTER] = 0x00;
    this.regs[ADXL355.FIFO_SAMPLES] = 0x60;
    this.regs[ADXL355.RANGE] = 0x81;
    this.regs[ADXL355.POWER_CTL] = ADXL355.POWER_STANDBY;
    this.fifo.length = 0;
  }

  private get measuring(): boolean {
    return (this.regs[ADXL355.POWER_CTL] & ADXL355.POWER_STANDBY) === 0;
  }

  get odrHz(): number {
    return adxl355Odr(Math.min(10, this.regs[ADXL355.FILTER] & 0x0f));
  }

  /** Axis entries in the FIFO now. */
  get entries(): number {
    this.update();
    return this.fifo.length;
  }

  private lsb(g: number): number {
    const scale = G_PER_LSB[this.regs[ADXL355.RANGE] & 0x03] || G_PER_LSB[1];
    return Math.max(-MAX20, Math.min(MAX20, Math.round(g / scale)));
  }

  private push(v: number, x: boolean): void {
    if (this.fifo.length >= ADXL355.FIFO_ENTRIES_MAX) {
      this.fifo.shift();
      this.overwrittenEntries++;
      this.regs[ADXL355.STATUS] |= ADXL355.STATUS_FIFO_OVR;
    }
    this.fifo.push({ v, x });
  }

  /** Produce the samples due since the last access. */
  private update(): void {
    const now = this.clock.monotonic();
    if (!this.measuring) {
      this.lastMono = now;
      return;
    }
    const odr = this.odrHz;
    const exact = ((now - this.lastMono) / 1000) * odr + this.carry;
    let due = Math.floor(exact);
    this.carry = exact - due;
    this.lastMono = now;
    const dt = 1 / odr;
    const decimation = Math.max(1, Math.round(BASE_HZ / odr));
    if (this.filterOdr !== odr) {
      this.filter.design(odr);
      this.filterOdr = odr;
      // The digital filter settles before the first sample reaches the FIFO (as after leaving standby).
      for (let k = 0; k < 64; k++) {
        this.model.next(1 / BASE_HZ, this.sample);
        this.filter.step(this.sample);
      }
    }
    const keep = ADXL355.FIFO_ENTRIES_MAX / 3 + 1;
    if (due > keep) {
      const skipped = due - keep;
      this.model.skip(skipped * dt);
      this.overwrittenEntries += skipped * 3;
      this.regs[ADXL355.STATUS] |= ADXL355.STATUS_FIFO_OVR;
      due = keep;
    }
    for (let i = 0; i < due; i++) {
      for (let k = 0; k < decimation; k++) {
        this.model.next(1 / BASE_HZ, this.sample);
        this.filter.step(this.sample);
      }
      let s: Int32Array = Int32Array.of(this.lsb(this.sample[0]), this.lsb(this.sample[1]), this.lsb(this.sample[2]));
      if (this.stuck) s = this.stuckSample ??= s;
      else this.stuckSample = undefined;
      this.push(s[0], true);
      this.push(s[1], false);
      this.push(s[2], false);
      this.regs[ADXL355.STATUS] |= ADXL355.STATUS_DATA_RDY;
    }
    this.driveIrq();
  }

  private statusNow(): number {
    const wm = this.regs[ADXL355.FIFO_SAMPLES] || 96;
    return (this.regs[ADXL355.STATUS] & ~ADXL355.STATUS_FIFO_FULL) | (this.fifo.length >= wm ? ADXL355.STATUS_FIFO_FULL : 0);
  }

  private driveIrq(): void {
    if (!this.irq.attached) return;
    const map = this.regs[ADXL355.INT_MAP];
    const st = this.statusNow();
    const active = ((map & ADXL355.INT_FULL_EN1) && st & ADXL355.STATUS_FIFO_FULL) || ((map & ADXL355.INT_OVR_EN1) && st & ADXL355.STATUS_FIFO_OVR) || ((map & ADXL355.INT_RDY_EN1) && st & ADXL355.STATUS_DATA_RDY);
    // INT_POL (RANGE bit 6): 0 = active low (the reset value), 1 = active high.
    this.irq.drive(Boolean(active), (this.regs[ADXL355.RANGE] & 0x40) !== 0);
  }

  /** Connect INT1 to a GPIO line, the FIFO level checked every `checkMs` (simulators/interrupt-pin.ts). */
  attachInterrupt(line: SimGpioLine, checkMs = 2): void {
    this.irq.attach(line, checkMs);
  }

  detachInterrupt(): void {
    this.irq.detach();
  }

  /** Lose the oldest `n` axis entries (as if a burst had been cut short): the FIFO is then misaligned. */
  dropEntries(n: number): void {
    this.update();
    this.fifo.splice(0, n);
  }

  private popEntry(into: Buffer, at: number): void {
    const e = this.fifo.shift();
    if (!e) {
      into[at] = 0;
      into[at + 1] = 0;
      into[at + 2] = ADXL355.MARK_EMPTY;
      return;
    }
    const v = e.v & 0xfffff;
    into[at] = (v >> 12) & 0xff;
    into[at + 1] = (v >> 4) & 0xff;
    into[at + 2] = ((v & 0x0f) << 4) | (e.x ? ADXL355.MARK_X : 0);
  }

  readRegister(register: number): number {
    this.update();
    switch (register) {
      case ADXL355.STATUS: {
        const v = this.statusNow();
        this.regs[ADXL355.STATUS] &= ~(ADXL355.STATUS_DATA_RDY | ADXL355.STATUS_FIFO_OVR);
        this.driveIrq();
        return v;
      }
      case ADXL355.FIFO_ENTRIES:
        return this.fifo.length;
      case ADXL355.FIFO_DATA: {
        const b = Buffer.alloc(3);
        this.popEntry(b, 0);
        this.driveIrq();
        return b[0];
      }
      default:
        return register < this.regs.length ? this.regs[register] : 0;
    }
  }

  writeRegister(register: number, value: number): void {
    this.update();
    if (register === ADXL355.RESET) {
      if (value === ADXL355.RESET_CODE) this.reset();
      return;
    }
    // Read-only: identity, status, FIFO, data registers.
    if (register <= ADXL355.FIFO_DATA || register >= this.regs.length) return;
    // Filter, range and FIFO settings are written only in standby (the part ignores them otherwise).
    const standbyOnly = register === ADXL355.FILTER || register === ADXL355.RANGE || register === ADXL355.FIFO_SAMPLES;
    if (standbyOnly && this.measuring) return;
    const wasMeasuring = this.measuring;
    this.regs[register] = value;
    if (register === ADXL355.FIFO_SAMPLES) this.regs[register] = Math.max(1, Math.min(96, value));
    if (register === ADXL355.POWER_CTL && !wasMeasuring && this.measuring) {
      this.fifo.length = 0;
      this.carry = 0;
      this.filterOdr = 0; // re-design and re-settle the filter
    }
  }

  readBlock(register: number, length: number, into: Buffer): void {
    this.update();
    if (register === ADXL355.FIFO_DATA) {
      // FIFO_DATA does not auto-increment: a burst returns consecutive entries.
      for (let at = 0; at + 3 <= length; at += 3) this.popEntry(into, at);
      this.driveIrq();
      return;
    }
    for (let i = 0; i < length; i++) into[i] = this.readRegister(register + i);
  }
}
