// Tests for src/jlattn/lemma1_log_transform: Lemma 1 (items 1-6) of
// proofs/lemma1-log-transform.md and its section "Floating point: the row
// minimum is exactly Delta".
//
// Oracle: MPFR at >= 200 bits (boost::multiprecision, 61 decimal digits):
// B_ij = Delta + ln(A_ij / a_i) with the user's doubles A_ij and Delta taken
// exactly.
//
// Rounding bound for a stored B_ij (u = 2^-53; the logarithm is portable_log,
// guaranteed within 4 ulp <= 8u|x|). With r = ln(A_ij / a_i) >= 0:
// * the logarithm of the quotient (log_ratio): quotient path
//   |fl-log - r| <= 1.01u + 8u(r + 1.01u) <= u(2 + 9r); fallback path (the
//   quotient overflows) 8u(|ln A_ij| + |ln a_i|) + 2u r + 2u;
// * the sum Delta + log is rounded once: <= u(Delta + r)(1 + 2^-40).
// tol_B = (log_ratio bound) + 2u(Delta + r). Differences of two entries carry
// the sum of their two bounds.
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
#include <string>
#include <vector>

#include "jlattn/proof/definition1_target.hpp"
#include "jlattn/proof/definition2_approximation.hpp"
#include "jlattn/core/errors.hpp"
#include "jlattn/proof/lemma1_log_transform.hpp"
#include "support/binary64.hpp"
#include "support/generators.hpp"
#include "support/input_error.hpp"
#include "support/mpfr.hpp"

namespace {

using jlattn::beta_sharp;
using jlattn::l1_norm_upper;
using jlattn::log_transform;
using jlattn::LogTransform;
using jlattn::Matrix;
using jlattn::Target;
using jlattn::TargetEntry;
using ::testing::HasSubstr;
// tests/support: the MPFR oracle (Real, within, exact_log_ratio,
// log_ratio_tolerance), kU, kInf, kNaN, bits, input_error_message, gen_real.
using namespace jlattn::testing;

/// Relative slack for comparing two MPFR evaluations of the same real number
/// (equality cases): far above 2^-200, far below anything double can see.
const Real kOracleSlack = Real(1e-50);

/// tol_B of the file comment for the entry with weight A_ij in a row with minimum a_i.
double b_tolerance(double A_ij, double a_i, double Delta) {
  const double r = std::abs(std::log(A_ij) - std::log(a_i));
  return log_ratio_tolerance(A_ij, a_i) + 2 * kU * (Delta + r);
}

double row_min(const Target& A, std::size_t i) {
  const auto w = A.weights(i);
  return *std::min_element(w.begin(), w.end());
}

/// rho by its row form (F1), at >= 200 bits.
Real exact_rho(const Target& A) {
  Real rho = 0;
  for (std::size_t i = 0; i < A.L(); ++i) {
    const auto w = A.weights(i);
    rho = std::max(rho, exact_log_ratio(*std::max_element(w.begin(), w.end()), *std::min_element(w.begin(), w.end())));
  }
  return rho;
}

/// Rounding bound of A.rho() against exact_rho (same log_ratio bound, worst row).
double rho_tolerance(const Target& A) {
  double tol = 0;
  for (std::size_t i = 0; i < A.L(); ++i) {
    const auto w = A.weights(i);
    tol = std::max(tol, log_ratio_tolerance(*std::max_element(w.begin(), w.end()), *std::min_element(w.begin(), w.end())));
  }
  return tol;
}

/// Exact B row i (MPFR), aligned with A.support(i).
std::vector<Real> exact_b_row(const Target& A, std::size_t i, double Delta) {
  const double a_i = row_min(A, i);
  std::vector<Real> b;
  for (double A_ij : A.weights(i)) b.push_back(Real(Real(Delta) + exact_log_ratio(A_ij, a_i)));
  return b;
}

/// Draw Delta: mostly moderate (Lemma 2's ln(1/gamma) + eps), sometimes tiny or large.
double draw_delta() {
  return *rc::gen::weightedOneOf<double>({{8, gen_real(1e-3, 40.0)}, {1, gen_real(1e-9, 1e-6)}, {1, gen_real(100.0, 1e4)}});
}

// ---------------------------------------------------------------------------
// Properties over the shared target generator.
// ---------------------------------------------------------------------------

// Items 1 and 2 (exact part) and the "Floating point" section: B has A's
// pattern (B_ij > 0 exactly on supp_i, exactly 0 elsewhere, in dense() and
// row()); every support entry is >= Delta; each row's minimum is the double
// Delta bit for bit, attained at every column where A_ij = a_i.
RC_GTEST_PROP(Lemma1LogTransform, PatternAndRowMinimumIsExactlyDelta, ()) {
  const auto drawn = *jlattn::testing::gen_target({.min_L = 2, .max_L = 64, .max_k = 4});
  const Target& A = drawn.A;
  RC_CLASSIFY(drawn.has_global_column, "global column");
  RC_CLASSIFY(A.k() == 1, "k == 1");
  RC_CLASSIFY(A.rho() == 0.0, "rho == 0");
  const double Delta = draw_delta();
  const LogTransform B = log_transform(A, Delta);
  RC_ASSERT(B.A == &A);
  RC_ASSERT(bits(B.gap_Delta) == bits(Delta));
  RC_ASSERT(B.b.size() == A.nnz());
  const Matrix D = B.dense();
  for (std::size_t i = 0; i < A.L(); ++i) {
    const auto row = B.row(i);
    RC_ASSERT(row.size() == A.k_i(i));
    const double a_i = row_min(A, i);
    for (std::size_t n = 0; n < row.size(); ++n) {
      RC_ASSERT(row[n] >= Delta);
      if (A.weights(i)[n] == a_i) RC_ASSERT(bits(row[n]) == bits(Delta));
      RC_ASSERT(bits(D(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(A.support(i)[n]))) == bits(row[n]));
    }
    RC_ASSERT(bits(*std::min_element(row.begin(), row.end())) == bits(Delta));
    for (std::size_t j = 0; j < A.L(); ++j) {
      const double v = D(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j));
      RC_ASSERT((v > 0) == A.in_support(i, j));
      if (!A.in_support(i, j)) RC_ASSERT(bits(v) == bits(0.0));
    }
  }
}

