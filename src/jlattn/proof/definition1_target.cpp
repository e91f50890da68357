#include "jlattn/proof/definition1_target.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "jlattn/core/errors.hpp"
#include "jlattn/core/reproducible_random.hpp"

namespace jlattn {

namespace {

std::string position(std::size_t row, std::size_t col) {
  // Messages speak 1-based, like the Matrix Market files users write.
  return "(" + std::to_string(row + 1) + ", " + std::to_string(col + 1) + ")";
}

}  // namespace

double log_ratio(double num, double den) {
  const double q = num / den;
  // The quotient is rounded once and then logged; when it leaves the normal
  // range (weights near 1e+-300) the difference of logarithms is used instead.
  // portable_log, not std::log: B, and hence the emitted X, must be the same
  // bits whatever the C library (docs/reproducibility.md).
  if (q >= std::numeric_limits<double>::min() && q <= std::numeric_limits<double>::max()) return portable_log(q);
  return portable_log(num) - portable_log(den);
}

Target Target::from_entries(std::size_t L, std::vector<TargetEntry> entries) {
  if (L < 2) throw InputError("target must have L >= 2 tokens, got L = " + std::to_string(L));
  if (L >= (std::size_t{1} << 31)) throw InputError("target size L = " + std::to_string(L) + " is too large (L < 2^31)");
  for (const TargetEntry& e : entries) {
    if (e.row >= L || e.col >= L)
      throw InputError("target entry " + position(e.row, e.col) + " is outside 1.." + std::to_string(L));
    if (!std::isfinite(e.value)) throw InputError("target entry " + position(e.row, e.col) + " is not finite");
    if (e.value < 0) throw InputError("target entry " + position(e.row, e.col) + " is negative");
  }
  std::sort(entries.begin(), entries.end(), [](const TargetEntry& a, const TargetEntry& b) {
    return a.row != b.row ? a.row < b.row : a.col < b.col;
  });
  for (std::size_t n = 1; n < entries.size(); ++n)
    if (entries[n].row == entries[n - 1].row && entries[n].col == entries[n - 1].col)
      throw InputError("target entry " + position(entries[n].row, entries[n].col) + " is given twice");

  Target A;
  A.L_ = L;
  A.row_start_.assign(L + 1, 0);
  A.column_count_.assign(L, 0);
  for (const TargetEntry& e : entries) {
    if (e.value == 0.0) continue;  // Definition 1: only positive entries form the support
    A.col_.push_back(e.col);
    A.value_.push_back(e.value);
    ++A.row_start_[e.row + 1];
    ++A.column_count_[e.col];
  }
  for (std::size_t i = 0; i < L; ++i) A.row_start_[i + 1] += A.row_start_[i];

  for (std::size_t i = 0; i < L; ++i) {
    if (A.k_i(i) == 0) throw InputError("target row " + std::to_string(i + 1) + " has no positive entry");
    A.k_ = std::max(A.k_, A.k_i(i));
    const auto w = A.weights(i);
    const auto [lo, hi] = std::minmax_element(w.begin(), w.end());
    // rho: the largest within-row log-ratio of the support's weights.
    A.rho_ = std::max(A.rho_, log_ratio(*hi, *lo));
  }
  return A;
}

Target Target::from_dense(const Matrix& A) {
  if (A.rows() != A.cols())
    throw InputError("target must be square, got " + std::to_string(A.rows()) + " x " + std::to_string(A.cols()));
  std::vector<TargetEntry> entries;
  for (Eigen::Index i = 0; i < A.rows(); ++i)
    for (Eigen::Index j = 0; j < A.cols(); ++j)
      if (A(i, j) != 0.0)  // NaN compares unequal too, so from_entries rejects it
        entries.push_back({static_cast<std::size_t>(i), static_cast<std::size_t>(j), A(i, j)});
  return from_entries(static_cast<std::size_t>(A.rows()), std::move(entries));
}

std::span<const std::size_t> Target::support(std::size_t i) const {
  return {col_.data() + row_start_[i], k_i(i)};
}

std::span<const double> Target::weights(std::size_t i) const {
  return {value_.data() + row_start_[i], k_i(i)};
}

bool Target::in_support(std::size_t i, std::size_t j) const {
  const auto s = support(i);
  return std::binary_search(s.begin(), s.end(), j);
}

double Target::value(std::size_t i, std::size_t j) const {
  const auto s = support(i);
  const auto it = std::lower_bound(s.begin(), s.end(), j);
  if (it == s.end() || *it != j) return 0.0;
  return weights(i)[static_cast<std::size_t>(it - s.begin())];
}

std::size_t Target::max_column_count() const {
  return *std::max_element(column_count_.begin(), column_count_.end());
}

Matrix Target::dense() const {
  Matrix A = Matrix::Zero(static_cast<Eigen::Index>(L_), static_cast<Eigen::Index>(L_));
  for (std::size_t i = 0; i < L_; ++i) {
    const auto s = support(i);
    const auto w = weights(i);
    for (std::size_t n = 0; n < s.size(); ++n) A(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(s[n])) = w[n];
  }
  return A;
}

}  // namespace jlattn
