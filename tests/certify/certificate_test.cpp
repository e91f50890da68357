// Checks the certifier (proofs/certificate.md): its verdicts agree with an
// independent 332-bit oracle at the margins, the filter never changes a row's
// verdict, and "certified" is never said of a false instance.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <boost/multiprecision/mpfr.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cfenv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <omp.h>
#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#endif

#include "jlattn/certify/certificate.hpp"
#include "jlattn/certify/certificate_filter.hpp"
#include "jlattn/pipeline/construction.hpp"
#include "jlattn/core/errors.hpp"
#include "jlattn/proof/lemma4_adaptive_input.hpp"
#include "jlattn/core/weights.hpp"
#include "support/generators.hpp"
#include "support/parameters.hpp"

namespace jlattn {
namespace {

// 100 decimal digits = 332 bits: the independent oracle.
using Big = boost::multiprecision::number<boost::multiprecision::mpfr_float_backend<100>>;

// An instance whose real scores are exactly the given doubles: X = [S | I_L]
// with Lemma 4's selectors (d = L), so X W_Q = S and X W_K = I exactly.
struct Instance {
  Matrix X;
  Weights W_Q, W_K;
};

Instance with_scores(const Matrix& S) {
  const Eigen::Index L = S.rows();
  Instance inst{Matrix(L, 2 * L), Weights::lemma4_query(static_cast<std::size_t>(L)),
                Weights::lemma4_key(static_cast<std::size_t>(L))};
  inst.X << S, Matrix::Identity(L, L);
  return inst;
}

// The oracle's per-row verdict of Definition 2 for M = softmax(c S), from the
// definition itself (every pair), at 332 bits.
std::vector<bool> oracle_rows(const Target& A, const Matrix& S, double eps, double gamma, double d, bool scaled) {
  const Big c = scaled ? Big(1 / sqrt(Big(d))) : Big(1);
  std::vector<bool> holds;
  for (std::size_t i = 0; i < A.L(); ++i) {
    bool ok = true;
    const auto Si = [&](std::size_t j) { return Big(c * Big(S(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)))); };
    for (std::size_t jp : A.support(i)) {
      for (std::size_t j = 0; j < A.L(); ++j) {
        const Big diff = Si(j) - Si(jp);
        if (A.in_support(i, j)) {
          const Big D = abs(Big(diff - log(Big(A.value(i, j)) / Big(A.value(i, jp)))));
          if (D > Big(eps)) ok = false;
        } else if (diff > log(Big(gamma))) {
          ok = false;
        }
      }
    }
    holds.push_back(ok);
  }
  return holds;
}

// The products this build offers for the filter's scores (ScoreProduct).
std::vector<ScoreProduct> available_products() {
  std::vector<ScoreProduct> products{ScoreProduct::eigen};
  if (score_product_available(ScoreProduct::openblas)) products.push_back(ScoreProduct::openblas);
  return products;
}

Verdict oracle_verdict(const std::vector<bool>& rows) {
  for (bool ok : rows)
    if (!ok) return Verdict::refuted;
  return Verdict::certified;
}

// The witness must be a real violation, recomputed by the oracle.
void expect_true_witness(const Target& A, const Matrix& S, const Certificate& cert, double d) {
  ASSERT_TRUE(cert.witness.has_value());
  const CertifiedWitness& w = *cert.witness;
  EXPECT_GT(w.margin.lower, 0.0);
  EXPECT_LE(w.margin.lower, w.margin.upper);
  const Big c = cert.scaled ? Big(1 / sqrt(Big(d))) : Big(1);
  const Big diff = c * (Big(S(static_cast<Eigen::Index>(w.i), static_cast<Eigen::Index>(w.j))) -
                        Big(S(static_cast<Eigen::Index>(w.i), static_cast<Eigen::Index>(w.j_prime))));
  ASSERT_TRUE(A.in_support(w.i, w.j_prime));
  Big margin;
  if (w.condition == Condition::R1) {
    ASSERT_TRUE(A.in_support(w.i, w.j));
    margin = diff - log(Big(A.value(w.i, w.j)) / Big(A.value(w.i, w.j_prime))) - Big(cert.eps);
  } else {
    ASSERT_FALSE(A.in_support(w.i, w.j));
    margin = diff - log(Big(cert.gamma));
  }
  EXPECT_GT(margin, 0) << "witness (" << w.i << ", " << w.j << ", " << w.j_prime << ") does not violate";
  EXPECT_LE(Big(w.margin.lower), margin);
  EXPECT_GE(Big(w.margin.upper), margin);
}

double next_up(double x) { return std::nextafter(x, std::numeric_limits<double>::infinity()); }
double next_down(double x) { return std::nextafter(x, -std::numeric_limits<double>::infinity()); }

struct MarginCase {
  const char* name;
  Target A;
  Matrix S;
  double eps, gamma;
  bool scaled;
};

// A 4-token instance whose row 0 sits at a margin and whose other rows are
// far inside; d = L = 4, so the scaled convention divides by exactly 2.
MarginCase margin_case(const char* name, std::vector<TargetEntry> row0, double s00, double s01, double s02,
                       double eps, double gamma, bool scaled) {
  std::vector<TargetEntry> entries = std::move(row0);
  for (std::size_t i = 1; i < 4; ++i) entries.push_back({i, i, 1.0});
  Matrix S = Matrix::Constant(4, 4, -100.0);
  for (Eigen::Index i = 1; i < 4; ++i) S(i, i) = 0.0;
  S(0, 0) = s00;
  S(0, 1) = s01;
  S(0, 2) = s02;
  S(0, 3) = -100.0;
  return {name, Target::from_entries(4, std::move(entries)), S, eps, gamma, scaled};
}

std::vector<MarginCase> margin_cases() {
  std::vector<MarginCase> cases;
  const double eps = 0.75, gamma = 0.1;
  for (bool scaled : {false, true}) {
    const double c = scaled ? 2.0 : 1.0;  // scores are divided by sqrt(4) = 2 when scaled
    // R1 with equal weights: ln(A_00 / A_01) = 0, the condition is rational.
    const std::vector<TargetEntry> equal = {{0, 0, 1.0}, {0, 1, 1.0}};
    cases.push_back(margin_case("R1 tie, exact equality", equal, c * eps, 0.0, -100.0, eps, gamma, scaled));
    cases.push_back(margin_case("R1 tie, one ulp over", equal, next_up(c * eps), 0.0, -100.0, eps, gamma, scaled));
    cases.push_back(margin_case("R1 tie, one ulp under", equal, next_down(c * eps), 0.0, -100.0, eps, gamma, scaled));
    // R1 with unequal weights: ln 3 is irrational, so the margin is never zero.
    const std::vector<TargetEntry> unequal = {{0, 0, 3.0}, {0, 1, 1.0}};
    const double target = c * (std::log(3.0) + eps);
    for (double s : {next_down(next_down(target)), next_down(target), target, next_up(target), next_up(next_up(target))})
      cases.push_back(margin_case("R1 ln 3, within two ulps", unequal, s, 0.0, -100.0, eps, gamma, scaled));
    // R2: an off-support score against ln gamma (irrational), within ulps.
    const std::vector<TargetEntry> single = {{0, 0, 1.0}};
    const double r2 = c * std::log(gamma);
    for (double s : {next_down(next_down(r2)), next_down(r2), r2, next_up(r2), next_up(next_up(r2))})
      cases.push_back(margin_case("R2 ln gamma, within two ulps", single, 0.0, s, -100.0, eps, gamma, scaled));
    // Holds by less than 1e-15 (relative), in R1 and in R2.
    cases.push_back(margin_case("R1 holds by < 1e-15", unequal, c * (std::log(3.0) + eps) * (1 - 1e-16), 0.0, -100.0,
                                eps, gamma, scaled));
    cases.push_back(margin_case("R2 holds by < 1e-15", single, 0.0, c * std::log(gamma) * (1 + 1e-16), -100.0, eps,
                                gamma, scaled));
  }
  return cases;
}

// The margin instances: holds with exact equality, misses by one ulp, holds
// by less than 1e-15, in R1 and R2, scaled and unscaled. The certifier's
// verdict matches the oracle every time, with and without the filter.
TEST(Certificate, MarginInstancesMatchTheOracle) {
  int certified = 0, refuted = 0;
  for (const MarginCase& m : margin_cases()) {
    SCOPED_TRACE(std::string(m.name) + (m.scaled ? " (scaled)" : ""));
    const Instance inst = with_scores(m.S);
    const Verdict expected = oracle_verdict(oracle_rows(m.A, m.S, m.eps, m.gamma, 4, m.scaled));
    for (const ScoreProduct product : available_products())
    for (bool float32 : {true, false})
    for (bool exact_only : {false, true}) {
      CertificationLimits limits;
      limits.exact_only = exact_only;
      limits.product = product;
      limits.float32 = float32;
      const Certificate cert = certify(m.A, inst.X, inst.W_Q, inst.W_K, m.eps, m.gamma, m.scaled, limits);
      ASSERT_EQ(cert.verdict, expected) << "exact_only = " << exact_only << ", float32 = " << float32 << ", "
                                        << score_product_name(product);
      // The rows far inside are decided by the float32 stage when it runs.
      if (!exact_only) {
        EXPECT_EQ(cert.rows_float32, float32 ? 3u : 0u);
      }
      if (cert.verdict == Verdict::certified) {
        EXPECT_LE(cert.eps_hat.upper, m.eps);
        EXPECT_LE(cert.gamma_hat.upper, m.gamma);
      } else {
        expect_true_witness(m.A, m.S, cert, 4);
        EXPECT_EQ(cert.witness->i, 0u);
      }
    }
    (expected == Verdict::certified ? certified : refuted)++;
  }
  // The family really straddles the margins.
  EXPECT_GE(certified, 8);
  EXPECT_GE(refuted, 8);
}

// The margin instances need the exact pass: the filter alone cannot decide
// a row at a one-ulp margin, and the certificate says how many rows went there.
TEST(Certificate, MarginRowsGoToTheExactPass) {
  const MarginCase m = margin_cases()[0];  // R1 tie with exact equality
  const Instance inst = with_scores(m.S);
  const Certificate cert = certify(m.A, inst.X, inst.W_Q, inst.W_K, m.eps, m.gamma, m.scaled);
  EXPECT_EQ(cert.verdict, Verdict::certified);
  EXPECT_EQ(cert.rows_exact, 1u);
  EXPECT_EQ(cert.rows_filter, 3u);
  EXPECT_EQ(cert.eps_hat.upper, m.eps);  // eps_hat = eps exactly
}

// Random instances near the margin: the filtered verdict equals the
// exact-only verdict on every row, and both equal the oracle's. Weights are
// 1 or 2 (so equal-weight pairs, whose R1 condition is rational, are common),
// scores lie on the grid Z/8, eps = 1/2 is on the grid (so R1 often holds
// with exact equality), and ln gamma is within rounding of -9/4 (so R2 often
// sits within the filter's error of its threshold).
RC_GTEST_PROP(Certificate, FilterNeverChangesARowVerdict, ()) {
  const auto L = *rc::gen::inRange<Eigen::Index>(2, 9);
  std::vector<TargetEntry> entries;
  for (Eigen::Index i = 0; i < L; ++i)
    for (Eigen::Index j = 0; j < L; ++j)
      if (j == i || *rc::gen::inRange(0, 3) == 0)
        entries.push_back({static_cast<std::size_t>(i), static_cast<std::size_t>(j), *rc::gen::elementOf(std::vector<double>{1.0, 1.0, 2.0})});
  const Target A = Target::from_entries(static_cast<std::size_t>(L), entries);
  const double eps = 0.5, gamma = std::exp(-2.25);
  Matrix S(L, L);
  for (Eigen::Index i = 0; i < L; ++i)
    for (Eigen::Index j = 0; j < L; ++j) {
      const bool on = A.in_support(static_cast<std::size_t>(i), static_cast<std::size_t>(j));
      const double base = on ? std::round(8 * std::log(A.value(static_cast<std::size_t>(i), static_cast<std::size_t>(j)))) / 8 : -2.25;
      S(i, j) = base + (*rc::gen::inRange(-4, 5)) / 8.0;
    }
  const bool scaled = *rc::gen::arbitrary<bool>();
  const Instance inst = with_scores(S);
  CertificationLimits filtered_limits, exact_limits;
  filtered_limits.all_rows = exact_limits.all_rows = true;
  exact_limits.exact_only = true;
  const Certificate filtered = certify(A, inst.X, inst.W_Q, inst.W_K, eps, gamma, scaled, filtered_limits);
  const Certificate exact = certify(A, inst.X, inst.W_Q, inst.W_K, eps, gamma, scaled, exact_limits);
  const std::vector<bool> oracle = oracle_rows(A, S, eps, gamma, static_cast<double>(L), scaled);
  RC_CLASSIFY(filtered.rows_exact > 0, "filter left rows to the exact pass");
  RC_CLASSIFY(filtered.verdict == Verdict::refuted, "refuted");
  RC_ASSERT(filtered.row_verdicts.size() == A.L());
  for (std::size_t i = 0; i < A.L(); ++i) {
    RC_ASSERT(filtered.row_verdicts[i] == exact.row_verdicts[i]);
    RC_ASSERT(filtered.row_verdicts[i] == (oracle[i] ? Verdict::certified : Verdict::refuted));
  }
  RC_ASSERT(filtered.verdict == exact.verdict);
  // The same with every other product and without the float32 stage.
  for (const ScoreProduct product : available_products())
    for (const bool float32 : {true, false}) {
      CertificationLimits other_limits = filtered_limits;
      other_limits.product = product;
      other_limits.float32 = float32;
      const Certificate other = certify(A, inst.X, inst.W_Q, inst.W_K, eps, gamma, scaled, other_limits);
      for (std::size_t i = 0; i < A.L(); ++i) RC_ASSERT(other.row_verdicts[i] == exact.row_verdicts[i]);
    }
}

// A drawn target (L in [min_L, max_L], k <= 3) and Lemma 4's X for it at a
// drawn d in [min_d, max_d] and seed, with Lemma 4's selectors.
struct ConstructedInstance {
  Target A;
  Construction c;
  Weights W_Q, W_K;
};

ConstructedInstance draw_constructed_instance(std::size_t min_L, std::size_t max_L, std::size_t min_d,
                                              std::size_t max_d) {
  auto drawn = *testing::gen_target({.min_L = min_L, .max_L = max_L, .max_k = 3});
  ConstructionParameters parameters = testing::at_dimension(*rc::gen::inRange<std::size_t>(min_d, max_d));
  parameters.seed = *rc::gen::arbitrary<std::uint32_t>();
  Construction c = construct(drawn.A, parameters);
  const std::size_t d = c.d;
  return {std::move(drawn.A), std::move(c), Weights::lemma4_query(d), Weights::lemma4_key(d)};
}

// The two score products (ScoreProduct) on constructed instances: every
// row's verdict is the same, and the enclosures of eps_hat and gamma_hat,
// which both contain the exact values, intersect. Where the build has no
// OpenBLAS, asking for it is refused with InputError instead.
RC_GTEST_PROP(Certificate, ScoreProductsAgreeOnConstructedInstances, ()) {
  const ConstructedInstance drawn = draw_constructed_instance(2, 40, 1, 300);
  const Target& A = drawn.A;
  const Construction& c = drawn.c;
  const Weights &W_Q = drawn.W_Q, &W_K = drawn.W_K;
  CertificationLimits eigen_limits, openblas_limits;
  eigen_limits.all_rows = openblas_limits.all_rows = true;
  eigen_limits.product = ScoreProduct::eigen;
  openblas_limits.product = ScoreProduct::openblas;
  const Certificate a = certify(A, c.X, W_Q, W_K, 1.0, 0.1, false, eigen_limits);
  RC_ASSERT(a.score_product == "eigen");
  if (!score_product_available(ScoreProduct::openblas)) {
    RC_ASSERT_THROWS_AS(certify(A, c.X, W_Q, W_K, 1.0, 0.1, false, openblas_limits), InputError);
    return;
  }
  const Certificate b = certify(A, c.X, W_Q, W_K, 1.0, 0.1, false, openblas_limits);
  RC_ASSERT(b.score_product.rfind("openblas-", 0) == 0);
  RC_CLASSIFY(a.verdict == Verdict::certified, "certified");
  RC_CLASSIFY(a.rows_exact > 0 || b.rows_exact > 0, "exact pass used");
  RC_ASSERT(a.verdict == b.verdict);
  RC_ASSERT(a.row_verdicts == b.row_verdicts);
  RC_ASSERT(std::max(a.eps_hat.lower, b.eps_hat.lower) <= std::min(a.eps_hat.upper, b.eps_hat.upper));
  RC_ASSERT(std::max(a.log_gamma_hat.lower, b.log_gamma_hat.lower) <=
            std::min(a.log_gamma_hat.upper, b.log_gamma_hat.upper));
}

// The end-to-end property: certify(construct(A)) at d* is certified for
// random targets (delta = 1e-6, as in the Theorem 1 test), and the same X
// against a target with one weight moved by a factor e^(2 eps + 0.01) in a
// row with k_i >= 2 is refuted with a true witness in that row.
RC_GTEST_PROP(Certificate, ConstructionAtDStarIsCertifiedAndAPerturbedTargetIsRefuted, ()) {
  const auto drawn = *testing::gen_target({.min_L = 2, .max_L = 24, .max_k = 3});
  const Target& A = drawn.A;
  ConstructionParameters parameters;
  parameters.eps = 1.0;
  parameters.gamma = 0.1;
  parameters.delta = 1e-6;
  parameters.seed = *rc::gen::arbitrary<std::uint64_t>();
  const Construction c = construct(A, parameters);
  const Weights W_Q = Weights::lemma4_query(c.d), W_K = Weights::lemma4_key(c.d);
  const Certificate cert = certify(A, c.X, W_Q, W_K, parameters.eps, parameters.gamma, false);
  RC_ASSERT(cert.verdict == Verdict::certified);
  RC_ASSERT(cert.eps_hat.upper <= parameters.eps);
  RC_ASSERT(cert.eps_hat.lower <= c.evaluation.eps_hat + 1e-9);

  std::vector<std::size_t> rows_with_pairs;
  for (std::size_t i = 0; i < A.L(); ++i)
    if (A.k_i(i) >= 2) rows_with_pairs.push_back(i);
  RC_CLASSIFY(rows_with_pairs.empty(), "no row with two support entries");
  if (rows_with_pairs.empty()) return;
  const std::size_t i = *rc::gen::elementOf(rows_with_pairs);
  std::vector<TargetEntry> entries;
  for (std::size_t r = 0; r < A.L(); ++r)
    for (std::size_t n = 0; n < A.k_i(r); ++n)
      entries.push_back({r, A.support(r)[n], A.weights(r)[n] * (r == i && n == 0 ? std::exp(2 * parameters.eps + 0.01) : 1.0)});
  const Target perturbed = Target::from_entries(A.L(), entries);
  const Certificate refuted = certify(perturbed, c.X, W_Q, W_K, parameters.eps, parameters.gamma, false);
  RC_ASSERT(refuted.verdict == Verdict::refuted);
  RC_ASSERT(refuted.witness.has_value());
  RC_ASSERT(refuted.witness->i == i);
  RC_ASSERT(refuted.witness->condition == Condition::R1);
  RC_ASSERT(refuted.witness->margin.lower > 0.0);
}

// Large magnitudes: with |X| near 1e155 the double scores overflow, so the
// filter falls back and the exact pass decides; with |X| near 1e-160 the
// scores are subnormal and the underflow term keeps the filter honest. Either
// way the verdict is the oracle's, computed from the stored doubles.
TEST(Certificate, LargeAndSubnormalMagnitudesNeverGiveAWrongVerdict) {
  const Target A = Target::from_entries(3, {{0, 0, 1.0}, {0, 1, 2.0}, {1, 1, 1.0}, {2, 2, 1.0}, {2, 0, 1.0}});
  Matrix S(3, 3);
  S << 0.0, std::log(2.0), -50.0, -50.0, 0.0, -50.0, 0.0, -50.0, 0.0;
  for (double scale : {1e155, 1e150, 1e-160, 1e-155}) {
    SCOPED_TRACE(scale);
    // X = [S scale | scale I]: score (i, j) is exactly X_ij * scale (one term).
    Matrix X(3, 6);
    X << S * scale, scale * Matrix::Identity(3, 3);
    for (double eps : {0.5, 1e-300}) {
      const Certificate cert = certify(A, X, Weights::lemma4_query(3), Weights::lemma4_key(3), eps, 0.1, false);
      std::vector<bool> holds;
      for (std::size_t i = 0; i < 3; ++i) {
        bool ok = true;
        const auto s = [&](std::size_t j) {
          return Big(Big(X(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j))) *
                     Big(X(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(3 + j))));
        };
        for (std::size_t jp : A.support(i))
          for (std::size_t j = 0; j < 3; ++j) {
            const Big diff = s(j) - s(jp);
            if (A.in_support(i, j)) {
              if (abs(Big(diff - log(Big(A.value(i, j)) / Big(A.value(i, jp))))) > Big(eps)) ok = false;
            } else if (diff > log(Big(0.1))) {
              ok = false;
            }
          }
        holds.push_back(ok);
      }
      EXPECT_EQ(cert.verdict, oracle_verdict(holds)) << cert.filter_note;
      EXPECT_NE(cert.verdict, Verdict::undecided) << cert.undecided_reason;
    }
  }
}

