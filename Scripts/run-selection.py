#!/usr/bin/env python3
"""Could an unsupervised criterion pick the better of several seeds' separations? (dev-time tool)

usage: run-selection.py [--seeds N] [--binary PATH] [--keep DIR] SET_DIR [SET_DIR ...] [-- OPTIONS]

SET_DIR is the layout ../shared/data/make_mixtures.py writes (<name>/mix.wav, ref_<i>.wav);
folders without mix.wav or a ref_*.wav are skipped (and named on stderr). The script's own
options may come anywhere before `--`; everything after it (OPTIONS) goes to nmf-separate,
except --seed (the runs' seeds are 0 … N−1).

Separates every mixture of each set with seeds 0 … N−1 and OPTIONS
(`--save-factors`, one thread each, two runs at a time), scores each run with
`nmf-separate eval`, and computes for each run some criteria that need no references, from its
W, H and groups (Λ_s = W_g·H_g, the model of source s, bins × frames):

  divergence     the factorization's final KL divergence (lowest wins)
  envelope       mean correlation between the sources' log frame energies log Σ_f Λ_s (highest wins)
  mask entropy   the energy-weighted mean entropy of the masks Λ_s / Σ_j Λ_j (highest wins)
  dominance      the mean entropy over frames of the sources' shares of the frame energy (highest wins)
  balance        the smallest output energy share of the run's --json (highest wins)

It prints, for each set, the mean SDR improvement of single runs, of the best run (an oracle that
reads the references) and of the run each criterion picks, over all N seeds and over the seed
triples (0,1,2), (3,4,5), (0,2,4), (1,3,5) when N ≥ 6. QUALITY.md, "Picking one of several seeds'
separations", quotes its output.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import devtools

here = os.path.dirname(os.path.abspath(__file__))
# No abbreviations: `--seed N` must not pass for --seeds.
ap = devtools.parser(__doc__, allow_abbrev=False)
ap.add_argument("sets", nargs="+", metavar="SET_DIR", help="a folder of mixture folders (<name>/mix.wav, ref_<i>.wav)")
ap.add_argument("--seeds", type=int, default=6, metavar="N", help="seeds 0 … N−1 per mixture (default 6)")
ap.add_argument("--binary", metavar="PATH", default=os.path.join(here, "..", ".build", "release", "nmf-separate"),
                help="the nmf-separate to run (default: .build/release/nmf-separate)")
ap.add_argument("--keep", metavar="DIR", help="write the runs (and results.json, every run's score and criteria) here and keep them "
                              "(default: a temporary directory, removed)")
a, extra = devtools.parse_before_passthrough(ap)
if a.seeds < 1:
    ap.error("--seeds needs N >= 1")
devtools.refuse_seed(ap, extra, "the runs' seeds are 0 … N−1 (--seeds N)")
devtools.require_binary(ap, "run-selection.py", a.binary)
mixtures = []
for set_dir in a.sets:
    set_name = os.path.basename(os.path.normpath(set_dir))
    mixtures += [(set_name,) + m for m in devtools.mixtures(ap, "run-selection.py", set_dir)]
out = a.keep or tempfile.mkdtemp(prefix="nmf-selection-")
signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))   # so that the cleanup below runs under `timeout` too


def separate(job):
    set_name, name, mix_dir, refs, seed = job
    od = os.path.join(out, set_name, name, f"s{seed}")
    os.makedirs(od, exist_ok=True)
    r = subprocess.run([a.binary, os.path.join(mix_dir, "mix.wav"), "--sources", str(len(refs)), "-o", od, "-q", "--force",
                        "--json", "--save-factors", "--seed", str(seed), "--threads", "1"] + extra,
                       capture_output=True, text=True, check=True)
    run = json.loads(r.stdout.splitlines()[-1])
    ests = [os.path.join(od, "mix", f"source_{i + 1}.wav") for i in range(len(refs))]
    e = subprocess.run([a.binary, "eval", "--reference"] + refs + ["--estimate"] + ests +
                       ["--mixture", os.path.join(mix_dir, "mix.wav"), "--json"], capture_output=True, text=True, check=True)
    w = np.load(os.path.join(od, "mix", "W.npy")).astype(np.float64)
    h = np.load(os.path.join(od, "mix", "H.npy")).astype(np.float64)
    return set_name, name, seed, json.loads(e.stdout)["sdr_improvement"], criteria(run, w, h)


def criteria(run, w, h):
    groups = run["groups"]
    models = np.array([w[:, g] @ h[g] for g in groups]) + 1e-12          # S × bins × frames
    s = len(groups)
    env = np.log(models.sum(1))                                          # S × frames
    c = np.corrcoef(env)
    total = models.sum(0)
    masks = models / total
    frame = models.sum(1)
    share = frame / frame.sum(0)
    return {
        "divergence": -run["final_divergence"],
        "envelope": float(np.mean([c[i, j] for i in range(s) for j in range(i + 1, s)])),
        "mask entropy": float(np.sum(total * -(masks * np.log(masks)).sum(0)) / total.sum()),
        "dominance": float(np.mean(-(share * np.log(share)).sum(0))),
        "balance": min(run["energy_share"]),
    }


jobs = [(set_name, name, mix_dir, refs, s) for set_name, name, mix_dir, refs in mixtures for s in range(a.seeds)]
ex = ThreadPoolExecutor(2)
try:
    results = list(ex.map(separate, jobs))
finally:
    ex.shutdown(cancel_futures=True)   # a failed run stops the rest
    if not a.keep:
        shutil.rmtree(out, ignore_errors=True)
if a.keep:
    with open(os.path.join(a.keep, "results.json"), "w") as f:
        json.dump([{"set": r[0], "mixture": r[1], "seed": r[2], "sdr_improvement": r[3], "criteria": r[4]} for r in results], f)
# eval reports an undefined score as null: such runs are left out (and counted) below.
undefined = sum(1 for r in results if r[3] is None)

names = ["divergence", "envelope", "mask entropy", "dominance", "balance"]
subsets = [tuple(range(a.seeds))] + ([(0, 1, 2), (3, 4, 5), (0, 2, 4), (1, 3, 5)] if a.seeds >= 6 else [])
print("| set | seeds | single run | best run (oracle) | " + " | ".join(names) + " |")
print("|---|---|---|---|" + "---|" * len(names))
for set_dir in a.sets:
    set_name = os.path.basename(os.path.normpath(set_dir))
    by_mix = {}
    for st, name, seed, sdr, crit in results:
        if st == set_name and sdr is not None:
            by_mix.setdefault(name, {})[seed] = (sdr, crit)
    for subset in subsets:
        single, best, picked = [], [], {k: [] for k in names}
        for runs in by_mix.values():
            if not all(s in runs for s in subset):
                continue
            rs = [runs[s] for s in subset]
            scores = [r[0] for r in rs]
            single.append(np.mean(scores))
            best.append(max(scores))
            for k in names:
                picked[k].append(scores[int(np.argmax([r[1][k] for r in rs]))])
        print(f"| {set_name} | {','.join(map(str, subset))} | {np.mean(single):.2f} | {np.mean(best):.2f} | " +
              " | ".join(f"{np.mean(picked[k]):.2f}" for k in names) + " |")
if undefined:
    print(f"({undefined} run(s) without a defined score left out, with their mixtures where a subset needs them)")
sys.stdout.flush()
