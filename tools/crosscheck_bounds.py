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
  direct check at L and L - 1 (for the exact-tail ones: F(L) p(L - 1, tau) <= delta);
* d_chernoff, d_chernoff_u (Theorem 3, proofs/chernoff-bound.md): Lemma 5's
  bound of each event written again here, with theta maximised by bisection on
  the derivative (not the C++ closed form) and the density factor from
  mpmath.loggamma. For k = 1 (every row alike) and for d_chernoff_u the union
  is a sum of a few exact terms, so the smallest d must agree exactly (and the
  crossover is checked at L and L - 1). For k >= 2 the class bound covers a
  continuum of rows: here the union bound is evaluated for a grid of rows of
  the class (each sorted row Delta <= x_2 <= ... <= x_k' <= Delta + rho,
  k' <= k), and jlattn's d_chernoff must be at least the grid's (it dominates
  every target) and at most 6% above it (it is not loose);
* d_lower: ceil(ln L / ln(1 + 2N/ln(1/gamma))), at least 2 for L >= 3, at the
  norm budget jlattn reports.
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


def gap_rounded_up(eps, gamma):
    """Lemma 2's gap as jlattn builds B with it: the smallest double at or
    above ln(1/gamma) + eps (computed here at 300 bits)."""
    with mp.workprec(300):
        gap = mp.log(1 / mp.mpf(gamma)) + mp.mpf(eps)
        d = float(gap)
        while mp.mpf(d) < gap:
            d = math.nextafter(d, math.inf)
        return mp.mpf(d)


class Params:
    def __init__(self, L, k, eps, gamma=0.1, rho=0.0, delta=0.05):
        self.L, self.k, self.eps, self.gamma, self.rho, self.delta = L, k, eps, gamma, rho, delta
        e, r = mp.mpf(eps), mp.mpf(rho)
        self.eta = e / 2
        self.Delta = gap_rounded_up(eps, gamma)
        self.kappa = mp.log(1 / mp.mpf(gamma))  # the off-support threshold ln(1/gamma), not Delta - eps
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


# ---------------------------------------------------------------------------
# Theorem 3, written again from the proof page.

def event_rate(p, q, s):
    """theta maximising F(theta) = theta(q+s) + ln(1-(p+q)theta)/2 + ln(1+(p-q)theta)/2, and F there."""
    p, q, s = mp.mpf(p), mp.mpf(q), mp.mpf(s)
    F = lambda t: t * (q + s) + mp.log(1 - (p + q) * t) / 2 + mp.log(1 + (p - q) * t) / 2
    dF = lambda t: (q + s) - (p + q) / (2 * (1 - (p + q) * t)) + (p - q) / (2 * (1 + (p - q) * t))
    lo, hi = mp.mpf(0), (1 / (p + q) if p + q > 0 else mp.mpf(10) ** 6)
    for _ in range(200):  # F is concave: bisection on its derivative
        m = (lo + hi) / 2
        if dF(m) > 0:
            lo = m
        else:
            hi = m
    th = lo
    lp, lm = (p + q) / 2, (p - q) / 2
    a = lp / (1 - 2 * th * lp) if lp > 0 else mp.mpf(0)
    b = lm / (1 + 2 * th * lm) if lm > 0 else mp.mpf(0)
    return th, F(th), -mp.log(th * max(a, b))


def log_phi(d):
    if d == 2:
        return mp.log(mp.mpf(1) / 2)
    D = mp.mpf(d)
    return (D / 2 - 1) * mp.log(D - 2) - (D - 2) / 2 - D / 2 * mp.log(2) - mp.loggamma(D / 2)


def log_union(events, d):
    """ln sum of mult * exp(-d F) min(1, phi_d / (theta max(a, b))) over (mult, F, log factor)."""
    lp = log_phi(d) if d >= 2 else None
    terms = []
    for mult, F, lf in events:
        x = mp.log(mult) - d * F
        if lp is not None:
            x += min(0, lp + lf)
        terms.append(x)
    m = max(terms)
    return m + mp.log(mp.fsum(mp.exp(t - m) for t in terms))


def smallest_d(events, delta):
    ok = lambda d: log_union(events, d) <= mp.log(mp.mpf(delta))
    hi = 1
    while not ok(hi):
        hi *= 2
    return smallest(ok, 0, hi)


