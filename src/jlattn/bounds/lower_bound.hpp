/// \file lower_bound.hpp
/// \brief The lower bound \f$d_{\rm lower}\f$ (proofs/lower-bound.md): for any
/// input and any parameters whose queries and keys are bounded in norm, R2 on
/// a permutation pattern forces the keys apart, and a packing argument bounds
/// the dimension from below. And the norm budget that Lemma 4's construction
/// keeps, so the two can be compared.
///
/// Proof page: proofs/lower-bound.md
#pragma once

#include <cstdint>
#include <string>

#include "jlattn/bounds/rigorous_bounds.hpp"

namespace jlattn {

/// \f$d_{\rm lower}(L, \gamma, N) = \max(\lceil\ln L/\ln(1 + 2N/\ln(1/\gamma))\rceil, 2\ \text{if}\ L \ge 3)\f$,
/// or `infeasible` when \f$N < \ln(1/\gamma)\sqrt{(L-1)/(2L)}\f$ (no dimension works).
/// Every X, W_Q, W_K whose queries and keys satisfy \f$\max_i\lVert q_i\rVert\max_j\lVert k_j\rVert \le N\f$
/// and whose attention satisfies R2 for a permutation target have d at least this.
/// \pre L >= 2; gamma in (0, 1); norm_product finite and > 0.
/// \throws InputError otherwise.
/// Guarantee: enclosure (the integer is the ceiling of an enclosure, decided
///   at rising precision; if it stays undecided the smaller candidate is
///   returned, which is still a valid lower bound).
/// Proof page: proofs/lower-bound.md
DimensionLowerBound packing_lower_bound(std::uint64_t L, double gamma, double norm_product);

/// \f$d_{\rm lower}\f$ at the norms of given matrices (`construct`, `certify`):
/// packing_lower_bound() at \f$N\f$ = `norm_product_upper`, an upper bound on
/// (largest query norm) x (largest key norm), with `source` recording where
/// it comes from. Any \f$N' \ge N\f$ is a budget too, so a zero product is
/// raised to the smallest positive double; a negative, infinite or NaN one
/// leaves the bound not computed (`method` says so).
/// \pre L >= 2; gamma in (0, 1).
/// \throws InputError otherwise.
/// Guarantee: enclosure (as packing_lower_bound: a proved lower bound on d for
///   every input and parameters within the budget, for a permutation pattern
///   of L tokens, which every class (L, k, rho) contains).
/// Proof page: proofs/lower-bound.md
DimensionLowerBound packing_lower_bound_at_norms(std::uint64_t L, double gamma, double norm_product_upper,
                                                 const std::string& source);

/// Lemma 4's norm budget at dimension d (proofs/lower-bound.md, item 5): the
/// smallest \f$\tau\f$ on a fine grid with \f$2L\exp(-\frac d2(\tau - \ln(1+\tau))) \le \delta_N\f$
/// proved, and the query, key and product bounds it gives for rows of norm
/// at most the enclosure `beta`.
/// \pre L >= 2; d >= 1; beta.lower > 0, beta finite; delta_N in (0, 1).
/// \throws InputError otherwise.
/// Guarantee: enclosure (the budget holds with probability >= 1 - delta_N for a Gaussian R).
/// Proof page: proofs/lower-bound.md
NormBudget lemma4_norm_budget(std::uint64_t L, Enclosure beta, std::uint64_t d, double delta_N);

}  // namespace jlattn
