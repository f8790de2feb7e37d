import type { RobotSensorStats } from './robot-sensors.js';

/** Window slots per robot: the main thread may fall this many windows (x 1.28 s at 1600 Hz, 2048 samples) behind. */
export const RING_SLOTS = 4;
const STATS = 8;
const LOOP = 6;

export interface RobotRing {
  /** acquired, lost, windows, measuredRateHz, lastSampleAt (NaN = none), mode (1 = interrupt), interrupts. */
  stats: Float64Array;
  /** Per slot: the window number it holds (0 = none yet); stored last, with Atomics, after the data. */
  seq: Int32Array;
  /** Per slot: t0, t1, lostBefore. */
  header: Float64Array;
  slots: Array<{ x: Float32Array; y: Float32Array; z: Float32Array }>;
}

/** Event-loop delay of a thread, seconds (from perf_hooks.monitorEventLoopDelay). */
export interface LoopDelaySnapshot {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  count: number;
}

/**
 * The memory the acquisition worker shares with the main thread (one SharedArrayBuffer, laid out
 * once): per robot its stats and a ring of RING_SLOTS window slots the worker's assembler fills in
 * turn, so a completed window is read in place by the main thread (no copy, no allocation per
 * window); a heartbeat the worker bumps while its event loop turns; its event-loop delay.
 * Both threads build this view over the same buffer.
 */
export class AcquisitionRing {
  readonly robots: RobotRing[] = [];
  /** [0]: heartbeat, bumped by the worker every few ms while its loop turns. */
  readonly heartbeat: Int32Array;
  /** The worker's event-loop delay: p50, p90, p99, max, mean (s), count. */
  readonly loopDelay: Float64Array;

  static bytes(windowSizes: readonly number[]): number {
    return 8 * (LOOP + 1) + windowSizes.reduce((sum, n) => sum + 8 * STATS + 8 * 3 * RING_SLOTS + 4 * RING_SLOTS + 4 * 3 * n * RING_SLOTS, 0);
  }

  constructor(
    readonly buffer: SharedArrayBuffer,
    windowSizes: readonly number[],
  ) {
    let off = 0;
    const f64 = (n: number) => {
      const a = new Float64Array(buffer, off, n);
      off += 8 * n;
      return a;
    };
    this.heartbeat = new Int32Array(buffer, off, 2);
    off += 8;
    this.loopDelay = f64(LOOP);
    for (const n of windowSizes) {
      const stats = f64(STATS);
      const header = f64(3 * RING_SLOTS);
      const slots = [];
      for (let i = 0; i < RING_SLOTS; i++) {
        const f32 = () => {
          const a = new Float32Array(buffer, off, n);
          off += 4 * n;
          return a;
        };
        slots.push({ x: f32(), y: f32(), z: f32() });
      }
      const seq = new Int32Array(buffer, off, RING_SLOTS);
      off += 4 * RING_SLOTS;
      off = Math.ceil(off / 8) * 8;
      this.robots.push({ stats, header, slots, seq });
    }
    if (off > buffer.byteLength) throw new RangeError(`shared ring needs ${off} bytes, has ${buffer.byteLength}`);
  }

  static create(windowSizes: readonly number[]): AcquisitionRing {
    const ring = new AcquisitionRing(new SharedArrayBuffer(AcquisitionRing.bytes(windowSizes) + 8 * windowSizes.length), windowSizes);
    for (const r of ring.robots) r.stats[4] = NaN;
    return ring;
  }
}

/** Worker side: the robot's stats into its shared block. */
export function writeStats(into: Float64Array, s: RobotSensorStats): void {
  into[0] = s.samplesAcquired;
  into[1] = s.samplesLost;
  into[2] = s.windows;
  into[3] = s.measuredRateHz;
  into[4] = s.lastSampleAt ?? NaN;
  into[5] = s.mode === 'interrupt' ? 1 : 0;
  into[6] = s.interrupts;
}

/** Main side (and a restarted worker, which continues the counts): the shared block into a stats object. */
export function readStats(from: Float64Array, into: RobotSensorStats): RobotSensorStats {
  into.samplesAcquired = from[0];
  into.samplesLost = from[1];
  into.windows = from[2];
  into.measuredRateHz = from[3];
  into.lastSampleAt = Number.isNaN(from[4]) ? null : from[4];
  into.mode = from[5] === 1 ? 'interrupt' : 'polling';
  into.interrupts = from[6];
  return into;
}

export function writeLoopDelay(into: Float64Array, d: LoopDelaySnapshot): void {
  into[0] = d.p50;
  into[1] = d.p90;
  into[2] = d.p99;
  into[3] = d.max;
  into[4] = d.mean;
  into[5] = d.count;
}

export function readLoopDelay(from: Float64Array): LoopDelaySnapshot {
  return { p50: from[0], p90: from[1], p99: from[2], max: from[3], mean: from[4], count: from[5] };
}
