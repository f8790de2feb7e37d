/**
 * `fabwatch analyze RECORDING.json [--json]`: offline analysis of a recording in the shared
 * datasets format with exactly the analyzer the gateway runs (src/analysis/vibration).
 * The integrator wires analyzeCommand() into the `fabwatch` CLI.
 */
import { createVibrationAnalyzer, type VibrationResult } from '../analysis/vibration/analyzer.js';
import { DiagnosisVote } from '../analysis/vibration/aggregate.js';
import { decimate, decimatedLength, designDecimator } from '../analysis/vibration/decimate.js';
import { ISO20816_PRESETS, isoZone, type ZoneLimits } from '../analysis/vibration/iso20816.js';
import { toSerializable, bandRmsSpectrum } from '../analysis/vibration/serialize.js';
import { WelchAccumulator } from '../analysis/vibration/welch.js';
import { windowSizeForResolution } from '../analysis/vibration/window-size.js';
import { HANN_ENBW_BINS } from '../analysis/vibration/window.js';
import { errorCode, errorMessage } from '../core/errors.js';
import { readRecording, type Recording } from '../recording/recording.js';
import { defaultRulModelPath } from '../core/package-root.js';
import { RulModel } from '../prognosis/rul-model.js';
import { replayRecording, type ReplayRow } from '../prognosis/replay.js';

export const ANALYZE_HELP = `Usage: fabwatch analyze RECORDING.json [options]

Runs the gateway's vibration analysis on a recording (samples in g as float32 LE, or int16 LE x
scale, + JSON sidecar with sampleRateHz, shaftHz and bearing geometry; see datasets/README.md) and
prints a report.

Options:
  --json                 one JSON object (multi-snapshot recordings: one JSON line per snapshot)
  --window N             samples per analysis window, power of two (default: smallest with bins
                         <= 1 Hz, capped to the snapshot length)
  --resample-to HZ       decimate first to HZ (input rate / HZ must be an integer), with an
                         80 dB anti-alias filter, e.g. --resample-to 12000 for a 48 kHz capture
  --shaft-hz HZ          shaft speed (overrides the sidecar's shaftHz)
  --zone-limits L        ISO 20816 zone limits, a preset (${Object.keys(ISO20816_PRESETS).join(', ')})
                         or "AB,BC,CD" in mm/s (default group2_rigid)
  --sensor-bandwidth HZ  keep the envelope band below HZ (ADXL345: 1600, ADXL355: 1000)
  --bands N              bands in the JSON spectrum summaries (default 64)
  --model PATH           RUL model for multi-snapshot recordings (default: models/rul.onnx of the package):
                         per snapshot, health indicator, rul_state and RUL with
                         interval (rul_s, rul_low_s, rul_high_s; no_degradation:
                         only the lower bound rul_low_s)
  --confidence L         confidence level of the RUL interval, 0 < L < 1 (default 0.9)
  --no-rul               skip the RUL replay
  -h, --help             this text

Exit codes: 0 analysed, 1 recording unreadable or invalid, 2 bad usage.
`;

interface Args {
  file: string;
  json: boolean;
  window?: number;
  resampleTo?: number;
  shaftHz?: number;
  zoneLimits?: ZoneLimits;
  sensorBandwidthHz?: number;
  bands: number;
  rul: boolean;
  modelPath?: string;
  confidence: number;
}

class UsageError extends Error {}

function num(name: string, v: string | undefined): number {
  const x = Number(v);
  if (v === undefined || !Number.isFinite(x) || x <= 0) throw new UsageError(`${name} needs a positive number, got ${v ?? 'nothing'}`);
  return x;
}

