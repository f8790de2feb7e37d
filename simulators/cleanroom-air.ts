import { Random } from './random.js';

/**
 * Airborne particles in a cleanroom for the simulated counters: the ISO 14644-1 class limit
 * C = 10^N x (0.1/D)^2.08 per m3 scaled by a slowly drifting factor, with occasional bursts
 * (a door opening, an operator), Poisson-distributed counts, cumulative over sizes.
 */
export class CleanroomAir {
  private readonly rng: Random;
  private drift = 0.4;
  /** Remaining samples and strength of the current particle burst. */
  private burstLeft = 0;
  private burstGain = 1;

  /** burstSamples: mean burst length in samples (a burst lasts 1-2x this), so an excursion outlasts an alarm's minimum duration. */
  constructor(private readonly isoClass: number, private readonly spikeProbability: number, seed: number, private readonly burstSamples = 1) {
    this.rng = new Random(seed);
  }

  /** Cumulative counts (particles >= size) for one sample of `volumeM3`. */
  sample(sizesUm: readonly number[], volumeM3: number): number[] {
    this.drift = Math.min(0.9, Math.max(0.1, this.drift + 0.05 * this.rng.gauss()));
    if (this.burstLeft === 0 && this.rng.next() < this.spikeProbability) {
      this.burstLeft = Math.max(1, Math.round(this.burstSamples * (1 + this.rng.next())));
      this.burstGain = 4 + 8 * this.rng.next();
    }
    const spike = this.burstLeft > 0 ? this.burstGain : 1;
    if (this.burstLeft > 0) this.burstLeft--;
    const counts = sizesUm.map((d) => this.rng.poisson(10 ** this.isoClass * (0.1 / d) ** 2.08 * this.drift * spike * volumeM3));
    for (let i = 1; i < counts.length; i++) counts[i] = Math.min(counts[i], counts[i - 1]);
    return counts;
  }

  /** Room temperature (C), humidity (%RH) and differential pressure (Pa) with small noise. */
  environment(): { temperatureC: number; humidityPct: number; dpPa: number } {
    return { temperatureC: 21 + 0.2 * this.rng.gauss(), humidityPct: 45 + 1 * this.rng.gauss(), dpPa: 12 + 0.5 * this.rng.gauss() };
  }
}
