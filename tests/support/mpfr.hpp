// The MPFR oracle of the tests: real numbers at >= 200 bits (Boost.Multiprecision
// over MPFR), against which the doubles the code computes are compared within a
// derived rounding bound. Nothing here calls jlattn: the oracle takes the
// user's doubles exactly and evaluates the mathematics directly.
#pragma once

#include <boost/multiprecision/mpfr.hpp>

#include <cmath>
#include <limits>

#include "support/binary64.hpp"

namespace jlattn::testing {

/// The oracle's reals: MPFR with 61 decimal digits (>= 200 bits), expression
/// templates off.
using Real = boost::multiprecision::number<boost::multiprecision::mpfr_float_backend<61>, boost::multiprecision::et_off>;
static_assert(std::numeric_limits<Real>::digits >= 200, "the oracle must carry at least 200 bits");

/// |computed - exact| <= tol, evaluated at >= 200 bits.
inline bool within(double computed, const Real& exact, double tol) {
  return Real(abs(Real(computed) - exact)) <= Real(tol);
}

/// Oracle of Lemma 2's gap as the construction uses it: the smallest double at
/// or above ln(1/gamma) + eps, found from the 200-bit value by rounding to
/// nearest and stepping (right unless the real gap is within 2^-200 relative
/// of a double, which a transcendental number never is exactly).
inline double gap_rounded_up_oracle(double eps, double gamma) {
  const Real gap = Real(Real(eps) - boost::multiprecision::log(Real(gamma)));
  double d = static_cast<double>(gap);
  while (Real(d) < gap) d = std::nextafter(d, std::numeric_limits<double>::infinity());
  while (Real(std::nextafter(d, -std::numeric_limits<double>::infinity())) >= gap)
    d = std::nextafter(d, -std::numeric_limits<double>::infinity());
  return d;
}

/// Oracle of Definition 1's log_ratio (and so of rho and of Lemma 1's B):
/// ln(num/den) at >= 200 bits, with num and den taken exactly.
inline Real exact_log_ratio(double num, double den) { return boost::multiprecision::log(Real(num) / Real(den)); }

/// Rounding bound of the code's log_ratio(num, den) against exact_log_ratio.
/// The logarithm is portable_log, guaranteed within 4 ulp, and 4 ulp <= 8u|x|:
/// * quotient path: q = fl(num/den) = (num/den)(1 + d), |d| <= u, so
///   |ln q - r| <= 1.01u with r = ln(num/den); the logarithm adds <= 8u|ln q|.
///   Bound: u (2 + 9|r|).
/// * fallback path (quotient not a normal double): each logarithm errs by
///   <= 8u|ln x|, the difference is rounded once (<= u|r|(1 + 16u)).
///   Bound: 8u (|ln num| + |ln den|) + 2u|r| + 2u.
inline double log_ratio_tolerance(double num, double den) {
  const double r = std::abs(std::log(num) - std::log(den));
  const double q = num / den;
  if (q >= std::numeric_limits<double>::min() && q <= std::numeric_limits<double>::max()) return kU * (2 + 9 * r);
  return 8 * kU * (std::abs(std::log(num)) + std::abs(std::log(den))) + 2 * kU * r + 2 * kU;
}

}  // namespace jlattn::testing
