#include "jlattn/proof/lemma1_log_transform.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "jlattn/core/errors.hpp"
#include "jlattn/core/format.hpp"

namespace jlattn {

std::span<const double> LogTransform::row(std::size_t i) const {
  return {b.data() + A->row_offset(i), A->k_i(i)};
}

double LogTransform::row_norm2(std::size_t i) const {
  double sum = 0.0;
  for (double v : row(i)) sum += v * v;
  return std::sqrt(sum);
}

double LogTransform::row_norm1(std::size_t i) const {
  double sum = 0.0;
  for (double v : row(i)) sum += v;  // B >= 0 (Lemma 1: support entries lie in [Delta, Delta + rho])
  return sum;
}

Matrix LogTransform::dense() const {
  const auto L = static_cast<Eigen::Index>(A->L());
  Matrix B = Matrix::Zero(L, L);
  for (std::size_t i = 0; i < A->L(); ++i) {
    const auto s = A->support(i);
    const auto v = row(i);
    for (std::size_t n = 0; n < s.size(); ++n) B(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(s[n])) = v[n];
  }
  return B;
}

LogTransform log_transform(const Target& A, double gap_Delta) {
  if (!(gap_Delta > 0) || !std::isfinite(gap_Delta))
    throw InputError("Lemma 1 needs a finite gap Delta > 0, got " + format_shortest(gap_Delta));
  LogTransform B;
  B.A = &A;
  B.gap_Delta = gap_Delta;
  B.b.reserve(A.nnz());
  for (std::size_t i = 0; i < A.L(); ++i) {
    const auto w = A.weights(i);
    // a_i: the row's smallest support weight, mapped to exactly Delta.
    const double a_i = *std::min_element(w.begin(), w.end());
    for (double A_ij : w) B.b.push_back(gap_Delta + (A_ij == a_i ? 0.0 : log_ratio(A_ij, a_i)));
  }
  return B;
}

double beta_sharp(std::size_t k_i, double gap_Delta, double rho) {
  if (k_i < 1 || !(gap_Delta > 0) || !(rho >= 0))
    throw InputError("beta_sharp needs k_i >= 1, Delta > 0, rho >= 0");
  // k_i = 1: b_i = (Delta), rho drops out. Returned directly: the formula would
  // give 0 * inf = NaN for rho >= ~1e154, and sqrt(Delta^2) != Delta when
  // Delta^2 under- or overflows.
  if (k_i == 1) return gap_Delta;
  // The smallest entry of b_i is Delta, the other k_i - 1 are at most Delta + rho.
  const double top = gap_Delta + rho;
  return std::sqrt(gap_Delta * gap_Delta + static_cast<double>(k_i - 1) * top * top);
}

double l1_norm_upper(std::size_t k_i, double gap_Delta, double rho) {
  if (k_i < 1 || !(gap_Delta > 0) || !(rho >= 0))
    throw InputError("l1_norm_upper needs k_i >= 1, Delta > 0, rho >= 0");
  if (k_i == 1) return gap_Delta;  // rho drops out (0 * inf would be NaN for rho = inf)
  return static_cast<double>(k_i) * gap_Delta + static_cast<double>(k_i - 1) * rho;
}

}  // namespace jlattn
