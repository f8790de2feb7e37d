import type { RobotConfig } from '../config/types.js';
import type { VibrationWindow } from '../acquisition/vibration-window.js';
import type { RobotSensorStats } from '../acquisition/robot-sensors.js';
import { createMultiAxisAnalyzer, type MultiAxisAnalyzer } from '../analysis/vibration/multi-axis.js';
import { DiagnosisVote } from '../analysis/vibration/aggregate.js';
import { bandSpectrum } from '../analysis/vibration/serialize.js';
import { ISO20816_PRESETS } from '../analysis/vibration/iso20816.js';
import type { VibrationResult } from '../analysis/vibration/analyzer.js';
import type { GatewayState } from '../state/gateway-state.js';
import type { RobotRul as RobotRulState, RobotState, SpectrumSummary, TelemetryRecord } from '../state/types.js';
import { rmsHealthScore, statusFromHealth } from './health-score.js';
import type { RobotRul } from './robot-rul.js';
import type { RulEstimate } from '../health/rul-tracker.js';

const AXES = ['x', 'y', 'z'] as const;
const round = (v: number, digits = 5) => (Number.isFinite(v) ? Number(v.toPrecision(digits)) : v);

export function rulState(e: RulEstimate, ts: number): RobotRulState {
  const r = (v: number | null) => (v === null ? null : Math.round(v));
  return {
    rul_state: e.rul_state,
    rul_s: r(e.rul_s),
    rul_low_s: Math.round(e.rul_low_s),
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

export interface RobotMonitorHooks {
  /** A RUL estimate changed (re-rank maintenance priority). */
  onRul?(robotId: string): void;
  onError?(err: unknown): void;
  /** Spectrum summary due (published at analysis.spectrumPublishIntervalS). */
  onSpectrum?(summary: SpectrumSummary): void;
}

/**
 * Turns each acquisition window of one robot into analysis results (the same chain as `fabwatch
 * analyze`, one analyzer per axis, planned once), robot state, a telemetry record, alerts on a
 * diagnosis change or an ISO 20816 zone C/D entry, and a spectrum summary at a lower rate.
 */
export class RobotMonitor {
  private readonly analyzer: MultiAxisAnalyzer;
  private readonly vote: DiagnosisVote;
  private temperature: number | null = null;
  private reportedDiagnosis = 'none';
  private reportedZone: string | null = null;
  private lastSpectrumAt = -Infinity;
  private readonly signals: Float32Array[] = [];

  constructor(
    private readonly robot: RobotConfig,
    private readonly state: GatewayState,
    private readonly stats: () => RobotSensorStats,
    private readonly rul?: RobotRul,
    private readonly hooks: RobotMonitorHooks = {},
  ) {
    const a = robot.analysis;
    const bearing = robot.asset.bearing;
    this.analyzer = createMultiAxisAnalyzer({
      sampleRateHz: robot.accelerometer.odrHz,
      windowSize: a.windowSize,
      shaftHz: robot.asset.shaftHz,
      bearing: bearing ? { nBalls: bearing.nBalls, ballDiameter: bearing.ballDiameterMm, pitchDiameter: bearing.pitchDiameterMm, contactAngleDeg: bearing.contactAngleDeg } : undefined,
      zoneLimits: a.zoneLimits ?? ISO20816_PRESETS[a.zonePreset],
      // The part's digital filter: bandwidth = ODR / 2 (ADXL345), at most 1.6 kHz.
      sensorBandwidthHz: Math.min(robot.accelerometer.odrHz / 2, 1600),
      bandReselectEvery: a.bandReselectEvery,
    });
    this.vote = new DiagnosisVote(a.diagnosisVoteWindows);
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
    const voted = this.vote.result();
    const { analysis } = this.robot;

    let ms = 0;
    let peak = 0;
    for (const r of results) {
      ms += r.features.rms * r.features.rms;
      peak = Math.max(peak, r.features.peak);
    }
    const rms = Math.sqrt(ms);

    // The model's health score once it has an estimate from a learnt baseline; the RMS mapping until then.
    const estimate = this.rul?.latest;
    const fromModel = estimate?.baseline_ready === true;
    const health = fromModel ? estimate.health_score : rmsHealthScore(rms, analysis.rmsBaselineG, analysis.rmsAlarmG);
    const rul = estimate ? rulState(estimate, w.t1) : null;
    if (this.rul) {
      this.rul.onWindow(this.signals[dominantAxis], w.rateHz, w.t1).then(
        (e) => {
          if (!e) return;
          this.state.updateRobot(this.robot.id, { rul: rulState(e, w.t1) });
          this.hooks.onRul?.(this.robot.id);
        },
        (err) => this.hooks.onError?.(err),
      );
    }

    const f = dom.features;
    const axes = { x: this.axisStats(results[0]), y: this.axisStats(results[1]), z: this.axisStats(results[2]) };
    const vibration = {
      rms: round(rms),
      peak: round(peak),
      axes,
      dominant_axis: AXES[dominantAxis],
      sample_rate_hz: w.rateHz,
      window_samples: w.x.length,
      velocity_rms_mm_s: round(f.velocityRmsMmS),
      kurtosis: round(f.kurtosis),
      crest_factor: round(f.crestFactor),
      skewness: round(f.skewness),
      peak_to_peak: round(f.peakToPeak),
    };
    const iso20816 = { zone: dom.iso20816.zone, velocity_rms_mm_s: round(dom.iso20816.velocityRmsMmS), limits: { ...dom.iso20816.limits }, band_hz: [dom.iso20816.bandHz[0], dom.iso20816.bandHz[1]] as [number, number] };
    const diagnosis = {
      label: voted.label,
      confidence: round(voted.confidence, 3),
      windows: voted.windows,
      votes: voted.votes,
      evidence: voted.evidence.map((e) => ({ fault: e.fault, source: e.source, component: e.component, expected_hz: round(e.expectedHz, 4), found_hz: round(e.foundHz, 4), db_above_floor: round(e.dbAboveFloor, 3) })),
      window_label: dom.diagnosis.label,
    };
    const ff = dom.faultFrequencies;
    const faultFrequencies = ff ? { shaft_hz: round(ff.shaftHz), FTF: round(ff.FTF), BPFO: round(ff.BPFO), BPFI: round(ff.BPFI), BSF: round(ff.BSF) } : null;
    const amp = bandSpectrum(dom.spectrum.magnitudes, dom.spectrum.df, analysis.spectrumBins, 'rms');
    const env = bandSpectrum(dom.envelopeSpectrum.magnitudes, dom.envelopeSpectrum.df, analysis.spectrumBins, 'max');
    let peakBin = 1;
    for (let k = 2; k < dom.spectrum.magnitudes.length; k++) if (dom.spectrum.magnitudes[k] > dom.spectrum.magnitudes[peakBin]) peakBin = k;
    const spectrum = { df_hz: round(dom.spectrum.df), band_hz: round(amp.bandHz), amplitudes: amp.values, peak_hz: round(peakBin * dom.spectrum.df), peak_amplitude: round(dom.spectrum.magnitudes[peakBin]) };
    const envelope = { band_hz: round(env.bandHz), values: env.values, filter_band_hz: [round(dom.envelope.lowHz), round(dom.envelope.highHz)] as [number, number] };

    const robotState = this.state.robot(this.robot.id);
    const status = robotState?.faults.length ? 'fault' : worstStatus(statusFromHealth(health), dom.iso20816.zone);
    const stats = this.stats();
    this.state.updateRobot(this.robot.id, {
      status,
      health_score: health,
      rul,
      vibration,
      iso20816,
      diagnosis,
      fault_frequencies: faultFrequencies,
      spectrum: { ...spectrum, axis: AXES[dominantAxis] },
      envelope_spectrum: envelope,
      sensors: {
        samples_acquired: stats.samplesAcquired,
        samples_lost: stats.samplesLost,
        measured_rate_hz: Math.round(stats.measuredRateHz * 10) / 10,
        last_sample_at: stats.lastSampleAt === null ? null : new Date(stats.lastSampleAt).toISOString(),
      },
    });
    this.raiseChanges(diagnosis.label, diagnosis.confidence, dom, robotState);

    if (analysis.spectrumPublishIntervalS > 0 && w.t1 - this.lastSpectrumAt >= analysis.spectrumPublishIntervalS * 1000) {
      this.lastSpectrumAt = w.t1;
      this.hooks.onSpectrum?.({
        robot_id: this.robot.id,
        gateway_id: this.state.identity.gatewayId,
        site: this.state.identity.site,
        ts: new Date(w.t1).toISOString(),
        axis: AXES[dominantAxis],
        sample_rate_hz: w.rateHz,
        window_samples: w.x.length,
        spectrum: { df_hz: spectrum.df_hz, band_hz: spectrum.band_hz, unit: 'g rms per band', values: amp.values },
        envelope_spectrum: { band_hz: envelope.band_hz, unit: 'squared-envelope modulation, band max', values: env.values, filter_band_hz: envelope.filter_band_hz },
        fault_frequencies: faultFrequencies,
      });
    }

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
      iso20816,
      diagnosis,
      fault_frequencies: faultFrequencies,
      spectrum,
      units: {
        temperature: 'degC',
        'vibration.rms': 'g',
        'vibration.peak': 'g',
        'vibration.velocity_rms_mm_s': 'mm/s',
        'vibration.sample_rate_hz': 'Hz',
        'spectrum.amplitudes': 'g rms per band',
        'spectrum.df_hz': 'Hz',
        'fault_frequencies': 'Hz',
        health_score: '0-100',
        'rul.rul_s': 's',
      },
    };
    this.state.addTelemetry(record);
    return record;
  }

  private axisStats(r: VibrationResult) {
    return { rms: round(r.features.rms), peak: round(r.features.peak), velocity_rms_mm_s: round(r.features.velocityRmsMmS), kurtosis: round(r.features.kurtosis) };
  }

  /** Alerts: a change of the voted diagnosis, and an ISO 20816 zone C/D entry (and leaving it). */
  private raiseChanges(label: string, confidence: number, dom: VibrationResult, robot: RobotState | undefined): void {
    if (label !== this.reportedDiagnosis) {
      const from = this.reportedDiagnosis;
      this.reportedDiagnosis = label;
      this.state.raiseAlert({
        robotId: this.robot.id,
        source: 'diagnosis',
        code: label === 'none' ? 'DIAGNOSIS_CLEARED' : 'DIAGNOSIS_CHANGED',
        severity: label === 'none' ? 'info' : label === 'imbalance' || label === 'misalignment' ? 'warning' : 'critical',
        message: label === 'none' ? `${this.robot.id}: no clear fault any more (was ${from})` : `${this.robot.id}: ${label.replace('_', ' ')} (confidence ${confidence.toFixed(2)}; was ${from})`,
        active: label !== 'none',
      });
    }
    const zone = dom.iso20816.zone;
    const serious = zone === 'C' || zone === 'D';
    const wasSerious = this.reportedZone === 'C' || this.reportedZone === 'D';
    if (zone !== this.reportedZone && (serious || wasSerious)) {
      this.state.raiseAlert({
        robotId: this.robot.id,
        source: 'iso20816',
        code: serious ? `ISO20816_ZONE_${zone}` : 'ISO20816_ZONE_OK',
        severity: zone === 'D' ? 'critical' : serious ? 'warning' : 'info',
        message: `${this.robot.id}: ISO 20816 zone ${zone} (velocity ${dom.iso20816.velocityRmsMmS.toFixed(2)} mm/s RMS; limits B/C ${dom.iso20816.limits.bc}, C/D ${dom.iso20816.limits.cd})${robot?.maintenance ? ' [maintenance mode]' : ''}`,
        active: serious,
      });
    }
    this.reportedZone = zone;
  }
}

/** The worse of the health-derived status and the ISO zone's. */
function worstStatus(fromHealth: 'ok' | 'warning' | 'critical' | 'starting' | 'fault', zone: string): 'ok' | 'warning' | 'critical' {
  const rank = { ok: 0, warning: 1, critical: 2 } as const;
  const zoneStatus = zone === 'D' ? 'critical' : zone === 'C' ? 'warning' : 'ok';
  const h = fromHealth === 'ok' || fromHealth === 'warning' || fromHealth === 'critical' ? fromHealth : 'ok';
  return rank[zoneStatus] > rank[h] ? zoneStatus : h;
}
