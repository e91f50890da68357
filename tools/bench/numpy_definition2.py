#!/usr/bin/env python3
"""The uncertified check of Definition 2 as a NumPy user would write it.

    python3 tools/bench/numpy_definition2.py A.mtx X.npy EPS GAMMA

X = [Q | K] is the input of Lemma 4 (W_Q, W_K the 0/1 selectors), so the
scores are S = Q K^T. The script forms the whole L x L score matrix in float64
(8 L^2 bytes: 8.6 GB at L = 32768), applies the row softmax in place, and
evaluates Definition 2's two conditions from M = softmax(S) in double
precision, with no error bound: eps_i = max - min over the support of
ln M_ij - ln A_ij, and ln gamma_i = ln(max off the support of M_ij) -
ln(min on the support of M_ij').

It is the comparison of issue 7's benchmark (tools/bench-scale.sh): the same
instance, the same question, NumPy with the machine's BLAS (Debian's
python3-numpy with OpenBLAS). Prints one line of figures (seconds for the
product and for the rest, eps_hat, gamma_hat, the verdict an uncertified
evaluation would give); the benchmark checks that eps_hat and gamma_hat fall
inside the certifier's enclosures, allowing for the rounding of this
evaluation.
"""
import sys
import time

import numpy as np


def read_target(path):
    """Matrix Market coordinate file (real, integer or pattern, general) -> (L, rows, cols, weights)."""
    with open(path) as f:
        header = f.readline().split()
        if len(header) < 5 or header[0] != "%%MatrixMarket" or header[2] != "coordinate":
            raise SystemExit(f"numpy_definition2: {path}: not a Matrix Market coordinate file")
        field = header[3]
        line = f.readline()
        while line.startswith("%"):
            line = f.readline()
        L, L2, nnz = (int(v) for v in line.split())
        if L != L2:
            raise SystemExit(f"numpy_definition2: {path}: not square")
        data = np.loadtxt(f, ndmin=2)
    if data.shape[0] != nnz:
        raise SystemExit(f"numpy_definition2: {path}: {data.shape[0]} entries, header says {nnz}")
    rows = data[:, 0].astype(np.int64) - 1
    cols = data[:, 1].astype(np.int64) - 1
    weights = np.ones(nnz) if field == "pattern" else data[:, 2]
    keep = weights > 0  # Definition 1: the support is where A is positive
    return L, rows[keep], cols[keep], weights[keep]


def blas_core():
    """The kernel the BLAS that NumPy loaded runs (OpenBLAS's own report), or '?'."""
    import ctypes
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "blas" in line and line.rstrip().endswith(".so.3")
                     or "openblas" in line}
        for path in sorted(paths):
            lib = ctypes.CDLL(path)
            if hasattr(lib, "openblas_get_corename"):
                lib.openblas_get_corename.restype = ctypes.c_char_p
                return "openblas-" + lib.openblas_get_corename().decode()
        return "reference-or-other"
    except OSError:
        return "?"


def main():
    if len(sys.argv) != 5:
        raise SystemExit(__doc__)
    L, rows, cols, weights = read_target(sys.argv[1])
    X = np.load(sys.argv[2], mmap_mode=None)
    eps, gamma = float(sys.argv[3]), float(sys.argv[4])
    if X.shape[0] != L or X.shape[1] % 2:
        raise SystemExit(f"numpy_definition2: X is {X.shape}, expected {L} x 2d")
    d = X.shape[1] // 2

    t0 = time.perf_counter()
    S = X[:, :d] @ X[:, d:].T  # the L x L scores (Lemma 4: q_i = first half, k_j = second half)
    t1 = time.perf_counter()

    # Row softmax in place: M = exp(S - max) / sum.
    S -= S.max(axis=1, keepdims=True)
    np.exp(S, out=S)
    S /= S.sum(axis=1, keepdims=True)
    M = S

    # R1 per row: spread of ln M_ij - ln A_ij over the support.
    on = np.log(M[rows, cols])
    diff = on - np.log(weights)
    hi = np.full(L, -np.inf)
    lo = np.full(L, np.inf)
    np.maximum.at(hi, rows, diff)
    np.minimum.at(lo, rows, diff)
    eps_hat = float(np.max(hi - lo))

    # R2 per row: largest entry off the support over the smallest on it.
    min_on = np.full(L, np.inf)
    np.minimum.at(min_on, rows, on)
    M[rows, cols] = 0.0  # support entries leave the off-support maximum
    max_off = np.log(M.max(axis=1))
    log_gamma_hat = float(np.max(max_off - min_on))
    t2 = time.perf_counter()

    ok = eps_hat <= eps and log_gamma_hat <= np.log(gamma)
    print(f"numpy L={L} d={d} matmul_s={t1 - t0:.3f} rest_s={t2 - t1:.3f} total_s={t2 - t0:.3f} "
          f"eps_hat={eps_hat!r} gamma_hat={float(np.exp(log_gamma_hat))!r} "
          f"uncertified_verdict={'approximates' if ok else 'does-not-approximate'} blas={blas_core()}")


if __name__ == "__main__":
    main()
