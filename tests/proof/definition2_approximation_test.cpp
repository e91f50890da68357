// Tests for src/jlattn/definition2_approximation: Definition 2 and
// Propositions 2.1-2.4 of proofs/definition2-approximation.md.
//
// Oracle: the definition itself, over all pairs (j, j'), with
// M = softmax_rows(S) formed explicitly and every logarithm of a ratio taken
// in MPFR at >= 200 bits. The code under test never forms M (Proposition 2.3)
// and reduces each row to O(L) work (Proposition 2.1), so agreement is a real
// check of both propositions.
//
// Rounding bounds used below (u = 2^-53). The logarithm of a double is taken
// to err by at most 4 ulp <= 8u|x| (std::log is far better; 4 ulp is the
// project's guarantee for portable_log, so the bounds survive a switch):
// * eps_i: the code forms t_j = fl(S_ij - log(A_ij)), so
//   |t_j - (S_ij - ln A_ij)| <= 8u|ln A_ij| + u(|S_ij| + |ln A_ij|)(1 + 8u)
//   =: E_i <= 1.01u (Smax_i + 9 LAmax_i) (maxima over the support). Max and min
//   of perturbed values move by at most E_i each, the final subtraction adds
//   u (eps_i + 2E_i). Hence |eps_i(code) - eps_i| <= 4u (Smax_i + 9 LAmax_i + eps_i).
// * lgam_i: the code forms fl(S_ij - S_ij') of two stored doubles: one
//   rounding, |error| <= u |lgam_i|; we allow 2u |lgam_i|.
// * ln gamma in the verdict: <= 8u |ln gamma|.
// The MPFR oracle's own error (~2^-190 relative) is far below both.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <boost/multiprecision/mpfr.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "jlattn/proof/definition1_target.hpp"
#include "jlattn/proof/definition2_approximation.hpp"
#include "jlattn/core/errors.hpp"
#include "support/binary64.hpp"
#include "support/generators.hpp"
#include "support/input_error.hpp"
#include "support/mpfr.hpp"

