#!/usr/bin/env python3
"""How much a better grouping could give: the tool's grouping against one read off the references (dev-time tool).

usage: grouping-ceiling.py [--binary PATH] [--seeds 0,1,2] [--jobs N] SET_DIR [-- OPTIONS]

SET_DIR is the layout ../shared/data/make_mixtures.py writes (<name>/mix.wav, ref_<i>.wav);
folders without mix.wav or a ref_*.wav are skipped (and named on stderr). The script's own
options may come before or after SET_DIR; everything after `--` (OPTIONS) goes to nmf-separate,
except --seed (the runs' seeds are --seeds).
Each mixture is separated with the given options and every seed (--save-factors), and scored by
`nmf-separate eval` as it is. Then the same factorization is grouped by the references: component k
goes to the source j whose share of the mixture, |R_j| / Σ_i |R_i| per time-frequency bin, weights
its model w_k·h_k most. The sources are resynthesized from that grouping with the tool's masks
(Λ_s^A / Σ_j Λ_j^A, A = the run's mask power) and STFT settings (from factors.json), and scored the
same way. Runs that group nothing (a steady background, K = S) keep the tool's score.

Prints per mixture the mean SDR improvement over the seeds of the tool, of the references' grouping
and of the better of the two per run ("ceiling"), then the means over the set. The references' grouping is a
heuristic, so the ceiling is a lower bound on what the best grouping of these factorizations
would give (and says nothing of what another factorization could give).
Not for --spatial or --ensemble runs: stereo input is separated with --no-spatial (the channels'
mean, the model the resynthesis here assumes). Needs numpy, scipy and soundfile.
"""
import atexit
import functools
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

import devtools

import numpy as np
import scipy.signal
import soundfile

here = os.path.dirname(os.path.abspath(__file__))
# No abbreviations: `--seed N` must not pass for --seeds.
ap = devtools.parser(__doc__, allow_abbrev=False)
ap.add_argument("set_dir", metavar="SET_DIR", help="a folder of mixture folders (<name>/mix.wav, ref_<i>.wav)")
ap.add_argument("--binary", metavar="PATH", default=os.path.join(here, "..", ".build", "release", "nmf-separate"),
                help="the nmf-separate to run (default: .build/release/nmf-separate)")
ap.add_argument("--seeds", default="0,1,2", help="comma-separated seeds (default 0,1,2)")
ap.add_argument("--jobs", type=int, default=2, help="runs in parallel, each with one thread (default 2)")
a, extra = devtools.parse_before_passthrough(ap)   # its own options anywhere before `--`, nmf-separate's after it
devtools.refuse_seed(ap, extra, "give the seeds with --seeds")
if any(x in ("--spatial", "--no-spatial", "--ensemble", "-d", "--dictionary") for x in extra):
    sys.exit("grouping-ceiling.py: --spatial, --ensemble and --dictionary runs are not supported (stereo input gets --no-spatial)")
try:
    seeds = [int(s) for s in a.seeds.split(",")]
except ValueError:
    ap.error("--seeds needs comma-separated integers, e.g. 0,1,2")
devtools.require_binary(ap, "grouping-ceiling.py", a.binary)
mixtures = devtools.mixtures(ap, "grouping-ceiling.py", a.set_dir)

out = tempfile.mkdtemp(prefix="nmf-ceiling-")
atexit.register(shutil.rmtree, out, ignore_errors=True)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def channels(path):
    """The file's samples as channels × samples (float64) and its sample rate."""
    x, rate = soundfile.read(path, dtype="float64", always_2d=True)
    return x.T, rate


def stft(x, fft, hop, rate):
    """scipy's STFT with the tool's frames: periodic Hann, zero-padded ends."""
    return scipy.signal.stft(x, fs=rate, window="hann", nperseg=fft, noverlap=fft - hop,
                             boundary="zeros", padded=True)[2]


def evaluate(refs, estimates, mixture):
    r = subprocess.run([a.binary, "eval", "--reference", *refs, "--estimate", *estimates, "--mixture", mixture,
                        "--json"], capture_output=True, text=True, check=True)
    return json.loads(r.stdout)["sdr_improvement"]


