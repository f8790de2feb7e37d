import type { Clock } from '../core/clock.js';

/**
 * Token bucket for replayed messages (mqtt.outbox.replayRatePerS): `take()` returns 0 when a
 * message may go now, else how many ms to wait. Bursts up to rate/20 messages.
 */
export class ReplayRate {
  private tokens = 0;
  private lastRefill = 0;

  constructor(private readonly clock: Clock, private readonly ratePerS: number) {}

  take(): number {
    const rate = this.ratePerS;
    const now = this.clock.monotonic();
    const burst = Math.max(1, rate / 20);
    this.tokens = Math.min(burst, this.tokens + ((now - this.lastRefill) * rate) / 1000);
    this.lastRefill = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.max(5, Math.ceil(((1 - this.tokens) * 1000) / rate));
  }
}
