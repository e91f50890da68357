// The one MPFR/MPFI wrapper (src/jlattn/core/multiprecision.hpp): every
// interval it computes contains the exact value. Oracles: exact rationals
// (GMP) for the conversions and the arithmetic, where the exact result is a
// rational; MPFR at 512 bits with directed rounding (itself an enclosure of
// the true value) for log, exp, sqrt and pi, at least 300 bits more than the
// intervals under test.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <utility>
#include <vector>

#include "jlattn/core/multiprecision.hpp"
#include "support/binary64.hpp"
#include "support/exact.hpp"

namespace {

namespace mp = jlattn::mp;
using jlattn::testing::kInf;
using jlattn::testing::kNaN;
using jlattn::testing::Rational;
using mp::Interval;

constexpr mp::Precision kOracleBits = 512;

/// The exact value of a finite MPFR number.
Rational to_rational(mpfr_srcptr x) {
  Rational q;
  mpfr_get_q(q.backend().data(), x);
  return q;
}

/// Whether the interval contains the rational q (finite endpoints compared
/// exactly; an infinite endpoint is on the right side by its sign).
bool contains(const Interval& I, const Rational& q) {
  if (mpfr_nan_p(I.left()) || mpfr_nan_p(I.right())) return false;
  const bool left_ok = mpfr_inf_p(I.left()) ? mpfr_sgn(I.left()) < 0 : to_rational(I.left()) <= q;
  const bool right_ok = mpfr_inf_p(I.right()) ? mpfr_sgn(I.right()) > 0 : q <= to_rational(I.right());
  return left_ok && right_ok;
}

/// Whether I contains the 512-bit enclosure [down, up] of f at the point x
/// (then it contains f(x)).
bool contains_value_of(const Interval& I, int (*f)(mpfr_ptr, mpfr_srcptr, mpfr_rnd_t), double x) {
  mpfr_t in, down, up;
  mpfr_inits2(kOracleBits, in, down, up, static_cast<mpfr_ptr>(nullptr));
  mpfr_set_d(in, x, MPFR_RNDN);
  f(down, in, MPFR_RNDD);
  f(up, in, MPFR_RNDU);
  const bool ok = mpfr_lessequal_p(I.left(), down) && mpfr_lessequal_p(up, I.right());
  mpfr_clears(in, down, up, static_cast<mpfr_ptr>(nullptr));
  return ok;
}

/// Doubles of every magnitude between 2^-80 and 2^80 and both signs, zero
/// included: wide enough for every binade's rounding, small enough that an
/// exact rational stays short.
rc::Gen<double> gen_double() {
  return rc::gen::weightedOneOf<double>(
      {{8, rc::gen::map(rc::gen::tuple(rc::gen::arbitrary<std::int64_t>(), rc::gen::inRange(-80, 81)),
                        [](std::tuple<std::int64_t, int> t) {
                          const double m = static_cast<double>(std::get<0>(t) >> 10) * 0x1p-53;  // |m| < 1
                          return std::ldexp(m, std::get<1>(t));
                        })},
       {1, rc::gen::element(0.0, 1.0, -1.0, 0.1, 3.0)}});
}

/// A working precision: at, below and above a double's 53 bits.
rc::Gen<mp::Precision> gen_precision() { return rc::gen::elementOf(std::vector<mp::Precision>{24, 53, 64, 113, 256}); }

/// num / den exactly.
Rational ratio(std::int64_t num, std::int64_t den) {
  return Rational(boost::multiprecision::mpz_int(num)) / Rational(boost::multiprecision::mpz_int(den));
}

/// [min(x, y), max(x, y)] at `precision` (exact endpoints when precision >= 53).
Interval between(mp::Precision precision, double x, double y) {
  return mp::hull(mp::point(precision, std::min(x, y)), mp::point(precision, std::max(x, y)));
}

}  // namespace

RC_GTEST_PROP(Multiprecision, ConversionsAreExactWhenThePrecisionHoldsTheValue, ()) {
  const double x = *gen_double();
  const std::uint64_t n = *rc::gen::arbitrary<std::uint64_t>();
  const mp::Precision p = *gen_precision();
  const Interval X = mp::point(p, x), N = mp::integer(p, n);
  RC_ASSERT(contains(X, Rational(x)));
  RC_ASSERT(contains(N, Rational(boost::multiprecision::mpz_int(n))));
  if (p >= 53) RC_ASSERT(mpfr_equal_p(X.left(), X.right()) != 0);
  if (p >= 64) RC_ASSERT(mpfr_equal_p(N.left(), N.right()) != 0);
}

