import type { Edge, GpioLine } from './transports.js';
import { DeviceError, DeviceErrorCode } from './errors.js';
import { ErrorCode } from '../src/core/errors.js';
import { detectGpioBase, sysfsNumber } from './gpio-sysfs-base.js';

type OnoffGpio = {
  read(): Promise<0 | 1>;
  write(v: 0 | 1): Promise<void>;
  watch(cb: (err: Error | null | undefined, v: 0 | 1) => void): void;
  unwatch(cb?: (err: Error | null | undefined, v: 0 | 1) => void): void;
  unexport(): void;
};
type OnoffModule = { Gpio: { new (n: number, dir: string, edge?: string, opts?: { activeLow?: boolean; reconfigureDirection?: boolean }): OnoffGpio; accessible: boolean } };

export interface OnoffLineOptions {
  /** BCM line number (the number on pinout diagrams, e.g. 17 for pin 11). */
  bcm: number;
  direction: 'in' | 'out';
  /** Edge for inputs that are watched (interrupt lines). */
  edge?: Edge;
  activeLow?: boolean;
  /** sysfs GPIO root; tests point it at a fake tree. */
  sysfsRoot?: string;
}

/**
 * A GpioLine on the sysfs interface through the optional native module onoff, imported only when
 * a configured device needs GPIO. The sysfs number is base + BCM offset, with the base read from
 * /sys/class/gpio/gpiochip*\/{base,label} (512 on a Pi 4, 571 on a Pi 5 with kernel 6.6).
 */
export async function openOnoffLine(o: OnoffLineOptions): Promise<GpioLine> {
  let mod: OnoffModule;
  try {
    const m = (await import('onoff' as string)) as OnoffModule & { default?: OnoffModule };
    mod = m.Gpio ? m : m.default!;
  } catch (err) {
    throw new DeviceError(ErrorCode.NATIVE_MODULE_MISSING, `the onoff module is not installed or not built for this machine (needed for GPIO ${o.bcm}): ${(err as Error).message}`, { bcm: o.bcm }, err);
  }
  if (!mod.Gpio.accessible) throw new DeviceError(DeviceErrorCode.GPIO_UNAVAILABLE, `GPIO is not accessible on this machine (no /sys/class/gpio, or the user is not in group gpio); needed for BCM ${o.bcm}`, { bcm: o.bcm });
  const chip = await detectGpioBase(o.sysfsRoot);
  const n = sysfsNumber(chip, o.bcm);
  let gpio: OnoffGpio;
  try {
    gpio = new mod.Gpio(n, o.direction, o.direction === 'in' ? (o.edge ?? 'none') : undefined, { activeLow: o.activeLow ?? false });
  } catch (err) {
    throw new DeviceError(DeviceErrorCode.GPIO_UNAVAILABLE, `cannot export GPIO BCM ${o.bcm} as sysfs ${n} (${chip.label}, base ${chip.base}): ${(err as Error).message}`, { bcm: o.bcm, sysfs: n, base: chip.base }, err);
  }
  const io = async <T>(what: string, op: () => Promise<T>): Promise<T> => {
    try {
      return await op();
    } catch (err) {
      throw new DeviceError(DeviceErrorCode.GPIO_IO, `GPIO BCM ${o.bcm}: ${what} failed: ${(err as Error).message}`, { bcm: o.bcm, sysfs: n }, err);
    }
  };
  return {
    read: () => io('read', () => gpio.read()),
    write: (v) => io('write', () => gpio.write(v)),
    watch(edge, callback) {
      // onoff's edge is fixed when the line is exported; filter here for a narrower request.
      const cb = (err: Error | null | undefined, v: 0 | 1) => {
        if (err) return;
        if (edge === 'both' || (edge === 'rising' && v === 1) || (edge === 'falling' && v === 0)) callback(v);
      };
      gpio.watch(cb);
      return () => gpio.unwatch(cb);
    },
    async close() {
      gpio.unwatch();
      gpio.unexport();
    },
  };
}

/** Opens the line on first use and again after a failure (a GPIO that is missing at start-up). */
export class LazyGpioLine implements GpioLine {
  private line?: GpioLine;
  private opening?: Promise<GpioLine>;
  private readonly pending: Array<{ edge: Edge; cb: (v: 0 | 1) => void; off?: () => void }> = [];

  constructor(private readonly open: () => Promise<GpioLine>) {}

  async get(): Promise<GpioLine> {
    if (this.line) return this.line;
    this.opening ??= this.open().finally(() => (this.opening = undefined));
    const line = await this.opening;
    if (!this.line) {
      this.line = line;
      for (const w of this.pending) w.off = line.watch(w.edge, w.cb);
    }
    return this.line;
  }

  async read(): Promise<0 | 1> {
    return (await this.get()).read();
  }
  async write(value: 0 | 1): Promise<void> {
    return (await this.get()).write(value);
  }
  watch(edge: Edge, callback: (value: 0 | 1) => void): () => void {
    const w: { edge: Edge; cb: (v: 0 | 1) => void; off?: () => void } = { edge, cb: callback };
    this.pending.push(w);
    if (this.line) w.off = this.line.watch(edge, callback);
    return () => {
      w.off?.();
      this.pending.splice(this.pending.indexOf(w), 1);
    };
  }
  async close(): Promise<void> {
    const line = this.line;
    this.line = undefined;
    await line?.close();
  }
}
