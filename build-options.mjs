// esbuild options shared by the runtime bundle (build.mjs) and benches that bundle a harness the
// same way (bench/soak.ts), so what they measure is built like what is deployed.
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
export const external = [
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

/** Options for a Node ESM bundle of runtime code; `minify` also shortens identifiers. */
export function runtimeBuildOptions({ minify = false } = {}) {
  return {
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
    minifyIdentifiers: minify,
    keepNames: !minify,
    charset: 'ascii',
    legalComments: 'linked',
    external,
    define: { FABWATCH_VERSION: JSON.stringify(pkg.version) },
    // CommonJS dependencies inside an ESM bundle still call require() for Node built-ins.
    banner: { js: "import { createRequire as __fabwatchCreateRequire } from 'node:module'; const require = __fabwatchCreateRequire(import.meta.url);" },
  };
}
