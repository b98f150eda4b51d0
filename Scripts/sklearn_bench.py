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

import devtools

warnings.filterwarnings("ignore")

V, k, iters = devtools.bench_arguments('sklearn_bench.py', __doc__)
NMF(n_components=k, beta_loss="kullback-leibler", solver="mu", init="random", max_iter=2, tol=0.0, random_state=0).fit_transform(V)
model = NMF(n_components=k, beta_loss="kullback-leibler", solver="mu", init="random", max_iter=iters, tol=0.0, random_state=0)
t = time.perf_counter()
W = model.fit_transform(V)
dt = time.perf_counter() - t
WH = W @ model.components_ + 1e-9
kl = float(np.sum(np.where(V > 0, V * np.log(np.maximum(V, 1e-30) / WH), 0) - V + WH))
print(f"per_iter_ms={dt / model.n_iter_ * 1e3:.3f} kl={kl:.6g}")