// A general (non-selector) W_Q, W_K: the two-stage error bound is used and
// the verdict still matches the exact-only pass.
RC_GTEST_PROP(Certificate, GeneralWeightsAgreeWithTheExactPass, ()) {
  const auto drawn = *testing::gen_target({.min_L = 2, .max_L = 6, .max_k = 2});
  const Target& A = drawn.A;
  const auto L = static_cast<Eigen::Index>(A.L());
  const auto m = *rc::gen::inRange<Eigen::Index>(1, 6);
  const auto d = *rc::gen::inRange<Eigen::Index>(1, 5);
  Matrix X(L, m), W_Q(m, d), W_K(m, d);
  for (Eigen::Index r = 0; r < L; ++r)
    for (Eigen::Index c = 0; c < m; ++c) X(r, c) = (*rc::gen::inRange(-40, 41)) / 8.0;
  for (Eigen::Index r = 0; r < m; ++r)
    for (Eigen::Index c = 0; c < d; ++c) {
      W_Q(r, c) = (*rc::gen::inRange(-20, 21)) / 16.0;
      W_K(r, c) = (*rc::gen::inRange(-20, 21)) / 16.0;
    }
  const bool scaled = *rc::gen::arbitrary<bool>();
  CertificationLimits all, exact;
  all.all_rows = exact.all_rows = true;
  exact.exact_only = true;
  const Certificate a = certify(A, X, Weights::from_matrix(W_Q), Weights::from_matrix(W_K), 1.0, 0.2, scaled, all);
  const Certificate b = certify(A, X, Weights::from_matrix(W_Q), Weights::from_matrix(W_K), 1.0, 0.2, scaled, exact);
  RC_CLASSIFY(a.verdict == Verdict::certified, "certified");
  RC_ASSERT(a.row_verdicts == b.row_verdicts);
  RC_ASSERT(a.verdict == b.verdict);
}

