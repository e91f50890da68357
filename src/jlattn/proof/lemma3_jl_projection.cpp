/// \file lemma3_jl_projection.cpp
/// \brief Lemma 3 (Johnson-Lindenstrauss for inner products): sampling the
/// projection R entry by entry from the reproducible generator, and the tail
/// constants c(tau), 2 exp(-d c), 4 exp(-d c).
///
/// Proof page: proofs/lemma3-jl-projection.md
#include "jlattn/proof/lemma3_jl_projection.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>

#include "jlattn/core/errors.hpp"
#include "jlattn/core/huge_pages.hpp"
#include "jlattn/core/random_streams.hpp"
#include "jlattn/core/reproducible_random.hpp"
#include "jlattn/core/format.hpp"

namespace jlattn {

namespace {

constexpr std::uint64_t kTwo32 = std::uint64_t{1} << 32;
// Achlioptas' rejection limit 6 floor(2^32/6) = 2^32 - 4.
constexpr std::uint32_t kAchlioptasLimit = 6U * (0xffffffffU / 6U);

void require_dimension(std::size_t d, const char* name) {
  if (d == 0 || static_cast<std::uint64_t>(d) >= kTwo32) {
    std::ostringstream message;
    message << name << " = " << d << " is out of range: it has to be in [1, 2^32 - 1]";
    throw InputError(message.str());
  }
}

void require_index(std::size_t index, const char* name) {
  if (static_cast<std::uint64_t>(index) >= kTwo32) {
    std::ostringstream message;
    message << name << " = " << index << " is out of range: it has to be in [0, 2^32 - 1]";
    throw InputError(message.str());
  }
}

void require_tau(double tau) {
  if (!(tau > 0.0 && tau < 1.0)) {  // also rejects NaN
    throw InputError("tau = " + format_shortest(tau) + " is out of range: Lemma 3 needs 0 < tau < 1");
  }
}

// The map from a draw's entry at d = 1 to its entry at d, with its scale
// computed once. No exceptions.
struct Rescale {
  Projection projection;
  double scale;  // Gaussian: fl(sqrt d); Rademacher: fl(1/fl(sqrt d)); Achlioptas: fl(sqrt(fl(3/d)))
  Rescale(Projection p, std::uint32_t d) noexcept : projection(p), scale(0.0) {
    const double dd = static_cast<double>(d);  // exact: d < 2^32
    switch (p) {
      case Projection::gaussian: scale = std::sqrt(dd); break;
      case Projection::rademacher: scale = 1.0 / std::sqrt(dd); break;
      case Projection::achlioptas: scale = std::sqrt(3.0 / dd); break;
    }
  }
  double operator()(double at_one) const noexcept {
    switch (projection) {
      case Projection::gaussian:
        // Lemma 3a-3b law N(0, 1/d): z / sqrt(d) (two roundings: sqrt, division;
        // chosen over z * (1/sqrt d), which rounds three times). At d = 1: z.
        return at_one / scale;
      case Projection::rademacher: return at_one > 0 ? scale : -scale;
      case Projection::achlioptas: return at_one == 0.0 ? 0.0 : (at_one > 0 ? scale : -scale);
    }
    return 0.0;  // unreachable for valid enumerators
  }
};

double rescaled_unchecked(Projection projection, std::uint32_t d, double at_one) noexcept {
  return Rescale(projection, d)(at_one);
}

// Entry (i, j) after validation. No exceptions: this runs inside OpenMP regions.
double entry_unchecked(Projection projection, std::uint32_t d, std::uint64_t seed, std::uint32_t i,
                       std::uint32_t j) noexcept {
  switch (projection) {
    case Projection::gaussian:
      return rescaled_unchecked(projection, d, standard_normal(seed, i, j, stream_tag(Stream::gaussian_projection)));
    case Projection::rademacher: {
      // Lemma 3c, Rademacher law: the sign is the top bit of the first word of
      // the block (i, j, 0, tag), so +-1 each with probability exactly 1/2.
      const std::array<std::uint32_t, 4> w = philox4x32(seed, {i, j, 0, stream_tag(Stream::rademacher_projection)});
      return rescaled_unchecked(projection, d, (w[0] >> 31) == 0 ? 1.0 : -1.0);
    }
    case Projection::achlioptas: {
      // Lemma 3c, Achlioptas' law: a word w uniform on [0, 6 floor(2^32/6))
      // (rejection sampling, so w mod 6 is exactly uniform on 0..5), then
      // 0 -> +1 (1/6), 1 -> -1 (1/6), 2..5 -> 0 (2/3). Words are used in order,
      // four per block (i, j, attempt, tag).
      constexpr std::uint32_t kMaxAttempts = 64;
      for (std::uint32_t attempt = 0; attempt < kMaxAttempts; ++attempt) {
        const std::array<std::uint32_t, 4> w =
            philox4x32(seed, {i, j, attempt, stream_tag(Stream::achlioptas_projection)});
        for (const std::uint32_t word : w) {
          if (word >= kAchlioptasLimit) continue;  // rejected: probability 4/2^32 per word
          const std::uint32_t r = word % 6U;
          if (r == 0) return rescaled_unchecked(projection, d, 1.0);
          if (r == 1) return rescaled_unchecked(projection, d, -1.0);
          return 0.0;
        }
      }
      // 256 rejected words in a row (probability 2^-7680): fall back to 0.
      return 0.0;
    }
  }
  return 0.0;  // unreachable for valid enumerators
}

}  // namespace

std::string to_string(Projection projection) {
  switch (projection) {
    case Projection::gaussian:
      return "gaussian";
    case Projection::rademacher:
      return "rademacher";
    case Projection::achlioptas:
      return "achlioptas";
  }
  throw InputError("unknown Projection value " + std::to_string(static_cast<int>(projection)) +
                   ": allowed are gaussian, rademacher, achlioptas");
}

Projection parse_projection(const std::string& name) {
  if (name == "gaussian") return Projection::gaussian;
  if (name == "rademacher") return Projection::rademacher;
  if (name == "achlioptas") return Projection::achlioptas;
  throw InputError("unknown projection \"" + name + "\": allowed are gaussian, rademacher, achlioptas");
}

void rescaled_entries(Projection projection, std::size_t d, std::span<const double> at_one, std::span<double> out) {
  require_dimension(d, "d");
  (void)to_string(projection);  // throws, naming an invalid enumerator
  if (out.size() != at_one.size()) throw InputError("rescaled_entries: out and at_one differ in size");
  const Rescale rescale(projection, static_cast<std::uint32_t>(d));
  if (projection == Projection::gaussian) {
    // Rescale's Gaussian case with the branch hoisted, so the loop vectorises (the same divisions).
    for (std::size_t c = 0; c < at_one.size(); ++c) out[c] = at_one[c] / rescale.scale;
    return;
  }
  for (std::size_t c = 0; c < at_one.size(); ++c) out[c] = rescale(at_one[c]);
}

double projection_entry(Projection projection, std::size_t d, std::uint64_t seed, std::size_t i, std::size_t j) {
  require_dimension(d, "d");
  require_index(i, "i");
  require_index(j, "j");
  return entry_unchecked(projection, static_cast<std::uint32_t>(d), seed, static_cast<std::uint32_t>(i),
                         static_cast<std::uint32_t>(j));
}

void projection_row_entries(Projection projection, std::size_t d, std::uint64_t seed, std::size_t i, std::size_t j0,
                            std::span<double> out) {
  require_dimension(d, "d");
  require_index(i, "i");
  if (static_cast<std::uint64_t>(j0) + out.size() > kTwo32)
    throw InputError("projection_row_entries: the columns j0 .. j0 + n - 1 have to be in [0, 2^32 - 1]");
  (void)to_string(projection);  // throws, naming an invalid enumerator
  const Rescale rescale(projection, static_cast<std::uint32_t>(d));
  const auto i32 = static_cast<std::uint32_t>(i), j32 = static_cast<std::uint32_t>(j0);
  const std::size_t n = out.size();
  if (projection == Projection::gaussian) {
    // entry_unchecked's Gaussian case: rescale(standard_normal(seed, i, j, tag)).
    standard_normal_columns(seed, i32, j32, stream_tag(Stream::gaussian_projection), n, out.data());
    for (std::size_t c = 0; c < n; ++c) out[c] = out[c] / rescale.scale;
    return;
  }
  // Rademacher and Achlioptas: the first Philox block of each column in
  // batches, then entry_unchecked's rules on its words.
  constexpr std::size_t kBatch = 64;
  std::array<std::array<std::uint32_t, 4>, kBatch> words;
  const std::uint32_t tag = stream_tag(projection == Projection::rademacher ? Stream::rademacher_projection
                                                                            : Stream::achlioptas_projection);
  for (std::size_t base = 0; base < n; base += kBatch) {
    const std::size_t m = std::min(kBatch, n - base);
    const auto j = j32 + static_cast<std::uint32_t>(base);
    philox4x32_columns(seed, i32, j, 0, tag, m, words.data());
    for (std::size_t c = 0; c < m; ++c) {
      const std::array<std::uint32_t, 4>& w = words[c];
      if (projection == Projection::rademacher) {
        out[base + c] = rescale((w[0] >> 31) == 0 ? 1.0 : -1.0);
        continue;
      }
      // Achlioptas: the first accepted word of attempt 0 decides; four
      // rejected words (probability 2^-120) go to the entry-by-entry loop.
      out[base + c] = std::numeric_limits<double>::quiet_NaN();
      for (const std::uint32_t word : w) {
        if (word >= kAchlioptasLimit) continue;
        const std::uint32_t r = word % 6U;
        out[base + c] = r == 0 ? rescale(1.0) : (r == 1 ? rescale(-1.0) : 0.0);
        break;
      }
      if (std::isnan(out[base + c]))
        out[base + c] = entry_unchecked(projection, static_cast<std::uint32_t>(d), seed, i32, j + static_cast<std::uint32_t>(c));
    }
  }
}

Matrix projection_matrix(Projection projection, std::size_t L, std::size_t d, std::uint64_t seed, unsigned threads) {
  require_dimension(L, "L");
  require_dimension(d, "d");
  (void)to_string(projection);  // rejects an invalid enumerator before the parallel region

  // Lemma 3's R (L x d): every entry is a pure function of (seed, i, j), so
  // splitting rows among threads cannot change a bit of the result.
  Matrix R(static_cast<Eigen::Index>(L), static_cast<Eigen::Index>(d));
  advise_huge_pages(R);
  const auto rows = static_cast<std::int64_t>(L);
  const auto d32 = static_cast<std::uint32_t>(d);
  if (threads > 0) {
#pragma omp parallel for schedule(static) num_threads(threads)
    for (std::int64_t i = 0; i < rows; ++i) {
      for (std::uint32_t j = 0; j < d32; ++j) {
        R(i, j) = entry_unchecked(projection, d32, seed, static_cast<std::uint32_t>(i), j);
      }
    }
  } else {
#pragma omp parallel for schedule(static)
    for (std::int64_t i = 0; i < rows; ++i) {
      for (std::uint32_t j = 0; j < d32; ++j) {
        R(i, j) = entry_unchecked(projection, d32, seed, static_cast<std::uint32_t>(i), j);
      }
    }
  }
  return R;
}

double jl_exponent_c(double tau) {
  require_tau(tau);
  // Lemma 3's exponent c = (tau^2/2 - tau^3/3)/2, written as tau^2 (3 - 2 tau)/12:
  // no cancellation (3 - 2 tau > 1) and four roundings, so the relative error is
  // below 4 * 2^-53.
  const double t2 = tau * tau;
  const double s = 3.0 - 2.0 * tau;
  return t2 * s / 12.0;
}

double jl_norm_failure_upper(std::size_t d, double tau) {
  require_dimension(d, "d");
  // Lemma 3a: two Chernoff tails, each at most exp(-d c(tau)). May exceed 1
  // for small d (then the bound is trivially true).
  return 2.0 * std::exp(-static_cast<double>(d) * jl_exponent_c(tau));
}

double jl_inner_product_failure_upper(std::size_t d, double tau) {
  require_dimension(d, "d");
  // Lemma 3b: polarisation applies 3a to u/|u| + v/|v| and u/|u| - v/|v|,
  // doubling the norm bound.
  return 4.0 * std::exp(-static_cast<double>(d) * jl_exponent_c(tau));
}

}  // namespace jlattn
