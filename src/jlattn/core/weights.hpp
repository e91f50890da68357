/// \file weights.hpp
/// \brief The attention parameters W_Q, W_K (m x d) as the certifier sees
/// them: a dense matrix, or a 0/1 column selector stored as one row index per
/// column. Lemma 4's parameters are selectors of size 2d x d; stored densely
/// they take 16 d^2 bytes (4 GB at d = 16000), so they are never materialised.
///
/// Proof page: proofs/lemma4-adaptive-input.md
#pragma once

#include <cstddef>
#include <vector>

#include "jlattn/core/matrix.hpp"

namespace jlattn {

/// An m x d parameter matrix: dense, or a selector (column c is the unit
/// vector \f$e_{r_c}\f$, so \f$(X W)_{\cdot c} = X_{\cdot r_c}\f$ exactly).
class Weights {
 public:
  /// Keeps W, recognising a selector (every column one entry 1.0, the rest
  /// 0.0) so that products with it are exact gathers.
  static Weights from_matrix(Matrix W);
  /// The selector with column c = \f$e_{\text{rows}[c]}\f$.
  /// \pre every entry of rows has to be in [0, m).
  static Weights selector(std::size_t m, std::vector<std::size_t> rows);
  /// Lemma 4's \f$W_Q = [I_d; 0]\f$ (2d x d). \pre d \f$\ge 1\f$.
  static Weights lemma4_query(std::size_t d);
  /// Lemma 4's \f$W_K = [0; I_d]\f$ (2d x d). \pre d \f$\ge 1\f$.
  static Weights lemma4_key(std::size_t d);

  /// m.
  Eigen::Index rows() const { return rows_; }
  /// d.
  Eigen::Index cols() const { return cols_; }
  /// Whether this is a 0/1 column selector.
  bool is_selector() const { return dense_.size() == 0 && cols_ > 0; }
  /// For a selector: the row chosen by each column.
  const std::vector<std::size_t>& selected_rows() const { return selected_; }
  /// For a selector whose columns pick consecutive rows offset, offset+1, ...
  /// (Lemma 4's W_Q and W_K): that offset, so X W is a block of X's columns
  /// and needs no copy. -1 otherwise.
  Eigen::Index contiguous_offset() const;
  /// For a dense matrix: the matrix.
  const Matrix& dense() const { return dense_; }
  /// The matrix, materialised (use for small d only).
  Matrix to_dense() const;
  /// All entries finite (selectors always are).
  bool all_finite() const { return is_selector() || jlattn::all_finite(dense_); }

 private:
  Eigen::Index rows_ = 0, cols_ = 0;
  Matrix dense_;
  std::vector<std::size_t> selected_;
};

}  // namespace jlattn
