// Checks the rigorous evaluation of the dimension bounds (proofs/rigorous-bounds.md)
// and the inequalities the bounds rest on, as exact computations:
//   (a) Lemma 3a: the exact chi-square tail p(d, tau) <= 2 exp(-d c(tau)) on a grid
//       of d <= 10^5 and tau in (0, 1/2], at 256 bits (proofs/lemma3-jl-projection.md);
//   (b) t - ln(1+t) >= t^2/2 - t^3/3 and -t - ln(1-t) >= t^2/2 on (0, 1), by interval
//       subdivision (a proof by computation beside the analytic proof);
//   (c) Theorem 1': K_c(lambda) <= (1+c^2) lambda^2 / (2(1 - (1+|c|) lambda)) on an
//       interval grid over c in [-1, 1] and lambda (proofs/theorem1-one-target.md);
//   (d) Monte Carlo with the library's own projections: deviation frequencies stay
//       below the bounds (and match the exact tail for Gaussian R) within a
//       binomial (Chernoff-KL) margin of failure probability 1e-9 per check.
// The oracles are independent of the library's code path: Boost.Math's gamma_q /
// gamma_p on mpfr_float_100 (not rigorous, 100 digits), Boost.Multiprecision's
// mpfi_float and mpfr_float, exact rationals.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <unistd.h>

#include <boost/math/special_functions/gamma.hpp>
#include <boost/multiprecision/gmp.hpp>
#include <boost/multiprecision/mpfi.hpp>
#include <boost/multiprecision/mpfr.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "jlattn/pipeline/construction.hpp"
#include "jlattn/core/errors.hpp"
#include "jlattn/proof/lemma3_jl_projection.hpp"
#include "jlattn/bounds/rigorous_bounds.hpp"
#include "jlattn/core/cancellation.hpp"
#include "jlattn/io/report.hpp"
#include "support/cli.hpp"
#include "support/generators.hpp"
#include "support/monte_carlo.hpp"
#include "support/mpfr.hpp"

