/**
 * Time is injected so simulators can run a bearing's life in seconds and tests never sleep.
 * Components take a Clock; only the wiring picks `systemClock`.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** High-resolution monotonic milliseconds, for measuring durations. */
  monotonic(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  setInterval(fn: () => void, ms: number): TimerHandle;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(t) };
  },
  setInterval(fn, ms) {
    const t = setInterval(fn, ms);
    return { cancel: () => clearInterval(t) };
  },
};

/**
 * A manual clock for tests: time moves only when `advance()` is called, and due timers fire in
 * order of their deadlines.
 */
export class ManualClock implements Clock {
  private t: number;
  private mono = 0;
  private nextId = 1;
  private timers = new Map<number, { at: number; fn: () => void; every?: number }>();

  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.t = startMs;
  }

  now(): number {
    return this.t;
  }

  monotonic(): number {
    return this.mono;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { at: this.mono + Math.max(0, ms), fn });
    return { cancel: () => this.timers.delete(id) };
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    const every = Math.max(1, ms);
    this.timers.set(id, { at: this.mono + every, fn, every });
    return { cancel: () => this.timers.delete(id) };
  }

  /** Move time forward by `ms`, firing every timer that falls due, in deadline order. */
  advance(ms: number): void {
    const end = this.mono + ms;
    for (;;) {
      let dueId = -1;
      let dueAt = Infinity;
      for (const [id, timer] of this.timers) {
        if (timer.at <= end && timer.at < dueAt) {
          dueAt = timer.at;
          dueId = id;
        }
      }
      if (dueId < 0) break;
      const timer = this.timers.get(dueId)!;
      this.t += dueAt - this.mono;
      this.mono = dueAt;
      if (timer.every) timer.at += timer.every;
      else this.timers.delete(dueId);
      timer.fn();
    }
    this.t += end - this.mono;
    this.mono = end;
  }
}