def row_events(x, L, eps, kappa, mult_rows):
    """Theorem 3's events of a row with support values x, times the rows."""
    n = mp.sqrt(mp.fsum(v * v for v in x))
    p = mp.sqrt(2) * n
    out = []
    k = len(x)
    for y in x:
        if L - k > 0:
            _, F, lf = event_rate(p, -y, y - kappa)
            out.append((mult_rows * (L - k), F, lf))
    for a in range(k):
        for b in range(k):
            if a != b:
                _, F, lf = event_rate(p, x[a] - x[b], eps)
                out.append((mult_rows, F, lf))
    return out


def chernoff_k1(P, L):
    return smallest_d(row_events([P.Delta], L, mp.mpf(P.eps), P.kappa, L), P.delta)


def chernoff_u(P, L):
    l1 = P.k * P.Delta + (P.k - 1) * mp.mpf(P.rho)
    tau = mp.mpf(P.eps) / 2 / l1
    ev = []
    for mult, q in ((L * (L - 1), 0), (L, 1), (L, -1)):
        _, F, lf = event_rate(1, q, tau)
        ev.append((mult, F, lf))
    return smallest_d(ev, P.delta)


def chernoff_grid(P, steps):
    """min d with L max_rows (row's union) <= delta over a grid of rows of the class."""
    import itertools
    kappa = P.kappa
    top = P.Delta + mp.mpf(P.rho)
    values = [P.Delta + (top - P.Delta) * i / steps for i in range(steps + 1)] if P.rho > 0 else [P.Delta]
    rows = []
    for kp in range(1, P.k + 1):
        for rest in itertools.combinations_with_replacement(values, kp - 1):
            rows.append(row_events([P.Delta] + list(rest), P.L, mp.mpf(P.eps), kappa, 1))
    ok = lambda d: mp.log(P.L) + max(log_union(ev, d) for ev in rows) <= mp.log(mp.mpf(P.delta))
    hi = 1
    while not ok(hi):
        hi *= 2
    return smallest(ok, 0, hi)


def lower_bound(L, gamma, N):
    kappa = -mp.log(mp.mpf(gamma))
    v = mp.log(L) / mp.log(1 + 2 * mp.mpf(N) / kappa)
    return max(ceil_checked(v), 2 if L >= 3 else 1)


def check_theorem3(exe, P, got, quick):
    """Problems (strings) between jlattn's Theorem 3 rows and d_lower and this file's."""
    problems = []
    dc = got["d_chernoff"]
    if P.k == 1:
        ref = chernoff_k1(P, P.L)
        if dc["d"] != ref:
            problems.append(f"d_chernoff: jlattn {dc['d']}, mpmath {ref}")
        L0 = dc["smallest_L_below_L"].get("L")
        if L0 is not None:
            if not chernoff_k1(P, L0) <= L0 - 1 or (L0 > 2 and chernoff_k1(P, L0 - 1) <= L0 - 2):
                problems.append(f"d_chernoff falls below L at {L0}: not confirmed at L0 and L0 - 1")
    else:
        ref = chernoff_grid(P, 3 if quick else 6)
        if not ref <= dc["d"] <= 1.06 * ref:
            problems.append(f"d_chernoff: jlattn {dc['d']}, grid of rows {ref} (expected within [1, 1.06] times)")
    du = got["d_chernoff_u"]["d"]
    ref_u = chernoff_u(P, P.L)
    if du != ref_u:
        problems.append(f"d_chernoff_u: jlattn {du}, mpmath {ref_u}")
    return problems, ref


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
    chernoff_checked = lower_checked = 0
    if table:
        print("L     k eps   rho    " + " ".join(f"{n:>15}" for n in names) + "   (d / smallest L below L)")
    for P in cases:
        ref = compute(P)
        report = run_jlattn(exe, P)
        got = {b["name"]: b for b in report["bounds"]}
        if not (quick and P.k == 4 and P.eps < 1):  # the grid of rows for k = 4 takes a few seconds
            found, _ = check_theorem3(exe, P, got, quick)
            chernoff_checked += 1
            for f in found:
                problems += 1
                print(f"DISAGREE L={P.L} k={P.k} eps={P.eps} rho={P.rho} {f}")
        low = report["lower_bounds"][0]
        expected_low = lower_bound(P.L, P.gamma, low["norm_budget"])
        if low["d"] != expected_low:
            problems += 1
            print(f"DISAGREE L={P.L} k={P.k} eps={P.eps} d_lower: jlattn {low['d']}, mpmath {expected_low}")
        lower_checked += 1
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
          f"crossovers compared with mpmath, Theorem 3 checked for {chernoff_checked} and d_lower for "
          f"{lower_checked}: {problems} disagreements")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
