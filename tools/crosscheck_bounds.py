#!/usr/bin/env python3
"""An independent cross-check of `jlattn bound`: the same dimensions computed
from scratch with mpmath (40 significant digits), sharing no code with the C++
library, then compared with `jlattn bound --json`.

    crosscheck_bounds.py JLATTN [--quick] [--table]

JLATTN is the path of the jlattn executable. Without --quick it runs the
parameter grid (L in {64, 128, 256, 512, 1024}, k in 1..4,
eps in {0.5, 0.75, 1}, gamma = 0.1, delta = 0.05, rho = 0) and the demo's class
(L = 64, k = 4, rho = ln 4); --quick runs a subset (ctest). --table prints
every number. Exit status 0 when everything agrees, 1 on a disagreement, 77
when mpmath is missing (ctest reports a skip).

How each number is computed here (proofs/rigorous-bounds.md has the proofs):
* closed forms (d*, d* with the paper-style beta, d_pair, d_polar, d*_u): the
  formula at 40 digits from the doubles the user gave, then the ceiling; a
  value within 1e-25 of an integer would be reported as ambiguous;
* exact-tail dimensions (d*_exact, d*_u,exact): the chi-square tail
  p(d, tau) = Q(d/2, (1+tau)d/2) + P(d/2, (1-tau)d/2) from mpmath.gammainc
  (regularized), the smallest d with F p(d, tau) <= delta found by bisection
  in [1, d*] (assuming p non-increasing in d, as the C++ code does) and
  then checked directly at d and d - 1;
* "falls below L at": the smallest L >= 2 with bound(L) < L, by bisection and a
  direct check at L and L - 1 (for the exact-tail ones: F(L) p(L - 1, tau) <= delta).
"""
import json
import math
import subprocess
import sys

try:
    import mpmath as mp
except ImportError:  # pragma: no cover
    print("mpmath is not installed: skipping")
    sys.exit(77)

mp.mp.dps = 40


class Params:
    def __init__(self, L, k, eps, gamma=0.1, rho=0.0, delta=0.05):
        self.L, self.k, self.eps, self.gamma, self.rho, self.delta = L, k, eps, gamma, rho, delta
        e, r = mp.mpf(eps), mp.mpf(rho)
        self.eta = e / 2
        self.Delta = mp.log(1 / mp.mpf(gamma)) + e
        self.beta = mp.sqrt(self.Delta ** 2 + (k - 1) * (self.Delta + r) ** 2)
        self.beta_paper = mp.sqrt(k) * (self.Delta + r)
        self.tau = self.eta / self.beta
        self.tau_paper = self.eta / self.beta_paper
        self.tau_u = self.eta / (k * self.Delta + (k - 1) * r)
        self.tau_pair = e / (mp.sqrt(2) * self.beta)


def c(t):
    return (t ** 2 / 2 - t ** 3 / 3) / 2


def closed_value(name, P, L):
    L = mp.mpf(L)
    dl = mp.mpf(P.delta)
    if name == "d_star":
        return mp.log(4 * L ** 2 / dl) / c(P.tau)
    if name == "d_star_paper":
        return mp.log(4 * L ** 2 / dl) / c(P.tau_paper)
    if name == "d_star_u":
        return mp.log(2 * L ** 2 / dl) / c(P.tau_u)
    N = P.k * L * (L - 1)
    if name == "d_pair":
        r = P.beta / mp.mpf(P.eps)
        return mp.log(N / dl) * (6 * r ** 2 + (2 + 2 * mp.sqrt(2)) * r)
    if name == "d_polar":
        return mp.log(2 * N / dl) / c(P.tau_pair)
    raise ValueError(name)


def ceil_checked(v):
    n = int(mp.ceil(v))
    if abs(v - mp.nint(v)) < mp.mpf("1e-25"):
        raise RuntimeError(f"value {v} is too close to an integer to decide its ceiling at 40 digits")
    return n


def log_p(d, tau):
    a = mp.mpf(d) / 2
    up = mp.gammainc(a, (1 + tau) * a, mp.inf, regularized=True)
    lo = mp.gammainc(a, 0, (1 - tau) * a, regularized=True)
    return mp.log(up + lo)


