"""numpy reference of the fabwatch per-window vibration chain (same steps as bench/ref/chain.c and
src/analysis/vibration/analyzer.ts, minus the bearing diagnosis): time features, rfft + Hann in the
frequency domain, velocity RMS, kurtogram over the same candidate bands (ifft per band, spectral
kurtosis), squared envelope spectrum of the best band. Written the way a numpy user would: vectorised
per step, numpy.fft (pocketfft), float64.

Usage: python3 chain.py N FS MIN_BAND_HZ TRIALS ITERS -> {"usPerWindow": ...} (best trial's mean)
"""
import json
import math
import sys
import time

import numpy as np


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 4096
    fs = float(sys.argv[2]) if len(sys.argv) > 2 else 12000.0
    min_band_hz = float(sys.argv[3]) if len(sys.argv) > 3 else fs / 32
    trials = int(sys.argv[4]) if len(sys.argv) > 4 else 20
    iters = int(sys.argv[5]) if len(sys.argv) > 5 else 50
    half = n // 2
    df = fs / n
    min_w = max(16, math.ceil(min_band_hz / df))
    cands = []
    w = half
    while w >= min_w:
        step = w if w == half else w // 2
        s = 0
        while s + w <= half:
            cands.append((s, w))
            s += step
        w //= 2
    ses_bins = cands[-1][1] + 1
    f = np.arange(half + 1) * df
    with np.errstate(divide="ignore"):
        weights = np.where((f >= 10) & (f <= 1000) & (f > 0), (9806.65 / (2 * np.pi * np.maximum(f, 1e-9))) ** 2, 0.0)

    rng = np.random.default_rng(12345)
    x = 0.05 * rng.standard_normal(n)
    t0 = 0.001
    while t0 * fs < n:
        i0 = math.ceil(t0 * fs)
        j = np.arange(min(200, n - i0))
        t = (i0 + j) / fs - t0
        x[i0 : i0 + len(j)] += 0.3 * np.exp(-t / 0.0015) * np.sin(2 * np.pi * 3000 * t)
        t0 += 1 / 105.0

    def chain(x: np.ndarray) -> float:
        xc = x - x.mean()
        m2 = np.mean(xc * xc)
        rms = math.sqrt(m2)
        peak = float(np.max(np.abs(xc)))
        p2p = float(xc.max() - xc.min())
        kurt = float(np.mean(xc**4) / m2**2)
        skew = float(np.mean(xc**3) / m2**1.5)
        X = np.fft.rfft(xc)
        Xp = np.concatenate(([np.conj(X[1])], X, [np.conj(X[-2])]))
        Xw = 0.5 * Xp[1:-1] - 0.25 * (Xp[:-2] + Xp[2:])
        m2k = Xw.real**2 + Xw.imag**2
        power = (2.0 / (n * n * 0.375)) * m2k
        power[0] *= 0.5
        power[-1] *= 0.5
        amp = (4.0 / n) * np.sqrt(m2k)
        vel = math.sqrt(float(np.dot(power, weights)))
        best, bs, bw = -1e300, 0, cands[0][1]
        Xb = X.copy()
        Xb[0] = 0
        for s, w in cands:
            z = np.fft.ifft(Xb[s : s + w])
            p = z.real**2 + z.imag**2
            k = w * float(np.dot(p, p)) / float(p.sum()) ** 2 - 2
            if k > best:
                best, bs, bw = k, s, w
        c = np.zeros(2 * bw, dtype=complex)
        c[:bw] = Xb[bs : bs + bw]
        z = np.fft.ifft(c)
        e = z.real**2 + z.imag**2
        E = np.fft.rfft(e)
        e0 = E[0].real
        E[0] = 0
        hb = min(bw, ses_bins)
        Ew = E[1:hb] - 0.5 * (E[0 : hb - 1] + E[2 : hb + 1])
        ses = (2 / e0) * np.abs(Ew)
        return rms + peak + p2p + kurt + skew + vel + float(amp[100]) + float(ses[5]) + best

    sink = 0.0
    best_us = float("inf")
    for trial in range(trials + 1):
        t = time.perf_counter()
        for _ in range(iters):
            sink += chain(x)
        us = (time.perf_counter() - t) / iters * 1e6
        if trial > 0:
            best_us = min(best_us, us)
    print(json.dumps({"impl": "numpy", "numpy": np.__version__, "n": n, "sampleRateHz": fs, "bands": len(cands), "usPerWindow": round(best_us, 2), "sink": sink}))


if __name__ == "__main__":
    main()
