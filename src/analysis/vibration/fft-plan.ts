/**
 * FFT plans: PFFFT (Julien Pommier's SIMD FFT, BSD) compiled to WebAssembly, from the npm package
 * @echogarden/pffft-wasm (pinned). The SIMD128 build is used when the runtime validates a WASM SIMD
 * instruction; otherwise (or with FABWATCH_FFT_NO_SIMD=1, for tests) the scalar build. fftBackend()
 * says which one is active. Transforms are single precision (float32) and unnormalised both ways.
 *
 * Loading is asynchronous (WebAssembly instantiation): this module awaits it at the top level, so
 * every importer (the analyzer, `fabwatch analyze`, the gateway, tests, the esbuild bundle) sees a
 * ready backend and plan construction stays synchronous. Nothing here logs.
 *
 * Memory: each plan's buffers (input, output, work) are allocated on the WASM heap once, at
 * construction, and exposed as Float32Array views. Transforms allocate nothing (neither in JS nor
 * on the WASM heap). Constructing a plan may grow the WASM memory, which replaces its ArrayBuffer:
 * the views of every live plan are then re-taken (remap()), so ALWAYS read plan.input / plan.output
 * / fftHeap() again after constructing another plan rather than keeping an old view; inside one
 * window's analysis nothing is constructed, so views read at the top of analyze() stay valid.
 * A plan's buffers are freed when the plan is garbage-collected (FinalizationRegistry), so keep the
 * plan itself referenced for as long as its views are used; setups (twiddles, read-only) are shared
 * per size and kept.
 *
 * Spectra are stored interleaved (re, im). A "half spectrum" of a real N-point signal holds bins
 * 0..N/2 (N + 2 numbers). PFFFT's ordered real output packs the real DC and Nyquist values into
 * floats 0 and 1; RealFft.run() moves Nyquist to float N and zeroes both imaginary parts (O(1)), so
 * callers see the plain N + 2 layout.
 *
 * Sizes: powers of two, ComplexFft >= 16 and RealFft >= 32 (PFFFT's SIMD build needs complex N to be
 * a multiple of 16 and real N of 32; the same limits are enforced on the scalar build so behaviour
 * does not depend on the backend).
 */
import type { PffftModule } from '@echogarden/pffft-wasm';

export type FftBackend = 'pffft-wasm-simd' | 'pffft-wasm';

/** A module with one function `() -> v128` (i32.const 0; i8x16.splat; i8x16.popcnt): validates only with SIMD128. */
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);

/** emscripten would print aborts to stderr: this module logs nothing, failures surface as exceptions. */
const QUIET = { print: () => {}, printErr: () => {} };
/** Node's global WebAssembly (@types/node 20 declares only its types; the DOM lib is not in the server's type check). */
const wasm = (globalThis as unknown as { WebAssembly: { validate(bytes: Uint8Array): boolean } }).WebAssembly;

async function loadBackend(): Promise<{ mod: PffftModule; backend: FftBackend }> {
  const simdWanted = process.env.FABWATCH_FFT_NO_SIMD !== '1' && wasm.validate(SIMD_PROBE);
  if (simdWanted) {
    try {
      const mod = await (await import('@echogarden/pffft-wasm/simd')).default(QUIET);
      if (mod._pffft_simd_size() === 4) return { mod, backend: 'pffft-wasm-simd' };
    } catch {
      // SIMD build did not instantiate: use the scalar build below.
    }
  }
  const mod = await (await import('@echogarden/pffft-wasm')).default(QUIET);
  return { mod, backend: 'pffft-wasm' };
}

const { mod, backend } = await loadBackend();

/** Which FFT implementation is active (printed by the benchmark and recorded in docs). */
export function fftBackend(): FftBackend {
  return backend;
}

let heap: Float32Array = mod.HEAPF32;

/** The whole WASM heap as floats (current view; re-read it after constructing a plan). */
export function fftHeap(): Float32Array {
  return heap;
}

interface Remappable {
  remap(h: Float32Array): void;
}
const live = new Set<WeakRef<Remappable>>();
const freeOnCollect = new FinalizationRegistry<{ ptrs: number[]; ref: WeakRef<Remappable> }>((held) => {
  for (const p of held.ptrs) mod._pffft_aligned_free(p);
  live.delete(held.ref);
});