RC_GTEST_PROP(Multiprecision, RationalIsEnclosed, ()) {
  const auto num = *rc::gen::arbitrary<std::int64_t>();
  const auto den = *rc::gen::inRange<std::int64_t>(1, std::numeric_limits<std::int64_t>::max());
  const Rational q = ratio(num, den);
  const Interval Q = mp::rational(*gen_precision(), q.backend().data());
  RC_ASSERT(contains(Q, q));
}

// The outward extraction to doubles: lower is the largest double <= the left
// end, upper the smallest double >= the right end.
RC_GTEST_PROP(Multiprecision, EnclosureRoundsTheEndpointsOutward, ()) {
  const auto num = *rc::gen::arbitrary<std::int64_t>();
  const auto den = *rc::gen::inRange<std::int64_t>(1, std::numeric_limits<std::int64_t>::max());
  const Rational q = ratio(num, den);
  const Interval Q = mp::rational(256, q.backend().data());
  const jlattn::Enclosure e = Q.enclosure();
  const Rational left = to_rational(Q.left()), right = to_rational(Q.right());
  RC_ASSERT(Rational(e.lower) <= left);
  RC_ASSERT(Rational(std::nextafter(e.lower, kInf)) > left);
  RC_ASSERT(Rational(e.upper) >= right);
  RC_ASSERT(Rational(std::nextafter(e.upper, -kInf)) < right);
  RC_ASSERT(Rational(e.lower) <= q && q <= Rational(e.upper));
}

// Interval arithmetic: for every corner (x, y) of the two input intervals the
// exact x op y lies in the result (+, -, * and / are monotone in each
// argument on a box without a pole, so their ranges are spanned by the
// corners), and so does an inner point.
RC_GTEST_PROP(Multiprecision, ArithmeticContainsTheExactResultAtEveryCorner, ()) {
  const double x1 = *gen_double(), x2 = *gen_double(), y1 = *gen_double(), y2 = *gen_double();
  const Interval A = between(*gen_precision(), x1, x2), B = between(*gen_precision(), y1, y2);
  const bool b_has_zero = std::min(y1, y2) <= 0.0 && std::max(y1, y2) >= 0.0;
  const Interval sum = A + B, difference = A - B, product = A * B;
  RC_ASSERT(sum.precision() == std::max(A.precision(), B.precision()));
  const double x_mid = std::min(x1, x2) / 2 + std::max(x1, x2) / 2;
  for (const double x : {x1, x2, x_mid})
    for (const double y : {y1, y2}) {
      const Rational qx(x), qy(y);
      RC_ASSERT(contains(sum, Rational(qx + qy)));
      RC_ASSERT(contains(difference, Rational(qx - qy)));
      RC_ASSERT(contains(product, Rational(qx * qy)));
      if (!b_has_zero) RC_ASSERT(contains(A / B, Rational(qx / qy)));
    }
}

RC_GTEST_PROP(Multiprecision, IntegerOperandsContainTheExactResult, ()) {
  const double x1 = *gen_double(), x2 = *gen_double();
  const std::uint64_t n = *rc::gen::inRange<std::uint64_t>(1, std::numeric_limits<std::uint64_t>::max());
  const Interval A = between(*gen_precision(), x1, x2);
  const Rational qn{boost::multiprecision::mpz_int(n)};
  for (const double x : {x1, x2}) {
    const Rational qx(x);
    RC_ASSERT(contains(A + n, Rational(qx + qn)));
    RC_ASSERT(contains(A - n, Rational(qx - qn)));
    RC_ASSERT(contains(n - A, Rational(qn - qx)));
    RC_ASSERT(contains(A * n, Rational(qx * qn)));
    RC_ASSERT(contains(A / n, Rational(qx / qn)));
    if (std::min(x1, x2) > 0.0 || std::max(x1, x2) < 0.0) RC_ASSERT(contains(n / A, Rational(qn / qx)));
  }
}

// sqr is exact on rationals too, and tighter than A * A: it never goes below 0.
RC_GTEST_PROP(Multiprecision, SquareContainsEverySquareAndStaysNonNegative, ()) {
  const double x1 = *gen_double(), x2 = *gen_double();
  const Interval A = between(*gen_precision(), x1, x2);
  const Interval S = mp::sqr_of(A);
  for (const double x : {x1, x2, 0.5 * x1 + 0.5 * x2}) RC_ASSERT(contains(S, Rational(Rational(x) * Rational(x))));
  RC_ASSERT(mpfr_sgn(S.left()) >= 0);
}

