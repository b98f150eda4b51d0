#!/usr/bin/env python3
"""Generate the fixtures of Tests/EvaluationTests/Fixtures.

Reference numbers for the Swift `Evaluation` module: BSS Eval SDR/SIR/SAR and the
permutation from fast_bss_eval's `bss_eval_sources` (filter_length=512, its defaults:
zero_mean=False, clamp_db=None, load_diag=None), and SI-SDR from plain numpy.

Sources are 2-second excerpts of real 16 kHz recordings from ../shared/data/audio
(see its SOURCES.md); estimates are made by deliberately imperfect processing (noisy
soft masks, filtering, leakage, additive noise) so that the scores are realistic.
Everything is deterministic (fixed seed); the WAVs are float32 mono 16 kHz.

    pip install numpy scipy soundfile fast_bss_eval
    python3 Scripts/make-eval-fixtures.py [--audio ../shared/data/audio]

The metrics are computed on the float32 samples exactly as written to the WAVs, cast to
float64 (fast_bss_eval computes in the input's precision; float64 gives the reference).
"""

import argparse
import importlib.metadata
import json
import os
import struct

import fast_bss_eval
import numpy as np
import scipy.signal
import soundfile as sf

RATE = 16000
SECONDS = 2.0
FILTER_LENGTH = 512
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "Tests", "EvaluationTests", "Fixtures")


def excerpt(audio_dir, name, offset, rms):
    x, rate = sf.read(os.path.join(audio_dir, name), dtype="float64", always_2d=True)
    assert rate == RATE, f"{name}: {rate} Hz, expected {RATE}"
    x = x.mean(axis=1)
    start = int(offset * RATE)
    x = x[start:start + int(SECONDS * RATE)]
    return (x * (rms / np.sqrt(np.mean(x ** 2)))).astype(np.float32)


def masked_estimates(refs, rng, mask_noise, power):
    """Noisy soft masks (power `power`) applied to the mixture STFT."""
    mix = np.sum(np.stack(refs).astype(np.float64), axis=0)
    _, _, spec_mix = scipy.signal.stft(mix, nperseg=512, noverlap=384)
    mags = [np.abs(scipy.signal.stft(r.astype(np.float64), nperseg=512, noverlap=384)[2]) ** power for r in refs]
    total = np.sum(mags, axis=0) + 1e-12
    out = []
    for m in mags:
        mask = np.clip(m / total + mask_noise * rng.standard_normal(m.shape), 0, 1)
        _, y = scipy.signal.istft(spec_mix * mask, nperseg=512, noverlap=384)
        out.append(y[: len(mix)].astype(np.float32))
    return out


def si_sdr(ref, est):
    ref = ref.astype(np.float64)
    est = est.astype(np.float64)
    alpha = np.dot(est, ref) / np.dot(ref, ref)
    target = alpha * ref
    return float(10 * np.log10(np.sum(target ** 2) / np.sum((target - est) ** 2)))


def write(name, x):
    # A minimal IEEE-float WAV (fmt, fact, data) written by hand: libsndfile adds a PEAK
    # chunk with a timestamp, which would make every run's files differ.
    data = np.asarray(x, dtype="<f4").tobytes()
    fmt = struct.pack("<HHIIHH", 3, 1, RATE, RATE * 4, 4, 32)
    fact = struct.pack("<I", len(x))
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"fact" + struct.pack("<I", 4) + fact
    body += b"data" + struct.pack("<I", len(data)) + data
    with open(os.path.join(OUT, name), "wb") as fh:
        fh.write(b"RIFF" + struct.pack("<I", len(body)) + body)
    # Read back so the scores are computed on exactly what the tests will load.
    y, _ = sf.read(os.path.join(OUT, name), dtype="float32")
    assert np.array_equal(x, y)


