// Constants and bit access of IEEE-754 binary64 (double) shared by the tests'
// rounding-error bounds.
#pragma once

#include <bit>
#include <cstdint>
#include <limits>

namespace jlattn::testing {

/// Unit roundoff of binary64, u = 2^-53: every rounding bound in the tests is
/// a multiple of it.
inline constexpr double kU = 0x1p-53;
inline constexpr double kInf = std::numeric_limits<double>::infinity();
inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// The 64 bits of a double, for comparisons "bit for bit" (which tell -0.0
/// from +0.0 and compare NaNs by payload).
inline std::uint64_t bits(double x) { return std::bit_cast<std::uint64_t>(x); }

}  // namespace jlattn::testing