// The elementary functions at points and on intervals: each is monotone, so
// the values at the two ends must lie in the result.
RC_GTEST_PROP(Multiprecision, ElementaryFunctionsContainTheTrueValues, ()) {
  const double x1 = *gen_double(), x2 = *gen_double();
  const mp::Precision p = *gen_precision();
  const Interval A = between(p, x1, x2);
  const Interval E = mp::exp_of(A);
  RC_ASSERT(contains_value_of(E, mpfr_exp, x1) && contains_value_of(E, mpfr_exp, x2));
  const double a1 = std::abs(x1), a2 = std::abs(x2);
  const Interval P = between(p, a1, a2);
  const Interval R = mp::sqrt_of(P);
  RC_ASSERT(contains_value_of(R, mpfr_sqrt, a1) && contains_value_of(R, mpfr_sqrt, a2));
  if (std::min(a1, a2) > 0.0) {
    const Interval Lg = mp::log_of(P);
    RC_ASSERT(contains_value_of(Lg, mpfr_log, a1) && contains_value_of(Lg, mpfr_log, a2));
  }
}

// log1p_of and lngamma_at_point (used by the rigorous bounds) against MPFR at
// 512 bits with directed rounding.
RC_GTEST_PROP(Multiprecision, Log1pAndLnGammaContainTheTrueValues, ()) {
  const double x1 = *gen_double(), x2 = *gen_double();
  const mp::Precision p = *gen_precision();
  const double a1 = std::abs(x1), a2 = std::abs(x2);
  const Interval L1 = mp::log1p_of(between(p, a1, a2));
  RC_ASSERT(contains_value_of(L1, mpfr_log1p, a1) && contains_value_of(L1, mpfr_log1p, a2));
  if (a1 > 0) {
    const Interval G = mp::lngamma_at_point(mp::point(std::max<mp::Precision>(p, 53), a1));
    RC_ASSERT(contains_value_of(G, mpfr_lngamma, a1));
  }
}

TEST(Multiprecision, LnGammaNeedsAPointInterval) {
  EXPECT_THROW(mp::lngamma_at_point(between(64, 1.0, 2.0)), std::logic_error);
  const Interval G = mp::lngamma_at_point(mp::point(64, 5.0));  // ln 24
  EXPECT_TRUE(contains_value_of(G, mpfr_lngamma, 5.0));
  EXPECT_LE(G.enclosure().lower, std::log(24.0) + 1e-15);
  EXPECT_GE(G.enclosure().upper, std::log(24.0) - 1e-15);
}

TEST(Multiprecision, PiIsEnclosedAtEveryPrecision) {
  mpfr_t down, up;
  mpfr_inits2(kOracleBits, down, up, static_cast<mpfr_ptr>(nullptr));
  mpfr_const_pi(down, MPFR_RNDD);
  mpfr_const_pi(up, MPFR_RNDU);
  for (const mp::Precision p : {24, 53, 64, 256}) {
    const Interval pi = mp::pi_at(p);
    EXPECT_TRUE(mpfr_lessequal_p(pi.left(), down) && mpfr_lessequal_p(up, pi.right())) << p << " bits";
    EXPECT_LT(mpfr_cmp(pi.left(), pi.right()), 0) << "pi is irrational: never a point";
  }
  mpfr_clears(down, up, static_cast<mpfr_ptr>(nullptr));
}

RC_GTEST_PROP(Multiprecision, HullContainsBothIntervals, ()) {
  const Interval A = between(64, *gen_double(), *gen_double()), B = between(128, *gen_double(), *gen_double());
  const Interval H = mp::hull(A, B);
  for (const Interval* I : {&A, &B}) {
    RC_ASSERT(contains(H, to_rational(I->left())));
    RC_ASSERT(contains(H, to_rational(I->right())));
  }
}

