#!/usr/bin/env python3
"""Writes the magnitude spectrogram of the first SECONDS of a recording (mono downmix, Hann
window 2048, hop 512, the tool's default analysis) as a float32 .npy matrix, bins × frames,
for `nmf-bench --v` and the Python anchors (dev-time only).

usage: spectrogram-npy.py AUDIO OUT.npy [SECONDS]
"""
import sys

import numpy as np
import scipy.signal as ss
import soundfile as sf

x, sr = sf.read(sys.argv[1], dtype="float32", always_2d=True)
seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 30.0
x = x.mean(axis=1)[: int(seconds * sr)]
_, _, z = ss.stft(x, nperseg=2048, noverlap=2048 - 512, window="hann", boundary=None, padded=False)
np.save(sys.argv[2], np.asfortranarray(np.abs(z).astype(np.float32)))
