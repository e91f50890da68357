// Checks Theorem 2 (one draw for all targets): proofs/theorem2-all-targets.md.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <boost/multiprecision/mpfr.hpp>

#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include "jlattn/certify/certificate.hpp"
#include "jlattn/proof/definition2_approximation.hpp"
#include "jlattn/core/errors.hpp"
#include "jlattn/proof/lemma1_log_transform.hpp"
#include "jlattn/proof/lemma2_score_error.hpp"
#include "jlattn/proof/lemma3_jl_projection.hpp"
#include "jlattn/proof/lemma4_adaptive_input.hpp"
#include "jlattn/proof/theorem2_all_targets.hpp"
#include "jlattn/io/npy.hpp"
#include "jlattn/core/weights.hpp"

#include <nlohmann/json.hpp>
#include "support/exact.hpp"
#include "support/generators.hpp"
#include "support/input_error.hpp"
#include "support/mpfr.hpp"

namespace jlattn {
namespace {

using Big = boost::multiprecision::number<boost::multiprecision::mpfr_float_backend<200>>;
using testing::input_error_message;
using testing::Rational;
using testing::RationalMatrix;

Rational magnitude(const Rational& x) { return x < 0 ? Rational(-x) : x; }

// Claim: d_star_u_theorem2 computes ceil(2 ln(2 L^2 / delta) / (tau_u^2/2 - tau_u^3/3)),
// checked against 200-bit arithmetic (a ceil off by one only next to an integer).
RC_GTEST_PROP(Theorem2AllTargets, DStarUMatchesHighPrecisionFormula, ()) {
  const auto L = *rc::gen::inRange<std::size_t>(2, 1u << 20);
  const double tau_u = (*rc::gen::inRange(1, 100000)) / 200000.0;
  const double delta = (*rc::gen::inRange(1, 100000)) / 100000.0;
  const Big t(tau_u), Lb(static_cast<double>(L));
  const double expected =
      static_cast<double>(Big(ceil(Big(2 * log(Big(2 * Lb * Lb / Big(delta)))) / Big(t * t / 2 - t * t * t / 3))));
  const auto got = static_cast<double>(d_star_u_theorem2(L, tau_u, delta));
  RC_CLASSIFY(got != expected, "quotient within rounding of an integer");
  RC_ASSERT(std::abs(got - expected) <= (got == expected ? 0.0 : 1.0));
}

// Claim: tau_u = eta / (k Delta + (k-1) rho), and it is at most Theorem 1's
// tau for the same class (the l1 bound is at least the l2 bound).
TEST(Theorem2AllTargets, TauUIsEtaOverTheL1Bound) {
  const ScoreErrorBudget b = score_error_budget(1.0, 0.1);
  EXPECT_DOUBLE_EQ(tau_u_theorem2(b.eta, 4, b.gap_Delta, std::log(4.0)),
                   0.5 / (4 * b.gap_Delta + 3 * std::log(4.0)));
  for (std::size_t k = 1; k <= 16; ++k)
    EXPECT_LE(tau_u_theorem2(b.eta, k, b.gap_Delta, 1.0), b.eta / beta_sharp(k, b.gap_Delta, 1.0) * (1 + 1e-15));
  EXPECT_THROW(tau_u_theorem2(0.0, 1, 3.0, 0.0), InputError);
  EXPECT_THROW(tau_u_theorem2(0.5, 0, 3.0, 0.0), InputError);
  EXPECT_THROW(d_star_u_theorem2(64, 0.1, 1.5), InputError);
}

// Claim: coherence_mu is max |(R R^T - I)_lj|, compared with the exact
// rational value of the same doubles (tolerance: the dot-product rounding bound).
RC_GTEST_PROP(Theorem2AllTargets, CoherenceMuMatchesExactValue, ()) {
  const auto L = *rc::gen::inRange<std::size_t>(1, 9);
  const auto d = *rc::gen::inRange<std::size_t>(1, 9);
  const Matrix R = projection_matrix(Projection::gaussian, L, d, *rc::gen::arbitrary<std::uint64_t>());
  const RationalMatrix Rq = testing::to_rational(R);
  const RationalMatrix G = testing::multiply(Rq, testing::transpose(Rq));
  Rational mu = 0, slack = 0;
  for (std::size_t l = 0; l < L; ++l)
    for (std::size_t j = 0; j < L; ++j) {
      const Rational dev = magnitude(Rational(G(l, j) - Rational(l == j ? 1 : 0)));
      if (dev > mu) mu = dev;
      Rational abs_dot = 0;
      for (std::size_t c = 0; c < d; ++c) abs_dot += magnitude(Rq(l, c)) * magnitude(Rq(j, c));
      const Rational bound = testing::dot_error_bound(d, abs_dot);
      if (bound > slack) slack = bound;
    }
  // One more rounding for the subtraction of 1 on the diagonal.
  const double got = coherence_mu(R);
  RC_ASSERT(magnitude(Rational(Rational(got) - mu)) <= Rational(slack + Rational(got) * Rational(1e-15) + Rational(1e-300)));
}

// Claim (the deterministic core of Theorem 2): for any R,
// |S_ij - B_ij| <= mu(R) ||b_i||_1 where S = B R R^T, in exact arithmetic on
// the doubles B and R (no rounding anywhere in the check).
RC_GTEST_PROP(Theorem2AllTargets, ScoreErrorIsAtMostMuTimesL1Norm, ()) {
  const auto drawn = *testing::gen_target({.min_L = 2, .max_L = 6, .max_k = 3});
  const Target& A = drawn.A;
  const auto d = *rc::gen::inRange<std::size_t>(1, 6);
  const Matrix R = projection_matrix(Projection::rademacher, A.L(), d, *rc::gen::arbitrary<std::uint64_t>());
  const LogTransform B = log_transform(A, 2.0);
  const RationalMatrix Rq = testing::to_rational(R);
  const RationalMatrix Bq = testing::to_rational(B.dense());
  const RationalMatrix G = testing::multiply(Rq, testing::transpose(Rq));
  const RationalMatrix S = testing::multiply(Bq, G);
  Rational mu = 0;
  for (std::size_t l = 0; l < A.L(); ++l)
    for (std::size_t j = 0; j < A.L(); ++j) {
      const Rational dev = magnitude(Rational(G(l, j) - Rational(l == j ? 1 : 0)));
      if (dev > mu) mu = dev;
    }
  for (std::size_t i = 0; i < A.L(); ++i) {
    Rational l1 = 0;
    for (std::size_t j = 0; j < A.L(); ++j) l1 += magnitude(Bq(i, j));
    for (std::size_t j = 0; j < A.L(); ++j) RC_ASSERT(magnitude(Rational(S(i, j) - Bq(i, j))) <= Rational(mu * l1));
  }
}

// Theorem 2 end to end: one R drawn at d = d*_u for (L, k, rho) with
// delta = 1e-6 satisfies mu(R) <= tau_u (the checkable condition; by the
// theorem it fails with probability <= 1e-6), and then the same R serves
// random targets of that class: max |S - B| <= eta and the approximation
// holds, with only the block B R of X changing between targets.
TEST(Theorem2AllTargets, OneProjectionServesEveryTargetOfTheClass) {
  constexpr std::size_t L = 12, k = 2;
  const double rho = std::log(4.0);
  const ScoreErrorBudget budget = score_error_budget(1.0, 0.1);
  const double tau_u = tau_u_theorem2(budget.eta, k, budget.gap_Delta, rho);
  const std::size_t d = d_star_u_theorem2(L, tau_u, 1e-6);
  const Matrix R = projection_matrix(Projection::gaussian, L, d, 2106037642);
  const double mu = coherence_mu(R);
  ASSERT_LE(mu, tau_u) << "d*_u = " << d;
  rc::check("every target of the class", [&] {
    const auto drawn = *testing::gen_target({.min_L = L, .max_L = L, .max_k = k, .max_rho = rho});
    const LogTransform B = log_transform(drawn.A, budget.gap_Delta);
    const Matrix X = adaptive_input(B, R);
    RC_ASSERT(max_score_error(lemma4_queries(X), lemma4_keys(X), B) <= budget.eta);
    RC_ASSERT(evaluate_attention(lemma4_queries(X), lemma4_keys(X), drawn.A, 1.0, 0.1).approximates());
  });
}

// tau_u = (eps/2) / (k (ln(1/gamma) + eps) + (k-1) rho) at 332 bits.
Big tau_u_oracle(std::size_t k, double rho, double eps, double gamma) {
  using Big332 = boost::multiprecision::number<boost::multiprecision::mpfr_float_backend<100>>;
  const Big332 Delta = Big332(-log(Big332(gamma))) + Big332(eps);
  return Big(Big332(Big332(eps) / 2) / Big332(Big332(k) * Delta + Big332(k - 1) * Big332(rho)));
}

// mu(R) = max |(R R^T - I)_lj| of the stored doubles, as an exact rational.
Rational exact_mu(const Matrix& R) {
  const RationalMatrix Rq = testing::to_rational(R);
  const RationalMatrix G = testing::multiply(Rq, testing::transpose(Rq));
  Rational mu = 0;
  for (std::size_t l = 0; l < G.rows; ++l)
    for (std::size_t j = 0; j < G.cols; ++j) {
      const Rational dev = magnitude(Rational(G(l, j) - Rational(l == j ? 1 : 0)));
      if (dev > mu) mu = dev;
    }
  return mu;
}

// tau_u = (eps/2) / (k Delta + (k-1) rho) at a given gap Delta: every operand
// is a double, so tau_u is an exact rational.
Rational tau_u_at_gap_oracle(std::size_t k, double rho, double eps, double Delta) {
  return Rational(eps) / 2 /
         (Rational(static_cast<unsigned long long>(k)) * Rational(Delta) + Rational(static_cast<unsigned long long>(k - 1)) * Rational(rho));
}

// R = [[1, 0], [t, s]] with s = fl(sqrt(1 - t^2)): (R R^T)_01 = t exactly,
// and the diagonal deviations are rounding-sized.
Matrix unit_rows_at_angle(double t) {
  Matrix R(2, 2);
  R << 1.0, 0.0, t, std::sqrt(1 - t * t);
  return R;
}

// The projection certificate (Theorem 2's condition mu <= tau_u) agrees with
// exact arithmetic: mu as an exact rational, tau_u at 200+ bits; the filter
// and the exact-only pass give the same verdict, and the enclosures contain
// the exact values.
RC_GTEST_PROP(Theorem2AllTargets, ProjectionCertificateMatchesExactMu, ()) {
  const auto L = *rc::gen::inRange<std::size_t>(1, 7);
  const auto d = *rc::gen::inRange<std::size_t>(1, 40);
  const auto k = *rc::gen::inRange<std::size_t>(1, 4);
  const double rho = (*rc::gen::inRange(0, 3)) * 0.5;
  const Matrix R = projection_matrix(*rc::gen::elementOf(std::vector<Projection>{Projection::gaussian, Projection::rademacher,
                                                                                  Projection::achlioptas}),
                                     L, d, *rc::gen::arbitrary<std::uint64_t>());
  const RationalMatrix Rq = testing::to_rational(R);
  const RationalMatrix G = testing::multiply(Rq, testing::transpose(Rq));
  const Rational mu = exact_mu(R);
  const Big tau = tau_u_oracle(k, rho, 1.0, 0.1);
  const Big mu_big(mu);
  const Verdict expected = mu_big <= tau ? Verdict::certified : Verdict::refuted;
  CertificationLimits exact;
  exact.exact_only = true;
  exact.all_rows = true;
  const ProjectionCertificate a = certify_projection(R, k, rho, 1.0, 0.1, std::nullopt);
  const ProjectionCertificate b = certify_projection(R, k, rho, 1.0, 0.1, std::nullopt, exact);
  RC_CLASSIFY(expected == Verdict::certified, "certified");
  RC_ASSERT(a.verdict == expected);
  RC_ASSERT(b.verdict == expected);
  RC_ASSERT(Big(a.tau_u.lower) <= tau && tau <= Big(a.tau_u.upper));
  RC_ASSERT(Big(b.mu.lower) <= mu_big && mu_big <= Big(b.mu.upper));
  if (expected == Verdict::certified) RC_ASSERT(Big(a.mu.lower) <= mu_big && mu_big <= Big(a.mu.upper));
  if (a.witness) {
    const auto [l, j] = *a.witness;
    RC_ASSERT(Big(Rational(magnitude(Rational(G(l, j) - Rational(l == j ? 1 : 0))))) > tau);
  }
}

// At the margin: an off-diagonal entry of R R^T placed within two ulps of
// tau_u on either side; the verdict is the 332-bit oracle's every time.
TEST(Theorem2AllTargets, ProjectionCertificateAtTheMargin) {
  const double tau = static_cast<double>(tau_u_oracle(2, 0.5, 1.0, 0.1));
  int certified = 0, refuted = 0;
  for (double t : {std::nextafter(std::nextafter(tau, 0.0), 0.0), std::nextafter(tau, 0.0), tau,
                   std::nextafter(tau, 1.0), std::nextafter(std::nextafter(tau, 1.0), 1.0)}) {
    const Matrix R = unit_rows_at_angle(t);
    const Rational mu = exact_mu(R);
    const Verdict expected = Big(mu) <= tau_u_oracle(2, 0.5, 1.0, 0.1) ? Verdict::certified : Verdict::refuted;
    const ProjectionCertificate cert = certify_projection(R, 2, 0.5, 1.0, 0.1, std::nullopt);
    EXPECT_EQ(cert.verdict, expected) << "t = " << t;
    EXPECT_GT(cert.entries_exact, 0u) << "a one-ulp margin must reach the exact pass";
    (expected == Verdict::certified ? certified : refuted)++;
  }
  EXPECT_GE(certified, 1);
  EXPECT_GE(refuted, 1);
}

// Theorem 2 at a larger gap (the statement's "any gap Delta >= ln(1/gamma) + eps"):
// certify_projection's tau_u is the one of the gap it is given, strictly
// below Lemma 2's, and its enclosure contains the exact rational.
RC_GTEST_PROP(Theorem2AllTargets, ProjectionCertificateAtALargerGapHasASmallerTauU, ()) {
  const auto k = *rc::gen::inRange<std::size_t>(1, 7);
  const double rho = (*rc::gen::inRange(0, 13)) * 0.25;
  const double eps = *rc::gen::elementOf(std::vector<double>{0.25, 1.0, 2.5});
  const double gamma = *rc::gen::elementOf(std::vector<double>{0.5, 0.1, 1e-3});
  const double Delta = std::ceil(-std::log(gamma) + eps) + 0.5 + (*rc::gen::inRange(0, 80)) / 8.0;
  const Matrix R = Matrix::Identity(2, 2);
  const ProjectionCertificate lemma2 = certify_projection(R, k, rho, eps, gamma, std::nullopt);
  const ProjectionCertificate larger = certify_projection(R, k, rho, eps, gamma, Delta);
  RC_ASSERT(larger.tau_u.upper < lemma2.tau_u.lower);
  const Rational tau = tau_u_at_gap_oracle(k, rho, eps, Delta);
  RC_ASSERT(Rational(larger.tau_u.lower) <= tau && tau <= Rational(larger.tau_u.upper));
  RC_ASSERT(larger.gap_Delta == std::optional<double>(Delta));
  RC_ASSERT(larger.Delta.lower == Delta && larger.Delta.upper == Delta);
  RC_ASSERT(!lemma2.gap_Delta.has_value());
  // Lemma 2's gap as B is built with it: ln(1/gamma) + eps rounded up, a point.
  const Big lemma2_gap = Big(-log(Big(gamma))) + Big(eps);
  RC_ASSERT(lemma2.Delta.lower == jlattn::testing::gap_rounded_up_oracle(eps, gamma) && lemma2.Delta.upper == lemma2.Delta.lower);
  RC_ASSERT(lemma2_gap <= Big(lemma2.Delta.lower));
}

// An R with tau_u(Delta) < mu(R) < tau_u(ln(1/gamma) + eps): certified at
// Lemma 2's gap, refuted at the larger gap, by the filter and by the exact
// pass alone; a certificate at one gap says nothing about a B of another.
TEST(Theorem2AllTargets, ProjectionCertifiedAtLemma2sGapIsRefutedAtALargerGap) {
  constexpr std::size_t k = 2;
  const double rho = 0.5, eps = 1.0, gamma = 0.1, Delta = 5.0;
  const Matrix R = unit_rows_at_angle(0.0625);
  const Rational mu = exact_mu(R);
  ASSERT_LT(tau_u_at_gap_oracle(k, rho, eps, Delta), mu);
  ASSERT_LT(Big(mu), tau_u_oracle(k, rho, eps, gamma));
  CertificationLimits exact;
  exact.exact_only = true;
  for (const CertificationLimits& limits : {CertificationLimits{}, exact}) {
    EXPECT_EQ(certify_projection(R, k, rho, eps, gamma, std::nullopt, limits).verdict, Verdict::certified);
    const ProjectionCertificate at_gap = certify_projection(R, k, rho, eps, gamma, Delta, limits);
    EXPECT_EQ(at_gap.verdict, Verdict::refuted);
    EXPECT_EQ(at_gap.witness, std::make_optional(std::make_pair(std::size_t{0}, std::size_t{1})));
    EXPECT_LE(Rational(at_gap.mu.lower), mu);  // the upper end is +inf where entries were left after the witness
  }
}

// At a given gap tau_u is rational and can equal an entry of R R^T - I: the
// exact pass decides the tie (mu = tau_u satisfies the condition) and the
// next double above it.
TEST(Theorem2AllTargets, ProjectionCertificateAtAGivenGapDecidesATieExactly) {
  const double tau = 0.125;  // (1/2) / (1 * 4 + 0 * 0)
  ASSERT_EQ(tau_u_at_gap_oracle(1, 0.0, 1.0, 4.0), Rational(tau));
  CertificationLimits exact;
  exact.exact_only = true;
  for (const CertificationLimits& limits : {CertificationLimits{}, exact}) {
    const ProjectionCertificate tie = certify_projection(unit_rows_at_angle(tau), 1, 0.0, 1.0, 0.1, 4.0, limits);
    EXPECT_EQ(tie.verdict, Verdict::certified);
    EXPECT_GT(tie.entries_exact, 0u) << "the tie has to reach the exact pass";
    EXPECT_EQ(certify_projection(unit_rows_at_angle(std::nextafter(tau, 1.0)), 1, 0.0, 1.0, 0.1, 4.0, limits).verdict,
              Verdict::refuted);
  }
}

// Theorem 2 end to end with certificates: R drawn at d*_u is certified for
// the class, and then each emitted X = [fl(B R) | R] of a random target of
// the class is certified on its own (the rounding of B R is covered only by
// the per-instance certificate).
TEST(Theorem2AllTargets, CertifiedProjectionThenCertifiedInstances) {
  constexpr std::size_t L = 10, k = 2;
  const double rho = std::log(4.0);
  const ScoreErrorBudget budget = score_error_budget(1.0, 0.1);
  const std::size_t d = d_star_u_theorem2(L, tau_u_theorem2(budget.eta, k, budget.gap_Delta, rho), 1e-6);
  const Matrix R = projection_matrix(Projection::rademacher, L, d, 7);
  const ProjectionCertificate pc = certify_projection(R, k, rho, 1.0, 0.1, std::nullopt);
  ASSERT_EQ(pc.verdict, Verdict::certified) << "mu <= " << pc.mu.upper << ", tau_u >= " << pc.tau_u.lower;
  // Twenty targets of the class: row i attends to itself (weight 1) and to
  // one other column (weight e^{rho t}, t in {0, 1/4, ..., 1}).
  for (std::size_t s = 0; s < 20; ++s) {
    std::vector<TargetEntry> entries;
    for (std::size_t i = 0; i < L; ++i) {
      entries.push_back({i, i, 1.0});
      const std::size_t j = (i * 7 + s + 1) % L;
      if (j != i) entries.push_back({i, j, std::exp(rho * static_cast<double>((s + i) % 5) / 4)});
    }
    const Target A = Target::from_entries(L, entries);
    ASSERT_LE(A.k(), k);
    ASSERT_LE(A.rho(), rho * (1 + 1e-15));
    const Matrix X = adaptive_input(log_transform(A, budget.gap_Delta), R);
    const Certificate cert = certify(A, X, Weights::lemma4_query(d), Weights::lemma4_key(d), 1.0, 0.1, false);
    EXPECT_EQ(cert.verdict, Verdict::certified) << "target " << s;
  }
}

TEST(Theorem2AllTargets, ProjectionCertificateRejectsBadInput) {
  const Matrix R = Matrix::Identity(3, 3);
  EXPECT_THROW(certify_projection(Matrix(0, 3), 1, 0, 1, 0.1, std::nullopt), InputError);
  EXPECT_THROW(certify_projection(R, 0, 0, 1, 0.1, std::nullopt), InputError);
  EXPECT_THROW(certify_projection(R, 1, -1, 1, 0.1, std::nullopt), InputError);
  EXPECT_THROW(certify_projection(R, 1, 0, 0, 0.1, std::nullopt), InputError);
  EXPECT_THROW(certify_projection(R, 1, 0, 1, 1.0, std::nullopt), InputError);
  Matrix bad = R;
  bad(1, 1) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(certify_projection(bad, 1, 0, 1, 0.1, std::nullopt), InputError);
  // A gap below ln(1/gamma) + eps, or not finite: check_gap_Delta's one message.
  const std::string least = "gap-Delta has to be at least ln(1/gamma) + eps = 3.302585092994046, got ";
  EXPECT_EQ(input_error_message([&] { certify_projection(R, 1, 0, 1, 0.1, 3.0); }), least + "3");
  EXPECT_EQ(input_error_message([&] { certify_projection(R, 1, 0, 1, 0.1, std::nextafter(3.302585092994046, 0.0)); }),
            least + "3.3025850929940455");
  EXPECT_EQ(input_error_message([&] { certify_projection(R, 1, 0, 1, 0.1, std::nan("")); }), least + "nan");
  EXPECT_EQ(input_error_message([&] { certify_projection(R, 1, 0, 1, 0.1, HUGE_VAL); }), least + "inf");
  // The identity has mu = 0: certified for any class.
  EXPECT_EQ(certify_projection(R, 5, 3.0, 0.5, 0.01, std::nullopt).verdict, Verdict::certified);
}

// The command line: `jlattn certify-projection` draws or reads R, prints the
// verdict and exits 0 (certified) / 3 (condition fails) / 2 (bad input).
TEST(Theorem2AllTargets, CertifyProjectionCommandLine) {
  const std::string cli = JLATTN_CLI;
  const std::string out = ::testing::TempDir() + "/jlattn_certify_projection.out";
  const auto run = [&](const std::string& args) {
    const int status = std::system((cli + " certify-projection " + args + " >" + out + " 2>&1").c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  const auto output = [&] {
    std::ifstream in(out);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  };
  EXPECT_EQ(run("--L 10 --d 13000 --projection rademacher --seed 7 --k 2 --rho 1.3862943611198906 --eps 1 --gamma 0.1"), 0)
      << output();
  EXPECT_NE(output().find("verdict       certified"), std::string::npos) << output();
  EXPECT_EQ(run("--L 64 --d 1000 --k 2 --eps 1 --gamma 0.1"), 3) << output();
  EXPECT_NE(output().find("verdict       refuted"), std::string::npos) << output();
  EXPECT_EQ(run("--L 64 --d 1000 --k 0 --eps 1 --gamma 0.1"), 2) << output();
  EXPECT_NE(output().find("k must be >= 1"), std::string::npos) << output();
  EXPECT_EQ(run("--k 1 --eps 1 --gamma 0.1"), 2) << output();
  EXPECT_NE(output().find("--r R.npy"), std::string::npos) << output();
}

// `construct --uniform`: one R (drawn at d*_u) serves two targets of the
// class; its certificate is computed for the first and reused for the
// second; both X share the right block R bit for bit; a target outside the
// class is refused.
TEST(Theorem2AllTargets, ConstructUniformReusesOneCertifiedProjection) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(::testing::TempDir()) / "jlattn_uniform";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  };
  const std::string a = write("A.mtx", "%%MatrixMarket matrix coordinate real general\n6 6 9\n"
                                       "1 1 1\n1 2 2\n2 2 1\n3 3 1\n3 1 3\n4 4 1\n5 5 1\n6 6 1\n6 5 2\n");
  const std::string b = write("B.mtx", "%%MatrixMarket matrix coordinate real general\n6 6 8\n"
                                       "1 1 1\n2 2 1\n2 3 4\n3 3 1\n4 4 1\n4 1 2\n5 5 1\n6 6 1\n");
  const std::string cert = (dir / "R.cert.json").string();
  const auto construct = [&](const std::string& target, const std::string& out, const std::string& extra) {
    const std::string command = std::string(JLATTN_CLI) + " construct --uniform --class-k 2 --class-rho 1.4 --target " +
                                target + " --eps 1 --gamma 0.1 --no-weights --projection-certificate " + cert +
                                " --out " + (dir / out).string() + " " + extra + " >" + (dir / "log").string() + " 2>&1";
    const int status = std::system(command.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  ASSERT_EQ(construct(a, "outA", ""), 0);
  ASSERT_EQ(construct(b, "outB", ""), 0);
  const auto report = [&](const std::string& out) {
    std::ifstream in(dir / out / "report.json");
    return nlohmann::json::parse(in);
  };
  const nlohmann::json ra = report("outA"), rb = report("outB");
  EXPECT_FALSE(ra["uniform_projection"]["reused"].get<bool>());
  EXPECT_TRUE(rb["uniform_projection"]["reused"].get<bool>());
  EXPECT_EQ(ra["uniform_projection"]["verdict"].get<std::string>(), "certified");
  EXPECT_EQ(ra["certificate"]["verdict"].get<std::string>(), "certified");
  EXPECT_EQ(rb["certificate"]["verdict"].get<std::string>(), "certified");
  const Matrix Xa = io::read_npy_file((dir / "outA" / "X.npy").string());
  const Matrix Xb = io::read_npy_file((dir / "outB" / "X.npy").string());
  const Eigen::Index d = Xa.cols() / 2;
  ASSERT_EQ(Xb.cols(), Xa.cols());
  EXPECT_TRUE(Xa.rightCols(d) == Xb.rightCols(d));
  EXPECT_EQ(ra["uniform_projection"]["R_fnv1a"], rb["uniform_projection"]["R_fnv1a"]);
  // Outside the class: refused, nothing written.
  EXPECT_EQ(construct(b, "outC", "--class-k 1"), 2);
  EXPECT_FALSE(fs::exists(dir / "outC" / "X.npy"));
}

}  // namespace
}  // namespace jlattn
