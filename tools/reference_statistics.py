#!/usr/bin/env python3
"""Reference values for the audit's statistics (src/jlattn/audit/statistics.hpp),
computed independently with mpmath at 60 significant digits:

    python3 tools/reference_statistics.py

prints the Clopper-Pearson intervals, Student-t quantiles and one least-squares
fit that tests/audit/statistics_test.cpp holds frozen. The Clopper-Pearson ends
are the roots of the regularised incomplete beta function (mpmath.betainc),
I_p(x, n - x + 1) = alpha/2 and I_p(x + 1, n - x) = 1 - alpha/2, found by
bisection to 1e-40; the t quantiles invert P(|T| <= t) = 1 - I_{nu/(nu+t^2)}(nu/2, 1/2).
Nothing here calls jlattn.
"""
import mpmath as mp

mp.mp.dps = 60

CP_CASES = [(0, 20), (1, 20), (10, 20), (19, 20), (20, 20), (45, 50), (50, 50), (3, 7), (500, 1000), (1, 2000)]
T_CASES = [1, 2, 3, 5, 8, 30, 101]
FIT_POINTS = [(64, 470), (128, 609), (256, 558), (512, 664), (1024, 724)]


def bisect(f, lo, hi):
    """f increasing with f(lo) < 0 < f(hi): the root to 1e-40."""
    lo, hi = mp.mpf(lo), mp.mpf(hi)
    while hi - lo > mp.mpf(10) ** -40:
        mid = (lo + hi) / 2
        if f(mid) < 0:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def clopper_pearson(x, n, alpha=mp.mpf("0.05")):
    lower = mp.mpf(0) if x == 0 else bisect(
        lambda p: mp.betainc(x, n - x + 1, 0, p, regularized=True) - alpha / 2, 0, 1)
    upper = mp.mpf(1) if x == n else bisect(
        lambda p: mp.betainc(x + 1, n - x, 0, p, regularized=True) - (1 - alpha / 2), 0, 1)
    return lower, upper


def t_quantile(nu, c=mp.mpf("0.95")):
    def two_sided(t):
        return 1 - mp.betainc(mp.mpf(nu) / 2, mp.mpf(1) / 2, 0, nu / (nu + t * t), regularized=True)
    return bisect(lambda t: two_sided(t) - c, 0, 1000)


def fit(points, c=mp.mpf("0.95")):
    xs = [mp.log(L) for L, _ in points]
    ys = [mp.mpf(d) for _, d in points]
    n = len(points)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    a = my - b * mx
    s = mp.sqrt(sum((y - a - b * x) ** 2 for x, y in zip(xs, ys)) / (n - 2))
    half = t_quantile(n - 2, c) * s / mp.sqrt(sxx)
    return a, b, b - half, b + half, s


def main():
    print("// Clopper-Pearson, alpha = 0.05: {x, n, lower, upper}")
    for x, n in CP_CASES:
        lo, hi = clopper_pearson(x, n)
        print("{%d, %d, %s, %s}," % (x, n, mp.nstr(lo, 20), mp.nstr(hi, 20)))
    print("// Student t, P(|T_nu| <= t) = 0.95: {nu, t}")
    for nu in T_CASES:
        print("{%d, %s}," % (nu, mp.nstr(t_quantile(nu), 20)))
    print("// fit of d = a + b ln L to %s: a, b, b_lower, b_upper, s" % FIT_POINTS)
    print(", ".join(mp.nstr(v, 20) for v in fit(FIT_POINTS)))


if __name__ == "__main__":
    main()