// Item 2 (range) and the definition of B: every stored B_ij is
// Delta + ln(A_ij / a_i) (MPFR) within tol_B, and lies in
// [Delta, Delta + rho] - the lower end exactly, the upper end up to tol_B
// (rho exact, MPFR).
RC_GTEST_PROP(Lemma1LogTransform, EntriesMatchMpfrAndLieBetweenDeltaAndDeltaPlusRho, ()) {
  const auto drawn = *jlattn::testing::gen_target({.min_L = 2, .max_L = 64, .max_k = 4});
  const Target& A = drawn.A;
  RC_CLASSIFY(drawn.has_global_column, "global column");
  RC_CLASSIFY(A.k() == 1, "k == 1");
  RC_CLASSIFY(A.rho() == 0.0, "rho == 0");
  const double Delta = draw_delta();
  const LogTransform B = log_transform(A, Delta);
  const Real rho = exact_rho(A);
  for (std::size_t i = 0; i < A.L(); ++i) {
    const double a_i = row_min(A, i);
    const std::vector<Real> exact = exact_b_row(A, i, Delta);
    for (std::size_t n = 0; n < A.k_i(i); ++n) {
      const double b = B.row(i)[n];
      const double tol = b_tolerance(A.weights(i)[n], a_i, Delta);
      RC_ASSERT(within(b, exact[n], tol));
      RC_ASSERT(b >= Delta);
      RC_ASSERT(Real(b) <= Real(Real(Delta) + rho + Real(tol)));
    }
  }
}