// Undecided only when a stated limit is hit, with the reason.
TEST(Certificate, UndecidedOnlyWhenALimitIsHit) {
  const MarginCase m = margin_cases()[3];  // R1 ln 3 near the margin: needs > 64 bits
  const Instance inst = with_scores(m.S);
  CertificationLimits tight;
  tight.max_precision_bits = 32;  // below the first working precision
  const Certificate cert = certify(m.A, inst.X, inst.W_Q, inst.W_K, m.eps, m.gamma, m.scaled, tight);
  EXPECT_EQ(cert.verdict, Verdict::undecided);
  EXPECT_EQ(cert.rows_undecided, 1u);
  EXPECT_NE(cert.undecided_reason.find("precision"), std::string::npos) << cert.undecided_reason;
  CertificationLimits no_work;
  no_work.max_exact_multiply_adds = 0;
  const Certificate broke = certify(m.A, inst.X, inst.W_Q, inst.W_K, m.eps, m.gamma, m.scaled, no_work);
  EXPECT_EQ(broke.verdict, Verdict::undecided);
  EXPECT_NE(broke.undecided_reason.find("multiply-adds"), std::string::npos) << broke.undecided_reason;
}

// NaN/Inf anywhere and shape mismatches are input errors, not verdicts.
TEST(Certificate, RejectsNonFiniteEntriesAndShapeMismatches) {
  const Target A = Target::from_entries(2, {{0, 0, 1.0}, {1, 1, 1.0}});
  const Instance ok = with_scores(Matrix::Zero(2, 2));
  Matrix X = ok.X;
  X(0, 0) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(certify(A, X, ok.W_Q, ok.W_K, 1, 0.1, false), InputError);
  Matrix W = ok.W_K.to_dense();
  W(0, 0) = std::numeric_limits<double>::infinity();
  EXPECT_THROW(certify(A, ok.X, ok.W_Q, Weights::from_matrix(W), 1, 0.1, false), InputError);
  EXPECT_THROW(certify(A, Matrix(ok.X.leftCols(3)), ok.W_Q, ok.W_K, 1, 0.1, false), InputError);
  EXPECT_THROW(certify(A, ok.X, ok.W_Q, Weights::from_matrix(Matrix::Zero(4, 3)), 1, 0.1, false), InputError);
  EXPECT_THROW(certify(A, Matrix(ok.X.topRows(1)), ok.W_Q, ok.W_K, 1, 0.1, false), InputError);
  EXPECT_THROW(certify(A, ok.X, ok.W_Q, ok.W_K, 0, 0.1, false), InputError);
  EXPECT_THROW(certify(A, ok.X, ok.W_Q, ok.W_K, 1, 1.0, false), InputError);
}

// The result does not depend on the thread count.
TEST(Certificate, SameCertificateForEveryThreadCount) {
  const Target A = window_global_target(48, 3);
  const Construction c = construct(A, testing::at_dimension(600));
  CertificationLimits one, two;
  one.threads = 1;
  two.threads = 2;
  const Certificate a = certify(A, c.X, Weights::lemma4_query(c.d), Weights::lemma4_key(c.d), 1.0, 0.1, false, one);
  const Certificate b = certify(A, c.X, Weights::lemma4_query(c.d), Weights::lemma4_key(c.d), 1.0, 0.1, false, two);
  EXPECT_EQ(a.verdict, b.verdict);
  EXPECT_EQ(a.eps_hat.upper, b.eps_hat.upper);
  EXPECT_EQ(a.log_gamma_hat.upper, b.log_gamma_hat.upper);
  EXPECT_EQ(a.eps_hat.lower, b.eps_hat.lower);
  EXPECT_EQ(a.log_gamma_hat.lower, b.log_gamma_hat.lower);
  EXPECT_EQ(a.rows_filter, b.rows_filter);
  EXPECT_EQ(a.rows_float32, b.rows_float32);
  EXPECT_EQ(a.rows_refined, b.rows_refined);
}

// Records which rows a ScoreObserver was handed, and whether each row's
// scores were the expected ones.
class RecordingObserver final : public ScoreObserver {
 public:
  explicit RecordingObserver(const Matrix& S) : S_(S), seen_(static_cast<std::size_t>(S.rows())) {}
  void start(int workers) override { workers_ = workers; }
  void observe(std::size_t i, std::span<const double> scores, int worker) override {
    seen_[i].fetch_add(1);
    if (worker < 0 || worker >= workers_ || scores.size() != static_cast<std::size_t>(S_.cols())) wrong_ = true;
    for (std::size_t j = 0; j < scores.size(); ++j)
      if (scores[j] != S_(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j))) wrong_ = true;
  }
  int times_seen(std::size_t i) const { return seen_[i].load(); }
  bool wrong() const { return wrong_; }

 private:
  const Matrix& S_;
  int workers_ = 0;
  std::vector<std::atomic<int>> seen_;
  std::atomic<bool> wrong_{false};
};

// The observer receives every row's double-precision scores once, and they
// are the product's (here exact: X W_K = I, so q^ . k^_j = S_ij in any
// order); the float32 stage does not run, and the verdict is the oracle's.
TEST(Certificate, ObserverReceivesEveryRowsDoubleScoresOnce) {
  for (const MarginCase& m : margin_cases()) {
    const Instance inst = with_scores(m.S);
    for (const ScoreProduct product : available_products())
      for (const unsigned threads : {1u, 2u}) {
        CertificationLimits limits;
        limits.product = product;
        limits.threads = threads;
        RecordingObserver observer(m.S);
        const Certificate cert = certify(m.A, inst.X, inst.W_Q, inst.W_K, m.eps, m.gamma, m.scaled, limits, observer);
        EXPECT_EQ(cert.verdict, oracle_verdict(oracle_rows(m.A, m.S, m.eps, m.gamma, 4, m.scaled))) << m.name;
        EXPECT_EQ(cert.rows_float32, 0u) << m.name;
        EXPECT_FALSE(observer.wrong()) << m.name;
        for (std::size_t i = 0; i < m.A.L(); ++i) EXPECT_EQ(observer.times_seen(i), 1) << m.name << ", row " << i;
      }
  }
}

