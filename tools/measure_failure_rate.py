#!/usr/bin/env python3
"""Measured failure frequency of Lemma 4's construction against d, for the
proved dimensions of proofs/chernoff-bound.md to be compared with.

    measure_failure_rate.py --L 512 --k 4 --rho 1.3862943611198906 \\
        --trials 200 --d-min 2000 --d-max 4500 [--eps 1 --gamma 0.1 --delta 0.05 --seed 1]

Each trial draws a target of the audit's random family (each row k distinct
columns uniformly; weights 1, e^(rho u) with u uniform, and e^(rho (1 - 2^-20))
for the last column, so every row spans the range rho; all weights 1 for
k = 1) and a Gaussian R with N(0, 1/d) entries, and checks Definition 2 for
softmax(S), S = B R R^T, in double precision (a measurement, not a
certificate). As in the audit, R at d is the first d columns of one array of
draws (common random numbers across d); the trials are independent. The
grid is geometric with about 2% steps between --d-min and --d-max.

Prints one JSON object: the grid, the number of failed trials at each d, and
d_1_minus_delta, the smallest grid d from which on at most floor(delta T)
trials fail. With --write-target FILE it only draws the first trial's target
(from --seed) and writes it as a Matrix Market file, for
`jlattn bound --target FILE` (Theorem 3 for that target). Needs NumPy (/usr/bin/python3 on Debian); run it with
OPENBLAS_NUM_THREADS=1 to keep it to one core.
"""
import argparse
import json
import math
import sys
import time

try:
    import numpy as np
except ImportError:  # pragma: no cover
    print("NumPy is not installed")
    sys.exit(77)


def draw_target(rng, L, k, rho, Delta):
    """B of Lemma 1 (dense) and the support mask, for one random target."""
    B = np.zeros((L, L))
    support = np.zeros((L, L), bool)
    top = rho * (1 - 2.0 ** -20)
    for i in range(L):
        cols = np.sort(rng.choice(L, size=k, replace=False))
        values = np.full(k, Delta)
        if k >= 2 and rho > 0:
            values[-1] = Delta + top
            if k > 2:
                values[1:-1] = Delta + rho * rng.random(k - 2)
        B[i, cols] = values
        support[i, cols] = True
    return B, support


def approximates(S, B, support, eps, log_gamma):
    """Definition 2 for softmax(S): R1 (support log-ratio error <= eps) and R2 in every row."""
    f = np.where(support, S - B, np.nan)
    r1 = (np.nanmax(f, 1) - np.nanmin(f, 1)) <= eps
    on_min = np.where(support, S, np.inf).min(1)
    off_max = np.where(support, -np.inf, S).max(1)
    r2 = (off_max - on_min) <= log_gamma
    return bool(np.all(r1 & r2))


def failures(L, k, rho, eps, gamma, grid, trials, seed):
    Delta = math.log(1 / gamma) + eps
    rng = np.random.default_rng(seed)
    fails = np.zeros(len(grid), int)
    for _ in range(trials):
        B, support = draw_target(rng, L, k, rho, Delta)
        Z = rng.standard_normal((L, grid[-1]))
        BZ = B @ Z
        S = np.zeros((L, L))
        done = 0
        for g, d in enumerate(grid):
            S += BZ[:, done:d] @ Z[:, done:d].T
            done = d
            if not approximates(S / d, B, support, eps, math.log(gamma)):
                fails[g] += 1
    return fails


def main(argv):
    a = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    a.add_argument("--L", type=int, required=True)
    a.add_argument("--k", type=int, required=True)
    a.add_argument("--rho", type=float, default=0.0, help="the range; ignored (0) for k = 1")
    a.add_argument("--eps", type=float, default=1.0)
    a.add_argument("--gamma", type=float, default=0.1)
    a.add_argument("--delta", type=float, default=0.05)
    a.add_argument("--trials", type=int, default=200)
    a.add_argument("--seed", type=int, default=1)
    a.add_argument("--d-min", type=int)
    a.add_argument("--d-max", type=int)
    a.add_argument("--write-target", metavar="FILE")
    a.add_argument("--steps", type=int, default=0, help="geometric steps of the grid (default: about 2%% each)")
    o = a.parse_args(argv[1:])
    rho = o.rho if o.k > 1 else 0.0
    if o.write_target:
        Delta = math.log(1 / o.gamma) + o.eps
        B, support = draw_target(np.random.default_rng(o.seed), o.L, o.k, rho, Delta)
        rows, cols = np.nonzero(support)
        with open(o.write_target, "w") as f:
            f.write("%%MatrixMarket matrix coordinate real general\n")
            f.write(f"{o.L} {o.L} {len(rows)}\n")
            for i, j in zip(rows, cols):
                f.write(f"{i + 1} {j + 1} {math.exp(B[i, j] - Delta)!r}\n")
        return 0
    if o.d_min is None or o.d_max is None:
        a.error("--d-min and --d-max are needed (or --write-target)")
    steps = o.steps or max(1, round(math.log(o.d_max / o.d_min) / math.log(1.02)))
    grid = sorted({round(o.d_min * (o.d_max / o.d_min) ** (i / steps)) for i in range(steps + 1)})
    start = time.time()
    fails = failures(o.L, o.k, rho, o.eps, o.gamma, grid, o.trials, o.seed).tolist()
    allowed = math.floor(o.delta * o.trials)
    d95 = next((d for i, d in enumerate(grid) if all(f <= allowed for f in fails[i:])), None)
    print(json.dumps({"L": o.L, "k": o.k, "rho": o.rho, "eps": o.eps, "gamma": o.gamma, "delta": o.delta,
                      "trials": o.trials, "seed": o.seed, "grid": grid, "failures": fails,
                      "d_1_minus_delta": d95, "seconds": round(time.time() - start, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
