// Checks Theorem 1 (one target, one draw) and the construction that realises
// it: proofs/theorem1-one-target.md.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <boost/multiprecision/mpfr.hpp>

#include <cmath>
#include <cstring>
#include <vector>

#include "jlattn/pipeline/construction.hpp"
#include "jlattn/core/errors.hpp"
#include "jlattn/proof/lemma1_log_transform.hpp"
#include "jlattn/proof/lemma2_score_error.hpp"
#include "jlattn/proof/lemma4_adaptive_input.hpp"
#include "jlattn/proof/theorem1_one_target.hpp"
#include "support/generators.hpp"

namespace jlattn {
namespace {

using Big = boost::multiprecision::number<boost::multiprecision::mpfr_float_backend<200>>;

// d* by the formula of Theorem 1 in 200-bit arithmetic, from the same double
// inputs: the independent oracle for the double-precision evaluation.
double d_star_oracle(std::size_t L, double tau, double delta) {
  const Big t(tau);
  const Big Lb(static_cast<double>(L));
  const Big value = Big(2 * log(Big(4 * Lb * Lb / Big(delta)))) / Big(t * t / 2 - t * t * t / 3);
  return static_cast<double>(Big(ceil(value)));
}

// Claim: d_star_theorem1 computes ceil(2 ln(4 L^2 / delta) / (tau^2/2 - tau^3/3)).
// Double rounding may move the ceil by one only when the exact quotient is
// within about 1e-12 (relative) of an integer; such cases are counted, not hidden.
RC_GTEST_PROP(Theorem1OneTarget, DStarMatchesHighPrecisionFormula, ()) {
  const auto L = *rc::gen::inRange<std::size_t>(2, 1u << 20);
  const double tau = (*rc::gen::inRange(1, 100000)) / 200000.0;  // (0, 1/2)
  const double delta = (*rc::gen::inRange(1, 100000)) / 100000.0;
  const double expected = d_star_oracle(L, tau, delta);
  const auto got = static_cast<double>(d_star_theorem1(L, tau, delta));
  const bool near_integer = std::abs(got - expected) == 1.0;
  RC_CLASSIFY(near_integer, "quotient within rounding of an integer");
  RC_ASSERT(got == expected || (near_integer && std::abs(expected - std::round(expected)) < 1e-9 * expected + 1));
}

// Claim: tau = eta / beta < 1/2 always, since beta >= Delta > eps = 2 eta.
RC_GTEST_PROP(Theorem1OneTarget, TauIsBelowOneHalf, ()) {
  const double eps = (*rc::gen::inRange(1, 4000)) / 1000.0;
  const double gamma = (*rc::gen::inRange(1, 999)) / 1000.0;
  const auto k = *rc::gen::inRange<std::size_t>(1, 64);
  const double rho = (*rc::gen::inRange(0, 5000)) / 1000.0;
  const ScoreErrorBudget budget = score_error_budget(eps, gamma);
  const double tau = tau_theorem1(budget.eta, beta_sharp(k, budget.gap_Delta, rho));
  RC_ASSERT(tau > 0.0);
  RC_ASSERT(tau < 0.5);
}

// Bad parameters are refused, never turned into a meaningless dimension.
TEST(Theorem1OneTarget, RejectsParametersOutsideTheTheorem) {
  EXPECT_THROW(d_star_theorem1(1, 0.1, 0.05), InputError);
  EXPECT_THROW(d_star_theorem1(64, 0.0, 0.05), InputError);
  EXPECT_THROW(d_star_theorem1(64, 1.0, 0.05), InputError);
  EXPECT_THROW(d_star_theorem1(64, 0.1, 0.0), InputError);
  EXPECT_THROW(d_star_theorem1(64, 0.1, 1.0), InputError);
  EXPECT_THROW(d_star_theorem1(64, 1e-9, 0.05), InputError);  // beyond 2^53
  EXPECT_THROW(tau_theorem1(0.5, 0.9), InputError);           // beta <= 2 eta cannot come from Lemma 1
}

// A known answer computed by hand for the demo target's class (L = 64, k = 4,
// rho = ln 4, eps = 1, gamma = 0.1, delta = 0.05):
//   Delta = ln 10 + 1 = 3.302585..., beta = sqrt(Delta^2 + 3 (Delta + ln 4)^2) = 8.76720...,
//   tau = 0.5 / beta = 0.0570307..., tau^2/2 - tau^3/3 = 0.00156448...,
//   2 ln(4 * 64^2 / 0.05) = 25.40...  ->  d* = 16236.
TEST(Theorem1OneTarget, DemoClassKnownAnswer) {
  const ScoreErrorBudget budget = score_error_budget(1.0, 0.1);
  const double tau = tau_theorem1(budget.eta, beta_sharp(4, budget.gap_Delta, std::log(4.0)));
  EXPECT_NEAR(tau, 0.0570307, 1e-7);
  EXPECT_EQ(d_star_theorem1(64, tau, 0.05), 16236u);
  EXPECT_EQ(d_star_oracle(64, tau, 0.05), 16236.0);
}

struct Setting {
  double eps, gamma;
  Projection projection;
};

// The central property of Theorem 1: at d = d* the
// constructed attention (eps, gamma)-approximates the target, for random
// sparse targets (L <= 64, per-row k_i in 1..4, range up to ln 4, sometimes a
// global column), (eps, gamma) in {(1, 0.1), (0.5, 0.1)} and all three
// projections. delta = 1e-6 here: by Theorem 1 a correct implementation
// fails a case with probability at most 1e-6, so the whole property (600
// cases with the default RC_PARAMS) fails spuriously with probability below
// 1e-3 (and the seed is fixed in ctest, so a run is reproducible). Lemma 2's
// hypothesis max |S - B| <= eta is asserted too, since that is the event the
// union bound controls.
RC_GTEST_PROP(Theorem1OneTarget, ConstructionAtDStarApproximatesTarget, ()) {
  const auto drawn = *testing::gen_target({.min_L = 2, .max_L = 64, .max_k = 4});
  const auto setting = *rc::gen::elementOf(std::vector<Setting>{
      {1.0, 0.1, Projection::gaussian},  {1.0, 0.1, Projection::rademacher},  {1.0, 0.1, Projection::achlioptas},
      {0.5, 0.1, Projection::gaussian},  {0.5, 0.1, Projection::rademacher},  {0.5, 0.1, Projection::achlioptas}});
  ConstructionParameters parameters;
  parameters.eps = setting.eps;
  parameters.gamma = setting.gamma;
  parameters.delta = 1e-6;
  parameters.projection = setting.projection;
  parameters.bound = BoundChoice::d_star;
  parameters.seed = *rc::gen::arbitrary<std::uint64_t>();
  RC_CLASSIFY(drawn.has_global_column, "global column");
  RC_CLASSIFY(drawn.A.k() == 1, "k = 1");
  RC_TAG(to_string(setting.projection));

  const Construction c = construct(drawn.A, parameters);
  RC_ASSERT(c.d == c.d_star);  // the rigorous d* (with rho rounded up) is the double evaluation here
  RC_ASSERT(c.max_score_error <= c.budget.eta);
  RC_ASSERT(c.evaluation.approximates());
  RC_ASSERT(!c.evaluation.witness.has_value());
}

// The same at the default dimension: the smallest proved bound valid for the
// projection (d_pair for Gaussian R, d_polar or d*_u otherwise; rigorous_bounds.hpp),
// again with delta = 1e-6. Lemma 2's entrywise hypothesis is asserted only for
// the bounds whose proof goes through it (Theorem 1' bounds score differences).
RC_GTEST_PROP(Theorem1OneTarget, ConstructionAtSmallestValidBoundApproximatesTarget, ()) {
  const auto drawn = *testing::gen_target({.min_L = 2, .max_L = 32, .max_k = 4});
  const auto setting = *rc::gen::elementOf(std::vector<Setting>{
      {1.0, 0.1, Projection::gaussian}, {1.0, 0.1, Projection::rademacher}, {0.5, 0.1, Projection::achlioptas}});
  ConstructionParameters parameters;
  parameters.eps = setting.eps;
  parameters.gamma = setting.gamma;
  parameters.delta = 1e-6;
  parameters.projection = setting.projection;
  parameters.seed = *rc::gen::arbitrary<std::uint64_t>();
  const Construction c = construct(drawn.A, parameters);
  RC_TAG(to_string(setting.projection), c.bound_name);
  RC_ASSERT(c.d <= c.d_star);
  if (c.bound_theorem != "Theorem 1'") RC_ASSERT(c.max_score_error <= c.budget.eta);
  RC_ASSERT(c.evaluation.approximates());
}

// The evaluation is not a rubber stamp: far below d* (d = 4, L = 64) the
// construction fails for most seeds, and each failure comes with a witness
// that really violates the named condition (recomputed here from the dense
// scores and the definition).
TEST(Theorem1OneTarget, EvaluationFailsFarBelowDStarWithAWitness) {
  const Target A = window_global_target(64, 2106037642);
  int failures = 0;
  constexpr int seeds = 20;
  for (int s = 0; s < seeds; ++s) {
    ConstructionParameters parameters;
    parameters.rule = DimensionRule::given;
    parameters.d = 4;
    parameters.seed = static_cast<std::uint64_t>(s);
    const Construction c = construct(A, parameters);
    if (c.evaluation.approximates()) continue;
    ++failures;
    ASSERT_TRUE(c.evaluation.witness.has_value());
    const Witness w = *c.evaluation.witness;
    const Matrix S = scores(c.X, query_weights(c.d), key_weights(c.d));
    const auto Si = [&](std::size_t j) { return S(static_cast<Eigen::Index>(w.i), static_cast<Eigen::Index>(j)); };
    ASSERT_TRUE(A.in_support(w.i, w.j_prime));
    if (w.condition == Condition::R1) {
      ASSERT_TRUE(A.in_support(w.i, w.j));
      const double ratio_error = std::abs((Si(w.j) - Si(w.j_prime)) - std::log(A.value(w.i, w.j) / A.value(w.i, w.j_prime)));
      EXPECT_GT(ratio_error, parameters.eps);
      EXPECT_NEAR(ratio_error - parameters.eps, w.excess, 1e-9);
    } else {
      ASSERT_FALSE(A.in_support(w.i, w.j));
      EXPECT_GT(Si(w.j) - Si(w.j_prime), std::log(parameters.gamma));
    }
  }
  EXPECT_GE(failures, seeds * 3 / 4) << "d = 4 should fail for most seeds";
}

// The trivial baseline d = L: X = [B | I], so S = B exactly and the
// approximation holds for every (eps, gamma) up to the rounding of B.
TEST(Theorem1OneTarget, TrivialBaselineReproducesBExactly) {
  const Target A = window_global_target(24, 5);
  ConstructionParameters parameters;
  parameters.rule = DimensionRule::trivial;
  const Construction c = construct(A, parameters);
  ASSERT_EQ(c.d, A.L());
  const Matrix S = scores(c.X, query_weights(c.d), key_weights(c.d));
  const Matrix B = log_transform(A, c.budget.gap_Delta).dense();
  EXPECT_EQ(std::memcmp(S.data(), B.data(), sizeof(double) * static_cast<std::size_t>(S.size())), 0);
  EXPECT_TRUE(c.evaluation.approximates());
  EXPECT_LT(c.evaluation.eps_hat, 1e-14);
}

// Same seed, same bits; another seed, other bits; thread count irrelevant.
TEST(Theorem1OneTarget, ConstructionIsReproducible) {
  const Target A = window_global_target(32, 1);
  ConstructionParameters parameters;
  parameters.rule = DimensionRule::given;
  parameters.d = 257;
  ResourcePolicy one, two;
  one.threads = 1;
  two.threads = 2;
  const Construction a = construct(A, parameters, one);
  const Construction b = construct(A, parameters, two);
  parameters.seed += 1;
  const Construction other = construct(A, parameters, two);
  const auto bytes = sizeof(double) * static_cast<std::size_t>(a.X.size());
  EXPECT_EQ(std::memcmp(a.X.data(), b.X.data(), bytes), 0);
  EXPECT_NE(std::memcmp(a.X.data(), other.X.data(), bytes), 0);
}

// A d whose matrices would not fit is refused before allocating, with the figure.
TEST(Theorem1OneTarget, RefusesDimensionsThatDoNotFitInMemory) {
  const Target A = window_global_target(64, 1);
  ConstructionParameters parameters;
  parameters.rule = DimensionRule::given;
  parameters.d = 4000000000u;
  try {
    construct(A, parameters);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("needs about"), std::string::npos) << e.what();
  }
  parameters.d = 1000;
  ResourcePolicy policy;
  policy.max_memory_bytes = 1 << 20;
  EXPECT_THROW(construct(A, parameters, policy), InputError);
}

// The demo target is what `jlattn demo` promises: window of width 3 plus a
// global column, weights in {1..4}, rho = ln 4 exactly.
TEST(Theorem1OneTarget, DemoTargetHasTheAdvertisedShape) {
  const Target A = window_global_target(64, 2106037642);
  EXPECT_EQ(A.L(), 64u);
  EXPECT_EQ(A.k(), 4u);
  EXPECT_EQ(A.column_count(0), 64u);
  EXPECT_EQ(A.rho(), std::log(4.0));
  for (std::size_t i = 0; i < 64; ++i)
    for (std::size_t j = 0; j < 64; ++j) {
      const bool expected = j == 0 || (j + 1 >= i && j <= i + 1);
      EXPECT_EQ(A.in_support(i, j), expected) << i << "," << j;
      if (expected) {
        EXPECT_GE(A.value(i, j), 1.0);
        EXPECT_LE(A.value(i, j), 4.0);
      }
    }
}

}  // namespace
}  // namespace jlattn