// Step 1' on its own: binary32 dot products of the factors rounded to
// binary32, summed forwards, backwards and with fused multiply-adds, stay
// within float32_dot_product_error_upper of the exact dot product of the
// doubles (332-bit oracle), across magnitudes from binary32's subnormal
// range to near its overflow.
RC_GTEST_PROP(Certificate, Float32BoundContainsTheExactScores, ()) {
  const auto d = *rc::gen::inRange<Eigen::Index>(1, 200);
  const int scale_q = *rc::gen::inRange(-150, 60), scale_k = *rc::gen::inRange(-60, 60);
  std::vector<double> q(static_cast<std::size_t>(d)), k(static_cast<std::size_t>(d));
  for (Eigen::Index c = 0; c < d; ++c) {
    q[static_cast<std::size_t>(c)] = std::ldexp(*rc::gen::inRange(-1000000, 1000001) / 1e6, scale_q);
    k[static_cast<std::size_t>(c)] = std::ldexp(*rc::gen::inRange(-1000000, 1000001) / 1e6, scale_k);
  }
  Big exact = 0;
  for (Eigen::Index c = 0; c < d; ++c) exact += Big(q[static_cast<std::size_t>(c)]) * Big(k[static_cast<std::size_t>(c)]);
  const double bound = detail::float32_dot_product_error_upper(d, detail::norm_upper(q.data(), d), 0.0,
                                                               detail::norm_upper(k.data(), d), 0.0);
  float forwards = 0.0f, backwards = 0.0f, fused = 0.0f;
  for (Eigen::Index c = 0; c < d; ++c) {
    const auto n = static_cast<std::size_t>(c), m = static_cast<std::size_t>(d - 1 - c);
    forwards += static_cast<float>(q[n]) * static_cast<float>(k[n]);
    backwards += static_cast<float>(q[m]) * static_cast<float>(k[m]);
    fused = std::fma(static_cast<float>(q[n]), static_cast<float>(k[n]), fused);
  }
  for (const float s : {forwards, backwards, fused}) {
    RC_ASSERT(std::isfinite(s));
    RC_ASSERT(abs(Big(static_cast<double>(s)) - exact) <= Big(bound));
  }
}

// The float32 stage cannot resolve a margin of 1e-9 (its bound is about
// 1e-6 here), the double stage can: row 0 of this instance is decided by
// the double stage, the others by the float32 stage, and no row needs the
// exact pass; the verdict is the oracle's on both sides of the margin.
TEST(Certificate, Float32StageFallsBackToTheDoubleStage) {
  const double eps = 0.75, gamma = 0.1;
  const std::vector<TargetEntry> unequal = {{0, 0, 3.0}, {0, 1, 1.0}};
  for (const double offset : {-1e-9, 1e-9}) {
    const MarginCase m =
        margin_case("R1 ln 3 at 1e-9", unequal, std::log(3.0) + eps + offset, 0.0, -100.0, eps, gamma, false);
    const Instance inst = with_scores(m.S);
    const Verdict expected = oracle_verdict(oracle_rows(m.A, m.S, m.eps, m.gamma, 4, false));
    EXPECT_EQ(expected, offset < 0 ? Verdict::certified : Verdict::refuted);
    for (const ScoreProduct product : available_products()) {
      CertificationLimits limits;
      limits.product = product;
      const Certificate cert = certify(m.A, inst.X, inst.W_Q, inst.W_K, m.eps, m.gamma, false, limits);
      EXPECT_EQ(cert.verdict, expected) << score_product_name(product);
      EXPECT_EQ(cert.rows_exact, 0u);
      EXPECT_EQ(cert.rows_filter, 4u);
      EXPECT_EQ(cert.rows_float32, 3u);
    }
  }
}

// The float32 stage's panel of keys is a function of L and d alone: the
// whole of K up to 2^21 entries (8 MiB in binary32), else up to 4 panels
// of at most 2^21 entries, 4 beyond.
TEST(Certificate, Float32PanelKeysDependOnLAndDOnly) {
  EXPECT_EQ(detail::float32_panel_keys(1, 1), 1u);
  EXPECT_EQ(detail::float32_panel_keys(48, 600), 48u);
  EXPECT_EQ(detail::float32_panel_keys(2048, 1024), 2048u);  // exactly 2^21: one panel
  EXPECT_EQ(detail::float32_panel_keys(2049, 1024), 1025u);
  EXPECT_EQ(detail::float32_panel_keys(4096, 1024), 2048u);
  EXPECT_EQ(detail::float32_panel_keys(8192, 1024), 2048u);  // issue 13's instance: 4 panels of 8 MiB
  EXPECT_EQ(detail::float32_panel_keys(32768, 2048), 8192u);
  EXPECT_EQ(detail::float32_panel_keys(3, std::size_t{1} << 22), 1u);
}

// One run of the filter alone, with `panel_keys` keys per float32 panel
// (or without the float32 stage).
struct FilterRun {
  explicit FilterRun(std::size_t L) : rows(L) {}
  detail::RowStates rows;
  detail::FilterPass pass;
};

FilterRun run_filter_with_panels(const Target& A, const Matrix& X, const Weights& W_Q, const Weights& W_K,
                                 ScoreProduct product, unsigned threads, std::size_t panel_keys, bool float32 = true) {
  const detail::Definition2Thresholds t = detail::definition2_thresholds(A, 1.0, 0.1);
  CertificationLimits limits;
  limits.product = product;
  limits.threads = threads;
  limits.float32 = float32;
  FilterRun run(A.L());
  run.pass = detail::run_filter(t, X, W_Q, W_K, false, limits, run.rows, nullptr, panel_keys);
  return run;
}

// Every bit of two runs' row states and counts (the enclosures compared as
// doubles, exactly).
void expect_same_filter_run(const FilterRun& a, const FilterRun& b) {
  RC_ASSERT(a.pass.rows_float32 == b.pass.rows_float32);
  RC_ASSERT(a.pass.rows_refined == b.pass.rows_refined);
  RC_ASSERT(a.pass.note == b.pass.note);
  RC_ASSERT(a.rows.filtered == b.rows.filtered);
  RC_ASSERT(a.rows.float32 == b.rows.float32);
  for (std::size_t i = 0; i < a.rows.size(); ++i) {
    const detail::RowOutcome &x = a.rows.outcome[i], &y = b.rows.outcome[i];
    RC_ASSERT(x.state == y.state);
    RC_ASSERT(x.eps_i.lower == y.eps_i.lower && x.eps_i.upper == y.eps_i.upper);
    RC_ASSERT(x.log_gamma_i.lower == y.log_gamma_i.lower && x.log_gamma_i.upper == y.log_gamma_i.upper);
    RC_ASSERT(x.r1_certified == y.r1_certified && x.r2_certified == y.r2_certified);
    RC_ASSERT(x.witness.has_value() == y.witness.has_value());
    if (x.witness) {
      RC_ASSERT(x.witness->i == y.witness->i && x.witness->j == y.witness->j &&
                x.witness->j_prime == y.witness->j_prime && x.witness->condition == y.witness->condition);
      RC_ASSERT(x.witness->margin.lower == y.witness->margin.lower &&
                x.witness->margin.upper == y.witness->margin.upper);
    }
    const auto &cx = a.rows.candidates[i], &cy = b.rows.candidates[i];
    RC_ASSERT(cx.has_value() == cy.has_value());
    if (cx) {
      RC_ASSERT(cx->r1_max == cy->r1_max && cx->r1_min == cy->r1_min);
      RC_ASSERT(cx->r2_off == cy->r2_off && cx->r2_supp == cy->r2_supp);
    }
  }
}

// The float32 stage in panels of keys decides every row as over whole rows.
// The scores are exact in any summation order (X = [S | D], S on a grid
// of 1/8, D diagonal, Lemma 4's selectors), so every product computes the
// same binary32 and binary64 scores whatever the shape of its block, and
// only the panels' bookkeeping is under test: ties between panels (the grid
// makes them common) go to the first column, and sometimes one score is
// beyond binary32's range, in one panel of its row only. Every
// panel width from 1 key to L, both products, 1 and 2 threads: the same
// bits as one panel. And against the double stage alone, every row both
// decide has the same verdict and enclosures that intersect (both contain
// the exact values).
RC_GTEST_PROP(Certificate, Float32PanelsDecideAsWholeRows, ()) {
  const Target A = (*testing::gen_target({.min_L = 2, .max_L = 24, .max_k = 3})).A;
  const auto L = static_cast<Eigen::Index>(A.L());
  Matrix S(L, L);
  for (Eigen::Index i = 0; i < L; ++i)
    for (Eigen::Index j = 0; j < L; ++j) S(i, j) = *rc::gen::inRange(-24, 25) / 8.0;
  Matrix D = Matrix::Identity(L, L);
  if (*rc::gen::inRange(0, 3) == 0) {
    const auto i = *rc::gen::inRange<Eigen::Index>(0, L), j = *rc::gen::inRange<Eigen::Index>(0, L);
    // q_ij = 1.5 2^127 (a binary32), k_jj = 2: the score 1.5 2^128 is a
    // double beyond binary32's range, the only one (every other product
    // with q_ij is by 0), and the key norms stay small.
    S(i, j) = 0x1.8p127;
    D(j, j) = 2.0;
    for (Eigen::Index r = 0; r < L; ++r)
      if (r != i) S(r, j) /= 2;  // the other scores of column j stay on the grid
    RC_TAG("one score beyond binary32");
  }
  Matrix X(L, 2 * L);
  X << S, D;
  const Weights W_Q = Weights::lemma4_query(A.L()), W_K = Weights::lemma4_key(A.L());
  for (const ScoreProduct product : available_products()) {
    const FilterRun whole = run_filter_with_panels(A, X, W_Q, W_K, product, 1, A.L());
    if (product == ScoreProduct::eigen) {
      RC_CLASSIFY(whole.pass.rows_float32 > 0, "float32 stage decided rows");
      RC_CLASSIFY(whole.pass.rows_float32 < A.L(), "rows left to the double stage");
    }
    for (std::size_t panel = 1; panel <= A.L(); ++panel)
      for (const unsigned threads : {1u, 2u})
        expect_same_filter_run(run_filter_with_panels(A, X, W_Q, W_K, product, threads, panel), whole);
    const FilterRun double_only = run_filter_with_panels(A, X, W_Q, W_K, product, 1, 0, false);
    for (std::size_t i = 0; i < A.L(); ++i) {
      if (!whole.rows.filtered[i] || !double_only.rows.filtered[i]) continue;
      const detail::RowOutcome &x = whole.rows.outcome[i], &y = double_only.rows.outcome[i];
      if (x.state != detail::RowOutcome::State::undecided && y.state != detail::RowOutcome::State::undecided)
        RC_ASSERT(x.state == y.state);
      RC_ASSERT(std::max(x.eps_i.lower, y.eps_i.lower) <= std::min(x.eps_i.upper, y.eps_i.upper));
      RC_ASSERT(std::max(x.log_gamma_i.lower, y.log_gamma_i.lower) <= std::min(x.log_gamma_i.upper, y.log_gamma_i.upper));
    }
  }
}

