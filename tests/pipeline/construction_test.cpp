// Checks the library's entry point and its stages (src/jlattn/pipeline/construction.hpp):
// the stages compose to construct_and_certify(), the certificate is about the
// X that was emitted, the resource policy changes no bit and no verdict, the
// dimension follows the parameters' rule, and Theorem 2's class and
// projection are what `construct --uniform` needs. The steps themselves are
// checked against their oracles in tests/proof/ and tests/certify/.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "jlattn/bounds/rigorous_bounds.hpp"
#include "jlattn/certify/certificate.hpp"
#include "jlattn/core/errors.hpp"
#include "jlattn/core/weights.hpp"
#include "jlattn/pipeline/construction.hpp"
#include "jlattn/proof/lemma1_log_transform.hpp"
#include "jlattn/proof/lemma3_jl_projection.hpp"
#include "jlattn/proof/lemma4_adaptive_input.hpp"
#include "support/input_error.hpp"

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
  ConstructionParameters p;
  p.rule = DimensionRule::given;
  p.d = d;
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
    EXPECT_EQ(run.construction.evaluation.eps_hat, evaluated.evaluation.eps_hat);
    EXPECT_EQ(run.construction.max_score_error, evaluated.max_score_error);
    EXPECT_TRUE(same_certificate(run.certificate, by_stages));
    EXPECT_TRUE(same_bits(construct(A, p).X, X));

    const Certificate direct = certify(A, X, Weights::lemma4_query(d), Weights::lemma4_key(d), p.eps, p.gamma, false);
    EXPECT_TRUE(same_certificate(run.certificate, direct));
    EXPECT_EQ(run.certificate.eps, p.eps);
    EXPECT_EQ(run.certificate.gamma, p.gamma);
    EXPECT_EQ(run.certificate.rows, A.L());
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

// A stop request is polled between the stages and inside the evaluation and
// the certification: one that never stops changes no bit and no verdict,
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
  // At least once per score row of the evaluation, and in the certification.
  ASSERT_GT(calls, A.L() + 2);
  for (const std::size_t n : {std::size_t{1}, std::size_t{2}, std::size_t{3}, A.L(), calls - 1, calls}) {
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
  const ChosenDimension proved = choose_dimension(prepare(A, p));
  BoundQuery q{.L = A.L(), .k = A.k(), .eps = p.eps, .gamma = p.gamma, .rho = target_range_upper(A), .delta = p.delta};
  q.crossovers = false;
  const DimensionBound best = smallest_valid_bound(rigorous_bounds(q), p.projection);
  EXPECT_EQ(proved.d, best.d);
  EXPECT_EQ(proved.bound_name, to_string(best.name));
  EXPECT_FALSE(proved.trivial);

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
