// Tests for src/jlattn/corollary0_leakage: Corollary 0 of
// proofs/corollary0-leakage.md (item 2: leakage bound x/(1+x); item 3: the
// gamma for a leakage budget lambda; tightness).
//
// Oracle: exact rational arithmetic (boost::multiprecision::cpp_rational).
// Every double is an exact binary rational, so the formulas are evaluated
// exactly at the very doubles the code receives.
//
// Rounding bounds (u = 2^-53), relative:
// * leakage_share_upper: x = fl(fl((L-k) gamma) / k) carries <= 2 roundings,
//   1 + x one, the quotient one; d ln(x/(1+x)) / d ln x = 1/(1+x) <= 1, so the
//   relative error is <= 4u + O(u^2). We allow 5u.
// * gamma_for_leakage_upper: lambda k, 1 - lambda, (1-lambda)(L-k) and the
//   quotient: <= 4 roundings, relative error <= 4u + O(u^2). We allow 5u.
// * composed (inverse relation): the share's sensitivity to gamma is <= 1, so
//   <= 4u + 4u + O(u^2). We allow 9u (a few ulp of lambda).
// (L - k and k are integers below 2^53, exact in double.)
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <boost/multiprecision/cpp_int.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "jlattn/proof/corollary0_leakage.hpp"
#include "jlattn/core/errors.hpp"
#include "support/binary64.hpp"
#include "support/generators.hpp"
#include "support/input_error.hpp"

