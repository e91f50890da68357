// Tests for src/jlattn/proof/lemma3_jl_projection: Lemma 3 of
// proofs/lemma3-jl-projection.md (the projection laws of 3a-3c, their sampling,
// reproducibility as in docs/reproducibility.md, and the constants c(tau),
// 2 exp(-d c), 4 exp(-d c)).
//
// Oracles: exact rationals (boost::multiprecision::cpp_rational) and MPFR for
// the constants; an independent re-implementation of the documented word rules
// for the discrete laws; frequencies with 6-sigma or Hoeffding margins.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <boost/multiprecision/cpp_int.hpp>
#include <mpfr.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "jlattn/core/errors.hpp"
#include "jlattn/proof/lemma3_jl_projection.hpp"
#include "jlattn/core/reproducible_random.hpp"

namespace {

using boost::multiprecision::cpp_rational;
using jlattn::Projection;

constexpr std::uint64_t kSeed = 2106037642;
constexpr std::array<Projection, 3> kProjections = {Projection::gaussian, Projection::rademacher,
                                                    Projection::achlioptas};
constexpr double kUnitRoundoff = 0x1p-53;

template <typename T>
rc::Gen<T> full_range(T lo, T hi) {
  return rc::gen::resize(rc::kNominalSize, rc::gen::inRange<T>(lo, hi));
}

/// FNV-1a (64-bit) of the entries' IEEE-754 bit patterns, row-major, each fed
/// as 8 little-endian bytes: the same value on every platform in scope.
std::uint64_t fnv1a(const jlattn::Matrix& R) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (Eigen::Index i = 0; i < R.rows(); ++i) {
    for (Eigen::Index j = 0; j < R.cols(); ++j) {
      const auto bits = std::bit_cast<std::uint64_t>(R(i, j));
      for (int byte = 0; byte < 8; ++byte) {
        h ^= (bits >> (8 * byte)) & 0xffU;
        h *= 0x100000001b3ULL;
      }
    }
  }
  return h;
}

bool same_bits(const jlattn::Matrix& a, const jlattn::Matrix& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), sizeof(double) * static_cast<std::size_t>(a.size())) == 0;
}

/// The message of the InputError `f` throws ("" if it throws nothing).
template <typename F>
std::string input_error_message(F&& f) {
  try {
    f();
  } catch (const jlattn::InputError& error) {
    return error.what();
  }
  return "";
}

// --- names ---------------------------------------------------------------------

TEST(ProjectionNames, RoundTrip) {
  EXPECT_EQ(jlattn::to_string(Projection::gaussian), "gaussian");
  EXPECT_EQ(jlattn::to_string(Projection::rademacher), "rademacher");
  EXPECT_EQ(jlattn::to_string(Projection::achlioptas), "achlioptas");
  for (const Projection p : kProjections) EXPECT_EQ(jlattn::parse_projection(jlattn::to_string(p)), p);
}

TEST(ProjectionNames, UnknownNameIsAnInputErrorNamingItAndTheAllowedOnes) {
  for (const std::string bad : {"Gaussian", "", "sparse", "gaussian "}) {
    const std::string message = input_error_message([&] { (void)jlattn::parse_projection(bad); });
    ASSERT_FALSE(message.empty()) << "no InputError for \"" << bad << "\"";
    EXPECT_NE(message.find("\"" + bad + "\""), std::string::npos) << message;
    for (const char* allowed : {"gaussian", "rademacher", "achlioptas"}) {
      EXPECT_NE(message.find(allowed), std::string::npos) << message;
    }
  }
}

// --- preconditions -----------------------------------------------------------------

TEST(ProjectionPreconditions, BadDimensionsAndIndicesAreInputErrors) {
  constexpr std::size_t kTwo32 = std::size_t{1} << 32;
  for (const Projection p : kProjections) {
    EXPECT_THROW((void)jlattn::projection_entry(p, 0, kSeed, 0, 0), jlattn::InputError);
    EXPECT_THROW((void)jlattn::projection_entry(p, kTwo32, kSeed, 0, 0), jlattn::InputError);
    EXPECT_THROW((void)jlattn::projection_entry(p, 4, kSeed, kTwo32, 0), jlattn::InputError);
    EXPECT_THROW((void)jlattn::projection_entry(p, 4, kSeed, 0, kTwo32), jlattn::InputError);
    EXPECT_NO_THROW((void)jlattn::projection_entry(p, kTwo32 - 1, kSeed, kTwo32 - 1, kTwo32 - 1));
    EXPECT_THROW((void)jlattn::projection_matrix(p, 0, 4, kSeed), jlattn::InputError);
    EXPECT_THROW((void)jlattn::projection_matrix(p, 4, 0, kSeed), jlattn::InputError);
    EXPECT_THROW((void)jlattn::projection_matrix(p, kTwo32, 1, kSeed), jlattn::InputError);
  }
  const std::string message = input_error_message([] { (void)jlattn::projection_matrix(Projection::gaussian, 3, 0, 1); });
  EXPECT_NE(message.find("d = 0"), std::string::npos) << message;
}

