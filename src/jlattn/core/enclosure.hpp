/// \file enclosure.hpp
/// \brief The one interval type of the library: a closed interval of doubles
/// that contains an exact real value ("enclosure", docs/contract.md), with
/// the few operations the certifier and the rigorous bounds need. Every
/// bound the library proves about a real number is returned as an Enclosure.
///
/// The arithmetic here is that of directed_rounding.hpp (round to nearest,
/// then one ulp outward), so it carries the same precondition: the
/// floating-point environment that floating_point_environment_problem()
/// accepts. The elementary functions are MPFR's, rounded in the outward
/// direction, and need no rounding mode; but under denormals-are-zero MPFR
/// reads a subnormal argument as 0, which is why the certifier works in
/// the reference environment (certificate_filter.hpp).
///
/// Proof page: proofs/certificate.md
#pragma once

#include "jlattn/core/directed_rounding.hpp"

namespace jlattn {

/// A closed interval \f$[\ell, u]\f$ of doubles. As a guarantee ("enclosure",
/// docs/contract.md) it contains the exact real value named by the function
/// or field that holds it; the endpoints are rounded outward. An endpoint
/// may be infinite where only a one-sided bound is known.
struct Enclosure {
  double lower = 0.0;
  double upper = 0.0;

  /// \f$[x, x]\f$: a double is its own exact value.
  static constexpr Enclosure point(double x) { return {x, x}; }
  /// Whether \f$\ell \le x \le u\f$.
  constexpr bool contains(double x) const { return lower <= x && x <= upper; }
  /// An upper bound on \f$u - \ell\f$.
  double width() const { return detail::sub_up(upper, lower); }
};

/// Encloses \f$x - y\f$ for every \f$x \in a\f$, \f$y \in b\f$:
/// \f$[\ell_a - u_b, u_a - \ell_b]\f$, rounded outward.
/// \pre the environment of directed_rounding.hpp.
/// Guarantee: enclosure.
inline Enclosure operator-(Enclosure a, Enclosure b) {
  return {detail::sub_down(a.lower, b.upper), detail::sub_up(a.upper, b.lower)};
}

/// Encloses \f$\max(x, y)\f$ for every \f$x \in a\f$, \f$y \in b\f$ (the maximum is
/// non-decreasing in both arguments, so the endpoints are the maxima of the
/// endpoints; no rounding).
/// Guarantee: enclosure.
constexpr Enclosure max(Enclosure a, Enclosure b) {
  return {a.lower < b.lower ? b.lower : a.lower, a.upper < b.upper ? b.upper : a.upper};
}

/// Encloses \f$\ln x\f$: MPFR's correctly rounded logarithm in both directions.
/// \pre x has to be finite and \f$> 0\f$.
/// Guarantee: enclosure.
Enclosure log_enclosure(double x);

/// Encloses \f$\exp(t)\f$ for every \f$t \in x\f$ (\f$\exp(-\infty) = 0\f$): MPFR's
/// correctly rounded exponential, downward at the lower end and upward at
/// the upper end.
/// \pre no endpoint is NaN.
/// Guarantee: enclosure.
Enclosure exp_enclosure(Enclosure x);

}  // namespace jlattn