// On constructed instances (rounded scores), with several panels: the
// same bits on 1 and 2 threads, and a row decided both in panels and over
// whole rows has the same verdict (both are proofs).
RC_GTEST_PROP(Certificate, Float32PanelsAreIndependentOfTheThreadCount, ()) {
  const ConstructedInstance drawn = draw_constructed_instance(8, 60, 200, 2000);
  const Target& A = drawn.A;
  const std::size_t panel = *rc::gen::inRange<std::size_t>(1, A.L());
  for (const ScoreProduct product : available_products()) {
    const FilterRun one = run_filter_with_panels(A, drawn.c.X, drawn.W_Q, drawn.W_K, product, 1, panel);
    const FilterRun two = run_filter_with_panels(A, drawn.c.X, drawn.W_Q, drawn.W_K, product, 2, panel);
    expect_same_filter_run(one, two);
    const FilterRun whole = run_filter_with_panels(A, drawn.c.X, drawn.W_Q, drawn.W_K, product, 1, A.L());
    if (product == ScoreProduct::eigen) RC_CLASSIFY(one.pass.rows_float32 > 0, "float32 stage decided rows");
    for (std::size_t i = 0; i < A.L(); ++i) {
      const auto s = one.rows.outcome[i].state, w = whole.rows.outcome[i].state;
      if (s != detail::RowOutcome::State::undecided && w != detail::RowOutcome::State::undecided) RC_ASSERT(s == w);
    }
  }
}

// After the float32 stage the reported enclosures are as tight as the
// double stage's alone: on constructed instances (certified and, with a
// weight moved by e^(2 eps + 0.01), refuted) eps_hat and ln gamma_hat have
// at most the width they have without the float32 stage (up to the last
// bits of a differently blocked product), the two enclosures intersect, and
// a refutation names the same witness row and condition.
RC_GTEST_PROP(Certificate, RefinedEnclosuresAreAsTightAsTheDoubleStages, ()) {
  const ConstructedInstance drawn = draw_constructed_instance(8, 60, 200, 2000);
  const Target& A = drawn.A;
  const Construction& c = drawn.c;
  const Weights &W_Q = drawn.W_Q, &W_K = drawn.W_K;
  std::vector<TargetEntry> entries;
  for (std::size_t r = 0; r < A.L(); ++r)
    for (std::size_t n = 0; n < A.k_i(r); ++n)
      entries.push_back({r, A.support(r)[n], A.weights(r)[n] * (r == A.L() / 2 && n == 0 && A.k_i(r) >= 2 ? std::exp(2.01) : 1.0)});
  const Target perturbed = Target::from_entries(A.L(), entries);
  for (const Target* target : {&A, &perturbed}) {
    CertificationLimits with, without;
    without.float32 = false;
    const Certificate a = certify(*target, c.X, W_Q, W_K, 1.0, 0.1, false, with);
    const Certificate b = certify(*target, c.X, W_Q, W_K, 1.0, 0.1, false, without);
    RC_ASSERT(a.verdict == b.verdict);
    RC_CLASSIFY(a.verdict == Verdict::refuted, "refuted");
    RC_CLASSIFY(a.rows_float32 > 0, "float32 stage decided rows");
    RC_ASSERT(a.rows_refined <= a.rows_float32);
    for (const auto& [x, y] : {std::pair{a.eps_hat, b.eps_hat}, std::pair{a.log_gamma_hat, b.log_gamma_hat}}) {
      RC_ASSERT(std::max(x.lower, y.lower) <= std::min(x.upper, y.upper));
      if (std::isfinite(x.upper - x.lower) && std::isfinite(y.upper - y.lower))
        RC_ASSERT(x.upper - x.lower <= 2 * (y.upper - y.lower) + 1e-15 * std::max(1.0, std::abs(x.upper)));
    }
    if (a.witness) {
      RC_ASSERT(b.witness.has_value());
      RC_ASSERT(a.witness->i == b.witness->i);
      RC_ASSERT(a.witness->condition == b.witness->condition);
      RC_ASSERT(a.witness->margin.upper - a.witness->margin.lower <=
                2 * (b.witness->margin.upper - b.witness->margin.lower) + 1e-15);
    }
  }
}

// The stop request is polled by the filter (once per block of rows) and by
// the exact pass (once per row): saying stop at the first call abandons
// either with Cancelled; a request that never stops changes nothing.
TEST(Certificate, StopRequestAbandonsTheFilterAndTheExactPass) {
  const Target A = window_global_target(24, 3);
  const Construction c = construct(A, testing::at_dimension(1200));
  const Weights W_Q = Weights::lemma4_query(c.d), W_K = Weights::lemma4_key(c.d);
  for (const bool exact_only : {false, true}) {
    SCOPED_TRACE(exact_only ? "exact pass" : "filter");
    CertificationLimits limits;
    limits.exact_only = exact_only;
    const Certificate plain = certify(A, c.X, W_Q, W_K, 1.0, 0.1, false, limits);
    ASSERT_EQ(plain.verdict, Verdict::certified);  // so the exact pass decides every row
    std::size_t calls = 0;
    limits.stop = [&calls] { ++calls; return false; };
    const Certificate polled = certify(A, c.X, W_Q, W_K, 1.0, 0.1, false, limits);
    EXPECT_EQ(polled.verdict, plain.verdict);
    EXPECT_EQ(polled.eps_hat.upper, plain.eps_hat.upper);
    EXPECT_GE(calls, exact_only ? A.L() : 1u);
    limits.stop = [] { return true; };
    EXPECT_THROW(certify(A, c.X, W_Q, W_K, 1.0, 0.1, false, limits), Cancelled);
  }
}

// A floating-point environment of one thread: the rounding mode and, on
// x86, the MXCSR flags flush-to-zero and denormals-are-zero.
struct ThreadEnvironment {
  int rounding = FE_TONEAREST;
  bool ftz = false, daz = false;
};

ThreadEnvironment current_environment() {
  ThreadEnvironment e;
  e.rounding = std::fegetround();
#if defined(__SSE__) || defined(__x86_64__)
  e.ftz = (_mm_getcsr() & 0x8000u) != 0;
  e.daz = (_mm_getcsr() & 0x0040u) != 0;
#endif
  return e;
}

void set_environment(const ThreadEnvironment& e) {
  std::fesetround(e.rounding);
#if defined(__SSE__) || defined(__x86_64__)
  unsigned csr = _mm_getcsr() & ~(0x8000u | 0x0040u);
  if (e.ftz) csr |= 0x8000u;
  if (e.daz) csr |= 0x0040u;
  _mm_setcsr(csr);
#endif
}

constexpr bool kHaveFlushToZero =
#if defined(__SSE__) || defined(__x86_64__)
    true;
#else
    false;
#endif

// The check itself: the reference environment passes, and each departure
// from it (rounding mode, FTZ, DAZ) is named.
TEST(Certificate, FloatingPointEnvironmentIsChecked) {
  EXPECT_EQ(floating_point_environment_problem(), "");
  const ThreadEnvironment saved = current_environment();
  for (int mode : {FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO}) {
    set_environment({mode, false, false});
    const std::string problem = floating_point_environment_problem();
    set_environment(saved);
    EXPECT_NE(problem.find("rounding mode"), std::string::npos) << problem;
  }
  if (!kHaveFlushToZero) GTEST_SKIP() << "no FTZ/DAZ flags on this processor";
  set_environment({FE_TONEAREST, true, false});
  const std::string ftz = floating_point_environment_problem();
  set_environment({FE_TONEAREST, false, true});
  const std::string daz = floating_point_environment_problem();
  set_environment(saved);
  EXPECT_NE(ftz.find("flush-to-zero"), std::string::npos) << ftz;
  EXPECT_NE(daz.find("denormals-are-zero"), std::string::npos) << daz;
}

// An instance whose verdict rests on subnormal scores: L = 260 tokens, each
// attending to every token with weight 1 (R2 is vacuous), d = 1 with Lemma
// 4's selectors, X = [q | k] with k = (2^-559, 2^-560, 2^-560, ...), so row
// i's scores are q_i k_j (subnormal, computed exactly in the reference
// environment) and eps_i = q_i 2^-560 exactly. Rows 0..255 (the filter's
// first block of 256 rows) have q_i = 2^-510; rows 256..259 (its second
// block) have q_i = q_late. With eps = 2^-1062 the instance is refuted when
// q_late = 2^-500 (eps_i = 2^-1060) and certified when q_late = 2^-504
// (eps_i = 2^-1064). A thread that flushes subnormal results to zero
// computes every score as 0, and the filter's bound (about d 2^-1074 here)
// would then "certify" R1 at eps: the worker that gets the second block
// must not trust its own arithmetic.
struct SubnormalInstance {
  Target A;
  Matrix X;
  double eps = 0x1p-1062;
};

SubnormalInstance subnormal_instance(double q_late) {
  constexpr std::size_t L = 260;
  std::vector<TargetEntry> entries;
  for (std::size_t i = 0; i < L; ++i)
    for (std::size_t j = 0; j < L; ++j) entries.push_back({i, j, 1.0});
  SubnormalInstance inst{Target::from_entries(L, std::move(entries)), Matrix(L, 2)};
  for (Eigen::Index i = 0; i < static_cast<Eigen::Index>(L); ++i) {
    inst.X(i, 0) = i < 256 ? 0x1p-510 : q_late;
    inst.X(i, 1) = i == 0 ? 0x1p-559 : 0x1p-560;
  }
  return inst;
}

