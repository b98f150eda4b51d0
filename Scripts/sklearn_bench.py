#!/usr/bin/env python3
"""Times scikit-learn's KL multiplicative updates on a V written by `nmf-bench --write-v`.

usage: sklearn_bench.py V.npy K ITERS     (dev-time anchor; pin OPENBLAS_NUM_THREADS outside)
Prints: per_iter_ms=... kl=...
"""
import sys
import time
import warnings

import numpy as np
from sklearn.decomposition import NMF

warnings.filterwarnings("ignore")


def usage_error(why):
    print(f"usage: sklearn_bench.py V.npy K ITERS\nsklearn_bench.py: {why}", file=sys.stderr)
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
NMF(n_components=k, beta_loss="kullback-leibler", solver="mu", init="random", max_iter=2, tol=0.0, random_state=0).fit_transform(V)
model = NMF(n_components=k, beta_loss="kullback-leibler", solver="mu", init="random", max_iter=iters, tol=0.0, random_state=0)
t = time.perf_counter()
W = model.fit_transform(V)
dt = time.perf_counter() - t
WH = W @ model.components_ + 1e-9
kl = float(np.sum(np.where(V > 0, V * np.log(np.maximum(V, 1e-30) / WH), 0) - V + WH))
print(f"per_iter_ms={dt / model.n_iter_ * 1e3:.3f} kl={kl:.6g}")
