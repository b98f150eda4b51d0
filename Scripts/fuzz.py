#!/usr/bin/env python3
"""Fuzzes the nmf-separate command line with mutated audio files and hostile options.

usage: fuzz.py [--cases N] [--jobs J] [--seed S] [--binary PATH] [--out DIR] [--timeout SEC]

Builds a seed corpus of short real recordings (../shared/data/audio) in WAV 16/24/float,
WAVEX, FLAC, OGG/Vorbis and AIFF, then runs N cases. Each case mutates one file
(truncation, random bytes, lying chunk sizes, 0 channels, absurd sample rates and frame
counts, junk chunks, garbage) and/or the options (huge or tiny fft sizes, hops, sources,
mask powers), runs the tool with a timeout and checks that it
  - ends by itself (no hang) and not by a signal (no crash),
  - exits 0, 1 or 64, with exactly one line on stderr when it fails,
  - leaves no temporary or partial file in the output directory,
  - leaves its input file byte-for-byte unchanged.
Every failing case is copied to DIR/failures/ with its arguments (a regression corpus).
Without --out, DIR is a temporary directory ($TMPDIR/nmf-fuzz-*), removed at the end (also when
interrupted) unless a case failed; then its path is printed on stderr.
Prints one JSON line of counts. Exit status 1 when any failure was found. Needs numpy and soundfile.
"""
import argparse
import atexit
import concurrent.futures as cf
import hashlib
import json
import os
import random
import shutil
import signal
import struct
import subprocess
import sys
import tempfile

import numpy as np
import soundfile as sf

here = os.path.dirname(os.path.abspath(__file__))
head, _, tail = __doc__.partition("\nusage: ")
usage, _, tail = tail.partition("\n\n")
ap = argparse.ArgumentParser(usage=usage, description=head + "\n\n" + tail, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("--cases", type=int, default=10000, metavar="N", help="number of cases (default 10000)")
ap.add_argument("--jobs", type=int, default=2, metavar="J", help="cases run at once (default 2)")
ap.add_argument("--seed", type=int, default=1, metavar="S", help="seed of the mutations and options (default 1)")
ap.add_argument("--binary", metavar="PATH", default=os.path.join(here, "..", ".build", "release", "nmf-separate"),
                help="the nmf-separate to run (default: .build/release/nmf-separate)")
ap.add_argument("--out", default=None, metavar="DIR", help="keep the corpus and the failing cases here (default: a temporary "
                                                           "directory, removed unless a case failed)")
ap.add_argument("--timeout", type=float, default=30, metavar="SEC", help="seconds a case may take (default 30)")
a = ap.parse_args()
if shutil.which(a.binary) is None:
    ap.exit(2, f"fuzz.py: {a.binary}: not an executable file (build it with `swift build -c release`, or give --binary PATH)\n")
out = a.out or tempfile.mkdtemp(prefix="nmf-fuzz-")


def clean_up():
    """Removes the temporary work directory, unless a failing case was copied into it."""
    failures = os.path.join(out, "failures")
    if os.path.isdir(failures) and os.listdir(failures):
        print(f"fuzz.py: failing cases kept in {failures}", file=sys.stderr)
    else:
        shutil.rmtree(out, ignore_errors=True)


if not a.out:
    atexit.register(clean_up)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))   # so that the cleanup runs under `timeout` too
corpus = os.path.join(out, "corpus")
os.makedirs(corpus, exist_ok=True)
os.makedirs(os.path.join(out, "failures"), exist_ok=True)

