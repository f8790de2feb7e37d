import type { Clock } from '../core/clock.js';

/**
 * Measured utilisation of one bus: the growth of its busy time (ms) over the clock's time. The
 * figure covers the span since the older of two snapshots taken at least `windowMs` apart, so with
 * /health read at least every 10 s it is the last 10-20 s; read more rarely, it is the time since
 * the previous reading.
 */
export class BusMeter {
  private older: { at: number; busy: number };
  private newer: { at: number; busy: number };

  constructor(private readonly clock: Clock, private readonly busyMs: () => number, private readonly windowMs = 10_000) {
    this.older = this.newer = { at: clock.monotonic(), busy: busyMs() };
  }

  /** Fraction of the time the bus was busy (0..1), null before any time has passed. */
  utilisation(): number | null {
    const at = this.clock.monotonic();
    const busy = this.busyMs();
    if (at - this.newer.at >= this.windowMs) {
      this.older = this.newer;
      this.newer = { at, busy };
    }
    const span = at - this.older.at;
    return span > 0 ? (busy - this.older.busy) / span : null;
  }
}
