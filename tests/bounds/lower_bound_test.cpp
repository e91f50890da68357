// Checks the lower bound d_lower and Lemma 4's norm budget
// (proofs/lower-bound.md):
//   (a) the integer is the ceiling of ln L / ln(1 + 2N/ln(1/gamma)) (an
//       independent 100-digit MPFR evaluation), with 2 for L >= 3, and the
//       Rankin case (no dimension) below ln(1/gamma) sqrt((L-1)/(2L));
//   (b) constructions that do approximate a permutation pattern never beat
//       it: the circle (d = 2) at its norm budget, the regular simplex
//       (d = L - 1), and Lemma 4's own inputs at their measured norms;
//   (c) Lemma 4's norm budget: tau solves its inequality (MPFR) and the norms
//       stay within it with frequency >= 1 - delta_N (Monte Carlo).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <boost/multiprecision/mpfr.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <vector>

#include "jlattn/bounds/lower_bound.hpp"
#include "jlattn/bounds/rigorous_bounds.hpp"
#include "jlattn/core/errors.hpp"
#include "jlattn/proof/definition2_approximation.hpp"
#include "jlattn/proof/lemma1_log_transform.hpp"
#include "jlattn/proof/lemma3_jl_projection.hpp"
#include "support/monte_carlo.hpp"

