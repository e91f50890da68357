/// \file definition2_approximation.hpp
/// \brief Definition 2 ((eps, gamma)-approximation), *evaluated* in double
/// precision from a score matrix. This is a measurement, not a certificate:
/// the rigorous verdict is the certifier's (docs/contract.md).
///
/// Proof page: proofs/definition2-approximation.md
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>

#include "jlattn/proof/definition1_target.hpp"
#include "jlattn/core/matrix.hpp"

namespace jlattn {

/// Which condition of Definition 2 a witness violates.
enum class Condition {
  R1,  ///< ratio error on the support exceeds eps
  R2   ///< an off-support entry exceeds gamma times a support entry
};

/// "R1" or "R2".
std::string to_string(Condition condition);

/// A triple \f$(i, j, j')\f$, \f$j' \in \mathrm{supp}_i\f$, at which a condition
/// of Definition 2 fails, with the amount by which it fails.
struct Witness {
  std::size_t i = 0;
  std::size_t j = 0;
  std::size_t j_prime = 0;
  Condition condition = Condition::R1;
  /// R1: \f$|\ln(M_{ij}/M_{ij'}) - \ln(A_{ij}/A_{ij'})| - \varepsilon\f$;
  /// R2: \f$\ln(M_{ij}/M_{ij'}) - \ln\gamma\f$. Positive means violated.
  double excess = 0.0;
};

/// Per-row quantities of Definition 2 for one row \f$i\f$:
/// \f[ \varepsilon_i = \max_{j\in\mathrm{supp}_i}(\ln M_{ij} - \ln A_{ij})
///                   - \min_{j\in\mathrm{supp}_i}(\ln M_{ij} - \ln A_{ij}), \f]
/// \f[ \ell\gamma_i = \max_{j\notin\mathrm{supp}_i}\ln M_{ij}
///                  - \min_{j'\in\mathrm{supp}_i}\ln M_{ij'} \f]
/// (\f$-\infty\f$ when the support is the whole row), with the arg-max/arg-min
/// columns that realise them.
struct RowApproximation {
  double eps_i = 0.0;
  double log_gamma_i = 0.0;
  std::size_t r1_j = 0, r1_j_prime = 0;  ///< argmax / argmin of ln M - ln A on the support
  std::size_t r2_j = 0, r2_j_prime = 0;  ///< argmax off the support / argmin on it
};

/// Evaluates row \f$i\f$ of Definition 2 from \f$\ln M_{i\cdot}\f$ up to an additive
/// constant: with \f$M = \mathrm{softmax}_{\rm rows}(S)\f$, pass the score row
/// \f$S_{i\cdot}\f$ (the softmax denominator cancels in every ratio).
/// \pre log_M_row.size() has to be A.L(); i has to be in [0, L); entries finite.
/// Guarantee: evaluation (double precision; \f$\ln A_{ij}\f$ by std::log).
/// Proof page: proofs/definition2-approximation.md
RowApproximation evaluate_row(std::span<const double> log_M_row, const Target& A, std::size_t i);

/// The achieved pair and verdict of Definition 2 over all rows:
/// \f$\hat\varepsilon = \max_i \varepsilon_i\f$, \f$\hat\gamma = \exp(\max_i \ell\gamma_i)\f$.
struct ApproximationEvaluation {
  double eps = 0.0;    ///< the requested eps
  double gamma = 0.0;  ///< the requested gamma
  double eps_hat = 0.0;
  double log_gamma_hat = 0.0;  ///< \f$\max_i \ell\gamma_i\f$ (\f$-\infty\f$ if every row is full)
  double gamma_hat = 0.0;      ///< \f$\exp(\max_i \ell\gamma_i)\f$
  std::size_t worst_row_eps = 0;
  std::size_t worst_row_gamma = 0;
  std::size_t rows = 0;  ///< rows evaluated
  bool r1_holds = true;  ///< \f$\hat\varepsilon \le \varepsilon\f$
  bool r2_holds = true;  ///< \f$\ln\hat\gamma \le \ln\gamma\f$
  /// First failing condition at the worst row (R1 before R2), when one fails.
  std::optional<Witness> witness;
  /// Both R1 and R2 hold in this evaluation.
  bool approximates() const { return r1_holds && r2_holds; }
};

/// Accumulates rows (in any order) into an ApproximationEvaluation, so a
/// caller can stream score rows without ever storing the L x L matrix.
/// \pre eps has to be in (0, inf); gamma has to be in (0, 1).
class ApproximationAccumulator {
 public:
  ApproximationAccumulator(double eps, double gamma);
  /// Adds the evaluation of row i.
  void add(std::size_t i, const RowApproximation& row);
  /// Merges another accumulator (rows must be disjoint); the result does not
  /// depend on the order of add/merge calls.
  void merge(const ApproximationAccumulator& other);
  /// The evaluation of every row added so far.
  ApproximationEvaluation result() const;

 private:
  double eps_, gamma_;
  double eps_hat_ = 0.0;
  double log_gamma_hat_;
  std::size_t worst_eps_ = 0, worst_gamma_ = 0, rows_ = 0;
  RowApproximation worst_eps_row_{}, worst_gamma_row_{};
};

/// Evaluates Definition 2 for \f$M = \mathrm{softmax}_{\rm rows}(S)\f$ against A.
/// \pre S has to be A.L() x A.L() with finite entries; eps in (0, inf);
///      gamma in (0, 1).
/// Guarantee: evaluation (double precision), not a certificate.
/// Proof page: proofs/definition2-approximation.md
ApproximationEvaluation evaluate_approximation(const Matrix& S, const Target& A, double eps, double gamma);

}  // namespace jlattn
