/// \file reproducible_random.cpp
/// \brief The generator and normal transform behind Lemma 3's random R
/// (docs/reproducibility.md): Philox4x32-10, 53-bit uniforms, a logarithm of our
/// own and Marsaglia's polar method, each a fixed sequence of IEEE operations.
#include "jlattn/core/reproducible_random.hpp"

#include <Random123/philox.h>
// philox.h defines a C-API macro philox4x32(c, k) that would shadow our function.
#undef philox4x32

#include <cmath>
#include <limits>

namespace jlattn {

std::array<std::uint32_t, 4> philox4x32(std::uint64_t seed, std::array<std::uint32_t, 4> counter) {
  // Section 6, the generator: Random123's Philox4x32-10 (10 rounds), keyed by
  // the seed with key word 0 = low 32 bits and key word 1 = high 32 bits, so
  // the published known-answer vectors are seeds 0, 2^64 - 1 and
  // 0x299f31d0'a4093822.
  const r123::Philox4x32 generator;
  const r123::Philox4x32::ctr_type block = {{counter[0], counter[1], counter[2], counter[3]}};
  const r123::Philox4x32::key_type key = {
      {static_cast<std::uint32_t>(seed & 0xffffffffU), static_cast<std::uint32_t>(seed >> 32)}};
  const r123::Philox4x32::ctr_type out = generator(block, key);
  return {out[0], out[1], out[2], out[3]};
}

double uniform53(std::uint32_t w0, std::uint32_t w1) {
  // Section 6, uniform: an integer below 2^53 scaled by a power of two, so the
  // conversion and the product are both exact.
  const std::uint64_t bits = (static_cast<std::uint64_t>(w0) << 21) | (static_cast<std::uint64_t>(w1) >> 11);
  return static_cast<double>(bits) * 0x1p-53;
}

namespace {

// ln 2 = kLn2Hi + kLn2Lo to about 2^-85. kLn2Hi has 32 significant bits, so
// e * kLn2Hi is exact for every binary exponent |e| < 2^21 (doubles need
// |e| <= 1075). These are fdlibm's constants.
constexpr double kLn2Hi = 0x1.62e42feep-1;              // 6.93147180369123816490e-01
constexpr double kLn2Lo = 0x1.a39ef35793c76p-33;        // 1.90821492927058770002e-10
constexpr double kSqrtHalf = 0x1.6a09e667f3bcdp-1;      // sqrt(1/2) rounded to nearest

// Coefficients 1/(2k+1), k = 1..kTerms, of artanh(f)/f - 1 = sum_k f^(2k)/(2k+1).
// With |f| <= (sqrt2 - 1)/(sqrt2 + 1) < 0.1716 we have f^2 < 0.02944, and the
// first omitted term is below f^2 * 0.02944^13 / 29 < 2^-71 |f|: far below
// half an ulp of the result.
constexpr int kTerms = 13;
constexpr double kInvOdd[kTerms] = {1.0 / 3,  1.0 / 5,  1.0 / 7,  1.0 / 9,  1.0 / 11, 1.0 / 13, 1.0 / 15,
                                    1.0 / 17, 1.0 / 19, 1.0 / 21, 1.0 / 23, 1.0 / 25, 1.0 / 27};

}  // namespace

double portable_log(double x) {
  // Outside the precondition, behave like IEEE log (not part of the contract).
  if (std::isnan(x) || x < 0.0) return std::numeric_limits<double>::quiet_NaN();
  if (x == 0.0) return -std::numeric_limits<double>::infinity();
  if (std::isinf(x)) return x;

  // Reduction: x = m 2^e exactly, with m moved into [sqrt(1/2), sqrt 2) so that
  // |f| below stays under 0.1716 (frexp and the doubling are exact, also for
  // subnormal x).
  int e = 0;
  double m = std::frexp(x, &e);
  if (m < kSqrtHalf) {
    m = m * 2.0;
    e = e - 1;
  }

  // ln m = 2 artanh(f), f = (m - 1)/(m + 1). Written as
  //   2 artanh(f) = g - g f + 2 f^3 P(f^2),   g = m - 1,  P = sum_k f^(2k-2)/(2k+1),
  // using 2f = g - g f; g is exact (Sterbenz), so the rounding of f only enters
  // through the corrections g f and 2 f^3 P, at most 0.18 of the result.
  const double g = m - 1.0;
  const double f = g / (m + 1.0);
  const double f2 = f * f;
  // Horner in f^2 from the highest coefficient down, always in this order.
  double p = kInvOdd[kTerms - 1];
  for (int k = kTerms - 2; k >= 0; --k) p = p * f2 + kInvOdd[k];
  const double correction = g * f - 2.0 * f * f2 * p;
  const double log_m = g - correction;

  // Reassembly: ln x = e ln2_hi + (e ln2_lo + ln m), the first product exact.
  const double de = static_cast<double>(e);
  return de * kLn2Hi + (de * kLn2Lo + log_m);
}

double standard_normal(std::uint64_t seed, std::uint32_t i, std::uint32_t j, std::uint32_t tag) {
  // Section 6, normal transform: Marsaglia's polar method. Attempt a uses one
  // Philox block at counter (i, j, a, tag); its words give u, v uniform on the
  // grid 2^-52 Z in [-1, 1) (exact: 2 U - 1 needs no rounding).
  constexpr std::uint32_t kMaxAttempts = 64;
  for (std::uint32_t attempt = 0; attempt < kMaxAttempts; ++attempt) {
    const std::array<std::uint32_t, 4> w = philox4x32(seed, {i, j, attempt, tag});
    const double u = 2.0 * uniform53(w[0], w[1]) - 1.0;
    const double v = 2.0 * uniform53(w[2], w[3]) - 1.0;
    const double s = u * u + v * v;
    // Acceptance: (u, v) strictly inside the unit disc and not the origin.
    if (s > 0.0 && s < 1.0) {
      // Accepted point: u sqrt(-2 ln s / s) is N(0, 1) (the second variate,
      // with v, is discarded so that each entry is a function of its own counter).
      return u * std::sqrt(-2.0 * portable_log(s) / s);
    }
  }
  // 64 rejections in a row (probability (1 - pi/4)^64 < 10^-42): documented fallback.
  return 0.0;
}

}  // namespace jlattn
