/// \file reproducible_random.cpp
/// \brief The generator and normal transform behind Lemma 3's random R
/// (docs/reproducibility.md): Philox4x32-10, 53-bit uniforms, a logarithm of our
/// own and Marsaglia's polar method, each a fixed sequence of IEEE operations.
#include "jlattn/core/reproducible_random.hpp"

#include <Random123/philox.h>
// philox.h defines a C-API macro philox4x32(c, k) that would shadow our function.
#undef philox4x32

#include <algorithm>
#include <bit>
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

namespace {

// The polar method's value at an accepted point: u sqrt(-2 ln s / s).
inline double polar_value(double u, double s, double log_s) { return u * std::sqrt(-2.0 * log_s / s); }

}  // namespace

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
      return polar_value(u, s, portable_log(s));
    }
  }
  // 64 rejections in a row (probability (1 - pi/4)^64 < 10^-42): documented fallback.
  return 0.0;
}

namespace {

// Philox4x32-10 (Random123's philox.h: R = 10 rounds, the key bumped by the
// Weyl constants before every round after the first) on kLanes counters
// (i, j[c], attempt[c], tag) at once, one array per word of the state, so
// that the compiler can keep each in vector registers.
constexpr std::size_t kLanes = 16;
constexpr std::uint32_t kPhiloxM0 = 0xD2511F53U, kPhiloxM1 = 0xCD9E8D57U;
constexpr std::uint32_t kPhiloxW0 = 0x9E3779B9U, kPhiloxW1 = 0xBB67AE85U;

struct Lanes {
  std::uint32_t x0[kLanes], x1[kLanes], x2[kLanes], x3[kLanes];
};

void philox_lanes(std::uint64_t seed, std::uint32_t i, const std::uint32_t (&j)[kLanes],
                  const std::uint32_t (&attempt)[kLanes], std::uint32_t tag, Lanes& x) {
  std::uint32_t k0 = static_cast<std::uint32_t>(seed & 0xffffffffU), k1 = static_cast<std::uint32_t>(seed >> 32);
  for (std::size_t c = 0; c < kLanes; ++c) {
    x.x0[c] = i;
    x.x1[c] = j[c];
    x.x2[c] = attempt[c];
    x.x3[c] = tag;
  }
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k0 += kPhiloxW0;
      k1 += kPhiloxW1;
    }
    for (std::size_t c = 0; c < kLanes; ++c) {
      const std::uint64_t p0 = static_cast<std::uint64_t>(kPhiloxM0) * x.x0[c];
      const std::uint64_t p1 = static_cast<std::uint64_t>(kPhiloxM1) * x.x2[c];
      const auto hi0 = static_cast<std::uint32_t>(p0 >> 32), lo0 = static_cast<std::uint32_t>(p0);
      const auto hi1 = static_cast<std::uint32_t>(p1 >> 32), lo1 = static_cast<std::uint32_t>(p1);
      const std::uint32_t y0 = hi1 ^ x.x1[c] ^ k0, y2 = hi0 ^ x.x3[c] ^ k1;
      x.x0[c] = y0;
      x.x1[c] = lo1;
      x.x2[c] = y2;
      x.x3[c] = lo0;
    }
  }
}

// uniform53(w0, w1) as a sum of two exact conversions: 2^21 w0 + floor(w1/2^11)
// is below 2^53, so every step is exact and the value is the same.
inline double uniform53_split(std::uint32_t w0, std::uint32_t w1) {
  const double high = static_cast<double>(static_cast<std::int32_t>(w0 ^ 0x80000000U)) + 2147483648.0;
  const double low = static_cast<double>(static_cast<std::int32_t>(w1 >> 11));
  return (high * 0x1p21 + low) * 0x1p-53;
}

