import type { Clock, TimerHandle } from '../src/core/clock.js';
import type { SimGpioLine } from './gpio-sim.js';

/**
 * A simulated part's INT1 pin wired to a simulated GPIO line. The part's model produces samples
 * lazily, so `attach` samples it every `checkMs` on the clock (a real part raises the pin at the
 * exact sample); the part calls `drive` with its interrupt state after every change.
 */
export class InterruptPin {
  private timer?: TimerHandle;
  private line?: SimGpioLine;

  constructor(private readonly clock: Clock, private readonly sample: () => void) {}

  get attached(): boolean {
    return this.line !== undefined;
  }

  attach(line: SimGpioLine, checkMs: number): void {
    this.line = line;
    this.timer?.cancel();
    this.timer = this.clock.setInterval(this.sample, checkMs);
  }

  detach(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.line = undefined;
  }

  /** Set the line's level for an active or inactive interrupt at the configured polarity. */
  drive(active: boolean, activeHigh: boolean): void {
    this.line?.drive(active === activeHigh ? 1 : 0);
  }
}
