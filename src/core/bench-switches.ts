/**
 * BENCH-ONLY load injection for `npm run bench:acquisition` (bench/acquisition.ts), read from the
 * environment once. Never set these on a gateway: they make it slower on purpose.
 *
 * - FABWATCH_BENCH_STALL_MS (+ FABWATCH_BENCH_STALL_EVERY_MS, default 2000): the main thread
 *   blocks synchronously this long, this often (a long analysis, a GC pause, a big query).
 * - FABWATCH_BENCH_COMMIT_SLEEP_MS: every outbox commit sleeps this long, synchronously (slow storage).
 */
const num = (name: string): number => {
  const v = Number(process.env[name] ?? 0);
  return Number.isFinite(v) && v > 0 ? Math.min(v, 10_000) : 0;
};

/** Block the calling thread for `ms` without burning a core (a stand-in for a slow fsync). */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Outbox commits sleep this long when FABWATCH_BENCH_COMMIT_SLEEP_MS is set (bench only); 0 otherwise. */
export const benchCommitSleepMs = num('FABWATCH_BENCH_COMMIT_SLEEP_MS');

/** Starts the injected main-thread stalls when FABWATCH_BENCH_STALL_MS is set; returns how to stop them. */
export function startBenchStalls(onStart: (stallMs: number, everyMs: number) => void): () => void {
  const stallMs = num('FABWATCH_BENCH_STALL_MS');
  if (stallMs === 0) return () => undefined;
  const everyMs = num('FABWATCH_BENCH_STALL_EVERY_MS') || 2000;
  onStart(stallMs, everyMs);
  const timer = setInterval(() => {
    const end = performance.now() + stallMs;
    while (performance.now() < end) {
      // busy, as a CPU-bound step on the main thread is
    }
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
