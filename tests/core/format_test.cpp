// The one formatter of doubles (src/jlattn/core/format.hpp): format_digits
// against the C library's %g, format_shortest reading back bit for bit, and
// the directed forms against exact rational comparison and MPFR's own
// directed output (two independent oracles), over every kind of double.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <mpfr.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include "jlattn/core/decimal.hpp"
#include "jlattn/core/format.hpp"
#include "support/binary64.hpp"
#include "support/decimals.hpp"

namespace {

using jlattn::format_digits;
using jlattn::format_lower;
using jlattn::format_shortest;
using jlattn::format_upper;
using jlattn::testing::bits;
using jlattn::testing::exact_decimal;
using jlattn::testing::Rational;

std::string printf_g(double x, int digits) {
  char buffer[512];
  std::snprintf(buffer, sizeof buffer, "%.*g", digits, x);
  return buffer;
}

/// MPFR's formatted output rounded toward +inf (up) or -inf: an
/// implementation of directed decimal rounding independent of jlattn's.
std::string mpfr_directed(double x, bool up, int digits) {
  mpfr_t m;
  mpfr_init2(m, 53);
  mpfr_set_d(m, x, MPFR_RNDN);  // exact: 53 bits hold any double, subnormals included
  char buffer[512];
  mpfr_snprintf(buffer, sizeof buffer, up ? "%.*RUg" : "%.*RDg", digits, m);
  mpfr_clear(m);
  return buffer;
}

/// Significant digits of a decimal in %g layout.
int significant_digits(const std::string& text) {
  std::string mantissa = text.substr(0, text.find('e'));
  std::string digits;
  for (const char c : mantissa)
    if (c >= '0' && c <= '9') digits += c;
  const auto first = digits.find_first_not_of('0');
  if (first == std::string::npos) return 1;
  const auto last = digits.find_last_not_of('0');
  return static_cast<int>(last - first + 1);
}

/// Every kind of finite double: arbitrary bit patterns (all binades,
/// subnormals, both signs), values with few decimal digits, small dyadic
/// fractions (exact decimals of 10 to 20 digits), and the extremes.
rc::Gen<double> gen_any_double() {
  return rc::gen::oneOf(
      rc::gen::map(rc::gen::resize(rc::kNominalSize, rc::gen::inRange<std::uint64_t>(0, 0x7ff0000000000000ULL)),
                   [](std::uint64_t pattern) { return std::bit_cast<double>(pattern); }),
      rc::gen::map(rc::gen::resize(rc::kNominalSize, rc::gen::inRange<std::uint64_t>(0x8000000000000000ULL,
                                                                                     0xfff0000000000000ULL)),
                   [](std::uint64_t pattern) { return std::bit_cast<double>(pattern); }),
      rc::gen::map(rc::gen::pair(rc::gen::inRange(-99999, 100000), rc::gen::inRange(-8, 9)),
                   [](std::pair<int, int> p) { return p.first * std::pow(10.0, p.second); }),
      rc::gen::map(rc::gen::pair(rc::gen::inRange(-5000, 5000), rc::gen::inRange(0, 40)),
                   [](std::pair<int, int> p) { return std::ldexp(p.first, -p.second); }),
      rc::gen::element(0.0, -0.0, 0x1p-1074, -0x1p-1074, 0x1p-1022, std::numeric_limits<double>::max(),
                       -std::numeric_limits<double>::max(), 1.0, 0.1, 1.001953125, 9.999999999999999e22));
}

RC_GTEST_PROP(Format, DigitsIsTheCLibrarysPercentG, ()) {
  const double x = *gen_any_double();
  const int digits = *rc::gen::inRange(1, 26);
  RC_ASSERT(format_digits(x, digits) == printf_g(x, digits));
}

RC_GTEST_PROP(Format, FixedIsTheCLibrarysPercentF, ()) {
  const double x = *gen_any_double();
  const int decimals = *rc::gen::inRange(0, 21);
  char buffer[512];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, x);
  RC_ASSERT(jlattn::format_fixed(x, decimals) == std::string(buffer));
}

