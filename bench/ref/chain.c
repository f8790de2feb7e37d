/*
 * FFTW reference of the fabwatch per-window vibration chain (src/analysis/vibration/analyzer.ts),
 * same steps, same sizes, for the speed comparison in bench/dsp.ts:
 *   mean removal + time features (rms, peak, p-p, crest, kurtosis, skewness)
 *   r2c FFT of N, Hann in the frequency domain -> power + amplitude spectra, velocity RMS
 *   kurtogram: for every candidate band, c2c inverse FFT of the band (size W), spectral kurtosis
 *   squared envelope of the best band (c2c inverse 2W, |z|^2, r2c 2W, Hann) -> SES
 * Not included (the TypeScript chain does them too, so this favours C): the bearing diagnosis.
 *
 * Precision: by default double (fftw3), the reference of issue 4's target. With -DSINGLE the same
 * code runs FFTW's single-precision library (fftw3f) on float buffers, with the scalar arithmetic
 * around the FFTs still in double -- exactly what the TypeScript chain does with its float32 PFFFT
 * transforms -- so the comparison can be made at equal FFT precision too.
 *
 * Build: gcc -O3 -march=native -o chain chain.c -lfftw3 -lm
 *        gcc -O3 -march=native -DSINGLE -o chainf chain.c -lfftw3f -lm
 * Run:   ./chain N FS MIN_BAND_HZ TRIALS ITERS  -> {"usPerWindow": ...}: the best trial's mean time per
 *         window (best-of-trials filters out other processes on a shared machine).
 */
#include <complex.h>
#include <fftw3.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef SINGLE
#define FFTW(name) fftwf_##name
typedef float real_t;
#define IMPL "c-fftw3f"
#else
#define FFTW(name) fftw_##name
typedef double real_t;
#define IMPL "c-fftw3"
#endif
typedef FFTW(complex) cplx_t;