def score(case, ref_names, est_names, signals, permute=True):
    ref = np.stack([signals[n] for n in ref_names]).astype(np.float64)
    est = np.stack([signals[n] for n in est_names]).astype(np.float64)
    # Outputs are indexed by reference; perm[i] is the estimate matched to reference i.
    sdr, sir, sar, perm = fast_bss_eval.bss_eval_sources(ref, est, filter_length=FILTER_LENGTH)
    if not permute:
        # Identical estimates (the mixture): every assignment gives the same scores, but
        # compute_permutation=False fails in fast_bss_eval 0.1.4, so report the identity.
        perm = np.arange(len(ref_names))
    perm = [int(p) for p in perm]
    result = {
        "name": case,
        "references": ref_names,
        "estimates": est_names,
        "sdr": [float(v) for v in sdr],
        "sir": [float(v) for v in sir],
        "sar": [float(v) for v in sar],
        "permutation": perm,
        "si_sdr": [si_sdr(ref[i], est[perm[i]]) for i in range(len(ref_names))],
    }
    print(case, {k: np.round(v, 3).tolist() for k, v in result.items() if k in ("sdr", "sir", "sar", "si_sdr")}, perm)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audio", default=os.path.join(HERE, "..", "..", "shared", "data", "audio"))
    args = parser.parse_args()
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20240607)

    s = {}
    s["ref_speech_f.wav"] = excerpt(args.audio, "speech_libri_198_f.wav", 1.0, 0.1)
    s["ref_speech_m.wav"] = excerpt(args.audio, "speech_libri_3436_m.wav", 1.5, 0.1)
    s["ref_dishes.wav"] = excerpt(args.audio, "noise_dishes.wav", 3.0, 0.05)
    f, m, d = s["ref_speech_f.wav"], s["ref_speech_m.wav"], s["ref_dishes.wav"]

    # Case 1: two speakers, noisy soft masks on the mixture, estimates in reference order.
    e = masked_estimates([f, m], rng, mask_noise=0.15, power=1.0)
    s["masked_f.wav"], s["masked_m.wav"] = e

    # Case 2: two speakers, filtered + leakage + noise, estimates given in swapped order.
    b, a = scipy.signal.butter(4, 3500, fs=RATE)
    noise_f = rng.standard_normal(len(f)) * 0.1 * 10 ** (-22 / 20)
    noise_m = rng.standard_normal(len(m)) * 0.1 * 10 ** (-18 / 20)
    est_f = scipy.signal.lfilter(b, a, f) + 0.25 * m + noise_f
    est_m = 0.8 * np.concatenate([np.zeros(3), m[:-3]]) + 0.15 * f + noise_m
    b2, a2 = scipy.signal.butter(2, [200, 6000], btype="band", fs=RATE)
    est_m = scipy.signal.lfilter(b2, a2, est_m)
    s["swapped_0.wav"] = est_m.astype(np.float32)
    s["swapped_1.wav"] = est_f.astype(np.float32)

    # Case 3: three sources (two speakers and dishes), noisy Wiener-like masks, shuffled order.
    e = masked_estimates([f, m, d], rng, mask_noise=0.1, power=2.0)
    s["three_0.wav"], s["three_1.wav"], s["three_2.wav"] = e[2], e[0], e[1]

    for name, x in s.items():
        write(name, x)

    cases = [
        score("two_speakers_masked", ["ref_speech_f.wav", "ref_speech_m.wav"], ["masked_f.wav", "masked_m.wav"], s),
        score("two_speakers_swapped", ["ref_speech_f.wav", "ref_speech_m.wav"], ["swapped_0.wav", "swapped_1.wav"], s),
        score("three_sources", ["ref_speech_f.wav", "ref_speech_m.wav", "ref_dishes.wav"],
              ["three_0.wav", "three_1.wav", "three_2.wav"], s),
    ]
    # The mixture as the estimate of every reference (float32 sum in reference order).
    mix = (f + m) + d
    s["__mixture__"] = mix
    with np.errstate(divide="ignore"):  # SAR = 10·log10(x/0) = inf is expected here
        mixture = score("three_sources_mixture", ["ref_speech_f.wav", "ref_speech_m.wav", "ref_dishes.wav"],
                        ["__mixture__"] * 3, s, permute=False)
    mixture.pop("estimates")
    # The mixture lies exactly in the span of the references, so its SAR is +inf in exact
    # arithmetic; rounding makes it inf or ~150 dB. JSON has no infinity: store a bound.
    assert all(v > 100 for v in mixture["sar"])
    mixture["sar"] = None
    mixture["sar_above"] = 100.0
    mixture["mixture"] = "sum of the references in order, (r0 + r1) + r2, in float32"

    meta = {
        "generator": "Scripts/make-eval-fixtures.py",
        "reference": f"fast_bss_eval {importlib.metadata.version('fast_bss_eval')} bss_eval_sources, "
                     "float64 input, filter_length=512, zero_mean=False, clamp_db=None, load_diag=None; "
                     "si_sdr: numpy, alpha = <est, ref>/<ref, ref>, no mean removal",
        "sample_rate": RATE,
        "filter_length": FILTER_LENGTH,
        "cases": cases,
        "mixture_cases": [mixture],
    }
    with open(os.path.join(OUT, "scores.json"), "w") as fh:
        json.dump(meta, fh, indent=2, allow_nan=False)
        fh.write("\n")


if __name__ == "__main__":
    main()
