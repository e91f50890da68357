/// \file lemma4_adaptive_input.hpp
/// \brief Lemma 4 (fixed parameters, adaptive input): X = [B R | R] with the
/// fixed selectors W_Q = [I_d; 0], W_K = [0; I_d], so S = B R R^T; and the
/// evaluation of the resulting attention without forming the L x L matrix.
///
/// Proof page: proofs/lemma4-adaptive-input.md
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <vector>

#include "jlattn/core/cancellation.hpp"
#include "jlattn/proof/definition1_target.hpp"
#include "jlattn/proof/definition2_approximation.hpp"
#include "jlattn/proof/lemma1_log_transform.hpp"
#include "jlattn/core/matrix.hpp"

namespace jlattn {

/// The input of Lemma 4, \f$X = [\,B R \mid R\,] \in \mathbb{R}^{L\times 2d}\f$.
/// Only X depends on the target; the parameters depend on d alone.
/// \pre B.A->L() == R.rows(); R.cols() \f$\ge 1\f$.
/// Guarantee: the right block is R bit for bit; entry (i, c) of the left block is
///   \f$\sum_{j\in\mathrm{supp}_i} B_{ij} R_{jc}\f$ summed in increasing j, one rounding
///   per operation, so the same bits on every platform in scope.
/// Proof page: proofs/lemma4-adaptive-input.md
Matrix adaptive_input(const LogTransform& B, const Matrix& R);

/// \f$W_Q = \begin{bmatrix} I_d \\ 0 \end{bmatrix} \in \mathbb{R}^{2d\times d}\f$.
/// \pre d has to be \f$\ge 1\f$. Guarantee: exact.
/// Proof page: proofs/lemma4-adaptive-input.md
Matrix query_weights(std::size_t d);

/// \f$W_K = \begin{bmatrix} 0 \\ I_d \end{bmatrix} \in \mathbb{R}^{2d\times d}\f$.
/// \pre d has to be \f$\ge 1\f$. Guarantee: exact.
/// Proof page: proofs/lemma4-adaptive-input.md
Matrix key_weights(std::size_t d);

/// \f$Q = X W_Q\f$ and \f$K = X W_K\f$ for Lemma 4's selectors: the left and right
/// d-column blocks of X (selecting columns is exact: each dot product has one
/// nonzero term \f$x \cdot 1\f$). The views alias X, which must outlive them.
/// \pre X.cols() has to be 2d.
/// Guarantee: exact.
MatrixView lemma4_queries(const Matrix& X);
/// See lemma4_queries.
MatrixView lemma4_keys(const Matrix& X);

/// Scores \f$S = (X W_Q)(X W_K)^\top\f$ for arbitrary dense parameters, times
/// `scale` (1, or \f$1/\sqrt d\f$ for the scaled convention).
/// \pre X.cols() == W_Q.rows() == W_K.rows(); W_Q.cols() == W_K.cols().
/// Guarantee: evaluation (double precision; summation order is Eigen's).
/// Proof page: proofs/lemma4-adaptive-input.md
Matrix scores(const Matrix& X, const Matrix& W_Q, const Matrix& W_K, double scale = 1.0);

/// Calls visit(i, S_i.) for every row of \f$S = \text{scale}\cdot Q K^\top\f$, computed
/// in blocks of `block_rows` rows: memory O(block_rows * L), never L x L.
/// \pre Q.rows() == K.rows(); Q.cols() == K.cols(); block_rows \f$\ge 1\f$.
/// Guarantee: evaluation (double precision).
void for_each_score_row(const MatrixView& Q, const MatrixView& K, double scale, std::size_t block_rows,
                        const std::function<void(std::size_t, std::span<const double>)>& visit);

/// Definition 2 evaluated for \f$\mathrm{softmax}(\text{scale}\cdot QK^\top)\f$ against A,
/// streamed row block by row block.
/// \pre Q, K have to be A.L() x d.
/// Guarantee: evaluation (double precision), not a certificate.
/// Proof page: proofs/definition2-approximation.md
ApproximationEvaluation evaluate_attention(const MatrixView& Q, const MatrixView& K, const Target& A, double eps,
                                           double gamma, double scale = 1.0);

/// Euclidean norms of the rows of X (Lemma 4 reports them: the construction's
/// norms stay bounded independently of L).
/// Guarantee: evaluation (double precision).
std::vector<double> input_row_norms(const MatrixView& X);

/// \f$\max_{i,j} |S_{ij} - B_{ij}|\f$ for \f$S = QK^\top\f$, the quantity Lemma 2 needs
/// below \f$\eta\f$ (streamed, never L x L).
/// Guarantee: evaluation (double precision).
/// Proof page: proofs/lemma2-score-error.md
double max_score_error(const MatrixView& Q, const MatrixView& K, const LogTransform& B);

/// \f$\max_j |S_{ij} - B_{ij}|\f$ for one score row (the per-row part of max_score_error).
/// \pre row.size() has to be B.A->L(); i in [0, L).
/// Guarantee: evaluation (double precision).
/// Proof page: proofs/lemma2-score-error.md
double row_score_error(std::span<const double> row, const LogTransform& B, std::size_t i);

/// Definition 2's evaluation and Lemma 2's max |S - B| in one streamed pass
/// over the score rows (one product instead of two), polling `stop` once
/// per row (cancellation.hpp).
/// \throws Cancelled when `stop` says stop.
/// Guarantee: evaluation (double precision), not a certificate.
/// Proof page: proofs/definition2-approximation.md
ApproximationEvaluation evaluate_attention_and_score_error(const MatrixView& Q, const MatrixView& K,
                                                          const LogTransform& B, double eps, double gamma,
                                                          double* max_score_error, const StopRequest& stop = {});

}  // namespace jlattn
