import type { Edge, GpioLine } from '../drivers/transports.js';

/**
 * An in-process GPIO line: the gateway's alarm output in simulated mode (its level is visible to
 * tests and /health) and the data-ready line a simulated accelerometer drives. `drive()` is the
 * "hardware" side (an input's pin level); `write()` is the software side of an output.
 */
export class SimGpioLine implements GpioLine {
  private value: 0 | 1 = 0;
  private readonly watchers = new Set<{ edge: Edge; cb: (v: 0 | 1) => void }>();
  private closed = false;
  /** Scripted fault: every call fails with this errno-style code (e.g. 'EIO'). */
  fault: string | null = null;
  /** Every level the line has taken, with the time it was set (tests of a stack light). */
  readonly history: Array<0 | 1> = [];

  constructor(readonly name: string, readonly direction: 'in' | 'out' = 'in') {}

  get level(): 0 | 1 {
    return this.value;
  }

  private check(): void {
    if (this.closed) throw Object.assign(new Error(`GPIO ${this.name} is closed`), { code: 'EBADF' });
    if (this.fault) throw Object.assign(new Error(`GPIO ${this.name}: ${this.fault}`), { code: this.fault });
  }

  /** Set the pin level from the hardware side; fires edge watchers. */
  drive(value: 0 | 1): void {
    if (value === this.value) return;
    this.value = value;
    this.history.push(value);
    for (const w of [...this.watchers]) {
      if (w.edge === 'both' || (w.edge === 'rising' && value === 1) || (w.edge === 'falling' && value === 0)) w.cb(value);
    }
  }

  async read(): Promise<0 | 1> {
    this.check();
    return this.value;
  }

  async write(value: 0 | 1): Promise<void> {
    this.check();
    this.drive(value);
  }

  watch(edge: Edge, callback: (value: 0 | 1) => void): () => void {
    const w = { edge, cb: callback };
    this.watchers.add(w);
    return () => this.watchers.delete(w);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.watchers.clear();
  }
}
