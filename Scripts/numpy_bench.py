#!/usr/bin/env python3
"""Times the reference NumPy float32 KL-NMF (../shared/reference/numpy_klnmf.py) on a V
written by `nmf-bench --write-v`. usage: numpy_bench.py V.npy K ITERS"""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "reference"))
from numpy_klnmf import kl_nmf  # noqa: E402


def usage_error(why):
    print(f"usage: numpy_bench.py V.npy K ITERS\nnumpy_bench.py: {why}", file=sys.stderr)
    sys.exit(2)


if sys.argv[1:] in (["-h"], ["--help"]):
    print(__doc__.strip())
    sys.exit(0)
if len(sys.argv) != 4:
    usage_error("needs V.npy, K and ITERS")
try:
    k, iters = int(sys.argv[2]), int(sys.argv[3])
except ValueError:
    k = iters = 0
if k < 1 or iters < 1:
    usage_error(f"K and ITERS must be whole numbers >= 1, not {sys.argv[2]} and {sys.argv[3]}")
try:
    V = np.load(sys.argv[1])
except OSError as e:
    usage_error(f"{sys.argv[1]}: {e.strerror or e}")
except ValueError:
    usage_error(f"{sys.argv[1]}: not a .npy file of numbers")
if V.ndim != 2 or V.dtype.kind != "f":
    usage_error(f"{sys.argv[1]}: needs a 2-D float matrix (bins × frames), not {V.dtype} {V.shape}")
V = np.ascontiguousarray(V)
kl_nmf(V, k, 2)
t = time.perf_counter()
_, _, kl = kl_nmf(V, k, iters)
dt = time.perf_counter() - t
print(f"per_iter_ms={dt / iters * 1e3:.3f} kl={kl:.6g}")
