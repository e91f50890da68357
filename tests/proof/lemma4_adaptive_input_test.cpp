// Checks Lemma 4 (fixed parameters, adaptive input): proofs/lemma4-adaptive-input.md.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <omp.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "jlattn/pipeline/construction.hpp"
#include "jlattn/proof/definition2_approximation.hpp"
#include "jlattn/core/errors.hpp"
#include "jlattn/proof/lemma1_log_transform.hpp"
#include "jlattn/proof/lemma3_jl_projection.hpp"
#include "jlattn/proof/lemma4_adaptive_input.hpp"
#include "support/exact.hpp"
#include "support/generators.hpp"

namespace jlattn {
namespace {

using testing::Rational;
using testing::RationalMatrix;
using testing::multiply;
using testing::to_rational;
using testing::transpose;

const Projection kProjections[] = {Projection::gaussian, Projection::rademacher, Projection::achlioptas};

rc::Gen<Projection> gen_projection() { return rc::gen::elementOf(std::vector<Projection>(std::begin(kProjections), std::end(kProjections))); }

Rational magnitude(const Rational& x) { return x < 0 ? Rational(-x) : x; }

// Claim: W_Q = [I_d; 0] and W_K = [0; I_d] depend on d alone and select the
// two blocks of X, so X W_Q = B R and X W_K = R hold exactly, and
// S = (X W_Q)(X W_K)^T equals (B R)_emitted R^T exactly in rationals; the
// double-precision scores lie within the rigorous dot-product error bound of
// that exact value; and the emitted B R lies within the same kind of bound of
// the exact product of the doubles B and R.
RC_GTEST_PROP(Lemma4AdaptiveInput, SelectorsGiveExactBlocksAndScoresWithinRoundingOfBRRt, ()) {
  const auto drawn = *testing::gen_target({.min_L = 2, .max_L = 7, .max_k = 3});
  const auto d = *rc::gen::inRange<std::size_t>(1, 7);
  const auto projection = *gen_projection();
  const auto seed = *rc::gen::arbitrary<std::uint64_t>();
  const Target& A = drawn.A;
  RC_CLASSIFY(drawn.has_global_column, "global column");
  RC_CLASSIFY(A.k() == 1, "k = 1");

  const LogTransform B = log_transform(A, 3.0);
  const Matrix R = projection_matrix(projection, A.L(), d, seed);
  const Matrix X = adaptive_input(B, R);
  const Matrix W_Q = query_weights(d), W_K = key_weights(d);
  RC_ASSERT(X.rows() == static_cast<Eigen::Index>(A.L()));
  RC_ASSERT(X.cols() == static_cast<Eigen::Index>(2 * d));

  const RationalMatrix Xq = to_rational(X);
  const RationalMatrix XWQ = multiply(Xq, to_rational(W_Q));
  const RationalMatrix XWK = multiply(Xq, to_rational(W_K));
  const RationalMatrix Rq = to_rational(R);
  const RationalMatrix Bq = to_rational(B.dense());
  const RationalMatrix BR_exact = multiply(Bq, Rq);
  for (std::size_t i = 0; i < A.L(); ++i)
    for (std::size_t c = 0; c < d; ++c) {
      // X W_K = R, bit for bit.
      RC_ASSERT(XWK(i, c) == Rq(i, c));
      // X W_Q is the left block, whose entries are B R up to rounding.
      RC_ASSERT(XWQ(i, c) == Rational(X(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(c))));
      Rational abs_dot = 0;
      for (std::size_t j = 0; j < A.L(); ++j) abs_dot += magnitude(Bq(i, j)) * magnitude(Rq(j, c));
      RC_ASSERT(magnitude(Rational(XWQ(i, c) - BR_exact(i, c))) <= testing::dot_error_bound(A.k_i(i), abs_dot));
    }

  const RationalMatrix S_exact = multiply(XWQ, transpose(XWK));
  const Matrix S = scores(X, W_Q, W_K);
  for (std::size_t i = 0; i < A.L(); ++i)
    for (std::size_t j = 0; j < A.L(); ++j) {
      Rational abs_dot = 0;
      for (std::size_t c = 0; c < d; ++c) abs_dot += magnitude(XWQ(i, c)) * magnitude(XWK(j, c));
      // The products X W_Q, X W_K are exact (one nonzero term each), so only
      // the final length-d product rounds.
      const Rational err = magnitude(Rational(Rational(S(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j))) - S_exact(i, j)));
      RC_ASSERT(err <= testing::dot_error_bound(d, abs_dot));
    }
}

// Claim: only X depends on the target; W_Q, W_K are fixed selectors.
TEST(Lemma4AdaptiveInput, WeightsAreTheFixedSelectors) {
  for (std::size_t d : {1u, 2u, 5u}) {
    const Matrix W_Q = query_weights(d), W_K = key_weights(d);
    ASSERT_EQ(W_Q.rows(), static_cast<Eigen::Index>(2 * d));
    ASSERT_EQ(W_Q.cols(), static_cast<Eigen::Index>(d));
    for (std::size_t r = 0; r < 2 * d; ++r)
      for (std::size_t c = 0; c < d; ++c) {
        EXPECT_EQ(W_Q(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)), r == c ? 1.0 : 0.0);
        EXPECT_EQ(W_K(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)), r == c + d ? 1.0 : 0.0);
      }
  }
  EXPECT_THROW(query_weights(0), InputError);
  EXPECT_THROW(key_weights(0), InputError);
}