// Item 3 (differences on the support): B_ij - B_ij' = ln(A_ij / A_ij') for
// every ordered pair j, j' in supp_i, up to the two entries' tol_B; so exp(B)
// is a row rescaling of A on the support (item 5).
RC_GTEST_PROP(Lemma1LogTransform, SupportDifferencesAreLogRatios, ()) {
  const auto drawn = *jlattn::testing::gen_target({.min_L = 2, .max_L = 64, .max_k = 4});
  const Target& A = drawn.A;
  RC_CLASSIFY(drawn.has_global_column, "global column");
  RC_CLASSIFY(A.k() == 1, "k == 1");
  RC_CLASSIFY(A.rho() == 0.0, "rho == 0");
  const double Delta = draw_delta();
  const LogTransform B = log_transform(A, Delta);
  for (std::size_t i = 0; i < A.L(); ++i) {
    const double a_i = row_min(A, i);
    const auto w = A.weights(i);
    const auto b = B.row(i);
    for (std::size_t n = 0; n < w.size(); ++n)
      for (std::size_t m = 0; m < w.size(); ++m) {
        const Real diff = Real(Real(b[n]) - Real(b[m]));  // exact: two doubles at 200 bits
        const double tol = b_tolerance(w[n], a_i, Delta) + b_tolerance(w[m], a_i, Delta);
        RC_ASSERT(Real(abs(Real(diff - exact_log_ratio(w[n], w[m])))) <= Real(tol));
      }
  }
}

// Items 4 and 5: off-support minus support is <= -Delta, exactly in the
// stored doubles; evaluating Definition 2 on S = B gives lgam_i = -Delta
// bit for bit in every row with k_i < L (-inf in full rows), and eps_i = 0 up
// to rounding (<= the two entries' tol_B plus Definition 2's own evaluation
// bound 4u(max B + 9 max|ln A|); see the Definition 2 tests).
RC_GTEST_PROP(Lemma1LogTransform, GapAndExpBApproximatesA, ()) {
  const auto drawn = *jlattn::testing::gen_target({.min_L = 2, .max_L = 48, .max_k = 4});
  const Target& A = drawn.A;
  RC_CLASSIFY(drawn.has_global_column, "global column");
  RC_CLASSIFY(A.k() == 1, "k == 1");
  RC_CLASSIFY(A.rho() == 0.0, "rho == 0");
  const double Delta = draw_delta();
  const LogTransform B = log_transform(A, Delta);
  const Matrix D = B.dense();
  for (std::size_t i = 0; i < A.L(); ++i) {
    const auto ii = static_cast<Eigen::Index>(i);
    for (std::size_t j = 0; j < A.L(); ++j) {
      if (A.in_support(i, j)) continue;
      for (std::size_t jp : A.support(i))
        RC_ASSERT(D(ii, static_cast<Eigen::Index>(j)) - D(ii, static_cast<Eigen::Index>(jp)) <= -Delta);
    }
    const jlattn::RowApproximation row = jlattn::evaluate_row({D.data() + i * A.L(), A.L()}, A, i);
    if (A.k_i(i) < A.L()) {
      RC_ASSERT(bits(row.log_gamma_i) == bits(-Delta));
    } else {
      RC_ASSERT(row.log_gamma_i == -kInf);
    }
    const double a_i = row_min(A, i);
    double tol = 0, b_max = 0, la_max = 0;
    for (std::size_t n = 0; n < A.k_i(i); ++n) {
      tol = std::max(tol, b_tolerance(A.weights(i)[n], a_i, Delta));
      b_max = std::max(b_max, B.row(i)[n]);
      la_max = std::max(la_max, std::abs(std::log(A.weights(i)[n])));
    }
    RC_ASSERT(row.eps_i <= 2 * tol + 4 * kU * (b_max + 9 * la_max));
  }
}