/** After anything that may have grown the memory: re-take the heap view and every live plan's views. */
function syncHeap(): void {
  if (mod.HEAPF32 === heap) return;
  heap = mod.HEAPF32;
  for (const ref of live) ref.deref()?.remap(heap);
}

/** `floats` 32-bit floats on the WASM heap, 16-byte aligned; returns the byte pointer. */
function allocFloats(floats: number): number {
  const ptr = mod._pffft_aligned_malloc(4 * floats);
  if (ptr === 0) throw new RangeError(`WASM heap exhausted allocating ${floats} floats for an FFT plan`);
  syncHeap();
  heap.fill(0, ptr >> 2, (ptr >> 2) + floats); // malloc may hand back freed memory
  return ptr;
}

function register(plan: Remappable, ptrs: number[]): void {
  const ref = new WeakRef(plan);
  live.add(ref);
  freeOnCollect.register(plan, { ptrs, ref });
}

const setups = new Map<number, number>();
function setupFor(n: number, kind: 0 | 1): number {
  const key = 2 * n + kind;
  let s = setups.get(key);
  if (s === undefined) {
    s = mod._pffft_new_setup(n, kind);
    syncHeap();
    if (s === 0) throw new RangeError(`PFFFT cannot plan size ${n}`);
    setups.set(key, s);
  }
  return s;
}

function assertSize(n: number, min: number, what: string): void {
  if (!Number.isInteger(n) || n < min || (n & (n - 1)) !== 0) {
    throw new RangeError(`${what} size must be a power of two >= ${min}, got ${n}`);
  }
}

/** The raw exports, not emscripten's lazy first-call wrappers (which re-bind themselves on first use). */
const [transformOrdered, transformUnordered] = ((): [PffftModule['_pffft_transform_ordered'], PffftModule['_pffft_transform']] => {
  const s = setupFor(16, 1);
  const p = allocFloats(3 * 32);
  mod._pffft_transform_ordered(s, p, p + 128, p + 256, 0);
  mod._pffft_transform(s, p, p + 128, p + 256, 0);
  mod._pffft_aligned_free(p);
  return [mod._pffft_transform_ordered, mod._pffft_transform];
})();

/**
 * How ComplexFft.forwardUnorderedFrom() lays out its output: PFFFT's internal order. SIMD build:
 * blocks of 8 floats, 4 real parts then the 4 matching imaginary parts ('split4'); scalar build:
 * interleaved (re, im) pairs ('interleaved'). Either way a permutation of the N bins.
 */
export const UNORDERED_LAYOUT: 'split4' | 'interleaved' = mod._pffft_simd_size() === 4 ? 'split4' : 'interleaved';

/**
 * Real-input forward FFT of size N (PFFFT real transform, ordered output). The plan owns its input
 * (N floats) and output (N + 2 floats: bins 0..N/2 after run()); callers write samples straight into
 * `input`.
 */
export class RealFft implements Remappable {
  readonly n: number;
  /** Write the N real samples here, then call run(). (A view on the WASM heap: see the note on remap.) */
  input!: Float32Array;
  /** Bins 0..N/2 interleaved (re, im), unnormalised: X[k] = sum x[n] e^{-2 pi i k n / N}. */
  output!: Float32Array;
  /** Float index of `input` / `output` in fftHeap() (stable for the plan's life). */
  readonly inputIndex: number;
  readonly outputIndex: number;
  private readonly setup: number;
  private readonly inPtr: number;
  private readonly outPtr: number;
  private readonly workPtr: number;

  constructor(n: number) {
    assertSize(n, 32, 'RealFft');
    this.n = n;
    this.setup = setupFor(n, 0);
    this.inPtr = allocFloats(n);
    this.outPtr = allocFloats(n + 4);
    this.workPtr = allocFloats(n);
    this.inputIndex = this.inPtr >> 2;
    this.outputIndex = this.outPtr >> 2;
    this.remap(heap);
    register(this, [this.inPtr, this.outPtr, this.workPtr]);
  }