export function parseAnalyzeArgs(argv: string[]): Args | 'help' {
  const a: Args = { file: '', json: false, bands: 64, rul: true, confidence: 0.9 };
  for (let i = 0; i < argv.length; i++) {
    const t = argv[i];
    switch (t) {
      case '-h':
      case '--help':
        return 'help';
      case '--json':
        a.json = true;
        break;
      case '--window': {
        const w = num(t, argv[++i]);
        if (!Number.isInteger(w) || w < 64 || (w & (w - 1)) !== 0) throw new UsageError(`--window must be a power of two >= 64, got ${w}`);
        a.window = w;
        break;
      }
      case '--resample-to':
        a.resampleTo = num(t, argv[++i]);
        break;
      case '--shaft-hz':
        a.shaftHz = num(t, argv[++i]);
        break;
      case '--sensor-bandwidth':
        a.sensorBandwidthHz = num(t, argv[++i]);
        break;
      case '--bands':
        a.bands = Math.round(num(t, argv[++i]));
        break;
      case '--no-rul':
        a.rul = false;
        break;
      case '--model':
        a.modelPath = argv[++i];
        if (!a.modelPath) throw new UsageError('--model needs a path');
        break;
      case '--confidence':
        a.confidence = num(t, argv[++i]);
        if (!(a.confidence < 1)) throw new UsageError(`--confidence must be between 0 and 1, got ${a.confidence}`);
        break;
      case '--zone-limits': {
        const v = argv[++i] ?? '';
        if (v in ISO20816_PRESETS) a.zoneLimits = { ...ISO20816_PRESETS[v as keyof typeof ISO20816_PRESETS] };
        else {
          const p = v.split(',').map(Number);
          if (p.length !== 3 || !p.every((x) => x > 0) || !(p[0] < p[1] && p[1] < p[2])) throw new UsageError(`--zone-limits: a preset or AB,BC,CD increasing, got "${v}"`);
          a.zoneLimits = { ab: p[0], bc: p[1], cd: p[2] };
        }
        break;
      }
      default:
        if (t.startsWith('-')) throw new UsageError(`unknown option ${t}`);
        if (a.file) throw new UsageError(`one recording at a time (got ${a.file} and ${t})`);
        a.file = t;
    }
  }
  if (!a.file) throw new UsageError('missing RECORDING.json');
  return a;
}

function largestPow2AtMost(n: number): number {
  let p = 64;
  while (p * 2 <= n) p *= 2;
  return p;
}

interface Prepared {
  samples: Float32Array;
  rateHz: number;
  factor: number;
  snapshots: { start: number; length: number }[];
}

function prepare(rec: Recording, resampleTo: number | undefined): Prepared {
  const fs = rec.meta.sampleRateHz;
  if (resampleTo === undefined || resampleTo === fs) return { samples: rec.samples, rateHz: fs, factor: 1, snapshots: rec.snapshots };
  const factor = fs / resampleTo;
  if (!Number.isInteger(factor) || factor < 1) throw new UsageError(`--resample-to ${resampleTo}: ${fs} Hz / ${resampleTo} Hz is not an integer >= 1`);
  const design = designDecimator(factor, fs);
  const snaps = rec.snapshots.map((s) => ({ start: 0, length: decimatedLength(s.length, factor) }));
  let total = 0;
  for (const s of snaps) {
    s.start = total;
    total += s.length;
  }
  const out = new Float32Array(total);
  rec.snapshots.forEach((s, i) => decimate(rec.samples.subarray(s.start, s.start + s.length), design, out.subarray(snaps[i].start, snaps[i].start + snaps[i].length)));
  return { samples: out, rateHz: resampleTo, factor, snapshots: snaps };
}

/** One snapshot's RUL as the state allows: no_degradation is a lower bound only. */
function formatRul(row: ReplayRow): string {
  const r = (v: number | null) => String(Math.round(v ?? Number.NaN));
  if (row.rul_state === 'no_degradation') return `no_degradation: > ${r(row.rul_low_s)}`;
  if (row.rul_state === 'failed') return 'failed';
  return `${row.rul_state}: ${r(row.rul_s)} [${r(row.rul_low_s)}, ${r(row.rul_high_s)}]`;
}

const f2 = (x: number): string => x.toFixed(2);
const f3 = (x: number): string => x.toFixed(3);

