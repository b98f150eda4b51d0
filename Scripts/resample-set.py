#!/usr/bin/env python3
"""Copy a set of mixtures at another sample rate (dev-time tool: does quality hold at rates the
defaults were not measured at?).

usage: resample-set.py SET_DIR OUT_DIR RATE

SET_DIR is the layout ../shared/data/make_mixtures.py writes (<name>/mix.wav, ref_<i>.wav, and
train_<i>.wav where present). Every WAV file of every mixture folder is resampled to RATE Hz by
scipy's polyphase filter (resample_poly, its default Kaiser window) and written as 32-bit float
WAV under OUT_DIR/<name>/, so that no rounding is added; the mixture and its references are
resampled alike, so the mixture stays their sum to within the filter's accuracy. Folders
without a mix.wav are skipped. Then score the copy as any set:
python3 Scripts/quality.py --scorer ours OUT_DIR -- --seed N
"""
import os
import sys
from fractions import Fraction

import soundfile as sf
from scipy.signal import resample_poly

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import devtools  # noqa: E402

ap = devtools.parser(__doc__)
ap.add_argument("set_dir", metavar="SET_DIR")
ap.add_argument("out_dir", metavar="OUT_DIR")
ap.add_argument("rate", metavar="RATE", type=int)
a = ap.parse_args()
if not 1000 <= a.rate <= 384000:
    ap.error(f"RATE {a.rate} is out of range (allowed: 1000 to 384000 Hz)")
if not os.path.isdir(a.set_dir):
    ap.error(f"SET_DIR '{a.set_dir}' is not a directory")
count = 0
for name in sorted(os.listdir(a.set_dir)):
    src = os.path.join(a.set_dir, name)
    if not os.path.isfile(os.path.join(src, "mix.wav")):
        continue
    os.makedirs(os.path.join(a.out_dir, name), exist_ok=True)
    for f in sorted(os.listdir(src)):
        if not f.endswith(".wav"):
            continue
        x, rate = sf.read(os.path.join(src, f), dtype="float64", always_2d=False)
        step = Fraction(a.rate, rate)
        y = resample_poly(x, step.numerator, step.denominator, axis=0)
        sf.write(os.path.join(a.out_dir, name, f), y, a.rate, subtype="FLOAT")
    count += 1
print(f"{count} mixtures resampled to {a.rate} Hz in {a.out_dir}", file=sys.stderr)
