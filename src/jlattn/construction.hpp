/// \file construction.hpp
/// \brief The whole constructive proof as one call: (A, eps, gamma, delta,
/// seed, projection, d) -> (X, W_Q, W_K, report), composing Lemma 2
/// (budget), Lemma 1 (B), Lemma 3 (R), Lemma 4 (X) at the dimension of
/// Theorem 1, then evaluating Definition 2 on the result.
///
/// Proof page: proofs/theorem1-one-target.md
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "jlattn/definition1_target.hpp"
#include "jlattn/definition2_approximation.hpp"
#include "jlattn/lemma2_score_error.hpp"
#include "jlattn/lemma3_jl_projection.hpp"
#include "jlattn/matrix.hpp"

namespace jlattn {

/// How d is chosen.
enum class DimensionRule {
  theorem1,  ///< d = d* of Theorem 1 for the target's class (k, rho)
  given,     ///< d given by the caller
  trivial    ///< the baseline d = L with R = I_L, X = [B | I], S = B exactly
};

/// The inputs of one construction.
struct ConstructionRequest {
  double eps = 1.0;          ///< has to be in (0, inf)
  double gamma = 0.1;        ///< has to be in (0, 1)
  double delta = 0.05;       ///< has to be in (0, 1)
  std::uint64_t seed = 2106037642;
  Projection projection = Projection::gaussian;
  DimensionRule rule = DimensionRule::theorem1;
  std::size_t d = 0;         ///< used when rule == given; has to be in [1, 2^32)
  unsigned threads = 0;      ///< 0: OpenMP default; the output does not depend on it
  std::size_t max_memory_bytes = 0;  ///< 0: what /proc/meminfo reports available
};

/// Everything the construction derived, in the order of the proof.
struct Construction {
  ConstructionRequest request;
  // Definition 1
  std::size_t L = 0, k = 0, max_column_count = 0;
  double rho = 0.0;
  // Lemma 2
  ScoreErrorBudget budget;
  // Lemma 1
  double beta_sharp_class = 0.0;    ///< beta_sharp with k_i = k (what d* uses)
  double beta_instance = 0.0;       ///< max_i ||b_i||_2 of this target
  double l1_upper_class = 0.0;      ///< k Delta + (k-1) rho
  // Theorems 1 and 2
  double tau = 0.0;                 ///< eta / beta_sharp_class
  double tau_u = 0.0;               ///< eta / (k Delta + (k-1) rho)
  std::uint64_t d_star = 0;         ///< Theorem 1 (double-precision evaluation)
  std::uint64_t d_star_u = 0;       ///< Theorem 2 (double-precision evaluation)
  // Lemma 3 / Lemma 4
  std::size_t d = 0;                ///< the dimension used
  bool trivial = false;             ///< the d = L baseline (R = I)
  Matrix X;                         ///< L x 2d; W_Q, W_K are query_weights(d), key_weights(d)
  std::vector<double> input_row_norms;
  double max_score_error = 0.0;     ///< max |S - B| (Lemma 2 wants <= eta)
  // Definition 2 and Corollary 0
  ApproximationEvaluation evaluation;
  double leakage_share_upper = 0.0; ///< max over rows of Corollary 0 at gamma_hat
};

/// Bytes the construction will hold at its peak for (L, d): X (L x 2d),
/// R (L x d) and one score block. Used to refuse before allocating.
std::size_t construction_memory_bytes(std::size_t L, std::size_t d);

/// Bytes of memory available now (MemAvailable of /proc/meminfo; 0 if unknown).
std::size_t available_memory_bytes();

/// Runs the construction of Lemmas 1-4 on A and evaluates Definition 2.
/// \pre A a Definition 1 target; request's ranges as documented on its fields.
/// \throws InputError naming a bad parameter, or when the matrices for the
///   chosen d would not fit in memory (the message gives the figure).
/// Guarantee: X is the same bits for the same (A, request) on every platform
///   in scope; `evaluation` is a double-precision evaluation, not a certificate.
/// Proof page: proofs/theorem1-one-target.md
Construction construct(const Target& A, const ConstructionRequest& request);

/// The built-in example of `jlattn demo`: L tokens, a local window of width 3
/// (j in {i-1, i, i+1}), one global token (column 0, attended to by every
/// row), integer weights in {1, 2, 3, 4} drawn with Philox from `seed`, and
/// A_00 = 1, A_01 = 4 so that rho = ln 4 exactly.
/// \pre L has to be \f$\ge 3\f$.
Target window_global_target(std::size_t L, std::uint64_t seed);

}  // namespace jlattn
