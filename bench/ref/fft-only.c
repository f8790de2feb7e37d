/*
 * FFTW per-transform timings at the sizes the vibration chain uses, double (fftw3) and single
 * (fftw3f) precision, FFTW_MEASURE plans: the primitives behind bench/ref/chain.c, for comparison
 * with PFFFT in WebAssembly (bench/fft-primitives.ts runs both).
 *
 * Build: gcc -O2 -o fft-only fft-only.c -lfftw3 -lfftw3f -lm
 * Run:   ./fft-only  -> one JSON object: {"fftw": {"c2c256": us, ...}, "fftwf": {...}}
 *        (minimum over 200 trials of the mean of 50 calls)
 */
#include <fftw3.h>
#include <stdio.h>
#include <time.h>

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

#define BEST(stmt) ({ double b = 1e9; for (int t = 0; t < 200; t++) { double t0 = now_us(); for (int r = 0; r < 50; r++) { stmt; } double d = (now_us() - t0) / 50; if (d < b) b = d; } b; })

int main(void) {
  double d[5], f[5];
  int i = 0;
  for (int n = 256; n <= 2048; n *= 2, i++) {
    fftw_complex *a = fftw_alloc_complex(n), *b = fftw_alloc_complex(n);
    fftwf_complex *af = fftwf_alloc_complex(n), *bf = fftwf_alloc_complex(n);
    fftw_plan p = fftw_plan_dft_1d(n, a, b, FFTW_BACKWARD, FFTW_MEASURE);
    fftwf_plan pf = fftwf_plan_dft_1d(n, af, bf, FFTW_BACKWARD, FFTW_MEASURE);
    for (int j = 0; j < n; j++) { a[j][0] = af[j][0] = j % 7; a[j][1] = af[j][1] = j % 3; }
    d[i] = BEST(fftw_execute(p));
    f[i] = BEST(fftwf_execute(pf));
  }
  int n = 4096;
  double *x = fftw_alloc_real(n);
  float *xf = fftwf_alloc_real(n);
  fftw_complex *X = fftw_alloc_complex(n / 2 + 1);
  fftwf_complex *Xf = fftwf_alloc_complex(n / 2 + 1);
  fftw_plan p = fftw_plan_dft_r2c_1d(n, x, X, FFTW_MEASURE);
  fftwf_plan pf = fftwf_plan_dft_r2c_1d(n, xf, Xf, FFTW_MEASURE);
  for (int j = 0; j < n; j++) x[j] = xf[j] = j % 5;
  d[4] = BEST(fftw_execute(p));
  f[4] = BEST(fftwf_execute(pf));
  printf("{\"fftw\":{\"c2c256\":%.2f,\"c2c512\":%.2f,\"c2c1024\":%.2f,\"c2c2048\":%.2f,\"r2c4096\":%.2f},", d[0], d[1], d[2], d[3], d[4]);
  printf("\"fftwf\":{\"c2c256\":%.2f,\"c2c512\":%.2f,\"c2c1024\":%.2f,\"c2c2048\":%.2f,\"r2c4096\":%.2f}}\n", f[0], f[1], f[2], f[3], f[4]);
  return 0;
}
