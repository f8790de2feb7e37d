#!/usr/bin/env node
// Bundles the runtime into dist/fabwatch.mjs with esbuild. Native modules stay external (they are
// loaded lazily, only when a configured device or feature needs them) and are installed on the
// gateway by `npm ci --omit=dev`.
import { build } from 'esbuild';
import { readFileSync, statSync, mkdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { external, runtimeBuildOptions } from './build-options.mjs';

const minify = process.argv.includes('--minify');

mkdirSync('dist', { recursive: true });
const result = await build({
  // The acquisition worker (acquisition.thread: worker) is its own entry: dist/acquisition-worker.mjs,
  // found beside the bundle by src/wiring/robots.ts.
  entryPoints: { fabwatch: 'src/cli/main.ts', 'acquisition-worker': 'src/wiring/acquisition-worker.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  ...runtimeBuildOptions({ minify }),
  metafile: true,
  logLevel: 'warning',
});

const size = statSync('dist/fabwatch.mjs').size;
const inputs = Object.keys(result.metafile.inputs).length;
console.log(`dist/fabwatch.mjs: ${(size / 1024).toFixed(0)} KiB from ${inputs} inputs (external: ${external.join(', ')})`);
console.log(`dist/acquisition-worker.mjs: ${(statSync('dist/acquisition-worker.mjs').size / 1024).toFixed(0)} KiB`);

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