// polar_value(u, s, portable_log(s)) on kLanes lanes, each s in (0, 1) (so
// normal: an accepted point is at least 2^-104, u and v being on the grid
// 2^-52 Z): portable_log()'s operations in its order, written lane by lane so
// that they vectorise. Its reduction reads m and e from the exponent bits
// (frexp's m and e for a normal argument); e as a double is the exponent
// field, read exactly through the bits of 2^52 + field, minus 1022.
void polar_values(const double (&u)[kLanes], const double (&s)[kLanes], double (&value)[kLanes]) {
  double m[kLanes], de[kLanes], g[kLanes], f[kLanes], f2[kLanes], p[kLanes];
  for (std::size_t c = 0; c < kLanes; ++c) {
    const auto bits = std::bit_cast<std::uint64_t>(s[c]);
    const double field = std::bit_cast<double>((bits >> 52) | 0x4330000000000000ULL) - 0x1p52;
    double mc = std::bit_cast<double>((bits & 0x000fffffffffffffULL) | 0x3fe0000000000000ULL);
    double ec = field - 1022.0;
    const bool low = mc < kSqrtHalf;
    mc = low ? mc * 2.0 : mc;
    ec = low ? ec - 1.0 : ec;
    m[c] = mc;
    de[c] = ec;
  }
  for (std::size_t c = 0; c < kLanes; ++c) {
    g[c] = m[c] - 1.0;
    f[c] = g[c] / (m[c] + 1.0);
    f2[c] = f[c] * f[c];
    p[c] = kInvOdd[kTerms - 1];
  }
  for (int k = kTerms - 2; k >= 0; --k) {
    const double coefficient = kInvOdd[k];
#pragma GCC unroll 1
    for (std::size_t c = 0; c < kLanes; ++c) p[c] = p[c] * f2[c] + coefficient;
  }
  for (std::size_t c = 0; c < kLanes; ++c) {
    const double correction = g[c] * f[c] - 2.0 * f[c] * f2[c] * p[c];
    const double log_m = g[c] - correction;
    const double log_s = de[c] * kLn2Hi + (de[c] * kLn2Lo + log_m);
    value[c] = polar_value(u[c], s[c], log_s);
  }
}

}  // namespace

void philox4x32_columns(std::uint64_t seed, std::uint32_t i, std::uint32_t j0, std::uint32_t attempt,
                        std::uint32_t tag, std::size_t n, std::array<std::uint32_t, 4>* words) {
  std::uint32_t j[kLanes], a[kLanes];
  Lanes x;
  for (std::size_t base = 0; base < n; base += kLanes) {
    for (std::size_t c = 0; c < kLanes; ++c) {
      j[c] = j0 + static_cast<std::uint32_t>(base + c);  // past n: wraps, unused
      a[c] = attempt;
    }
    philox_lanes(seed, i, j, a, tag, x);
    const std::size_t lanes = std::min(kLanes, n - base);
    for (std::size_t c = 0; c < lanes; ++c) words[base + c] = {x.x0[c], x.x1[c], x.x2[c], x.x3[c]};
  }
}

void standard_normal_columns(std::uint64_t seed, std::uint32_t i, std::uint32_t j0, std::uint32_t tag, std::size_t n,
                             double* out) {
  // standard_normal()'s attempts, kLanes columns at a time: the columns
  // still pending (offset from j0, next attempt) are compacted after each
  // sweep, so the later attempts of rejected columns are batched as well.
  constexpr std::uint32_t kMaxAttempts = 64;
  constexpr std::size_t kChunk = 4 * kLanes;
  std::uint32_t pending[kChunk], attempts[kChunk];
  std::uint32_t j[kLanes], a[kLanes], at[kLanes];
  double u[kLanes], s[kLanes], t[kLanes], value[kLanes];
  Lanes x;
  for (std::size_t base = 0; base < n; base += kChunk) {
    std::size_t count = std::min(kChunk, n - base);
    for (std::size_t c = 0; c < count; ++c) {
      pending[c] = static_cast<std::uint32_t>(base + c);
      attempts[c] = 0;
    }
    while (count > 0) {
      std::size_t kept = 0;
      for (std::size_t g = 0; g < count; g += kLanes) {
        const std::size_t lanes = std::min(kLanes, count - g);
        for (std::size_t c = 0; c < kLanes; ++c) {  // lanes past `count` repeat the first one, unused
          const std::size_t from = g + (c < lanes ? c : 0);
          at[c] = pending[from];
          j[c] = j0 + pending[from];
          a[c] = attempts[from];
        }
        philox_lanes(seed, i, j, a, tag, x);
        for (std::size_t c = 0; c < kLanes; ++c) {
          u[c] = 2.0 * uniform53_split(x.x0[c], x.x1[c]) - 1.0;
          const double v = 2.0 * uniform53_split(x.x2[c], x.x3[c]) - 1.0;
          s[c] = u[c] * u[c] + v * v;
        }
        // A rejected lane is evaluated at s = 1/2 and its value dropped.
        for (std::size_t c = 0; c < kLanes; ++c) t[c] = s[c] > 0.0 && s[c] < 1.0 ? s[c] : 0.5;
        polar_values(u, t, value);
        for (std::size_t c = 0; c < lanes; ++c) {
          if (s[c] > 0.0 && s[c] < 1.0) {
            out[at[c]] = value[c];
          } else if (a[c] + 1 < kMaxAttempts) {  // rejected: the next attempt in the next sweep
            pending[kept] = at[c];
            attempts[kept] = a[c] + 1;
            ++kept;
          } else {
            out[at[c]] = 0.0;  // 64 rejections: standard_normal()'s fallback
          }
        }
      }
      count = kept;
    }
  }
}

}  // namespace jlattn
