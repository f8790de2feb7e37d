import type { Clock } from '../src/core/clock.js';

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerOptions {
  /** Consecutive failed operations that open the breaker. */
  failureThreshold: number;
  /** How long it stays open before one probe is let through, ms; doubles per failed probe up to maxOpenMs. */
  openMs: number;
  maxOpenMs?: number;
}

/**
 * Per-device circuit breaker: after `failureThreshold` consecutive failures the device is left
 * alone (requests fail fast without touching the bus) for `openMs`; then a single probe decides
 * between closing again and a longer open period.
 */
export class CircuitBreaker {
  private _state: BreakerState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private currentOpenMs: number;
  private probing = false;
  /** Times the breaker opened (for /health). */
  opens = 0;

  constructor(private readonly clock: Clock, private readonly o: BreakerOptions) {
    this.currentOpenMs = o.openMs;
  }

  get state(): BreakerState {
    if (this._state === 'open' && this.clock.monotonic() - this.openedAt >= this.currentOpenMs) this._state = 'half_open';
    return this._state;
  }

  get consecutiveFailures(): number {
    return this.failures;
  }

  /** May a request go out now? In half-open state only one probe at a time. */
  tryAcquire(): boolean {
    const s = this.state;
    if (s === 'closed') return true;
    if (s === 'open' || this.probing) return false;
    this.probing = true;
    return true;
  }

  /** Milliseconds until the next probe is allowed (0 when requests may go now). */
  get retryInMs(): number {
    return this.state === 'open' ? Math.max(0, this.currentOpenMs - (this.clock.monotonic() - this.openedAt)) : 0;
  }

  success(): void {
    this.failures = 0;
    this.probing = false;
    this._state = 'closed';
    this.currentOpenMs = this.o.openMs;
  }

  failure(): void {
    this.failures++;
    const wasProbe = this._state === 'half_open';
    this.probing = false;
    if (wasProbe) this.currentOpenMs = Math.min(this.currentOpenMs * 2, this.o.maxOpenMs ?? this.o.openMs * 8);
    if (wasProbe || this.failures >= this.o.failureThreshold) {
      if (this._state !== 'open') this.opens++;
      this._state = 'open';
      this.openedAt = this.clock.monotonic();
    }
  }
}