namespace {

using jlattn::ApproximationAccumulator;
using jlattn::ApproximationEvaluation;
using jlattn::Condition;
using jlattn::Matrix;
using jlattn::RowApproximation;
using jlattn::Target;
using jlattn::TargetEntry;
using ::testing::HasSubstr;
// tests/support: the MPFR oracle (Real, within), kU, kInf, bits,
// input_error_message, gen_real.
using namespace jlattn::testing;

std::span<const double> row_of(const Matrix& S, std::size_t i) {
  return {S.data() + i * static_cast<std::size_t>(S.cols()), static_cast<std::size_t>(S.cols())};
}

// ---------------------------------------------------------------------------
// The all-pairs oracle.
// ---------------------------------------------------------------------------

/// One row of softmax_rows(S) at >= 200 bits: M_il = e^{S_il} / sum_l e^{S_il}.
std::vector<Real> softmax_row(const Matrix& S, std::size_t i) {
  const auto L = static_cast<std::size_t>(S.cols());
  std::vector<Real> M(L);
  Real Z = 0;
  for (std::size_t l = 0; l < L; ++l) {
    M[l] = boost::multiprecision::exp(Real(S(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(l))));
    Z += M[l];
  }
  for (Real& m : M) m /= Z;
  return M;
}

/// The R1 quantity of Definition 2 at one pair: |ln(M_ij/M_ij') - ln(A_ij/A_ij')|.
Real r1_at(const std::vector<Real>& M, const Target& A, std::size_t i, std::size_t j, std::size_t jp) {
  return Real(abs(Real(boost::multiprecision::log(Real(M[j] / M[jp])) -
                       boost::multiprecision::log(Real(Real(A.value(i, j)) / Real(A.value(i, jp)))))));
}

/// The R2 quantity of Definition 2 at one pair: ln(M_ij/M_ij').
Real r2_at(const std::vector<Real>& M, std::size_t j, std::size_t jp) {
  return boost::multiprecision::log(Real(M[j] / M[jp]));
}

/// Row i of Definition 2 by brute force over every pair (j, j'), j' in supp_i.
struct ExactRow {
  Real eps_i = 0;                ///< max over j, j' in supp_i of the R1 quantity
  std::optional<Real> lgam_i;    ///< max over j off, j' on of ln(M_ij/M_ij'); none if the row is full
  double tol_eps = 0;            ///< rounding bound for the code's eps_i (file comment)
  double tol_lgam = 0;           ///< rounding bound for the code's lgam_i
};

ExactRow exact_row(const Matrix& S, const Target& A, std::size_t i) {
  const std::vector<Real> M = softmax_row(S, i);
  ExactRow row;
  double s_max = 0, la_max = 0;
  const auto supp = A.support(i);
  for (std::size_t jp : supp) {
    s_max = std::max(s_max, std::abs(S(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(jp))));
    la_max = std::max(la_max, std::abs(std::log(A.value(i, jp))));
    for (std::size_t j = 0; j < A.L(); ++j) {
      if (A.value(i, j) > 0) {
        row.eps_i = std::max(row.eps_i, r1_at(M, A, i, j, jp));
      } else {
        const Real v = r2_at(M, j, jp);
        if (!row.lgam_i || v > *row.lgam_i) row.lgam_i = v;
      }
    }
  }
  row.tol_eps = 4 * kU * (s_max + 9 * la_max + static_cast<double>(row.eps_i));
  row.tol_lgam = row.lgam_i ? 2 * kU * std::abs(static_cast<double>(*row.lgam_i)) + 1e-40 : 0.0;
  return row;
}

// ---------------------------------------------------------------------------
// Score matrices: built to pass, built to fail R1 or R2, or unstructured.
// ---------------------------------------------------------------------------

enum class ScoreMode { Pass, FailR1, FailR2, Random };

struct Scored {
  Matrix S;
  double eps = 0;
  double gamma = 0;
  ScoreMode mode = ScoreMode::Pass;
};

/// Pass: S_ij = c_i + ln A_ij + e_ij with e_ij in [0, 0.9 eps] on the support
/// (so eps_i <= 0.9 eps) and S_ij <= min_support + ln gamma - 0.01 off it.
/// FailR1: one support entry of a row with k_i >= 2 raised by 2 eps (spread
/// >= 1.1 eps). FailR2: one off-support entry set to min_support + ln gamma +
/// [0.01, 2]. Random: every S_ij uniform in [-8, 8].
Scored draw_scores(const Target& A, std::optional<ScoreMode> forced = std::nullopt) {
  Scored out;
  out.eps = *gen_real(0.05, 2.0);
  out.gamma = *gen_real(0.01, 0.9);
  out.mode = forced ? *forced : *rc::gen::element(ScoreMode::Pass, ScoreMode::FailR1, ScoreMode::FailR2, ScoreMode::Random);
  const auto L = static_cast<Eigen::Index>(A.L());
  out.S = Matrix::Zero(L, L);
  if (out.mode == ScoreMode::Random) {
    for (Eigen::Index i = 0; i < L; ++i)
      for (Eigen::Index j = 0; j < L; ++j) out.S(i, j) = *gen_real(-8, 8);
    return out;
  }
  std::vector<double> min_support(A.L());
  for (std::size_t i = 0; i < A.L(); ++i) {
    const auto ii = static_cast<Eigen::Index>(i);
    const double c = *gen_real(-5, 5);
    const auto s = A.support(i);
    const auto w = A.weights(i);
    double m = kInf;
    for (std::size_t n = 0; n < s.size(); ++n) {
      out.S(ii, static_cast<Eigen::Index>(s[n])) = c + std::log(w[n]) + *gen_real(0, 0.9) * out.eps;
      m = std::min(m, out.S(ii, static_cast<Eigen::Index>(s[n])));
    }
    min_support[i] = m;
    for (std::size_t j = 0; j < A.L(); ++j)
      if (!A.in_support(i, j)) out.S(ii, static_cast<Eigen::Index>(j)) = m + std::log(out.gamma) - *gen_real(0.01, 3);
  }
  std::vector<std::size_t> rows;
  for (std::size_t i = 0; i < A.L(); ++i)
    if ((out.mode == ScoreMode::FailR1 && A.k_i(i) >= 2) || (out.mode == ScoreMode::FailR2 && A.k_i(i) < A.L())) rows.push_back(i);
  if (rows.empty()) return out;  // nothing to break: stays a passing instance
  const std::size_t r = *rc::gen::elementOf(rows);
  const auto rr = static_cast<Eigen::Index>(r);
  if (out.mode == ScoreMode::FailR1) {
    const std::size_t j = *rc::gen::elementOf(std::vector<std::size_t>(A.support(r).begin(), A.support(r).end()));
    out.S(rr, static_cast<Eigen::Index>(j)) += 2 * out.eps;
  } else {
    std::vector<std::size_t> off;
    for (std::size_t j = 0; j < A.L(); ++j)
      if (!A.in_support(r, j)) off.push_back(j);
    const std::size_t j = *rc::gen::elementOf(off);
    out.S(rr, static_cast<Eigen::Index>(j)) = min_support[r] + std::log(out.gamma) + *gen_real(0.01, 2);
  }
  return out;
}

const char* mode_name(ScoreMode m) {
  switch (m) {
    case ScoreMode::Pass: return "built to pass";
    case ScoreMode::FailR1: return "built to fail R1";
    case ScoreMode::FailR2: return "built to fail R2";
    case ScoreMode::Random: return "random scores";
  }
  return "?";
}

/// All fields of two evaluations, doubles bit for bit.
bool same_evaluation(const ApproximationEvaluation& a, const ApproximationEvaluation& b) {
  if (bits(a.eps) != bits(b.eps) || bits(a.gamma) != bits(b.gamma) || bits(a.eps_hat) != bits(b.eps_hat) ||
      bits(a.log_gamma_hat) != bits(b.log_gamma_hat) || bits(a.gamma_hat) != bits(b.gamma_hat) ||
      a.worst_row_eps != b.worst_row_eps || a.worst_row_gamma != b.worst_row_gamma || a.rows != b.rows ||
      a.r1_holds != b.r1_holds || a.r2_holds != b.r2_holds || a.witness.has_value() != b.witness.has_value())
    return false;
  if (!a.witness) return true;
  const auto& x = *a.witness;
  const auto& y = *b.witness;
  return x.i == y.i && x.j == y.j && x.j_prime == y.j_prime && x.condition == y.condition && bits(x.excess) == bits(y.excess);
}

// ---------------------------------------------------------------------------
// Known answer.
// ---------------------------------------------------------------------------

// Definition 2 and Proposition 2.1 on a 3 x 3 example worked by hand.
//   A = [1 2 0; 0 1 0; 1 1 1],  S = [0.5, 0.25 + ln 2, -1; 3, 0, 1; 0, 0.25, 0.125]
// Row 0 (supp {0,1}): S - ln A = (0.5, 0.25)  -> eps_0 = 0.25 (j+ = 0, j- = 1);
//   lgam_0 = S_02 - min(S_00, S_01) = -1 - 0.5 = -1.5 (j = 2, j' = 0).
// Row 1 (supp {1}):   eps_1 = 0;  lgam_1 = max(3, 1) - 0 = 3 (j = 0, j' = 1).
// Row 2 (full):       S - ln A = (0, 0.25, 0.125) -> eps_2 = 0.25; lgam_2 = -inf.
// eps_hat = 0.25 (rows 0 and 2 tie; the smaller index, 0, is reported);
// log gamma_hat = 3 (row 1), gamma_hat = e^3 = 20.085536923187668...
// (a) eps = 0.3, gamma = 0.5: R1 holds, R2 fails at (1, 0, 1) by 3 - ln 0.5 = 3.6931471805599453.
// (b) eps = 0.2: R1 fails first, at (0, 0, 1) by 0.25 - 0.2 = 0.05.
// (c) row 1 of S replaced by (-5, 0, -4): lgam_1 = -4, log gamma_hat = -1.5
//     (row 0), gamma_hat = e^-1.5 = 0.22313016014842982 <= 0.5: approximates.
// Every number above is exact in binary64 except ln 2 terms, which cancel
// exactly (0.25 + fl(ln 2) lies in [0.5, 1) with fl(ln 2), so the sum and the
// difference are exact).
TEST(Definition2Approximation, HandWorkedThreeByThree) {
  Matrix Ad(3, 3);
  Ad << 1, 2, 0, 0, 1, 0, 1, 1, 1;
  const Target A = Target::from_dense(Ad);
  Matrix S(3, 3);
  S << 0.5, 0.25 + std::log(2.0), -1, 3, 0, 1, 0, 0.25, 0.125;

  const RowApproximation r0 = jlattn::evaluate_row(row_of(S, 0), A, 0);
  EXPECT_EQ(r0.eps_i, 0.25);
  EXPECT_EQ(r0.log_gamma_i, -1.5);
  EXPECT_EQ(r0.r1_j, 0u);
  EXPECT_EQ(r0.r1_j_prime, 1u);
  EXPECT_EQ(r0.r2_j, 2u);
  EXPECT_EQ(r0.r2_j_prime, 0u);
  const RowApproximation r1 = jlattn::evaluate_row(row_of(S, 1), A, 1);
  EXPECT_EQ(r1.eps_i, 0.0);
  EXPECT_EQ(r1.log_gamma_i, 3.0);
  EXPECT_EQ(r1.r2_j, 0u);
  EXPECT_EQ(r1.r2_j_prime, 1u);
  const RowApproximation r2 = jlattn::evaluate_row(row_of(S, 2), A, 2);
  EXPECT_EQ(r2.eps_i, 0.25);
  EXPECT_EQ(r2.log_gamma_i, -kInf);

  const ApproximationEvaluation a = jlattn::evaluate_approximation(S, A, 0.3, 0.5);
  EXPECT_EQ(a.eps_hat, 0.25);
  EXPECT_EQ(a.worst_row_eps, 0u);
  EXPECT_EQ(a.log_gamma_hat, 3.0);
  EXPECT_EQ(a.worst_row_gamma, 1u);
  EXPECT_NEAR(a.gamma_hat, 20.085536923187668, 4e-15);
  EXPECT_EQ(a.rows, 3u);
  EXPECT_TRUE(a.r1_holds);
  EXPECT_FALSE(a.r2_holds);
  EXPECT_FALSE(a.approximates());
  ASSERT_TRUE(a.witness.has_value());
  EXPECT_EQ(a.witness->condition, Condition::R2);
  EXPECT_EQ(jlattn::to_string(a.witness->condition), "R2");
  EXPECT_EQ(a.witness->i, 1u);
  EXPECT_EQ(a.witness->j, 0u);
  EXPECT_EQ(a.witness->j_prime, 1u);
  EXPECT_NEAR(a.witness->excess, 3.6931471805599453, 1e-15);

  const ApproximationEvaluation b = jlattn::evaluate_approximation(S, A, 0.2, 0.5);
  EXPECT_FALSE(b.r1_holds);
  ASSERT_TRUE(b.witness.has_value());
  EXPECT_EQ(b.witness->condition, Condition::R1);
  EXPECT_EQ(jlattn::to_string(b.witness->condition), "R1");
  EXPECT_EQ(b.witness->i, 0u);
  EXPECT_EQ(b.witness->j, 0u);
  EXPECT_EQ(b.witness->j_prime, 1u);
  EXPECT_NEAR(b.witness->excess, 0.05, 1e-16);

  S.row(1) << -5, 0, -4;
  const ApproximationEvaluation c = jlattn::evaluate_approximation(S, A, 0.3, 0.5);
  EXPECT_EQ(c.log_gamma_hat, -1.5);
  EXPECT_EQ(c.worst_row_gamma, 0u);
  EXPECT_NEAR(c.gamma_hat, 0.22313016014842982, 1e-16);
  EXPECT_TRUE(c.approximates());
  EXPECT_FALSE(c.witness.has_value());
}

// Proposition 2.1, empty maximum: a row whose support is the whole row has
// lgam_i = -inf; if every row is full, log gamma_hat = -inf, gamma_hat = 0 and
// R2 holds for every gamma. One non-full row makes it finite again.
TEST(Definition2Approximation, FullSupportRowsGiveGammaHatZero) {
  Matrix Ad(4, 4);
  Ad << 1, 2, 3, 4, 0.5, 0.5, 0.5, 0.5, 7, 1, 1, 2, 1e-3, 1, 1e3, 1;
  const Target A = Target::from_dense(Ad);
  Matrix S(4, 4);
  S << 9, -9, 0, 1, 0, 0, 0, 0, 3, 1, 4, 1, -5, 9, 2, 6;
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(jlattn::evaluate_row(row_of(S, i), A, i).log_gamma_i, -kInf) << "row " << i;
  const ApproximationEvaluation e = jlattn::evaluate_approximation(S, A, 100.0, 1e-300);
  EXPECT_EQ(e.log_gamma_hat, -kInf);
  EXPECT_EQ(e.gamma_hat, 0.0);
  EXPECT_TRUE(e.r2_holds);
  EXPECT_TRUE(e.approximates());

  Ad(2, 1) = 0;  // row 2 now misses column 1: lgam_2 = S_21 - min(S_20, S_22, S_23) = 1 - 1 = 0
  const Target B = Target::from_dense(Ad);
  const ApproximationEvaluation f = jlattn::evaluate_approximation(S, B, 100.0, 0.5);
  EXPECT_EQ(f.log_gamma_hat, 0.0);
  EXPECT_EQ(f.gamma_hat, 1.0);
  EXPECT_EQ(f.worst_row_gamma, 2u);
  EXPECT_FALSE(f.r2_holds);
}

// Preconditions of evaluate_approximation / evaluate_row / the accumulator:
// S must be L x L and finite, eps in (0, inf), gamma in (0, 1); otherwise an
// InputError that names the problem.
TEST(Definition2Approximation, BadShapesScoresAndParametersThrow) {
  const Target A = Target::from_dense(Matrix::Identity(3, 3));
  const Matrix good = Matrix::Zero(3, 3);
  EXPECT_THAT(input_error_message([&] { jlattn::evaluate_approximation(Matrix::Zero(3, 4), A, 0.5, 0.5); }), HasSubstr("3 x 4"));
  EXPECT_THAT(input_error_message([&] { jlattn::evaluate_approximation(Matrix::Zero(4, 4), A, 0.5, 0.5); }), HasSubstr("4 x 4"));
  EXPECT_THAT(input_error_message([&] { jlattn::evaluate_approximation(Matrix::Zero(2, 3), A, 0.5, 0.5); }), HasSubstr("2 x 3"));
  for (double bad : {std::numeric_limits<double>::quiet_NaN(), kInf, -kInf}) {
    Matrix S = good;
    S(1, 2) = bad;
    EXPECT_THAT(input_error_message([&] { jlattn::evaluate_approximation(S, A, 0.5, 0.5); }), HasSubstr("NaN or infinite")) << bad;
  }
  for (double eps : {0.0, -0.0, -1.0, std::numeric_limits<double>::quiet_NaN(), kInf}) {
    EXPECT_THAT(input_error_message([&] { jlattn::evaluate_approximation(good, A, eps, 0.5); }), HasSubstr("eps")) << eps;
    EXPECT_THAT(input_error_message([&] { ApproximationAccumulator acc(eps, 0.5); (void)acc; }), HasSubstr("eps")) << eps;
  }
  for (double gamma : {0.0, 1.0, -0.25, 1.5, std::numeric_limits<double>::quiet_NaN(), kInf}) {
    EXPECT_THAT(input_error_message([&] { jlattn::evaluate_approximation(good, A, 0.5, gamma); }), HasSubstr("gamma")) << gamma;
    EXPECT_THAT(input_error_message([&] { ApproximationAccumulator acc(0.5, gamma); (void)acc; }), HasSubstr("gamma")) << gamma;
  }
  const std::vector<double> short_row(2, 0.0);
  EXPECT_THAT(input_error_message([&] { jlattn::evaluate_row(short_row, A, 0); }), HasSubstr("2 entries"));
}

// ---------------------------------------------------------------------------
// Properties.
// ---------------------------------------------------------------------------

// Proposition 2.1 (row reduction) with Proposition 2.3 (scores for ln M): the
// O(L) eps_i and lgam_i of evaluate_row equal the maxima of Definition 2's
// R1/R2 quantities over all pairs (j, j') for M = softmax(S) (MPFR), within
// the rounding bounds of the file comment; eps_hat / log gamma_hat are the
// maxima over rows, the reported worst rows attain them (smallest index on
// ties), and the verdict agrees with the exact one whenever the exact margin
// exceeds the rounding bound.
RC_GTEST_PROP(Definition2Approximation, RowReductionEqualsAllPairsDefinition, ()) {
  const auto drawn = *jlattn::testing::gen_target({.min_L = 2, .max_L = 20, .max_k = 4});
  const Target& A = drawn.A;
  const Scored sc = draw_scores(A);
  RC_CLASSIFY(drawn.has_global_column, "global column");
  RC_TAG(mode_name(sc.mode));

  Real eps_hat = 0;
  std::optional<Real> lgam_hat;
  double tol_eps = 0, tol_lgam = 0;
  std::vector<RowApproximation> code_rows;
  for (std::size_t i = 0; i < A.L(); ++i) {
    const ExactRow ex = exact_row(sc.S, A, i);
    const RowApproximation got = jlattn::evaluate_row(row_of(sc.S, i), A, i);
    code_rows.push_back(got);
    RC_ASSERT(within(got.eps_i, ex.eps_i, ex.tol_eps));
    if (ex.lgam_i) {
      RC_ASSERT(within(got.log_gamma_i, *ex.lgam_i, ex.tol_lgam));
      if (!lgam_hat || *ex.lgam_i > *lgam_hat) lgam_hat = *ex.lgam_i;
    } else {
      RC_ASSERT(got.log_gamma_i == -kInf);
    }
    eps_hat = std::max(eps_hat, ex.eps_i);
    tol_eps = std::max(tol_eps, ex.tol_eps);
    tol_lgam = std::max(tol_lgam, ex.tol_lgam);
  }

  const ApproximationEvaluation e = jlattn::evaluate_approximation(sc.S, A, sc.eps, sc.gamma);
  RC_ASSERT(e.rows == A.L());
  RC_ASSERT(e.eps == sc.eps);
  RC_ASSERT(e.gamma == sc.gamma);
  RC_ASSERT(within(e.eps_hat, eps_hat, tol_eps));
  if (lgam_hat) {
    RC_ASSERT(within(e.log_gamma_hat, *lgam_hat, tol_lgam));
  } else {
    RC_ASSERT(e.log_gamma_hat == -kInf);
    RC_ASSERT(e.gamma_hat == 0.0);
  }
  // Worst rows attain the maxima; ties go to the smallest row index.
  RC_ASSERT(code_rows[e.worst_row_eps].eps_i == e.eps_hat);
  RC_ASSERT(code_rows[e.worst_row_gamma].log_gamma_i == e.log_gamma_hat);
  for (std::size_t i = 0; i < A.L(); ++i) {
    RC_ASSERT(code_rows[i].eps_i <= e.eps_hat);
    RC_ASSERT(code_rows[i].log_gamma_i <= e.log_gamma_hat);
    if (i < e.worst_row_eps) RC_ASSERT(code_rows[i].eps_i < e.eps_hat);
    if (i < e.worst_row_gamma) RC_ASSERT(code_rows[i].log_gamma_i < e.log_gamma_hat);
  }
  // Verdicts, where the exact margin is larger than the rounding bound.
  const Real margin_r1 = Real(eps_hat - Real(sc.eps));
  const bool r1_decided = Real(abs(margin_r1)) > Real(tol_eps);
  if (r1_decided) RC_ASSERT(e.r1_holds == (margin_r1 < 0));
  bool r2_decided = true;
  if (lgam_hat) {
    const Real margin_r2 = Real(*lgam_hat - boost::multiprecision::log(Real(sc.gamma)));
    r2_decided = Real(abs(margin_r2)) > Real(tol_lgam + 8 * kU * std::abs(std::log(sc.gamma)));
    if (r2_decided) RC_ASSERT(e.r2_holds == (margin_r2 < 0));
  } else {
    RC_ASSERT(e.r2_holds);
  }
  RC_CLASSIFY(!r1_decided || !r2_decided, "verdict within rounding of a threshold");
  RC_CLASSIFY(e.approximates(), "approximates");
  RC_ASSERT(e.approximates() == (e.r1_holds && e.r2_holds));
  if (sc.mode == ScoreMode::Pass) RC_ASSERT(e.approximates());
}

// Witnesses (Remarks of the proof page): when the evaluation fails, the
// witness (i, j, j') names a pair at which the named condition fails, by the
// reported excess, recomputed from Definition 2 with M = softmax(S) in MPFR:
// R1: j, j' in supp_i and |ln(M_ij/M_ij') - ln(A_ij/A_ij')| - eps = excess;
// R2: j off, j' on supp_i and ln(M_ij/M_ij') - ln gamma = excess.
// R1 is reported whenever R1 fails; the witness pair is a worst pair (its
// violation is the exact maximum over all rows and pairs, within rounding).
RC_GTEST_PROP(Definition2Approximation, WitnessViolatesTheNamedCondition, ()) {
  const auto drawn = *jlattn::testing::gen_target({.min_L = 2, .max_L = 20, .max_k = 4});
  const Target& A = drawn.A;
  const Scored sc = draw_scores(A, *rc::gen::element(ScoreMode::FailR1, ScoreMode::FailR2, ScoreMode::Random));
  RC_TAG(mode_name(sc.mode));
  const ApproximationEvaluation e = jlattn::evaluate_approximation(sc.S, A, sc.eps, sc.gamma);
  RC_ASSERT(e.witness.has_value() == !e.approximates());
  if (!e.witness) return;
  const jlattn::Witness& w = *e.witness;
  RC_CLASSIFY(w.condition == Condition::R1, "R1 witness");
  RC_CLASSIFY(w.condition == Condition::R2, "R2 witness");
  RC_ASSERT(w.condition == (e.r1_holds ? Condition::R2 : Condition::R1));
  RC_ASSERT(w.excess > 0);
  RC_ASSERT(w.i < A.L());
  RC_ASSERT(w.j < A.L());
  RC_ASSERT(A.in_support(w.i, w.j_prime));
  const std::vector<Real> M = softmax_row(sc.S, w.i);
  // Exact worst violation over all rows, by brute force.
  std::optional<Real> worst_value;
  double tol = 0;
  for (std::size_t i = 0; i < A.L(); ++i) {
    const ExactRow ex = exact_row(sc.S, A, i);
    if (w.condition == Condition::R1) {
      if (!worst_value || ex.eps_i > *worst_value) worst_value = ex.eps_i;
      tol = std::max(tol, ex.tol_eps);
    } else if (ex.lgam_i) {
      if (!worst_value || *ex.lgam_i > *worst_value) worst_value = *ex.lgam_i;
      tol = std::max(tol, ex.tol_lgam);
    }
  }
  RC_ASSERT(worst_value.has_value());  // an R2 witness needs a row that is not full
  Real worst = *worst_value;
  Real violation;
  if (w.condition == Condition::R1) {
    RC_ASSERT(A.in_support(w.i, w.j));
    violation = Real(r1_at(M, A, w.i, w.j, w.j_prime) - Real(sc.eps));
    worst = Real(worst - Real(sc.eps));
    tol += kU * std::abs(w.excess);
  } else {
    RC_ASSERT(!A.in_support(w.i, w.j));
    const Real ln_gamma = boost::multiprecision::log(Real(sc.gamma));
    violation = Real(r2_at(M, w.j, w.j_prime) - ln_gamma);
    worst = Real(worst - ln_gamma);
    tol += 8 * kU * std::abs(std::log(sc.gamma)) + 2 * kU * std::abs(w.excess);
  }
  RC_ASSERT(within(w.excess, violation, tol));
  RC_ASSERT(within(w.excess, worst, 2 * tol));
  RC_ASSERT(violation > Real(-tol));
}

// Proposition 2.3 / 2.2 (softmax denominator cancels): adding a constant c_i
// to each score row leaves eps_i and lgam_i unchanged. In double the shifted
// scores are rounded, so both evaluations are compared to their exact values'
// common limit: |difference| <= tol(S) + tol(S') + 2u max|S'| (file comment;
// the last term is the rounding of S + c).
RC_GTEST_PROP(Definition2Approximation, ShiftingAScoreRowChangesNothing, ()) {
  const auto drawn = *jlattn::testing::gen_target({.min_L = 2, .max_L = 32, .max_k = 4});
  const Target& A = drawn.A;
  const Scored sc = draw_scores(A);
  RC_TAG(mode_name(sc.mode));
  Matrix shifted = sc.S;
  for (Eigen::Index i = 0; i < shifted.rows(); ++i) shifted.row(i).array() += *gen_real(-100, 100);
  for (std::size_t i = 0; i < A.L(); ++i) {
    const RowApproximation a = jlattn::evaluate_row(row_of(sc.S, i), A, i);
    const RowApproximation b = jlattn::evaluate_row(row_of(shifted, i), A, i);
    double s_max = 0, s2_max = 0, la_max = 0;
    for (std::size_t j : A.support(i)) la_max = std::max(la_max, std::abs(std::log(A.value(i, j))));
    for (std::size_t j = 0; j < A.L(); ++j) {
      s_max = std::max(s_max, std::abs(sc.S(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j))));
      s2_max = std::max(s2_max, std::abs(shifted(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j))));
    }
    const double tol_eps = 4 * kU * (s_max + 9 * la_max + a.eps_i) + 4 * kU * (s2_max + 9 * la_max + b.eps_i) + 2 * kU * s2_max;
    RC_ASSERT(std::abs(a.eps_i - b.eps_i) <= tol_eps);
    if (a.log_gamma_i == -kInf) {
      RC_ASSERT(b.log_gamma_i == -kInf);
    } else {
      const double tol_lg = 2 * kU * (std::abs(a.log_gamma_i) + std::abs(b.log_gamma_i)) + 2 * kU * s2_max;
      RC_ASSERT(std::abs(a.log_gamma_i - b.log_gamma_i) <= tol_lg);
    }
  }
}