TEST(ProjectionPreconditions, TauOutsideTheOpenUnitIntervalIsAnInputError) {
  const double bad[] = {0.0, -0.0, 1.0, -0.25, 1.5, std::numeric_limits<double>::infinity(),
                        std::numeric_limits<double>::quiet_NaN()};
  for (const double tau : bad) {
    const std::string message = input_error_message([&] { (void)jlattn::jl_exponent_c(tau); });
    EXPECT_NE(message.find("tau"), std::string::npos) << "tau = " << tau << ": " << message;
    EXPECT_THROW((void)jlattn::jl_norm_failure_upper(10, tau), jlattn::InputError);
    EXPECT_THROW((void)jlattn::jl_inner_product_failure_upper(10, tau), jlattn::InputError);
  }
  EXPECT_THROW((void)jlattn::jl_norm_failure_upper(0, 0.5), jlattn::InputError);
  EXPECT_THROW((void)jlattn::jl_inner_product_failure_upper(0, 0.5), jlattn::InputError);
  EXPECT_THROW((void)jlattn::jl_inner_product_failure_upper(std::size_t{1} << 32, 0.5), jlattn::InputError);
  EXPECT_NO_THROW((void)jlattn::jl_exponent_c(std::nextafter(0.0, 1.0)));
  EXPECT_NO_THROW((void)jlattn::jl_exponent_c(std::nextafter(1.0, 0.0)));
}

// --- entry laws: the documented sampling rules, re-implemented here ----------------

RC_GTEST_PROP(ProjectionEntry, GaussianIsStandardNormalStreamZeroOverSqrtD, ()) {
  const std::uint64_t seed = *full_range<std::uint64_t>(0, std::numeric_limits<std::uint64_t>::max());
  const auto word = full_range<std::uint32_t>(0, std::numeric_limits<std::uint32_t>::max());
  const std::uint32_t i = *word;
  const std::uint32_t j = *word;
  const std::size_t d = *rc::gen::inRange<std::size_t>(1, 5000);
  const double expected = jlattn::standard_normal(seed, i, j, 0) / std::sqrt(static_cast<double>(d));
  RC_ASSERT(std::bit_cast<std::uint64_t>(jlattn::projection_entry(Projection::gaussian, d, seed, i, j)) ==
            std::bit_cast<std::uint64_t>(expected));
}

RC_GTEST_PROP(ProjectionEntry, RademacherSignIsTheTopBitOfStreamOne, ()) {
  const std::uint64_t seed = *full_range<std::uint64_t>(0, std::numeric_limits<std::uint64_t>::max());
  const auto word = full_range<std::uint32_t>(0, std::numeric_limits<std::uint32_t>::max());
  const std::uint32_t i = *word;
  const std::uint32_t j = *word;
  const std::size_t d = *rc::gen::inRange<std::size_t>(1, 5000);
  const std::uint32_t w0 = jlattn::philox4x32(seed, {i, j, 0, 1})[0];
  const double magnitude = 1.0 / std::sqrt(static_cast<double>(d));
  RC_ASSERT(jlattn::projection_entry(Projection::rademacher, d, seed, i, j) == (w0 < 0x80000000U ? magnitude : -magnitude));
}

/// Achlioptas' rule as documented: the first word below 6 floor(2^32/6) in
/// blocks (i, j, attempt, 2), w mod 6: 0 -> +1, 1 -> -1, else 0.
int achlioptas_sign(std::uint64_t seed, std::uint32_t i, std::uint32_t j) {
  const std::uint64_t limit = 6 * ((std::uint64_t{1} << 32) / 6);
  for (std::uint32_t attempt = 0;; ++attempt) {
    for (const std::uint32_t w : jlattn::philox4x32(seed, {i, j, attempt, 2})) {
      if (w < limit) return w % 6 == 0 ? 1 : (w % 6 == 1 ? -1 : 0);
    }
  }
}

