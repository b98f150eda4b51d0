#!/usr/bin/env python3
"""Separation quality on a set of mixtures with known sources (dev-time tool).

usage: quality.py [--binary PATH] [--scorer shared|ours] [--images [--window S]] [--label TEXT]
                  [--per-source C] [--anchor reference] SET_DIR [-- OPTIONS]

SET_DIR is the layout ../shared/data/make_mixtures.py writes (<name>/mix.wav, ref_<i>.wav);
folders without mix.wav or a ref_*.wav are skipped (and named on stderr). The script's own
options may come before or after SET_DIR; everything after `--` (OPTIONS) goes to nmf-separate.
Each mixture is separated with the given options (--sources is set from the number of
references) and scored: BSS Eval SDR/SIR/SAR with the best permutation and SI-SDR, by
../shared/reference/score.py (fast_bss_eval) or by `nmf-separate eval`; with --images, by
`nmf-separate eval --images` (BSS Eval v4 image metrics over every channel; the SI-SDR column
then shows the ISR).
Prints a Markdown table per mixture and the mean SDR improvement over the mixture, then each
mixture's background floor (settings.background_floor of its --json; "(steady)" where the
steady-background model was used).
With --anchor reference, the mixtures are separated by ../shared/reference/ref_separate.py
(scikit-learn KL-NMF with K = S, one BLAS thread) instead, with the same scoring.
"""
import atexit
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile

import devtools

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.join(here, "..")
ap = devtools.parser(__doc__)
ap.add_argument("set_dir", metavar="SET_DIR", help="a folder of mixture folders (<name>/mix.wav, ref_<i>.wav)")
ap.add_argument("--binary", metavar="PATH", default=os.path.join(root, ".build", "release", "nmf-separate"),
                help="the nmf-separate to run (default: .build/release/nmf-separate)")
ap.add_argument("--scorer", default="shared", choices=["shared", "ours"])
ap.add_argument("--images", action="store_true", help="score with `nmf-separate eval --images` (implies --scorer ours)")
ap.add_argument("--window", help="medians over windows of this many seconds (eval --images --window; implies --images)")
ap.add_argument("--label", default="", help="the table's title (default: the nmf-separate options)")
ap.add_argument("--per-source", type=int, default=0, help="pass --components PER_SOURCE × S")
ap.add_argument("--anchor", choices=["reference"], help="separate with ref_separate.py instead of nmf-separate")
a, extra = devtools.parse_before_passthrough(ap)   # its own options anywhere before `--`, nmf-separate's after it
if a.window:
    a.images = True
if a.anchor is None or a.scorer == "ours" or a.images:
    devtools.require_binary(ap, "quality.py", a.binary)
mixtures = devtools.mixtures(ap, "quality.py", a.set_dir)

rows = []
backgrounds = {}   # mixture: (the run's background model, the mixture's floor), from its --json
out = tempfile.mkdtemp(prefix="nmf-quality-")
atexit.register(shutil.rmtree, out, ignore_errors=True)   # the separations are only scored, not kept
signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))   # so that the cleanup runs under `timeout` too
for name, mix_dir, refs in mixtures:
    s = len(refs)
    if a.anchor == "reference":
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
        prefix = os.path.join(out, name)
        subprocess.run([sys.executable, os.path.join(root, "..", "shared", "reference", "ref_separate.py"),
                        os.path.join(mix_dir, "mix.wav"), "--sources", str(s), "--out", prefix], check=True, env=env,
                       stdout=subprocess.DEVNULL)
        ests = [f"{prefix}_{i}.wav" for i in range(s)]
    else:
        run = subprocess.run([a.binary, os.path.join(mix_dir, "mix.wav"), "--sources", str(s), "-o", os.path.join(out, name),
                              "-q", "--force", "--json"] + extra + (["--components", str(a.per_source * s)] if a.per_source else []),
                             check=True, capture_output=True, text=True)
        settings = json.loads(run.stdout.splitlines()[-1]).get("settings", {})
        backgrounds[name] = (settings.get("background"), settings.get("background_floor"))
        ests = [os.path.join(out, name, "mix", f"source_{i + 1}.wav") for i in range(s)]
    if a.scorer == "shared" and not a.images:
        r = subprocess.run([sys.executable, os.path.join(root, "..", "shared", "reference", "score.py"), mix_dir] + ests,
                           check=True, capture_output=True, text=True)
        d = json.loads(r.stdout)
    else:
        r = subprocess.run([a.binary, "eval", "--reference"] + refs + ["--estimate"] + ests +
                           ["--mixture", os.path.join(mix_dir, "mix.wav"), "--json"] + (["--images"] if a.images else []) +
                           (["--window", a.window] if a.images and a.window else []),
                           check=True, capture_output=True, text=True)
        d = json.loads(r.stdout)
    rows.append((name, s, d))

print(f"\n{a.label or ('ref_separate.py (K = S)' if a.anchor else ' '.join(extra) or 'defaults')}\n")
fourth = "ISR" if a.images else "SI-SDR"
print(f"| mixture | S | SDR | SIR | SAR | {fourth} | mixture SDR | SDR improvement |")
print("|---|---|---|---|---|---|---|---|")
def f2(x):
    return "nan" if x is None else f"{x:.2f}"   # eval's JSON writes NaN and ±inf as null


for name, s, d in rows:
    print(f"| {name} | {s} | {f2(d['mean_sdr'])} | {f2(d['mean_sir'])} | {f2(d['mean_sar'])} | {f2(d['mean_isr' if a.images else 'mean_si_sdr'])} | "
          f"{f2(d['mix_sdr'])} | {f2(d['sdr_improvement'])} |")
# A mixture whose score is undefined (null) is left out of the means, and said so.
defined = [d for _, _, d in rows if d["sdr_improvement"] is not None and d["mean_sdr"] is not None]
if len(defined) < len(rows):
    print(f"({len(rows) - len(defined)} mixture(s) without a defined score left out of the means)")
mean = sum(d["sdr_improvement"] for d in defined) / max(len(defined), 1)
print(f"| **mean** | | {sum(d['mean_sdr'] for d in defined) / max(len(defined), 1):.2f} | | | | | **{mean:.2f}** |")
# Which mixtures the steady-background model took (`--background auto` decides from the floor).
floors = [f"{n} {f:.2f}{' (steady)' if b == 'steady' else ''}" for n, (b, f) in backgrounds.items() if f is not None]
if floors:
    print("\nbackground floor: " + ", ".join(floors))