// Proposition 2.3 exactly: with A constant on every row (ln A_ij = ln 1 = 0),
// scores on the grid 2^-8 Z in [-16, 16] and integer multiples of 2^-8 in
// [-64, 64] as row shifts, every operation of the evaluation is exact, so the
// whole evaluation (values, worst rows, witness) is the same bit for bit.
RC_GTEST_PROP(Definition2Approximation, ShiftOnADyadicGridIsBitExact, ()) {
  const auto drawn = *jlattn::testing::gen_target({.min_L = 2, .max_L = 24, .max_k = 4, .max_rho = 0.0});
  const Target& A = drawn.A;
  const auto L = static_cast<Eigen::Index>(A.L());
  Matrix S(L, L), shifted(L, L);
  for (Eigen::Index i = 0; i < L; ++i) {
    const double c = std::ldexp(static_cast<double>(*rc::gen::inRange(-64 * 256, 64 * 256 + 1)), -8);
    for (Eigen::Index j = 0; j < L; ++j) {
      S(i, j) = std::ldexp(static_cast<double>(*rc::gen::inRange(-16 * 256, 16 * 256 + 1)), -8);
      shifted(i, j) = S(i, j) + c;
    }
  }
  const double eps = *gen_real(0.01, 8);
  const double gamma = *gen_real(0.001, 0.999);
  const ApproximationEvaluation a = jlattn::evaluate_approximation(S, A, eps, gamma);
  const ApproximationEvaluation b = jlattn::evaluate_approximation(shifted, A, eps, gamma);
  RC_CLASSIFY(a.approximates(), "approximates");
  RC_ASSERT(same_evaluation(a, b));
}

