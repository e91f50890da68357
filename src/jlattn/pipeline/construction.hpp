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

#include "jlattn/proof/definition1_target.hpp"
#include "jlattn/proof/definition2_approximation.hpp"
#include "jlattn/proof/lemma2_score_error.hpp"
#include "jlattn/proof/lemma3_jl_projection.hpp"
#include "jlattn/core/matrix.hpp"

namespace jlattn {

/// How d is chosen.
enum class DimensionRule {
  theorem1,  ///< d = a proved bound for the target's class (k, rho), chosen by BoundChoice
  given,     ///< d given by the caller
  trivial    ///< the baseline d = L with R = I_L, X = [B | I], S = B exactly
};

/// Which proved dimension DimensionRule::theorem1 uses (`construct --bound`),
/// each evaluated rigorously by rigorous_bounds (proofs/rigorous-bounds.md).
enum class BoundChoice {
  smallest,      ///< the smallest bound of Theorems 1, 1' and 2 valid for the projection (default)
  d_star,        ///< Theorem 1's d* (all three projections)
  d_star_exact,  ///< Theorem 1's exact-tail d*_exact (Gaussian only)
  d_pair,        ///< Theorem 1' d_pair (Gaussian only)
  d_polar        ///< Theorem 1' d_polar (all three projections)
};

/// "auto", "dstar", "exact", "pair" or "polar".
std::string to_string(BoundChoice choice);
/// Inverse of to_string. \throws InputError naming the unknown value and the allowed ones.
BoundChoice parse_bound_choice(const std::string& name);

/// The inputs of one construction.
struct ConstructionRequest {
  double eps = 1.0;          ///< has to be in (0, inf)
  double gamma = 0.1;        ///< has to be in (0, 1)
  double delta = 0.05;       ///< has to be in (0, 1)
  std::uint64_t seed = 2106037642;
  Projection projection = Projection::gaussian;
  DimensionRule rule = DimensionRule::theorem1;
  BoundChoice bound = BoundChoice::smallest;  ///< used when rule == theorem1
  std::size_t d = 0;         ///< used when rule == given; has to be in [1, 2^32)
  unsigned threads = 0;      ///< 0: OpenMP default; the output does not depend on it
  std::size_t max_memory_bytes = 0;  ///< the memory limit (`--max-memory`); 0: what /proc/meminfo reports available
  /// The caller certifies X next (`construct`, `demo`): the memory check
  /// counts the larger of the construction and the certification
  /// (construct_and_certify_memory_bytes in memory_guard.hpp).
  bool include_certification_memory = false;
  /// Theorem 2's use (`construct --uniform`): a projection R (L x d) fixed in
  /// advance and shared by many targets, used instead of drawing one; d is
  /// R's column count and the dimension rule is ignored. Not owned.
  const Matrix* given_projection = nullptr;
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
  // The proved dimension of rule theorem1 (empty name otherwise)
  std::string bound_name;           ///< to_string(BoundName) of the bound that gave d, e.g. "d_pair"
  std::string bound_label;          ///< its printed label, e.g. "d_pair"
  std::string bound_theorem;        ///< "Theorem 1", "Theorem 1'" or "Theorem 2"
  double rho_upper = 0.0;           ///< the rigorous upper bound on rho the bound used (target_range_upper)
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
/// Under DimensionRule::theorem1, d is the bound request.bound of
/// rigorous_bounds for the class (L, k, target_range_upper(A)) and
/// (eps, gamma, delta): a proved integer (by default the smallest valid for
/// the projection).
/// \pre A a Definition 1 target; request's ranges as documented on its fields.
/// \throws InputError naming a bad parameter, when the chosen bound is not
///   proved for the projection (d*_exact and d_pair need Gaussian R), or when
///   the matrices for the chosen d would not fit in memory (the message gives the figure).
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
