#include "jlattn/proof/lemma4_adaptive_input.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "jlattn/core/errors.hpp"
#include "jlattn/core/huge_pages.hpp"

namespace jlattn {

namespace {

// Rows of S per block: about 4 Mi doubles (32 MiB) of scores at a time.
std::size_t score_block_rows(std::size_t L) {
  return std::clamp<std::size_t>((std::size_t{1} << 22) / std::max<std::size_t>(L, 1), 1, std::max<std::size_t>(L, 1));
}

}  // namespace

Matrix adaptive_input(const LogTransform& B, const Matrix& R) {
  const Target& A = *B.A;
  const auto L = static_cast<Eigen::Index>(A.L());
  const Eigen::Index d = R.cols();
  if (R.rows() != L || d < 1)
    throw InputError("Lemma 4 needs R with L = " + std::to_string(L) + " rows and d >= 1 columns, got " +
                     std::to_string(R.rows()) + " x " + std::to_string(d));
  Matrix X(L, 2 * d);
  advise_huge_pages(X);
  // Right block: X W_K = R.
  X.rightCols(d) = R;
  // Left block: X W_Q = B R, row i being the sum of B_ij R_j. over j in
  // supp_i; the fixed order (increasing j, one rounding per operation) makes
  // the bits independent of platform and thread count.
#pragma omp parallel for schedule(static)
  for (Eigen::Index i = 0; i < L; ++i) {
    const auto supp = A.support(static_cast<std::size_t>(i));
    const auto b = B.row(static_cast<std::size_t>(i));
    double* out = X.data() + i * 2 * d;
    std::fill(out, out + d, 0.0);
    for (std::size_t n = 0; n < supp.size(); ++n) {
      const double* r = R.data() + static_cast<Eigen::Index>(supp[n]) * d;
      const double b_ij = b[n];
      for (Eigen::Index c = 0; c < d; ++c) out[c] += b_ij * r[c];
    }
  }
  return X;
}

Matrix query_weights(std::size_t d) {
  if (d < 1) throw InputError("W_Q needs d >= 1");
  const auto n = static_cast<Eigen::Index>(d);
  Matrix W = Matrix::Zero(2 * n, n);
  W.topRows(n).setIdentity();
  return W;
}

Matrix key_weights(std::size_t d) {
  if (d < 1) throw InputError("W_K needs d >= 1");
  const auto n = static_cast<Eigen::Index>(d);
  Matrix W = Matrix::Zero(2 * n, n);
  W.bottomRows(n).setIdentity();
  return W;
}

MatrixView lemma4_queries(const Matrix& X) {
  if (X.cols() < 2 || X.cols() % 2 != 0) throw InputError("Lemma 4 input must have 2d columns, got " + std::to_string(X.cols()));
  return X.leftCols(X.cols() / 2);
}

MatrixView lemma4_keys(const Matrix& X) {
  if (X.cols() < 2 || X.cols() % 2 != 0) throw InputError("Lemma 4 input must have 2d columns, got " + std::to_string(X.cols()));
  return X.rightCols(X.cols() / 2);
}

Matrix scores(const Matrix& X, const Matrix& W_Q, const Matrix& W_K, double scale) {
  if (X.cols() != W_Q.rows() || X.cols() != W_K.rows() || W_Q.cols() != W_K.cols())
    throw InputError("shape mismatch: X is " + std::to_string(X.rows()) + " x " + std::to_string(X.cols()) +
                     ", W_Q " + std::to_string(W_Q.rows()) + " x " + std::to_string(W_Q.cols()) + ", W_K " +
                     std::to_string(W_K.rows()) + " x " + std::to_string(W_K.cols()));
  const Matrix Q = X * W_Q;
  const Matrix K = X * W_K;
  Matrix S = Q * K.transpose();
  if (scale != 1.0) S *= scale;
  return S;
}

void for_each_score_row(const MatrixView& Q, const MatrixView& K, double scale, std::size_t block_rows,
                        const std::function<void(std::size_t, std::span<const double>)>& visit) {
  if (Q.rows() != K.rows() || Q.cols() != K.cols() || block_rows < 1)
    throw InputError("queries and keys must have the same shape");
  const Eigen::Index L = Q.rows();
  const auto block = static_cast<Eigen::Index>(block_rows);
  Matrix S_block;
  for (Eigen::Index i0 = 0; i0 < L; i0 += block) {
    const Eigen::Index n = std::min(block, L - i0);
    S_block.noalias() = Q.middleRows(i0, n) * K.transpose();
    if (scale != 1.0) S_block *= scale;
    for (Eigen::Index r = 0; r < n; ++r)
      visit(static_cast<std::size_t>(i0 + r), std::span<const double>(S_block.data() + r * L, static_cast<std::size_t>(L)));
  }
}

ApproximationEvaluation evaluate_attention(const MatrixView& Q, const MatrixView& K, const Target& A, double eps,
                                           double gamma, double scale) {
  if (Q.rows() != static_cast<Eigen::Index>(A.L()))
    throw InputError("queries have " + std::to_string(Q.rows()) + " rows, target has L = " + std::to_string(A.L()));
  ApproximationAccumulator acc(eps, gamma);
  // Definition 2 row by row: the softmax denominator cancels, so each score row
  // stands for ln M_i. up to a constant.
  for_each_score_row(Q, K, scale, score_block_rows(A.L()), [&](std::size_t i, std::span<const double> row) {
    acc.add(i, evaluate_row(row, A, i));
  });
  return acc.result();
}

std::vector<double> input_row_norms(const MatrixView& X) {
  std::vector<double> norms(static_cast<std::size_t>(X.rows()));
  for (Eigen::Index i = 0; i < X.rows(); ++i) {
    double sum = 0.0;
    for (Eigen::Index c = 0; c < X.cols(); ++c) sum += X(i, c) * X(i, c);
    norms[static_cast<std::size_t>(i)] = std::sqrt(sum);
  }
  return norms;
}

double row_score_error(std::span<const double> row, const LogTransform& B, std::size_t i) {
  // |S_ij - B_ij|: B_ij = 0 off the support, B's value on it.
  const auto supp = B.A->support(i);
  const auto b = B.row(i);
  double worst = 0.0;
  std::size_t next = 0;
  for (std::size_t j = 0; j < row.size(); ++j) {
    double B_ij = 0.0;
    if (next < supp.size() && supp[next] == j) B_ij = b[next++];
    worst = std::max(worst, std::abs(row[j] - B_ij));
  }
  return worst;
}

double max_score_error(const MatrixView& Q, const MatrixView& K, const LogTransform& B) {
  double worst = 0.0;
  for_each_score_row(Q, K, 1.0, score_block_rows(B.A->L()), [&](std::size_t i, std::span<const double> row) {
    worst = std::max(worst, row_score_error(row, B, i));
  });
  return worst;
}

ApproximationEvaluation evaluate_attention_and_score_error(const MatrixView& Q, const MatrixView& K,
                                                          const LogTransform& B, double eps, double gamma,
                                                          double* max_score_error, const StopRequest& stop) {
  const Target& A = *B.A;
  if (Q.rows() != static_cast<Eigen::Index>(A.L()))
    throw InputError("queries have " + std::to_string(Q.rows()) + " rows, target has L = " + std::to_string(A.L()));
  ApproximationAccumulator acc(eps, gamma);
  double worst = 0.0;
  for_each_score_row(Q, K, 1.0, score_block_rows(A.L()), [&](std::size_t i, std::span<const double> row) {
    stop_point(stop);
    acc.add(i, evaluate_row(row, A, i));
    worst = std::max(worst, row_score_error(row, B, i));
  });
  *max_score_error = worst;
  return acc.result();
}

}  // namespace jlattn
