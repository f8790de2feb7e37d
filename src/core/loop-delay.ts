import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { LoopDelaySnapshot } from '../acquisition/shared-ring.js';

const RESOLUTION_MS = 10;

/**
 * Event-loop delay of the calling thread (perf_hooks.monitorEventLoopDelay, 10 ms resolution):
 * how late timers and I/O callbacks run. Cumulative since start(); `snapshot()` in seconds.
 * One per thread: the main thread's feeds /metrics directly, the acquisition worker's is copied
 * into the shared ring for the main thread to report.
 */
export class LoopDelay {
  private h?: IntervalHistogram;

  start(): void {
    if (this.h) return;
    this.h = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    this.h.enable();
  }

  stop(): void {
    this.h?.disable();
    this.h = undefined;
  }

  snapshot(): LoopDelaySnapshot {
    const h = this.h;
    if (!h || h.count === 0) return { p50: 0, p90: 0, p99: 0, max: 0, mean: 0, count: 0 };
    // The histogram records the interval between its 10 ms timer's runs: the delay is what exceeds 10 ms.
    const s = (ns: number) => Math.max(0, ns / 1e9 - RESOLUTION_MS / 1000);
    return { p50: s(h.percentile(50)), p90: s(h.percentile(90)), p99: s(h.percentile(99)), max: s(h.max), mean: s(h.mean), count: h.count };
  }
}