// Claim: E[S] = B, because E[R R^T] = I for all three entry laws. Monte Carlo
// over independent seeds; the tolerance is 6 standard deviations of the mean
// (Var S_ij <= 3 ||b_i||^2 / d for these laws), so a correct implementation
// fails with probability below 1e-8 per entry.
TEST(Lemma4AdaptiveInput, ScoresAreUnbiasedForB) {
  const Target A = Target::from_entries(3, {{0, 0, 1.0}, {0, 2, 2.0}, {1, 1, 1.0}, {2, 0, 4.0}, {2, 1, 1.0}});
  const LogTransform B = log_transform(A, 2.5);
  const Matrix Bd = B.dense();
  constexpr std::size_t d = 8, draws = 1500;
  for (Projection projection : kProjections) {
    Matrix mean = Matrix::Zero(3, 3);
    for (std::size_t s = 0; s < draws; ++s) {
      const Matrix X = adaptive_input(B, projection_matrix(projection, 3, d, 1000 + s));
      mean += scores(X, query_weights(d), key_weights(d));
    }
    mean /= static_cast<double>(draws);
    for (Eigen::Index i = 0; i < 3; ++i) {
      const double sd = std::sqrt(3.0 * Bd.row(i).squaredNorm() / (d * static_cast<double>(draws)));
      for (Eigen::Index j = 0; j < 3; ++j)
        EXPECT_NEAR(mean(i, j), Bd(i, j), 6 * sd) << to_string(projection) << " entry " << i << "," << j;
    }
  }
}

// Claim (reproducibility of the emitted X): the left block is summed in a fixed
// order, so the bits do not depend on the number of threads.
TEST(Lemma4AdaptiveInput, InputBitsDoNotDependOnThreadCount) {
  const Target A = window_global_target(16, 11);
  const LogTransform B = log_transform(A, 3.3);
  const Matrix R = projection_matrix(Projection::gaussian, A.L(), 300, 7, 1);
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  const Matrix X1 = adaptive_input(B, R);
  omp_set_num_threads(2);
  const Matrix X2 = adaptive_input(B, R);
  omp_set_num_threads(3);
  const Matrix X3 = adaptive_input(B, R);
  omp_set_num_threads(saved);
  ASSERT_EQ(X1.size(), X2.size());
  EXPECT_EQ(std::memcmp(X1.data(), X2.data(), sizeof(double) * static_cast<std::size_t>(X1.size())), 0);
  EXPECT_EQ(std::memcmp(X1.data(), X3.data(), sizeof(double) * static_cast<std::size_t>(X1.size())), 0);
}

