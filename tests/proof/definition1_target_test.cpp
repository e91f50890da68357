// Tests for src/jlattn/definition1_target: Definition 1 (target) and the facts
// F1-F5 of proofs/definition1-target.md.
//
// Oracles: the coordinate lists themselves (supports, k_i, k, column counts are
// recounted here from the entries, never read back from the code), and MPFR at
// >= 200 bits for every logarithm (rho, log_ratio).
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
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "jlattn/proof/definition1_target.hpp"
#include "jlattn/core/errors.hpp"
#include "support/binary64.hpp"
#include "support/generators.hpp"
#include "support/input_error.hpp"
#include "support/mpfr.hpp"

namespace {

using jlattn::Matrix;
using jlattn::Target;
using jlattn::TargetEntry;
using ::testing::HasSubstr;
// tests/support: the MPFR oracle (Real, within, exact_log_ratio,
// log_ratio_tolerance), kU, kInf, kNaN, input_error_message.
using namespace jlattn::testing;

/// Every observable of two targets, with the weights compared bit for bit.
bool same_target(const Target& a, const Target& b) {
  if (a.L() != b.L() || a.nnz() != b.nnz() || a.k() != b.k() || std::bit_cast<std::uint64_t>(a.rho()) != std::bit_cast<std::uint64_t>(b.rho()))
    return false;
  for (std::size_t i = 0; i < a.L(); ++i) {
    const auto sa = a.support(i), sb = b.support(i);
    const auto wa = a.weights(i), wb = b.weights(i);
    if (!std::equal(sa.begin(), sa.end(), sb.begin(), sb.end())) return false;
    for (std::size_t n = 0; n < wa.size(); ++n)
      if (std::bit_cast<std::uint64_t>(wa[n]) != std::bit_cast<std::uint64_t>(wb[n])) return false;
    if (a.column_count(i) != b.column_count(i)) return false;
  }
  return true;
}

/// Row-by-row map column -> value of the positive entries of a coordinate list
/// (the independent recount used as the oracle for supports and counts).
std::vector<std::map<std::size_t, double>> positive_rows(std::size_t L, const std::vector<TargetEntry>& entries) {
  std::vector<std::map<std::size_t, double>> rows(L);
  for (const TargetEntry& e : entries)
    if (e.value > 0) rows[e.row][e.col] = e.value;
  return rows;
}

/// rho by its definition (max over rows and all ordered pairs of the support),
/// at >= 200 bits.
Real exact_rho(const std::vector<std::map<std::size_t, double>>& rows) {
  Real rho = 0;
  for (const auto& row : rows)
    for (const auto& [j, a] : row)
      for (const auto& [jp, ap] : row) rho = std::max(rho, exact_log_ratio(a, ap));
  return rho;
}

/// The rounding bound for rho: that of the log_ratio call on the row's
/// largest and smallest weight, maximised over rows.
double rho_tolerance(const std::vector<std::map<std::size_t, double>>& rows) {
  double tol = 0;
  for (const auto& row : rows) {
    double hi = 0, lo = kInf;
    for (const auto& [j, a] : row) { hi = std::max(hi, a); lo = std::min(lo, a); }
    tol = std::max(tol, log_ratio_tolerance(hi, lo));
  }
  return tol;
}

// ---------------------------------------------------------------------------
// Validation: every precondition of Target::from_entries / from_dense is
// refused with an InputError whose message names the problem and where it is.
// ---------------------------------------------------------------------------

// Definition 1 needs L >= 2.
TEST(Definition1Target, RejectsFewerThanTwoTokens) {
  EXPECT_THAT(input_error_message([] { Target::from_entries(1, {{0, 0, 1.0}}); }), HasSubstr("L >= 2"));
  EXPECT_THAT(input_error_message([] { Target::from_entries(1, {{0, 0, 1.0}}); }), HasSubstr("L = 1"));
  EXPECT_THAT(input_error_message([] { Target::from_entries(0, {}); }), HasSubstr("L = 0"));
  EXPECT_THAT(input_error_message([] { Target::from_dense(Matrix::Ones(1, 1)); }), HasSubstr("L >= 2"));
}

// Precondition L < 2^31 (checked before anything is allocated).
TEST(Definition1Target, RejectsTooLargeL) {
  const std::size_t L = std::size_t{1} << 31;
  EXPECT_THAT(input_error_message([L] { Target::from_entries(L, {{0, 0, 1.0}}); }), HasSubstr("too large"));
}

// Every row and column index has to be in [0, L); the message names the
// position 1-based, as users write it.
TEST(Definition1Target, RejectsEntryOutsideTheMatrix) {
  const std::string row_out = input_error_message([] { Target::from_entries(3, {{0, 0, 1.0}, {3, 1, 1.0}}); });
  EXPECT_THAT(row_out, HasSubstr("(4, 2)"));
  EXPECT_THAT(row_out, HasSubstr("outside"));
  const std::string col_out = input_error_message([] { Target::from_entries(3, {{1, 7, 1.0}}); });
  EXPECT_THAT(col_out, HasSubstr("(2, 8)"));
  EXPECT_THAT(col_out, HasSubstr("outside"));
}

// Definition 1: A_ij >= 0.
TEST(Definition1Target, RejectsNegativeEntry) {
  const std::vector<TargetEntry> entries{{0, 0, 1.0}, {1, 1, 1.0}, {1, 0, -0.5}};
  const std::string msg = input_error_message([&] { Target::from_entries(2, entries); });
  EXPECT_THAT(msg, HasSubstr("negative"));
  EXPECT_THAT(msg, HasSubstr("(2, 1)"));
  // The smallest negative double, too.
  const std::string tiny = input_error_message([] {
    Target::from_entries(2, {{0, 0, 1.0}, {1, 1, -std::numeric_limits<double>::denorm_min()}});
  });
  EXPECT_THAT(tiny, HasSubstr("negative"));
}

// Definition 1's entries are real numbers: NaN is refused, from both factories.
TEST(Definition1Target, RejectsNaNEntry) {
  const std::string msg = input_error_message([] { Target::from_entries(2, {{0, 0, 1.0}, {1, 1, kNaN}}); });
  EXPECT_THAT(msg, HasSubstr("not finite"));
  EXPECT_THAT(msg, HasSubstr("(2, 2)"));
  Matrix A = Matrix::Identity(3, 3);
  A(2, 0) = kNaN;
  const std::string dense = input_error_message([&] { Target::from_dense(A); });
  EXPECT_THAT(dense, HasSubstr("not finite"));
  EXPECT_THAT(dense, HasSubstr("(3, 1)"));
}

// Infinite weights are refused (+inf and -inf), from both factories.
TEST(Definition1Target, RejectsInfiniteEntry) {
  EXPECT_THAT(input_error_message([] { Target::from_entries(2, {{0, 1, kInf}, {1, 1, 1.0}}); }), HasSubstr("(1, 2) is not finite"));
  EXPECT_THAT(input_error_message([] { Target::from_entries(2, {{0, 0, 1.0}, {1, 0, -kInf}}); }), HasSubstr("(2, 1) is not finite"));
  Matrix A = Matrix::Identity(2, 2);
  A(0, 1) = kInf;
  EXPECT_THAT(input_error_message([&] { Target::from_dense(A); }), HasSubstr("not finite"));
}

// "No position twice" - also when one of the two is an explicit zero, and
// whatever the order in which the duplicates come.
TEST(Definition1Target, RejectsDuplicatePosition) {
  const std::string msg = input_error_message([] { Target::from_entries(3, {{2, 1, 1.0}, {0, 0, 1.0}, {1, 1, 1.0}, {2, 1, 2.0}}); });
  EXPECT_THAT(msg, HasSubstr("(3, 2)"));
  EXPECT_THAT(msg, HasSubstr("twice"));
  EXPECT_THAT(input_error_message([] { Target::from_entries(2, {{0, 0, 1.0}, {1, 1, 1.0}, {0, 0, 0.0}}); }), HasSubstr("(1, 1) is given twice"));
}

// Definition 1: every row needs a positive entry; explicit zeros do not count.
// The message names the row (1-based).
TEST(Definition1Target, RejectsRowWithoutPositiveEntry) {
  const std::string zeros = input_error_message([] { Target::from_entries(3, {{0, 0, 1.0}, {1, 0, 0.0}, {1, 2, 0.0}, {2, 2, 1.0}}); });
  EXPECT_THAT(zeros, HasSubstr("row 2"));
  EXPECT_THAT(zeros, HasSubstr("no positive entry"));
  const std::string missing = input_error_message([] { Target::from_entries(3, {{0, 0, 1.0}, {1, 0, 1.0}}); });
  EXPECT_THAT(missing, HasSubstr("row 3"));
  Matrix A = Matrix::Identity(4, 4);
  A(1, 1) = 0.0;
  EXPECT_THAT(input_error_message([&] { Target::from_dense(A); }), HasSubstr("row 2 has no positive entry"));
}

// Definition 1's A is square.
TEST(Definition1Target, FromDenseRejectsNonSquare) {
  const std::string msg = input_error_message([] { Target::from_dense(Matrix::Ones(2, 3)); });
  EXPECT_THAT(msg, HasSubstr("square"));
  EXPECT_THAT(msg, HasSubstr("2 x 3"));
}

// ---------------------------------------------------------------------------
// Supports and counts on hand examples.
// ---------------------------------------------------------------------------

// supp_i = {j : A_ij > 0}: an explicit zero is stored by the user but is not
// in the support (nor in k_i, the column counts, nnz or value()).
TEST(Definition1Target, ExplicitZerosAreNotInTheSupport) {
  const Target A = Target::from_entries(3, {{0, 1, 0.0}, {0, 2, 3.0}, {1, 0, 0.0}, {1, 1, 1.0}, {2, 0, 2.0}, {2, 2, 0.0}});
  EXPECT_EQ(A.nnz(), 3u);
  EXPECT_THAT(std::vector<std::size_t>(A.support(0).begin(), A.support(0).end()), ::testing::ElementsAre(2u));
  EXPECT_THAT(std::vector<std::size_t>(A.support(1).begin(), A.support(1).end()), ::testing::ElementsAre(1u));
  EXPECT_THAT(std::vector<std::size_t>(A.support(2).begin(), A.support(2).end()), ::testing::ElementsAre(0u));
  EXPECT_FALSE(A.in_support(0, 1));
  EXPECT_FALSE(A.in_support(2, 2));
  EXPECT_EQ(A.value(0, 1), 0.0);
  EXPECT_EQ(A.value(0, 2), 3.0);
  EXPECT_EQ(A.column_count(0), 1u);  // the explicit zero at (2, 1) is not counted
  EXPECT_EQ(A.column_count(1), 1u);
  EXPECT_EQ(A.column_count(2), 1u);
  EXPECT_EQ(A.k(), 1u);
  EXPECT_EQ(A.rho(), 0.0);  // F2: one positive entry per row
}

// support(i) is increasing and weights(i) stays aligned with it, whatever
// the order of the coordinate list.
TEST(Definition1Target, SupportsAreSortedWhateverTheEntryOrder) {
  const Target A = Target::from_entries(5, {{4, 3, 7.0}, {0, 4, 1.0}, {4, 0, 5.0}, {0, 0, 2.0}, {1, 2, 1.0},
                                            {0, 2, 3.0}, {2, 2, 1.0}, {3, 1, 1.0}, {4, 1, 6.0}});
  EXPECT_THAT(std::vector<std::size_t>(A.support(0).begin(), A.support(0).end()), ::testing::ElementsAre(0u, 2u, 4u));
  EXPECT_THAT(std::vector<double>(A.weights(0).begin(), A.weights(0).end()), ::testing::ElementsAre(2.0, 3.0, 1.0));
  EXPECT_THAT(std::vector<std::size_t>(A.support(4).begin(), A.support(4).end()), ::testing::ElementsAre(0u, 1u, 3u));
  EXPECT_THAT(std::vector<double>(A.weights(4).begin(), A.weights(4).end()), ::testing::ElementsAre(5.0, 6.0, 7.0));
}

// k_i, k, column counts and rho on a hand example:
//   row 0: {0: 1, 1: 4}      k_0 = 2, ln(4/1) = ln 4
//   row 1: {1: 2}            k_1 = 1
//   row 2: {0: 3, 1: 6, 2: 3} k_2 = 3, ln(6/3) = ln 2
//   k = 3, column counts (2, 3, 1), rho = ln 4 (the row form F1 and the
//   all-pairs definition agree; MPFR oracle).
TEST(Definition1Target, HandExampleQuantities) {
  const Target A = Target::from_entries(3, {{0, 0, 1.0}, {0, 1, 4.0}, {1, 1, 2.0}, {2, 0, 3.0}, {2, 1, 6.0}, {2, 2, 3.0}});
  EXPECT_EQ(A.L(), 3u);
  EXPECT_EQ(A.nnz(), 6u);
  EXPECT_EQ(A.k_i(0), 2u);
  EXPECT_EQ(A.k_i(1), 1u);
  EXPECT_EQ(A.k_i(2), 3u);
  EXPECT_EQ(A.k(), 3u);
  EXPECT_EQ(A.column_count(0), 2u);
  EXPECT_EQ(A.column_count(1), 3u);
  EXPECT_EQ(A.column_count(2), 1u);
  EXPECT_EQ(A.max_column_count(), 3u);
  const Real ln4 = boost::multiprecision::log(Real(4));
  EXPECT_TRUE(within(A.rho(), ln4, log_ratio_tolerance(4.0, 1.0))) << A.rho();
}

// Definition 1 (project version): no column bound; a dense "global token"
// column is a valid target with small k (F4's example: c_0 = L, k = 2).
TEST(Definition1Target, DenseGlobalColumnIsAllowed) {
  const std::size_t L = 50;
  std::vector<TargetEntry> entries;
  for (std::size_t i = 0; i < L; ++i) {
    entries.push_back({i, 0, 1.0});
    if (i >= 1) entries.push_back({i, i, 1.0});
  }
  const Target A = Target::from_entries(L, entries);
  EXPECT_EQ(A.column_count(0), L);
  EXPECT_EQ(A.max_column_count(), L);
  EXPECT_EQ(A.k(), 2u);
  EXPECT_EQ(A.k_i(0), 1u);
  EXPECT_EQ(A.rho(), 0.0);
}

// log_ratio: ln(num/den) without overflow, against MPFR, including quotients
// that overflow (1e300/1e-300), that are subnormal (1e-300/1e300) and the
// extremes of the double range (used for rho, F5).
TEST(Definition1Target, LogRatioMatchesMpfrIncludingOutOfRangeQuotients) {
  const double dmin = std::numeric_limits<double>::denorm_min();
  const double dmax = std::numeric_limits<double>::max();
  const std::vector<std::pair<double, double>> cases{
      {4.0, 1.0}, {1.0, 3.0}, {1.5, 1.5}, {1e300, 1e-300}, {1e-300, 1e300}, {dmax, dmin}, {dmin, dmax},
      {dmax, 1.0}, {1.0, dmin}, {2.5e-310, 1.0}, {0.1, 0.7}};
  for (const auto& [num, den] : cases) {
    const double got = jlattn::log_ratio(num, den);
    EXPECT_TRUE(std::isfinite(got)) << num << " / " << den;
    EXPECT_TRUE(within(got, exact_log_ratio(num, den), log_ratio_tolerance(num, den)))
        << num << " / " << den << ": " << got << " vs " << static_cast<double>(exact_log_ratio(num, den));
  }
  EXPECT_EQ(jlattn::log_ratio(1.5, 1.5), 0.0);
}

// F5: with extreme finite weights rho stays finite (real value < 2098 ln 2 <
// 1454.3; the rounded value may meet fl(2098 ln 2), so the decimal bound of
// F5 is used), and equals the MPFR value of ln(max/min).
TEST(Definition1Target, ExtremeWeightsGiveFiniteRho) {
  const double dmin = std::numeric_limits<double>::denorm_min();
  const double dmax = std::numeric_limits<double>::max();
  const Target A = Target::from_entries(2, {{0, 0, 1e-300}, {0, 1, 1e300}, {1, 0, dmin}, {1, 1, dmax}});
  EXPECT_TRUE(std::isfinite(A.rho()));
  EXPECT_LT(A.rho(), 1454.3);
  EXPECT_TRUE(within(A.rho(), exact_log_ratio(dmax, dmin), log_ratio_tolerance(dmax, dmin))) << A.rho();
}

// ---------------------------------------------------------------------------
// Properties.
// ---------------------------------------------------------------------------

// Definition 1 from a coordinate list (random order, explicit zeros): the
// supports are exactly the positive entries, increasing; weights, value(),
// in_support(), k_i, k, nnz, column counts are those recounted from the list;
// rho is the all-pairs definition (MPFR) up to the log_ratio rounding bound;
// from_dense of the matrix written out here gives the identical target.
RC_GTEST_PROP(Definition1Target, FromEntriesMatchesIndependentRecount, ()) {
  const auto drawn = *jlattn::testing::gen_target_entries({.min_L = 2, .max_L = 40, .max_k = 5});
  RC_CLASSIFY(drawn.has_global_column, "global column");
  RC_CLASSIFY(drawn.has_explicit_zero, "explicit zero");
  const Target A = Target::from_entries(drawn.L, drawn.entries);
  const auto rows = positive_rows(drawn.L, drawn.entries);

  std::size_t nnz = 0, k = 0;
  std::vector<std::size_t> column_count(drawn.L, 0);
  for (std::size_t i = 0; i < drawn.L; ++i) {
    const auto& row = rows[i];
    nnz += row.size();
    k = std::max(k, row.size());
    RC_ASSERT(A.k_i(i) == row.size());
    const auto s = A.support(i);
    const auto w = A.weights(i);
    RC_ASSERT(s.size() == row.size());
    RC_ASSERT(w.size() == row.size());
    std::size_t n = 0;
    for (const auto& [j, a] : row) {  // std::map iterates in increasing column order
      RC_ASSERT(s[n] == j);
      RC_ASSERT(std::bit_cast<std::uint64_t>(w[n]) == std::bit_cast<std::uint64_t>(a));
      ++column_count[j];
      ++n;
    }
    for (std::size_t j = 0; j < drawn.L; ++j) {
      const auto it = row.find(j);
      RC_ASSERT(A.in_support(i, j) == (it != row.end()));
      RC_ASSERT(A.value(i, j) == (it != row.end() ? it->second : 0.0));
    }
  }
  RC_ASSERT(A.L() == drawn.L);
  RC_ASSERT(A.nnz() == nnz);
  RC_ASSERT(A.k() == k);
  for (std::size_t j = 0; j < drawn.L; ++j) RC_ASSERT(A.column_count(j) == column_count[j]);
  RC_ASSERT(A.max_column_count() == *std::max_element(column_count.begin(), column_count.end()));
  if (drawn.has_global_column) RC_ASSERT(A.column_count(drawn.global_column) == drawn.L);
  RC_ASSERT(within(A.rho(), exact_rho(rows), rho_tolerance(rows)));

  // from_dense of the same matrix, written out here from the list.
  Matrix D = Matrix::Zero(static_cast<Eigen::Index>(drawn.L), static_cast<Eigen::Index>(drawn.L));
  for (const TargetEntry& e : drawn.entries) D(static_cast<Eigen::Index>(e.row), static_cast<Eigen::Index>(e.col)) = e.value;
  RC_ASSERT(same_target(Target::from_dense(D), A));
  RC_ASSERT(A.dense() == D);
}

// Definition 1 on the shared generator's targets (F1, F2, F4): recomputed
// from the stored supports and weights, supports are strictly increasing and
// weights positive and finite; k = max k_i; sum of column counts = sum of k_i
// <= kL; rho equals ln(max/min) maximised over rows (MPFR), is >= 0 and is 0
// exactly when every row is constant (F2); dense() and from_dense agree with
// the target, and so does from_entries of the stored entries in reverse order.
RC_GTEST_PROP(Definition1Target, GeneratedTargetsSatisfyDefinition1, ()) {
  const auto drawn = *jlattn::testing::gen_target({.min_L = 2, .max_L = 64, .max_k = 4});
  const Target& A = drawn.A;
  RC_CLASSIFY(drawn.has_global_column, "global column");
  RC_CLASSIFY(A.k() == 1, "k == 1");
  RC_CLASSIFY(A.rho() == 0.0, "rho == 0");

  std::vector<std::map<std::size_t, double>> rows(A.L());
  std::vector<std::size_t> column_count(A.L(), 0);
  std::vector<TargetEntry> entries;
  std::size_t k = 0, sum_k = 0;
  bool all_rows_constant = true;
  for (std::size_t i = 0; i < A.L(); ++i) {
    const auto s = A.support(i);
    const auto w = A.weights(i);
    RC_ASSERT(!s.empty());
    RC_ASSERT(s.size() == w.size());
    for (std::size_t n = 0; n < s.size(); ++n) {
      RC_ASSERT(s[n] < A.L());
      if (n > 0) RC_ASSERT(s[n - 1] < s[n]);
      RC_ASSERT(w[n] > 0);
      RC_ASSERT(std::isfinite(w[n]));
      rows[i][s[n]] = w[n];
      ++column_count[s[n]];
      entries.push_back({i, s[n], w[n]});
      if (w[n] != w[0]) all_rows_constant = false;
    }
    k = std::max(k, s.size());
    sum_k += s.size();
  }
  RC_ASSERT(A.k() == k);
  std::size_t sum_c = 0;
  for (std::size_t j = 0; j < A.L(); ++j) {
    RC_ASSERT(A.column_count(j) == column_count[j]);
    sum_c += column_count[j];
  }
  RC_ASSERT(sum_c == sum_k);
  RC_ASSERT(sum_k <= k * A.L());
  if (drawn.has_global_column) RC_ASSERT(A.column_count(drawn.global_column) == A.L());
  RC_ASSERT(A.rho() >= 0.0);
  RC_ASSERT((A.rho() == 0.0) == all_rows_constant);
  RC_ASSERT(within(A.rho(), exact_rho(rows), rho_tolerance(rows)));

  const Matrix D = A.dense();
  for (std::size_t i = 0; i < A.L(); ++i)
    for (std::size_t j = 0; j < A.L(); ++j) {
      const auto it = rows[i].find(j);
      RC_ASSERT(D(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) == (it != rows[i].end() ? it->second : 0.0));
    }
  RC_ASSERT(same_target(Target::from_dense(D), A));
  std::reverse(entries.begin(), entries.end());
  RC_ASSERT(same_target(Target::from_entries(A.L(), entries), A));
}

// F3 (row rescaling): multiplying row i by c_i = 2^e_i (exact in binary64)
// keeps supports, k_i, k, column counts and rho - rho even bit for bit, since
// the quotient max/min is the same double.
RC_GTEST_PROP(Definition1Target, RowRescalingKeepsSupportsCountsAndRho, ()) {
  const auto drawn = *jlattn::testing::gen_target({.min_L = 2, .max_L = 32, .max_k = 4});
  const Target& A = drawn.A;
  RC_CLASSIFY(A.rho() == 0.0, "rho == 0");
  std::vector<TargetEntry> scaled;
  for (std::size_t i = 0; i < A.L(); ++i) {
    const int e = *rc::gen::inRange(-40, 41);
    const auto s = A.support(i);
    const auto w = A.weights(i);
    for (std::size_t n = 0; n < s.size(); ++n) scaled.push_back({i, s[n], std::ldexp(w[n], e)});
  }
  const Target B = Target::from_entries(A.L(), scaled);
  RC_ASSERT(B.k() == A.k());
  RC_ASSERT(std::bit_cast<std::uint64_t>(B.rho()) == std::bit_cast<std::uint64_t>(A.rho()));
  for (std::size_t i = 0; i < A.L(); ++i) {
    RC_ASSERT(B.k_i(i) == A.k_i(i));
    RC_ASSERT(std::equal(B.support(i).begin(), B.support(i).end(), A.support(i).begin(), A.support(i).end()));
    RC_ASSERT(B.column_count(i) == A.column_count(i));
  }
}

}  // namespace