RC_GTEST_PROP(ProjectionEntry, AchlioptasFollowsTheRejectionRuleOnStreamTwo, ()) {
  const std::uint64_t seed = *full_range<std::uint64_t>(0, std::numeric_limits<std::uint64_t>::max());
  const auto word = full_range<std::uint32_t>(0, std::numeric_limits<std::uint32_t>::max());
  const std::uint32_t i = *word;
  const std::uint32_t j = *word;
  const std::size_t d = *rc::gen::inRange<std::size_t>(1, 5000);
  const int sign = achlioptas_sign(seed, i, j);
  RC_CLASSIFY(sign == 0, "zero");
  const double magnitude = std::sqrt(3.0 / static_cast<double>(d));
  RC_ASSERT(jlattn::projection_entry(Projection::achlioptas, d, seed, i, j) == sign * magnitude);
}

// The rejection branch (probability 4/2^32 per word) at an entry found once by
// an offline search over seed 2106037642: word 0 of block (i, j, 0, 2) is
// >= 2^32 - 4, so word 1 decides.
TEST(ProjectionEntry, AchlioptasRejectsTheTopFourWords) {
  constexpr std::uint32_t kI = 2433982;
  constexpr std::uint32_t kJ = 0;
  const std::array<std::uint32_t, 4> w = jlattn::philox4x32(kSeed, {kI, kJ, 0, 2});
  ASSERT_EQ(w[0], 0xfffffffcU);  // rejected; without rejection 0xfffffffc mod 6 = 0 would give +1
  const int sign = w[1] % 6 == 0 ? 1 : (w[1] % 6 == 1 ? -1 : 0);
  const int without_rejection = w[0] % 6 == 0 ? 1 : (w[0] % 6 == 1 ? -1 : 0);
  EXPECT_NE(sign, without_rejection);  // the entry shows whether rejection happened
  EXPECT_EQ(sign, 0);  // word 1 = 38410313, mod 6 = 5
  EXPECT_EQ(jlattn::projection_entry(Projection::achlioptas, 3, kSeed, kI, kJ), static_cast<double>(sign));
}

// Exact value sets, and their magnitudes within one ulp of the real ones
// (MPFR at 200 bits): {+-1/sqrt d} and {0, +-sqrt(3/d)}.
TEST(ProjectionEntry, ValueSetsAreExactlyTheLemmasOnes) {
  for (const std::size_t d : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{7}, std::size_t{64},
                              std::size_t{1000}, (std::size_t{1} << 32) - 1}) {
    const double rademacher = 1.0 / std::sqrt(static_cast<double>(d));
    const double achlioptas = std::sqrt(3.0 / static_cast<double>(d));
    mpfr_t exact;
    mpfr_t difference;
    mpfr_inits2(200, exact, difference, static_cast<mpfr_ptr>(nullptr));
    const auto within_one_ulp = [&](double value, unsigned long numerator) {
      mpfr_set_ui(exact, numerator, MPFR_RNDN);
      mpfr_div_d(exact, exact, static_cast<double>(d), MPFR_RNDN);
      mpfr_sqrt(exact, exact, MPFR_RNDN);
      mpfr_sub_d(difference, exact, value, MPFR_RNDN);
      const double ulp = std::nextafter(value, 2.0 * value) - value;
      return std::abs(mpfr_get_d(difference, MPFR_RNDN)) <= ulp;
    };
    EXPECT_TRUE(within_one_ulp(rademacher, 1)) << "d = " << d;
    EXPECT_TRUE(within_one_ulp(achlioptas, 3)) << "d = " << d;
    mpfr_clears(exact, difference, static_cast<mpfr_ptr>(nullptr));

    std::array<int, 3> seen = {0, 0, 0};
    for (std::size_t i = 0; i < 64; ++i) {
      for (std::size_t j = 0; j < 64; ++j) {
        const double r = jlattn::projection_entry(Projection::rademacher, d, kSeed, i, j);
        EXPECT_TRUE(r == rademacher || r == -rademacher) << r;
        const double a = jlattn::projection_entry(Projection::achlioptas, d, kSeed, i, j);
        EXPECT_TRUE(a == 0.0 || a == achlioptas || a == -achlioptas) << a;
        seen[a == 0.0 ? 0 : (a > 0 ? 1 : 2)] += 1;
      }
    }
    EXPECT_GT(seen[0] * seen[1] * seen[2], 0);
  }
}

