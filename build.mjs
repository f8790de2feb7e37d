#!/usr/bin/env node
// Bundles the runtime into dist/fabwatch.mjs with esbuild. Native modules stay external (they are
// loaded lazily, only when a configured device or feature needs them) and are installed on the
// gateway by `npm ci --omit=dev`.
import { build } from 'esbuild';
import { readFileSync, statSync, mkdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { createRequire } from 'node:module';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const external = [
  'better-sqlite3',
  'i2c-bus',
  'onoff',
  'serialport',
  '@serialport/*',
  'onnxruntime-node',
  // pino runs transports (pino-pretty) in a worker that resolves them by name at run time.
  'pino',
  'pino-pretty',
  // Only used when running from source (the page is bundled on first request); never in dist.
  'esbuild',
  // PFFFT in WebAssembly (src/analysis/vibration/fft-plan.ts): emscripten's loader finds its .wasm
  // beside its own .js (import.meta.url), which a bundle would break. Pure WASM, no native build:
  // it comes from `npm ci --omit=dev` like the others, on any architecture.
  '@echogarden/pffft-wasm',
  '@echogarden/pffft-wasm/simd',
];

mkdirSync('dist', { recursive: true });
const result = await build({
  entryPoints: { fabwatch: 'src/cli/main.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  // Whitespace and syntax are always minified: V8 keeps the whole script source in the heap, and the
  // unminified bundle (with a few non-Latin-1 characters in comments, which make V8 store it as a
  // two-byte string) cost 7.4 MB of the gateway's 80 MB budget. Names stay (keepNames) so stack
  // traces, class names in logs and the source map remain readable; --minify also shortens them.
  minifyWhitespace: true,
  minifySyntax: true,
  minifyIdentifiers: process.argv.includes('--minify'),
  keepNames: !process.argv.includes('--minify'),
  charset: 'ascii',
  legalComments: 'linked',
  external,
  define: { FABWATCH_VERSION: JSON.stringify(pkg.version) },
  // CommonJS dependencies inside an ESM bundle still call require() for Node built-ins.
  banner: { js: "import { createRequire as __fabwatchCreateRequire } from 'node:module'; const require = __fabwatchCreateRequire(import.meta.url);" },
  metafile: true,
  logLevel: 'warning',
});

const size = statSync('dist/fabwatch.mjs').size;
const inputs = Object.keys(result.metafile.inputs).length;
console.log(`dist/fabwatch.mjs: ${(size / 1024).toFixed(0)} KiB from ${inputs} inputs (external: ${external.join(', ')})`);

// The technician page: src/web bundled and minified into dist/web (served by the API from there
// when running the bundle; from source, the API bundles it on first request).
mkdirSync('dist/web', { recursive: true });
const web = await build({ entryPoints: ['src/web/app.ts'], bundle: true, minify: true, format: 'iife', target: 'es2020', outfile: 'dist/web/app.js', legalComments: 'none', logLevel: 'warning' });
void web;
const uplotCss = readFileSync(createRequire(import.meta.url).resolve('uplot/dist/uPlot.min.css'), 'utf8');
writeFileSync('dist/web/index.html', readFileSync('src/web/index.html', 'utf8').replace('<!--uplot.css-->', () => `<style>${uplotCss}</style>`));
const pageFiles = ['dist/web/index.html', 'dist/web/app.js'].map((f) => {
  const body = readFileSync(f);
  return `${f.slice(9)} ${(body.length / 1024).toFixed(1)} KiB (${(gzipSync(body, { level: 9 }).length / 1024).toFixed(1)} KiB gzip)`;
});
console.log(`dist/web: ${pageFiles.join(', ')}`);
