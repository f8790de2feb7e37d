import type { RobotConfig } from '../config/types.js';
import type { VibrationWindow } from '../acquisition/vibration-window.js';
import type { RobotSensorStats } from '../acquisition/robot-sensors.js';
import { WindowSummarizer } from '../analysis/window-summary.js';
import type { GatewayState } from '../state/gateway-state.js';
import type { TelemetryRecord } from '../state/types.js';
import { rmsHealthScore, statusFromHealth } from './health-score.js';

const round = (v: number, digits = 5) => Number(v.toPrecision(digits));

/**
 * Turns each acquisition window of one robot into analysis results, robot state and a telemetry
 * record. Analysis objects are planned once per robot.
 */
export class RobotMonitor {
  private readonly summarizer: WindowSummarizer;
  private temperature: number | null = null;

  constructor(private readonly robot: RobotConfig, private readonly state: GatewayState, private readonly stats: () => RobotSensorStats) {
    this.summarizer = new WindowSummarizer(robot.analysis.windowSize, robot.accelerometer.odrHz, robot.analysis.spectrumBins);
  }

  onTemperature(celsius: number): void {
    this.temperature = Math.round(celsius * 100) / 100;
    this.state.updateRobot(this.robot.id, { temperature: this.temperature });
  }

  onWindow(w: VibrationWindow): TelemetryRecord {
    const s = this.summarizer.summarize(w.x, w.y, w.z);
    const { analysis } = this.robot;
    const health = rmsHealthScore(s.rms, analysis.rmsBaselineG, analysis.rmsAlarmG);
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
      status,
      spectrum: { df_hz: round(s.spectrum.df), band_hz: round(s.spectrum.bandHz), amplitudes: spectrum.amplitudes, peak_hz: round(s.spectrum.peakHz), peak_amplitude: round(s.spectrum.peakAmplitude) },
      units: { temperature: 'degC', 'vibration.rms': 'g', 'vibration.peak': 'g', 'vibration.sample_rate_hz': 'Hz', 'spectrum.amplitudes': 'g (peak, per band max)', 'spectrum.df_hz': 'Hz', health_score: '0-100' },
    };
    this.state.addTelemetry(record);
    return record;
  }
}
