/**
 * node --import tsx bench/fft-primitives.ts
 *
 * Per-transform timings at the vibration chain's sizes: PFFFT in WebAssembly as fft-plan.ts runs
 * it (ordered inverse c2c, the forward unordered c2c the kurtogram uses, ordered r2c 4096) and, when
 * gcc + libfftw3-dev are present, FFTW double and single (bench/ref/fft-only.c). Minimum over many
 * trials of the mean of 50 calls; explains where the chain's remaining gap to FFTW comes from
 * (docs/analysis.md "Speed").
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ComplexFft, RealFft, fftBackend } from '../src/analysis/vibration/fft-plan.js';

function best(f: () => void): number {
  for (let i = 0; i < 500; i++) f();
  let b = Infinity;
  for (let t = 0; t < 200; t++) {
    const t0 = performance.now();
    for (let r = 0; r < 50; r++) f();
    b = Math.min(b, ((performance.now() - t0) * 1000) / 50);
  }
  return Number(b.toFixed(2));
}

const pffft: Record<string, number> = {};
for (const n of [256, 512, 1024, 2048]) {
  const c = new ComplexFft(n);
  for (let i = 0; i < 2 * n; i++) c.input[i] = (i % 7) - 3;
  pffft[`c2c${n}`] = best(() => c.inverse());
  pffft[`c2c${n}UnorderedFwd`] = best(() => c.forwardUnorderedFrom(c.inputIndex));
}
const r = new RealFft(4096);
for (let i = 0; i < 4096; i++) r.input[i] = (i % 5) - 2;
pffft.r2c4096 = best(() => r.run());

let fftw: unknown = { skipped: 'gcc or libfftw3-dev missing' };
try {
  const exe = path.join(mkdtempSync(path.join(os.tmpdir(), 'fabwatch-fft-')), 'fft-only');
  const src = path.join(path.dirname(fileURLToPath(import.meta.url)), 'ref', 'fft-only.c');
  execFileSync('gcc', ['-O2', '-o', exe, src, '-lfftw3', '-lfftw3f', '-lm'], { stdio: 'pipe' });
  fftw = JSON.parse(execFileSync(exe, { encoding: 'utf8' }));
} catch (err) {
  fftw = { error: (err as Error).message.split('\n')[0] };
}
process.stdout.write(JSON.stringify({ backend: fftBackend(), pffftUs: pffft, fftwUs: fftw, cpu: os.cpus()[0]?.model, node: process.version }) + '\n');
