// RapidCheck generators shared by the tests: they build valid inputs
// (Definition 1 targets) directly, so no property discards cases.
#pragma once

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <vector>

#include "jlattn/proof/definition1_target.hpp"

namespace jlattn::testing {

/// The family of random sparse targets the tests draw from.
struct TargetShape {
  std::size_t min_L = 2;
  std::size_t max_L = 64;
  std::size_t max_k = 4;                 ///< row sparsity k_i is drawn per row from 1..max_k
  double max_rho = 1.3862943611198906;   ///< weights span a range up to rho (ln 4)
  int global_column_percent = 25;        ///< chance of a dense "global token" column
};

/// A target together with how it was drawn (for RC_CLASSIFY and messages).
struct DrawnTarget {
  Target A;
  bool has_global_column = false;
  std::size_t global_column = 0;
};

/// Random Definition 1 targets: L in [min_L, max_L], each row its own k_i in
/// [1, min(max_k, L)] with distinct random columns, weights exp(rho * u) for
/// u on a grid of [0, 1], and sometimes one column present in every row.
inline rc::Gen<DrawnTarget> gen_target(TargetShape shape = {}) {
  return rc::gen::exec([shape] {
    const auto L = *rc::gen::inRange<std::size_t>(shape.min_L, shape.max_L + 1);
    const std::size_t k_max = std::min(shape.max_k, L);
    const double rho = shape.max_rho * (*rc::gen::inRange(0, 1001)) / 1000.0;
    const bool global = *rc::gen::inRange(0, 100) < shape.global_column_percent;
    const auto global_col = *rc::gen::inRange<std::size_t>(0, L);

    std::vector<TargetEntry> entries;
    std::vector<std::size_t> cols(L);
    for (std::size_t i = 0; i < L; ++i) {
      const auto k_i = *rc::gen::inRange<std::size_t>(1, k_max + 1);
      std::iota(cols.begin(), cols.end(), std::size_t{0});
      // A partial Fisher-Yates shuffle picks k_i distinct columns.
      for (std::size_t t = 0; t < k_i; ++t) std::swap(cols[t], cols[*rc::gen::inRange<std::size_t>(t, L)]);
      std::vector<std::size_t> row(cols.begin(), cols.begin() + static_cast<std::ptrdiff_t>(k_i));
      if (global && std::find(row.begin(), row.end(), global_col) == row.end()) row.front() = global_col;
      for (std::size_t j : row) {
        const double u = (*rc::gen::inRange(0, 1001)) / 1000.0;
        entries.push_back({i, j, std::exp(rho * u)});
      }
    }
    return DrawnTarget{Target::from_entries(L, std::move(entries)), global, global_col};
  });
}

}  // namespace jlattn::testing

// ---- additions (Definition 1 / Definition 2 / Corollary 0 / Lemmas 1-2 tests) ----
namespace jlattn::testing {

/// A real number uniform on a grid of 2^30 + 1 points of [lo, hi]; the size
/// parameter is pinned to the nominal size, so small test cases do not
/// collapse every draw to lo (rc::gen::inRange scales with size).
inline rc::Gen<double> gen_real(double lo, double hi) {
  return rc::gen::map(rc::gen::resize(rc::kNominalSize, rc::gen::inRange<std::int64_t>(0, (std::int64_t{1} << 30) + 1)),
                      [lo, hi](std::int64_t n) { return lo + (hi - lo) * (static_cast<double>(n) / 1073741824.0); });
}

/// The coordinate entries of a random target, before Target::from_entries
/// sees them: the same family as gen_target, plus explicit zeros (never part
/// of the support) and a random order of the entries.
struct DrawnEntries {
  std::size_t L = 0;
  std::vector<TargetEntry> entries;
  bool has_global_column = false;
  std::size_t global_column = 0;
  bool has_explicit_zero = false;
};

/// Random coordinate lists of valid Definition 1 targets (see DrawnEntries).
/// Each row gets k_i positive entries in distinct columns and, with
/// probability zero_percent, one more distinct column holding an explicit 0.
inline rc::Gen<DrawnEntries> gen_target_entries(TargetShape shape = {}, int zero_percent = 30) {
  return rc::gen::exec([shape, zero_percent] {
    DrawnEntries drawn;
    drawn.L = *rc::gen::inRange<std::size_t>(shape.min_L, shape.max_L + 1);
    const std::size_t L = drawn.L;
    const std::size_t k_max = std::min(shape.max_k, L);
    const double rho = shape.max_rho * (*rc::gen::inRange(0, 1001)) / 1000.0;
    drawn.has_global_column = *rc::gen::inRange(0, 100) < shape.global_column_percent;
    drawn.global_column = *rc::gen::inRange<std::size_t>(0, L);
    std::vector<std::size_t> cols(L);
    for (std::size_t i = 0; i < L; ++i) {
      const auto k_i = *rc::gen::inRange<std::size_t>(1, k_max + 1);
      const bool zero = k_i < L && *rc::gen::inRange(0, 100) < zero_percent;
      const std::size_t picks = k_i + (zero ? 1 : 0);
      std::iota(cols.begin(), cols.end(), std::size_t{0});
      for (std::size_t t = 0; t < picks; ++t) std::swap(cols[t], cols[*rc::gen::inRange<std::size_t>(t, L)]);
      if (drawn.has_global_column) {
        // Put the global column among the positive picks (first k_i slots).
        const auto at = std::find(cols.begin(), cols.end(), drawn.global_column);
        const auto pos = static_cast<std::size_t>(at - cols.begin());
        if (pos >= k_i) std::swap(cols[pos], cols[0]);
      }
      for (std::size_t t = 0; t < k_i; ++t) {
        const double u = (*rc::gen::inRange(0, 1001)) / 1000.0;
        drawn.entries.push_back({i, cols[t], std::exp(rho * u)});
      }
      if (zero) {
        drawn.entries.push_back({i, cols[k_i], 0.0});
        drawn.has_explicit_zero = true;
      }
    }
    // Present the entries in a random order (Fisher-Yates).
    for (std::size_t t = drawn.entries.size(); t > 1; --t)
      std::swap(drawn.entries[t - 1], drawn.entries[*rc::gen::inRange<std::size_t>(0, t)]);
    return drawn;
  });
}

}  // namespace jlattn::testing
