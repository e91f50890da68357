// Tests for src/jlattn/lemma2_score_error: Lemma 2 and its parameters
// (eta = eps/2, Delta = ln(1/gamma) + eps) of proofs/lemma2-score-error.md.
//
// Oracles: exact rationals (cpp_rational) for eta = eps/2; MPFR at >= 200 bits
// for Delta; Definition 2's evaluation (tested against an all-pairs MPFR
// oracle in definition2_approximation_test.cpp) for the lemma's conclusion.
//
// Why the pass checks use noise in [-(1 - 1e-9) eta, (1 - 1e-9) eta]: at the
// exact corners |S - B| = eta the real eps_i equals eps and the real lgam_i
// equals ln gamma, so the double evaluation sits on the threshold and its
// verdict is decided by rounding, not by the lemma. The rounding involved is
// tiny: B from Lemma 1 is within tol_B ~ u(2 + 10 rho + 2 Delta) of the real
// B, S = fl(B + noise) adds u|S|, Definition 2's evaluation adds
// 4u(Smax + 9 max|ln A|) and ln gamma (4 ulp) 8u|ln gamma| - a few 1e-14 for
// the |S| <= 60 drawn here. Shrinking the noise by 1e-9 leaves a margin of
// 2e-9 eta >= 1e-11, more than 100x that, so "approximates" must hold. The
// converse tests go 1e-6 relative beyond eta and must then fail.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <boost/multiprecision/cpp_int.hpp>
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
#include "jlattn/proof/lemma2_score_error.hpp"
#include "support/binary64.hpp"
#include "support/generators.hpp"
#include "support/input_error.hpp"
#include "support/mpfr.hpp"