// Claim: streaming the score rows in blocks evaluates the same Definition 2 as
// the dense score matrix; block boundaries must not change the verdict or the
// witness, and eps_hat agrees to rounding.
RC_GTEST_PROP(Lemma4AdaptiveInput, StreamedEvaluationMatchesDenseEvaluation, ()) {
  const auto drawn = *testing::gen_target({.min_L = 2, .max_L = 40, .max_k = 4});
  const Target& A = drawn.A;
  const auto d = *rc::gen::inRange<std::size_t>(1, 200);
  const auto block = *rc::gen::inRange<std::size_t>(1, A.L() + 3);
  const LogTransform B = log_transform(A, 3.3);
  const Matrix X = adaptive_input(B, projection_matrix(Projection::gaussian, A.L(), d, 99));
  const ApproximationEvaluation dense = evaluate_approximation(scores(X, query_weights(d), key_weights(d)), A, 1.0, 0.1);
  const ApproximationEvaluation streamed = evaluate_attention(lemma4_queries(X), lemma4_keys(X), A, 1.0, 0.1);
  RC_ASSERT(std::abs(dense.eps_hat - streamed.eps_hat) <= 1e-9 * (1 + std::abs(dense.eps_hat)));
  RC_ASSERT(std::abs(dense.log_gamma_hat - streamed.log_gamma_hat) <= 1e-9 * (1 + std::abs(dense.log_gamma_hat)) ||
            dense.log_gamma_hat == streamed.log_gamma_hat);
  std::size_t rows = 0;
  for_each_score_row(lemma4_queries(X), lemma4_keys(X), 1.0, block, [&](std::size_t i, std::span<const double> row) {
    RC_ASSERT(i == rows++);
    RC_ASSERT(row.size() == A.L());
  });
  RC_ASSERT(rows == A.L());
}

// Claim (Lemma 2's hypothesis as measured): max_score_error is max |S - B|,
// checked against a direct dense computation.
TEST(Lemma4AdaptiveInput, MaxScoreErrorIsTheLargestEntrywiseDeviation) {
  const Target A = window_global_target(16, 11);
  const LogTransform B = log_transform(A, 3.3);
  const Matrix X = adaptive_input(B, projection_matrix(Projection::rademacher, A.L(), 50, 3));
  const Matrix S = scores(X, query_weights(50), key_weights(50));
  const double direct = (S - B.dense()).cwiseAbs().maxCoeff();
  EXPECT_NEAR(max_score_error(lemma4_queries(X), lemma4_keys(X), B), direct, 1e-12 * direct);
}

// Claim: the reported row norms are the Euclidean norms of X's rows
// (compared with a long double recomputation).
TEST(Lemma4AdaptiveInput, InputRowNormsAreEuclidean) {
  const Target A = window_global_target(16, 11);
  const Matrix X = adaptive_input(log_transform(A, 3.3), projection_matrix(Projection::achlioptas, A.L(), 64, 5));
  const std::vector<double> norms = input_row_norms(X);
  ASSERT_EQ(norms.size(), A.L());
  for (Eigen::Index i = 0; i < X.rows(); ++i) {
    long double sum = 0;
    for (Eigen::Index c = 0; c < X.cols(); ++c) sum += static_cast<long double>(X(i, c)) * X(i, c);
    EXPECT_NEAR(norms[static_cast<std::size_t>(i)], static_cast<double>(std::sqrt(sum)), 1e-13 * norms[static_cast<std::size_t>(i)]);
  }
}

// Claim: shapes that cannot come from Lemma 4 are refused with a message.
TEST(Lemma4AdaptiveInput, RejectsShapeMismatches) {
  const Target A = window_global_target(16, 11);
  const LogTransform B = log_transform(A, 3.3);
  EXPECT_THROW(adaptive_input(B, Matrix::Zero(static_cast<Eigen::Index>(A.L()) + 1, 4)), InputError);
  EXPECT_THROW(lemma4_queries(Matrix::Zero(3, 3)), InputError);
  EXPECT_THROW(scores(Matrix::Zero(3, 4), query_weights(3), key_weights(3)), InputError);
}

}  // namespace
}  // namespace jlattn
