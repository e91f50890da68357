/// \file lemma1_log_transform.hpp
/// \brief Lemma 1 (log transform): B with exp(B) a row-rescaled copy of A,
/// every support entry at least the gap Delta above every off-support entry.
///
/// Proof page: proofs/lemma1-log-transform.md
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "jlattn/proof/definition1_target.hpp"
#include "jlattn/core/matrix.hpp"

namespace jlattn {

/// The matrix \f$B\f$ of Lemma 1, sparse with the pattern of A:
/// \f[ B_{ij} = \Delta + \ln(A_{ij}/a_i) \ (j \in \mathrm{supp}_i), \qquad
///     B_{ij} = 0 \ \text{otherwise}, \qquad a_i = \min_{j\in\mathrm{supp}_i} A_{ij}. \f]
/// Row i's values are aligned with A.support(i); the smallest is exactly
/// Delta (the logarithm of 1 is 0 in floating point).
struct LogTransform {
  const Target* A = nullptr;  ///< the target whose pattern B shares (not owned)
  double gap_Delta = 0.0;
  std::vector<double> b;      ///< CSR values, aligned with A's supports

  /// \f$B_{ij}\f$ for \f$j \in \mathrm{supp}_i\f$, aligned with A->support(i).
  std::span<const double> row(std::size_t i) const;
  /// \f$\|b_i\|_2\f$ in double.
  double row_norm2(std::size_t i) const;
  /// \f$\|b_i\|_1\f$ in double.
  double row_norm1(std::size_t i) const;
  /// Dense copy of B.
  Matrix dense() const;
};

/// Computes B of Lemma 1.
/// \pre gap_Delta has to be finite and \f$> 0\f$; A outlives the result.
/// Guarantee: each \f$B_{ij}\f$ is \f$\Delta + \ln(A_{ij}/a_i)\f$ with the quotient,
///   logarithm (portable_log, within 4 ulp) and sum each rounded; the row minimum is
///   exactly \f$\Delta\f$ (evaluation; see proofs for the identities it keeps).
/// Proof page: proofs/lemma1-log-transform.md
LogTransform log_transform(const Target& A, double gap_Delta);

/// \f$\beta_\sharp(k_i) = \sqrt{\Delta^2 + (k_i - 1)(\Delta + \rho)^2}\f$, the
/// upper bound on \f$\|b_i\|_2\f$ of Lemma 1.
/// \pre k_i \f$\ge 1\f$; gap_Delta \f$> 0\f$; rho \f$\ge 0\f$.
/// Guarantee: evaluation (double precision).
/// Proof page: proofs/lemma1-log-transform.md
double beta_sharp(std::size_t k_i, double gap_Delta, double rho);

/// \f$k_i\Delta + (k_i - 1)\rho\f$, the upper bound on \f$\|b_i\|_1\f$ of Lemma 1.
/// \pre as beta_sharp.
/// Guarantee: evaluation (double precision).
/// Proof page: proofs/lemma1-log-transform.md
double l1_norm_upper(std::size_t k_i, double gap_Delta, double rho);

}  // namespace jlattn