namespace {

using boost::multiprecision::cpp_rational;
using jlattn::ApproximationEvaluation;
using jlattn::Condition;
using jlattn::LogTransform;
using jlattn::Matrix;
using jlattn::ScoreErrorBudget;
using jlattn::Target;
using ::testing::HasSubstr;
// tests/support: the MPFR oracle (Real, within), kU, kInf, kNaN, bits,
// input_error_message, gen_real.
using namespace jlattn::testing;

constexpr double kShrink = 1 - 1e-9;  // pass checks: noise within (1 - 1e-9) eta (file comment)
constexpr double kExceed = 1 + 1e-6;  // converse: noise at (1 + 1e-6) eta

/// How the entrywise score error e = S - B is laid out.
enum class Noise {
  Uniform,       ///< every e_ij uniform in [-bound, bound]
  Corner,        ///< off-support +bound, the row's smallest-weight column -bound, other support +bound
  RandomCorner,  ///< every e_ij = +-bound at random, the smallest-weight column -bound
  R2Corner       ///< off-support +bound, every support entry -bound (R1 error 0, R2 at its worst)
};

const char* noise_name(Noise n) {
  switch (n) {
    case Noise::Uniform: return "uniform noise";
    case Noise::Corner: return "adversarial corner";
    case Noise::RandomCorner: return "random corner";
    case Noise::R2Corner: return "R2-only corner";
  }
  return "?";
}

/// S = B + e with |e_ij| <= bound laid out as `noise` says (one rounding per entry).
/// Corner layouts maximise the ratio error: on the support one entry goes
/// down and the others up (|e_ij - e_ij'| = 2 bound for R1), and the
/// off-support entries go up against the smallest support entry, which is the
/// one at Delta that went down (lgam_i = -Delta + 2 bound for R2).
Matrix perturbed_scores(const LogTransform& B, Noise noise, double bound) {
  const Target& A = *B.A;
  Matrix S = B.dense();
  for (std::size_t i = 0; i < A.L(); ++i) {
    const auto w = A.weights(i);
    const auto s = A.support(i);
    const std::size_t low = s[static_cast<std::size_t>(std::min_element(w.begin(), w.end()) - w.begin())];
    for (std::size_t j = 0; j < A.L(); ++j) {
      double e = 0;
      switch (noise) {
        case Noise::Uniform: e = *gen_real(-bound, bound); break;
        case Noise::Corner: e = j == low ? -bound : bound; break;
        case Noise::RandomCorner: e = j == low ? -bound : (*rc::gen::arbitrary<bool>() ? bound : -bound); break;
        case Noise::R2Corner: e = A.in_support(i, j) ? -bound : bound; break;
      }
      S(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) += e;
    }
  }
  return S;
}

// ---------------------------------------------------------------------------
// The parameters.
// ---------------------------------------------------------------------------

// Parameters: eta = eps / 2 exactly (as rationals; halving a normal double
// is exact), for eps across the whole normal range of binary64; eps and gamma
// are stored unchanged.
RC_GTEST_PROP(Lemma2ScoreError, EtaIsExactlyHalfEps, ()) {
  const int exponent = *rc::gen::inRange(-1020, 1024);
  const double eps = std::ldexp(*gen_real(0.5, 1.0), exponent);
  const double gamma = *gen_real(1e-9, 0.999999);
  RC_CLASSIFY(eps < 1e-300 || eps > 1e300, "extreme eps");
  const ScoreErrorBudget b = jlattn::score_error_budget(eps, gamma);
  RC_ASSERT(cpp_rational(cpp_rational(b.eta) * 2) == cpp_rational(eps));
  RC_ASSERT(bits(b.eps) == bits(eps));
  RC_ASSERT(bits(b.gamma) == bits(gamma));
}

// Delta is the smallest double at or above the real ln(1/gamma) + eps (MPFR at
// 203 bits as the oracle): at least the real gap, as Lemma 2 needs, and the
// double just below it is short of it. eta = eps / 2 exactly.
RC_GTEST_PROP(Lemma2ScoreError, DeltaIsTheSmallestDoubleAtOrAboveTheGap, ()) {
  const double eps = *rc::gen::weightedOneOf<double>({{4, gen_real(1e-6, 10.0)}, {1, gen_real(1e-300, 1e-290)}});
  const double gamma = *rc::gen::weightedOneOf<double>(
      {{4, gen_real(1e-12, 0.999)}, {1, rc::gen::map(gen_real(1e-6, 700.0), [](double t) { return std::exp(-t); })},
       {1, gen_real(1 - 1e-9, 1 - 1e-12)}});
  const ScoreErrorBudget b = jlattn::score_error_budget(eps, gamma);
  const Real gap = Real(Real(-boost::multiprecision::log(Real(gamma))) + Real(eps));
  RC_ASSERT(Real(b.gap_Delta) >= gap);
  RC_ASSERT(Real(std::nextafter(b.gap_Delta, -kInf)) < gap);
  RC_ASSERT(b.gap_Delta == jlattn::lemma2_gap_Delta(eps, gamma));
  RC_ASSERT(2 * b.eta == eps);
  RC_ASSERT(b.gap_Delta > 2 * b.eta);  // Lemma 2's side condition Delta > 2 eta, i.e. gamma < 1
}

// The defaults eps = 1, gamma = 0.1: ln(10) + 1 = 3.30258509299404568401799...
// (mpmath, 60 digits), so the smallest double at or above it is
// 3.302585092994046 (0x400A6BB1BBB55516); the double nearest to it,
// 3.3025850929940455, is below the real gap (the value before this rule).
TEST(Lemma2ScoreError, DefaultGapIsRoundedUp) {
  EXPECT_EQ(jlattn::lemma2_gap_Delta(1.0, 0.1), 3.302585092994046);
  EXPECT_LT(3.3025850929940455, jlattn::lemma2_gap_Delta(1.0, 0.1));
}

// Cases the 128-bit start cannot settle, by hand: eps = 1e300 (the double D)
// plus ln 2 lies strictly between D and the next double (ulp(D) ~ 1.5e284),
// so the answer is that next double (about 1000 bits are needed to see
// it); a subnormal eps plus ln 2: ln 2 = 0.693147180559945309... lies between
// the doubles 0.69314718055994528... and 0.69314718055994540..., so the answer
// is the upper one, 0.6931471805599454.
TEST(Lemma2ScoreError, GapNeedingMorePrecisionOrASubnormalEps) {
  EXPECT_EQ(jlattn::lemma2_gap_Delta(1e300, 0.5), std::nextafter(1e300, kInf));
  EXPECT_EQ(jlattn::lemma2_gap_Delta(5e-324, 0.5), 0.6931471805599454);
}

// Preconditions: eps finite and > 0, gamma in (0, 1); otherwise InputError
// naming the parameter.
TEST(Lemma2ScoreError, BadEpsOrGammaThrows) {
  for (double eps : {0.0, -0.0, -1.0, kNaN, kInf, -kInf})
    EXPECT_THAT(input_error_message([eps] { jlattn::score_error_budget(eps, 0.5); }), HasSubstr("eps")) << eps;
  for (double gamma : {0.0, 1.0, -0.5, 1.5, kNaN, kInf, -kInf})
    EXPECT_THAT(input_error_message([gamma] { jlattn::score_error_budget(0.5, gamma); }), HasSubstr("gamma")) << gamma;
  // ln(1/gamma) + eps above the largest double: no finite gap exists.
  EXPECT_THAT(input_error_message([] { jlattn::score_error_budget(std::numeric_limits<double>::max(), 0.5); }),
              HasSubstr("eps is too large"));
}

// ---------------------------------------------------------------------------
// The lemma.
// ---------------------------------------------------------------------------

// Lemma 2 with the parameters: for a random target, B = log_transform(A,
// Delta) and any S with |S - B| <= (1 - 1e-9) eta (uniform noise, the
// adversarial corners, random corners, the R2-only corner), softmax(S)
// (eps, gamma)-approximates A by Definition 2's evaluation. At the corners the
// bound is nearly attained (that is what makes them adversarial): eps_hat >=
// 2 eta (1 - 1e-6) when some k_i >= 2 (Corner), and log gamma_hat >=
// ln gamma - 3e-9 eta when some k_i < L (Corner, R2Corner).
RC_GTEST_PROP(Lemma2ScoreError, ScoresWithinEtaApproximate, ()) {
  const auto drawn = *jlattn::testing::gen_target({.min_L = 2, .max_L = 48, .max_k = 4});
  const Target& A = drawn.A;
  const double eps = *gen_real(0.01, 2.0);
  const double gamma = *gen_real(1e-6, 0.99);
  const Noise noise = *rc::gen::element(Noise::Uniform, Noise::Corner, Noise::RandomCorner, Noise::R2Corner);
  RC_TAG(noise_name(noise));
  RC_CLASSIFY(drawn.has_global_column, "global column");
  RC_CLASSIFY(A.k() == 1, "k == 1");
  const ScoreErrorBudget budget = jlattn::score_error_budget(eps, gamma);
  const LogTransform B = jlattn::log_transform(A, budget.gap_Delta);
  const Matrix S = perturbed_scores(B, noise, kShrink * budget.eta);
  const ApproximationEvaluation e = jlattn::evaluate_approximation(S, A, eps, gamma);
  RC_ASSERT(e.approximates());
  RC_ASSERT(!e.witness.has_value());
  RC_ASSERT(e.eps_hat <= eps);
  RC_ASSERT(e.log_gamma_hat <= std::log(gamma));
  const bool some_pair = A.k() >= 2;
  bool some_off = false;
  for (std::size_t i = 0; i < A.L(); ++i) some_off = some_off || A.k_i(i) < A.L();
  if (noise == Noise::Corner && some_pair) RC_ASSERT(e.eps_hat >= 2 * budget.eta * (1 - 1e-6));
  if ((noise == Noise::Corner || noise == Noise::R2Corner) && some_off)
    RC_ASSERT(e.log_gamma_hat >= std::log(gamma) - 3e-9 * budget.eta);
}

// Lemma 2 in its general form (any Delta > 0, eta > 0, not only the budget's):
// |S - B| <= (1 - 1e-9) eta gives, row by row, eps_i <= 2 eta and
// lgam_i <= -Delta + 2 eta (margins as in the file comment).
RC_GTEST_PROP(Lemma2ScoreError, RowBoundsHoldForAnyDeltaAndEta, ()) {
  const auto drawn = *jlattn::testing::gen_target({.min_L = 2, .max_L = 48, .max_k = 4});
  const Target& A = drawn.A;
  const double Delta = *gen_real(1e-3, 40.0);
  const double eta = *gen_real(1e-3, 5.0);
  const Noise noise = *rc::gen::element(Noise::Uniform, Noise::Corner, Noise::RandomCorner, Noise::R2Corner);
  RC_TAG(noise_name(noise));
  RC_CLASSIFY(Delta <= 2 * eta, "Delta <= 2 eta (no gamma < 1 results)");
  const LogTransform B = jlattn::log_transform(A, Delta);
  const Matrix S = perturbed_scores(B, noise, kShrink * eta);
  for (std::size_t i = 0; i < A.L(); ++i) {
    const jlattn::RowApproximation row = jlattn::evaluate_row({S.data() + i * A.L(), A.L()}, A, i);
    RC_ASSERT(row.eps_i <= 2 * eta);
    RC_ASSERT(row.log_gamma_i <= -Delta + 2 * eta);
  }
}

// Converse (the factor 2 and the bound eta are attained): with noise
// (1 + 1e-6) eta at the adversarial corners the conclusion fails - R1 fails
// (Corner) whenever some row has two support entries, and R2 fails (R2Corner,
// where R1 holds with error 0 up to rounding) whenever some row has an
// off-support entry; the witness names the failing condition.
RC_GTEST_PROP(Lemma2ScoreError, ScoresBeyondEtaCanFail, ()) {
  const auto drawn = *jlattn::testing::gen_target({.min_L = 2, .max_L = 48, .max_k = 4});
  const Target& A = drawn.A;
  const double eps = *gen_real(0.01, 2.0);
  const double gamma = *gen_real(1e-6, 0.99);
  const ScoreErrorBudget budget = jlattn::score_error_budget(eps, gamma);
  const LogTransform B = jlattn::log_transform(A, budget.gap_Delta);
  bool some_off = false;
  for (std::size_t i = 0; i < A.L(); ++i) some_off = some_off || A.k_i(i) < A.L();
  RC_CLASSIFY(A.k() >= 2, "R1 corner possible");
  RC_CLASSIFY(some_off, "R2 corner possible");

  const ApproximationEvaluation corner =
      jlattn::evaluate_approximation(perturbed_scores(B, Noise::Corner, kExceed * budget.eta), A, eps, gamma);
  if (A.k() >= 2) {
    RC_ASSERT(!corner.r1_holds);
    RC_ASSERT(corner.witness.has_value());
    RC_ASSERT(corner.witness->condition == Condition::R1);
    RC_ASSERT(std::abs(corner.witness->excess - 1e-6 * eps) <= 1e-9 * eps);
  } else {
    RC_ASSERT(corner.r1_holds);
  }
  const ApproximationEvaluation r2 =
      jlattn::evaluate_approximation(perturbed_scores(B, Noise::R2Corner, kExceed * budget.eta), A, eps, gamma);
  RC_ASSERT(r2.r1_holds);
  RC_ASSERT(r2.r2_holds == !some_off);
  if (some_off) {
    RC_ASSERT(r2.witness.has_value());
    RC_ASSERT(r2.witness->condition == Condition::R2);
    RC_ASSERT(std::abs(r2.witness->excess - 1e-6 * eps) <= 1e-9 * eps);
  }
}

// Converse, one case worked by hand: A = [1 2 0; 0 1 1; 1 0 0], eps = 0.5,
// gamma = 0.1, so eta = 0.25 and Delta = ln 10 + 0.5. B row 0 = (Delta,
// Delta + ln 2, 0). Moving column 0 down and columns 1, 2 up by
// eta' = 0.25 (1 + 1e-6) gives, in row 0,
//   eps_0 = 2 eta' = 0.5 + 5e-7 > eps                     (R1 fails by 5e-7)
//   lgam_0 = eta' - (Delta - eta') = ln 0.1 + 5e-7 > ln 0.1 (R2 fails by 5e-7).
// The same layout at 0.25 (1 - 1e-6) approximates, with both margins 5e-7.
TEST(Lemma2ScoreError, HandExampleBeyondEtaFails) {
  Matrix Ad(3, 3);
  Ad << 1, 2, 0, 0, 1, 1, 1, 0, 0;
  const Target A = Target::from_dense(Ad);
  const ScoreErrorBudget budget = jlattn::score_error_budget(0.5, 0.1);
  ASSERT_EQ(budget.eta, 0.25);
  const LogTransform B = jlattn::log_transform(A, budget.gap_Delta);
  for (double factor : {1 + 1e-6, 1 - 1e-6}) {
    const double e = 0.25 * factor;
    Matrix S = B.dense();
    S(0, 0) -= e;
    S(0, 1) += e;
    S(0, 2) += e;
    const ApproximationEvaluation ev = jlattn::evaluate_approximation(S, A, 0.5, 0.1);
    EXPECT_NEAR(ev.eps_hat, 0.5 * factor, 1e-14) << factor;
    EXPECT_EQ(ev.worst_row_eps, 0u);
    EXPECT_NEAR(ev.log_gamma_hat, std::log(0.1) + 0.5 * (factor - 1), 1e-14) << factor;
    EXPECT_EQ(ev.worst_row_gamma, 0u);
    if (factor > 1) {
      EXPECT_FALSE(ev.r1_holds);
      EXPECT_FALSE(ev.r2_holds);
      ASSERT_TRUE(ev.witness.has_value());
      EXPECT_EQ(ev.witness->condition, Condition::R1);
      EXPECT_EQ(ev.witness->i, 0u);
      EXPECT_EQ(ev.witness->j, 1u);
      EXPECT_EQ(ev.witness->j_prime, 0u);
      EXPECT_NEAR(ev.witness->excess, 5e-7, 1e-14);
    } else {
      EXPECT_TRUE(ev.approximates());
    }
  }
}

}  // namespace
