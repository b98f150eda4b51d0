#!/usr/bin/env python3
"""Times the reference NumPy float32 KL-NMF (../shared/reference/numpy_klnmf.py) on a V
written by `nmf-bench --write-v`. usage: numpy_bench.py V.npy K ITERS"""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "reference"))
from numpy_klnmf import kl_nmf  # noqa: E402

import devtools  # noqa: E402

V, k, iters = devtools.bench_arguments('numpy_bench.py', __doc__)
V = np.ascontiguousarray(V)
kl_nmf(V, k, 2)
t = time.perf_counter()
_, _, kl = kl_nmf(V, k, iters)
dt = time.perf_counter() - t
print(f"per_iter_ms={dt / iters * 1e3:.3f} kl={kl:.6g}")
