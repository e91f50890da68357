/// \file certificate_exact.hpp
/// \brief Internal interface between the certifier's double-precision filter
/// (certificate.cpp) and its exact pass (certificate_exact.cpp), which holds
/// all multiprecision code (GMP rationals, MPFR/MPFI intervals).
///
/// Proof page: proofs/certificate.md
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "jlattn/certify/certificate.hpp"
#include "jlattn/proof/definition1_target.hpp"
#include "jlattn/core/directed_rounding.hpp"
#include "jlattn/core/matrix.hpp"

namespace jlattn::detail {

/// What is known about one row, from either pass.
struct RowOutcome {
  enum class State { certified, refuted, undecided } state = State::undecided;
  Enclosure eps_i{0.0, kInfinity};                  ///< encloses eps_i
  Enclosure log_gamma_i{-kInfinity, kInfinity};     ///< encloses lgam_i
  std::optional<CertifiedWitness> witness;          ///< when refuted
  bool r1_certified = false, r2_certified = false;  ///< per condition
};

/// Columns among which the row's extremes must lie (from the filter), so
/// the exact pass evaluates only those scores.
struct RowCandidates {
  std::vector<std::size_t> r1_max, r1_min;    ///< support columns: argmax / argmin of S - ln A
  std::vector<std::size_t> r2_off, r2_supp;   ///< off-support argmax of S / support argmin of S
};

/// Rigorous enclosures of ln A_ij for every support entry (aligned with the
/// target's CSR order), by log_enclosure.
std::vector<Enclosure> log_target_enclosures(const Target& A);

/// Theorem 2's entry test, exactly: with \f$g = |(RR^\top)_{lj} - [l = j]|\f$ as an
/// exact rational and \f$\tau_u = (\varepsilon/2)/(k(\ln(1/\gamma) + \varepsilon) + (k-1)\rho)\f$
/// in MPFI at rising precision (it is transcendental, so never equal to g),
/// returns -1 when \f$g \le \tau_u\f$, +1 when \f$g > \tau_u\f$, 0 if max_precision_bits
/// did not separate them; *deviation receives g rounded outward.
int compare_coherence_entry(const Matrix& R, std::size_t l, std::size_t j, std::size_t k, double rho, double eps,
                            double gamma, unsigned max_precision_bits, Enclosure* deviation);

/// Exact scores for one instance: rows of Q = X W_Q and K = X W_K as exact
/// dyadic rationals (computed lazily), and their exact dot products.
class ExactScores {
 public:
  ExactScores(const Matrix& X, const Weights& W_Q, const Weights& W_K, bool scaled);
  ~ExactScores();
  ExactScores(const ExactScores&) = delete;
  ExactScores& operator=(const ExactScores&) = delete;

  /// Decides row i exactly for the conditions the filter left open, at
  /// rising interval precision up to limits.max_precision_bits, spending at
  /// most `budget` multiply-adds (the count used is added to *spent).
  /// candidates: empty optional means "every column".
  RowOutcome decide_row(const Target& A, std::size_t i, const RowOutcome& filtered,
                        const std::optional<RowCandidates>& candidates, double eps, double gamma,
                        const CertificationLimits& limits, std::uint64_t budget, std::uint64_t* spent,
                        unsigned* precision_used, std::string* reason);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace jlattn::detail