Certificate certify_subnormal(const SubnormalInstance& inst, const CertificationLimits& limits) {
  return certify(inst.A, inst.X, Weights::lemma4_query(1), Weights::lemma4_key(1), inst.eps, 0.5, false, limits);
}

// glibc's fegetround() reads the x87 control word only; SSE arithmetic
// rounds by MXCSR's own mode bits, which a host can set alone
// (_MM_SET_ROUNDING_MODE). The check must see them, and the reference scope
// must clear them.
TEST(Certificate, SseRoundingModeAloneIsSeenAndCleared) {
  if (!kHaveFlushToZero) GTEST_SKIP() << "no MXCSR on this processor";
  ASSERT_EQ(floating_point_environment_problem(), "");
  const unsigned saved = _mm_getcsr();
  for (const unsigned mode : {_MM_ROUND_UP, _MM_ROUND_DOWN, _MM_ROUND_TOWARD_ZERO}) {
    _MM_SET_ROUNDING_MODE(mode);
    ASSERT_EQ(std::fegetround(), FE_TONEAREST) << "the premise: the x87 mode is untouched";
    volatile double one = 1.0, three = 3.0;
    const double third = one / three;
    EXPECT_NE(floating_point_environment_problem(), "") << "mode " << mode << ", 1/3 = " << third;
    {
      const detail::ReferenceEnvironmentScope reference;
      EXPECT_EQ(floating_point_environment_problem(), "");
      EXPECT_EQ(one / three, 1.0 / 3.0);
    }
    EXPECT_NE(floating_point_environment_problem(), "") << "the scope restores the caller's mode";
    _mm_setcsr(saved);
  }
  EXPECT_EQ(floating_point_environment_problem(), "");
}

// Issue 11, item 2: rounding mode and FTZ/DAZ are per thread, and the filter
// computes on OpenMP worker threads. Through the library API, the second
// thread of a 2-thread OpenMP pool is put in flush-to-zero and
// denormals-are-zero with a directed rounding mode (OpenMP reuses its pool
// threads, and the filter deals its blocks round robin, so that worker gets
// the second block); the calling thread stays in the reference environment.
// The worker's rows go to the exact pass, and the verdict is the exact-only
// verdict on both instances: never "certified" for the false one.
TEST(Certificate, WorkerThreadsInAnotherEnvironmentNeverCertifyFalsely) {
  if (!kHaveFlushToZero) GTEST_SKIP() << "no FTZ/DAZ flags on this processor";
  const ThreadEnvironment reference = current_environment();
  ASSERT_EQ(floating_point_environment_problem(), "");
  const int saved_dynamic = omp_get_dynamic();
  omp_set_dynamic(0);
  for (const ThreadEnvironment worker : {ThreadEnvironment{FE_UPWARD, true, true}, ThreadEnvironment{FE_DOWNWARD, false, false}}) {
    SCOPED_TRACE(worker.ftz ? "FTZ, DAZ and rounding upward" : "rounding downward only");
#pragma omp parallel num_threads(2)
    if (omp_get_thread_num() == 1) set_environment(worker);
    // The premise: the pool's second thread keeps its environment between regions.
    std::vector<std::string> seen(2);
#pragma omp parallel num_threads(2)
    seen[static_cast<std::size_t>(omp_get_thread_num())] = floating_point_environment_problem();
    ASSERT_EQ(seen[0], "");
    ASSERT_NE(seen[1], "") << "this OpenMP runtime did not reuse its worker thread";

    for (const double q_late : {0x1p-500, 0x1p-504}) {
      SCOPED_TRACE(q_late);
      const SubnormalInstance inst = subnormal_instance(q_late);
      CertificationLimits two_workers, exact_only;
      two_workers.threads = 2;
      exact_only.exact_only = true;
      exact_only.threads = 1;
      const Certificate cert = certify_subnormal(inst, two_workers);
      const Certificate exact = certify_subnormal(inst, exact_only);
      EXPECT_EQ(exact.verdict, q_late == 0x1p-500 ? Verdict::refuted : Verdict::certified);
      EXPECT_EQ(cert.verdict, exact.verdict) << cert.filter_note;
      EXPECT_NE(cert.filter_note.find("worker thread"), std::string::npos) << cert.filter_note;
      // The first block was decided by the filter on the calling thread,
      // the second block's rows went to the exact pass.
      EXPECT_EQ(cert.rows_filter, 256u);
      if (cert.verdict == Verdict::certified) {
        EXPECT_EQ(cert.rows_exact, 4u);
      }
    }
#pragma omp parallel num_threads(2)
    set_environment(reference);
  }
  omp_set_dynamic(saved_dynamic);
  // In the reference environment the filter decides every row itself.
  CertificationLimits two_workers;
  two_workers.threads = 2;
  const Certificate clean = certify_subnormal(subnormal_instance(0x1p-504), two_workers);
  EXPECT_EQ(clean.verdict, Verdict::certified);
  EXPECT_EQ(clean.rows_filter, 260u);
  EXPECT_EQ(clean.filter_note, "");
}

// The row bounds of Step 1 (each row's norm, and for a dense W its product's
// error) are computed on every core. A pool thread in another environment
// must not compute any of them: the results are the same bits as in a pool
// whose threads are all in the reference environment. The premise is
// checked too: that thread, left to compute a row's norm, gets other bits.
TEST(Certificate, RowBoundsOfWorkersInAnotherEnvironmentAreTheReferenceOnes) {
  const ThreadEnvironment reference = current_environment();
  ASSERT_EQ(floating_point_environment_problem(), "");
  const int saved_dynamic = omp_get_dynamic(), saved_threads = omp_get_max_threads();
  omp_set_dynamic(0);
  if (saved_threads < 2) omp_set_num_threads(2);
  Matrix X(500, 24);
  for (Eigen::Index i = 0; i < X.rows(); ++i)
    for (Eigen::Index c = 0; c < X.cols(); ++c) X(i, c) = std::sin(0.7 * static_cast<double>(i * X.cols() + c) + 0.3);
  Matrix W_dense(24, 12);
  for (Eigen::Index r = 0; r < W_dense.rows(); ++r)
    for (Eigen::Index c = 0; c < W_dense.cols(); ++c) W_dense(r, c) = std::cos(1.3 * static_cast<double>(r * 12 + c));
  const Weights selector = Weights::lemma4_query(12), dense = Weights::from_matrix(W_dense);
  const detail::Factor selector_reference = detail::compute_factor(X, selector);
  const detail::Factor dense_reference = detail::compute_factor(X, dense);

  const ThreadEnvironment worker{FE_DOWNWARD, false, false};
#pragma omp parallel
  if (omp_get_thread_num() == 1) set_environment(worker);
  std::vector<double> on_worker(static_cast<std::size_t>(X.rows()), 0.0);
  bool worker_ran = false;
#pragma omp parallel
  if (omp_get_thread_num() == 1) {
    worker_ran = floating_point_environment_problem() != "";
    for (Eigen::Index i = 0; i < X.rows(); ++i)
      on_worker[static_cast<std::size_t>(i)] = detail::norm_upper(X.row(i).data(), 12);
  }
  const detail::Factor selector_mixed = detail::compute_factor(X, selector);
  const detail::Factor dense_mixed = detail::compute_factor(X, dense);
#pragma omp parallel
  set_environment(reference);
  omp_set_dynamic(saved_dynamic);
  omp_set_num_threads(saved_threads);

  ASSERT_TRUE(worker_ran) << "this OpenMP runtime did not reuse its worker thread";
  EXPECT_NE(on_worker, selector_reference.norm_upper) << "rounding downward changed no norm: the test shows nothing";
  EXPECT_EQ(selector_mixed.norm_upper, selector_reference.norm_upper);
  EXPECT_EQ(dense_mixed.norm_upper, dense_reference.norm_upper);
  EXPECT_EQ(dense_mixed.error_upper, dense_reference.error_upper);
  EXPECT_TRUE(selector_mixed.finite && dense_mixed.finite);
}

// The calling thread's environment: certify works in the reference
// environment whatever the caller's (the exact pass converts subnormal
// doubles exactly even when the caller has set denormals-are-zero) and
// restores the caller's on return.
TEST(Certificate, TheCallersEnvironmentIsReplacedWhileCertifyingAndRestored) {
  if (!kHaveFlushToZero) GTEST_SKIP() << "no FTZ/DAZ flags on this processor";
  const ThreadEnvironment saved = current_environment();
  const ThreadEnvironment caller{FE_DOWNWARD, true, true};
  for (const bool exact_only : {false, true})
    for (const double q_late : {0x1p-500, 0x1p-504}) {
      SCOPED_TRACE(std::string(exact_only ? "exact only, " : "filter, ") + std::to_string(q_late));
      const SubnormalInstance inst = subnormal_instance(q_late);
      CertificationLimits limits;
      limits.exact_only = exact_only;
      limits.threads = 1;
      set_environment(caller);
      const Certificate cert = certify_subnormal(inst, limits);
      const ThreadEnvironment after = current_environment();
      set_environment(saved);
      EXPECT_EQ(cert.verdict, q_late == 0x1p-500 ? Verdict::refuted : Verdict::certified);
      EXPECT_EQ(after.rounding, caller.rounding);
      EXPECT_EQ(after.ftz, caller.ftz);
      EXPECT_EQ(after.daz, caller.daz);
    }
}

