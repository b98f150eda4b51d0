#!/usr/bin/env python3
"""Generate the stereo fixtures of Tests/EvaluationTests/Fixtures/images.

Reference numbers for `BSSEval.evaluateImages`: the BSS Eval v4 image metrics (SDR, ISR,
SIR, SAR) and the permutation from museval's `metrics.bss_eval` with one window over the
whole signal (window = hop = the length), filters_len=512, framewise_filters=False,
bsseval_sources_version=False, compute_permutation=True — the SiSEC 2018 measures; and for
`BSSEval.evaluateImagesFramewise` the same window by window (two framings per case).

Source images are 1.5-second excerpts of real 16 kHz recordings from ../shared/data/audio
(see its SOURCES.md), placed in the stereo field with a level difference, a delay of a few
samples and a different colouring per channel; estimates come from deliberately imperfect
processing (noisy soft masks per channel, a wrong position, leakage, additive noise).
Deterministic (fixed seed); the WAVs are float32 stereo 16 kHz.

    pip install numpy scipy soundfile museval
    python3 Scripts/make-image-fixtures.py [--audio ../shared/data/audio]
    python3 Scripts/make-image-fixtures.py --ill-conditioned DIR   # see ill_conditioned()

museval's package imports need ffmpeg (through stempeg), so only its metrics module is
loaded, from its file. The metrics are computed on the float32 samples as written, in float64.
"""

import argparse
import importlib.metadata
import importlib.util
import json
import os
import struct

import numpy as np
import scipy.signal
import soundfile as sf

RATE = 16000
SECONDS = 1.5
FILTER_LENGTH = 512
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "Tests", "EvaluationTests", "Fixtures", "images")


