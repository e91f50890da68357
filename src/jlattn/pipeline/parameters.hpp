/// \file parameters.hpp
/// \brief What one run of the construction depends on, in two parts kept
/// apart: the ConstructionParameters fix every bit of the emitted X and so
/// the verdict (eps, gamma, delta, seed, projection, how d is chosen); the
/// ResourcePolicy says how much of the machine the run may use (threads,
/// memory, the certifier's limits) and never changes a bit of X.
///
/// Proof page: proofs/theorem1-one-target.md
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "jlattn/certify/certificate.hpp"
#include "jlattn/core/matrix.hpp"
#include "jlattn/proof/lemma3_jl_projection.hpp"

namespace jlattn {

/// How d is chosen.
enum class DimensionRule {
  proved_bound,  ///< d = a dimension proved for the target's class (k, rho), the one BoundChoice names
  given,         ///< d given by the caller
  trivial        ///< the baseline d = L with R = I_L, X = [B | I], S = B exactly
};

/// Which proved dimension DimensionRule::proved_bound uses, each evaluated
/// rigorously by rigorous_bounds (proofs/rigorous-bounds.md).
enum class BoundChoice {
  /// The smallest proved bound valid for the projection and the target (`auto`, the default): for Gaussian R
  /// the smaller of the class's bounds of Theorems 1, 1' and 2 and Theorem 3's d_chernoff for the target
  /// itself (which is never above Theorem 3's class-wide bound); for the other laws the class's smallest.
  smallest,
  /// The smallest class bound of Theorems 1, 1' and 2 valid for the projection (`theorems12`): the rule
  /// `auto` followed before Theorem 3, kept as `demo`'s default so that the demo prints what it printed.
  smallest_theorems_1_and_2,
  d_star,        ///< Theorem 1's d* (all three projections)
  d_star_exact,  ///< Theorem 1's exact-tail d*_exact (Gaussian only)
  d_pair,        ///< Theorem 1' d_pair (Gaussian only)
  d_polar,       ///< Theorem 1' d_polar (all three projections)
  d_chernoff     ///< Theorem 3's d_chernoff for this target (per target: its own B; Gaussian only)
};

/// "auto", "theorems12", "dstar", "exact", "pair", "polar" or "chernoff" (the spellings of `--d` and `--bound`).
/// Guarantee: exact.
std::string to_string(BoundChoice choice);
/// Inverse of to_string. \throws InputError naming the unknown value and the allowed ones.
/// Guarantee: exact.
BoundChoice parse_bound_choice(const std::string& name);

/// The parameters of one construction: everything the emitted X, and so the
/// certificate's verdict, depends on. Checked by validate().
struct ConstructionParameters {
  double eps = 1.0;    ///< has to be finite and > 0 (Definition 2, R1)
  double gamma = 0.1;  ///< has to be in (0, 1) (Definition 2, R2)
  double delta = 0.05; ///< has to be in (0, 1) (the failure probability of Theorems 1, 2 and 3)
  /// Lemma 1's gap \f$\Delta\f$ (`--gap-Delta`); unset: Lemma 2's \f$\ln(1/\gamma) + \varepsilon\f$.
  /// Has to be finite and at least that (check_gap_Delta); B, every bound and the
  /// dimension use it (proofs/chernoff-bound.md, "The gap Delta": norm for dimension).
  std::optional<double> gap_Delta = std::nullopt;
  std::uint64_t seed = 2106037642;
  Projection projection = Projection::gaussian;
  DimensionRule rule = DimensionRule::proved_bound;
  BoundChoice bound = BoundChoice::smallest;  ///< used when rule == proved_bound
  std::size_t d = 0;   ///< used when rule == given; has to be in [1, 2^32)
  /// Theorem 2's use (`construct --uniform`): a projection R (L x d) fixed in
  /// advance and shared by many targets, used instead of drawing one; d is
  /// R's column count and the dimension rule is ignored. Has to be finite.
  /// Not owned: it has to outlive every use of these parameters.
  const Matrix* given_projection = nullptr;
};

/// Checks the documented ranges of every field, in the order eps, gamma
/// (Lemma 2's preconditions, score_error_budget), delta, the gap (check_gap_Delta,
/// the message `jlattn bound` gives too), d, the given projection.
/// \pre none: any values may be passed, that is what it checks.
/// \throws InputError, one line naming the first field out of range and its value.
/// Guarantee: exact (comparisons only); when it returns, every field is in its range.
void validate(const ConstructionParameters& parameters);

/// Parses the dimension as `--d` spells it (one parser for every subcommand)
/// into parameters.rule, .bound and .d:
///   - `auto`: the smallest proved bound valid for the projection and the
///     target (rule proved_bound, bound smallest), or the bound that `bound_text` names;
///   - `theorems12`, `dstar`, `exact`, `pair`, `polar`, `chernoff`: that proved bound (BoundChoice);
///   - `trivial`: the baseline d = L (rule trivial);
///   - a decimal integer in [1, 2^32): that d (rule given).
///
/// `bound_text` is `--bound` (kept for compatibility: `--d auto --bound pair`
/// is `--d pair`); it is always parsed, and has to be `auto` or the same bound
/// when `--d` names one.
/// \pre none.
/// \throws InputError naming the text and the allowed forms.
/// Guarantee: exact; only rule, bound and d of `parameters` are written.
void parse_dimension(const std::string& d_text, const std::string& bound_text, ConstructionParameters& parameters);

/// The resources one run may use. None of them changes a bit of X: the
/// thread count changes only the speed, and the memory limit and the
/// certifier's limits only whether the run is refused before it starts or
/// ends undecided (never certified for refuted or the reverse).
struct ResourcePolicy {
  /// Worker threads of Lemma 3's draw and of the certifier's filter (0:
  /// OpenMP's default). The one thread count: certification.threads is
  /// replaced by it.
  unsigned threads = 0;
  /// The memory limit (`--max-memory`); 0: what /proc/meminfo reports
  /// available (memory_guard.hpp).
  std::size_t max_memory_bytes = 0;
  /// The certifier's limits and its score product (ScoreProduct); the
  /// defaults are those of `jlattn certify`.
  CertificationLimits certification;
  /// The caller's request to stop (cancellation.hpp), polled between the
  /// stages and inside the long ones; the one stop request:
  /// certification.stop is replaced by it.
  StopRequest stop;
};

/// policy.certification with its thread count set to policy.threads and its
/// stop request to policy.stop.
/// Guarantee: exact.
CertificationLimits certification_limits(const ResourcePolicy& policy);

}  // namespace jlattn