// score_norms(): the largest query and key norms of X W_Q and X W_K for dense
// weights, against the exact products and norms in 256-bit MPFR (rounded
// up only at the end); they are upper bounds, tight to a few ulps times m,
// with the factor 1/sqrt(d) on the product for scaled scores. A NaN entry
// leaves them not computed, and shapes that do not fit are refused.
TEST(ScoreNorms, BoundTheExactNormsFromAboveAndTightly) {
  using Big256 = boost::multiprecision::number<boost::multiprecision::mpfr_float_backend<256>>;
  const Eigen::Index L = 9, m = 7, d = 5;
  // Fixed entries of mixed signs and magnitudes (no generator: the same on every platform).
  const auto fill = [](Eigen::Index rows, Eigen::Index cols, double scale, double phase) {
    Matrix M(rows, cols);
    for (Eigen::Index r = 0; r < rows; ++r)
      for (Eigen::Index c = 0; c < cols; ++c) M(r, c) = scale * std::sin(phase + 1.7 * static_cast<double>(r * cols + c));
    return M;
  };
  Matrix X = fill(L, m, 3.0, 0.1);
  const Matrix Wq = fill(m, d, 1.0, 0.4), Wk = fill(m, d, 0.25, 0.9);
  const auto largest_row_norm = [&](const Matrix& W) {
    Big256 largest = 0;
    for (Eigen::Index i = 0; i < L; ++i) {
      Big256 sum = 0;
      for (Eigen::Index c = 0; c < d; ++c) {
        Big256 dot = 0;
        for (Eigen::Index l = 0; l < m; ++l) dot += Big256(X(i, l)) * Big256(W(l, c));
        sum += dot * dot;
      }
      largest = std::max(largest, Big256(sqrt(sum)));
    }
    return largest;
  };
  const Big256 query = largest_row_norm(Wq), key = largest_row_norm(Wk);
  for (const bool scaled : {false, true}) {
    SCOPED_TRACE(scaled ? "scaled" : "unscaled");
    const ScoreNorms n = score_norms(X, Weights::from_matrix(Wq), Weights::from_matrix(Wk), scaled);
    ASSERT_TRUE(n.computed) << n.note;
    EXPECT_GE(Big256(n.query), query);
    EXPECT_LE(Big256(n.query), query * (1 + Big256(1e-13)));
    EXPECT_GE(Big256(n.key), key);
    EXPECT_LE(Big256(n.key), key * (1 + Big256(1e-13)));
    const Big256 product = query * key / (scaled ? Big256(sqrt(Big256(d))) : Big256(1));
    EXPECT_GE(Big256(n.product), product);
    EXPECT_LE(Big256(n.product), product * (1 + Big256(1e-12)));
  }
  X(3, 2) = std::numeric_limits<double>::quiet_NaN();
  const ScoreNorms nan = score_norms(X, Weights::from_matrix(Wq), Weights::from_matrix(Wk), false);
  EXPECT_FALSE(nan.computed);
  EXPECT_FALSE(nan.note.empty());
  EXPECT_THROW(score_norms(X, Weights::from_matrix(Wq), Weights::lemma4_key(3), false), InputError);
}


// The float32 stage's panels over several blocks of rows (a block is
// min(256, 2^22 / L) rows, so L > 256 gives several; the tests above stay
// within one). An instance with exact scores (every product exact in
// binary32 and binary64 in any summation order, so the panels' bookkeeping
// is under test, not rounding): d = G + 2 columns, X = [Q | K] with
// Lemma 4's selectors; key j is in group h(j) = j mod G (K(j, h(j)) = 4)
// with a noise entry in {-1/4, 0, 1/4}; query i has Q(i, g) = 1 for its
// group g and a noise entry in {-1/4, 0, 1/4}, so the scores are 4 or 0
// plus a multiple of 1/16 (ties everywhere, across any panel boundary).
// A quarter of the rows attend to their whole group with weight 1 (certified),
// the others to 1 to 3 random columns with weights 1, 2 or e (mostly
// refuted, by R1 or R2). The last column of Q and K is 0 unless an
// overflow is placed there.
struct PanelInstance {
  Target A;
  Matrix X;
  Eigen::Index d = 0;
  /// The score q_i . k_j, exact (every partial sum is) but beside an
  /// overflow score, which stays the row's largest.
  double score(std::size_t i, std::size_t j) const {
    return X.row(static_cast<Eigen::Index>(i)).head(d).dot(X.row(static_cast<Eigen::Index>(j)).tail(d));
  }
};

PanelInstance panel_instance(std::uint32_t seed, std::size_t L, Eigen::Index groups) {
  std::mt19937 random(seed);
  const auto pick = [&](int n) { return static_cast<int>(random() % static_cast<unsigned>(n)); };
  const Eigen::Index d = groups + 2, Li = static_cast<Eigen::Index>(L), noise = groups;
  Matrix Q = Matrix::Zero(Li, d), K = Matrix::Zero(Li, d);
  std::vector<TargetEntry> entries;
  for (Eigen::Index j = 0; j < Li; ++j) {
    K(j, j % groups) = 4.0;
    K(j, noise) = (pick(3) - 1) / 4.0;
  }
  for (Eigen::Index i = 0; i < Li; ++i) {
    const Eigen::Index g = pick(static_cast<int>(groups));
    Q(i, g) = 1.0;
    Q(i, noise) = (pick(3) - 1) / 4.0;
    const auto row = static_cast<std::size_t>(i);
    if (pick(4) == 0) {
      for (auto j = static_cast<std::size_t>(g); j < L; j += static_cast<std::size_t>(groups)) entries.push_back({row, j, 1.0});
    } else {
      std::vector<std::size_t> cols;
      for (int n = 1 + pick(3); n > 0; --n) cols.push_back(static_cast<std::size_t>(pick(static_cast<int>(L))));
      std::sort(cols.begin(), cols.end());
      cols.erase(std::unique(cols.begin(), cols.end()), cols.end());
      for (const std::size_t j : cols) entries.push_back({row, j, std::array{1.0, 2.0, std::exp(1.0)}[static_cast<std::size_t>(pick(3))]});
    }
  }
  PanelInstance inst{Target::from_entries(L, std::move(entries)), Matrix(Li, 2 * d), d};
  inst.X << Q, K;
  return inst;
}

// Q's and K's last column (the "overflow" column) of an instance.
double& overflow_query(PanelInstance& inst, Eigen::Index i) { return inst.X(i, inst.d - 1); }
double& overflow_key(PanelInstance& inst, Eigen::Index j) { return inst.X(j, 2 * inst.d - 1); }

// run_filter_with_panels() on a panel instance, with its thresholds (eps =
// 1, gamma = 0.1) computed once (their logarithms are most of a run's time).
FilterRun run_panel_instance(const PanelInstance& inst, const detail::Definition2Thresholds& t, ScoreProduct product,
                             unsigned threads, std::size_t panel_keys, bool float32 = true) {
  const auto d = static_cast<std::size_t>(inst.d);
  CertificationLimits limits;
  limits.product = product;
  limits.threads = threads;
  limits.float32 = float32;
  FilterRun run(inst.A.L());
  run.pass = detail::run_filter(t, inst.X, Weights::lemma4_query(d), Weights::lemma4_key(d), false, limits, run.rows,
                                nullptr, panel_keys);
  return run;
}

// The row states that do not depend on how the filter got them: a row the
// float32 stage left (or never ran on) is decided by the double stage on
// the same exact scores as without the float32 stage, so it is the same
// bits; a row the float32 stage decided has the same verdict and
// enclosures that intersect (both contain the exact values).
void expect_consistent_with_double_stage(const FilterRun& run, const FilterRun& double_only) {
  RC_ASSERT(run.rows.filtered == double_only.rows.filtered);
  for (std::size_t i = 0; i < run.rows.size(); ++i) {
    const detail::RowOutcome &x = run.rows.outcome[i], &y = double_only.rows.outcome[i];
    if (!run.rows.float32[i]) {
      RC_ASSERT(x.state == y.state);
      RC_ASSERT(x.eps_i.lower == y.eps_i.lower && x.eps_i.upper == y.eps_i.upper);
      RC_ASSERT(x.log_gamma_i.lower == y.log_gamma_i.lower && x.log_gamma_i.upper == y.log_gamma_i.upper);
      RC_ASSERT(run.rows.candidates[i].has_value() == double_only.rows.candidates[i].has_value());
      continue;
    }
    if (y.state != detail::RowOutcome::State::undecided) RC_ASSERT(x.state == y.state);
    RC_ASSERT(x.state != detail::RowOutcome::State::undecided);
    RC_ASSERT(std::max(x.eps_i.lower, y.eps_i.lower) <= std::min(x.eps_i.upper, y.eps_i.upper));
    RC_ASSERT(std::max(x.log_gamma_i.lower, y.log_gamma_i.lower) <= std::min(x.log_gamma_i.upper, y.log_gamma_i.upper));
  }
}

// A row refuted by R2 names the first off-support column of largest exact
// score and the first support column of smallest (ties across panel
// boundaries go to the first column, as over the whole row), found here
// from the exact scores, not by the filter's scan.
void expect_first_columns_witness_r2(const PanelInstance& inst, const FilterRun& run) {
  for (std::size_t i = 0; i < run.rows.size(); ++i) {
    const auto& w = run.rows.outcome[i].witness;
    if (!w || w->condition != Condition::R2) continue;
    std::size_t o = inst.A.L(), p = inst.A.L();
    double off_max = 0.0, supp_min = 0.0;
    for (std::size_t j = 0; j < inst.A.L(); ++j) {
      const double s = inst.score(i, j);
      if (inst.A.in_support(i, j)) {
        if (p == inst.A.L() || s < supp_min) { p = j; supp_min = s; }
      } else if (o == inst.A.L() || s > off_max) {
        o = j;
        off_max = s;
      }
    }
    RC_ASSERT(w->j == o);
    RC_ASSERT(w->j_prime == p);
  }
}

