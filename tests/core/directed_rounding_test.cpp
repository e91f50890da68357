// Tests for src/jlattn/core/directed_rounding.hpp: up() and down() are
// std::nextafter toward +-infinity bit for bit (the oracle is libm's
// nextafter, which IEEE 754 specifies exactly), on every special value and
// on random bit patterns.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "jlattn/core/directed_rounding.hpp"

namespace {

using jlattn::detail::down;
using jlattn::detail::up;

void expect_nextafter(double x) {
  const double inf = std::numeric_limits<double>::infinity();
  const double u = up(x), d = down(x), nu = std::nextafter(x, inf), nd = std::nextafter(x, -inf);
  if (std::isnan(x)) {
    EXPECT_TRUE(std::isnan(u));
    EXPECT_TRUE(std::isnan(d));
    return;
  }
  EXPECT_EQ(std::bit_cast<std::uint64_t>(u), std::bit_cast<std::uint64_t>(nu)) << std::hexfloat << x;
  EXPECT_EQ(std::bit_cast<std::uint64_t>(d), std::bit_cast<std::uint64_t>(nd)) << std::hexfloat << x;
}

TEST(DirectedRounding, UpAndDownAreNextafterOnSpecialValues) {
  using limits = std::numeric_limits<double>;
  const std::vector<double> values = {0.0,          -0.0,          limits::denorm_min(), -limits::denorm_min(),
                                      2 * limits::denorm_min(),   limits::min(),        -limits::min(),
                                      limits::min() - limits::denorm_min(),               1.0,
                                      -1.0,         0x1.fffffffffffffp-1,               limits::max(),
                                      -limits::max(), limits::infinity(),               -limits::infinity(),
                                      limits::quiet_NaN(), 0x1p-1022,   -0x1p-1022,       3.5};
  for (const double x : values) expect_nextafter(x);
  EXPECT_EQ(up(limits::max()), limits::infinity());
  EXPECT_EQ(down(-limits::max()), -limits::infinity());
  EXPECT_TRUE(std::signbit(up(-limits::denorm_min())));  // -2^-1074 goes up to -0, as nextafter
}

TEST(DirectedRounding, UpAndDownAreNextafterOnRandomBitPatterns) {
  std::mt19937_64 random(20261205);
  for (int n = 0; n < 1000000; ++n) expect_nextafter(std::bit_cast<double>(random()));
}

}  // namespace