def museval_metrics():
    spec = importlib.util.find_spec("museval")
    path = os.path.join(os.path.dirname(spec.origin), "metrics.py")
    module_spec = importlib.util.spec_from_file_location("museval_metrics", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


def excerpt(audio_dir, name, offset, rms):
    x, rate = sf.read(os.path.join(audio_dir, name), dtype="float64", always_2d=True)
    assert rate == RATE, f"{name}: {rate} Hz, expected {RATE}"
    x = x.mean(axis=1)
    start = int(offset * RATE)
    x = x[start:start + int(SECONDS * RATE)]
    return x * (rms / np.sqrt(np.mean(x ** 2)))


def place(x, rng, left_gain, right_gain, delay, reverb):
    """A stereo image: a direct path (gain per channel, the right one delayed) plus a diffuse
    tail per channel (exponentially decaying noise, 0.2 s, independent between channels).
    The tails are longer than the 512-tap filters, so neither channel lies in the span of the
    other's delays, as in a room recording; an image whose channels are (nearly) filtered
    copies of each other makes the projections ill-posed and the scores depend on the solver."""
    decay = np.exp(-np.arange(int(0.2 * RATE)) / (0.05 * RATE))
    channels = []
    for gain, lag in ((left_gain, 0), (right_gain, delay)):
        direct = gain * np.concatenate([np.zeros(lag), x[:len(x) - lag]])
        tail = scipy.signal.fftconvolve(x, rng.standard_normal(len(decay)) * decay)[:len(x)]
        channels.append(direct + reverb * tail * (np.std(direct) / np.std(tail)))
    return np.stack(channels).astype(np.float32)   # channels × samples


def condition(images):
    """The condition number of the Gram matrix of every image's channels delayed by 0…L−1."""
    columns = []
    for img in images:
        for ch in img.astype(np.float64):
            ch = ch / np.linalg.norm(ch)
            for k in range(FILTER_LENGTH):
                columns.append(np.concatenate([np.zeros(k), ch, np.zeros(FILTER_LENGTH - 1 - k)]))
    m = np.stack(columns, 1)
    w = np.linalg.eigvalsh(m.T @ m)
    return w[-1] / w[0] if w[0] > 0 else np.inf   # rounding makes a singular matrix's smallest eigenvalue ±tiny


def exact(images, estimate):
    """‖P ŝ‖² by an orthonormal basis of the delayed channels (QR), for checking museval."""
    columns = []
    for img in images:
        for ch in img.astype(np.float64):
            for k in range(FILTER_LENGTH):
                columns.append(np.concatenate([np.zeros(k), ch, np.zeros(FILTER_LENGTH - 1 - k)]))
    q = np.linalg.qr(np.stack(columns, 1))[0]
    padded = np.concatenate([estimate.astype(np.float64), np.zeros((estimate.shape[0], FILTER_LENGTH - 1))], 1)
    return q @ (q.T @ padded.T)


def masked_estimates(images, rng, mask_noise):
    """Per channel: noisy ratio masks applied to the mixture's STFT."""
    mix = np.sum(np.stack(images).astype(np.float64), axis=0)
    out = [np.zeros_like(mix) for _ in images]
    for c in range(mix.shape[0]):
        _, _, spec = scipy.signal.stft(mix[c], nperseg=512, noverlap=384)
        mags = [np.abs(scipy.signal.stft(img[c].astype(np.float64), nperseg=512, noverlap=384)[2]) for img in images]
        total = np.sum(mags, axis=0) + 1e-12
        for i, m in enumerate(mags):
            mask = np.clip(m / total + mask_noise * rng.standard_normal(m.shape), 0, 1)
            _, y = scipy.signal.istft(spec * mask, nperseg=512, noverlap=384)
            out[i][c] = y[: mix.shape[1]]
    return [o.astype(np.float32) for o in out]


def write(name, x):
    # A minimal IEEE-float stereo WAV (fmt, fact, data) written by hand, so that reruns are identical.
    frames = x.shape[1]
    data = np.asarray(x.T, dtype="<f4").tobytes()              # interleaved
    fmt = struct.pack("<HHIIHH", 3, 2, RATE, RATE * 8, 8, 32)
    fact = struct.pack("<I", frames)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"fact" + struct.pack("<I", 4) + fact
    body += b"data" + struct.pack("<I", len(data)) + data
    with open(os.path.join(OUT, name), "wb") as fh:
        fh.write(b"RIFF" + struct.pack("<I", len(body)) + body)
    y, _ = sf.read(os.path.join(OUT, name), dtype="float32", always_2d=True)
    assert np.array_equal(x, y.T)


def score(metrics, case, ref_names, est_names, signals, permute=True):
    # museval wants sources × samples × channels.
    ref = np.stack([signals[n].T for n in ref_names]).astype(np.float64)
    est = np.stack([signals[n].T for n in est_names]).astype(np.float64)
    length = ref.shape[1]
    sdr, isr, sir, sar, perm = metrics.bss_eval(ref, est, window=length, hop=length, compute_permutation=permute,
                                                filters_len=FILTER_LENGTH, framewise_filters=False,
                                                bsseval_sources_version=False)
    result = {
        "name": case,
        "references": ref_names,
        "estimates": est_names,
        "sdr": [float(v) for v in sdr[:, 0]],
        "isr": [float(v) for v in isr[:, 0]],
        "sir": [float(v) for v in sir[:, 0]],
        "sar": [float(v) for v in sar[:, 0]],
        "permutation": [int(p) for p in perm[:, 0]],
    }
    if permute:
        # Framewise, as museval scores MUSDB18 (filters fitted on the whole signals, metrics per
        # window): non-overlapping 0.5-s windows, and overlapping 0.375-s ones every 0.25 s.
        result["framewise"] = []
        for window, hop in ((8000, 8000), (6000, 4000)):
            f_sdr, f_isr, f_sir, f_sar, f_perm = metrics.bss_eval(
                ref, est, window=window, hop=hop, compute_permutation=True, filters_len=FILTER_LENGTH,
                framewise_filters=False, bsseval_sources_version=False)
            result["framewise"].append({
                "window": window, "hop": hop, "permutation": [int(p) for p in f_perm[:, 0]],
                "sdr": f_sdr.tolist(), "isr": f_isr.tolist(), "sir": f_sir.tolist(), "sar": f_sar.tolist(),
            })
    print(case, {k: np.round(v, 3).tolist() for k, v in result.items() if k in ("sdr", "isr", "sir", "sar")},
          result["permutation"])
    return result


def ill_conditioned(audio_dir, out_dir):
    """Why the fixtures' images have diffuse tails: two speakers whose right channels are
    low-passed, delayed copies of their left ones (so each channel lies almost in the span of
    the other's 512 delays), estimated by noisy masks. Writes ref_1/ref_2/source_1/source_2.wav
    to `out_dir` (for `nmf-separate eval --images`) and prints museval's SIR and SAR beside those of
    projections onto an orthonormal (QR) basis: museval's plain solve of the normal equations
    drifts far from them."""
    metrics = museval_metrics()
    rng = np.random.default_rng(20261126)
    images = []
    for name, offset, gains, delay, cutoff in (("speech_libri_198_f.wav", 1.0, (0.9, 0.4), 3, 5000),
                                               ("speech_libri_3436_m.wav", 1.5, (0.35, 0.95), 7, 3000)):
        x = excerpt(audio_dir, name, offset, 0.1)
        b, a = scipy.signal.butter(2, cutoff, fs=RATE)
        right = scipy.signal.lfilter(b, a, np.concatenate([np.zeros(delay), x[:len(x) - delay]]))
        images.append(np.stack([gains[0] * x, gains[1] * right]).astype(np.float32))
    estimates = masked_estimates(images, rng, 0.15)
    os.makedirs(out_dir, exist_ok=True)
    for i in range(2):
        sf.write(os.path.join(out_dir, f"ref_{i + 1}.wav"), images[i].T, RATE, subtype="FLOAT")
        sf.write(os.path.join(out_dir, f"source_{i + 1}.wav"), estimates[i].T, RATE, subtype="FLOAT")
    ref = np.stack([x.T for x in images]).astype(np.float64)
    est = np.stack([x.T for x in estimates]).astype(np.float64)
    _, _, sir, sar, _ = metrics.bss_eval(ref, est, window=ref.shape[1], hop=ref.shape[1], compute_permutation=False,
                                         filters_len=FILTER_LENGTH, framewise_filters=False, bsseval_sources_version=False)
    print(f"condition number of the delayed channels' Gram matrix: {condition(images):.3g}")
    for i in range(2):
        own, every = exact([images[i]], estimates[i]), exact(images, estimates[i])
        padded = np.concatenate([estimates[i].astype(np.float64), np.zeros((2, FILTER_LENGTH - 1))], 1).T
        qr_sir = 10 * np.log10(np.sum(own ** 2) / np.sum((every - own) ** 2))
        qr_sar = 10 * np.log10(np.sum(every ** 2) / np.sum((padded - every) ** 2))
        print(f"source {i + 1}: museval SIR {sir[i, 0]:.2f} SAR {sar[i, 0]:.2f}; QR SIR {qr_sir:.2f} SAR {qr_sar:.2f}")
    print(f"now: nmf-separate eval --images --reference {out_dir}/ref_1.wav {out_dir}/ref_2.wav --estimate {out_dir}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audio", default=os.path.join(HERE, "..", "..", "shared", "data", "audio"))
    parser.add_argument("--ill-conditioned", metavar="DIR", help="write and check the ill-conditioned case instead")
    args = parser.parse_args()
    if importlib.util.find_spec("museval") is None:   # before anything is written
        parser.exit(2, "make-image-fixtures.py: needs museval: pip install museval\n")
    if args.ill_conditioned:
        ill_conditioned(args.audio, args.ill_conditioned)
        return
    os.makedirs(OUT, exist_ok=True)
    metrics = museval_metrics()
    rng = np.random.default_rng(20261126)

    f = excerpt(args.audio, "speech_libri_198_f.wav", 1.0, 0.1)
    m = excerpt(args.audio, "speech_libri_3436_m.wav", 1.5, 0.1)
    d = excerpt(args.audio, "noise_dishes.wav", 3.0, 0.05)
    s = {
        "ref_f.wav": place(f, rng, 0.9, 0.4, 3, 0.3),
        "ref_m.wav": place(m, rng, 0.35, 0.95, 7, 0.4),
        "ref_d.wav": place(d, rng, 0.7, 0.7, 1, 0.5),
    }
    refs = [s["ref_f.wav"], s["ref_m.wav"], s["ref_d.wav"]]
    kappa = condition(refs)
    print(f"condition number of the delayed channels' Gram matrix: {kappa:.3g}")
    assert kappa < 1e9

    # Case 1: two speakers, noisy masks per channel, estimates in reference order.
    s["masked_f.wav"], s["masked_m.wav"] = masked_estimates([s["ref_f.wav"], s["ref_m.wav"]], rng, 0.15)

    # Case 2: two speakers, swapped order; the first estimate has the wrong stereo position
    # (channels exchanged, level off) plus leakage, the second a filter and noise.
    wrong = s["ref_f.wav"][::-1] * 0.8 + 0.2 * s["ref_m.wav"]
    b, a = scipy.signal.butter(4, 3500, fs=RATE)
    filtered = scipy.signal.lfilter(b, a, s["ref_m.wav"], axis=1) + 0.1 * s["ref_f.wav"]
    filtered = filtered + rng.standard_normal(filtered.shape) * 0.01
    s["swapped_0.wav"] = filtered.astype(np.float32)
    s["swapped_1.wav"] = wrong.astype(np.float32)

    # Case 3: three sources, noisy masks, shuffled order.
    e = masked_estimates([s["ref_f.wav"], s["ref_m.wav"], s["ref_d.wav"]], rng, 0.1)
    s["three_0.wav"], s["three_1.wav"], s["three_2.wav"] = e[2], e[0], e[1]

    # Case 4 (framewise only): the male speaker pauses in 0.5–0.75 s and the female one is in
    # anti-phase (right = −left) in 1.0–1.25 s, so two 0.25-s windows have a zero channel sum and
    # are skipped; scored in the given order, as museval scores MUSDB18.
    pf, pm = s["ref_f.wav"].copy(), s["ref_m.wav"].copy()
    pm[:, 8000:12000] = 0
    pf[1, 16000:20000] = -pf[0, 16000:20000]
    s["pause_f.wav"], s["pause_m.wav"] = pf, pm
    s["pause_est_f.wav"], s["pause_est_m.wav"] = masked_estimates([pf, pm], rng, 0.1)

    for name, x in s.items():
        write(name, x)

    cases = [
        score(metrics, "two_speakers_masked", ["ref_f.wav", "ref_m.wav"], ["masked_f.wav", "masked_m.wav"], s),
        score(metrics, "two_speakers_swapped", ["ref_f.wav", "ref_m.wav"], ["swapped_0.wav", "swapped_1.wav"], s),
        score(metrics, "three_sources", ["ref_f.wav", "ref_m.wav", "ref_d.wav"],
              ["three_0.wav", "three_1.wav", "three_2.wav"], s),
    ]
    # museval solves the normal equations; check its SIR and SAR on case 1 against projections
    # onto an orthonormal basis.
    for i, (ref, est) in enumerate([("ref_f.wav", "masked_f.wav"), ("ref_m.wav", "masked_m.wav")]):
        own = exact([s[ref]], s[est])
        every = exact([s["ref_f.wav"], s["ref_m.wav"]], s[est])
        sir = 10 * np.log10(np.sum(own ** 2) / np.sum((every - own) ** 2))
        padded = np.concatenate([s[est].astype(np.float64), np.zeros((2, FILTER_LENGTH - 1))], 1).T
        sar = 10 * np.log10(np.sum(every ** 2) / np.sum((padded - every) ** 2))
        print(f"case 1, source {i}: SIR {sir:.3f} SAR {sar:.3f} by QR against museval {cases[0]['sir'][i]:.3f} {cases[0]['sar'][i]:.3f}")
        assert abs(sir - cases[0]["sir"][i]) < 0.01 and abs(sar - cases[0]["sar"][i]) < 0.01

    framed = score(metrics, "pauses_fixed_order", ["pause_f.wav", "pause_m.wav"], ["pause_est_f.wav", "pause_est_m.wav"],
                   s, permute=False)
    framed.pop("estimates")
    framed["estimates"] = ["pause_est_f.wav", "pause_est_m.wav"]
    sdr, isr, sir, sar, _ = metrics.bss_eval(
        np.stack([s[n].T for n in ["pause_f.wav", "pause_m.wav"]]).astype(np.float64),
        np.stack([s[n].T for n in ["pause_est_f.wav", "pause_est_m.wav"]]).astype(np.float64),
        window=4000, hop=4000, compute_permutation=False, filters_len=FILTER_LENGTH, framewise_filters=False,
        bsseval_sources_version=False)
    nulls = lambda a: [[None if np.isnan(v) else float(v) for v in row] for row in a]   # JSON has no NaN
    framed["framewise"] = [{"window": 4000, "hop": 4000, "permutation": [0, 1],
                            "sdr": nulls(sdr), "isr": nulls(isr), "sir": nulls(sir), "sar": nulls(sar)}]
    assert np.isnan(sdr[:, 2]).all() and np.isnan(sdr[:, 4]).all() and not np.isnan(sdr[:, [0, 1, 3, 5]]).any()
    print("pauses_fixed_order framewise SDR", np.round(sdr, 3).tolist())

    # The mixture as the estimate of every source image (float32 sum in reference order).
    s["__mixture__"] = (s["ref_f.wav"] + s["ref_m.wav"]) + s["ref_d.wav"]
    with np.errstate(divide="ignore"):
        mixture = score(metrics, "three_sources_mixture", ["ref_f.wav", "ref_m.wav", "ref_d.wav"],
                        ["__mixture__"] * 3, s, permute=False)
    mixture.pop("estimates")
    # The mixture lies in the span of the references: its SAR is +inf up to rounding.
    assert all(v > 100 for v in mixture["sar"])
    mixture["sar"] = None
    mixture["sar_above"] = 100.0
    mixture["mixture"] = "sum of the references in order, (r0 + r1) + r2, in float32"

    meta = {
        "generator": "Scripts/make-image-fixtures.py",
        "reference": f"museval {importlib.metadata.version('museval')} metrics.bss_eval, float64 input, "
                     "filters_len=512, framewise_filters=False, bsseval_sources_version=False; one window over "
                     "the whole signals, and per case 'framewise' windows (NaN as null)",
        "sample_rate": RATE,
        "filter_length": FILTER_LENGTH,
        "cases": cases,
        "mixture_cases": [mixture],
        "fixed_order_cases": [framed],
    }
    with open(os.path.join(OUT, "scores.json"), "w") as fh:
        json.dump(meta, fh, indent=2, allow_nan=False)
        fh.write("\n")


if __name__ == "__main__":
    main()
