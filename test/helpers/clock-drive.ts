import type { ManualClock } from '../../src/core/clock.js';

/** One event-loop turn: pending promise continuations and immediates run. */
export const turn = () => new Promise<void>((r) => setImmediate(r));

/** Advance `clock` by `ms` in steps of `step` with an event-loop turn after each (as the simulated gateway's clock does). */
export async function runClock(clock: ManualClock, ms: number, step = 5): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    clock.advance(step);
    await turn();
  }
}

/**
 * Await `p` while advancing `clock` by `step` per turn: for work that waits on the clock, such as
 * transfers on a timed simulated I2C bus (a sensor's start-up).
 */
export async function whileAdvancing<T>(clock: ManualClock, p: Promise<T>, step = 1, maxSteps = 100_000): Promise<T> {
  let done = false;
  const settled = p.finally(() => (done = true));
  settled.catch(() => undefined);
  for (let i = 0; i < maxSteps; i++) {
    await turn();
    if (done) return settled;
    clock.advance(step);
  }
  throw new Error(`not settled after ${maxSteps} clock steps of ${step} ms`);
}