// --- frequencies (6 sigma, false failure about 2e-9 per check) -------------------

TEST(ProjectionFrequencies, RademacherAndAchlioptasWithinSixSigma) {
  const jlattn::Matrix R = jlattn::projection_matrix(Projection::rademacher, 1000, 1000, kSeed);
  const jlattn::Matrix A = jlattn::projection_matrix(Projection::achlioptas, 1000, 1000, kSeed);
  const double n = 1e6;
  const double positive = static_cast<double>((R.array() > 0.0).count()) / n;
  EXPECT_LE(std::abs(positive - 0.5), 6.0 * std::sqrt(0.25 / n));
  const double plus = static_cast<double>((A.array() > 0.0).count()) / n;
  const double minus = static_cast<double>((A.array() < 0.0).count()) / n;
  const double zero = static_cast<double>((A.array() == 0.0).count()) / n;
  EXPECT_LE(std::abs(plus - 1.0 / 6), 6.0 * std::sqrt((1.0 / 6) * (5.0 / 6) / n));
  EXPECT_LE(std::abs(minus - 1.0 / 6), 6.0 * std::sqrt((1.0 / 6) * (5.0 / 6) / n));
  EXPECT_LE(std::abs(zero - 2.0 / 3), 6.0 * std::sqrt((2.0 / 3) * (1.0 / 3) / n));
  // The three laws use separate streams: signs of the Gaussian and Rademacher
  // draws of one seed agree half of the time.
  const jlattn::Matrix G = jlattn::projection_matrix(Projection::gaussian, 1000, 1000, kSeed);
  const double agree = static_cast<double>(((G.array() > 0.0) == (R.array() > 0.0)).count()) / n;
  EXPECT_LE(std::abs(agree - 0.5), 6.0 * std::sqrt(0.25 / n));
}

// Gaussian entries: E R_ij^2 = 1/d within 6 sigma (Var(z^2) = 2).
TEST(ProjectionFrequencies, GaussianSecondMomentIsOneOverD) {
  const std::size_t d = 250;
  const jlattn::Matrix G = jlattn::projection_matrix(Projection::gaussian, 4000, d, kSeed);
  const double n = static_cast<double>(G.size());
  const double second = G.array().square().sum() / n * static_cast<double>(d);
  EXPECT_LE(std::abs(second - 1.0), 6.0 * std::sqrt(2.0 / n));
  EXPECT_LE(std::abs(G.mean()) * std::sqrt(static_cast<double>(d)), 6.0 / std::sqrt(n));
}

// --- reproducibility (docs/reproducibility.md) ----------------------------------------

TEST(ProjectionMatrix, EntriesAreProjectionEntry) {
  for (const Projection p : kProjections) {
    const jlattn::Matrix R = jlattn::projection_matrix(p, 9, 31, kSeed, 2);
    for (Eigen::Index i = 0; i < R.rows(); ++i) {
      for (Eigen::Index j = 0; j < R.cols(); ++j) {
        ASSERT_EQ(std::bit_cast<std::uint64_t>(R(i, j)),
                  std::bit_cast<std::uint64_t>(jlattn::projection_entry(p, 31, kSeed, i, j)));
      }
    }
  }
}