namespace jlattn {
namespace {

using Big = boost::multiprecision::mpfr_float_100;

// =============================================================================
// (a) The formula.

RC_GTEST_PROP(PackingLowerBound, IsTheCeilingOfTheFormula, ()) {
  const auto L = *rc::gen::inRange<std::uint64_t>(2, 1u << 30);
  const double gamma = std::exp(-0.01 - 20.0 * (*rc::gen::inRange(0, 1001)) / 1000.0);
  const double N = std::exp(-3.0 + 12.0 * (*rc::gen::inRange(0, 1001)) / 1000.0);
  const DimensionLowerBound b = packing_lower_bound(L, gamma, N);
  RC_ASSERT(b.computed);
  const Big kappa = -log(Big(gamma)), NN(N), LL(static_cast<double>(L));
  const bool infeasible = NN < kappa * sqrt(Big((LL - 1) / (2 * LL)));
  RC_ASSERT(b.infeasible == infeasible);
  if (infeasible) return;
  const Big v = log(LL) / log(Big(1 + 2 * NN / kappa));
  RC_ASSERT(Big(b.value.lower) <= v && v <= Big(b.value.upper));
  const std::uint64_t expected = std::max<std::uint64_t>(static_cast<std::uint64_t>(ceil(v)), L >= 3 ? 2 : 1);
  RC_ASSERT(b.d == expected);
}

TEST(PackingLowerBound, KnownValuesAndBadInput) {
  // ln 1024 / ln(1 + 2 * 4 / ln 10) = 4.63..., so 5; at N = 1000 the norm-free 2 wins.
  EXPECT_EQ(packing_lower_bound(1024, 0.1, 4.0).d, 5u);
  EXPECT_EQ(packing_lower_bound(1024, 0.1, 1000.0).d, 2u);
  EXPECT_EQ(packing_lower_bound(2, 0.1, 1000.0).d, 1u);
  EXPECT_TRUE(packing_lower_bound(1024, 0.1, 0.5).infeasible);
  EXPECT_THROW(packing_lower_bound(1, 0.1, 1.0), InputError);
  EXPECT_THROW(packing_lower_bound(10, 1.0, 1.0), InputError);
  EXPECT_THROW(packing_lower_bound(10, 0.1, 0.0), InputError);
  EXPECT_THROW(packing_lower_bound(10, 0.1, INFINITY), InputError);
}

// =============================================================================
// (b) Constructions that work stay above the bound.

/// Whether the scores S (rows: queries) satisfy R2 for the permutation target
/// pi (row i attends to pi[i]) with margin: S_ii' - S_ij >= ln(1/gamma) (1 + 1e-9).
bool r2_holds(const Matrix& S, const std::vector<std::size_t>& pi, double gamma) {
  const double kappa = -std::log(gamma);
  for (Eigen::Index i = 0; i < S.rows(); ++i)
    for (Eigen::Index j = 0; j < S.cols(); ++j)
      if (static_cast<std::size_t>(j) != pi[static_cast<std::size_t>(i)] &&
          S(i, static_cast<Eigen::Index>(pi[static_cast<std::size_t>(i)])) - S(i, j) < kappa * (1 + 1e-9))
        return false;
  return true;
}

// At the norms of given matrices: the packing bound at their product (and
// the source recorded); zero norms (every score 0) serve no pattern in any
// dimension; norms without a finite bound give no statement, not a guess.
TEST(PackingLowerBound, AtNormsOfGivenMatrices) {
  for (const double N : {0.5, 4.1, 1e3}) {
    const DimensionLowerBound at = packing_lower_bound_at_norms(1024, 0.1, N, "these matrices");
    const DimensionLowerBound ref = packing_lower_bound(1024, 0.1, N);
    EXPECT_TRUE(at.computed);
    EXPECT_EQ(at.d, ref.d) << N;
    EXPECT_EQ(at.infeasible, ref.infeasible) << N;
    EXPECT_EQ(at.source, "these matrices");
  }
  const DimensionLowerBound zero = packing_lower_bound_at_norms(16, 0.1, 0.0, "zero");
  EXPECT_TRUE(zero.computed);
  EXPECT_TRUE(zero.infeasible);
  for (const double bad : {std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN(), -1.0}) {
    const DimensionLowerBound none = packing_lower_bound_at_norms(16, 0.1, bad, "overflow");
    EXPECT_FALSE(none.computed) << bad;
    EXPECT_EQ(none.method, "not computed: no finite bound on the norms");
  }
  EXPECT_THROW(packing_lower_bound_at_norms(1, 0.1, 1.0, "L = 1"), InputError);
  EXPECT_THROW(packing_lower_bound_at_norms(16, 1.0, 1.0, "gamma = 1"), InputError);
}

// Lemma 4, Proposition 4.1: keys on the unit circle, queries sigma times a
// key, sigma = kappa / (2 sin^2(pi/L)). It works in d = 2, and the bound at
// its budget N = sigma (raised by 1e-6 against rounding) is 2.
TEST(PackingLowerBound, TheCircleConstructionMeetsIt) {
  const double gamma = 0.1, kappa = std::log(10.0);
  for (std::size_t L : {3u, 4u, 7u, 16u, 100u, 1000u}) {
    const double sigma = kappa / (2 * std::pow(std::sin(std::numbers::pi / static_cast<double>(L)), 2)) * (1 + 1e-6);
    std::vector<std::size_t> pi(L);
    for (std::size_t i = 0; i < L; ++i) pi[i] = (i * 3 + 1) % L;  // a bijection unless 3 | L; fine as a map
    Matrix K(static_cast<Eigen::Index>(L), 2), Q(static_cast<Eigen::Index>(L), 2);
    for (std::size_t j = 0; j < L; ++j) {
      const double a = 2 * std::numbers::pi * static_cast<double>(j) / static_cast<double>(L);
      K(static_cast<Eigen::Index>(j), 0) = std::cos(a);
      K(static_cast<Eigen::Index>(j), 1) = std::sin(a);
    }
    for (std::size_t i = 0; i < L; ++i) Q.row(static_cast<Eigen::Index>(i)) = sigma * K.row(static_cast<Eigen::Index>(pi[i]));
    ASSERT_TRUE(r2_holds(Q * K.transpose(), pi, gamma)) << "L = " << L;
    const DimensionLowerBound b = packing_lower_bound(L, gamma, sigma * 1.0);
    EXPECT_FALSE(b.infeasible);
    EXPECT_LE(b.d, 2u) << "L = " << L;
    EXPECT_EQ(b.d, 2u) << "L = " << L;  // the norm-free bound, attained
  }
}

// The regular simplex: keys the L vertices (norm 1, pairwise cosine -1/(L-1)),
// queries kappa (L-1)/L times a vertex. It works in d = L - 1 at N = kappa (L-1)/L;
// the bound there is at most L - 1 and the Rankin threshold lies below that N.
TEST(PackingLowerBound, TheSimplexConstructionMeetsIt) {
  const double gamma = 0.05, kappa = std::log(20.0);
  for (std::size_t L : {3u, 5u, 12u, 40u}) {
    // Vertices: e_i - (1/L) 1 in R^L, normalised (they span an (L-1)-dimensional space).
    Matrix V = Matrix::Identity(static_cast<Eigen::Index>(L), static_cast<Eigen::Index>(L)).array() - 1.0 / static_cast<double>(L);
    V.rowwise().normalize();
    const double N = kappa * static_cast<double>(L - 1) / static_cast<double>(L) * (1 + 1e-6);
    std::vector<std::size_t> pi(L);
    for (std::size_t i = 0; i < L; ++i) pi[i] = i;
    const Matrix S = (N * V) * V.transpose();
    ASSERT_TRUE(r2_holds(S, pi, gamma)) << "L = " << L;
    const DimensionLowerBound b = packing_lower_bound(L, gamma, N);
    EXPECT_FALSE(b.infeasible);
    EXPECT_LE(b.d, L - 1) << "L = " << L;
    EXPECT_TRUE(packing_lower_bound(L, gamma, kappa * std::sqrt((L - 1.0) / (2.0 * L)) * (1 - 1e-9)).infeasible);
  }
}

// Lemma 4's construction for a permutation target, at dimensions where it
// happens to satisfy R2: the measured norm product N gives d_lower(N) <= d.
TEST(PackingLowerBound, Lemma4InstancesAtTheirNormsRespectIt) {
  const double eps = 1.0, gamma = 0.1;
  const std::size_t L = 64;
  std::vector<TargetEntry> entries;
  std::vector<std::size_t> pi(L);
  for (std::size_t i = 0; i < L; ++i) {
    pi[i] = (i * 5 + 3) % L;
    entries.push_back({i, pi[i], 1.0});
  }
  const Target A = Target::from_entries(L, std::move(entries));
  const Matrix B = log_transform(A, eps - std::log(gamma)).dense();
  int served = 0;
  for (std::size_t d : {16u, 64u, 256u, 384u, 512u, 768u})
    for (std::uint64_t seed = 0; seed < 4; ++seed) {
      const Matrix R = projection_matrix(Projection::gaussian, L, d, 4100 + seed, 1);
      const Matrix Q = B * R;
      const Matrix S = Q * R.transpose();
      if (!r2_holds(S, pi, gamma)) continue;
      ++served;
      const double N = Q.rowwise().norm().maxCoeff() * R.rowwise().norm().maxCoeff();
      EXPECT_LE(packing_lower_bound(L, gamma, N * (1 + 1e-12)).d, d) << "d = " << d;
    }
  EXPECT_GE(served, 8);  // the check saw working instances
}

// =============================================================================
// (c) Lemma 4's norm budget.

TEST(NormBudget, TauSolvesItsInequalityAndIsNearlyTheSmallest) {
  for (const auto& [L, d, delta] : {std::tuple{64u, 300u, 0.05}, std::tuple{1024u, 792u, 0.05}, std::tuple{8u, 20u, 0.5}}) {
    const NormBudget n = lemma4_norm_budget(L, {3.0, 3.0}, d, delta);
    const auto lhs = [&](double tau) { return Big(static_cast<double>(d)) / 2 * (Big(tau) - log1p(Big(tau))); };
    const Big target = log(Big(2.0 * L) / Big(delta));
    EXPECT_GE(lhs(n.tau), target);
    EXPECT_LT(lhs(n.tau * (1 - 1e-4)), target);
    EXPECT_GE(Big(n.query_norm), 3 * sqrt(Big(1 + Big(n.tau))));
    EXPECT_GE(Big(n.key_norm), sqrt(Big(1 + Big(n.tau))));
    EXPECT_GE(Big(n.product), 3 * (1 + Big(n.tau)));
  }
  EXPECT_THROW(lemma4_norm_budget(1, {1, 1}, 10, 0.1), InputError);
  EXPECT_THROW(lemma4_norm_budget(10, {0, 1}, 10, 0.1), InputError);
  EXPECT_THROW(lemma4_norm_budget(10, {1, 1}, 0, 0.1), InputError);
  EXPECT_THROW(lemma4_norm_budget(10, {1, 1}, 10, 1.0), InputError);
}

// The budget holds with frequency at least 1 - delta_N for Gaussian R (here
// delta_N = 0.3 so that exceedances are visible at all).
TEST(NormBudget, HoldsWithProbabilityAtLeastOneMinusDelta) {
  const std::size_t L = 16, d = 48;
  constexpr int kTrials = 4000;
  std::vector<TargetEntry> entries;
  for (std::size_t i = 0; i < L; ++i) {
    entries.push_back({i, i, 1.0});
    entries.push_back({i, (i + 1) % L, 4.0});
  }
  const Target A = Target::from_entries(L, std::move(entries));
  const Matrix B = log_transform(A, 1.0 + std::log(10.0)).dense();
  const double beta = B.rowwise().norm().maxCoeff();
  const NormBudget n = lemma4_norm_budget(L, {beta, beta}, d, 0.3);
  testing::Frequency f;
  f.trials = kTrials;
  for (int t = 0; t < kTrials; ++t) {
    const Matrix R = projection_matrix(Projection::gaussian, L, d, 5100000 + static_cast<std::uint64_t>(t), 1);
    const bool over = (B * R).rowwise().norm().maxCoeff() > n.query_norm || R.rowwise().norm().maxCoeff() > n.key_norm;
    f.hits += over ? 1 : 0;
  }
  EXPECT_LE(f.value(), 0.3 + testing::binomial_margin(0.3, kTrials));
  EXPECT_GT(f.hits, 0);  // the budget is not vacuous
}

// `jlattn bound` reports d_lower at Lemma 4's budget at d_chernoff.
TEST(NormBudget, TheReportUsesItAtDChernoff) {
  BoundQuery q;
  q.L = 1024;
  q.k = 1;
  q.eps = 1;
  q.gamma = 0.1;
  q.crossovers = false;
  q.norm_budget = 4.0;
  const BoundReport r = rigorous_bounds(q);
  EXPECT_EQ(r.lemma4_budget.d, find_bound(r, BoundName::d_chernoff).d);
  EXPECT_EQ(r.d_lower.d, packing_lower_bound(1024, 0.1, r.lemma4_budget.product).d);
  ASSERT_TRUE(r.d_lower_at_budget.has_value());
  EXPECT_EQ(r.d_lower_at_budget->d, 5u);
}

}  // namespace
}  // namespace jlattn