namespace {

using boost::multiprecision::cpp_rational;
using jlattn::gamma_for_leakage_upper;
using jlattn::leakage_share_upper;
using ::testing::HasSubstr;
// tests/support: kU, kInf, kNaN, input_error_message, gen_real.
using namespace jlattn::testing;

/// The exact value of a double.
cpp_rational exact(double x) { return cpp_rational(x); }

/// x / (1 + x) with x = (L - k) gamma / k, exactly.
cpp_rational exact_share_bound(std::size_t L, std::size_t k, double gamma) {
  const cpp_rational x = cpp_rational(cpp_rational(L - k) * exact(gamma)) / cpp_rational(k);
  return cpp_rational(x / cpp_rational(1 + x));
}

/// lambda k / ((1 - lambda)(L - k)), exactly (k < L).
cpp_rational exact_gamma_for(std::size_t L, std::size_t k, double lambda) {
  const cpp_rational lam = exact(lambda);
  return cpp_rational(cpp_rational(lam * cpp_rational(k)) / cpp_rational(cpp_rational(1 - lam) * cpp_rational(L - k)));
}

/// |computed - value| <= rel * |value|, exactly.
bool relatively_close(double computed, const cpp_rational& value, double rel) {
  const cpp_rational diff = cpp_rational(exact(computed) - value);
  return cpp_rational(abs(diff)) <= cpp_rational(exact(rel) * cpp_rational(abs(value)));
}

/// An integer uniform on [lo, hi], not shrunk by RapidCheck's size parameter.
std::size_t uniform_size(std::size_t lo, std::size_t hi) {
  return *rc::gen::resize(rc::kNominalSize, rc::gen::inRange<std::size_t>(lo, hi + 1));
}

// ---------------------------------------------------------------------------

// Item 2's formula x/(1+x), x = (L - k_i) gamma / k_i, against the exact
// rational value for random integer L, k_i and rational gamma = p/q (rounded
// to the double the code receives), within 5u relative (file comment). Any
// gamma >= 0 is allowed by item 2, so gamma up to 3 is drawn.
RC_GTEST_PROP(Corollary0Leakage, ShareBoundMatchesExactRationalFormula, ()) {
  const std::size_t L = uniform_size(2, 1000000);
  const std::size_t k = *rc::gen::oneOf(rc::gen::just<std::size_t>(1), rc::gen::just(L), rc::gen::just<std::size_t>(uniform_size(1, L)));
  const std::int64_t q = static_cast<std::int64_t>(uniform_size(1, 1000000));
  const std::int64_t p = static_cast<std::int64_t>(uniform_size(0, static_cast<std::size_t>(3 * q)));
  const double gamma = static_cast<double>(p) / static_cast<double>(q);
  RC_CLASSIFY(k == L, "k_i == L");
  RC_CLASSIFY(p == 0, "gamma == 0");
  RC_CLASSIFY(gamma >= 1, "gamma >= 1");
  const double got = leakage_share_upper(L, k, gamma);
  const cpp_rational want = exact_share_bound(L, k, gamma);
  RC_ASSERT(relatively_close(got, want, 5 * kU));
  if (k == L || p == 0) RC_ASSERT(got == 0.0);
  RC_ASSERT(got >= 0.0);
  RC_ASSERT(got < 1.0);
}

// Item 3's gamma_lambda = lambda k_i / ((1 - lambda)(L - k_i)) against the
// exact rational value, lambda = p/q in (0, 1), within 5u relative; +inf when
// k_i = L (nothing is off the support).
RC_GTEST_PROP(Corollary0Leakage, GammaForLeakageMatchesExactRationalFormula, ()) {
  const std::size_t L = uniform_size(2, 1000000);
  const std::size_t k = *rc::gen::oneOf(rc::gen::just<std::size_t>(1), rc::gen::just(L), rc::gen::just<std::size_t>(uniform_size(1, L)));
  const std::size_t q = uniform_size(2, 1000000);
  const std::size_t p = uniform_size(1, q - 1);
  const double lambda = static_cast<double>(p) / static_cast<double>(q);
  RC_CLASSIFY(k == L, "k_i == L");
  const double got = gamma_for_leakage_upper(L, k, lambda);
  if (k == L) {
    RC_ASSERT(got == kInf);
    return;
  }
  RC_ASSERT(relatively_close(got, exact_gamma_for(L, k, lambda), 5 * kU));
}

// Item 2 holds: a row-stochastic M built to (eps, gamma)-approximate a random
// target row - support entries A_ij * e^{f_j} with f_j in [-0.49 eps, 0.49 eps]
// (R1 with a margin that absorbs the rounding of exp and of the product; R1 is
// not used by item 2 anyway), off-support entries gamma * min_support * v_j,
// v_j in (0, 1], checked to satisfy R2 exactly in rationals (nudged down one
// ulp at a time when rounding put one above) - leaks at most x/(1+x), exactly,
// and at most leakage_share_upper(L, k_i, gamma) (1 + 5u); also o_i <= x_i s_i.
// M is the exact normalisation m / sum(m), so its shares are rationals.
RC_GTEST_PROP(Corollary0Leakage, BoundHoldsForConstructedApproximations, ()) {
  const std::size_t L = *rc::gen::inRange<std::size_t>(2, 201);
  const std::size_t k = *rc::gen::inRange<std::size_t>(1, L + 1);
  const double eps = *gen_real(1e-3, 2.0);
  const double gamma = *gen_real(1e-6, 0.999);
  const double rho = *gen_real(0.0, 5.0);
  RC_CLASSIFY(k == L, "k_i == L");
  RC_CLASSIFY(k == 1, "k_i == 1");

  std::vector<std::size_t> cols(L);
  std::iota(cols.begin(), cols.end(), std::size_t{0});
  for (std::size_t t = 0; t < k; ++t) std::swap(cols[t], cols[*rc::gen::inRange<std::size_t>(t, L)]);
  std::vector<bool> on(L, false);
  for (std::size_t t = 0; t < k; ++t) on[cols[t]] = true;

  std::vector<double> m(L, 0.0);
  double min_on = kInf;
  for (std::size_t j = 0; j < L; ++j)
    if (on[j]) {
      const double A_ij = std::exp(rho * *gen_real(0, 1));
      m[j] = A_ij * std::exp(*gen_real(-0.49 * eps, 0.49 * eps));
      min_on = std::min(min_on, m[j]);
    }
  const cpp_rational r2_cap = cpp_rational(exact(gamma) * exact(min_on));
  cpp_rational s = 0, o = 0;
  for (std::size_t j = 0; j < L; ++j) {
    if (on[j]) {
      s += exact(m[j]);
      continue;
    }
    m[j] = gamma * min_on * *gen_real(1e-6, 1.0);
    while (exact(m[j]) > r2_cap) m[j] = std::nextafter(m[j], 0.0);  // R2 exactly
    RC_ASSERT(m[j] > 0);
    o += exact(m[j]);
  }
  const cpp_rational total = cpp_rational(s + o);
  const cpp_rational share = cpp_rational(o / total);
  const cpp_rational x = cpp_rational(cpp_rational(cpp_rational(L - k) * exact(gamma)) / cpp_rational(k));
  RC_ASSERT(o <= cpp_rational(x * s));
  RC_ASSERT(share <= exact_share_bound(L, k, gamma));
  RC_ASSERT(share <= cpp_rational(exact(leakage_share_upper(L, k, gamma)) * cpp_rational(1 + exact(5 * kU))));
}

// Tightness: a row constant on its support (all support entries 1) with every
// off-support entry exactly gamma (R1 error 0, R2 with equality) leaks exactly
// x/(1+x) - equality in rationals - and the code's bound is that value within
// 5u.
RC_GTEST_PROP(Corollary0Leakage, TightCaseAttainsTheBound, ()) {
  const std::size_t L = uniform_size(2, 100000);
  const std::size_t k = uniform_size(1, L - 1);
  const double gamma = *gen_real(1e-9, 0.999999);
  const cpp_rational s = cpp_rational(k);                           // k entries equal to 1
  const cpp_rational o = cpp_rational(cpp_rational(L - k) * exact(gamma));  // L - k entries equal to gamma
  const cpp_rational share = cpp_rational(o / cpp_rational(s + o));
  RC_ASSERT(share == exact_share_bound(L, k, gamma));
  RC_ASSERT(relatively_close(leakage_share_upper(L, k, gamma), share, 5 * kU));
}

// Item 3, inverse relation: at gamma = gamma_for_leakage_upper(L, k_i, lambda)
// the share bound equals lambda, within 9u relative (file comment); the exact
// bound at the code's gamma is within 5u of lambda (the code's gamma is within
// 4u of gamma_lambda, the share's sensitivity is <= 1).
RC_GTEST_PROP(Corollary0Leakage, GammaForLeakageInvertsTheShareBound, ()) {
  const std::size_t L = uniform_size(2, 1000000);
  const std::size_t k = uniform_size(1, L - 1);
  const double lambda = *gen_real(1e-6, 1 - 1e-6);
  const double gamma = gamma_for_leakage_upper(L, k, lambda);
  RC_CLASSIFY(gamma >= 1, "gamma_lambda >= 1 (lambda is loose)");
  RC_ASSERT(relatively_close(leakage_share_upper(L, k, gamma), exact(lambda), 9 * kU));
  RC_ASSERT(relatively_close(lambda, exact_share_bound(L, k, gamma), 5 * kU));
}

// The honest reading of the proof page: L = 1024, k_i = 4, gamma = 0.1 gives
// x = 25.5 and a possible leakage of 25.5/26.5 = 51/53 (about 96%); with
// gamma = 1/10 as a double the exact value is 51/53 up to gamma's own
// rounding (relative 2^-54), so 5u + 2^-53 relative.
TEST(Corollary0Leakage, HonestReadingExample) {
  const double got = leakage_share_upper(1024, 4, 0.1);
  EXPECT_TRUE(relatively_close(got, cpp_rational(51, 53), 6 * kU)) << got;
  EXPECT_NEAR(got, 0.9622641509433962, 2e-16);
  // To leak at most 1% instead: gamma_lambda = 0.01 * 4 / (0.99 * 1020) = 4 / 100980.
  EXPECT_TRUE(relatively_close(gamma_for_leakage_upper(1024, 4, 0.01), cpp_rational(4, 100980), 8 * kU));
}

// Item 2 for any finite gamma >= 0 (the bound is uninformative, but it must
// still be a bound): when (L - k_i) gamma overflows a double, x/(1+x) is
// still the exact value rounded (1.0), not NaN (inf/inf).
TEST(Corollary0Leakage, HugeGammaStillGivesABound) {
  const double dmax = std::numeric_limits<double>::max();
  for (double gamma : {1e300, dmax}) {
    const double got = leakage_share_upper(1000, 1, gamma);
    ASSERT_TRUE(std::isfinite(got)) << gamma << ": " << got;
    EXPECT_TRUE(relatively_close(got, exact_share_bound(1000, 1, gamma), 5 * kU)) << gamma << ": " << got;
    EXPECT_LE(got, 1.0);
  }
}

// Item 3's remark: when k_i = L nothing is off the support: the share bound
// is 0 for every gamma (even gamma > 1) and the admissible gamma is +inf.
TEST(Corollary0Leakage, FullRowLeaksNothing) {
  for (std::size_t L : {2u, 3u, 1000u}) {
    EXPECT_EQ(leakage_share_upper(L, L, 0.5), 0.0);
    EXPECT_EQ(leakage_share_upper(L, L, 7.0), 0.0);
    EXPECT_EQ(gamma_for_leakage_upper(L, L, 0.25), kInf);
  }
}

// Preconditions: L >= 2, 1 <= k_i <= L, gamma finite and >= 0, lambda in (0, 1).
TEST(Corollary0Leakage, BadArgumentsThrow) {
  EXPECT_THAT(input_error_message([] { leakage_share_upper(1, 1, 0.5); }), HasSubstr("L >= 2"));
  EXPECT_THAT(input_error_message([] { leakage_share_upper(5, 0, 0.5); }), HasSubstr("k_i = 0"));
  EXPECT_THAT(input_error_message([] { leakage_share_upper(5, 6, 0.5); }), HasSubstr("k_i = 6"));
  for (double gamma : {-0.5, kNaN, kInf, -kInf})
    EXPECT_THAT(input_error_message([gamma] { leakage_share_upper(5, 2, gamma); }), HasSubstr("gamma")) << gamma;
  EXPECT_THAT(input_error_message([] { gamma_for_leakage_upper(1, 1, 0.5); }), HasSubstr("L >= 2"));
  EXPECT_THAT(input_error_message([] { gamma_for_leakage_upper(5, 0, 0.5); }), HasSubstr("k_i = 0"));
  EXPECT_THAT(input_error_message([] { gamma_for_leakage_upper(5, 9, 0.5); }), HasSubstr("k_i = 9"));
  for (double lambda : {0.0, 1.0, -0.5, 1.5, kNaN, kInf})
    EXPECT_THAT(input_error_message([lambda] { gamma_for_leakage_upper(5, 2, lambda); }), HasSubstr("lambda")) << lambda;
}

}  // namespace
