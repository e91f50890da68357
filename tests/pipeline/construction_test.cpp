// Checks the library's entry point and its stages (src/jlattn/pipeline/construction.hpp):
// the stages compose to construct_and_certify(), the certificate is about the
// X that was emitted, the resource policy changes no bit and no verdict, the
// dimension follows the parameters' rule, and Theorem 2's class and
// projection are what `construct --uniform` needs. The steps themselves are
// checked against their oracles in tests/proof/ and tests/certify/.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "jlattn/bounds/chernoff_bound.hpp"
#include "jlattn/bounds/lower_bound.hpp"
#include "jlattn/bounds/rigorous_bounds.hpp"
#include "jlattn/certify/certificate.hpp"
#include "jlattn/core/errors.hpp"
#include "jlattn/core/weights.hpp"
#include "jlattn/pipeline/construction.hpp"
#include "jlattn/proof/lemma1_log_transform.hpp"
#include "jlattn/proof/lemma3_jl_projection.hpp"
#include "jlattn/proof/lemma4_adaptive_input.hpp"
#include "support/input_error.hpp"
#include "support/parameters.hpp"

namespace jlattn {
namespace {

using testing::input_error_message;

bool same_bits(const Matrix& a, const Matrix& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), sizeof(double) * static_cast<std::size_t>(a.size())) == 0;
}

bool same_certificate(const Certificate& a, const Certificate& b) {
  return a.verdict == b.verdict && a.eps_hat.lower == b.eps_hat.lower && a.eps_hat.upper == b.eps_hat.upper &&
         a.log_gamma_hat.lower == b.log_gamma_hat.lower && a.log_gamma_hat.upper == b.log_gamma_hat.upper &&
         a.rows_filter == b.rows_filter && a.rows_exact == b.rows_exact && a.witness.has_value() == b.witness.has_value();
}

ConstructionParameters at_d(std::size_t d, std::uint64_t seed = 11) {
  ConstructionParameters p = testing::at_dimension(d);
  p.seed = seed;
  return p;
}

// Stage by stage by hand, and in one call: the same X, evaluation and
// certificate; and the certificate is certify() of that X with Lemma 4's
// selectors, at the parameters' (eps, gamma).
TEST(Pipeline, StagesComposeToTheEntryPoint) {
  const Target A = window_global_target(16, 5);
  for (const std::size_t d : {std::size_t{3}, std::size_t{400}}) {  // refuted, certified
    SCOPED_TRACE("d = " + std::to_string(d));
    const ConstructionParameters p = at_d(d);
    const PreparedTarget prepared = prepare(A, p);
    const ChosenDimension dimension = choose_dimension(prepared);
    ASSERT_EQ(dimension.d, d);
    const Matrix X = emit_input(prepared, dimension, 1);
    const InputEvaluation evaluated = evaluate(prepared, X);
    const Certificate by_stages = certify_emitted(prepared, X, ResourcePolicy{});

    const CertifiedConstruction run = construct_and_certify(A, p);
    EXPECT_TRUE(same_bits(run.construction.X, X));
    // The one-pass evaluation reads the certifier's scores: another
    // product than evaluate()'s, so equal up to rounding.
    EXPECT_NEAR(run.construction.evaluation.eps_hat, evaluated.evaluation.eps_hat, 1e-12);
    EXPECT_NEAR(run.construction.max_score_error, evaluated.max_score_error, 1e-12);
    EXPECT_TRUE(same_certificate(run.certificate, by_stages));
    EXPECT_TRUE(same_bits(construct(A, p).X, X));

    const Certificate direct = certify(A, X, Weights::lemma4_query(d), Weights::lemma4_key(d), p.eps, p.gamma, false);
    EXPECT_TRUE(same_certificate(run.certificate, direct));
    EXPECT_EQ(run.certificate.eps, p.eps);
    EXPECT_EQ(run.certificate.gamma, p.gamma);
    EXPECT_EQ(run.certificate.rows, A.L());
  }
}