audio = os.path.join(here, "..", "..", "shared", "data", "audio")
speech, sr = sf.read(os.path.join(audio, "speech_sms_male.wav"), dtype="float32")
piano, _ = sf.read(os.path.join(audio, "piano_sms.wav"), dtype="float32")
n = int(0.4 * sr)
mono = speech[:n] + piano[:n]
stereo = np.stack([mono, 0.5 * speech[:n] + piano[:n]], axis=1)
seeds = []
for name, data, rate, fmt, sub in [
    ("m16.wav", mono, sr, "WAV", "PCM_16"), ("s24.wav", stereo, sr, "WAV", "PCM_24"),
    ("sf.wav", stereo, 48000, "WAV", "FLOAT"), ("wx.wav", stereo, sr, "WAVEX", "PCM_16"),
    ("m.flac", mono, 16000, "FLAC", "PCM_16"), ("s.ogg", stereo, sr, "OGG", "VORBIS"),
    ("m.aiff", mono, 22050, "AIFF", "PCM_16"), ("s8.wav", stereo, 8000, "WAV", "PCM_U8"),
]:
    p = os.path.join(corpus, name)
    sf.write(p, data, rate, format=fmt, subtype=sub)
    seeds.append(p)


def find_chunk(b, tag):
    i = b.find(tag)
    return i if i >= 0 else None