// The decided comparisons: true only when every point of one interval is
// on the stated side of every point of the other; overlapping or NaN: false.
TEST(Multiprecision, DecidedComparisonsLookAtEndpointsOnly) {
  const Interval low = between(64, 1.0, 2.0), high = between(64, 3.0, 4.0), overlap = between(64, 1.5, 3.5);
  const Interval touching = between(64, 2.0, 3.0);
  EXPECT_TRUE(mp::certainly_le(low, high));
  EXPECT_TRUE(mp::certainly_lt(low, high));
  EXPECT_TRUE(mp::certainly_gt(high, low));
  EXPECT_FALSE(mp::certainly_gt(low, high));
  for (const Interval* other : {&low, &high}) {
    EXPECT_FALSE(mp::certainly_le(overlap, *other));
    EXPECT_FALSE(mp::certainly_lt(overlap, *other));
    EXPECT_FALSE(mp::certainly_gt(overlap, *other));
  }
  EXPECT_FALSE(mp::certainly_le(low, overlap));
  EXPECT_FALSE(mp::certainly_lt(low, overlap));
  EXPECT_FALSE(mp::certainly_gt(high, overlap));
  // Sharing one endpoint: <= holds everywhere, < does not.
  EXPECT_TRUE(mp::certainly_le(low, touching));
  EXPECT_FALSE(mp::certainly_lt(low, touching));
  EXPECT_FALSE(mp::certainly_gt(touching, low));
  // Against a double.
  EXPECT_TRUE(mp::certainly_le(low, 2.0));
  EXPECT_FALSE(mp::certainly_le(low, 1.5));
  EXPECT_TRUE(mp::certainly_gt(low, 0.5));
  EXPECT_FALSE(mp::certainly_gt(low, 1.0));
  EXPECT_FALSE(mp::certainly_le(low, kNaN));
  EXPECT_FALSE(mp::certainly_gt(low, kNaN));
  // An interval with NaN endpoints (ln of a negative interval) decides nothing.
  const Interval nan = mp::log_of(between(64, -2.0, -1.0));
  ASSERT_TRUE(mpfr_nan_p(nan.left()) || mpfr_nan_p(nan.right()));
  EXPECT_FALSE(mp::certainly_le(nan, high) || mp::certainly_lt(nan, high) || mp::certainly_gt(nan, low));
  EXPECT_FALSE(mp::certainly_le(low, nan) || mp::certainly_lt(low, nan) || mp::certainly_gt(high, nan));
  EXPECT_FALSE(mp::certainly_le(nan, 1e300) || mp::certainly_gt(nan, -1e300));
}

TEST(Multiprecision, DivisionByAnIntervalAroundZeroIsUnbounded) {
  const Interval Q = between(64, 1.0, 2.0) / between(64, -1.0, 1.0);
  EXPECT_TRUE(mpfr_inf_p(Q.left()) && mpfr_sgn(Q.left()) < 0);
  EXPECT_TRUE(mpfr_inf_p(Q.right()) && mpfr_sgn(Q.right()) > 0);
  EXPECT_EQ(Q.enclosure().lower, -kInf);
  EXPECT_EQ(Q.enclosure().upper, kInf);
}

TEST(Multiprecision, CopiesAndMovesKeepValueAndPrecision) {
  const Interval third = mp::integer(200, 1) / 3u;
  Interval copy(third);
  EXPECT_EQ(copy.precision(), 200);
  EXPECT_TRUE(mpfr_equal_p(copy.left(), third.left()) && mpfr_equal_p(copy.right(), third.right()));
  Interval assigned(53);
  assigned = third;
  EXPECT_EQ(assigned.precision(), 200);
  EXPECT_TRUE(mpfr_equal_p(assigned.left(), third.left()));
  const Interval& self = assigned;
  assigned = self;
  EXPECT_TRUE(mpfr_equal_p(assigned.right(), third.right()));
  Interval moved(std::move(copy));
  EXPECT_EQ(moved.precision(), 200);
  EXPECT_TRUE(mpfr_equal_p(moved.left(), third.left()));
  copy = mp::integer(64, 7);  // a moved-from interval can be assigned again
  EXPECT_EQ(mpfr_cmp_ui(copy.left(), 7), 0);
  std::vector<Interval> many;
  for (int n = 0; n < 100; ++n) many.push_back(mp::integer(64 + n, static_cast<std::uint64_t>(n)));
  for (int n = 0; n < 100; ++n) {
    EXPECT_EQ(many[static_cast<std::size_t>(n)].precision(), 64 + n);
    EXPECT_EQ(mpfr_cmp_ui(many[static_cast<std::size_t>(n)].right(), static_cast<unsigned long>(n)), 0);
  }
}
