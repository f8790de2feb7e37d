// Types for @echogarden/pffft-wasm (PFFFT compiled to WebAssembly by emscripten, MODULARIZE + ES6;
// the package ships none). Only what fft-plan.ts uses. Pointers are byte offsets into the heap.
declare module '@echogarden/pffft-wasm' {
  export interface PffftModule {
    /** The heap as floats; emscripten replaces this view when the memory grows. */
    HEAPF32: Float32Array;
    /** transform: 0 = PFFFT_REAL, 1 = PFFFT_COMPLEX. Returns 0 if N does not decompose. */
    _pffft_new_setup(n: number, transform: 0 | 1): number;
    _pffft_destroy_setup(setup: number): void;
    /** direction: 0 = PFFFT_FORWARD, 1 = PFFFT_BACKWARD. */
    _pffft_transform_ordered(setup: number, input: number, output: number, work: number, direction: 0 | 1): void;
    _pffft_transform(setup: number, input: number, output: number, work: number, direction: 0 | 1): void;
    _pffft_zreorder(setup: number, input: number, output: number, direction: 0 | 1): void;
    _pffft_aligned_malloc(bytes: number): number;
    _pffft_aligned_free(ptr: number): void;
    /** 4 for the SIMD build, 1 for the scalar one. */
    _pffft_simd_size(): number;
  }
  const factory: (overrides?: Record<string, unknown>) => Promise<PffftModule>;
  export default factory;
}

declare module '@echogarden/pffft-wasm/simd' {
  import factory from '@echogarden/pffft-wasm';
  export default factory;
}