namespace jlattn {
namespace {

// FNV-1a over the IEEE bit patterns of X, each taken little-endian, so the
// value does not depend on the host's byte order.
std::uint64_t fnv1a_bits(const Matrix& X) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (Eigen::Index n = 0; n < X.size(); ++n) {
    std::uint64_t bits;
    std::memcpy(&bits, X.data() + n, sizeof bits);
    for (int b = 0; b < 8; ++b) {
      h ^= (bits >> (8 * b)) & 0xffu;
      h *= 0x100000001b3ull;
    }
  }
  return h;
}

// Frozen regression values (docs/reproducibility.md): the demo's construction
// (L = 64, eps = 1, gamma = 0.1, delta = 0.05, Gaussian, seed 2106037642)
// at its default dimension, the smallest proved bound valid for Gaussian R
// (Theorem 1' d_pair = 6387), and at Theorem 1's d* = 16236 (--bound dstar),
// with these checksums of X. Both were produced by this code and reproduced bit
// for bit by tools/reference_random.py (--demo for the default, run by ctest as
// reference_random_python; --demo-dstar for d*), an independent Python
// re-implementation of the whole recipe that computes d from the formulas
// itself; the two d are also checked against mpmath (tools/crosscheck_bounds.py)
// and the 200-bit oracle (DemoClassKnownAnswer), and Lemma 4's identities in
// exact rationals (lemma4_adaptive_input_test). Both checksums were frozen
// again when Lemma 2's gap became ln(1/gamma) + eps rounded up to a double
// (it had been the nearest double, here 1 ulp below the real gap), which moved
// B and so X; the Python re-implementation reproduced the new values. A change
// here means the recipe changed, which changes every user's output for a seed.
TEST(Theorem1OneTarget, FrozenDemoInputChecksum) {
  ConstructionParameters demo_default;  // `jlattn demo`'s default dimension rule
  demo_default.bound = BoundChoice::smallest_theorems_1_and_2;
  const Construction c = construct(window_global_target(64, 2106037642), demo_default);
  EXPECT_EQ(c.d, 6387u);
  EXPECT_EQ(c.bound_name, "d_pair");
  EXPECT_EQ(fnv1a_bits(c.X), 0x8f0cbfaada9f5331ull) << std::hex << fnv1a_bits(c.X);
  ConstructionParameters dstar;
  dstar.bound = BoundChoice::d_star;
  const Construction s = construct(window_global_target(64, 2106037642), dstar);
  EXPECT_EQ(s.d, 16236u);
  EXPECT_EQ(fnv1a_bits(s.X), 0xc68fbf671a289f91ull) << std::hex << fnv1a_bits(s.X);
}

}  // namespace
}  // namespace jlattn
