/// \file bounds_internal.hpp
/// \brief Private to src/jlattn/bounds/: what rigorous_bounds.cpp and
/// chernoff_bound.cpp share: the galloping search for the smallest index of
/// a monotone predicate, the validation of a BoundQuery, Lemma 1's gap as an
/// interval, and the description of the Theorem 3 rows.
///
/// Proof page: proofs/rigorous-bounds.md
/// Proof page: proofs/chernoff-bound.md
#pragma once

#include <algorithm>
#include <cstdint>

#include "jlattn/bounds/rigorous_bounds.hpp"
#include "jlattn/core/multiprecision.hpp"

namespace jlattn::bounds_detail {

/// Smallest n in (lo, hi] with pred(n), given pred(hi); probes `guess` first and gallops.
template <class Pred>
std::uint64_t smallest_true(Pred&& pred, std::uint64_t lo, std::uint64_t hi, std::uint64_t guess) {
  guess = std::clamp(guess, lo + 1, hi);
  if (pred(guess)) {
    hi = guess;
    for (std::uint64_t step = 1; hi - lo > 1; step *= 2) {
      const std::uint64_t m = hi - std::min(step, hi - lo - 1);
      if (pred(m)) hi = m;
      else { lo = m; break; }
    }
  } else {
    lo = guess;
    for (std::uint64_t step = 1; hi - lo > 1; step *= 2) {
      const std::uint64_t m = lo + std::min(step, hi - lo - 1);
      if (pred(m)) { hi = m; break; }
      lo = m;
    }
  }
  while (hi - lo > 1) {
    const std::uint64_t m = lo + (hi - lo) / 2;
    (pred(m) ? hi : lo) = m;
  }
  return hi;
}

/// Throws InputError naming the first parameter of the query outside its
/// documented range (BoundQuery), including a gap below ln(1/gamma) + eps.
void check_bound_query(const BoundQuery& q);

/// Lemma 1's gap as a point: the query's gap_Delta, or lemma2_gap_Delta(eps, gamma)
/// (ln(1/gamma) + eps rounded up to a double, the gap the construction uses).
mp::Interval gap_Delta_interval(const BoundQuery& q, mp::Precision p);

/// The label, theorem, formula and projections of d_chernoff or
/// d_chernoff_u, nothing computed (chernoff_bound.cpp).
DimensionBound chernoff_skeleton(BoundName name);

}  // namespace jlattn::bounds_detail
