// Exact oracles for the tests: rational arithmetic (Boost.Multiprecision
// over GMP) on the doubles the program emits, which are exact binary
// rationals, and the rigorous rounding-error bound of a dot product.
#pragma once

#include <boost/multiprecision/gmp.hpp>

#include <cmath>
#include <cstddef>
#include <vector>

#include "jlattn/core/matrix.hpp"

namespace jlattn::testing {

using Rational = boost::multiprecision::mpq_rational;

/// A dense matrix of exact rationals, row-major.
struct RationalMatrix {
  std::size_t rows = 0, cols = 0;
  std::vector<Rational> v;
  Rational& operator()(std::size_t i, std::size_t j) { return v[i * cols + j]; }
  const Rational& operator()(std::size_t i, std::size_t j) const { return v[i * cols + j]; }
};

/// The exact value of every entry of a double matrix.
inline RationalMatrix to_rational(const Matrix& M) {
  RationalMatrix R{static_cast<std::size_t>(M.rows()), static_cast<std::size_t>(M.cols()), {}};
  R.v.reserve(R.rows * R.cols);
  for (Eigen::Index i = 0; i < M.rows(); ++i)
    for (Eigen::Index j = 0; j < M.cols(); ++j) R.v.emplace_back(M(i, j));
  return R;
}

/// Exact product of rational matrices.
inline RationalMatrix multiply(const RationalMatrix& A, const RationalMatrix& B) {
  RationalMatrix C{A.rows, B.cols, std::vector<Rational>(A.rows * B.cols)};
  for (std::size_t i = 0; i < A.rows; ++i)
    for (std::size_t l = 0; l < A.cols; ++l) {
      if (A(i, l) == 0) continue;
      for (std::size_t j = 0; j < B.cols; ++j) C(i, j) += A(i, l) * B(l, j);
    }
  return C;
}

/// Exact transpose.
inline RationalMatrix transpose(const RationalMatrix& A) {
  RationalMatrix T{A.cols, A.rows, std::vector<Rational>(A.v.size())};
  for (std::size_t i = 0; i < A.rows; ++i)
    for (std::size_t j = 0; j < A.cols; ++j) T(j, i) = A(i, j);
  return T;
}

/// Rigorous bound on |fl(x.y) - x.y| for a length-m dot product in any
/// summation order, with or without FMA (proofs/certificate.md, Step 1):
/// g_m sum|x_l||y_l| + m 2^-1074, g_m = m u / (1 - m u), u = 2^-53.
/// Returned as an exact rational so the comparison itself does not round.
inline Rational dot_error_bound(std::size_t m, const Rational& abs_dot) {
  const Rational u = Rational(1) / Rational(boost::multiprecision::mpz_int(1) << 53);
  const Rational mu = Rational(static_cast<unsigned long>(m)) * u;
  const Rational g = mu / (Rational(1) - mu);
  const Rational underflow = Rational(static_cast<unsigned long>(m)) /
                             Rational(boost::multiprecision::mpz_int(1) << 1074);
  return Rational(g * abs_dot + underflow);
}

}  // namespace jlattn::testing