// Item 6 (norms), as a statement about real numbers and about the code:
// (a) in MPFR, ||b_i||_2 <= beta_sharp(k_i) and ||b_i||_1 <= k_i Delta +
//     (k_i - 1) rho with the exact rho, and ||b_i||_2 >= sqrt(k_i) Delta;
// (b) in double, row_norm2(i) <= beta_sharp(k_i, Delta, A.rho()) and
//     row_norm1(i) <= l1_norm_upper(k_i, Delta, A.rho()) up to a slack made
//     of: the stored entries' tol_B (sqrt(k_i) max tol_B for the 2-norm, k_i max
//     tol_B for the 1-norm), the rounding of A.rho() (scaled by sqrt(k_i - 1)
//     resp. k_i - 1), and the evaluation of the sums, products and square roots
//     ((k_i + 4)u relative for the 2-norm side, (k_i + 2)u for the 1-norm side,
//     on both sides of the inequality).
RC_GTEST_PROP(Lemma1LogTransform, RowNormsWithinBetaSharpAndL1Bound, ()) {
  const auto drawn = *jlattn::testing::gen_target({.min_L = 2, .max_L = 64, .max_k = 6});
  const Target& A = drawn.A;
  RC_CLASSIFY(drawn.has_global_column, "global column");
  RC_CLASSIFY(A.k() == 1, "k == 1");
  RC_CLASSIFY(A.rho() == 0.0, "rho == 0");
  const double Delta = draw_delta();
  const LogTransform B = log_transform(A, Delta);
  const Real rho = exact_rho(A);
  const double tol_rho = rho_tolerance(A);
  for (std::size_t i = 0; i < A.L(); ++i) {
    const std::size_t k_i = A.k_i(i);
    const auto kr = static_cast<double>(k_i);
    // (a) exact.
    const std::vector<Real> b = exact_b_row(A, i, Delta);
    Real n2 = 0, n1 = 0;
    for (const Real& v : b) {
      n2 += v * v;
      n1 += v;
    }
    const Real top = Real(Real(Delta) + rho);
    const Real beta2 = Real(Real(Delta) * Real(Delta) + Real(kr - 1) * top * top);
    RC_ASSERT(n2 <= Real(beta2 * Real(1 + kOracleSlack)));
    RC_ASSERT(n1 <= Real(Real(Real(kr) * Real(Delta) + Real(kr - 1) * rho) * Real(1 + kOracleSlack)));
    RC_ASSERT(n2 >= Real(Real(kr) * Real(Delta) * Real(Delta) * Real(1 - kOracleSlack)));
    // (b) the code's doubles.
    const double a_i = row_min(A, i);
    double tol_b = 0;
    for (double A_ij : A.weights(i)) tol_b = std::max(tol_b, b_tolerance(A_ij, a_i, Delta));
    const double beta = beta_sharp(k_i, Delta, A.rho());
    const double l1 = l1_norm_upper(k_i, Delta, A.rho());
    const double slack2 = 2 * (kr + 4) * kU * beta + std::sqrt(kr) * tol_b + std::sqrt(kr - 1) * tol_rho;
    const double slack1 = 2 * (kr + 2) * kU * l1 + kr * tol_b + (kr - 1) * tol_rho;
    RC_ASSERT(B.row_norm2(i) <= beta + slack2);
    RC_ASSERT(B.row_norm1(i) <= l1 + slack1);
    RC_ASSERT(B.row_norm2(i) >= std::sqrt(kr) * Delta * (1 - 2 * (kr + 4) * kU));
  }
}