// Stages 4 and 5 in one scoring pass (evaluate_and_certify): the evaluation
// is evaluate()'s up to the rounding of another product (the filter's, with
// either library), the same bits for every thread count, inside the
// certificate's enclosures; and the certificate is certify_emitted()'s
// verdict on the same X.
TEST(Pipeline, OneScoringPassEvaluatesAndCertifies) {
  const Target A = window_global_target(40, 7);
  std::vector<ScoreProduct> products{ScoreProduct::eigen};
  if (score_product_available(ScoreProduct::openblas)) products.push_back(ScoreProduct::openblas);
  for (const std::size_t d : {std::size_t{4}, std::size_t{60}, std::size_t{700}}) {
    SCOPED_TRACE("d = " + std::to_string(d));
    const PreparedTarget prepared = prepare(A, at_d(d, 5));
    const Matrix X = emit_input(prepared, choose_dimension(prepared), 1);
    const InputEvaluation reference = evaluate(prepared, X);
    for (const ScoreProduct product : products) {
      ResourcePolicy one, two;
      one.threads = 1;
      two.threads = 2;
      one.certification.product = two.certification.product = product;
      const EvaluatedCertificate a = evaluate_and_certify(prepared, X, one);
      const EvaluatedCertificate b = evaluate_and_certify(prepared, X, two);
      const ApproximationEvaluation &e = a.evaluation.evaluation, &r = reference.evaluation;
      EXPECT_EQ(e.rows, A.L());
      EXPECT_NEAR(e.eps_hat, r.eps_hat, 1e-12 * std::max(1.0, r.eps_hat));
      EXPECT_NEAR(e.log_gamma_hat, r.log_gamma_hat, 1e-12 * std::max(1.0, std::abs(r.log_gamma_hat)));
      EXPECT_NEAR(a.evaluation.max_score_error, reference.max_score_error, 1e-12 * std::max(1.0, reference.max_score_error));
      EXPECT_NEAR(a.evaluation.leakage_share_upper, reference.leakage_share_upper, 1e-9);
      EXPECT_EQ(e.approximates(), r.approximates());
      EXPECT_EQ(e.witness.has_value(), r.witness.has_value());
      EXPECT_EQ(e.eps_hat, b.evaluation.evaluation.eps_hat);
      EXPECT_EQ(e.log_gamma_hat, b.evaluation.evaluation.log_gamma_hat);
      EXPECT_EQ(a.evaluation.max_score_error, b.evaluation.max_score_error);
      // The certificate encloses the exact eps_hat, which the evaluation
      // approximates to within rounding.
      if (a.certificate.verdict == Verdict::certified) {
        EXPECT_LE(a.certificate.eps_hat.lower, e.eps_hat + 1e-9);
        EXPECT_GE(a.certificate.eps_hat.upper, e.eps_hat - 1e-9);
      }
      EXPECT_EQ(a.certificate.rows_float32, 0u);
      EXPECT_EQ(a.certificate.verdict, certify_emitted(prepared, X, one).verdict);
      EXPECT_EQ(a.certificate.verdict, b.certificate.verdict);
    }
  }
}

// Lemma 3 and Lemma 4 by hand: X's right block is R of the parameters' law
// and seed at d, and its left block is Lemma 1's B times R.
TEST(Pipeline, EmittedInputIsLemma4OfLemma3) {
  const Target A = window_global_target(12, 2);
  for (const Projection law : {Projection::gaussian, Projection::rademacher, Projection::achlioptas}) {
    ConstructionParameters p = at_d(37, 99);
    p.projection = law;
    const Matrix X = construct(A, p).X;
    const Matrix R = projection_matrix(law, A.L(), 37, 99);
    EXPECT_TRUE(same_bits(X.rightCols(37), R)) << to_string(law);
    const Matrix B = log_transform(A, score_error_budget(p.eps, p.gamma).gap_Delta).dense();
    EXPECT_LE((X.leftCols(37) - B * R).cwiseAbs().maxCoeff(), 1e-12) << to_string(law);
  }
}

// The policy is resources only: thread counts and a roomy memory limit change
// no bit of X and no verdict or enclosure.
TEST(Pipeline, PolicyChangesNoBitAndNoVerdict) {
  const Target A = window_global_target(24, 8);
  const ConstructionParameters p = at_d(300);
  ResourcePolicy one, two;
  one.threads = 1;
  two.threads = 2;
  two.max_memory_bytes = std::size_t{1} << 34;
  const CertifiedConstruction a = construct_and_certify(A, p, one);
  const CertifiedConstruction b = construct_and_certify(A, p, two);
  EXPECT_TRUE(same_bits(a.construction.X, b.construction.X));
  EXPECT_TRUE(same_certificate(a.certificate, b.certificate));
}