// A row drawn in batches is projection_entry() entry by entry: every law,
// several d, seeds, rows, lengths (partial batches) and offsets, the last
// column 2^32 - 1, and Achlioptas' rejection entry above.
TEST(ProjectionRowEntries, SameBitsAsProjectionEntry) {
  constexpr std::size_t kTwo32 = std::size_t{1} << 32;
  struct Row {
    std::uint64_t seed;
    std::size_t i, j0, n;
  };
  const Row rows[] = {{kSeed, 0, 0, 1},        {kSeed, 5, 0, 200},       {kSeed, 2433982, 0, 70},
                      {1, 77, 13, 129},        {0, kTwo32 - 1, 1000, 65}, {~0ULL, 3, kTwo32 - 100, 100},
                      {0x299f31d0a4093822ULL, 123456, 99999, 17}};
  for (const Projection p : kProjections)
    for (const std::size_t d : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{64}, std::size_t{4097}})
      for (const Row& r : rows) {
        std::vector<double> out(r.n, -9.0);
        jlattn::projection_row_entries(p, d, r.seed, r.i, r.j0, out);
        for (std::size_t c = 0; c < r.n; ++c)
          ASSERT_EQ(std::bit_cast<std::uint64_t>(out[c]),
                    std::bit_cast<std::uint64_t>(jlattn::projection_entry(p, d, r.seed, r.i, r.j0 + c)))
              << jlattn::to_string(p) << " d " << d << " seed " << r.seed << " (" << r.i << ", " << r.j0 + c << ")";
      }
  std::vector<double> two(2);
  for (const Projection p : kProjections) {
    EXPECT_THROW(jlattn::projection_row_entries(p, 0, kSeed, 0, 0, two), jlattn::InputError);
    EXPECT_THROW(jlattn::projection_row_entries(p, 4, kSeed, kTwo32, 0, two), jlattn::InputError);
    EXPECT_THROW(jlattn::projection_row_entries(p, 4, kSeed, 0, kTwo32 - 1, two), jlattn::InputError);
    EXPECT_NO_THROW(jlattn::projection_row_entries(p, 4, kSeed, 0, kTwo32 - 2, two));
  }
}

TEST(ProjectionMatrix, SameBitsForEveryThreadCount) {
  for (const Projection p : kProjections) {
    for (const std::size_t L : {std::size_t{1}, std::size_t{67}, std::size_t{256}}) {
      const jlattn::Matrix one = jlattn::projection_matrix(p, L, 129, kSeed, 1);
      for (const unsigned threads : {0U, 2U, 3U, 8U}) {
        EXPECT_TRUE(same_bits(one, jlattn::projection_matrix(p, L, 129, kSeed, threads)))
            << jlattn::to_string(p) << " L = " << L << " threads = " << threads;
      }
    }
  }
}

// Frozen regression values: FNV-1a (see fnv1a above) of
// projection_matrix(p, 64, 256, 2106037642), produced once by this
// implementation when the test was added, and at that time reproduced bit for
// bit by an independent from-scratch Python re-implementation of Philox4x32-10
// (from the Random123 round function, checked on the published vectors), of
// the documented word rules, the polar method and the logarithm algorithm.
// Here, the Gaussian entries are additionally checked against MPFR in
// reproducible_random_test and the discrete rules are re-implemented above.
// A change here changes R for every user: it needs a deliberate decision, not
// a regenerated constant.
TEST(ProjectionMatrix, FrozenChecksums) {
  const std::array<std::uint64_t, 3> expected = {0x679688359e7400eeULL, 0x55b31a7b2a3f4ba5ULL,
                                                 0xd4b8d99f8c637bd9ULL};
  for (std::size_t k = 0; k < kProjections.size(); ++k) {
    const std::uint64_t h = fnv1a(jlattn::projection_matrix(kProjections[k], 64, 256, kSeed, 2));
    EXPECT_EQ(h, expected[k]) << jlattn::to_string(kProjections[k]) << std::hex << ": 0x" << h;
  }
}

TEST(ProjectionMatrix, SeedsGiveDifferentMatrices) {
  for (const Projection p : kProjections) {
    EXPECT_FALSE(same_bits(jlattn::projection_matrix(p, 8, 8, kSeed), jlattn::projection_matrix(p, 8, 8, kSeed + 1)));
    // The key is all 64 bits of the seed.
    EXPECT_FALSE(same_bits(jlattn::projection_matrix(p, 8, 8, kSeed),
                           jlattn::projection_matrix(p, 8, 8, kSeed | (std::uint64_t{1} << 63))));
  }
}

// --- Lemma 3's law, empirically ---------------------------------------------------------

/// A unit vector of length n from stream 77 of `seed`, row `row`.
Eigen::VectorXd unit_vector(std::uint64_t seed, std::uint32_t row, Eigen::Index n) {
  Eigen::VectorXd v(n);
  for (Eigen::Index k = 0; k < n; ++k) v(k) = jlattn::standard_normal(seed, row, static_cast<std::uint32_t>(k), 77);
  return v / v.norm();
}

/// Hoeffding: the mean of T Bernoulli(p) exceeds p + margin with probability
/// at most exp(-2 T margin^2) = 1e-9.
double hoeffding_margin(int trials) { return std::sqrt(std::log(1e9) / (2.0 * trials)); }

