// The one interval type (src/jlattn/core/enclosure.hpp): its outward-rounded
// difference and its maximum against exact rationals, its logarithm and
// exponential against MPFR at 512 bits with directed rounding (an enclosure
// of the true value, so a comparison with it never fails spuriously).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <mpfr.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include "jlattn/core/enclosure.hpp"
#include "support/binary64.hpp"
#include "support/exact.hpp"

namespace {

using jlattn::Enclosure;
using jlattn::testing::kInf;
using jlattn::testing::Rational;

constexpr double kMax = std::numeric_limits<double>::max();

/// Any finite double, every binade equally likely (subnormals and both
/// signs included), and the special values often.
rc::Gen<double> gen_finite() {
  return rc::gen::weightedOneOf<double>(
      {{6, rc::gen::map(rc::gen::arbitrary<std::uint64_t>(),
                        [](std::uint64_t bits) {
                          const double x = std::bit_cast<double>(bits);
                          return std::isfinite(x) ? x : std::copysign(1.5, x);
                        })},
       {1, rc::gen::element(0.0, -0.0, 1.0, -1.0, kMax, -kMax, 0x1p-1074, -0x1p-1074, 0x1p-1022)}});
}

/// An enclosure [lo, hi] of finite doubles, sometimes a point.
rc::Gen<Enclosure> gen_enclosure() {
  // A second end of +inf stands for "a point enclosure".
  const auto second = rc::gen::weightedOneOf<double>({{3, gen_finite()}, {1, rc::gen::just(kInf)}});
  return rc::gen::map(rc::gen::pair(gen_finite(), second), [](std::pair<double, double> p) {
    if (std::isinf(p.second)) return Enclosure::point(p.first);
    return Enclosure{std::min(p.first, p.second), std::max(p.first, p.second)};
  });
}

/// Whether the 512-bit enclosure [down, up] of f(x) lies inside e: then e
/// contains f(x).
bool encloses(Enclosure e, int (*f)(mpfr_ptr, mpfr_srcptr, mpfr_rnd_t), double lo_arg, double hi_arg) {
  mpfr_t in, down, up;
  mpfr_inits2(512, in, down, up, static_cast<mpfr_ptr>(nullptr));
  mpfr_set_d(in, lo_arg, MPFR_RNDN);
  f(down, in, MPFR_RNDD);
  mpfr_set_d(in, hi_arg, MPFR_RNDN);
  f(up, in, MPFR_RNDU);
  const bool ok = mpfr_cmp_d(down, e.lower) >= 0 && mpfr_cmp_d(up, e.upper) <= 0;
  mpfr_clears(in, down, up, static_cast<mpfr_ptr>(nullptr));
  return ok;
}

}  // namespace

TEST(Enclosure, PointContainsExactlyItsValue) {
  const Enclosure p = Enclosure::point(0.1);
  EXPECT_TRUE(p.contains(0.1));
  EXPECT_FALSE(p.contains(std::nextafter(0.1, 1.0)));
  EXPECT_FALSE(p.contains(std::nextafter(0.1, 0.0)));
  // Directed rounding moves even an exact result outward: the width bound
  // of a point is the smallest subnormal, not 0.
  EXPECT_EQ(p.width(), 0x1p-1074);
  const Enclosure half_line{-kInf, 2.0};
  EXPECT_TRUE(half_line.contains(-kMax));
  EXPECT_FALSE(half_line.contains(std::nextafter(2.0, 3.0)));
  EXPECT_FALSE(Enclosure{}.contains(std::numeric_limits<double>::quiet_NaN()));
}

// x - y over x in a, y in b is exactly [a.lower - b.upper, a.upper - b.lower];
// the difference of the two enclosures must contain it, one ulp at most
// further out than rounding to nearest would be on each side.
RC_GTEST_PROP(Enclosure, DifferenceContainsEveryExactDifference, ()) {
  const Enclosure a = *gen_enclosure(), b = *gen_enclosure();
  const Enclosure d = a - b;
  const Rational exact_lower = Rational(a.lower) - Rational(b.upper);
  const Rational exact_upper = Rational(a.upper) - Rational(b.lower);
  if (std::isfinite(d.lower)) {
    RC_ASSERT(Rational(d.lower) <= exact_lower);
    const double two_steps_up = std::nextafter(std::nextafter(d.lower, kInf), kInf);
    if (std::isfinite(two_steps_up)) RC_ASSERT(Rational(two_steps_up) >= exact_lower);
  } else {
    RC_ASSERT(d.lower == -kInf);  // only when the exact end is (about) -max or below
    RC_ASSERT(exact_lower < Rational(std::nextafter(-kMax, 0.0)));
  }
  if (std::isfinite(d.upper)) {
    RC_ASSERT(Rational(d.upper) >= exact_upper);
    const double two_steps_down = std::nextafter(std::nextafter(d.upper, -kInf), -kInf);
    if (std::isfinite(two_steps_down)) RC_ASSERT(Rational(two_steps_down) <= exact_upper);
  } else {
    RC_ASSERT(d.upper == kInf);
    RC_ASSERT(exact_upper > Rational(std::nextafter(kMax, 0.0)));
  }
}

