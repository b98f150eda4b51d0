#!/usr/bin/env python3
"""Builds a long stereo 44.1 kHz 16-bit test mixture from the development recordings
(dev-time only): real stems and loops tiled to the requested length.

usage: make-long-mixture.py OUT.wav SECONDS
"""
import math
import os
import sys

import numpy as np
import soundfile as sf

import devtools

here = os.path.dirname(os.path.abspath(__file__))
audio = os.path.join(here, "..", "..", "shared", "data", "audio")
sr = 44100


def usage_error(why):
    devtools.usage_error("make-long-mixture.py OUT.wav SECONDS", "make-long-mixture.py", why)


devtools.help_if_asked(__doc__)
if len(sys.argv) != 3:
    usage_error("needs OUT.wav and SECONDS")
out = sys.argv[1]
try:
    seconds = float(sys.argv[2])
except ValueError:
    seconds = math.nan
n = int(seconds * sr) if math.isfinite(seconds) else 0
if n < 1:
    usage_error(f"SECONDS must be a number of at least 1/{sr}, not {sys.argv[2]}")
if not sf.check_format(os.path.splitext(out)[1][1:].upper(), "PCM_16"):
    usage_error(f"{out}: needs the extension of a 16-bit PCM format (.wav, .flac, .aiff …)")
if not os.path.isdir(os.path.dirname(os.path.abspath(out))):
    usage_error(f"{os.path.dirname(out)}: no such folder")


def tiled(name):
    x, r = sf.read(os.path.join(audio, name), dtype="float32")
    assert r == sr, name
    reps = n // len(x) + 1
    return np.tile(x, reps)[:n]


guitar, backing, piano = tiled("stems_sectoid_guitar.wav"), tiled("stems_sectoid_backing.wav"), tiled("piano_sms.wav")
left = 0.6 * guitar + 0.4 * backing + 0.3 * piano
right = 0.4 * guitar + 0.6 * backing + 0.2 * piano
mix = np.stack([left, right], axis=1)
mix *= 0.9 / max(1e-9, float(np.max(np.abs(mix))))
sf.write(out, mix, sr, subtype="PCM_16")