// Lemma 3b as a property: for unit u, v, the frequency over independent R
// (fresh seeds) of |<R^T u, R^T v> - <u, v>| > tau stays below the lemma's
// 4 exp(-d c(tau)) plus a Hoeffding margin, for each entry law (3c).
RC_GTEST_PROP(Lemma3Law, InnerProductFailureFrequencyBelowBound, ()) {
  constexpr Eigen::Index kL = 8;
  constexpr std::size_t kD = 64;
  constexpr double kTau = 0.5;
  constexpr int kTrials = 300;
  const Projection projection = *rc::gen::elementOf(kProjections);
  const int kind = *rc::gen::inRange(0, 4);
  const std::uint64_t seed = *full_range<std::uint64_t>(0, std::numeric_limits<std::uint64_t>::max() / 2);
  RC_TAG(jlattn::to_string(projection));
  RC_CLASSIFY(kind == 1, "u = v (Lemma 3a)");
  RC_CLASSIFY(kind == 2, "u = -v");
  RC_CLASSIFY(kind == 3, "u orthogonal to v");

  const Eigen::VectorXd u = unit_vector(seed, 0, kL);
  Eigen::VectorXd v = unit_vector(seed, 1, kL);
  if (kind == 1) v = u;
  if (kind == 2) v = -u;
  if (kind == 3) {
    v -= v.dot(u) * u;
    v /= v.norm();
  }
  const double exact = u.dot(v);
  int failures = 0;
  for (int t = 0; t < kTrials; ++t) {
    const jlattn::Matrix R = jlattn::projection_matrix(projection, kL, kD, seed * 1000 + t + 1, 1);
    const Eigen::VectorXd x = R.transpose() * u;
    const Eigen::VectorXd y = R.transpose() * v;
    failures += std::abs(x.dot(y) - exact) > kTau ? 1 : 0;
  }
  const double bound = jlattn::jl_inner_product_failure_upper(kD, kTau);
  RC_ASSERT(bound < 0.3);  // the property says something
  RC_ASSERT(static_cast<double>(failures) / kTrials <= bound + hoeffding_margin(kTrials));
}

// Lemma 3a on a longer run: ||R^T w||^2 off by more than tau ||w||^2, against
// 2 exp(-d c(tau)) plus the Hoeffding margin; and the mean of <R^T u, R^T v>
// is <u, v> within 6 sigma (the Lemma's E[R R^T] = I).
TEST(Lemma3Law, NormFailureFrequencyBelowBoundAndUnbiased) {
  constexpr Eigen::Index kL = 16;
  constexpr std::size_t kD = 48;
  constexpr double kTau = 0.6;
  constexpr int kTrials = 3000;
  const Eigen::VectorXd w = unit_vector(kSeed, 0, kL);
  const Eigen::VectorXd v = unit_vector(kSeed, 1, kL);
  for (const Projection p : kProjections) {
    int failures = 0;
    double sum = 0.0;
    double sum_squares = 0.0;
    for (int t = 0; t < kTrials; ++t) {
      const jlattn::Matrix R = jlattn::projection_matrix(p, kL, kD, 5000000 + t, 1);
      const Eigen::VectorXd x = R.transpose() * w;
      failures += std::abs(x.squaredNorm() - 1.0) > kTau ? 1 : 0;
      const double deviation = x.dot(R.transpose() * v) - w.dot(v);
      sum += deviation;
      sum_squares += deviation * deviation;
    }
    const double bound = jlattn::jl_norm_failure_upper(kD, kTau);
    EXPECT_LT(bound, 0.3);
    EXPECT_LE(static_cast<double>(failures) / kTrials, bound + hoeffding_margin(kTrials)) << jlattn::to_string(p);
    // With z_ik = sqrt(d) R_ik (E z^2 = 1, E z^4 = m4 in {3, 1, 3}):
    // Var <R^T w, R^T v> = (1 + <w,v>^2 + (m4 - 3) sum_i w_i^2 v_i^2)/d <= 2/d,
    // so the mean over T draws has sd <= sqrt(2/(d T)); the mean square, about
    // (1 + <w,v>^2)/d with a relative sd near sqrt(2/T) = 2.6%, stays below 2.4/d.
    EXPECT_LE(std::abs(sum / kTrials), 6.0 * std::sqrt(2.0 / (static_cast<double>(kD) * kTrials)))
        << jlattn::to_string(p);
    EXPECT_LE(sum_squares / kTrials, 2.4 / static_cast<double>(kD)) << jlattn::to_string(p);
  }
}

