#!/usr/bin/env python3
"""Writes the magnitude spectrogram of the first SECONDS (default 30) of a recording as a
float32 .npy matrix, bins × frames (Fortran order), for `nmf-bench --v` and the Python anchors
(dev-time only). It is SciPy's STFT (scipy.signal.stft, defaults otherwise) of the mono
downmix: periodic Hann window of 2048 samples and hop 512 (the tool's default sizes), SciPy's
scaling (each frame's spectrum divided by the window's sum), boundary=None and padded=False
(the first frame starts at sample 0, nothing is padded, a last partial frame is dropped).
It is not the tool's own analysis, whose frames are centred on multiples of the hop (zeros
outside the signal) and whose FFT is not scaled: a V of the same sizes and kind, not the V the
tool computes from the file.

usage: spectrogram-npy.py AUDIO OUT.npy [SECONDS]
"""
import math
import os
import sys

import numpy as np
import scipy.signal as ss
import soundfile as sf


def usage_error(why):
    print(f"{__doc__.strip().splitlines()[-1]}\nspectrogram-npy.py: {why}", file=sys.stderr)
    sys.exit(2)


if sys.argv[1:] in (["-h"], ["--help"]):
    print(__doc__.strip())
    sys.exit(0)
if len(sys.argv) not in (3, 4):
    usage_error("needs AUDIO and OUT.npy")
try:
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 30.0
except ValueError:
    seconds = math.nan
if not (math.isfinite(seconds) and seconds > 0):
    usage_error(f"SECONDS must be a finite number > 0, not {sys.argv[3]}")
if not os.path.isdir(os.path.dirname(os.path.abspath(sys.argv[2]))):
    usage_error(f"{os.path.dirname(sys.argv[2])}: no such folder")
try:
    x, sr = sf.read(sys.argv[1], dtype="float32", always_2d=True)
except (OSError, RuntimeError, TypeError) as e:
    usage_error(f"{sys.argv[1]}: {e}")
x = x.mean(axis=1)[: int(seconds * sr)]
if len(x) < 2048:
    usage_error(f"{sys.argv[1]}: needs at least 2048 samples (one frame) in the first {seconds:g} s, has {len(x)}")
_, _, z = ss.stft(x, nperseg=2048, noverlap=2048 - 512, window="hann", boundary=None, padded=False)
np.save(sys.argv[2], np.asfortranarray(np.abs(z).astype(np.float32)))