@functools.lru_cache(maxsize=8)
def reference_shares(refs, fft, hop):
    """Each reference's share |R_j| / Σ_i |R_i| per bin (channels averaged), once per mixture and STFT."""
    mags = []
    for path in refs:
        x, rate = channels(path)
        mags.append(np.mean([np.abs(stft(c, fft, hop, rate)) for c in x], axis=0))
    return np.array(mags) / (np.sum(mags, axis=0) + 1e-12)


def reference_grouping(W, H, refs, fft, hop):
    """The source each component's model overlaps most, weighted by the references' shares per bin."""
    share = reference_shares(tuple(refs), fft, hop)[:, :, :H.shape[1]]
    overlap = np.einsum("fk,kn,jfn->kj", W, H, share)
    return overlap.argmax(1)


def resynthesize(W, H, labels, sources, power, mixture, fft, hop, directory):
    """Each source's masked mixture (every channel), written as float WAVs; returns the paths."""
    x, rate = channels(mixture)
    models = np.array([W[:, labels == s] @ H[labels == s] for s in range(sources)], dtype=np.float64) ** power
    masks = models / (models.sum(0) + 1e-30)
    spectra = [stft(c, fft, hop, rate)[:, :masks.shape[2]] for c in x]   # each channel once, for every source
    paths = []
    for s in range(sources):
        ys = []
        for c, X in zip(x, spectra):
            y = scipy.signal.istft(masks[s] * X, fs=rate, window="hann", nperseg=fft,
                                   noverlap=fft - hop, boundary=True)[1][:len(c)]
            ys.append(np.pad(y, (0, len(c) - len(y))))
        path = os.path.join(directory, f"grouped_{s + 1}.wav")
        soundfile.write(path, np.array(ys).T, rate, subtype="FLOAT")
        paths.append(path)
    return paths


def run(job):
    name, mix_dir, refs, seed = job
    mixture = os.path.join(mix_dir, "mix.wav")
    directory = os.path.join(out, f"{name}_s{seed}")
    r = subprocess.run([a.binary, mixture, "--sources", str(len(refs)), "-o", directory, "-q", "--force", "--json",
                        "--save-factors", "--seed", str(seed), "--threads", "1", "--no-spatial", *extra],
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"grouping-ceiling.py: {name}: {r.stderr.strip()}")
    stem = os.path.join(directory, "mix")
    ext = os.path.splitext(glob.glob(os.path.join(stem, "source_1.*"))[0])[1]
    tool = evaluate(refs, [os.path.join(stem, f"source_{i + 1}{ext}") for i in range(len(refs))], mixture)
    factors = json.load(open(os.path.join(stem, "factors.json")))
    W = np.load(os.path.join(stem, "W.npy")).astype(np.float64)
    H = np.load(os.path.join(stem, "H.npy")).astype(np.float64)
    grouped = factors["background"] == "none" and W.shape[1] > len(refs)
    if not grouped:
        return name, seed, tool, tool
    labels = reference_grouping(W, H, refs, factors["fft_size"], factors["hop"])
    if len(set(labels)) < len(refs):   # a source no component belongs to: nothing to compare
        return name, seed, tool, tool
    paths = resynthesize(W, H, labels, len(refs), float(factors["mask_power"]), mixture,
                         factors["fft_size"], factors["hop"], directory)
    return name, seed, tool, evaluate(refs, paths, mixture)


jobs = [(name, mix_dir, refs, s) for name, mix_dir, refs in mixtures for s in seeds]
with ThreadPoolExecutor(max(1, a.jobs)) as pool:
    results = list(pool.map(run, jobs))

print(f"| mixture | tool | references' grouping | ceiling (better per run) |  (SDR improvement, dB, mean over seeds {a.seeds})")
print("|---|---|---|---|")
names = sorted({r[0] for r in results})
for name in names:
    rs = np.array([(t, g) for n, _, t, g in results if n == name])
    print(f"| {name} | {rs[:, 0].mean():.2f} | {rs[:, 1].mean():.2f} | {rs.max(1).mean():.2f} |")
rs = np.array([(t, g) for _, _, t, g in results])
print(f"| **mean** | **{rs[:, 0].mean():.2f}** | **{rs[:, 1].mean():.2f}** | **{rs.max(1).mean():.2f}** |")