typedef struct { int start, width; } cand_t;

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static unsigned int rng_state = 12345u;
static double urand(void) { rng_state = rng_state * 1664525u + 1013904223u; return (rng_state >> 8) / 16777216.0; }

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 4096;
  double fs = argc > 2 ? atof(argv[2]) : 12000;
  double minBandHz = argc > 3 ? atof(argv[3]) : fs / 32;
  int trials = argc > 4 ? atoi(argv[4]) : 30;
  int iters = argc > 5 ? atoi(argv[5]) : 100;
  int half = n / 2, bins = half + 1;
  double df = fs / n;
  int minW = (int)ceil(minBandHz / df);
  if (minW < 16) minW = 16;

  cand_t cands[4096];
  int nc = 0;
  for (int w = half; w >= minW; w >>= 1) {
    int step = w == half ? w : w / 2;
    for (int s = 0; s + w <= half; s += step) cands[nc++] = (cand_t){s, w};
  }
  int narrowest = cands[nc - 1].width;
  int sesBins = narrowest + 1;

  double *x = malloc(sizeof(double) * n);
  real_t *xc = FFTW(alloc_real)(n);
  cplx_t *X = FFTW(alloc_complex)(bins);
  FFTW(plan) pf = FFTW(plan_dft_r2c_1d)(n, xc, X, FFTW_MEASURE);
  /* per-size plans: c2c inverse W (kurtosis), c2c inverse 2W + r2c 2W (SES) */
  FFTW(plan) pinv[32] = {0}, pinv2[32] = {0}, pr2[32] = {0};
  cplx_t *cin = FFTW(alloc_complex)(2 * n), *cout = FFTW(alloc_complex)(2 * n), *E = FFTW(alloc_complex)(n + 1);
  real_t *e = FFTW(alloc_real)(2 * n);
  for (int w = half; w >= narrowest; w >>= 1) {
    int lg = (int)log2(w);
    pinv[lg] = FFTW(plan_dft_1d)(w, cin, cout, FFTW_BACKWARD, FFTW_MEASURE);
    pinv2[lg] = FFTW(plan_dft_1d)(2 * w, cin, cout, FFTW_BACKWARD, FFTW_MEASURE);
    pr2[lg] = FFTW(plan_dft_r2c_1d)(2 * w, e, E, FFTW_MEASURE);
  }
  double *power = malloc(sizeof(double) * bins), *weights = malloc(sizeof(double) * bins);
  float *amp = malloc(sizeof(float) * bins), *ses = malloc(sizeof(float) * sesBins);
  for (int k = 0; k < bins; k++) {
    double f = k * df;
    weights[k] = (k > 0 && f >= 10 && f <= 1000) ? pow(9806.65, 2) / pow(2 * M_PI * f, 2) : 0;
  }
  /* test signal: noise + decaying 3 kHz impacts at 105 Hz (same kind as bench/dsp.ts) */
  for (int i = 0; i < n; i++) {
    double u1 = urand() + 1e-12, u2 = urand();
    x[i] = 0.05 * sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
  }
  for (double t0 = 0.001; t0 * fs < n; t0 += 1 / 105.0) {
    int i0 = (int)ceil(t0 * fs);
    for (int j = 0; j < 200 && i0 + j < n; j++) {
      double t = (i0 + j) / fs - t0;
      x[i0 + j] += 0.3 * exp(-t / 0.0015) * sin(2 * M_PI * 3000 * t);
    }
  }

  volatile double sink = 0;
  double bestUs = 1e300, t0 = now_us();
  for (int it = 0; it < (trials + 1) * iters; it++) {
    if (it % iters == 0) {
      double t1 = now_us();
      if (it >= 2 * iters && (t1 - t0) / iters < bestUs) bestUs = (t1 - t0) / iters; /* first trial = warm-up */
      t0 = t1;
    }
    /* features */
    double sum = 0;
    for (int i = 0; i < n; i++) sum += x[i];
    double mean = sum / n, s2 = 0, s3 = 0, s4 = 0, mx = -1e300, mn = 1e300;
    for (int i = 0; i < n; i++) {
      double v = x[i] - mean;
      xc[i] = v;
      double v2 = v * v;
      s2 += v2; s3 += v2 * v; s4 += v2 * v2;
      if (v > mx) mx = v;
      if (v < mn) mn = v;
    }
    double m2 = s2 / n, rms = sqrt(m2), peak = fmax(mx, -mn);
    double kurt = s4 / n / (m2 * m2), skew = s3 / n / (m2 * rms), crest = peak / rms;
    /* spectrum */
    FFTW(execute)(pf);
    double pScale = 2.0 / ((double)n * n * 0.375), aScale = 4.0 / n, vel = 0;
    for (int k = 0; k < bins; k++) {
      int kl = k == 0 ? 1 : k - 1, kr = k == half ? half - 1 : k + 1;
      double complex xl = k == 0 ? conj(X[kl]) : X[kl];
      double complex xr = k == half ? conj(X[kr]) : X[kr];
      double complex xw = 0.5 * X[k] - 0.25 * (xl + xr);
      double m2k = creal(xw) * creal(xw) + cimag(xw) * cimag(xw);
      int edge = k == 0 || k == half;
      power[k] = (edge ? 0.5 : 1) * pScale * m2k;
      amp[k] = (float)((edge ? 0.5 : 1) * aScale * sqrt(m2k));
      vel += power[k] * weights[k];
    }
    vel = sqrt(vel);
    /* kurtogram */
    double best = -1e300;
    int bs = 0, bw = cands[0].width;
    for (int c = 0; c < nc; c++) {
      int s = cands[c].start, w = cands[c].width;
      for (int i = 0; i < w; i++) cin[i] = (s + i) == 0 ? 0 : X[s + i];
      FFTW(execute_dft)(pinv[(int)log2(w)], cin, cout);
      /* 4 partial sums of each moment, as the TypeScript chain (envelope.ts) sums per SIMD lane */
      double a2[4] = {0}, a4[4] = {0};
      for (int i = 0; i < w; i += 4)
        for (int j = 0; j < 4; j++) {
          double p = creal(cout[i + j]) * creal(cout[i + j]) + cimag(cout[i + j]) * cimag(cout[i + j]);
          a2[j] += p; a4[j] += p * p;
        }
      double q2 = a2[0] + a2[1] + (a2[2] + a2[3]), q4 = a4[0] + a4[1] + (a4[2] + a4[3]);
      double K = q2 > 0 ? w * q4 / (q2 * q2) - 2 : 0;
      if (K > best) { best = K; bs = s; bw = w; }
    }
    /* SES of the chosen band */
    int m = 2 * bw, lg = (int)log2(bw);
    for (int i = 0; i < bw; i++) cin[i] = (bs + i) == 0 ? 0 : X[bs + i];
    memset(cin + bw, 0, sizeof(cplx_t) * bw);
    FFTW(execute_dft)(pinv2[lg], cin, cout);
    for (int i = 0; i < m; i++) e[i] = creal(cout[i]) * creal(cout[i]) + cimag(cout[i]) * cimag(cout[i]);
    FFTW(execute_dft_r2c)(pr2[lg], e, E);
    double e0 = creal(E[0]);
    E[0] = 0;
    double scale = e0 > 0 ? 2 / e0 : 0;
    int hb = m / 2 < sesBins ? m / 2 : sesBins;
    ses[0] = 0;
    for (int k = 1; k < hb; k++) {
      double complex w = E[k] - 0.5 * (E[k - 1] + E[k + 1]);
      ses[k] = (float)(scale * cabs(w));
    }
    sink += rms + peak + kurt + skew + crest + vel + amp[100] + ses[10] + best + (mx - mn);
  }
  double last = (now_us() - t0) / iters;
  double us = last < bestUs ? last : bestUs;
  printf("{\"impl\":\"" IMPL "\",\"n\":%d,\"sampleRateHz\":%g,\"bands\":%d,\"usPerWindow\":%.2f,\"sink\":%g}\n", n, fs, nc, us, (double)sink);
  return 0;
}
