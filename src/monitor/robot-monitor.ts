import type { RobotConfig } from '../config/types.js';
import type { VibrationWindow } from '../acquisition/vibration-window.js';
import type { RobotSensorStats } from '../acquisition/robot-sensors.js';
import { createMultiAxisAnalyzer, type MultiAxisAnalyzer } from '../analysis/vibration/multi-axis.js';
import { DiagnosisVote } from '../analysis/vibration/aggregate.js';
import { ISO20816_PRESETS } from '../analysis/vibration/iso20816.js';
import { geometryFromMm } from '../analysis/vibration/bearing.js';
import type { GatewayState } from '../state/gateway-state.js';
import type { SpectrumSummary, TelemetryRecord } from '../state/types.js';
import { assessRobot, type Assessment } from './status-model.js';
import type { RulFeed } from './rul-feed.js';
import { AXES, rulState, spectrumSummary, telemetryRecord, windowJson } from './wire-format.js';
import { RobotAlertRules } from './robot-alerts.js';

export { rulState } from './wire-format.js';

export interface RobotMonitorHooks {
  onError?(err: unknown): void;
  /** Spectrum summary due (published at analysis.spectrumPublishIntervalS). */
  onSpectrum?(summary: SpectrumSummary): void;
  /** The robot was assessed again (status model): re-rank maintenance priority. */
  onAssessment?(a: Assessment): void;
}

/**
 * Turns each acquisition window of one robot into analysis results (the same chain as `fabwatch
 * analyze`, one analyzer per axis, planned once), robot state, a telemetry record, alerts
 * (robot-alerts.ts) and a spectrum summary at a lower rate; the JSON shapes are wire-format.ts's.
 */
export class RobotMonitor {
  private readonly analyzer: MultiAxisAnalyzer;
  private readonly vote: DiagnosisVote;
  private temperature: number | null = null;
  private readonly alerts: RobotAlertRules;
  private lastSpectrumAt = -Infinity;
  private readonly signals: Float32Array[] = [];

  constructor(
    private readonly robot: RobotConfig,
    private readonly state: GatewayState,
    private readonly stats: () => RobotSensorStats,
    private readonly rul?: RulFeed,
    private readonly hooks: RobotMonitorHooks = {},
  ) {
    const a = robot.analysis;
    const bearing = robot.asset.bearing;
    this.analyzer = createMultiAxisAnalyzer({
      sampleRateHz: robot.accelerometer.odrHz,
      windowSize: a.windowSize,
      shaftHz: robot.asset.shaftHz,
      bearing: bearing ? geometryFromMm(bearing) : undefined,
      zoneLimits: a.zoneLimits ?? ISO20816_PRESETS[a.zonePreset],
      // The part's digital filter: bandwidth = ODR / 2 (ADXL345), at most 1.6 kHz.
      sensorBandwidthHz: Math.min(robot.accelerometer.odrHz / 2, 1600),
      bandReselectEvery: a.bandReselectEvery,
    });
    this.vote = new DiagnosisVote(a.diagnosisVoteWindows);
    this.alerts = new RobotAlertRules(robot.id);
  }

  onTemperature(celsius: number): void {
    this.temperature = Math.round(celsius * 100) / 100;
    this.state.updateRobot(this.robot.id, { temperature: this.temperature });
  }

  onWindow(w: VibrationWindow): TelemetryRecord {
    this.signals[0] = w.x;
    this.signals[1] = w.y;
    this.signals[2] = w.z;
    const { results, dominantAxis } = this.analyzer.analyze(this.signals, this.robot.asset.shaftHz);
    const dom = results[dominantAxis];
    this.vote.add(dom);
    const { analysis } = this.robot;
    const window = { rateHz: w.rateHz, samples: w.x.length };
    const j = windowJson(results, dominantAxis, this.vote.result(), window, analysis.spectrumBins);

    const estimate = this.rul?.latest;
    const baselineReady = estimate?.baseline_ready === true;
    const faultSeen = j.diagnosis.label !== 'none' || dom.iso20816.zone === 'C' || dom.iso20816.zone === 'D';
    // Zone C/D or a detected fault while the RUL baseline is learnt: the feed remembers it (across restarts, until reset_rul).
    this.rul?.noteFinding(faultSeen && !baselineReady);
    const rul = estimate ? rulState(estimate, w.t1) : null;
    this.feedRul(dominantAxis, w);

    const robotState = this.state.robot(this.robot.id);
    const newAlerts = this.alerts.check(j.diagnosis.label, j.diagnosis.confidence, dom.iso20816, robotState);
    // One status model (status-model.ts) for the badge, the health score and the priority.
    const assessment = assessRobot({
      robot_id: this.robot.id,
      iso20816: j.iso20816,
      diagnosis: j.diagnosis,
      rul: rul ? { state: rul.rul_state, rul_s: rul.rul_s, rul_low_s: rul.rul_low_s, rul_high_s: rul.rul_high_s, capped: rul.capped } : null,
      trend: baselineReady ? { score: estimate.health_score, baseline_learnt_while_faulty: this.rul?.baselineLearntWhileFaulty ?? false } : null,
      device_faults: robotState?.faults.map((f) => f.code) ?? [],
      active_alerts: this.alerts.active(),
    });
    const health = assessment.health_score ?? 100;
    const status = assessment.status;
    const stats = this.stats();
    this.state.updateRobot(this.robot.id, {
      status,
      health_score: health,
      status_reasons: assessment.reasons,
      baseline_learnt_while_faulty: assessment.baseline_suspect,
      rul,
      vibration: j.vibration,
      iso20816: j.iso20816,
      diagnosis: j.diagnosis,
      fault_frequencies: j.faultFrequencies,
      spectrum: { ...j.spectrum, axis: AXES[dominantAxis] },
      envelope_spectrum: j.envelope,
      sensors: {
        samples_acquired: stats.samplesAcquired,
        samples_lost: stats.samplesLost,
        measured_rate_hz: Math.round(stats.measuredRateHz * 10) / 10,
        last_sample_at: stats.lastSampleAt === null ? null : new Date(stats.lastSampleAt).toISOString(),
      },
    });
    for (const alert of newAlerts) this.state.raiseAlert(alert);
    this.hooks.onAssessment?.(assessment);

    const head = { robot_id: this.robot.id, gateway_id: this.state.identity.gatewayId, site: this.state.identity.site, ts: new Date(w.t1).toISOString() };
    if (analysis.spectrumPublishIntervalS > 0 && w.t1 - this.lastSpectrumAt >= analysis.spectrumPublishIntervalS * 1000) {
      this.lastSpectrumAt = w.t1;
      this.hooks.onSpectrum?.(spectrumSummary(j, head, window));
    }

    const record = telemetryRecord(j, { ...head, temperature: this.temperature, health_score: health, health_source: assessment.health_basis ?? 'zone', status_reasons: assessment.reasons, baseline_learnt_while_faulty: assessment.baseline_suspect, rul, status, lostSamples: w.lostBefore });
    this.state.addTelemetry(record);
    return record;
  }

  /** Every snapshot interval the dominant axis goes to the RUL feed; a new estimate updates the robot. */
  private feedRul(dominantAxis: number, w: VibrationWindow): void {
    if (!this.rul) return;
    this.rul.onWindow(this.signals[dominantAxis], w.rateHz, w.t1).then(
      (e) => {
        if (!e) return;
        // The next window's assessment (status, health, priority) takes the new estimate in.
        this.state.updateRobot(this.robot.id, { rul: rulState(e, w.t1) });
      },
      (err) => this.hooks.onError?.(err),
    );
  }
}