// A stop request is polled between the stages and inside the certification
// (whose filter scores are also the evaluation's, issue 13's one pass): one
// that never stops changes no bit and no verdict,
// and one that says stop at its n-th call, for any n up to the number of
// calls of a whole run, abandons the run with Cancelled (with one thread,
// so the calls come in a fixed order).
TEST(Pipeline, StopRequestAbandonsTheRunAtEveryPoll) {
  const Target A = window_global_target(40, 6);
  const ConstructionParameters p = at_d(300);
  ResourcePolicy policy;
  policy.threads = 1;
  const CertifiedConstruction plain = construct_and_certify(A, p, policy);
  std::size_t calls = 0;
  policy.stop = [&calls] { ++calls; return false; };
  const CertifiedConstruction polled = construct_and_certify(A, p, policy);
  EXPECT_TRUE(same_bits(plain.construction.X, polled.construction.X));
  EXPECT_TRUE(same_certificate(plain.certificate, polled.certificate));
  // Before emitting X, before the scoring pass, and per block of its rows.
  ASSERT_GE(calls, 3u);
  for (const std::size_t n : {std::size_t{1}, std::size_t{2}, calls - 1, calls}) {
    SCOPED_TRACE("stop at call " + std::to_string(n));
    std::size_t count = 0;
    policy.stop = [&count, n] { return ++count >= n; };
    EXPECT_THROW(construct_and_certify(A, p, policy), Cancelled);
    EXPECT_EQ(count, n);
  }
}

// The dimension follows the rule; a given projection replaces it, and then
// no proved bound is named (the d is R's, not the bound's).
TEST(Pipeline, ChosenDimensionFollowsTheRule) {
  const Target A = window_global_target(10, 4);
  ConstructionParameters p;
  p.rule = DimensionRule::trivial;
  const ChosenDimension trivial = choose_dimension(prepare(A, p));
  EXPECT_EQ(trivial.d, A.L());
  EXPECT_TRUE(trivial.trivial);
  const Matrix X = construct(A, p).X;
  EXPECT_TRUE(same_bits(X.rightCols(10), Matrix::Identity(10, 10)));

  p = at_d(77);
  EXPECT_EQ(choose_dimension(prepare(A, p)).d, 77U);
  EXPECT_TRUE(choose_dimension(prepare(A, p)).bound_name.empty());

  p = ConstructionParameters{};
  p.bound = BoundChoice::smallest_theorems_1_and_2;
  const ChosenDimension proved = choose_dimension(prepare(A, p));
  BoundQuery q{.L = A.L(), .k = A.k(), .eps = p.eps, .gamma = p.gamma, .rho = target_range_upper(A), .delta = p.delta};
  q.crossovers = false;
  const DimensionBound best = smallest_valid_bound(rigorous_bounds(q), p.projection);
  EXPECT_EQ(proved.d, best.d);
  EXPECT_EQ(proved.bound_name, to_string(best.name));
  EXPECT_FALSE(proved.trivial);
  p.bound = BoundChoice::smallest;

  const Matrix R = projection_matrix(Projection::gaussian, A.L(), 25, 3);
  p.given_projection = &R;
  const ChosenDimension given = choose_dimension(prepare(A, p));
  EXPECT_EQ(given.d, 25U);
  EXPECT_TRUE(given.bound_name.empty());
  EXPECT_TRUE(same_bits(construct(A, p).X.rightCols(25), R));

  const Matrix wrong = projection_matrix(Projection::gaussian, A.L() + 1, 25, 3);
  p.given_projection = &wrong;
  EXPECT_EQ(input_error_message([&] { choose_dimension(prepare(A, p)); }),
            "the given projection R has 11 rows, the target has L = 10");
}

