/// \file corollary0_leakage.hpp
/// \brief Corollary 0: what an (eps, gamma)-approximation means for the
/// attention mass that leaks off the support (total-variation reading).
///
/// Proof page: proofs/corollary0-leakage.md
#pragma once

#include <cstddef>

namespace jlattn {

/// Upper bound on the off-support share of a row of a row-stochastic M that
/// (eps, gamma)-approximates A:
/// \f[ \text{share}_i \le \frac{x}{1+x}, \qquad x = \frac{(L-k_i)\,\gamma}{k_i}. \f]
/// \pre L has to be \f$\ge 2\f$; k_i in [1, L]; gamma finite and \f$\ge 0\f$ (the bound
///      holds for any such gamma; it is informative for gamma < 1).
/// Guarantee: evaluation (double precision).
/// Proof page: proofs/corollary0-leakage.md
double leakage_share_upper(std::size_t L, std::size_t k_i, double gamma);

/// The largest gamma whose off-support share bound is at most lambda:
/// \f[ \gamma \le \frac{\lambda\,k_i}{(1-\lambda)(L-k_i)} \f]
/// (\f$+\infty\f$ when \f$k_i = L\f$: nothing is off the support).
/// \pre L \f$\ge 2\f$; k_i in [1, L]; lambda in (0, 1).
/// Guarantee: evaluation (double precision).
/// Proof page: proofs/corollary0-leakage.md
double gamma_for_leakage_upper(std::size_t L, std::size_t k_i, double lambda);

}  // namespace jlattn
