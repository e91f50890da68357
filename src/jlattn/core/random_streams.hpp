/// \file random_streams.hpp
/// \brief The stream tags of every random draw of the library: the fourth
/// word of the Philox counter (reproducible_random.hpp), named once here.
///
/// A draw is philox4x32(key, (a, b, c, tag)): the key is a 64-bit seed, a, b
/// and c are the draw's coordinates (row, column, attempt, ...), and the tag
/// says which stream the draw belongs to. Philox is a bijection of the
/// counter for a fixed key, so two draws can only share a block when they
/// share the key *and* all four words; the tag keeps apart the streams that
/// share a key.
///
/// **The values are frozen.** Each one is part of the recipe that fixes
/// the bits of R, of the demo's target, and of the audit's targets and
/// projections (docs/reproducibility.md), and the frozen checksums of the
/// tests (tests/core/reproducible_random_test.cpp,
/// tests/proof/lemma3_jl_projection_test.cpp, tools/reference_random.py)
/// depend on them. Never change a value. **A new kind of draw takes a new
/// value**, different from every value below (the next free small values
/// are 8, 9, 10, 12, ...), and a row in the recipe table of
/// docs/reproducibility.md; tools/reference_random.py, the independent
/// re-implementation, keeps its own copies of the values it needs.
///
/// Two values, 1 and 2, are used twice today. That is safe because the two
/// draws of each pair never share a key: the audit draws a trial's target with
/// the key `trial_seed(seed, cell, t, Stream::audit_trial_target)` and its
/// projection R with the key `trial_seed(seed, cell, t,
/// Stream::audit_trial_projection)`: two 64-bit halves of Philox blocks at
/// counters that differ in the fourth word, so different blocks, and equal
/// seeds only by a 64-bit coincidence (probability \f$2^{-64}\f$ per trial).
#pragma once

#include <cstdint>

namespace jlattn {

/// The stream tag (fourth Philox counter word) of each kind of draw.
enum class Stream : std::uint32_t {
  /// Lemma 3, a Gaussian R: entry (i, j) is standard_normal(seed, i, j, 0)
  /// (counters (i, j, attempt, 0)). Key: the construction's seed, or an
  /// audit trial's projection seed.
  gaussian_projection = 0,
  /// Lemma 3, a Rademacher R: the sign of entry (i, j) is the top bit of the
  /// first word at counter (i, j, 0, 1). Key: as gaussian_projection.
  rademacher_projection = 1,
  /// Lemma 3, an Achlioptas R: entry (i, j) from the words at counters
  /// (i, j, attempt, 2). Key: as gaussian_projection.
  achlioptas_projection = 2,
  /// The audit's `random` family: the support of row i by Floyd's algorithm,
  /// counters (i, step, attempt, 1). Key: the trial's target seed. Shares
  /// the value 1 with rademacher_projection, never the key (see above).
  audit_support = 1,
  /// The audit's `permutation` family: Fisher-Yates, counters (p, 0, attempt, 2).
  /// Key: the trial's target seed. Shares the value 2 with
  /// achlioptas_projection, never the key (see above).
  audit_permutation = 2,
  /// The audit's weights \f$e^{\rho u}\f$ of the inner support entries,
  /// counters (i, j, 0, 3). Key: the trial's target seed.
  audit_weight = 3,
  /// The audit's `extremal` family: row i's support (Floyd, as
  /// audit_support), counters (i, step, attempt, 4). Key: the trial's target seed.
  audit_extremal_support = 4,
  /// The audit's `bigbird` family: the random blocks of query block q
  /// (Floyd over the blocks left free by the window and the global blocks),
  /// counters (q, step, attempt, 5). Key: the trial's target seed.
  audit_bigbird_random = 5,
  /// The audit's `vertical-slash` family: the vertical columns (counters
  /// (0, step, attempt, 6)) and the slash offsets (counters (1, step,
  /// attempt, 6)), both by Floyd. Key: the trial's target seed.
  audit_vertical_slash = 6,
  /// The built-in example target of `demo` and `explain`
  /// (window_global_target): weight of entry (i, j) from counter (i, j, 0, 7).
  /// Key: the run's seed, the same key as the run's R, whose tags 0, 1, 2
  /// differ from 7.
  example_weight = 7,
  /// tools/bench/certify_vs_gemm: the shape of the benchmark's random target
  /// number t, counters (i, 0, 0, 11). Key: t.
  bench_target = 11,
  /// The audit: the target seed of trial t of a cell (trial_seed), counter
  /// (h_lo, h_hi, t, "AUDT") with h the hash of the cell's key. Key: the
  /// audit's --seed.
  audit_trial_target = 0x41554454,
  /// The audit: the projection seed of trial t of a cell (trial_seed),
  /// counter (h_lo, h_hi, t, "AUDR"). Key: the audit's --seed.
  audit_trial_projection = 0x41554452,
};

/// The counter word of a stream.
constexpr std::uint32_t stream_tag(Stream stream) { return static_cast<std::uint32_t>(stream); }

}  // namespace jlattn
