import type { Clock } from './clock.js';

/**
 * Whether the gateway's data path is alive: samples acquired and analysed recently, and the
 * outbox writable. This is what gates the systemd watchdog (Notifier's `isHealthy`): a live event
 * loop alone is not enough, a stalled pipeline must get the process restarted.
 *
 * The wiring reports events (`sampleAcquired()`, `analysed()`, `outboxWrite()`); `isHealthy()`
 * compares their ages with the limits. Time comes from the injected clock (monotonic).
 */
export interface DataPathLivenessOptions {
  clock: Clock;
  /** Longest allowed time since the last analysed window, ms (a few analysis windows). */
  maxAnalysisGapMs: number;
  /** Longest allowed time since the last acquired sample block, ms; default maxAnalysisGapMs. */
  maxSampleGapMs?: number;
  /** Healthy without any sample or analysis for this long after construction, ms (start-up). */
  startupGraceMs: number;
  /**
   * Whether a data path is expected at all (false on a gateway configured with no devices: then
   * only the outbox counts). Default true.
   */
  expectData?: boolean;
  /**
   * Acquisition runs in a worker thread: its heartbeat (`acquisitionBeat()`) must move too, at
   * least every maxSampleGapMs, or the report says `acquisition_thread_stalled`. Default false.
   */
  expectAcquisitionThread?: boolean;
}

export interface DataPathReport {
  healthy: boolean;
  /** Why it is unhealthy; empty when healthy. Stable strings, for logs and /health. */
  reasons: string[];
  lastSampleAgeMs: number | null;
  /** Since the acquisition worker's heartbeat last moved (null without a worker or before the first beat). */
  lastAcquisitionBeatAgeMs: number | null;
  lastAnalysisAgeMs: number | null;
  outboxWritable: boolean;
  outboxError?: string;
}

export class DataPathLiveness {
  private readonly clock: Clock;
  private readonly maxAnalysisGapMs: number;
  private readonly maxSampleGapMs: number;
  private readonly startupGraceMs: number;
  private readonly expectData: boolean;
  private readonly createdAt: number;
  private lastSample: number | undefined;
  private lastBeat: number | undefined;
  private readonly expectThread: boolean;
  private lastAnalysis: number | undefined;
  private outboxOk = true;
  private outboxError: string | undefined;

  constructor(opts: DataPathLivenessOptions) {
    for (const [k, v] of [['maxAnalysisGapMs', opts.maxAnalysisGapMs], ['startupGraceMs', opts.startupGraceMs], ['maxSampleGapMs', opts.maxSampleGapMs ?? opts.maxAnalysisGapMs]] as const) {
      if (!Number.isFinite(v) || v <= 0) throw new RangeError(`${k} must be a positive number of ms, got ${v}`);
    }
    this.clock = opts.clock;
    this.maxAnalysisGapMs = opts.maxAnalysisGapMs;
    this.maxSampleGapMs = opts.maxSampleGapMs ?? opts.maxAnalysisGapMs;
    this.startupGraceMs = opts.startupGraceMs;
    this.expectData = opts.expectData ?? true;
    this.expectThread = opts.expectAcquisitionThread ?? false;
    this.createdAt = opts.clock.monotonic();
  }

  /** A block of samples arrived from any sensor. */
  sampleAcquired(): void {
    this.lastSample = this.clock.monotonic();
  }

  /** The acquisition worker's heartbeat moved (its event loop turns). */
  acquisitionBeat(): void {
    this.lastBeat = this.clock.monotonic();
  }

  /** A window was analysed (any robot). */
  analysed(): void {
    this.lastAnalysis = this.clock.monotonic();
  }

  /** Outcome of the latest outbox write; a failure stays until a write succeeds. */
  outboxWrite(ok: boolean, error?: string): void {
    this.outboxOk = ok;
    this.outboxError = ok ? undefined : error;
  }

  isHealthy(): boolean {
    return this.report().healthy;
  }

  report(): DataPathReport {
    const now = this.clock.monotonic();
    const reasons: string[] = [];
    const inGrace = now - this.createdAt <= this.startupGraceMs;
    const sampleAge = this.lastSample === undefined ? null : now - this.lastSample;
    const analysisAge = this.lastAnalysis === undefined ? null : now - this.lastAnalysis;
    const beatAge = this.lastBeat === undefined ? null : now - this.lastBeat;
    if (this.expectData) {
      if (sampleAge === null ? !inGrace : sampleAge > this.maxSampleGapMs) reasons.push('no_recent_samples');
      if (this.expectThread && (beatAge === null ? !inGrace : beatAge > this.maxSampleGapMs)) reasons.push('acquisition_thread_stalled');
      if (analysisAge === null ? !inGrace : analysisAge > this.maxAnalysisGapMs) reasons.push('no_recent_analysis');
    }
    if (!this.outboxOk) reasons.push('outbox_not_writable');
    return {
      healthy: reasons.length === 0,
      reasons,
      lastSampleAgeMs: sampleAge,
      lastAcquisitionBeatAgeMs: beatAge,
      lastAnalysisAgeMs: analysisAge,
      outboxWritable: this.outboxOk,
      ...(this.outboxError !== undefined ? { outboxError: this.outboxError } : {}),
    };
  }
}