def mutate(data, rng):
    b = bytearray(data)
    kind = rng.choice(["truncate", "header_truncate", "flip", "channels0", "rate", "datasize", "riffsize",
                       "bits", "blockalign", "junk", "append", "random", "zeros", "frames", "none", "multi"])
    if kind == "multi":
        for _ in range(rng.randint(2, 4)):
            b = bytearray(mutate(bytes(b), rng)[0])
        return bytes(b), kind
    fmt = find_chunk(b, b"fmt ")
    if kind == "truncate" and len(b) > 1:
        b = b[:rng.randint(0, len(b) - 1)]
    elif kind == "header_truncate":
        b = b[:rng.randint(0, min(len(b), 128))]
    elif kind == "flip":
        for _ in range(rng.choice([1, 2, 8, 64, 512])):
            if b:
                b[rng.randrange(len(b))] = rng.randrange(256)
    elif kind == "channels0" and fmt is not None and len(b) > fmt + 12:
        struct.pack_into("<H", b, fmt + 10, rng.choice([0, 1, 2, 3, 255, 1024, 1025, 65535]))
    elif kind == "rate" and fmt is not None and len(b) > fmt + 16:
        struct.pack_into("<I", b, fmt + 12, rng.choice([0, 1, 2, 7, 8000, 192000, 1_536_001, 2**31 - 1, 2**32 - 1]))
    elif kind == "datasize":
        d = find_chunk(b, b"data") or find_chunk(b, b"SSND")
        if d is not None and len(b) > d + 8:
            struct.pack_into("<I", b, d + 4, rng.choice([0, 1, 2, 3, 7, 2**31, 2**32 - 1, len(b) * 4]))
    elif kind == "riffsize" and len(b) > 8:
        struct.pack_into("<I", b, 4, rng.choice([0, 4, 36, 2**32 - 1, len(b) * 3]))
    elif kind == "bits" and fmt is not None and len(b) > fmt + 24:
        struct.pack_into("<H", b, fmt + 22, rng.choice([0, 1, 7, 12, 33, 64, 65535]))
        if rng.random() < 0.5:
            struct.pack_into("<H", b, fmt + 8, rng.choice([0, 2, 3, 6, 7, 0x55, 0xFFFE, 0xFFFF]))
    elif kind == "blockalign" and fmt is not None and len(b) > fmt + 22:
        struct.pack_into("<H", b, fmt + 20, rng.choice([0, 1, 3, 65535]))
    elif kind == "junk" and len(b) > 12:
        chunk = b"JUNK" + struct.pack("<I", rng.choice([0, 3, 100, 2**31])) + bytes(rng.randrange(256) for _ in range(rng.randint(0, 64)))
        b[12:12] = chunk
    elif kind == "append":
        b += bytes(rng.randrange(256) for _ in range(rng.randint(1, 4096)))
    elif kind == "random":
        b = bytearray(rng.randrange(256) for _ in range(rng.randint(0, 4096)))
        if rng.random() < 0.5:
            b[0:4] = rng.choice([b"RIFF", b"fLaC", b"OggS", b"FORM"])
    elif kind == "zeros":
        b = bytearray(rng.randint(0, 8192))
    elif kind == "frames":
        # A float WAV whose samples include NaN/Inf or extreme values.
        x = np.frombuffer(bytes(b[-min(len(b) // 2, 4000) // 4 * 4:]), dtype=np.uint8)
        buf = tempfile.NamedTemporaryFile(suffix=".wav", delete=False)
        buf.close()
        y = np.tile(np.array([0.0, np.nan, np.inf, -np.inf, 1e30, -1e30, 1e-40], dtype=np.float32), 800)
        rng.shuffle(y)
        sf.write(buf.name, y[: rng.randint(1, len(y))], rng.choice([8000, 44100]), subtype="FLOAT")
        b = bytearray(open(buf.name, "rb").read())
        os.unlink(buf.name)
    return bytes(b), kind


def options(rng):
    valid = rng.random() < 0.85
    opts = ["--sources", str(rng.choice([1, 2, 2, 3, 5] if valid else [0, -1, 1000000, "x"]))]
    if rng.random() < 0.4:
        good = [16, 32, 64, 128, 256, 512, 1024, 4096, 65536]
        opts += ["--fft-size", str(rng.choice(good if valid else good + [65538, 1 << 20, 0, -4, 15, 17, "1e9"]))]
    if rng.random() < 0.3:
        good = [1, 2, 3, 64, 100, 4096]
        opts += ["--hop", str(rng.choice(good if valid else good + [0, -1, 1 << 30]))]
    if rng.random() < 0.2:
        opts += ["--mask-power", str(rng.choice([1e-30, 0.5, 2, 10, 11, 0, -1, "nan", "inf"]))]
    if rng.random() < 0.2:
        opts += ["--tolerance", str(rng.choice([0, 1e-3, 0.5, 1, -1, "nan"]))]
    if rng.random() < 0.2:
        opts += ["--components", str(rng.choice([1, 2, 4, 8, 0, 100000]))]
    if rng.random() < 0.1:
        opts += ["--seed", str(rng.choice([0, 2**64 - 1, 2**64, -1]))]
    if rng.random() < 0.1:
        opts += ["--replace-nonfinite"]
    if rng.random() < 0.15:
        opts += ["--format", rng.choice(["wav", "flac", "ogg", "aiff", "mp4", ""])]
    if rng.random() < 0.15:
        opts += ["--sample-format", rng.choice(["pcm16", "pcm24", "float", "pcm8"])]
    if rng.random() < 0.1:
        opts += ["--plot"]
    if rng.random() < 0.1:
        opts += ["--save-factors"]
    if rng.random() < 0.1:
        opts += ["--spatial"]
    if rng.random() < 0.08:
        opts += ["--no-spatial"]
    if rng.random() < 0.08:
        opts += ["--ensemble", str(rng.choice([1, 2, 3, 0, 33, "x"]))]
    if rng.random() < 0.15:
        opts += ["--grouping", rng.choice(["timbre", "activations", "combined", "percussive", "percussive", "drums"])]
    if rng.random() < 0.12:
        opts += ["--background", rng.choice(["steady", "steady", "none", "auto", "loud"])]
        if rng.random() < 0.3:
            opts += ["--continuity", rng.choice(["100,0", "1,2,3", "0.5", "-1,0"])]
    if rng.random() < 0.1:
        opts += ["--step-exponent", str(rng.choice([1, 1.5, 1.9, 0.1, 2, 0, -1, "nan", "inf"]))]
    if rng.random() < 0.05:
        opts += ["--jobs", str(rng.choice([1, 2, 0, 300]))]
    if rng.random() < 0.05:
        opts += ["--shard", rng.choice(["0/1", "0/2", "1/2", "2/2", "x"])]
    if rng.random() < 0.05:
        opts += [rng.choice(["--bogus", "--json", "--force", "-q", "--hop", "--skip-existing", "--progress"])]
    iters = rng.choice([0, 1, 3, 5]) if rng.random() < 0.9 else 50
    return opts + ["--iterations", str(iters)]


def digest(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def run_case(i):
    rng = random.Random(a.seed * 1_000_003 + i)
    seed = rng.choice(seeds)
    data, kind = mutate(open(seed, "rb").read(), rng) if rng.random() < 0.9 else (open(seed, "rb").read(), "none")
    case_dir = tempfile.mkdtemp(prefix=f"case{i}-", dir=out)
    path = os.path.join(case_dir, "input" + os.path.splitext(seed)[1])
    with open(path, "wb") as f:
        f.write(data)
    before = digest(path)
    mtime = os.stat(path).st_mtime_ns
    outdir = os.path.join(case_dir, "out")
    args = [a.binary, path] + options(rng) + ["-o", outdir, "-q"]
    problem = None
    try:
        # Its own session: a Ctrl-C of the fuzzer does not reach the case (it would count as a crash).
        r = subprocess.run(args, capture_output=True, timeout=a.timeout, text=True, errors="replace", start_new_session=True)
        if r.returncode < 0:
            problem = f"crash: signal {-r.returncode}"
        elif r.returncode not in (0, 1, 64):
            problem = f"unexpected exit status {r.returncode}"
        elif r.returncode != 0 and len(r.stderr.strip().splitlines()) != 1:
            problem = f"stderr is not one line: {r.stderr[:300]!r}"
        elif r.returncode == 0 and "--sources" in args:
            pass
        stderr = r.stderr
    except subprocess.TimeoutExpired:
        problem, stderr = "hang: timeout", ""
    if problem is None and os.path.isdir(outdir):
        for root, _, files in os.walk(outdir):
            for fn in files:
                if fn.startswith("."):
                    problem = f"temporary file left: {fn}"
        if r.returncode != 0 and any(files for _, _, files in os.walk(outdir)):
            problem = "failed run left output files"
    if problem is None and (digest(path) != before or os.stat(path).st_mtime_ns != mtime):
        problem = "input file was modified"
    status = "timeout" if problem == "hang: timeout" else str(r.returncode)
    result = (i, kind, problem, args[2:], stderr.strip()[:200], status)
    if problem:
        dst = os.path.join(out, "failures", f"case{i}")
        os.makedirs(dst, exist_ok=True)
        shutil.copy(path, dst)
        json.dump({"args": args[2:], "problem": problem, "kind": kind, "stderr": stderr}, open(os.path.join(dst, "case.json"), "w"))
    shutil.rmtree(case_dir, ignore_errors=True)
    return result


counts = {"crash": 0, "hang": 0, "other": 0}
statuses = {}
exits = {}
pool = cf.ThreadPoolExecutor(max_workers=a.jobs)
try:
    for i, kind, problem, args, stderr, status in pool.map(run_case, range(a.cases)):
        exits[status] = exits.get(status, 0) + 1
        if problem:
            key = "crash" if problem.startswith("crash") else "hang" if problem.startswith("hang") else "other"
            counts[key] += 1
            print(f"case {i} [{kind}] {problem}: {' '.join(args)} :: {stderr}", flush=True)
        statuses[kind] = statuses.get(kind, 0) + 1
except KeyboardInterrupt:
    sys.exit(130)
finally:
    pool.shutdown(cancel_futures=True)   # on an interrupt: the cases running finish, the others are dropped
print(json.dumps({"cases": a.cases, "crashes": counts["crash"], "hangs": counts["hang"], "other_failures": counts["other"],
                  "exit_statuses": exits, "mutations": statuses, "failures_dir": os.path.join(out, "failures") if a.out or any(counts.values()) else None}))
sys.exit(1 if any(counts.values()) else 0)