namespace jlattn {
namespace {

namespace mp = boost::multiprecision;
using Ref = mp::mpfr_float_100;                                  // reference values (not rigorous)
using Ival = mp::number<mp::mpfi_float_backend<80>, mp::et_off>;  // intervals, about 266 bits
using Big = mp::number<mp::mpfr_float_backend<80>, mp::et_off>;   // endpoints of Ival
using Rational = mp::mpq_rational;
using testing::binomial_margin;
using testing::Frequency;
using testing::simulate;

bool positive(const Ival& x) { return Big(lower(x)) > 0; }
bool exactly_zero(const Ival& x) { return Big(lower(x)) == 0 && Big(upper(x)) == 0; }
Ival hull(double a, double b) { return Ival(a, b); }

/// ln p(d, tau) from Boost.Math at 100 digits (the independent reference).
Ref reference_log_p(std::uint64_t d, double tau) {
  const Ref a = Ref(static_cast<double>(d)) / 2;
  const Ref t(tau);
  const Ref up = boost::math::gamma_q(a, Ref(a * (1 + t)));
  const Ref lo = boost::math::gamma_p(a, Ref(a * (1 - t)));
  return Ref(log(Ref(up + lo)));
}

bool contains(const Enclosure& e, const Ref& x) { return Ref(e.lower) <= x && x <= Ref(e.upper); }

// =============================================================================
// The chi-square tail enclosure against the reference.

// Claim (rigorous-bounds, Claims 1-3): the enclosure of ln p(d, tau) contains the
// 100-digit value of Boost.Math's regularised incomplete gamma functions.
RC_GTEST_PROP(ChiSquareTail, EnclosesBoostGammaQAt100Digits, ()) {
  const auto d = *rc::gen::inRange<std::uint64_t>(1, 3000);
  const double tau = *rc::gen::inRange(1, 1 << 20) / static_cast<double>(1 << 21);  // (0, 1/2)
  RC_CLASSIFY(d % 2 == 1, "odd d (erfc closed form or truncation)");
  RC_CLASSIFY(d <= 16, "d <= 16");
  RC_CLASSIFY(tau < 0.01, "tau < 0.01");
  const ChiSquareTailEnclosure e = chi_square_tail_enclosure(d, tau, 256, 64);
  const Ref a = Ref(static_cast<double>(d)) / 2, t(tau);
  RC_ASSERT(contains(e.log_upper_tail, Ref(log(boost::math::gamma_q(a, Ref(a * (1 + t)))))));
  RC_ASSERT(contains(e.log_lower_tail, Ref(log(boost::math::gamma_p(a, Ref(a * (1 - t)))))));
  RC_ASSERT(contains(e.log_total, reference_log_p(d, tau)));
  RC_ASSERT(e.log_total.upper - e.log_total.lower <= 1e-12 * (1 + std::abs(e.log_total.lower)));
}

// Large d and the truncated series: fixed points up to d = 10^5 against the reference.
TEST(ChiSquareTail, LargeDegreesOfFreedomAgainstReference) {
  for (const auto& [d, tau] : std::vector<std::pair<std::uint64_t, double>>{
           {12646, 0.057030734634522566}, {12645, 0.057030734634522566}, {20001, 0.01}, {46231, 0.0287865488797312},
           {99999, 0.001}, {100000, 0.5}}) {
    const ChiSquareTailEnclosure e = chi_square_tail_enclosure(d, tau, 256, 64);
    EXPECT_TRUE(contains(e.log_total, reference_log_p(d, tau))) << d << " " << tau;
  }
}

// Closed forms for d = 1 and d = 2, computed with MPFR's erf/erfc and exp directly:
// p(1, tau) = erfc(sqrt((1+tau)/2)) + erf(sqrt((1-tau)/2)), p(2, tau) = e^{-(1+tau)} + 1 - e^{-(1-tau)}.
TEST(ChiSquareTail, ClosedFormsForOneAndTwoDegreesOfFreedom) {
  for (double tau : {1e-6, 0.01, 0.1, 0.25, 0.5, 0.9}) {
    const Ref t(tau);
    const Ref p1 = Ref(erfc(Ref(sqrt(Ref((1 + t) / 2))))) + Ref(erf(Ref(sqrt(Ref((1 - t) / 2)))));
    const Ref p2 = Ref(exp(Ref(-(1 + t)))) + 1 - Ref(exp(Ref(-(1 - t))));
    EXPECT_TRUE(contains(chi_square_tail_enclosure(1, tau).log_total, Ref(log(p1)))) << tau;
    EXPECT_TRUE(contains(chi_square_tail_enclosure(2, tau).log_total, Ref(log(p2)))) << tau;
  }
}

TEST(ChiSquareTail, RejectsArgumentsOutsideItsRange) {
  EXPECT_THROW(chi_square_tail_enclosure(0, 0.1), InputError);
  EXPECT_THROW(chi_square_tail_enclosure(10, 0.0), InputError);
  EXPECT_THROW(chi_square_tail_enclosure(10, 1.0), InputError);
  EXPECT_THROW(chi_square_tail_enclosure(10, 0.1, 32), InputError);
  EXPECT_THROW(chi_square_tail_enclosure(10, 0.1, 128, 200), InputError);
}

// =============================================================================
// (a) Lemma 3a exactly: p(d, tau) <= 2 exp(-d c(tau)) on a grid, at 256 bits.

TEST(Lemma3Exact, ExactTailIsBelowTheChernoffBoundOnAGrid) {
  const std::vector<std::uint64_t> ds = {1,   2,   3,   4,    5,    6,    7,    8,     9,     10,    11,    16,   17,
                                         31,  32,  33,  64,   100,  101,  255,  256,   1000,  1001,  4096,  4097,
                                         10000, 10001, 31623, 65536, 99999, 100000};
  const std::vector<double> taus = {1.0 / 1024, 1.0 / 256, 1.0 / 64, 0.01, 0.03, 0.05, 0.1,
                                    0.2,        0.25,      0.3,      0.4,  0.45, 0.5};
  double worst_log_ratio = -1e300;  // max over the grid of ln(p / (2 e^{-dc}))
  std::uint64_t worst_d = 0;
  double worst_tau = 0;
  for (std::uint64_t d : ds)
    for (double tau : taus) {
      const ChiSquareTailEnclosure e = chi_square_tail_enclosure(d, tau, 256, 64);
      const Ival t(tau);
      const Ival c = (t * t / 2 - t * t * t / 3) / 2;
      const Ival log_bound = log(Ival(2)) - Ival(static_cast<double>(d)) * c;
      // Rigorous: the upper end of ln p is below the lower end of ln(2 e^{-dc}).
      ASSERT_TRUE(Big(e.log_total.upper) <= Big(lower(log_bound))) << "d = " << d << ", tau = " << tau;
      const double log_ratio = e.log_total.upper - static_cast<double>(Big(lower(log_bound)));
      if (log_ratio > worst_log_ratio) {
        worst_log_ratio = log_ratio;
        worst_d = d;
        worst_tau = tau;
      }
    }
  // Observed, and checked: on this grid p is at most half of 2 e^{-dc} (the sup is
  // 1/2, approached at small d as tau -> 0: p -> 1 while 2 e^{-dc} -> 2).
  EXPECT_LE(worst_log_ratio, std::log(0.5)) << "worst at d = " << worst_d << ", tau = " << worst_tau;
  std::cout << "[ grid     ] max p / (2 exp(-d c)) = " << std::setprecision(6) << std::exp(worst_log_ratio) << " at d = " << worst_d
            << ", tau = " << worst_tau << "\n";
}

// =============================================================================
// (b) The two elementary inequalities of Lemma 3a, by interval subdivision.

struct Subdivision {
  long pieces = 0;
  bool failed = false;
  double failed_at = 0;
};

/// Proves f > 0 on [a, b] with the mean-value form f(m) + f'([a,b]) ([a,b] - m),
/// bisecting until every piece is decided (or a depth limit is hit: failure).
void prove_positive(const std::function<Ival(const Ival&)>& f, const std::function<Ival(const Ival&)>& df, double a,
                    double b, Subdivision& s, int depth = 0) {
  if (s.failed) return;
  const double m = a + (b - a) / 2;
  const Ival X = hull(a, b);
  const Ival enclosure = f(Ival(m)) + df(X) * (X - Ival(m));
  if (positive(enclosure)) {
    ++s.pieces;
    return;
  }
  if (depth >= 50) {
    s.failed = true;
    s.failed_at = a;
    return;
  }
  prove_positive(f, df, a, m, s, depth + 1);
  prove_positive(f, df, m, b, s, depth + 1);
}

// phi(t) = t - ln(1+t) - (t^2/2 - t^3/3) >= 0 on (0, 1).
// Near 0 the difference is about t^4/4, too thin for subdivision, so (0, 2^-6]
// is covered by Taylor's theorem: phi(0) = phi'(0) = phi''(0) = phi'''(0) = 0
// (checked exactly, in interval arithmetic at the point 0) and phi'''' = 6/(1+t)^4 > 0
// there (checked on the interval); [2^-6, 1] by subdivision.
TEST(Lemma3Exact, UpperTailInequalityBySubdivision) {
  const auto phi = [](const Ival& t) { return t - log(1 + t) - t * t / 2 + t * t * t / 3; };
  const auto d1 = [](const Ival& t) { return 1 - 1 / (1 + t) - t + t * t; };
  const auto d2 = [](const Ival& t) { return 1 / ((1 + t) * (1 + t)) - 1 + 2 * t; };
  const auto d3 = [](const Ival& t) { return -2 / ((1 + t) * (1 + t) * (1 + t)) + 2; };
  const auto d4 = [](const Ival& t) { return 6 / ((1 + t) * (1 + t) * (1 + t) * (1 + t)); };
  constexpr double t0 = 1.0 / 64;
  for (const auto& f : {std::function<Ival(const Ival&)>(phi), std::function<Ival(const Ival&)>(d1),
                        std::function<Ival(const Ival&)>(d2), std::function<Ival(const Ival&)>(d3)})
    EXPECT_TRUE(exactly_zero(f(Ival(0))));
  EXPECT_TRUE(positive(d4(hull(0, t0))));
  Subdivision s;
  prove_positive(phi, d1, t0, 1.0, s);
  EXPECT_FALSE(s.failed) << "undecided near t = " << s.failed_at;
  EXPECT_GT(s.pieces, 0);
  std::cout << "[ proof    ] t - ln(1+t) >= t^2/2 - t^3/3 on [2^-6, 1]: " << s.pieces << " intervals\n";
}

// psi(t) = -t - ln(1-t) - t^2/2 >= 0 on (0, 1): Taylor on (0, 2^-6] (psi, psi', psi''
// vanish at 0, psi''' = 2/(1-t)^3 > 0), subdivision on [2^-6, 15/16], and on
// [15/16, 1) monotonicity: -t >= -1, -t^2/2 >= -1/2, -ln(1-t) >= -ln(1/16).
TEST(Lemma3Exact, LowerTailInequalityBySubdivision) {
  const auto psi = [](const Ival& t) { return -t - log(1 - t) - t * t / 2; };
  const auto d1 = [](const Ival& t) { return -1 + 1 / (1 - t) - t; };
  const auto d2 = [](const Ival& t) { return 1 / ((1 - t) * (1 - t)) - 1; };
  const auto d3 = [](const Ival& t) { return 2 / ((1 - t) * (1 - t) * (1 - t)); };
  constexpr double t0 = 1.0 / 64, t1 = 15.0 / 16;
  EXPECT_TRUE(exactly_zero(psi(Ival(0))));
  EXPECT_TRUE(exactly_zero(d1(Ival(0))));
  EXPECT_TRUE(exactly_zero(d2(Ival(0))));
  EXPECT_TRUE(positive(d3(hull(0, t0))));
  Subdivision s;
  prove_positive(psi, d1, t0, t1, s);
  EXPECT_FALSE(s.failed) << "undecided near t = " << s.failed_at;
  EXPECT_TRUE(positive(Ival(-1) - log(1 - Ival(t1)) - Ival(0.5)));
  std::cout << "[ proof    ] -t - ln(1-t) >= t^2/2 on [2^-6, 15/16]: " << s.pieces << " intervals\n";
}

// The derivative formulas used above agree with central differences at 80 digits.
TEST(Lemma3Exact, DerivativeFormulasMatchFiniteDifferences) {
  const Big h("1e-30");
  for (double td : {0.01, 0.3, 0.7, 0.95}) {
    const Big t(td);
    const auto phi = [](const Big& x) { return Big(x - log(Big(1 + x)) - x * x / 2 + x * x * x / 3); };
    const auto psi = [](const Big& x) { return Big(-x - log(Big(1 - x)) - x * x / 2); };
    const Big dphi = (phi(Big(t + h)) - phi(Big(t - h))) / (2 * h);
    const Big dpsi = (psi(Big(t + h)) - psi(Big(t - h))) / (2 * h);
    EXPECT_LT(abs(Big(dphi - Big(1 - 1 / (1 + t) - t + t * t))), Big("1e-40")) << td;
    EXPECT_LT(abs(Big(dpsi - Big(-1 + 1 / (1 - t) - t))), Big("1e-40")) << td;
  }
}

// =============================================================================
// (c) Theorem 1': the cumulant generating function bound, on an interval grid.
//
// G(c, lambda) = (1+c^2) lambda^2 / (2(1 - w lambda)) - K_c(lambda), w = 1 + |c|,
// K_c(lambda) = -ln(1 - (1+c) lambda)/2 - ln(1 + (1-c) lambda)/2 - lambda c.
// G, dG/dlambda and d^2G/dlambda^2 vanish at lambda = 0 for every c (polynomial
// identities in c, checked exactly), and
//   G''' = 3 v w / (1-s)^4 - (1+c)^3 / (1 - (1+c) lambda)^3 + (1-c)^3 / (1 + (1-c) lambda)^3,
// s = w lambda. If G''' > 0 on [0, lambda], Taylor's theorem with integral remainder
// gives G(lambda) = int_0^lambda (lambda - x)^2/2 G'''(x) dx >= 0. The grid covers
// c in [-1, 1] and s in [0, 15/16]; the proof of Theorem 1' uses s <= 0.59.

Ival G3(const Ival& c, const Ival& s, bool c_nonnegative) {
  const Ival v = 1 + c * c;
  if (c_nonnegative) {  // w = 1 + c, (1+c) lambda = s
    const Ival w = 1 + c;
    const Ival q = 1 + (1 - c) * s / w;
    return 3 * v * w / pow(1 - s, 4) - w * w * w / pow(1 - s, 3) + (1 - c) * (1 - c) * (1 - c) / (q * q * q);
  }
  const Ival w = 1 - c;  // (1-c) lambda = s
  const Ival q = 1 - (1 + c) * s / w;
  return 3 * v * w / pow(1 - s, 4) - (1 + c) * (1 + c) * (1 + c) / (q * q * q) + w * w * w / pow(1 + s, 3);
}

long prove_G3_positive(double c0, double c1, double s0, double s1, bool nonneg, int depth, bool& failed) {
  if (failed) return 0;
  if (positive(G3(hull(c0, c1), hull(s0, s1), nonneg))) return 1;
  if (depth >= 40) {
    failed = true;
    return 0;
  }
  if (c1 - c0 >= s1 - s0) {
    const double m = c0 + (c1 - c0) / 2;
    return prove_G3_positive(c0, m, s0, s1, nonneg, depth + 1, failed) +
           prove_G3_positive(m, c1, s0, s1, nonneg, depth + 1, failed);
  }
  const double m = s0 + (s1 - s0) / 2;
  return prove_G3_positive(c0, c1, s0, m, nonneg, depth + 1, failed) +
         prove_G3_positive(c0, c1, m, s1, nonneg, depth + 1, failed);
}

TEST(Theorem1Prime, BilinearCgfBoundOnIntervalGrid) {
  // The identities at lambda = 0 are polynomials in c of degree <= 2: zero at
  // three points means zero everywhere.
  for (const Rational& c : {Rational(-1), Rational(0), Rational(1, 3), Rational(1)}) {
    const Rational a = (1 + c) / 2, b = (1 - c) / 2;
    EXPECT_EQ(Rational(a - b - c), 0);                       // K'(0) = E XY - c = 0 = RHS'(0)
    EXPECT_EQ(Rational(1 + c * c - 2 * a * a - 2 * b * b), 0);  // RHS''(0) = 1 + c^2 = K''(0)
  }
  long boxes = 0;
  bool failed = false;
  for (int i = 0; i < 16; ++i) {  // a starting grid of 16 x 16 boxes per sign of c
    for (int j = 0; j < 16; ++j) {
      const double s0 = (15.0 / 16) * j / 16, s1 = (15.0 / 16) * (j + 1) / 16;
      boxes += prove_G3_positive(i / 16.0, (i + 1) / 16.0, s0, s1, true, 0, failed);
      boxes += prove_G3_positive(-(i + 1) / 16.0, -i / 16.0, s0, s1, false, 0, failed);
    }
  }
  EXPECT_FALSE(failed);
  std::cout << "[ proof    ] G''' > 0 on c in [-1, 1], (1+|c|) lambda in [0, 15/16]: " << boxes << " boxes\n";
}

// G >= 0 evaluated directly (no derivatives) at random points in 266-bit interval
// arithmetic, and G''' of the grid test against a fourth-order central difference.
RC_GTEST_PROP(Theorem1Prime, BilinearCgfBoundAtRandomPoints, ()) {
  const double c = *rc::gen::inRange(-1 << 20, (1 << 20) + 1) / static_cast<double>(1 << 20);
  const double s = *rc::gen::inRange(1, 15 << 16) / static_cast<double>(1 << 20);  // (0, 15/16)
  RC_CLASSIFY(c < 0, "c < 0");
  RC_CLASSIFY(std::abs(c) > 1.0 / std::sqrt(2.0), "|c| > 1/sqrt 2 (beyond what Theorem 1' needs)");
  RC_CLASSIFY(s < 0.01, "small lambda");
  const Ival C(c), w = 1 + abs(C), lambda = Ival(s) / w;
  const Ival K = -log(1 - (1 + C) * lambda) / 2 - log(1 + (1 - C) * lambda) / 2 - lambda * C;
  const Ival rhs = (1 + C * C) * lambda * lambda / (2 * (1 - w * lambda));
  RC_ASSERT(positive(rhs - K));
  // G''' against (G(l+2h) - 2G(l+h) + 2G(l-h) - G(l-2h)) / (2h^3), error O(h^2).
  const auto G = [c](const Big& l) {
    const Big cc(c), ww = 1 + abs(cc);
    return Big((1 + cc * cc) * l * l / (2 * (1 - ww * l)) + log(Big(1 - (1 + cc) * l)) / 2 +
               log(Big(1 + (1 - cc) * l)) / 2 + l * cc);
  };
  const Big l = Big(s) / Big(1 + std::abs(c)), h("1e-15");
  const Big fd = (G(Big(l + 2 * h)) - 2 * G(Big(l + h)) + 2 * G(Big(l - h)) - G(Big(l - 2 * h))) / (2 * h * h * h);
  const Ival formula = G3(Ival(c), Ival(s), c >= 0);
  RC_ASSERT(abs(Big(fd - Big(lower(formula)))) <= Big("1e-12") * (1 + abs(fd)));
}

// =============================================================================
// (d) Monte Carlo with the library's projections.

constexpr int kTrials = 20000;

// Lemma 3a for Gaussian R: P(| ||R^T w||^2 - 1 | > tau) is exactly p(d, tau); the
// frequency lies within the binomial margin of the enclosure, on both sides.
TEST(MonteCarlo, GaussianNormDeviationMatchesTheExactTail) {
  constexpr std::size_t d = 32;
  constexpr double tau = 0.3;
  Matrix U(4, 1);
  U << 0.5, -0.5, 0.5, 0.5;  // a unit vector
  const ChiSquareTailEnclosure e = chi_square_tail_enclosure(d, tau);
  const double p_lo = std::exp(e.log_total.lower), p_hi = std::exp(e.log_total.upper);
  const Frequency f = simulate(Projection::gaussian, U, d, kTrials, 7000000, [&](const Matrix& P) {
    return std::abs(P.row(0).squaredNorm() - 1.0) > tau;
  });
  const double margin = binomial_margin(p_hi, kTrials);
  EXPECT_GE(f.value(), p_lo - margin) << "p in [" << p_lo << ", " << p_hi << "]";
  EXPECT_LE(f.value(), p_hi + margin) << "p in [" << p_lo << ", " << p_hi << "]";
}

// Lemma 3a/3c for all three laws: the frequency stays below 2 exp(-d c(tau)).
TEST(MonteCarlo, NormDeviationBelowTheChernoffBoundForAllLaws) {
  constexpr std::size_t d = 64;
  constexpr double tau = 0.5;
  Matrix U(4, 1);
  U << 0.5, -0.5, 0.5, 0.5;
  const double bound = jl_norm_failure_upper(d, tau);
  ASSERT_LT(bound, 0.2);
  for (Projection p : {Projection::gaussian, Projection::rademacher, Projection::achlioptas}) {
    const Frequency f = simulate(p, U, d, kTrials, 8000000, [&](const Matrix& P) {
      return std::abs(P.row(0).squaredNorm() - 1.0) > tau;
    });
    EXPECT_LE(f.value(), bound + binomial_margin(bound, kTrials)) << to_string(p);
  }
}

// Theorem 1' (Gaussian): for unit x, y with cosine c = +-1/sqrt 2 (the worst case
// the theorem allows), P(<R^T x, R^T y> - c >= t) <= exp(-d t^2 / (2(1+c^2) + 2(1+|c|) t)).
TEST(MonteCarlo, OneSidedBilinearDeviationBelowTheBernsteinBound) {
  constexpr std::size_t d = 64;
  constexpr double t = 0.5;
  const double r = 1 / std::sqrt(2.0);
  for (double sign : {1.0, -1.0}) {
    Matrix U(3, 2);
    U << 1, sign * r, 0, r, 0, 0;  // columns x = e_1, y = (+-e_1 + e_2)/sqrt 2
    const double c = sign * r;
    const double bound = std::exp(-static_cast<double>(d) * t * t / (2 * (1 + c * c) + 2 * (1 + std::abs(c)) * t));
    ASSERT_LT(bound, 0.05);
    const Frequency f = simulate(Projection::gaussian, U, d, kTrials, 9000000, [&](const Matrix& P) {
      return P.row(0).dot(P.row(1)) - c >= t;
    });
    EXPECT_LE(f.value(), bound + binomial_margin(bound, kTrials)) << "c = " << c;
  }
}

// Theorem 1' (d_polar, all laws): P(<R^T x, R^T y> - <x, y> > t) <= 2 exp(-d c(t)).
TEST(MonteCarlo, OneSidedPolarisationBelowItsBoundForAllLaws) {
  constexpr std::size_t d = 64;
  constexpr double t = 0.5;
  const double r = 1 / std::sqrt(2.0);
  Matrix U(3, 2);
  U << 1, r, 0, r, 0, 0;
  const double bound = 2 * std::exp(-static_cast<double>(d) * jl_exponent_c(t));
  ASSERT_LT(bound, 0.2);
  for (Projection p : {Projection::gaussian, Projection::rademacher, Projection::achlioptas}) {
    const Frequency f = simulate(p, U, d, kTrials, 10000000, [&](const Matrix& P) {
      return P.row(0).dot(P.row(1)) - r > t;
    });
    EXPECT_LE(f.value(), bound + binomial_margin(bound, kTrials)) << to_string(p);
  }
}

// =============================================================================
// The bounds.

BoundQuery query(std::uint64_t L, std::uint64_t k, double eps, double gamma, double rho = 0.0, double delta = 0.05) {
  BoundQuery q;
  q.L = L;
  q.k = k;
  q.eps = eps;
  q.gamma = gamma;
  q.rho = rho;
  q.delta = delta;
  return q;
}

// Known answers for the demo's class (L = 64, k = 4, rho = ln 4, eps = 1, gamma = 0.1,
// delta = 0.05), computed independently with mpmath (proofs/theorem1-one-target.md,
// proofs/theorem2-all-targets.md and tools/crosscheck_bounds.py).
TEST(RigorousBounds, DemoClassKnownAnswers) {
  const BoundReport r = rigorous_bounds(query(64, 4, 1.0, 0.1, std::log(4.0)));
  const auto d = [&r](BoundName n) { return find_bound(r, n).d; };
  EXPECT_EQ(d(BoundName::d_star), 16236u);
  EXPECT_EQ(d(BoundName::d_star_paper), 18529u);
  EXPECT_EQ(d(BoundName::d_star_exact), 12646u);
  EXPECT_EQ(d(BoundName::d_pair), 6387u);
  EXPECT_EQ(d(BoundName::d_polar), 8694u);
  EXPECT_EQ(d(BoundName::d_star_u), 59091u);
  EXPECT_EQ(d(BoundName::d_star_u_exact), 46231u);
  EXPECT_EQ(d(BoundName::trivial), 64u);
  EXPECT_EQ(find_bound(r, BoundName::d_star).below_L.L, 32138u);
  for (const DimensionBound& b : r.bounds) {
    EXPECT_TRUE(b.computed) << b.label;
    EXPECT_TRUE(b.tight) << b.label;
  }
  EXPECT_EQ(smallest_valid_bound(r, Projection::gaussian).name, BoundName::d_pair);
  EXPECT_EQ(smallest_valid_bound(r, Projection::rademacher).name, BoundName::d_polar);
  EXPECT_EQ(smallest_valid_bound(r, Projection::achlioptas).name, BoundName::d_polar);
  EXPECT_EQ(smallest_valid_bound(r, Projection::gaussian, BoundFamilies::all_theorems).name, BoundName::d_chernoff);
  EXPECT_EQ(smallest_valid_bound(r, Projection::rademacher, BoundFamilies::all_theorems).name, BoundName::d_polar);
  EXPECT_NEAR(r.tau.lower, 0.0570307346, 1e-10);
  EXPECT_LE(r.tau.lower, r.tau.upper);
}

/// The closed forms in 200-bit (non-interval) arithmetic from the same doubles.
struct OracleForms {
  Ref d_star, d_star_paper, d_pair, d_polar, d_star_u;
};
OracleForms oracle_forms(const BoundQuery& q) {
  const Ref eps(q.eps), rho(q.rho), delta(q.delta), L(static_cast<double>(q.L)), k(static_cast<double>(q.k));
  // The gap the construction uses: ln(1/gamma) + eps rounded up to a double.
  const Ref eta = eps / 2, Delta(jlattn::testing::gap_rounded_up_oracle(q.eps, q.gamma));
  const Ref beta = sqrt(Ref(Delta * Delta + (k - 1) * (Delta + rho) * (Delta + rho)));
  const Ref beta_paper = Ref(sqrt(k)) * Ref(Delta + rho);
  const auto c = [](const Ref& t) { return Ref((t * t / 2 - t * t * t / 3) / 2); };
  const Ref N = k * L * (L - 1);
  OracleForms o;
  o.d_star = Ref(log(Ref(4 * L * L / delta))) / c(Ref(eta / beta));
  o.d_star_paper = Ref(log(Ref(4 * L * L / delta))) / c(Ref(eta / beta_paper));
  o.d_star_u = Ref(log(Ref(2 * L * L / delta))) / c(Ref(eta / Ref(k * Delta + (k - 1) * rho)));
  o.d_pair = Ref(log(Ref(N / delta))) *
             Ref(6 * beta * beta / (eps * eps) + (2 + 2 * Ref(sqrt(Ref(2)))) * beta / eps);
  o.d_polar = Ref(log(Ref(2 * N / delta))) / c(Ref(eps / Ref(sqrt(Ref(2)) * beta)));
  return o;
}

rc::Gen<BoundQuery> gen_query(std::uint64_t max_L, std::uint64_t max_k) {
  return rc::gen::exec([max_L, max_k] {
    const auto L = *rc::gen::inRange<std::uint64_t>(2, max_L + 1);
    BoundQuery q = query(L, *rc::gen::inRange<std::uint64_t>(1, std::min(L, max_k) + 1),
                         *rc::gen::inRange(1, 4001) / 1000.0, *rc::gen::inRange(1, 1000) / 1000.0,
                         *rc::gen::inRange(0, 3001) / 1000.0, *rc::gen::inRange(1, 1000) / 1000.0);
    q.crossovers = false;
    return q;
  });
}

// Claims 3-4: each closed-form integer is the ceiling of the formula evaluated
// at 100 digits (the ceiling differs only if the value is within 1e-40 of an integer,
// which is counted, never hidden).
RC_GTEST_PROP(RigorousBounds, ClosedFormsAreTheCeilingsOfTheFormulas, ()) {
  BoundQuery q = *gen_query(1 << 24, 64);
  q.exact_tails = false;
  RC_CLASSIFY(q.k == 1, "k = 1");
  RC_CLASSIFY(q.rho == 0, "rho = 0");
  const BoundReport r = rigorous_bounds(q);
  const OracleForms o = oracle_forms(q);
  for (const auto& [name, value] : std::vector<std::pair<BoundName, Ref>>{{BoundName::d_star, o.d_star},
                                                                          {BoundName::d_star_paper, o.d_star_paper},
                                                                          {BoundName::d_pair, o.d_pair},
                                                                          {BoundName::d_polar, o.d_polar},
                                                                          {BoundName::d_star_u, o.d_star_u}}) {
    const DimensionBound& b = find_bound(r, name);
    RC_ASSERT(b.computed);
    RC_ASSERT(!b.exceeds_2_64);
    const Ref ceiling = Ref(ceil(value));
    const bool near_integer = Ref(abs(Ref(value - Ref(round(value))))) < Ref("1e-40");
    RC_CLASSIFY(near_integer, "value within 1e-40 of an integer");
    RC_ASSERT(Ref(static_cast<double>(b.d)) == ceiling || near_integer);
    RC_ASSERT(contains(b.value, value));
    RC_ASSERT(b.tight);
  }
  // Claim 3 of Theorem 1 (beta order) and Theorem 2's claim 1 on the same doubles.
  RC_ASSERT(find_bound(r, BoundName::d_star).d <= find_bound(r, BoundName::d_star_paper).d);
}

// Claim 6: the exact-tail condition holds at the reported d and fails at d - 1,
// by the Boost.Math reference (independent of the library's series).
RC_GTEST_PROP(RigorousBounds, ExactTailConditionHoldsAtDAndFailsBelow, ()) {
  BoundQuery q = *gen_query(256, 3);
  q.eps = *rc::gen::inRange(1000, 6001) / 1000.0;  // with gamma >= 0.05 and rho <= 1.5, d stays
  q.gamma = *rc::gen::inRange(50, 1000) / 1000.0;  // below about 10^5: a fast reference
  q.rho = *rc::gen::inRange(0, 1501) / 1000.0;
  const BoundReport r = rigorous_bounds(q);
  for (BoundName name : {BoundName::d_star_exact, BoundName::d_star_u_exact}) {
    const DimensionBound& b = find_bound(r, name);
    RC_ASSERT(b.computed);
    const bool theorem1 = name == BoundName::d_star_exact;
    const double tau = theorem1 ? (r.tau.lower + r.tau.upper) / 2 : (r.tau_u.lower + r.tau_u.upper) / 2;
    const Ref log_threshold = Ref(log(Ref(q.delta))) - Ref(log(Ref(static_cast<double>(q.L)) * Ref(static_cast<double>(q.L)) * (theorem1 ? 2 : 1)));
    RC_CLASSIFY(b.d % 2 == 1, theorem1 ? "Theorem 1: odd d" : "Theorem 2: odd d");
    RC_ASSERT(reference_log_p(b.d, tau) <= log_threshold);
    if (b.d > 1) RC_ASSERT(reference_log_p(b.d - 1, tau) > log_threshold);
    RC_ASSERT(b.tight);
    RC_ASSERT(b.d <= find_bound(r, theorem1 ? BoundName::d_star : BoundName::d_star_u).d);
    RC_ASSERT(b.value.upper <= 1.0);
  }
}

// The minimality claim's assumption, checked where a full scan is affordable:
// for small dimensions, the condition is refuted rigorously at EVERY d below
// d*_exact (with tau rounded up, which can only make p smaller), so there the
// minimum is proved without the monotonicity assumption.
TEST(RigorousBounds, FullScanConfirmsTheExactTailMinimumOnSmallCases) {
  for (const BoundQuery& q0 : {query(2, 1, 8.0, 0.5), query(16, 1, 4.0, 0.3), query(64, 2, 3.0, 0.2, 0.5)}) {
    BoundQuery q = q0;
    q.crossovers = false;
    const BoundReport r = rigorous_bounds(q);
    const DimensionBound& b = find_bound(r, BoundName::d_star_exact);
    ASSERT_TRUE(b.computed);
    ASSERT_LT(b.d, 5000u);
    const Ival log_threshold = log(Ival(q.delta)) - log(2 * Ival(static_cast<double>(q.L)) * Ival(static_cast<double>(q.L)));
    for (std::uint64_t d = 1; d < b.d; ++d) {
      const ChiSquareTailEnclosure e = chi_square_tail_enclosure(d, r.tau.upper, 128, 40);
      ASSERT_TRUE(Big(e.log_total.lower) > Big(upper(log_threshold))) << "d = " << d << " of " << b.d;
    }
    std::cout << "[ scan     ] L = " << q.L << ", k = " << q.k << ": every d < " << b.d << " refuted\n";
  }
}

// Claim 5 and Claim 6's crossovers: at the reported L the bound is below L, at
// L - 1 it is not below L - 1 (recomputed from scratch at both L).
RC_GTEST_PROP(RigorousBounds, CrossoverIsTheFirstLBelowL, ()) {
  BoundQuery q = *gen_query(2, 2);
  q.eps = *rc::gen::inRange(1500, 8001) / 1000.0;
  q.gamma = *rc::gen::inRange(100, 900) / 1000.0;
  q.k = *rc::gen::inRange<std::uint64_t>(1, 3);
  q.L = std::max<std::uint64_t>(q.L, q.k);
  q.crossovers = true;
  const BoundReport r = rigorous_bounds(q);
  for (const DimensionBound& b : r.bounds) {
    if (b.name == BoundName::trivial) continue;
    RC_ASSERT(b.below_L.status == Crossover::Status::found);
    const std::uint64_t L0 = b.below_L.L;
    if (b.name == BoundName::d_star) RC_CLASSIFY(L0 > 1000, "d* falls below L only after L = 1000");
    BoundQuery at = q;
    at.crossovers = false;
    at.L = std::max(L0, q.k);
    RC_ASSERT(find_bound(rigorous_bounds(at), b.name).d < at.L);
    if (L0 > std::max<std::uint64_t>(2, q.k)) {
      at.L = L0 - 1;
      RC_ASSERT(find_bound(rigorous_bounds(at), b.name).d >= at.L);
    }
  }
}

TEST(RigorousBounds, NotBelow2To64IsReportedAsSuch) {
  BoundQuery q = query(64, 4, 2.5e-8, 0.1);  // d* about 6.9e18 at L = 64, about 5e19 at L = 2^64
  q.exact_tails = false;
  const BoundReport r = rigorous_bounds(q);
  const DimensionBound& b = find_bound(r, BoundName::d_star);
  EXPECT_TRUE(b.computed);
  EXPECT_FALSE(b.exceeds_2_64);
  EXPECT_GT(b.d, 1000000000000000000u);
  EXPECT_EQ(b.below_L.status, Crossover::Status::not_below_2_64);
  const BoundReport huge = rigorous_bounds(query(64, 4, 1e-12, 0.1));
  EXPECT_TRUE(find_bound(huge, BoundName::d_star).exceeds_2_64);
  EXPECT_FALSE(find_bound(huge, BoundName::d_star_exact).computed);
  EXPECT_FALSE(find_bound(huge, BoundName::d_star_exact).note.empty());
}

// A stop request is polled between the bounds and inside the exact tails'
// series (cancellation.hpp): one that never stops changes nothing in the
// report, and one that says stop at its n-th call, for any n up to the
// number of calls of a whole query, abandons the query with Cancelled.
TEST(RigorousBounds, StopRequestAbandonsTheQueryAtEveryPoll) {
  const BoundQuery q = query(64, 4, 1.0, 0.1, std::log(4.0));
  const std::vector<Projection> laws = {Projection::gaussian};
  const nlohmann::json plain = io::bound_report_json(rigorous_bounds(q), laws, 0.0);
  std::size_t calls = 0;
  const StopRequest counting = [&calls] { ++calls; return false; };
  EXPECT_EQ(io::bound_report_json(rigorous_bounds(q, counting), laws, 0.0), plain);
  // Between the closed forms and before Theorem 3's two, and in the series:
  // far more than those seven at L = 64, where the exact tails run to d near 10^4.
  ASSERT_GT(calls, 100u);
  for (const std::size_t n : {std::size_t{1}, std::size_t{7}, calls / 2, calls}) {
    SCOPED_TRACE("stop at call " + std::to_string(n));
    std::size_t count = 0;
    EXPECT_THROW(rigorous_bounds(q, [&count, n] { return ++count >= n; }), Cancelled);
    EXPECT_EQ(count, n);
  }
}

TEST(RigorousBounds, RejectsParametersOutsideTheTheorems) {
  EXPECT_THROW(rigorous_bounds(query(1, 1, 1.0, 0.1)), InputError);
  EXPECT_THROW(rigorous_bounds(query(64, 0, 1.0, 0.1)), InputError);
  EXPECT_THROW(rigorous_bounds(query(64, 65, 1.0, 0.1)), InputError);
  EXPECT_THROW(rigorous_bounds(query(64, 4, 0.0, 0.1)), InputError);
  EXPECT_THROW(rigorous_bounds(query(64, 4, INFINITY, 0.1)), InputError);
  EXPECT_THROW(rigorous_bounds(query(64, 4, 1.0, 1.0)), InputError);
  EXPECT_THROW(rigorous_bounds(query(64, 4, 1.0, 0.1, -1.0)), InputError);
  EXPECT_THROW(rigorous_bounds(query(64, 4, 1.0, 0.1, 0.0, 1.0)), InputError);
}

// Claim 7: the range bound is at or above the exact rho of a target (200-bit
// oracle from the same doubles) and within a few ulp of it.
RC_GTEST_PROP(RangeUpper, IsAnUpperBoundOnTheTargetsRange, ()) {
  const auto drawn = *testing::gen_target({.min_L = 2, .max_L = 32, .max_k = 4, .max_rho = 6.0});
  const Target& A = drawn.A;
  Ref rho = 0;
  for (std::size_t i = 0; i < A.L(); ++i) {
    const auto w = A.weights(i);
    const auto [mn, mx] = std::minmax_element(w.begin(), w.end());
    rho = std::max(rho, Ref(log(Ref(*mx) / Ref(*mn))));
  }
  const double upper = target_range_upper(A);
  RC_CLASSIFY(rho == 0, "rho = 0");
  RC_ASSERT(Ref(upper) >= rho);
  RC_ASSERT(upper <= static_cast<double>(rho) * (1 + 1e-14) + 1e-300);
}

// =============================================================================
// The classic JL dimension (scikit-learn's johnson_lindenstrauss_min_dim).

// The published outputs of sklearn.random_projection.johnson_lindenstrauss_min_dim.
TEST(JlMinDim, ScikitLearnPublishedValues) {
  EXPECT_EQ(jl_min_dim(1000000, 0.5).floor, 663u);
  EXPECT_EQ(jl_min_dim(1000000, 0.1).floor, 11841u);
  EXPECT_EQ(jl_min_dim(1000000, 0.01).floor, 1112658u);
  EXPECT_EQ(jl_min_dim(10000, 0.1).floor, 7894u);
  EXPECT_EQ(jl_min_dim(100000, 0.1).floor, 9868u);
  EXPECT_EQ(jl_min_dim(1000000, 0.1).ceil, 11842u);
  EXPECT_TRUE(jl_min_dim(1000000, 0.5).decided);
  EXPECT_EQ(jl_min_dim(1, 0.5).floor, 0u);
  EXPECT_THROW(jl_min_dim(0, 0.5), InputError);
  EXPECT_THROW(jl_min_dim(10, 1.0), InputError);
}

RC_GTEST_PROP(JlMinDim, FloorAndCeilOfTheFormula, ()) {
  const auto n = *rc::gen::inRange<std::uint64_t>(1, std::uint64_t{1} << 40);
  const double eps = *rc::gen::inRange(1, 1000) / 1000.0;
  const JlMinDim jl = jl_min_dim(n, eps);
  const Ref e(eps);
  const Ref v = 4 * Ref(log(Ref(static_cast<double>(n)))) / Ref(e * e / 2 - e * e * e / 3);
  RC_ASSERT(jl.decided);
  RC_ASSERT(Ref(static_cast<double>(jl.floor)) == Ref(floor(v)));
  RC_ASSERT(Ref(static_cast<double>(jl.ceil)) == Ref(ceil(v)));
}

// =============================================================================
// The command line.

using testing::CliRun;
using testing::jlattn_cli;

TEST(BoundCommand, PrintsEveryBoundWithItsProjectionsAndHowItIsProved) {
  const CliRun r = jlattn_cli("bound --L 64 --k 4 --eps 1 --gamma 0.1 --rho 1.3862943611198906");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* needle : {"16236", "18529", "12646", "6387", "8694", "59091", "46231", "L >= 32138", "proved",
                             "ASSUMES p(d, tau)", "gaussian, rademacher, achlioptas", "gaussian    d_chernoff = ",
                             "d_polar = 8694", "beta_sharp", "paper-style"})
    EXPECT_NE(r.out.find(needle), std::string::npos) << needle << "\n" << r.out;
}

TEST(BoundCommand, JsonAgreesWithTheLibrary) {
  const CliRun r = jlattn_cli("bound --L 256 --k 2 --eps 0.75 --gamma 0.1 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  const BoundReport lib = rigorous_bounds(query(256, 2, 0.75, 0.1));
  ASSERT_EQ(j["bounds"].size(), lib.bounds.size());
  for (std::size_t i = 0; i < lib.bounds.size(); ++i) {
    EXPECT_EQ(j["bounds"][i]["d"].get<std::uint64_t>(), lib.bounds[i].d) << lib.bounds[i].label;
    EXPECT_EQ(j["bounds"][i]["name"].get<std::string>(), to_string(lib.bounds[i].name));
  }
  EXPECT_EQ(j["smallest_valid"]["gaussian"]["name"].get<std::string>(), "d_chernoff");  // every theorem's, Theorem 3 included
  EXPECT_EQ(j["smallest_valid"]["rademacher"]["name"].get<std::string>(), "d_polar");
  EXPECT_NE(j["rigour"].get<std::string>().find("proved"), std::string::npos);
}

TEST(BoundCommand, JlCrossCheckPrintsScikitLearnsValues) {
  for (const auto& [args, expected] : std::vector<std::pair<std::string, std::string>>{
           {"--jl-points 1000000 --jl-eps 0.5", "663"},
           {"--jl-points 1000000 --jl-eps 0.1", "11841"},
           {"--jl-points 1000000 --jl-eps 0.01", "1112658"},
           {"--jl-points 10000 --jl-eps 0.1", "7894"},
           {"--jl-points 100000 --jl-eps 0.1", "9868"}}) {
    const CliRun r = jlattn_cli("bound " + args + " --json");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const nlohmann::json j = nlohmann::json::parse(r.out);
    EXPECT_EQ(std::to_string(j["sklearn_johnson_lindenstrauss_min_dim"].get<std::uint64_t>()), expected) << args;
  }
  const CliRun text = jlattn_cli("bound --jl-points 1000000 --jl-eps 0.5");
  EXPECT_NE(text.out.find("johnson_lindenstrauss_min_dim (truncates to an integer): 663"), std::string::npos)
      << text.out;
}

TEST(BoundCommand, BadInputGetsOneLineAndExitTwo) {
  for (const char* args : {"bound --L 64 --k 4 --eps 1", "bound --L 1 --k 1 --eps 1 --gamma 0.1",
                           "bound --L 64 --k 4 --eps 1 --gamma 1.5", "bound --jl-points 10",
                           "bound --jl-points 10 --jl-eps 0.5 --L 64",
                           "bound --L 64 --k 4 --eps 1 --gamma 0.1 --projection orthogonal"}) {
    const CliRun r = jlattn_cli(args);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.out;
    EXPECT_NE(r.err.find("error"), std::string::npos) << args;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << args << ": " << r.err;
  }
}

// construct --d auto --bound: the default is the smallest bound valid for the
// projection (for Gaussian R, Theorem 3 for the target itself included, so at
// most every class bound); theorems12 is the smallest of Theorems 1, 1' and
// 2; a bound not proved for the projection is refused.
TEST(ConstructBound, DefaultIsTheSmallestValidBoundForTheProjection) {
  const Target A = window_global_target(24, 3);
  ConstructionParameters parameters;
  parameters.delta = 0.05;
  for (Projection p : {Projection::gaussian, Projection::rademacher}) {
    parameters.projection = p;
    parameters.bound = BoundChoice::smallest_theorems_1_and_2;
    const Construction c = construct(A, parameters);
    BoundQuery q = query(A.L(), A.k(), parameters.eps, parameters.gamma, target_range_upper(A), parameters.delta);
    q.crossovers = false;
    const BoundReport report = rigorous_bounds(q);
    const DimensionBound& best = smallest_valid_bound(report, p);
    EXPECT_EQ(c.d, best.d) << to_string(p);
    EXPECT_EQ(c.bound_name, to_string(best.name)) << to_string(p);
    EXPECT_TRUE(c.evaluation.approximates()) << to_string(p);
    parameters.bound = BoundChoice::smallest;
    const Construction a = construct(A, parameters);
    EXPECT_LE(a.d, smallest_valid_bound(report, p, BoundFamilies::all_theorems).d) << to_string(p);
    EXPECT_EQ(a.bound_name, p == Projection::gaussian ? "d_chernoff" : to_string(best.name)) << to_string(p);
    EXPECT_TRUE(a.evaluation.approximates()) << to_string(p);
  }
  parameters.projection = Projection::rademacher;
  for (BoundChoice choice : {BoundChoice::d_pair, BoundChoice::d_star_exact, BoundChoice::d_chernoff}) {
    parameters.bound = choice;
    EXPECT_THROW(construct(A, parameters), InputError) << to_string(choice);
  }
  parameters.projection = Projection::gaussian;
  parameters.bound = BoundChoice::d_star;
  EXPECT_EQ(construct(A, parameters).d, construct(A, parameters).d_star);
  EXPECT_EQ(parse_bound_choice("pair"), BoundChoice::d_pair);
  EXPECT_THROW(parse_bound_choice("dpair"), InputError);
}

TEST(ConstructBound, CommandLineOptionAndItsRefusal) {
  const CliRun ok = jlattn_cli("demo --L 16 --bound exact");
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("bound         d = d*_exact = "), std::string::npos) << ok.out;
  const CliRun refused = jlattn_cli("demo --L 16 --bound pair --projection achlioptas");
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("Gaussian R only"), std::string::npos) << refused.err;
}

}  // namespace
}  // namespace jlattn