// Proposition 2.2 for A: multiplying row i of A by t_i > 0 leaves lgam_i bit
// for bit (it depends on the support only) and eps_i up to rounding: the
// scaled weights are rounded (|Delta ln| <= 1.01u each, 2.1u in a
// difference) and the two evaluations each have the file comment's bound.
RC_GTEST_PROP(Definition2Approximation, ScalingARowOfAChangesNothing, ()) {
  const auto drawn = *jlattn::testing::gen_target({.min_L = 2, .max_L = 32, .max_k = 4});
  const Target& A = drawn.A;
  std::vector<TargetEntry> entries;
  for (std::size_t i = 0; i < A.L(); ++i) {
    const double t = std::exp(*gen_real(-30, 30));
    for (std::size_t n = 0; n < A.k_i(i); ++n) entries.push_back({i, A.support(i)[n], A.weights(i)[n] * t});
  }
  const Target At = Target::from_entries(A.L(), entries);
  const Scored sc = draw_scores(A);
  RC_TAG(mode_name(sc.mode));
  for (std::size_t i = 0; i < A.L(); ++i) {
    const RowApproximation a = jlattn::evaluate_row(row_of(sc.S, i), A, i);
    const RowApproximation b = jlattn::evaluate_row(row_of(sc.S, i), At, i);
    RC_ASSERT(bits(a.log_gamma_i) == bits(b.log_gamma_i));
    double s_max = 0, la_max = 0, lb_max = 0;
    for (std::size_t n = 0; n < A.k_i(i); ++n) {
      s_max = std::max(s_max, std::abs(sc.S(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(A.support(i)[n]))));
      la_max = std::max(la_max, std::abs(std::log(A.weights(i)[n])));
      lb_max = std::max(lb_max, std::abs(std::log(At.weights(i)[n])));
    }
    const double tol = 4 * kU * (s_max + 9 * la_max + a.eps_i) + 4 * kU * (s_max + 9 * lb_max + b.eps_i) + 2.1 * kU;
    RC_ASSERT(std::abs(a.eps_i - b.eps_i) <= tol);
  }
}

