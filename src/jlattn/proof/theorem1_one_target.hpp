/// \file theorem1_one_target.hpp
/// \brief Theorem 1 (one target, one draw): the dimension d* at which the
/// construction of Lemmas 1-4 works for a given target with probability
/// at least 1 - delta over an ideal random R.
///
/// Proof page: proofs/theorem1-one-target.md
#pragma once

#include <cstddef>
#include <cstdint>

namespace jlattn {

/// \f$\tau = \eta/\beta\f$ (always < 1/2 since \f$\beta \ge \Delta > 2\eta\f$).
/// \pre eta \f$> 0\f$; beta \f$> 2\eta\f$.
/// Guarantee: evaluation (double precision).
/// Proof page: proofs/theorem1-one-target.md
double tau_theorem1(double eta, double beta);

/// \f[ d^*(L,\tau,\delta) = \left\lceil \frac{2\ln(4L^2/\delta)}{\tau^2/2 - \tau^3/3} \right\rceil. \f]
/// \pre L \f$\ge 2\f$; tau in (0, 1); delta in (0, 1).
/// \throws InputError when the value exceeds 2^53 (no exact double integer).
/// Guarantee: evaluation in double precision, which can be off by one from
///   rounding next to an integer; the rigorous value is `jlattn bound`'s.
/// Proof page: proofs/theorem1-one-target.md
std::uint64_t d_star_theorem1(std::size_t L, double tau, double delta);

}  // namespace jlattn