// --- constants of Lemma 3 ------------------------------------------------------------------

/// c(tau) = (tau^2/2 - tau^3/3)/2, exactly.
cpp_rational exact_c(const cpp_rational& tau) {
  const cpp_rational t2 = tau * tau;
  const cpp_rational t3 = t2 * tau;
  return cpp_rational(cpp_rational(t2 / 2 - t3 / 3) / 2);
}

const cpp_rational& unit_roundoff() {
  static const cpp_rational u = cpp_rational(1) / cpp_rational(boost::multiprecision::cpp_int(1) << 53);
  return u;
}

// For tau = p/q the double argument is tau rounded (relative error <= u), which
// moves c by at most 2u relatively (tau c'(tau)/c(tau) = 6(1 - tau)/(3 - 2 tau) <= 2);
// the evaluation adds at most 4 roundings (4u). So:
//   |c(fl(p/q)) - c(fl(p/q)) exact| <= 4u c   and   |c(fl(p/q)) - c(p/q)| <= (6u + O(u^2)) c.
RC_GTEST_PROP(JlExponentC, MatchesExactRationalsWithinRoundingBounds, ()) {
  const std::int64_t q = *rc::gen::inRange<std::int64_t>(2, 1 << 30);
  const std::int64_t p = *rc::gen::inRange<std::int64_t>(1, q);
  RC_CLASSIFY(2 * p < q / 100, "tau < 0.01");
  RC_CLASSIFY(100 * p > 99 * q, "tau > 0.99");
  const double tau = static_cast<double>(p) / static_cast<double>(q);
  const double c = jlattn::jl_exponent_c(tau);
  const cpp_rational computed(c);
  const cpp_rational of_double = exact_c(cpp_rational(tau));
  const cpp_rational of_rational = exact_c(cpp_rational(p, q));
  RC_ASSERT(abs(cpp_rational(computed - of_double)) <= cpp_rational(4 * unit_roundoff() * of_double));
  const cpp_rational slack = cpp_rational(1) + unit_roundoff() * 16;
  RC_ASSERT(abs(cpp_rational(computed - of_rational)) <= cpp_rational(6 * unit_roundoff() * slack * of_rational));
}

// The same over a fixed grid, reporting the worst error in ulps of the result.
TEST(JlExponentC, WorstErrorOnADyadicAndDecimalGrid) {
  double worst = 0.0;
  for (int k = 1; k < 20000; ++k) {
    for (const double tau : {k / 20000.0, std::ldexp(static_cast<double>(k), -15)}) {
      if (!(tau < 1.0)) continue;
      const double c = jlattn::jl_exponent_c(tau);
      const cpp_rational exact = exact_c(cpp_rational(tau));
      const double ulp = std::nextafter(c, 1.0) - c;
      const cpp_rational ratio = cpp_rational(abs(cpp_rational(cpp_rational(c) - exact)) / cpp_rational(ulp));
      const double error = static_cast<double>(ratio);
      worst = std::max(worst, error);
    }
  }
  EXPECT_LE(worst, 4.0);
  RecordProperty("worst_ulp_error", std::to_string(worst));
}

// c is increasing on (0, 1) (c' = (tau - tau^2)/2 > 0). The computed c is
// within 4u of it, so: strictly increasing on a grid of step 1/4096 (where the
// true increase is > 8u), at the ends of the interval, and never decreasing
// by more than 8u anywhere.
TEST(JlExponentC, IncreasingOnTheOpenInterval) {
  double previous = 0.0;
  for (int k = 1; k < 4096; ++k) {
    const double c = jlattn::jl_exponent_c(k / 4096.0);
    EXPECT_GT(c, previous) << "tau = " << k << "/4096";
    previous = c;
  }
  // Near 1, c approaches its supremum 1/12 and rounds to fl(1/12), never above.
  EXPECT_LE(jlattn::jl_exponent_c(std::nextafter(1.0, 0.0)), 1.0 / 12);
  EXPECT_GT(jlattn::jl_exponent_c(std::nextafter(1.0, 0.0)), jlattn::jl_exponent_c(0.999));
  // Tiny tau: tau^2 underflows, c is 0 (never negative); normal range is positive.
  EXPECT_EQ(jlattn::jl_exponent_c(std::nextafter(0.0, 1.0)), 0.0);
  EXPECT_GT(jlattn::jl_exponent_c(1e-150), 0.0);
  // c(1/2) = (1/8 - 1/24)/2 = 1/24; evaluated as (1/4 * 2)/12, one rounding.
  EXPECT_EQ(jlattn::jl_exponent_c(0.5), 1.0 / 24);
}

