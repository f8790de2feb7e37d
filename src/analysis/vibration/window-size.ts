/**
 * Window length rule used by `fabwatch analyze` (and recommended for the gateway): the smallest
 * power of two whose bin width is at most `maxBinHz` (default 1 Hz). Rationale: the diagnosis
 * searches +-2 % around each defect frequency (bearing slip); at ~100 Hz that is +-2 Hz, so bins
 * must be ~1 Hz for the search band to separate BPFO/BPFI/2xBSF harmonics, and a 1 s window holds
 * ~100 impacts at those rates, enough for a stable squared envelope spectrum.
 */
export function windowSizeForResolution(sampleRateHz: number, maxBinHz = 1, maxSize = 1 << 16): number {
  let n = 64;
  while (sampleRateHz / n > maxBinHz && n < maxSize) n <<= 1;
  return n;
}