// Several blocks of rows (L = 520 .. 640: 3 blocks of 256, so with 2
// threads each worker has blocks) and several panels (16 keys to L, half
// the time at most 64, so a block's scan spans up to 40 panels; narrower
// panels are Float32PanelsDecideAsWholeRows', as each panel costs two
// parallel regions), one of the products per case: every bit of the row
// states is the same as with one panel, on 1 and on 2 threads; every row
// is filtered as without the float32 stage, and the rows the float32
// stage leaves are the double stage's bits; an R2 witness names the first
// columns of the extreme exact scores. Sometimes one binary32 score overflows, in the last panel of
// its row only (q = 1.5 2^127 and k = 2 in the overflow column, off the
// row's support): the row goes on to the double stage, which refutes it.
RC_GTEST_PROP(Certificate, Float32PanelsOverSeveralBlocksDecideAsWholeRows, ()) {
  const std::size_t L = *rc::gen::inRange<std::size_t>(520, 641);
  PanelInstance inst = panel_instance(*rc::gen::arbitrary<std::uint32_t>(), L, *rc::gen::inRange<Eigen::Index>(4, 9));
  const std::size_t panel = *rc::gen::oneOf(rc::gen::inRange<std::size_t>(16, 65), rc::gen::inRange<std::size_t>(65, L + 1));
  const std::size_t panels = (L + panel - 1) / panel;
  std::optional<std::size_t> overflow_row;
  if (panels > 1 && *rc::gen::inRange(0, 2) == 0) {
    const std::size_t i = *rc::gen::inRange<std::size_t>(0, L);
    std::size_t j = *rc::gen::inRange((panels - 1) * panel, L);
    while (inst.A.in_support(i, j) && j + 1 < L) ++j;
    RC_PRE(!inst.A.in_support(i, j));
    overflow_query(inst, static_cast<Eigen::Index>(i)) = 0x1.8p127;
    overflow_key(inst, static_cast<Eigen::Index>(j)) = 2.0;
    overflow_row = i;
    RC_TAG("one binary32 score overflows, in the last panel");
  }
  const detail::Definition2Thresholds t = detail::definition2_thresholds(inst.A, 1.0, 0.1);
  {
    const ScoreProduct product = *rc::gen::elementOf(available_products());
    const FilterRun whole = run_panel_instance(inst, t, product, 1, L);
    const FilterRun one = run_panel_instance(inst, t, product, 1, panel);
    const FilterRun two = run_panel_instance(inst, t, product, 2, panel);
    const FilterRun double_only = run_panel_instance(inst, t, product, 1, 0, false);
    expect_same_filter_run(one, whole);
    expect_same_filter_run(two, whole);
    expect_consistent_with_double_stage(one, double_only);
    expect_first_columns_witness_r2(inst, one);
    RC_ASSERT(one.pass.rows_float32 > 0);
    if (overflow_row) {
      RC_ASSERT(!one.rows.float32[*overflow_row]);
      RC_ASSERT(one.rows.outcome[*overflow_row].state == detail::RowOutcome::State::refuted);
    }
    RC_CLASSIFY(one.pass.rows_float32 < L, "rows left to the double stage");
    RC_CLASSIFY(panels > 2 * static_cast<std::size_t>(L / 256), "more panels than twice the blocks");
  }
}

// The first difference between two runs' row states and counts (every
// bit, as expect_same_filter_run()), or empty: for plain tests.
std::string first_difference(const FilterRun& a, const FilterRun& b) {
  if (a.pass.rows_float32 != b.pass.rows_float32) return "rows_float32";
  if (a.pass.rows_refined != b.pass.rows_refined) return "rows_refined";
  if (a.pass.note != b.pass.note) return "note";
  for (std::size_t i = 0; i < a.rows.size(); ++i) {
    const detail::RowOutcome &x = a.rows.outcome[i], &y = b.rows.outcome[i];
    const auto same = [](Enclosure u, Enclosure v) { return u.lower == v.lower && u.upper == v.upper; };
    bool ok = a.rows.filtered[i] == b.rows.filtered[i] && a.rows.float32[i] == b.rows.float32[i] && x.state == y.state &&
              same(x.eps_i, y.eps_i) && same(x.log_gamma_i, y.log_gamma_i) && x.r1_certified == y.r1_certified &&
              x.r2_certified == y.r2_certified && x.witness.has_value() == y.witness.has_value();
    if (ok && x.witness)
      ok = x.witness->j == y.witness->j && x.witness->j_prime == y.witness->j_prime &&
           x.witness->condition == y.witness->condition && same(x.witness->margin, y.witness->margin);
    const auto &cx = a.rows.candidates[i], &cy = b.rows.candidates[i];
    ok = ok && cx.has_value() == cy.has_value();
    if (ok && cx) ok = cx->r1_max == cy->r1_max && cx->r1_min == cy->r1_min && cx->r2_off == cy->r2_off && cx->r2_supp == cy->r2_supp;
    if (!ok) return "row " + std::to_string(i);
  }
  return {};
}

// One key beyond binary32's range (1e39 in the overflow column, where
// every third query has a 1), in a panel p >= 1, so earlier panels have
// been scanned: the float32 stage stops, and every row is scored by the
// double stage, the same bits as without the float32 stage, on 1 and 2
// threads (3 blocks of rows), with the same refutations (the rows whose
// query reaches that key). Without the big key the float32 stage decides
// rows, so the fallback is what changed. Panels of 7, 100 and 233 keys,
// the key in a middle, the seventh or the last panel.
TEST(Certificate, Float32KeyBeyondBinary32InALaterPanelFallsBackForEveryRow) {
  struct Case {
    std::size_t panel, key;
  };
  for (const auto [panel, key] : {Case{7, 350}, Case{100, 650}, Case{233, 699}}) {
    SCOPED_TRACE("panel " + std::to_string(panel) + ", key " + std::to_string(key));
    PanelInstance inst = panel_instance(static_cast<std::uint32_t>(panel * 1000 + key), 700, 4);
    const detail::Definition2Thresholds t = detail::definition2_thresholds(inst.A, 1.0, 0.1);
    for (const ScoreProduct product : available_products()) {
      SCOPED_TRACE(score_product_name(product));
      EXPECT_GT(run_panel_instance(inst, t, product, 1, panel).pass.rows_float32, 100u);
    }
    overflow_key(inst, static_cast<Eigen::Index>(key)) = 1e39;
    for (Eigen::Index i = 0; i < 700; i += 3) overflow_query(inst, i) = 1.0;
    for (const ScoreProduct product : available_products()) {
      SCOPED_TRACE(score_product_name(product));
      const FilterRun double_only = run_panel_instance(inst, t, product, 1, 0, false);
      EXPECT_GT(std::count_if(double_only.rows.outcome.begin(), double_only.rows.outcome.end(),
                              [](const detail::RowOutcome& o) { return o.state == detail::RowOutcome::State::refuted; }),
                100);
      EXPECT_EQ(std::count(double_only.rows.filtered.begin(), double_only.rows.filtered.end(), 1), 700);
      for (const unsigned threads : {1u, 2u}) {
        const FilterRun run = run_panel_instance(inst, t, product, threads, panel);
        EXPECT_EQ(run.pass.rows_float32, 0u);
        EXPECT_EQ(first_difference(run, double_only), "") << threads << " threads";
      }
    }
  }
}

// A worker in another floating-point environment while the float32 stage
// runs in panels over several blocks (L = 700: blocks 0..2, the second
// block dealt to the second of 2 workers; 7 panels of 100 keys): that
// worker's rows are left to the exact pass (not filtered) and the note
// says why; every other row has the verdict and float32 flag of a run on
// one thread. Its environment is wrong from the start (FTZ, DAZ, rounding
// down), or becomes wrong (FTZ, DAZ: no subnormals here, so its first
// panel is the reference bits) at its first block of the first panel, so
// the problem is first met in panel 1.
TEST(Certificate, Float32PanelsWithAWorkerInAnotherEnvironment) {
  if (!kHaveFlushToZero) GTEST_SKIP() << "no FTZ/DAZ flags on this processor";
  const ThreadEnvironment reference = current_environment();
  ASSERT_EQ(floating_point_environment_problem(), "");
  const PanelInstance inst = panel_instance(20261205, 700, 3);
  const auto d = static_cast<std::size_t>(inst.d);
  const detail::Definition2Thresholds t = detail::definition2_thresholds(inst.A, 1.0, 0.1);
  const int saved_dynamic = omp_get_dynamic();
  omp_set_dynamic(0);
  for (const bool from_start : {true, false}) {
    SCOPED_TRACE(from_start ? "wrong from the start" : "wrong from panel 1");
    for (const ScoreProduct product : available_products()) {
      SCOPED_TRACE(score_product_name(product));
      CertificationLimits limits;
      limits.product = product;
      limits.threads = 1;
      detail::RowStates expected(700), rows(700);
      detail::run_filter(t, inst.X, Weights::lemma4_query(d), Weights::lemma4_key(d), false, limits, expected, nullptr, 100);
      ASSERT_GT(std::count(expected.float32.begin(), expected.float32.end(), 1), 300);

      std::atomic<bool> switched{false};
      if (from_start) {
#pragma omp parallel num_threads(2)
        {
          if (omp_get_thread_num() == 1) set_environment({FE_DOWNWARD, true, true});
        }
      } else {
        limits.stop = [&switched] {
          if (omp_get_thread_num() == 1 && !switched.exchange(true)) set_environment({FE_TONEAREST, true, true});
          return false;
        };
      }
      limits.threads = 2;
      const detail::FilterPass pass = detail::run_filter(t, inst.X, Weights::lemma4_query(d), Weights::lemma4_key(d),
                                                         false, limits, rows, nullptr, 100);
      std::vector<std::string> seen(2);
#pragma omp parallel num_threads(2)
      seen[static_cast<std::size_t>(omp_get_thread_num())] = floating_point_environment_problem();
#pragma omp parallel num_threads(2)
      set_environment(reference);
      ASSERT_EQ(seen[0], "");
      ASSERT_NE(seen[1], "") << "this OpenMP runtime did not reuse its worker thread";
      if (!from_start) {
        ASSERT_TRUE(switched.load()) << "the second worker never polled";
      }

      EXPECT_NE(pass.note.find("worker thread"), std::string::npos) << pass.note;
      for (std::size_t i = 0; i < 700; ++i) {
        SCOPED_TRACE(i);
        if (i >= 256 && i < 512) {
          EXPECT_FALSE(rows.filtered[i]);
          EXPECT_FALSE(rows.float32[i]);
          continue;
        }
        EXPECT_EQ(rows.filtered[i], expected.filtered[i]);
        EXPECT_EQ(rows.float32[i], expected.float32[i]);
        EXPECT_EQ(rows.outcome[i].state, expected.outcome[i].state);
      }
    }
  }
  omp_set_dynamic(saved_dynamic);
}

}  // namespace
}  // namespace jlattn