// Random tau_lo < tau_hi in (0, 1): lo = k 2^-53, hi its next double or a
// random larger grid point.
RC_GTEST_PROP(JlExponentC, MonotoneUpToRounding, ()) {
  const std::uint64_t k = *full_range<std::uint64_t>(1, (std::uint64_t{1} << 53) - 1);
  const bool neighbours = *rc::gen::arbitrary<bool>();
  const double lo = std::ldexp(static_cast<double>(k), -53);
  const double hi = neighbours ? std::nextafter(lo, 1.0)
                               : std::ldexp(static_cast<double>(*full_range<std::uint64_t>(k + 1, std::uint64_t{1} << 53)), -53);
  RC_CLASSIFY(neighbours, "neighbouring doubles");
  const double c_lo = jlattn::jl_exponent_c(lo);
  const double c_hi = jlattn::jl_exponent_c(hi);
  RC_ASSERT(c_lo <= c_hi * (1.0 + 8.0 * kUnitRoundoff));
  // Where the exact increase exceeds both errors (4u each) the order is strict.
  const cpp_rational exact_hi = exact_c(cpp_rational(hi));
  const cpp_rational gap = cpp_rational(exact_hi - exact_c(cpp_rational(lo)));
  if (gap > cpp_rational(8 * unit_roundoff() * exact_hi)) RC_ASSERT(c_lo < c_hi);
}

// 2 exp(-d c) and 4 exp(-d c) against MPFR at 200 bits from the exact c: the
// relative error is that of exp (libm, < 2 ulp assumed) plus d c times c's 4u.
TEST(JlFailureBounds, MatchMpfrAndAreTwiceEachOther) {
  mpfr_t reference;
  mpfr_init2(reference, 200);
  for (const std::size_t d : {1, 2, 10, 64, 1000, 100000}) {
    for (const double tau : {1e-6, 0.01, 0.1, 0.25, 0.5, 0.75, 0.999}) {
      const double norm = jlattn::jl_norm_failure_upper(d, tau);
      const double inner = jlattn::jl_inner_product_failure_upper(d, tau);
      EXPECT_EQ(inner, 2.0 * norm);  // 4x = 2(2x) exactly
      const cpp_rational exponent = cpp_rational(exact_c(cpp_rational(tau)) * cpp_rational(d));
      const double dc = static_cast<double>(exponent);
      // -d c as a 200-bit MPFR number (numerator / denominator).
      mpfr_t denominator;
      mpfr_init2(denominator, 200);
      mpfr_set_str(reference, boost::multiprecision::numerator(exponent).str().c_str(), 10, MPFR_RNDN);
      mpfr_set_str(denominator, boost::multiprecision::denominator(exponent).str().c_str(), 10, MPFR_RNDN);
      mpfr_div(reference, reference, denominator, MPFR_RNDN);
      mpfr_clear(denominator);
      mpfr_neg(reference, reference, MPFR_RNDN);
      mpfr_exp(reference, reference, MPFR_RNDN);
      mpfr_mul_ui(reference, reference, 2, MPFR_RNDN);
      const double expected = mpfr_get_d(reference, MPFR_RNDN);
      const double tolerance = (4.0 * dc + 4.0) * kUnitRoundoff * expected + std::numeric_limits<double>::denorm_min();
      EXPECT_NEAR(norm, expected, tolerance) << "d = " << d << " tau = " << tau;
    }
  }
  mpfr_clear(reference);
}

TEST(JlFailureBounds, DecreaseInDAndInTau) {
  for (const double tau : {0.05, 0.3, 0.9}) {
    double previous = std::numeric_limits<double>::infinity();
    for (std::size_t d = 1; d < 5000; d += 7) {
      const double bound = jlattn::jl_inner_product_failure_upper(d, tau);
      EXPECT_LT(bound, previous);
      previous = bound;
    }
  }
  EXPECT_GT(jlattn::jl_norm_failure_upper(100, 0.2), jlattn::jl_norm_failure_upper(100, 0.3));
}

}  // namespace