// Item 6, equality cases: a row with one weight a_i and the other k_i - 1
// weights a_i e^rho attains beta_sharp and the 1-norm bound. Rows use a_i = 2^e
// and a_i * w with the same double w = fl(e^rho0) (exact scaling, so every row
// has the same quotient w and rho = ln w). In MPFR, ||b_i||_2 = beta_sharp and
// ||b_i||_1 = k_i Delta + (k_i - 1) rho to 10^-50; in double, row_norm2 and
// row_norm1 equal beta_sharp(k_i, Delta, A.rho()) and l1_norm_upper(...) up to
// the slack of the previous property, on both sides.
RC_GTEST_PROP(Lemma1LogTransform, EqualityCasesAttainTheBounds, ()) {
  const std::size_t L = *rc::gen::inRange<std::size_t>(2, 40);
  const std::size_t k_max = std::min<std::size_t>(L, 6);
  const double rho0 = *rc::gen::weightedOneOf<double>({{4, gen_real(0.0, 8.0)}, {1, rc::gen::just(0.0)}});
  const double w = std::exp(rho0);
  const double Delta = draw_delta();
  std::vector<TargetEntry> entries;
  for (std::size_t i = 0; i < L; ++i) {
    const std::size_t k_i = *rc::gen::inRange<std::size_t>(1, k_max + 1);
    const double a_i = std::ldexp(1.0, *rc::gen::inRange(-30, 31));
    const std::size_t low = *rc::gen::inRange<std::size_t>(0, k_i);  // which of the k_i columns holds a_i
    for (std::size_t t = 0; t < k_i; ++t) entries.push_back({i, (i + t) % L, t == low ? a_i : a_i * w});
  }
  const Target A = Target::from_entries(L, entries);
  RC_CLASSIFY(A.k() == 1, "k == 1");
  RC_CLASSIFY(rho0 == 0.0, "rho == 0");
  const LogTransform B = log_transform(A, Delta);
  const Real rho = exact_log_ratio(w, 1.0);
  const double tol_rho = rho_tolerance(A);
  for (std::size_t i = 0; i < L; ++i) {
    const std::size_t k_i = A.k_i(i);
    const auto kr = static_cast<double>(k_i);
    const std::vector<Real> b = exact_b_row(A, i, Delta);
    Real n2 = 0, n1 = 0;
    for (const Real& v : b) {
      n2 += v * v;
      n1 += v;
    }
    const Real top = Real(Real(Delta) + rho);
    const Real beta2 = Real(Real(Delta) * Real(Delta) + Real(kr - 1) * top * top);
    const Real l1 = Real(Real(kr) * Real(Delta) + Real(kr - 1) * rho);
    RC_ASSERT(Real(abs(Real(n2 - beta2))) <= Real(kOracleSlack * beta2));
    RC_ASSERT(Real(abs(Real(n1 - l1))) <= Real(kOracleSlack * l1));

    double tol_b = 0;
    for (double A_ij : A.weights(i)) tol_b = std::max(tol_b, b_tolerance(A_ij, row_min(A, i), Delta));
    const double beta_d = beta_sharp(k_i, Delta, A.rho());
    const double l1_d = l1_norm_upper(k_i, Delta, A.rho());
    const double slack2 = 2 * (kr + 4) * kU * beta_d + std::sqrt(kr) * tol_b + std::sqrt(kr - 1) * tol_rho;
    const double slack1 = 2 * (kr + 2) * kU * l1_d + kr * tol_b + (kr - 1) * tol_rho;
    RC_ASSERT(std::abs(B.row_norm2(i) - beta_d) <= slack2);
    RC_ASSERT(std::abs(B.row_norm1(i) - l1_d) <= slack1);
  }
}

