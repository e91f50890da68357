// Checks Theorem 2 (one draw for all targets): proofs/theorem2-all-targets.md.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <boost/multiprecision/mpfr.hpp>

#include <cmath>

#include "jlattn/definition2_approximation.hpp"
#include "jlattn/errors.hpp"
#include "jlattn/lemma1_log_transform.hpp"
#include "jlattn/lemma2_score_error.hpp"
#include "jlattn/lemma3_jl_projection.hpp"
#include "jlattn/lemma4_adaptive_input.hpp"
#include "jlattn/theorem2_all_targets.hpp"
#include "support/exact.hpp"
#include "support/generators.hpp"

namespace jlattn {
namespace {

using Big = boost::multiprecision::number<boost::multiprecision::mpfr_float_backend<200>>;
using testing::Rational;
using testing::RationalMatrix;

Rational magnitude(const Rational& x) { return x < 0 ? Rational(-x) : x; }

// Claim: d_star_u_theorem2 computes ceil(2 ln(2 L^2 / delta) / (tau_u^2/2 - tau_u^3/3)),
// checked against 200-bit arithmetic (a ceil off by one only next to an integer).
RC_GTEST_PROP(Theorem2AllTargets, DStarUMatchesHighPrecisionFormula, ()) {
  const auto L = *rc::gen::inRange<std::size_t>(2, 1u << 20);
  const double tau_u = (*rc::gen::inRange(1, 100000)) / 200000.0;
  const double delta = (*rc::gen::inRange(1, 100000)) / 100000.0;
  const Big t(tau_u), Lb(static_cast<double>(L));
  const double expected =
      static_cast<double>(Big(ceil(Big(2 * log(Big(2 * Lb * Lb / Big(delta)))) / Big(t * t / 2 - t * t * t / 3))));
  const auto got = static_cast<double>(d_star_u_theorem2(L, tau_u, delta));
  RC_CLASSIFY(got != expected, "quotient within rounding of an integer");
  RC_ASSERT(std::abs(got - expected) <= (got == expected ? 0.0 : 1.0));
}

// Claim: tau_u = eta / (k Delta + (k-1) rho), and it is at most Theorem 1's
// tau for the same class (the l1 bound is at least the l2 bound).
TEST(Theorem2AllTargets, TauUIsEtaOverTheL1Bound) {
  const ScoreErrorBudget b = score_error_budget(1.0, 0.1);
  EXPECT_DOUBLE_EQ(tau_u_theorem2(b.eta, 4, b.gap_Delta, std::log(4.0)),
                   0.5 / (4 * b.gap_Delta + 3 * std::log(4.0)));
  for (std::size_t k = 1; k <= 16; ++k)
    EXPECT_LE(tau_u_theorem2(b.eta, k, b.gap_Delta, 1.0), b.eta / beta_sharp(k, b.gap_Delta, 1.0) * (1 + 1e-15));
  EXPECT_THROW(tau_u_theorem2(0.0, 1, 3.0, 0.0), InputError);
  EXPECT_THROW(tau_u_theorem2(0.5, 0, 3.0, 0.0), InputError);
  EXPECT_THROW(d_star_u_theorem2(64, 0.1, 1.5), InputError);
}

// Claim: coherence_mu is max |(R R^T - I)_lj|, compared with the exact
// rational value of the same doubles (tolerance: the dot-product rounding bound).
RC_GTEST_PROP(Theorem2AllTargets, CoherenceMuMatchesExactValue, ()) {
  const auto L = *rc::gen::inRange<std::size_t>(1, 9);
  const auto d = *rc::gen::inRange<std::size_t>(1, 9);
  const Matrix R = projection_matrix(Projection::gaussian, L, d, *rc::gen::arbitrary<std::uint64_t>());
  const RationalMatrix Rq = testing::to_rational(R);
  const RationalMatrix G = testing::multiply(Rq, testing::transpose(Rq));
  Rational mu = 0, slack = 0;
  for (std::size_t l = 0; l < L; ++l)
    for (std::size_t j = 0; j < L; ++j) {
      const Rational dev = magnitude(Rational(G(l, j) - Rational(l == j ? 1 : 0)));
      if (dev > mu) mu = dev;
      Rational abs_dot = 0;
      for (std::size_t c = 0; c < d; ++c) abs_dot += magnitude(Rq(l, c)) * magnitude(Rq(j, c));
      const Rational bound = testing::dot_error_bound(d, abs_dot);
      if (bound > slack) slack = bound;
    }
  // One more rounding for the subtraction of 1 on the diagonal.
  const double got = coherence_mu(R);
  RC_ASSERT(magnitude(Rational(Rational(got) - mu)) <= Rational(slack + Rational(got) * Rational(1e-15) + Rational(1e-300)));
}

// Claim (the deterministic core of Theorem 2): for any R,
// |S_ij - B_ij| <= mu(R) ||b_i||_1 where S = B R R^T, in exact arithmetic on
// the doubles B and R (no rounding anywhere in the check).
RC_GTEST_PROP(Theorem2AllTargets, ScoreErrorIsAtMostMuTimesL1Norm, ()) {
  const auto drawn = *testing::gen_target({.min_L = 2, .max_L = 6, .max_k = 3});
  const Target& A = drawn.A;
  const auto d = *rc::gen::inRange<std::size_t>(1, 6);
  const Matrix R = projection_matrix(Projection::rademacher, A.L(), d, *rc::gen::arbitrary<std::uint64_t>());
  const LogTransform B = log_transform(A, 2.0);
  const RationalMatrix Rq = testing::to_rational(R);
  const RationalMatrix Bq = testing::to_rational(B.dense());
  const RationalMatrix G = testing::multiply(Rq, testing::transpose(Rq));
  const RationalMatrix S = testing::multiply(Bq, G);
  Rational mu = 0;
  for (std::size_t l = 0; l < A.L(); ++l)
    for (std::size_t j = 0; j < A.L(); ++j) {
      const Rational dev = magnitude(Rational(G(l, j) - Rational(l == j ? 1 : 0)));
      if (dev > mu) mu = dev;
    }
  for (std::size_t i = 0; i < A.L(); ++i) {
    Rational l1 = 0;
    for (std::size_t j = 0; j < A.L(); ++j) l1 += magnitude(Bq(i, j));
    for (std::size_t j = 0; j < A.L(); ++j) RC_ASSERT(magnitude(Rational(S(i, j) - Bq(i, j))) <= Rational(mu * l1));
  }
}

// Theorem 2 end to end: one R drawn at d = d*_u for (L, k, rho) with
// delta = 1e-6 satisfies mu(R) <= tau_u (the checkable condition; by the
// theorem it fails with probability <= 1e-6), and then the same R serves
// random targets of that class: max |S - B| <= eta and the approximation
// holds, with only the block B R of X changing between targets.
TEST(Theorem2AllTargets, OneProjectionServesEveryTargetOfTheClass) {
  constexpr std::size_t L = 12, k = 2;
  const double rho = std::log(4.0);
  const ScoreErrorBudget budget = score_error_budget(1.0, 0.1);
  const double tau_u = tau_u_theorem2(budget.eta, k, budget.gap_Delta, rho);
  const std::size_t d = d_star_u_theorem2(L, tau_u, 1e-6);
  const Matrix R = projection_matrix(Projection::gaussian, L, d, 2106037642);
  const double mu = coherence_mu(R);
  ASSERT_LE(mu, tau_u) << "d*_u = " << d;
  rc::check("every target of the class", [&] {
    const auto drawn = *testing::gen_target({.min_L = L, .max_L = L, .max_k = k, .max_rho = rho});
    const LogTransform B = log_transform(drawn.A, budget.gap_Delta);
    const Matrix X = adaptive_input(B, R);
    RC_ASSERT(max_score_error(lemma4_queries(X), lemma4_keys(X), B) <= budget.eta);
    RC_ASSERT(evaluate_attention(lemma4_queries(X), lemma4_keys(X), drawn.A, 1.0, 0.1).approximates());
  });
}

}  // namespace
}  // namespace jlattn
