/// \file theorem2_all_targets.hpp
/// \brief Theorem 2 (one draw for all targets): d*_u, and the checkable
/// condition mu(R) <= tau_u under which one R serves every target with row
/// sparsity <= k and range <= rho.
///
/// Proof page: proofs/theorem2-all-targets.md
#pragma once

#include <cstddef>
#include <cstdint>

#include "jlattn/core/matrix.hpp"

namespace jlattn {

/// \f$\tau_u = \eta / (k\Delta + (k-1)\rho)\f$.
/// \pre eta \f$> 0\f$; k \f$\ge 1\f$; gap_Delta \f$> 2\eta\f$; rho \f$\ge 0\f$.
/// Guarantee: evaluation (double precision).
/// Proof page: proofs/theorem2-all-targets.md
double tau_u_theorem2(double eta, std::size_t k, double gap_Delta, double rho);

/// \f[ d^*_u(L,\tau_u,\delta) = \left\lceil \frac{2\ln(2L^2/\delta)}{\tau_u^2/2 - \tau_u^3/3} \right\rceil. \f]
/// \pre L \f$\ge 2\f$; tau_u in (0, 1); delta in (0, 1).
/// \throws InputError when the value exceeds 2^53.
/// Guarantee: evaluation in double precision (see d_star_theorem1).
/// Proof page: proofs/theorem2-all-targets.md
std::uint64_t d_star_u_theorem2(std::size_t L, double tau_u, double delta);

/// \f$\mu(R) = \max_{l,j} |(RR^\top - I)_{lj}|\f$.
/// \pre R has at least one row.
/// Guarantee: evaluation (double precision), not a certificate.
/// Proof page: proofs/theorem2-all-targets.md
double coherence_mu(const Matrix& R);

}  // namespace jlattn