// `auto` for Gaussian R is the smaller of the class's smallest bound of
// Theorems 1, 1' and 2 and Theorem 3 for the target itself, each computed
// here by its own function; `chernoff` names the latter, `theorems12` the
// former; for another law `auto` is the class's smallest and `chernoff` is
// refused (no moment-generating-function domination is proved for it).
TEST(Pipeline, AutoIsTheSmallerOfTheClassBoundAndTheTargetsOwnChernoffBound) {
  const Target A = window_global_target(32, 6);
  ConstructionParameters p;
  BoundQuery q{.L = A.L(), .k = A.k(), .eps = p.eps, .gamma = p.gamma, .rho = target_range_upper(A), .delta = p.delta};
  q.crossovers = false;
  const BoundReport report = rigorous_bounds(q);
  const DimensionBound classic = smallest_valid_bound(report, Projection::gaussian, BoundFamilies::theorems_1_and_2);
  ChernoffTargetQuery own_query;
  own_query.eps = p.eps;
  own_query.gamma = p.gamma;
  own_query.delta = p.delta;
  const ChernoffTargetBound own = chernoff_target_bound(A, own_query);
  ASSERT_TRUE(own.bound.computed);
  ASSERT_LT(own.bound.d, classic.d);  // what Theorem 3 is for
  // Theorem 3's class-wide bound is never below the target's own.
  EXPECT_GE(find_bound(report, BoundName::d_chernoff).d, own.bound.d);

  const ChosenDimension chosen = choose_dimension(prepare(A, p));
  EXPECT_EQ(chosen.d, own.bound.d);
  EXPECT_EQ(chosen.bound_name, "d_chernoff");
  EXPECT_EQ(chosen.bound_scope, "per target");
  EXPECT_EQ(chosen.d_chernoff_target, std::optional<std::uint64_t>(own.bound.d));

  p.bound = BoundChoice::d_chernoff;
  EXPECT_EQ(choose_dimension(prepare(A, p)).d, own.bound.d);
  p.bound = BoundChoice::smallest_theorems_1_and_2;
  const ChosenDimension older = choose_dimension(prepare(A, p));
  EXPECT_EQ(older.d, classic.d);
  EXPECT_EQ(older.bound_name, to_string(classic.name));
  EXPECT_EQ(older.bound_scope, "class");
  EXPECT_FALSE(older.d_chernoff_target.has_value());

  p.projection = Projection::rademacher;
  p.bound = BoundChoice::smallest;
  const ChosenDimension rademacher = choose_dimension(prepare(A, p));
  EXPECT_EQ(rademacher.d, smallest_valid_bound(report, Projection::rademacher, BoundFamilies::theorems_1_and_2).d);
  EXPECT_FALSE(rademacher.d_chernoff_target.has_value());
  p.bound = BoundChoice::d_chernoff;
  EXPECT_EQ(input_error_message([&] { choose_dimension(prepare(A, p)); }),
            "--bound chernoff (d_chernoff) is proved for Gaussian R only, not for rademacher; use dstar, polar or auto");
}

// A chosen gap is Lemma 1's Delta everywhere: the budget, B (each row's
// smallest support entry is the gap), X = [BR | R], and Theorem 3's d; a gap
// below Lemma 2's ln(1/gamma) + eps is refused by the first stage.
TEST(Pipeline, GapDeltaIsLemma1sGapEverywhere) {
  const Target A = window_global_target(16, 2);
  ConstructionParameters p = at_d(50);
  p.gap_Delta = 6.0;
  const PreparedTarget prepared = prepare(A, p);
  EXPECT_EQ(prepared.budget.gap_Delta, 6.0);
  EXPECT_EQ(prepared.budget.eta, 0.5);
  for (std::size_t i = 0; i < A.L(); ++i) {
    const auto row = prepared.B.row(i);
    EXPECT_EQ(*std::min_element(row.begin(), row.end()), 6.0) << "row " << i;
  }
  const Matrix X = construct(A, p).X;
  const Matrix R = projection_matrix(p.projection, A.L(), 50, p.seed);
  EXPECT_LE((X.leftCols(50) - log_transform(A, 6.0).dense() * R).cwiseAbs().maxCoeff(), 1e-12);

  p = ConstructionParameters{};
  p.gap_Delta = 6.0;
  p.bound = BoundChoice::d_chernoff;
  ChernoffTargetQuery at_gap;
  at_gap.eps = p.eps;
  at_gap.gamma = p.gamma;
  at_gap.delta = p.delta;
  at_gap.gap_Delta = 6.0;
  EXPECT_EQ(choose_dimension(prepare(A, p)).d, chernoff_target_bound(A, at_gap).bound.d);

  p.gap_Delta = 3.0;
  EXPECT_EQ(input_error_message([&] { prepare(A, p); }),
            "gap-Delta has to be at least ln(1/gamma) + eps = 3.302585092994046, got 3");
  p.gap_Delta = std::numeric_limits<double>::infinity();
  EXPECT_THROW(prepare(A, p), InputError);
}

