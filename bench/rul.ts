/**
 * RUL model latency and memory: `npm run bench:rul` (or node --import tsx bench/rul.ts).
 * Prints single-prediction latency (through RulModel.predict, i.e. what the gateway pays), a batch
 * of 64, health-feature extraction per 2560-sample snapshot, and the RSS the model adds.
 * Runs ~5 s; numbers are for whatever machine runs it.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RulModel } from '../src/prognosis/rul-model.js';
import { createHealthFeatureScratch, extractHealthFeatures, FEATURE_INDEX, HEALTH_FEATURE_COUNT } from '../src/prognosis/features.js';
import { RulTracker } from '../src/prognosis/rul-tracker.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const modelPath = process.env.MODEL_PATH ?? path.join(root, 'models', 'rul.onnx');
const mb = (b: number) => (b / 1048576).toFixed(1);

function stats(samplesMs: number[]) {
  const s = [...samplesMs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { mean: s.reduce((a, b) => a + b, 0) / s.length, p50: q(0.5), p99: q(0.99) };
}

async function main(): Promise<void> {
  if (global.gc) global.gc();
  const rss0 = process.memoryUsage().rss;
  await import('onnxruntime-node');
  const rss1 = process.memoryUsage().rss;
  const model = new RulModel({ modelPath });
  await model.start();
  const version = model.version;
  if (global.gc) global.gc();
  const rss2 = process.memoryUsage().rss;

  const x = [1.3, 1.8, 1.2, 1.1];
  for (let i = 0; i < 500; i++) await model.predict(x, 0.9);
  const single: number[] = [];
  const tEnd = performance.now() + 2000;
  while (performance.now() < tEnd) {
    const t = performance.now();
    await model.predict(x, 0.9);
    single.push(performance.now() - t);
  }
  const rows = Array.from({ length: 64 }, (_, i) => [1 + i * 0.05, 1 + i * 0.1, 1 + i * 0.02, 1 + i * 0.03]);
  for (let i = 0; i < 100; i++) await model.predictBatch(rows, 0.9);
  const batch: number[] = [];
  const tEnd2 = performance.now() + 1500;
  while (performance.now() < tEnd2) {
    const t = performance.now();
    await model.predictBatch(rows, 0.9);
    batch.push(performance.now() - t);
  }
  const snap = new Float32Array(2560).map((_, i) => Math.sin(i * 0.3) * 0.5 + Math.sin(i * 1.7) * 0.2);
  const scratch = createHealthFeatureScratch(2560);
  const out = new Float64Array(HEALTH_FEATURE_COUNT);
  for (let i = 0; i < 200; i++) extractHealthFeatures(snap, 25600, scratch, out);
  const feat: number[] = [];
  const tEnd3 = performance.now() + 1000;
  while (performance.now() < tEnd3) {
    const t = performance.now();
    extractHealthFeatures(snap, 25600, scratch, out);
    feat.push(performance.now() - t);
  }
  // Full per-snapshot gateway step once the asset's degradation model is established:
  // RulTracker.update + RulTracker.estimate (ONNX population model + Bayesian degradation
  // posterior + competing-risks quantiles by bisection).
  const tracker = new RulTracker({ robotId: 'bench' });
  const f = new Float64Array(HEALTH_FEATURE_COUNT);
  const feed = (peak: number, ms: number) => {
    f[FEATURE_INDEX.rms_g] = 0.05 + peak / 3;
    f[FEATURE_INDEX.peak_g] = peak;
    f[FEATURE_INDEX.kurtosis] = 3;
    f[FEATURE_INDEX.crest_factor] = 4;
    f[FEATURE_INDEX.velocity_rms_mm_s] = 2;
    tracker.update(f, ms);
  };
  let ms = 0;
  for (let i = 0; i < 60; i++, ms += 10_000) feed(0.12, ms);
  for (let sec = 0; sec < 5 * 3600; sec += 10, ms += 10_000) feed(0.12 + 0.1 * Math.exp(0.8 * (sec / 3600)), ms);
  const probe = await tracker.estimate(model, 0.9);
  const upd: number[] = [];
  const est: number[] = [];
  const tEnd4 = performance.now() + 1500;
  while (performance.now() < tEnd4) {
    let t = performance.now();
    feed(0.12 + 0.1 * Math.exp(4), ms);
    upd.push(performance.now() - t);
    ms += 10_000;
    t = performance.now();
    await tracker.estimate(model, 0.9);
    est.push(performance.now() - t);
  }
  const rss3 = process.memoryUsage().rss;
  await model.stop();
  const su = stats(upd);
  const se = stats(est);
  console.log(`tracker (answered by ${probe?.rul_source}): update mean ${(su.mean * 1000).toFixed(1)} us, p50 ${(su.p50 * 1000).toFixed(1)} us; estimate (ONNX + degradation posterior + competing-risks quantiles) mean ${(se.mean * 1000).toFixed(1)} us, p50 ${(se.p50 * 1000).toFixed(1)} us, p99 ${(se.p99 * 1000).toFixed(1)} us`);

  const s1 = stats(single);
  const s64 = stats(batch);
  const sf = stats(feat);
  console.log(`model ${path.relative(root, modelPath)} version ${version}, node ${process.version}, ${process.arch}`);
  console.log(`single prediction (RulModel.predict): mean ${(s1.mean * 1000).toFixed(1)} us, p50 ${(s1.p50 * 1000).toFixed(1)} us, p99 ${(s1.p99 * 1000).toFixed(1)} us over ${single.length} calls (target <= 500 us: ${s1.p50 <= 0.5 ? 'met' : 'NOT met'})`);
  console.log(`batch of 64 (RulModel.predictBatch): mean ${(s64.mean * 1000).toFixed(1)} us, p50 ${(s64.p50 * 1000).toFixed(1)} us, p99 ${(s64.p99 * 1000).toFixed(1)} us (${((s64.p50 * 1000) / 64).toFixed(2)} us per row)`);
  console.log(`health features per 2560-sample snapshot: mean ${(sf.mean * 1000).toFixed(1)} us, p50 ${(sf.p50 * 1000).toFixed(1)} us`);
  console.log(`RSS: ${mb(rss0)} MB before; +${mb(rss1 - rss0)} MB onnxruntime-node loaded; +${mb(rss2 - rss1)} MB model session; ${mb(rss3)} MB after the runs`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