function formatWindowish(r: VibrationResult | ReturnType<typeof toSerializable>): string[] {
  const f = r.features;
  const lines = [
    `  acceleration  rms ${f3(f.rms)} g  peak ${f3(f.peak)} g  p-p ${f3(f.peakToPeak)} g  crest ${f2(f.crestFactor)}  kurtosis ${f2(f.kurtosis)}  skewness ${f2(f.skewness)}`,
    `  ISO 20816     velocity ${f2(r.iso20816.velocityRmsMmS)} mm/s rms (${r.iso20816.bandHz[0]}-${r.iso20816.bandHz[1]} Hz)  zone ${r.iso20816.zone}  (limits A/B ${r.iso20816.limits.ab}, B/C ${r.iso20816.limits.bc}, C/D ${r.iso20816.limits.cd})`,
  ];
  const ff = r.faultFrequencies;
  lines.push(
    ff
      ? `  defect freqs  shaft ${f2(ff.shaftHz)} Hz  BPFO ${f2(ff.BPFO)}  BPFI ${f2(ff.BPFI)}  BSF ${f2(ff.BSF)} (2xBSF ${f2(2 * ff.BSF)})  FTF ${f2(ff.FTF)} Hz`
      : '  defect freqs  unknown (sidecar lacks shaftHz or bearing geometry)',
  );
  return lines;
}

function formatEvidence(ev: { component: string; source: string; expectedHz: number; foundHz: number; dbAboveFloor: number }[]): string[] {
  return ev.map((e) => `    ${e.component.padEnd(12)} ${e.source.padEnd(8)} expected ${e.expectedHz.toFixed(1).padStart(7)} Hz  found ${e.foundHz.toFixed(1).padStart(7)} Hz  ${e.dbAboveFloor.toFixed(1).padStart(5)} dB over floor`);
}

/**
 * RUL per snapshot through the gateway's RUL path (src/prognosis/replay.ts). A missing or broken model
 * is reported on the output and the vibration analysis goes on without RUL.
 */
async function rulReplay(rec: Recording, args: Args): Promise<{ version: string; rows: Map<number, ReplayRow> } | null> {
  const modelPath = args.modelPath ?? defaultRulModelPath();
  const model = new RulModel({ modelPath });
  try {
    await model.start();
    const rows = await replayRecording(rec, model, { confidenceLevel: args.confidence });
    return { version: model.version, rows: new Map(rows.map((r) => [r.snapshot, r])) };
  } catch (err) {
    // On stderr, so --json output stays one JSON object per snapshot.
    process.stderr.write(`fabwatch analyze: RUL not available (${errorCode(err)}): ${errorMessage(err)}\n`);
    return null;
  } finally {
    await model.stop();
  }
}

export async function analyzeCommand(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  // `fabwatch analyze X | head` closes the pipe early: stop writing instead of dying on EPIPE.
  // The listener stays attached: the EPIPE of the last buffered write can arrive after we return.
  let closed = false;
  out.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') closed = true;
    else throw err;
  });
  const write = async (text: string): Promise<void> => {
    if (closed) return;
    if (out.write(text)) return;
    // Backpressure (a slow pipe): wait for drain, or for the error that says the reader is gone.
    await new Promise<void>((resolve) => {
      const done = (): void => {
        out.removeListener('drain', done);
        out.removeListener('error', done);
        resolve();
      };
      out.once('drain', done);
      out.once('error', done);
    });
  };
  return run(argv, write, () => closed);
}