// construct's d_lower: the norms bound the exact largest query and key norms
// of X with Lemma 4's selectors (the rows of BR and of R, summed here in long
// double) from above and tightly, and d_lower is the packing bound at their
// product. On a permutation pattern (k = 1, every column once) that the
// certifier proves served, d_lower is at most the d used: the lower bound is
// never contradicted by a certified instance.
TEST(Pipeline, LowerBoundAtTheEmittedNorms) {
  const std::size_t L = 24, d = 60;
  std::vector<TargetEntry> entries;
  for (std::size_t i = 0; i < L; ++i) entries.push_back({i, (i * 7 + 3) % L, 1.0});
  const Target A = Target::from_entries(L, entries);
  ConstructionParameters p;
  const CertifiedConstruction run = construct_and_certify(A, p);
  const Construction& c = run.construction;
  ASSERT_EQ(run.certificate.verdict, Verdict::certified);
  long double query = 0, key = 0;
  for (Eigen::Index i = 0; i < c.X.rows(); ++i) {
    long double q2 = 0, k2 = 0;
    for (Eigen::Index j = 0; j < static_cast<Eigen::Index>(c.d); ++j) {
      q2 += static_cast<long double>(c.X(i, j)) * c.X(i, j);
      k2 += static_cast<long double>(c.X(i, j + static_cast<Eigen::Index>(c.d))) * c.X(i, j + static_cast<Eigen::Index>(c.d));
    }
    query = std::max(query, std::sqrt(q2));
    key = std::max(key, std::sqrt(k2));
  }
  const ScoreNorms& n = c.lower_bound.norms;
  ASSERT_TRUE(n.computed) << n.note;
  EXPECT_GE(n.query, query);
  EXPECT_LE(n.query, query * (1 + 1e-12L));
  EXPECT_GE(n.key, key);
  EXPECT_LE(n.key, key * (1 + 1e-12L));
  EXPECT_GE(n.product, static_cast<long double>(n.query) * n.key);
  const DimensionLowerBound packing = packing_lower_bound(L, p.gamma, n.product);
  ASSERT_TRUE(c.lower_bound.d_lower.computed);
  EXPECT_EQ(c.lower_bound.d_lower.d, packing.d);
  EXPECT_EQ(c.lower_bound.d_lower.infeasible, packing.infeasible);
  EXPECT_FALSE(c.lower_bound.d_lower.infeasible);
  EXPECT_LE(c.lower_bound.d_lower.d, c.d);
  EXPECT_GE(c.lower_bound.d_lower.d, 2U);  // L >= 3 needs two dimensions at any norm (proofs/lower-bound.md)

  // At a given d too, through the same function as `certify` (lower_bound_at_norms()).
  const Construction at = construct(A, at_d(d));
  const LowerBoundAtNorms direct =
      lower_bound_at_norms(L, p.gamma, at.X, Weights::lemma4_query(d), Weights::lemma4_key(d), false);
  EXPECT_EQ(direct.norms.product, at.lower_bound.norms.product);
  EXPECT_EQ(direct.d_lower.d, at.lower_bound.d_lower.d);
}

// Bad parameters are refused by the first stage, before any work.
TEST(Pipeline, PrepareRefusesBadParameters) {
  const Target A = window_global_target(6, 1);
  ConstructionParameters p;
  p.delta = 1.5;
  EXPECT_EQ(input_error_message([&] { prepare(A, p); }).rfind("delta must be in (0, 1)", 0), 0U);
  EXPECT_THROW(construct_and_certify(A, p), InputError);
}

// Theorem 2's class contains the target or is refused; its projection has
// the given d, or the class's proved d*_u, and is the parameters' draw.
TEST(Pipeline, Theorem2ClassAndProjection) {
  const Target A = window_global_target(8, 3);  // k = 4, rho = ln 4
  const ProjectionClass own = theorem2_class(A, 0, -1.0);
  EXPECT_EQ(own.k, A.k());
  EXPECT_EQ(own.rho, target_range_upper(A));
  EXPECT_GE(own.rho, A.rho());
  const ProjectionClass wider = theorem2_class(A, 6, 2.0);
  EXPECT_EQ(wider.k, 6U);
  EXPECT_EQ(wider.rho, 2.0);
  EXPECT_NE(input_error_message([&] { theorem2_class(A, 3, 2.0); }).find("above --class-k 3"), std::string::npos);
  EXPECT_NE(input_error_message([&] { theorem2_class(A, 6, 1.0); }).find("--class-rho"), std::string::npos);

  const ConstructionParameters p = at_d(50, 17);
  EXPECT_TRUE(same_bits(theorem2_projection(8, wider, p, 2), projection_matrix(p.projection, 8, 50, 17)));
  ConstructionParameters proved = p;
  proved.rule = DimensionRule::proved_bound;
  BoundQuery q{.L = 8, .k = 6, .eps = p.eps, .gamma = p.gamma, .rho = 2.0, .delta = p.delta};
  q.crossovers = false;
  q.exact_tails = false;
  EXPECT_EQ(static_cast<std::uint64_t>(theorem2_projection(8, wider, proved).cols()),
            find_bound(rigorous_bounds(q), BoundName::d_star_u).d);
}

}  // namespace
}  // namespace jlattn
