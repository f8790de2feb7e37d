/**
 * Process-wide settings of the gateway process, applied by `fabwatch run` before the gateway is
 * built (and by the benches that measure the runtime as deployed), never by a component.
 */
export function applyProcessSettings(): void {
  // Node's Buffer pool hands out slices of shared 8 KiB slabs; a long-lived 4-byte slice keeps its
  // whole slab alive. mqtt-packet caches one such slice per distinct packet length (< 16 384,
  // its varByteIntCache), so over days of telemetry of varying length the pinned slabs grew ~1.8 MB
  // a simulated day in the 24 h soak (bench/soak.ts). 64-byte slabs bound that to ~1 MB in all;
  // larger Buffers get their own allocation: bench/uplink.ts measured 27.4 vs 28.8 us CPU per
  // acknowledged message with and without (noise), and the soak's array buffers stayed at 1.5 MB.
  Buffer.poolSize = 64;
}
