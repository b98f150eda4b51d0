#!/usr/bin/env python3
"""Semi-supervised separation quality (dev-time tool): for every mixture of SET_DIR that has
train_<i>.wav files, trains one dictionary per source with `nmf-separate train`, separates
the mixture with them (`--dictionary ...`) and scores with `nmf-separate eval`.

usage: supervised-quality.py [--binary PATH] [--components K] [--first-only | --only I[,I]] [--train "OPTS"] [--separate "OPTS"] SET_DIR

SET_DIR holds <name>/mix.wav, ref_<i>.wav and train_<i>.wav (one per reference); folders without
them are skipped (and named on stderr). Prints a Markdown table per mixture and the mean SDR
improvement over the mixture.
(--fft-size/--hop given in --train are passed to the separation too: they must match)
--first-only trains a dictionary for the first source only (train_1.wav) and leaves the other
sources to free components (`--dictionary D1 --sources S`); mixtures need train_1.wav only.
--only I does the same with source I's dictionary (train_I.wav; e.g. 2: a noise dictionary, the
speech to free components), --only 1,2 with the dictionaries of sources 1 and 2 (free components
for the others); the dictionaries' sources come out first, and eval's best permutation matches
the estimates to the references; mixtures need mix.wav, ref_*.wav and the train_I.wav of
every source I listed.
"""
import atexit
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile

import devtools

here = os.path.dirname(os.path.abspath(__file__))
ap = devtools.parser(__doc__)
ap.add_argument("set_dir", metavar="SET_DIR", help="a folder of mixture folders (<name>/mix.wav, ref_<i>.wav, train_<i>.wav)")
ap.add_argument("--binary", metavar="PATH", default=os.path.join(here, "..", ".build", "release", "nmf-separate"),
                help="the nmf-separate to run (default: .build/release/nmf-separate)")
ap.add_argument("--components", type=int, default=32)
which = ap.add_mutually_exclusive_group()
which.add_argument("--first-only", action="store_true", help="a dictionary for source 1 only, free components for the others")
which.add_argument("--only", default="", metavar="I[,I]", help="dictionaries for these sources only (numbers >= 1), free components for the others")
ap.add_argument("--train", default="", help="extra options of `nmf-separate train`")
ap.add_argument("--separate", default="", help="extra options of the separation")
a = ap.parse_args()
import shlex
try:
    train_opts, sep_opts = shlex.split(a.train), shlex.split(a.separate)
except ValueError as e:
    ap.error(f"--train/--separate: {e}")
try:
    only = [1] if a.first_only else [int(x) for x in a.only.split(",")] if a.only else []
except ValueError:
    ap.error("--only needs source numbers I >= 1, e.g. 2 or 1,2")
if any(i < 1 for i in only):
    ap.error("--only needs source numbers I >= 1, e.g. 2 or 1,2")
devtools.require_binary(ap, "supervised-quality.py", a.binary)


def training_files(mix_dir, refs):
    """The mixture's train_<i>.wav files the run needs (one per reference, or those of --only), or None."""
    trains = sorted(glob.glob(os.path.join(mix_dir, "train_*.wav")))
    if only:
        trains = [t for t in trains if os.path.basename(t) in [f"train_{i}.wav" for i in only]]
    return trains if trains and len(trains) == (len(set(only)) if only else len(refs)) else None


need = f"train_{'.wav, train_'.join(map(str, sorted(set(only))))}.wav" if only else "a train_<i>.wav per ref_<i>.wav"
mixtures = devtools.mixtures(ap, "supervised-quality.py", a.set_dir, accept=training_files, need=f"mix.wav, ref_*.wav and {need}")
out = tempfile.mkdtemp(prefix="nmf-supervised-")
atexit.register(shutil.rmtree, out, ignore_errors=True)   # the separations are only scored, not kept
signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))   # so that the cleanup runs under `timeout` too
rows = []
for name, mix_dir, refs, trains in mixtures:
    dicts = ["--sources", str(len(refs))] if only else []
    for i, t in enumerate(trains):
        d = os.path.join(out, f"{name}_{i + 1}.nmfdict")
        subprocess.run([a.binary, "train", t, "--components", str(a.components), "-o", d, "-q", "--force"] + train_opts, check=True)
        dicts += ["--dictionary", d]
    subprocess.run([a.binary, os.path.join(mix_dir, "mix.wav")] + dicts + ["-o", os.path.join(out, name), "-q", "--force"] + sep_opts, check=True)
    ests = [os.path.join(out, name, "mix", f"source_{i + 1}.wav") for i in range(len(refs))]
    r = subprocess.run([a.binary, "eval", "--reference"] + refs + ["--estimate"] + ests + ["--mixture", os.path.join(mix_dir, "mix.wav"), "--json"],
                       check=True, capture_output=True, text=True)
    rows.append((name, json.loads(r.stdout)))
print(f"\nsupervised, {a.components} templates {f'for sources {only}, free components for the others' if only else 'per source'}; train {a.train}; separate {a.separate}\n")
print("| mixture | SDR | SIR | SAR | SI-SDR | mixture SDR | SDR improvement |\n|---|---|---|---|---|---|---|")
for name, d in rows:
    print(f"| {name} | {d['mean_sdr']:.2f} | {d['mean_sir']:.2f} | {d['mean_sar']:.2f} | {d['mean_si_sdr']:.2f} | {d['mix_sdr']:.2f} | {d['sdr_improvement']:.2f} |")
mean = sum(d["sdr_improvement"] for _, d in rows) / max(len(rows), 1)
print(f"| **mean** | | | | | | **{mean:.2f}** |")