// Item 6, comparisons: Delta <= beta_sharp(k_i) <= sqrt(k_i)(Delta + rho)
// (the paper-style bound), beta_sharp and l1_norm_upper are non-decreasing in
// k_i and in rho, and both agree with their MPFR values within (k_i + 4)u
// relative.
RC_GTEST_PROP(Lemma1LogTransform, BetaSharpBetweenDeltaAndPaperBound, ()) {
  const std::size_t k = *rc::gen::weightedOneOf<std::size_t>({{4, rc::gen::inRange<std::size_t>(1, 1000)}, {1, rc::gen::just<std::size_t>(1)}});
  const double Delta = draw_delta();
  const double rho = *rc::gen::weightedOneOf<double>({{4, gen_real(0.0, 10.0)}, {1, rc::gen::just(0.0)}});
  RC_CLASSIFY(k == 1, "k_i == 1");
  RC_CLASSIFY(rho == 0.0, "rho == 0");
  const double beta = beta_sharp(k, Delta, rho);
  const double l1 = l1_norm_upper(k, Delta, rho);
  const auto kr = static_cast<double>(k);
  const Real top = Real(Real(Delta) + Real(rho));
  const Real beta_exact = boost::multiprecision::sqrt(Real(Real(Delta) * Real(Delta) + Real(kr - 1) * top * top));
  const Real l1_exact = Real(Real(kr) * Real(Delta) + Real(kr - 1) * Real(rho));
  RC_ASSERT(within(beta, beta_exact, (kr + 4) * kU * static_cast<double>(beta_exact)));
  RC_ASSERT(within(l1, l1_exact, (kr + 4) * kU * static_cast<double>(l1_exact)));
  RC_ASSERT(beta_exact >= Real(Delta));
  RC_ASSERT(beta_exact <= Real(boost::multiprecision::sqrt(Real(kr)) * top * Real(1 + kOracleSlack)));
  RC_ASSERT(beta >= Delta);
  RC_ASSERT(beta_sharp(k + 1, Delta, rho) >= beta);
  RC_ASSERT(beta_sharp(k, Delta, rho + 0.5) >= beta);
  RC_ASSERT(l1_norm_upper(k + 1, Delta, rho) >= l1);
  RC_ASSERT(l1_norm_upper(k, Delta, rho + 0.5) >= l1);
}

// ---------------------------------------------------------------------------
// Examples.
// ---------------------------------------------------------------------------

// Item 6 for k_i = 1: rho drops out, both bounds equal Delta whatever rho is
// (including a huge or infinite class value rho' >= rho, which item 6 allows)
// and for every Delta > 0; a one-entry row's norms are exactly Delta.
TEST(Lemma1LogTransform, SingleEntryRowsDropRho) {
  for (double Delta : {1e-200, 1e-3, 0.5, 3.0, 1e200})
    for (double rho : {0.0, 1.0, 1e10, 1e200, std::numeric_limits<double>::max(), kInf}) {
      EXPECT_EQ(beta_sharp(1, Delta, rho), Delta) << "Delta " << Delta << ", rho " << rho;
      EXPECT_EQ(l1_norm_upper(1, Delta, rho), Delta) << "Delta " << Delta << ", rho " << rho;
    }
  const Target A = Target::from_entries(3, {{0, 2, 5.0}, {1, 0, 1.0}, {1, 1, 7.0}, {2, 1, 1e-9}});
  const LogTransform B = log_transform(A, 2.75);
  EXPECT_EQ(B.row_norm2(0), 2.75);
  EXPECT_EQ(B.row_norm1(0), 2.75);
  EXPECT_EQ(B.row_norm2(2), 2.75);
  EXPECT_EQ(B.row_norm1(2), 2.75);
}

// Hand example of the definition of B (Delta = 2):
//   A row 0 = (1, 4, 0)  -> a_0 = 1, B row 0 = (2, 2 + ln 4, 0)
//   A row 1 = (0, 3, 3)  -> a_1 = 3, B row 1 = (0, 2, 2)
//   A row 2 = (5, 0, 10) -> a_2 = 5, B row 2 = (2, 0, 2 + ln 2)
// rho = ln 4; ||b_0||_2 = sqrt(4 + (2 + ln 4)^2) = beta_sharp(2, 2, ln 4).
TEST(Lemma1LogTransform, HandExample) {
  Matrix Ad(3, 3);
  Ad << 1, 4, 0, 0, 3, 3, 5, 0, 10;
  const Target A = Target::from_dense(Ad);
  const LogTransform B = log_transform(A, 2.0);
  const Matrix D = B.dense();
  const Real ln2 = boost::multiprecision::log(Real(2));
  EXPECT_EQ(D(0, 0), 2.0);
  EXPECT_TRUE(within(D(0, 1), Real(2 + 2 * ln2), b_tolerance(4, 1, 2)));
  EXPECT_EQ(D(0, 2), 0.0);
  EXPECT_EQ(D(1, 0), 0.0);
  EXPECT_EQ(D(1, 1), 2.0);
  EXPECT_EQ(D(1, 2), 2.0);
  EXPECT_EQ(D(2, 0), 2.0);
  EXPECT_EQ(D(2, 1), 0.0);
  EXPECT_TRUE(within(D(2, 2), Real(2 + ln2), b_tolerance(10, 5, 2)));
  const Real beta0 = boost::multiprecision::sqrt(Real(4 + Real(2 + 2 * ln2) * Real(2 + 2 * ln2)));
  EXPECT_TRUE(within(B.row_norm2(0), beta0, 1e-14));
  EXPECT_TRUE(within(beta_sharp(2, 2.0, A.rho()), beta0, 1e-14));
  EXPECT_EQ(B.row_norm1(1), 4.0);
}

