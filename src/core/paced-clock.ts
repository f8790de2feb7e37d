import { performance } from 'node:perf_hooks';
import { ManualClock } from './clock.js';
import type { Component } from './component.js';

/**
 * The clock of a simulated gateway running faster than real time (`gateway.simulationSpeed`):
 * a ManualClock that a loop advances in small steps, `speed` times faster than the wall clock,
 * with an event-loop turn after every step so that the simulated devices, the drivers' I/O and
 * the analysis keep up step by step (the same stepping the simulated-fab test and the soak use).
 * When the machine cannot keep up, it steps as fast as it can; `status()` says how fast it runs.
 * The loop itself uses the real timers: it is the one place that turns wall time into simulated time.
 */
export class PacedClock extends ManualClock implements Component {
  readonly name = 'paced-clock';
  private running = false;
  private realStart = 0;
  private simStart = 0;
  private loopDone: Promise<void> = Promise.resolve();

  /** speed: simulated ms per real ms (> 1); stepMs: the largest single advance (simulated ms). */
  constructor(
    readonly speed: number,
    startMs = Date.now(),
    private readonly stepMs = 5,
  ) {
    super(startMs);
    if (!(speed >= 1)) throw new RangeError(`speed must be >= 1 (got ${speed})`);
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.realStart = performance.now();
    this.simStart = this.monotonic();
    this.loopDone = this.loop();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.loopDone;
  }

  /** Simulated ms per real ms achieved since start, and how far behind the requested speed it is. */
  status(): { speed: number; achieved_speed: number; behind_ms: number } {
    const real = performance.now() - this.realStart;
    const sim = this.monotonic() - this.simStart;
    return { speed: this.speed, achieved_speed: real > 0 ? Math.round((sim / real) * 100) / 100 : 0, behind_ms: Math.max(0, Math.round(real * this.speed - sim)) };
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const due = (performance.now() - this.realStart) * this.speed - (this.monotonic() - this.simStart);
      if (due >= this.stepMs) {
        this.advance(this.stepMs);
        await new Promise<void>((r) => setImmediate(r));
      } else {
        await new Promise<void>((r) => setTimeout(r, Math.max(1, (this.stepMs - due) / this.speed)));
      }
    }
  }
}
