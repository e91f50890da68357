/// \file certificate_exact.hpp
/// \brief The certifier's exact pass (proofs/certificate.md, Step 5): the
/// rows the filter left open (certificate_filter.hpp) decided with exact
/// rational scores and interval logarithms at rising precision. All the
/// multiprecision code of the certifier (GMP rationals, MPFR/MPFI
/// intervals) is behind this header, in certificate_exact.cpp. The exact
/// pass runs in the reference floating-point environment whatever the
/// caller's (ReferenceEnvironmentScope), so its conversions of doubles are
/// exact.
///
/// Proof page: proofs/certificate.md
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "jlattn/certify/certificate.hpp"
#include "jlattn/certify/certificate_rows.hpp"
#include "jlattn/core/enclosure.hpp"
#include "jlattn/core/matrix.hpp"
#include "jlattn/core/weights.hpp"
#include "jlattn/proof/definition1_target.hpp"

namespace jlattn::detail {

/// Theorem 2's threshold \f$\tau_u = (\varepsilon/2)/(k\Delta + (k-1)\rho)\f$
/// at the gap \f$\Delta\f$ of B: a double (the given gap, or lemma2_gap_Delta()),
/// so \f$\tau_u\f$ is a rational of doubles.
struct CoherenceQuestion {
  std::size_t k = 1;
  double rho = 0.0, eps = 0.0, gap_Delta = 0.0;
};

/// Theorem 2's entry test, exactly: with \f$g = |(RR^\top)_{lj} - [l = j]|\f$ and
/// \f$\tau_u\f$ as exact rationals, whether \f$g \le \tau_u\f$ (a tie satisfies the
/// condition); *deviation receives g rounded outward.
/// Guarantee: exact.
/// Proof page: proofs/theorem2-all-targets.md
bool coherence_entry_within_tau_u(const Matrix& R, std::size_t l, std::size_t j, const CoherenceQuestion& question,
                                  Enclosure* deviation);

/// What the exact pass decides about: the matrices, the convention and
/// Definition 2's parameters, and its precision cap.
struct ExactQuestion {
  bool scaled = false;  ///< c = 1/sqrt(d) instead of 1
  double eps = 0.0, gamma = 0.0;
  unsigned max_precision_bits = 0;
};

/// One row decided by the exact pass, and what it cost.
struct ExactDecision {
  RowOutcome outcome;               ///< certified, refuted (with witness) or undecided
  std::uint64_t multiply_adds = 0;  ///< exact multiply-adds spent on the row
  unsigned precision_bits = 0;      ///< the largest interval precision reached
  std::string reason;               ///< when undecided: the limit that stopped it
};

/// Exact scores for one instance: rows of Q = X W_Q and K = X W_K as exact
/// dyadic rationals (computed lazily, rows of K kept for reuse), and their
/// exact dot products.
class ExactScores {
 public:
  ExactScores(const Matrix& X, const Weights& W_Q, const Weights& W_K, const ExactQuestion& question);
  ~ExactScores();
  ExactScores(const ExactScores&) = delete;
  ExactScores& operator=(const ExactScores&) = delete;

  /// Decides row i exactly for the conditions the filter left open, in the
  /// steps of proofs/certificate.md: the candidate columns (Step 4; an empty
  /// optional means every column), their exact scores (Step 5) if they fit
  /// the `budget` of multiply-adds, then R2 and R1 at rising interval
  /// precision up to the question's cap.
  /// \pre A is the target the matrices are certified against; i < A.L().
  /// Guarantee: certified and refuted are proofs (Step 5); undecided only at
  ///   the budget or the precision cap, with the reason.
  ExactDecision decide_row(const Target& A, std::size_t i, const RowOutcome& filtered,
                           const std::optional<RowCandidates>& candidates, std::uint64_t budget);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// What the exact pass did over all rows.
struct ExactPass {
  std::size_t rows_exact = 0;       ///< rows it decided
  std::size_t rows_undecided = 0;   ///< rows a limit stopped
  unsigned max_precision_used = 0;
  std::uint64_t multiply_adds = 0;
  std::string undecided_reason;     ///< the first row's reason, and how many more
};

/// The exact pass over every row the filter left open, in row order, within
/// limits.max_exact_multiply_adds in all; it stops at the first refuted row
/// unless limits.all_rows. Updates rows.outcome.
/// \pre rows from the filter pass (rows not marked filtered have no candidates).
/// Guarantee: as ExactScores::decide_row() for every row it decides.
ExactPass run_exact_pass(const Target& A, const Matrix& X, const Weights& W_Q, const Weights& W_K,
                         const ExactQuestion& question, const CertificationLimits& limits, RowStates& rows);

}  // namespace jlattn::detail
