#!/usr/bin/env python3
"""Independent NumPy check of `jlattn construct` output (README, "Check it
yourself"): recompute Definition 2's eps_hat and gamma_hat from X.npy,
W_Q.npy, W_K.npy and the target, and compare with report.json.

usage: check_construction.py A OUT_DIR     (A: .mtx, .npy or .npz, as --target)
"""
import json
import sys

import numpy as np


def read_target(path):
    """The target as a dense array, read by NumPy and SciPy (not by jlattn's
    readers), whatever its kind: .npy, SciPy .npz or Matrix Market."""
    with open(path, "rb") as f:
        head = f.read(6)
    if head == b"\x93NUMPY":
        return np.load(path).astype(float)
    import scipy.io
    import scipy.sparse

    if head.startswith(b"PK"):
        return scipy.sparse.load_npz(path).toarray().astype(float)
    A = scipy.io.mmread(path)  # coordinate or array, general or symmetric
    return (A.toarray() if scipy.sparse.issparse(A) else np.asarray(A)).astype(float)


def main(target, out):
    A = read_target(target)
    X, WQ, WK = (np.load(f"{out}/{n}.npy") for n in ("X", "W_Q", "W_K"))
    S = (X @ WQ) @ (X @ WK).T  # ln softmax(S) up to a per-row constant
    eps_hat, lgam_hat = 0.0, -np.inf
    for i in range(A.shape[0]):
        on = A[i] > 0
        diff = S[i, on] - np.log(A[i, on])
        eps_hat = max(eps_hat, diff.max() - diff.min())
        if (~on).any():
            lgam_hat = max(lgam_hat, S[i, ~on].max() - S[i, on].min())
    report = json.load(open(f"{out}/report.json"))["evaluation"]
    print(f"numpy: eps_hat = {eps_hat:.12g}, gamma_hat = {np.exp(lgam_hat):.12g}")
    print(f"report: eps_hat = {report['eps_hat']:.12g}, gamma_hat = {report['gamma_hat']:.12g}")
    ok = abs(eps_hat - report["eps_hat"]) <= 1e-9 and abs(np.exp(lgam_hat) - report["gamma_hat"]) <= 1e-9
    print("agrees" if ok else "DISAGREES")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
