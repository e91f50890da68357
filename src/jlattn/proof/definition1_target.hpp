/// \file definition1_target.hpp
/// \brief Definition 1 (target): a non-negative L x L matrix with a nonzero in
/// every row, its supports, row sparsity and dynamic range.
///
/// Proof page: proofs/definition1-target.md
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "jlattn/core/matrix.hpp"

namespace jlattn {

/// \f$\ln(\mathrm{num}/\mathrm{den})\f$ for positive finite doubles, without
/// overflow: the logarithm of the rounded quotient when that is a normal
/// double, else \f$\ln \mathrm{num} - \ln \mathrm{den}\f$.
/// \pre num, den have to be finite and \f$> 0\f$.
/// Guarantee: evaluation (double precision, portable_log: the same bits on
/// every platform in scope of docs/reproducibility.md).
double log_ratio(double num, double den);

/// One stored entry of a target, 0-based.
struct TargetEntry {
  std::size_t row;
  std::size_t col;
  double value;
};

/// A target in the sense of Definition 1, stored row by row (CSR) with only
/// its positive entries: row \f$i\f$ holds \f$\mathrm{supp}_i = \{j : A_{ij} > 0\}\f$
/// in increasing column order.
///
/// Definition 1: \f$A \in \mathbb{R}^{L\times L}\f$, \f$A_{ij} \ge 0\f$, every row
/// has a nonzero; \f$k_i = |\mathrm{supp}_i|\f$, \f$k = \max_i k_i\f$,
/// \f[ \rho = \max_i \max_{j,j' \in \mathrm{supp}_i} \ln(A_{ij}/A_{ij'}). \f]
///
/// Invariant (checked by the factories): \f$L \ge 2\f$, every stored value is
/// finite and \f$> 0\f$, every row has at least one, no duplicate positions.
///
/// Guarantee: exact (the stored values are the user's doubles, untouched);
/// rho() is an evaluation in double precision (docs/contract.md).
/// Proof page: proofs/definition1-target.md
class Target {
 public:
  /// Builds a target from coordinate entries.
  /// \pre L has to be in [2, 2^31); every row and col has to be in [0, L);
  ///      every value has to be finite and \f$\ge 0\f$ (explicit zeros are
  ///      allowed and are not part of the support); no position twice;
  ///      every row needs a positive entry.
  /// \throws InputError naming the first violated precondition.
  static Target from_entries(std::size_t L, std::vector<TargetEntry> entries);

  /// Builds a target from a dense square matrix (same preconditions).
  static Target from_dense(const Matrix& A);

  /// Number of tokens \f$L\f$.
  std::size_t L() const { return L_; }
  /// Number of positive entries.
  std::size_t nnz() const { return col_.size(); }
  /// \f$\mathrm{supp}_i\f$, increasing.  \pre i has to be in [0, L).
  std::span<const std::size_t> support(std::size_t i) const;
  /// \f$A_{ij}\f$ for \f$j \in \mathrm{supp}_i\f$, aligned with support(i).
  std::span<const double> weights(std::size_t i) const;
  /// \f$A_{ij}\f$ (0 off the support).
  double value(std::size_t i, std::size_t j) const;
  /// \f$j \in \mathrm{supp}_i\f$.
  bool in_support(std::size_t i, std::size_t j) const;
  /// Position of row i's first entry in the row-by-row (CSR) order of the
  /// support, so per-entry data of another matrix with A's pattern (B of
  /// Lemma 1) can be stored aligned with A.
  std::size_t row_offset(std::size_t i) const { return row_start_[i]; }
  /// \f$k_i = |\mathrm{supp}_i|\f$.
  std::size_t k_i(std::size_t i) const { return row_start_[i + 1] - row_start_[i]; }
  /// Row sparsity \f$k = \max_i k_i\f$.
  std::size_t k() const { return k_; }
  /// Number of rows whose support contains column j (reported, not required:
  /// a dense "global token" column is allowed).
  std::size_t column_count(std::size_t j) const { return column_count_[j]; }
  /// Largest column count.
  std::size_t max_column_count() const;
  /// Dynamic range \f$\rho\f$ (0 when every row's nonzeros are equal),
  /// evaluated as \f$\max_i \ln(\max_j A_{ij} / \min_j A_{ij})\f$ in double.
  double rho() const { return rho_; }
  /// Dense copy (for small L, tests and explanations).
  Matrix dense() const;

 private:
  Target() = default;
  std::size_t L_ = 0;
  std::size_t k_ = 0;
  double rho_ = 0.0;
  std::vector<std::size_t> row_start_;
  std::vector<std::size_t> col_;
  std::vector<double> value_;
  std::vector<std::size_t> column_count_;
};

}  // namespace jlattn
