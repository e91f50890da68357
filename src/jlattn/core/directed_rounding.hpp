/// \file directed_rounding.hpp
/// \brief Rigorous bounds from round-to-nearest arithmetic: each operation is
/// evaluated to nearest and then moved one unit in the last place outward,
/// which encloses the exact result (the rounding error of one operation is
/// at most half an ulp, and at most 2^-1075 in the subnormal range). Valid
/// only in the environment that floating_point_environment_problem() accepts.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace jlattn::detail {

inline constexpr double kInfinity = std::numeric_limits<double>::infinity();
/// Unit roundoff u = 2^-53 of binary64.
inline constexpr double kUnitRoundoff = 0x1p-53;
/// Smallest positive subnormal, 2^-1074: bounds one product's underflow error.
inline constexpr double kUnderflowUnit = 0x1p-1074;
/// Unit roundoff u32 = 2^-24 of binary32 (the certifier's float32 stage).
inline constexpr double kUnitRoundoff32 = 0x1p-24;
/// Smallest positive binary32 subnormal, 2^-149: bounds one binary32
/// product's underflow error.
inline constexpr double kUnderflowUnit32 = 0x1p-149;
/// Half of it, 2^-150: the error of rounding a double to binary32 below the
/// normal range of binary32.
inline constexpr double kHalfUnderflowUnit32 = 0x1p-150;

/// std::nextafter(x, +infinity), bit for bit, inline: the next double up
/// (a finite nonzero x moves one step of its bit pattern, toward larger
/// magnitude if positive; +-0 goes to 2^-1074; +infinity and NaN stay).
/// The libm call was the largest single cost of the audit's row bounds.
inline double up(double x) {
  if (!(x < kInfinity)) return x;  // +infinity, NaN
  if (x == 0.0) return std::numeric_limits<double>::denorm_min();
  const auto bits = std::bit_cast<std::uint64_t>(x);
  return std::bit_cast<double>(x > 0.0 ? bits + 1 : bits - 1);
}
/// std::nextafter(x, -infinity), bit for bit, inline (the mirror of up()).
inline double down(double x) {
  if (!(x > -kInfinity)) return x;  // -infinity, NaN
  if (x == 0.0) return -std::numeric_limits<double>::denorm_min();
  const auto bits = std::bit_cast<std::uint64_t>(x);
  return std::bit_cast<double>(x > 0.0 ? bits - 1 : bits + 1);
}
inline double add_up(double a, double b) { return up(a + b); }
inline double add_down(double a, double b) { return down(a + b); }
inline double sub_up(double a, double b) { return up(a - b); }
inline double sub_down(double a, double b) { return down(a - b); }
inline double mul_up(double a, double b) { return up(a * b); }
inline double mul_down(double a, double b) { return down(a * b); }
inline double div_up(double a, double b) { return up(a / b); }
inline double div_down(double a, double b) { return down(a / b); }
inline double sqrt_up(double a) { return up(std::sqrt(a)); }

/// An upper bound on \f$\gamma_n = n u / (1 - n u)\f$, the relative error
/// constant of a length-n dot product in any order, with or without FMA
/// (Higham, Accuracy and Stability of Numerical Algorithms, section 3.1).
/// With `unit_roundoff` = kUnitRoundoff32, the same for binary32.
/// \pre n u < 1/2.
inline double gamma_n_upper(double n, double unit_roundoff = kUnitRoundoff) {
  const double nu = mul_up(n, unit_roundoff);
  return div_up(nu, down(1.0 - nu));
}

}  // namespace jlattn::detail
