import type { RobotConfig } from '../config/types.js';
import type { VibrationWindow } from '../acquisition/vibration-window.js';
import type { RobotSensorStats } from '../acquisition/robot-sensors.js';
import { WindowSummarizer } from '../analysis/window-summary.js';
import type { GatewayState } from '../state/gateway-state.js';
import type { RobotRul as RobotRulState, TelemetryRecord } from '../state/types.js';
import { rmsHealthScore, statusFromHealth } from './health-score.js';
import type { RobotRul } from './robot-rul.js';
import type { RulEstimate } from '../health/rul-tracker.js';

export function rulState(e: RulEstimate, ts: number): RobotRulState {
  const r = (v: number) => Math.round(v);
  return {
    rul_s: r(e.rul_s),
    rul_low_s: r(e.rul_low_s),
    rul_high_s: r(e.rul_high_s),
    unit: 's',
    confidence_level: e.confidence_level,
    health_indicator: Math.round(e.health_indicator * 1000) / 1000,
    model_version: e.model_version,
    baseline_ready: e.baseline_ready,
    input_window: { snapshots: e.input_window.snapshots, from: new Date(e.input_window.from_ms).toISOString(), to: new Date(e.input_window.to_ms).toISOString() },
    ts: new Date(ts).toISOString(),
  };
}

const round = (v: number, digits = 5) => Number(v.toPrecision(digits));

/**
 * Turns each acquisition window of one robot into analysis results, robot state and a telemetry
 * record. Analysis objects are planned once per robot.
 */
export class RobotMonitor {
  private readonly summarizer: WindowSummarizer;
  private temperature: number | null = null;

  constructor(
    private readonly robot: RobotConfig,
    private readonly state: GatewayState,
    private readonly stats: () => RobotSensorStats,
    private readonly rul?: RobotRul,
    private readonly onRul?: (robotId: string) => void,
    private readonly onError?: (err: unknown) => void,
  ) {
    this.summarizer = new WindowSummarizer(robot.analysis.windowSize, robot.accelerometer.odrHz, robot.analysis.spectrumBins);
  }

  onTemperature(celsius: number): void {
    this.temperature = Math.round(celsius * 100) / 100;
    this.state.updateRobot(this.robot.id, { temperature: this.temperature });
  }

  onWindow(w: VibrationWindow): TelemetryRecord {
    const s = this.summarizer.summarize(w.x, w.y, w.z);
    const { analysis } = this.robot;
    // The model's health score once it has an estimate from a learnt baseline; the RMS mapping until then.
    const estimate = this.rul?.latest;
    const fromModel = estimate?.baseline_ready === true;
    const health = fromModel ? estimate.health_score : rmsHealthScore(s.rms, analysis.rmsBaselineG, analysis.rmsAlarmG);
    const rul = estimate ? rulState(estimate, w.t1) : null;
    if (this.rul) {
      const sig = s.dominantAxis === 'x' ? w.x : s.dominantAxis === 'y' ? w.y : w.z;
      this.rul.onWindow(sig, w.rateHz, w.t1).then(
        (e) => {
          if (!e) return;
          this.state.updateRobot(this.robot.id, { rul: rulState(e, w.t1) });
          this.onRul?.(this.robot.id);
        },
        (err) => this.onError?.(err),
      );
    }
    const stats = this.stats();
    const vibration = {
      rms: round(s.rms),
      peak: round(s.peak),
      axes: {
        x: { rms: round(s.axes.x.rms), peak: round(s.axes.x.peak) },
        y: { rms: round(s.axes.y.rms), peak: round(s.axes.y.peak) },
        z: { rms: round(s.axes.z.rms), peak: round(s.axes.z.peak) },
      },
      dominant_axis: s.dominantAxis,
      sample_rate_hz: w.rateHz,
      window_samples: w.x.length,
    };
    const spectrum = { ...s.spectrum, amplitudes: s.spectrum.amplitudes.map((a) => round(a, 4)) };
    const robotState = this.state.robot(this.robot.id);
    const status = robotState?.faults.length ? 'fault' : statusFromHealth(health);
    this.state.updateRobot(this.robot.id, {
      status,
      health_score: health,
      rul,
      vibration,
      spectrum,
      sensors: {
        samples_acquired: stats.samplesAcquired,
        samples_lost: stats.samplesLost,
        measured_rate_hz: Math.round(stats.measuredRateHz * 10) / 10,
        last_sample_at: stats.lastSampleAt === null ? null : new Date(stats.lastSampleAt).toISOString(),
      },
    });
    const record: TelemetryRecord = {
      robot_id: this.robot.id,
      gateway_id: this.state.identity.gatewayId,
      site: this.state.identity.site,
      ts: new Date(w.t1).toISOString(),
      temperature: this.temperature,
      vibration: { ...vibration, lost_samples: w.lostBefore },
      health_score: health,
      health_source: fromModel ? 'rul_model' : 'rms',
      rul,
      status,
      spectrum: { df_hz: round(s.spectrum.df), band_hz: round(s.spectrum.bandHz), amplitudes: spectrum.amplitudes, peak_hz: round(s.spectrum.peakHz), peak_amplitude: round(s.spectrum.peakAmplitude) },
      units: { temperature: 'degC', 'vibration.rms': 'g', 'vibration.peak': 'g', 'vibration.sample_rate_hz': 'Hz', 'spectrum.amplitudes': 'g (peak, per band max)', 'spectrum.df_hz': 'Hz', health_score: '0-100', 'rul.rul_s': 's' },
    };
    this.state.addTelemetry(record);
    return record;
  }
}