// Remarks, order of rows: rows split into random chunks, each chunk added in
// a random order, the chunks merged in a random order (with empty
// accumulators thrown in) give the same evaluation bit for bit as
// evaluate_approximation, worst rows and witness included. Half the cases use
// constant targets and scores in {0, 1/2, 1}, where ties between rows are the
// rule, so the tie-breaking (smallest row index) is exercised.
RC_GTEST_PROP(Definition2Approximation, MergeOrderDoesNotChangeTheResult, ()) {
  const bool ties = *rc::gen::arbitrary<bool>();
  const auto drawn = *jlattn::testing::gen_target({.min_L = 2, .max_L = 32, .max_k = 4, .max_rho = ties ? 0.0 : 1.3862943611198906});
  const Target& A = drawn.A;
  Scored sc = draw_scores(A);
  if (ties)
    for (Eigen::Index i = 0; i < sc.S.rows(); ++i)
      for (Eigen::Index j = 0; j < sc.S.cols(); ++j) sc.S(i, j) = 0.5 * *rc::gen::inRange(0, 3);
  const ApproximationEvaluation reference = jlattn::evaluate_approximation(sc.S, A, sc.eps, sc.gamma);

  std::vector<std::size_t> order(A.L());
  std::iota(order.begin(), order.end(), std::size_t{0});
  for (std::size_t t = order.size(); t > 1; --t) std::swap(order[t - 1], order[*rc::gen::inRange<std::size_t>(0, t)]);
  const std::size_t chunks = *rc::gen::inRange<std::size_t>(1, std::min<std::size_t>(A.L(), 6) + 1);
  std::vector<ApproximationAccumulator> parts(chunks + 1, ApproximationAccumulator(sc.eps, sc.gamma));  // the last stays empty
  for (std::size_t n = 0; n < order.size(); ++n) {
    const std::size_t part = n < chunks ? n : *rc::gen::inRange<std::size_t>(0, chunks);  // every chunk non-empty
    parts[part].add(order[n], jlattn::evaluate_row(row_of(sc.S, order[n]), A, order[n]));
  }
  std::vector<std::size_t> merge_order(parts.size());
  std::iota(merge_order.begin(), merge_order.end(), std::size_t{0});
  for (std::size_t t = merge_order.size(); t > 1; --t) std::swap(merge_order[t - 1], merge_order[*rc::gen::inRange<std::size_t>(0, t)]);
  ApproximationAccumulator total(sc.eps, sc.gamma);
  for (std::size_t p : merge_order) total.merge(parts[p]);
  const ApproximationEvaluation merged = total.result();

  std::size_t eps_ties = 0, gamma_ties = 0;
  for (std::size_t i = 0; i < A.L(); ++i) {
    const RowApproximation r = jlattn::evaluate_row(row_of(sc.S, i), A, i);
    eps_ties += r.eps_i == reference.eps_hat ? 1 : 0;
    gamma_ties += r.log_gamma_i == reference.log_gamma_hat ? 1 : 0;
  }
  RC_CLASSIFY(eps_ties > 1, "tie at eps_hat");
  RC_CLASSIFY(gamma_ties > 1, "tie at log gamma_hat");
  RC_CLASSIFY(!reference.approximates(), "fails (witness compared)");
  RC_ASSERT(same_evaluation(merged, reference));
}

}  // namespace