// Extreme weights (the log_ratio fallback): rows holding 1e-300 and 1e300, and
// the smallest subnormal and the largest double, give finite B entries equal
// to Delta + ln(A_ij / a_i) (MPFR) within the fallback's tol_B, and a finite
// beta_sharp.
TEST(Lemma1LogTransform, ExtremeWeightsDoNotOverflow) {
  const double dmin = std::numeric_limits<double>::denorm_min();
  const double dmax = std::numeric_limits<double>::max();
  const Target A = Target::from_entries(3, {{0, 0, 1e-300}, {0, 1, 1e300}, {0, 2, 1.0},
                                            {1, 0, dmin}, {1, 2, dmax}, {2, 1, 1e300}});
  const double Delta = 4.5;
  const LogTransform B = log_transform(A, Delta);
  for (std::size_t i = 0; i < A.L(); ++i) {
    const double a_i = row_min(A, i);
    const std::vector<Real> exact = exact_b_row(A, i, Delta);
    for (std::size_t n = 0; n < A.k_i(i); ++n) {
      const double b = B.row(i)[n];
      EXPECT_TRUE(std::isfinite(b)) << i << ", " << n;
      EXPECT_TRUE(within(b, exact[n], b_tolerance(A.weights(i)[n], a_i, Delta)))
          << i << ", " << n << ": " << b << " vs " << static_cast<double>(exact[n]);
    }
    EXPECT_TRUE(std::isfinite(B.row_norm2(i)));
  }
  EXPECT_TRUE(std::isfinite(beta_sharp(A.k(), Delta, A.rho())));
  EXPECT_LE(B.row_norm2(1), beta_sharp(2, Delta, A.rho()) * (1 + 16 * kU));
}

// Preconditions: log_transform needs a finite Delta > 0; beta_sharp and
// l1_norm_upper need k_i >= 1, Delta > 0, rho >= 0 (NaN refused).
TEST(Lemma1LogTransform, BadDeltaThrows) {
  const Target A = Target::from_dense(Matrix::Identity(2, 2));
  for (double Delta : {0.0, -0.0, -1.0, kNaN, kInf, -kInf})
    EXPECT_THAT(input_error_message([&] { log_transform(A, Delta); }), HasSubstr("Delta")) << Delta;
  for (double Delta : {0.0, -1.0, kNaN}) {
    EXPECT_THAT(input_error_message([&] { beta_sharp(2, Delta, 1.0); }), HasSubstr("Delta")) << Delta;
    EXPECT_THAT(input_error_message([&] { l1_norm_upper(2, Delta, 1.0); }), HasSubstr("Delta")) << Delta;
  }
  for (double rho : {-1.0, -1e-300, kNaN}) {
    EXPECT_THAT(input_error_message([&] { beta_sharp(2, 1.0, rho); }), HasSubstr("rho")) << rho;
    EXPECT_THAT(input_error_message([&] { l1_norm_upper(2, 1.0, rho); }), HasSubstr("rho")) << rho;
  }
  EXPECT_THAT(input_error_message([] { beta_sharp(0, 1.0, 1.0); }), HasSubstr("k_i"));
  EXPECT_THAT(input_error_message([] { l1_norm_upper(0, 1.0, 1.0); }), HasSubstr("k_i"));
}

}  // namespace
