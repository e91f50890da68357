// Monte Carlo helpers shared by the tests of the probability bounds
// (tests/bounds/): a binomial margin from the Chernoff-KL bound, the upper
// confidence limit it gives, and a loop that counts an event over independent
// draws of the library's projections.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "jlattn/core/matrix.hpp"
#include "jlattn/proof/lemma3_jl_projection.hpp"

namespace jlattn::testing {

/// KL divergence of Bernoulli(q) from Bernoulli(r).
inline double bernoulli_kl(double q, double r) {
  double v = 0;
  if (q > 0) v += q * std::log(q / r);
  if (q < 1) v += (1 - q) * std::log((1 - q) / (1 - r));
  return v;
}

/// Upper bound m with P(mean of T Bernoulli(p) >= p + m) <= 1e-9 and the same for
/// p - m, from the Chernoff-KL bound P <= exp(-T KL(p +- m || p)).
inline double binomial_margin(double p, int trials) {
  const double target = std::log(1e9) / trials;
  double m = 1e-4;
  while (!(bernoulli_kl(std::min(p + m, 1.0), p) >= target && (p - m <= 0 || bernoulli_kl(p - m, p) >= target)))
    m *= 1.05;
  return m;
}

/// The upper confidence limit u >= f with T KL(f || u) = ln(1e9): if the true
/// probability were above u, a frequency as low as f would have had
/// probability at most 1e-9 (Chernoff-KL).
inline double upper_confidence_limit(double frequency, int trials) {
  const double target = std::log(1e9) / trials;
  double lo = frequency, hi = 1.0;
  if (bernoulli_kl(frequency, 1.0 - 1e-15) < target) return 1.0;
  for (int i = 0; i < 200; ++i) {
    const double m = (lo + hi) / 2;
    (bernoulli_kl(frequency, m) < target ? lo : hi) = m;
  }
  return hi;
}

struct Frequency {
  int hits = 0;
  int trials = 0;
  double value() const { return static_cast<double>(hits) / trials; }
};

/// Over independent seeds, projects the fixed rows of U (L x n) and counts `event`.
template <class Event>
Frequency simulate(Projection projection, const Matrix& U, std::size_t d, int trials, std::uint64_t seed0, Event event) {
  Frequency f;
  f.trials = trials;
  for (int t = 0; t < trials; ++t) {
    const Matrix R = projection_matrix(projection, static_cast<std::size_t>(U.rows()), d, seed0 + t, 1);
    const Matrix P = U.transpose() * R;  // row r: (R^T u_r)^T
    f.hits += event(P) ? 1 : 0;
  }
  return f;
}

}  // namespace jlattn::testing