  remap(h: Float32Array): void {
    this.input = h.subarray(this.inputIndex, this.inputIndex + this.n);
    this.output = h.subarray(this.outputIndex, this.outputIndex + this.n + 2);
  }

  /** Transforms `input` into `output` (returned). */
  run(): Float32Array {
    const n = this.n;
    transformOrdered(this.setup, this.inPtr, this.outPtr, this.workPtr, 0);
    // PFFFT ordered real layout: [X0, X(N/2), re1, im1, ...]; make it [X0, 0, re1, im1, ..., X(N/2), 0].
    const o = this.output;
    o[n] = o[1];
    o[n + 1] = 0;
    o[1] = 0;
    return o;
  }

  /** Convenience for tests and one-off use: copies `x` in and bins 0..N/2 out (out.length >= N + 2). */
  forward(x: ArrayLike<number>, out: Float64Array | Float32Array): void {
    const n = this.n;
    const input = this.input;
    for (let i = 0; i < n; i++) input[i] = x[i];
    const o = this.run();
    for (let i = 0; i < n + 2; i++) out[i] = o[i];
  }
}

/** Complex FFT of size N (forward and backward, ordered, unnormalised) on WASM-heap buffers. */
export class ComplexFft implements Remappable {
  readonly n: number;
  /** N complex values interleaved (2N floats). */
  input!: Float32Array;
  /** N complex values interleaved (2N floats). */
  output!: Float32Array;
  readonly inputIndex: number;
  readonly outputIndex: number;
  private readonly setup: number;
  private readonly inPtr: number;
  private readonly outPtr: number;
  private readonly workPtr: number;

  constructor(n: number) {
    assertSize(n, 16, 'ComplexFft');
    this.n = n;
    this.setup = setupFor(n, 1);
    this.inPtr = allocFloats(2 * n);
    this.outPtr = allocFloats(2 * n);
    this.workPtr = allocFloats(2 * n);
    this.inputIndex = this.inPtr >> 2;
    this.outputIndex = this.outPtr >> 2;
    this.remap(heap);
    register(this, [this.inPtr, this.outPtr, this.workPtr]);
  }

  remap(h: Float32Array): void {
    this.input = h.subarray(this.inputIndex, this.inputIndex + 2 * this.n);
    this.output = h.subarray(this.outputIndex, this.outputIndex + 2 * this.n);
  }

  /** output = sum input[j] e^{-2 pi i k j / N}. Returns `output`. */
  forward(): Float32Array {
    transformOrdered(this.setup, this.inPtr, this.outPtr, this.workPtr, 0);
    return this.output;
  }

  /** output = sum input[k] e^{+2 pi i k j / N} = N * ifft(input). Returns `output`. */
  inverse(): Float32Array {
    transformOrdered(this.setup, this.inPtr, this.outPtr, this.workPtr, 1);
    return this.output;
  }

  /**
   * Like inverse(), but reads the N complex inputs straight from fftHeap() at float index `index`
   * (a multiple of 4, i.e. 16-byte aligned), e.g. a band of a RealFft's output: no copy. The input
   * is only read.
   */
  inverseFrom(index: number): Float32Array {
    this.checkIndex(index);
    transformOrdered(this.setup, index << 2, this.outPtr, this.workPtr, 1);
    return this.output;
  }

  /**
   * Forward transform of the N complex inputs at heap float index `index` (as inverseFrom), output
   * in PFFFT's internal order (UNORDERED_LAYOUT): the bins are permuted, which saves the reordering
   * pass. For statistics that ignore order, e.g. the moments of |Z|: the magnitudes of the forward
   * transform are those of the inverse one, in another order (Z_fwd[j] = Z_inv[-j mod N]).
   */
  forwardUnorderedFrom(index: number): Float32Array {
    this.checkIndex(index);
    transformUnordered(this.setup, index << 2, this.outPtr, this.workPtr, 0);
    return this.output;
  }

  private checkIndex(index: number): void {
    if ((index & 3) !== 0 || index < 0 || index + 2 * this.n > heap.length) throw new RangeError(`bad FFT input index ${index}`);
  }
}
