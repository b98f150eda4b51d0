#!/usr/bin/env python3
"""Builds a long stereo 44.1 kHz 16-bit test mixture from the development recordings
(dev-time only): real stems and loops tiled to the requested length.

usage: make-long-mixture.py OUT.wav SECONDS
"""
import os
import sys

import numpy as np
import soundfile as sf

here = os.path.dirname(os.path.abspath(__file__))
audio = os.path.join(here, "..", "..", "shared", "data", "audio")
out, seconds = sys.argv[1], float(sys.argv[2])
sr = 44100
n = int(seconds * sr)


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
