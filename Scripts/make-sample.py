#!/usr/bin/env python3
"""Builds Samples/speech_piano.wav from the development recordings (dev-time only).

Female speech (sms-tools speech-female.wav) and a piano phrase (sms-tools piano.wav),
both 44.1 kHz mono, mixed into a 3.8 s stereo 16-bit WAV: speech a little left,
piano a little right, equal RMS. See Samples/README.md for attribution.

usage: python3 Scripts/make-sample.py [AUDIO_DIR]   (default ../shared/data/audio)
"""
import os
import sys

import numpy as np
import soundfile as sf

here = os.path.dirname(os.path.abspath(__file__))
audio = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "..", "shared", "data", "audio")
speech, sr1 = sf.read(os.path.join(audio, "speech_sms_female.wav"), dtype="float64")
piano, sr2 = sf.read(os.path.join(audio, "piano_sms.wav"), dtype="float64")
assert sr1 == sr2 == 44100
n = int(3.8 * sr1)
speech, piano = speech[:n], piano[:n]
piano *= np.sqrt(np.mean(speech ** 2) / np.mean(piano ** 2))
left = 0.7 * speech + 0.3 * piano
right = 0.3 * speech + 0.7 * piano
mix = np.stack([left, right], axis=1)
mix *= 0.8 / np.max(np.abs(mix))
os.makedirs(os.path.join(here, "..", "Samples"), exist_ok=True)
sf.write(os.path.join(here, "..", "Samples", "speech_piano.wav"), mix, sr1, subtype="PCM_16")