async function run(argv: string[], write: (text: string) => Promise<void>, isClosed: () => boolean): Promise<number> {
  let args: Args | 'help';
  try {
    args = parseAnalyzeArgs(argv);
  } catch (err) {
    await write(`fabwatch analyze: ${errorMessage(err)}\n\n${ANALYZE_HELP}`);
    return 2;
  }
  if (args === 'help') {
    await write(ANALYZE_HELP);
    return 0;
  }
  let rec: Recording;
  try {
    rec = await readRecording(args.file);
  } catch (err) {
    await write(`fabwatch analyze: ${errorCode(err)}: ${errorMessage(err)}\n`);
    return 1;
  }
  let prep: Prepared;
  try {
    prep = prepare(rec, args.resampleTo);
  } catch (err) {
    await write(`fabwatch analyze: ${errorMessage(err)}\n`);
    return err instanceof UsageError ? 2 : 1;
  }
  const multi = rec.multiSnapshot;
  const shortest = Math.min(...prep.snapshots.map((s) => s.length));
  if (shortest < 64) {
    await write(`fabwatch analyze: RECORDING_INVALID: recording too short (${shortest} samples)\n`);
    return 1;
  }
  let windowSize = args.window ?? windowSizeForResolution(prep.rateHz);
  windowSize = Math.min(windowSize, largestPow2AtMost(shortest));
  const shaftHz = args.shaftHz ?? rec.meta.shaftHz;
  let analyzer;
  try {
    analyzer = createVibrationAnalyzer({
      sampleRateHz: prep.rateHz,
      windowSize,
      shaftHz,
      bearing: rec.meta.bearing,
      zoneLimits: args.zoneLimits,
      sensorBandwidthHz: args.sensorBandwidthHz,
    });
  } catch (err) {
    await write(`fabwatch analyze: RECORDING_INVALID: ${errorMessage(err)}\n`);
    return 1;
  }
  const header = {
    recording: rec.jsonPath,
    sidecarLabel: rec.meta.label ?? null,
    sampleRateHz: rec.meta.sampleRateHz,
    analysedRateHz: prep.rateHz,
    decimation: prep.factor,
    windowSize,
  };

  if (multi) {
    const rul = args.rul ? await rulReplay(rec, args) : null;
    if (!args.json) {
      await write(`${rec.jsonPath}\n  ${prep.snapshots.length} snapshots of ${rec.meta.snapshotLength} samples at ${rec.meta.sampleRateHz} Hz; analysing the first ${windowSize} of each${prep.factor > 1 ? ` after decimation by ${prep.factor}` : ''}\n`);
      if (rul) await write(`  RUL: model ${rul.version}, interval at ${args.confidence} confidence; state learning | no_degradation (lower bound only) | degrading | failed\n`);
      await write(`  snapshot   rms g   kurt  vel mm/s zone  diagnosis (confidence)${rul ? '        HI   RUL state: s [low, high]' : ''}\n`);
    }
    for (let i = 0; i < prep.snapshots.length && !isClosed(); i++) {
      const s = prep.snapshots[i];
      const r = analyzer.analyze(prep.samples.subarray(s.start, s.start + windowSize), shaftHz);
      if (args.json) {
        const t = rec.meta.snapshotStartSecondsOfDay?.[i];
        const row = rul?.rows.get(i);
        const rulFields = row
          ? { health_indicator: row.health_indicator, health_score: row.health_score, rul_state: row.rul_state, rul_s: row.rul_s, rul_low_s: row.rul_low_s, rul_high_s: row.rul_high_s, rul_unit: row.unit, rul_confidence_level: row.confidence_level, rul_baseline_ready: row.baseline_ready, model_version: row.model_version }
          : {};
        await write(JSON.stringify({ ...header, snapshot: i, startSecondsOfDay: t ?? null, ...toSerializable(r, { spectrumBands: args.bands, envelopeBands: args.bands }), ...rulFields }) + '\n');
      } else {
        const row = rul?.rows.get(i);
        const rulText = row ? `  ${row.health_indicator.toFixed(3).padStart(7)}   ${formatRul(row)}` : '';
        await write(`  ${String(i).padStart(8)} ${f3(r.features.rms).padStart(7)} ${f2(r.features.kurtosis).padStart(6)} ${f2(r.iso20816.velocityRmsMmS).padStart(9)}   ${r.iso20816.zone}   ${r.diagnosis.label} (${f2(r.diagnosis.confidence)})${rulText}\n`);
      }
    }
    return 0;
  }

  // Continuous recording: consecutive non-overlapping windows, vote over windows.
  const x = prep.samples;
  const vote = new DiagnosisVote();
  const welch = new WelchAccumulator((windowSize >> 1) + 1);
  const power = new Float64Array((windowSize >> 1) + 1);
  const perWindow: string[] = [];
  let nWin = 0;
  let sumMs = 0;
  let sumV2 = 0;
  let peak = 0;
  let p2p = 0;
  let kurt = 0;
  let skew = 0;
  let crest = 0;
  let mean = 0;
  let last: ReturnType<typeof toSerializable> | undefined;
  const bandsSeen: string[] = [];
  for (let s = 0; s + windowSize <= x.length; s += windowSize) {
    const r = analyzer.analyze(x.subarray(s, s + windowSize), shaftHz);
    vote.add(r);
    const amp = r.spectrum.magnitudes;
    for (let k = 0; k < power.length; k++) power[k] = (amp[k] * amp[k]) / (2 * HANN_ENBW_BINS); // per-bin mean square
    welch.add(power);
    nWin++;
    const f = r.features;
    sumMs += f.rms * f.rms;
    sumV2 += f.velocityRmsMmS * f.velocityRmsMmS;
    peak = Math.max(peak, f.peak);
    p2p = Math.max(p2p, f.peakToPeak);
    kurt += f.kurtosis;
    skew += f.skewness;
    crest += f.crestFactor;
    mean += f.mean;
    bandsSeen.push(`${r.envelope.lowHz.toFixed(0)}-${r.envelope.highHz.toFixed(0)} Hz`);
    perWindow.push(`    window ${String(nWin - 1).padStart(3)} at ${(s / prep.rateHz).toFixed(2).padStart(6)} s: ${r.diagnosis.label.padEnd(12)} (${f2(r.diagnosis.confidence)})  envelope band ${bandsSeen[nWin - 1]} SK ${f2(r.envelope.kurtosis)}`);
    last = toSerializable(r, { spectrumBands: args.bands, envelopeBands: args.bands });
  }
  if (!last) {
    await write(`fabwatch analyze: RECORDING_INVALID: no full window\n`);
    return 1;
  }
  const agg = vote.result();
  const rms = Math.sqrt(sumMs / nWin);
  const vel = Math.sqrt(sumV2 / nWin);
  const limits = last.iso20816.limits;
  const welchPower = welch.meanPower(new Float64Array(welch.bins));
  const summary = {
    ...header,
    windows: nWin,
    features: {
      mean: mean / nWin,
      rms,
      peak,
      peakToPeak: p2p,
      crestFactor: crest / nWin,
      kurtosis: kurt / nWin,
      skewness: skew / nWin,
      velocityRmsMmS: vel,
    },
    iso20816: { zone: isoZone(vel, limits), velocityRmsMmS: vel, limits, bandHz: last.iso20816.bandHz },
    faultFrequencies: last.faultFrequencies,
    diagnosis: { label: agg.label, confidence: Number(agg.confidence.toFixed(3)), votes: agg.votes, evidence: agg.evidence },
    spectrum: { ...bandRmsSpectrum(welchPower, prep.rateHz / windowSize, args.bands), unit: 'g rms', averagedWindows: nWin },
  };
  if (args.json) {
    await write(JSON.stringify(summary) + '\n');
    return 0;
  }
  const lines = [
    `${rec.jsonPath}${rec.meta.label ? `  (sidecar label: ${rec.meta.label})` : ''}`,
    `  ${x.length} samples at ${prep.rateHz} Hz${prep.factor > 1 ? ` (decimated by ${prep.factor} from ${rec.meta.sampleRateHz} Hz)` : ''}; ${nWin} windows of ${windowSize} (${f2(windowSize / prep.rateHz)} s, bin ${f3(prep.rateHz / windowSize)} Hz)`,
    ...formatWindowish({ ...last, features: { ...last.features, ...summary.features }, iso20816: summary.iso20816 }),
    `  diagnosis     ${agg.label.toUpperCase()}  confidence ${f2(agg.confidence)}  votes ${JSON.stringify(agg.votes)}`,
  ];
  if (agg.evidence.length > 0) lines.push('  evidence (squared envelope spectrum unless noted; strongest window):', ...formatEvidence(agg.evidence));
  else lines.push('  no fault family showed its fundamental and a harmonic above the floor in most windows: no clear fault');
  lines.push('  per window:', ...perWindow);
  await write(lines.join('\n') + '\n');
  return 0;
}