RC_GTEST_PROP(Format, ShortestReadsBackBitForBit, ()) {
  const double x = *gen_any_double();
  const std::string text = format_shortest(x);
  const jlattn::RealReading r = jlattn::read_real(text);
  RC_ASSERT(r.problem == jlattn::NumberProblem::none);
  RC_ASSERT(bits(r.value) == bits(x));
  RC_ASSERT(bits(std::strtod(text.c_str(), nullptr)) == bits(x));  // the C library agrees
  // In scientific layout its digits are the fewest that read back. (A large
  // integer-valued double may print in fixed layout with all its exact
  // digits, when that takes fewer characters.)
  if (text.find('e') != std::string::npos && significant_digits(text) > 1) {
    RC_ASSERT(std::strtod(printf_g(x, significant_digits(text) - 1).c_str(), nullptr) != x);
  }
}

// The direction by exact comparison, the digit count, and tightness (the
// same text as MPFR's directed rounding, which is the closest such decimal).
RC_GTEST_PROP(Format, UpperAndLowerAreTheClosestDecimalsOnTheirSide, ()) {
  const double x = *gen_any_double();
  const int digits = *rc::gen::inRange(1, 26);
  const std::string upper = format_upper(x, digits), lower = format_lower(x, digits);
  RC_ASSERT(exact_decimal(upper) >= Rational(x));
  RC_ASSERT(exact_decimal(lower) <= Rational(x));
  RC_ASSERT(significant_digits(upper) <= digits);
  RC_ASSERT(significant_digits(lower) <= digits);
  if (x != 0) {
    RC_ASSERT(upper == mpfr_directed(x, true, digits));
    RC_ASSERT(lower == mpfr_directed(x, false, digits));
  }
  // A double with at most `digits` significant digits prints exactly.
  if (exact_decimal(format_digits(x, digits)) == Rational(x)) {
    RC_ASSERT(upper == lower);
  }
}

TEST(Format, KnownCases) {
  EXPECT_EQ(format_upper(0.1, 3), "0.101");  // 0.1 is 0.1000000000000000055...
  EXPECT_EQ(format_lower(0.1, 3), "0.1");
  EXPECT_EQ(format_upper(1.001953125, 9), "1.00195313");  // exact in 10 digits
  EXPECT_EQ(format_lower(1.001953125, 9), "1.00195312");
  EXPECT_EQ(format_upper(1.001953125, 10), "1.001953125");
  EXPECT_EQ(format_upper(-0.1, 3), "-0.1");
  EXPECT_EQ(format_lower(-0.1, 3), "-0.101");
  EXPECT_EQ(format_upper(9.9999, 2), "10");
  EXPECT_EQ(format_upper(999999.5, 6), "1e+06");
  EXPECT_EQ(format_upper(0x1p-1074, 3), "4.95e-324");
  EXPECT_EQ(format_lower(0x1p-1074, 3), "4.94e-324");
  EXPECT_EQ(format_upper(std::numeric_limits<double>::max(), 3), "1.8e+308");
  EXPECT_EQ(format_upper(0.0, 9), "0");
  EXPECT_EQ(format_lower(-0.0, 9), "-0");
  EXPECT_EQ(format_upper(std::numeric_limits<double>::infinity(), 9), "inf");
  EXPECT_EQ(format_lower(-std::numeric_limits<double>::infinity(), 9), "-inf");
  // The upper end of `jlattn bound --jl-points 1000 --jl-eps 0.1`'s enclosure:
  // printed to nearest (%.17g) it was 5920.9330962704034, below the double.
  const double jl_upper = 5920.933096270403;
  EXPECT_EQ(printf_g(jl_upper, 17), "5920.9330962704034");
  EXPECT_LT(exact_decimal("5920.9330962704034"), Rational(jl_upper));
  EXPECT_EQ(format_upper(jl_upper, 17), "5920.9330962704035");
  EXPECT_EQ(format_shortest(0.1), "0.1");
  EXPECT_EQ(format_shortest(-0.0), "-0");
  EXPECT_EQ(format_shortest(2.5e11), "2.5e+11");
  EXPECT_EQ(format_digits(0.1, 17), "0.10000000000000001");
}

}  // namespace