RC_GTEST_PROP(Enclosure, WidthIsAnUpperBoundOnTheExactWidth, ()) {
  const Enclosure a = *gen_enclosure();
  const double w = a.width();
  RC_ASSERT(w >= 0.0);
  if (std::isfinite(w)) RC_ASSERT(Rational(w) >= Rational(a.upper) - Rational(a.lower));
  else RC_ASSERT(Rational(a.upper) - Rational(a.lower) > Rational(std::nextafter(kMax, 0.0)));
}

// max(x, y) for x in a, y in b: the endpoints and a point inside each
// enclosure, taken as the extreme cases and a typical one.
RC_GTEST_PROP(Enclosure, MaximumContainsTheMaximumOfEveryPair, ()) {
  const Enclosure a = *gen_enclosure(), b = *gen_enclosure();
  const Enclosure m = max(a, b);
  const auto inside = [](Enclosure e) { return std::clamp(e.lower / 2 + e.upper / 2, e.lower, e.upper); };
  for (const double x : {a.lower, a.upper, inside(a)})
    for (const double y : {b.lower, b.upper, inside(b)}) RC_ASSERT(m.contains(std::max(x, y)));
  // And it is the smallest such interval: both ends are attained.
  RC_ASSERT(m.lower == std::max(a.lower, b.lower));
  RC_ASSERT(m.upper == std::max(a.upper, b.upper));
}

TEST(Enclosure, MaximumWithMinusInfinityIsTheOtherEnclosure) {
  const Enclosure none{-kInf, -kInf}, some{-3.0, 0.5};
  EXPECT_EQ(max(none, some).lower, -3.0);
  EXPECT_EQ(max(none, some).upper, 0.5);
  EXPECT_EQ(max(some, none).lower, -3.0);
}

// ln x: correctly rounded in both directions, so the two ends are at most one
// ulp apart and enclose MPFR's 512-bit enclosure of ln x.
RC_GTEST_PROP(Enclosure, LogEnclosesTheLogarithmWithinOneUlp, ()) {
  const double x = std::abs(*gen_finite());
  RC_PRE(x > 0.0);
  const Enclosure e = jlattn::log_enclosure(x);
  RC_ASSERT(encloses(e, mpfr_log, x, x));
  RC_ASSERT(e.upper == e.lower || e.upper == std::nextafter(e.lower, kInf));
}

TEST(Enclosure, LogOfOneIsExactlyZero) {
  const Enclosure e = jlattn::log_enclosure(1.0);
  EXPECT_EQ(e.lower, 0.0);
  EXPECT_EQ(e.upper, 0.0);
}

// exp over an enclosure: exp is increasing, so [exp(lower) down, exp(upper) up]
// must contain MPFR's 512-bit enclosure of both ends; overflow goes to +inf
// and underflow to 0 on the safe side.
RC_GTEST_PROP(Enclosure, ExpEnclosesTheExponentialOfEveryPoint, ()) {
  const double lo = *rc::gen::map(rc::gen::inRange<std::int64_t>(-760LL << 20, 720LL << 20),
                                  [](std::int64_t n) { return std::ldexp(static_cast<double>(n), -20); });
  const double hi = lo + std::ldexp(static_cast<double>(*rc::gen::inRange<std::int64_t>(0, 1LL << 20)), -18);
  const Enclosure e = jlattn::exp_enclosure({lo, hi});
  RC_ASSERT(e.lower >= 0.0);
  RC_ASSERT(encloses(e, mpfr_exp, lo, hi));
}

TEST(Enclosure, ExpOfMinusInfinityIsZero) {
  const Enclosure e = jlattn::exp_enclosure({-kInf, 0.0});
  EXPECT_EQ(e.lower, 0.0);
  EXPECT_EQ(e.upper, 1.0);
  const Enclosure none = jlattn::exp_enclosure({-kInf, -kInf});
  EXPECT_EQ(none.lower, 0.0);
  EXPECT_EQ(none.upper, 0.0);
}
