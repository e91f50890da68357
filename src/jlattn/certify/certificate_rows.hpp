/// \file certificate_rows.hpp
/// \brief What the certifier knows about each row as it passes through the
/// filter (certificate_filter.hpp), the exact pass (certificate_exact.hpp)
/// and the aggregation into the verdict (certificate_aggregate.hpp): the
/// per-row reduction of Definition 2 of proofs/certificate.md ("Reduction to
/// scores"). Internal to the certifier.
///
/// Proof page: proofs/certificate.md
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "jlattn/certify/certificate.hpp"
#include "jlattn/core/directed_rounding.hpp"
#include "jlattn/core/enclosure.hpp"
#include "jlattn/proof/definition1_target.hpp"

namespace jlattn::detail {

/// What is known about one row, from any pass: its state, enclosures of
/// \f$\varepsilon_i\f$ and \f$\ell\gamma_i\f$, and the witness when refuted.
struct RowOutcome {
  enum class State { certified, refuted, undecided } state = State::undecided;
  Enclosure eps_i{0.0, kInfinity};                  ///< encloses eps_i
  Enclosure log_gamma_i{-kInfinity, kInfinity};     ///< encloses lgam_i
  std::optional<CertifiedWitness> witness;          ///< when refuted
  bool r1_certified = false, r2_certified = false;  ///< per condition
};

/// Step 4: the columns among which the row's extremes must lie (from the
/// filter), so the exact pass evaluates only those scores.
struct RowCandidates {
  std::vector<std::size_t> r1_max, r1_min;    ///< support columns: argmax / argmin of S - ln A
  std::vector<std::size_t> r2_off, r2_supp;   ///< off-support argmax of S / support argmin of S
};

/// Every row's state through the passes.
struct RowStates {
  explicit RowStates(std::size_t L) : outcome(L), candidates(L), filtered(L, 0), float32(L, 0) {}
  std::vector<RowOutcome> outcome;
  /// The filter's candidates of a row it left open (empty: every column).
  std::vector<std::optional<RowCandidates>> candidates;
  /// Whether a filter computed the row's enclosures (decided or not).
  std::vector<char> filtered;
  /// Whether the filter's float32 stage decided the row.
  std::vector<char> float32;
  std::size_t size() const { return outcome.size(); }
};

/// The smallest refuted row (the certificate's witness, Step 6), if any.
inline std::optional<std::size_t> first_refuted(const std::vector<RowOutcome>& rows) {
  for (std::size_t i = 0; i < rows.size(); ++i)
    if (rows[i].state == RowOutcome::State::refuted) return i;
  return std::nullopt;
}

/// The question of Definition 2 in the form every pass reads it: the
/// target, enclosures of \f$\ln A_{ij}\f$ (Step 2, in the target's CSR order),
/// \f$\varepsilon\f$ and an enclosure of \f$\ln\gamma\f$.
struct Definition2Thresholds {
  const Target* A = nullptr;
  std::vector<Enclosure> log_A;
  double eps = 0.0, gamma = 0.0;
  Enclosure log_gamma;
};

/// Step 2: the thresholds for A at (eps, gamma), logarithms by log_enclosure.
/// \pre A outlives the result; eps > 0 finite; gamma in (0, 1).
/// Guarantee: enclosure (each logarithm).
Definition2Thresholds definition2_thresholds(const Target& A, double eps, double gamma);

/// "certified", "refuted" or "undecided" of a row's state, as a Verdict.
Verdict verdict_of(RowOutcome::State state);

}  // namespace jlattn::detail