def exact_holds(theorem1, P, L, d):
    tau = P.tau if theorem1 else P.tau_u
    F = mp.mpf(2 if theorem1 else 1) * mp.mpf(L) ** 2
    return mp.log(F) + log_p(d, tau) <= mp.log(mp.mpf(P.delta))


def smallest(pred, lo, hi):
    """Smallest n in (lo, hi] with pred(n), given pred(hi) (bisection)."""
    assert pred(hi)
    while hi - lo > 1:
        m = (lo + hi) // 2
        if pred(m):
            hi = m
        else:
            lo = m
    return hi


def compute(P, crossovers=True):
    out = {}
    for name in ("d_star", "d_star_paper", "d_pair", "d_polar", "d_star_u"):
        d = ceil_checked(closed_value(name, P, P.L))
        entry = {"d": d}
        if crossovers:
            below = lambda L, name=name: L >= 2 and ceil_checked(closed_value(name, P, L)) < L
            hi = 2
            while not below(hi):
                hi *= 2
            L0 = smallest(below, 1, hi)
            assert below(L0) and (L0 == 2 or not below(L0 - 1))
            entry["below_L"] = L0
        out[name] = entry
    for name, theorem1, chernoff in (("d_star_exact", True, "d_star"), ("d_star_u_exact", False, "d_star_u")):
        hi = out[chernoff]["d"]
        d = smallest(lambda n: exact_holds(theorem1, P, P.L, n), 0, hi)
        assert exact_holds(theorem1, P, P.L, d) and (d == 1 or not exact_holds(theorem1, P, P.L, d - 1))
        entry = {"d": d}
        if crossovers:
            pred = lambda L: exact_holds(theorem1, P, L, L - 1)
            L0 = smallest(pred, 1, out[chernoff]["below_L"])
            assert pred(L0) and (L0 == 2 or not pred(L0 - 1))
            entry["below_L"] = L0
        out[name] = entry
    return out


def run_jlattn(exe, P):
    args = [exe, "bound", "--L", str(P.L), "--k", str(P.k), "--eps", repr(P.eps), "--gamma", repr(P.gamma),
            "--rho", repr(P.rho), "--delta", repr(P.delta), "--json"]
    return json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    exe = argv[1]
    quick = "--quick" in argv
    table = "--table" in argv
    Ls = (64, 1024) if quick else (64, 128, 256, 512, 1024)
    ks = (1, 4) if quick else (1, 2, 3, 4)
    epss = (0.5, 1.0) if quick else (0.5, 0.75, 1.0)
    cases = [Params(L, k, e) for L in Ls for k in ks for e in epss]
    cases.append(Params(64, 4, 1.0, rho=math.log(4.0)))
    names = ("d_star", "d_star_paper", "d_star_exact", "d_pair", "d_polar", "d_star_u", "d_star_u_exact")
    problems = 0
    if table:
        print("L     k eps   rho    " + " ".join(f"{n:>15}" for n in names) + "   (d / smallest L below L)")
    for P in cases:
        ref = compute(P)
        got = {b["name"]: b for b in run_jlattn(exe, P)["bounds"]}
        row = []
        for n in names:
            g = got[n]
            gd, gL = g.get("d"), g["smallest_L_below_L"].get("L")
            if gd != ref[n]["d"] or gL != ref[n]["below_L"]:
                problems += 1
                print(f"DISAGREE L={P.L} k={P.k} eps={P.eps} rho={P.rho} {n}: jlattn {gd}/{gL}, "
                      f"mpmath {ref[n]['d']}/{ref[n]['below_L']}")
            row.append(f"{ref[n]['d']:>7}/{ref[n]['below_L']:<7}")
        if table:
            print(f"{P.L:<5} {P.k} {P.eps:<5} {P.rho:<6.4f} " + " ".join(f"{r:>15}" for r in row))
    print(f"{len(cases)} parameter sets, {len(cases) * len(names)} bounds and {len(cases) * len(names)} "
          f"crossovers compared with mpmath: {problems} disagreements")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
