// Checks how the walkthrough prints numbers (src/jlattn/explain/tex_numbers.hpp):
// significant digits, zero unsigned, exponents as TeX powers of ten,
// infinities as \infty, and enclosures rounded outward (each printed end
// compared, as an exact decimal, with the double it bounds). Expected
// strings are written by hand.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <boost/multiprecision/cpp_dec_float.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "jlattn/explain/tex_numbers.hpp"

namespace jlattn::walkthrough {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(TexNumbers, NumRoundsToSignificantDigitsAndPrintsZeroUnsigned) {
  EXPECT_EQ(num(0.0), "0");
  EXPECT_EQ(num(-0.0), "0");
  EXPECT_EQ(num(1.23456789), "1.23457");
  EXPECT_EQ(num(1.23456789, 4), "1.235");
  EXPECT_EQ(num(-2.5), "-2.5");
  EXPECT_EQ(num(1.5e-7), "1.5e-07");
  EXPECT_EQ(num(123456789.0), "1.23457e+08");
}

TEST(TexNumbers, ExponentsBecomePowersOfTen) {
  EXPECT_EQ(tex_of("1.5e-07"), "1.5 \\cdot 10^{-7}");
  EXPECT_EQ(tex_of("2e+10"), "2 \\cdot 10^{10}");
  EXPECT_EQ(tex_of("-3.25e+100"), "-3.25 \\cdot 10^{100}");
  EXPECT_EQ(tex_of("0.000123"), "0.000123");
  EXPECT_EQ(tex(1.5e-7), "1.5 \\cdot 10^{-7}");
  EXPECT_EQ(tex(0.5), "0.5");
  EXPECT_EQ(tex(-0.0), "0");
  EXPECT_EQ(tex(kInf), "\\infty");
  EXPECT_EQ(tex(-kInf), "-\\infty");
}

TEST(TexNumbers, DirectedEndsAreOnTheirSide) {
  EXPECT_EQ(tex_directed(1.0 / 3.0, true), "0.333333334");
  EXPECT_EQ(tex_directed(1.0 / 3.0, false), "0.333333333");
  EXPECT_EQ(tex_directed(-1.0 / 3.0, true), "-0.333333333");
  EXPECT_EQ(tex_directed(-1.0 / 3.0, false), "-0.333333334");
  EXPECT_EQ(tex_directed(0.25, true), "0.25");  // exact: no widening
  EXPECT_EQ(tex_directed(0.0, false), "0");
  EXPECT_EQ(tex_directed(-0.0, true), "0");
  EXPECT_EQ(tex_directed(2.0 / 3.0 * 1e-9, true), "6.66666667 \\cdot 10^{-10}");
  EXPECT_EQ(tex_directed(kInf, true), "\\infty");
  EXPECT_EQ(tex_directed(-kInf, false), "-\\infty");
}

TEST(TexNumbers, EnclosuresPrintOutward) {
  EXPECT_EQ(tex_enclosure({1.0 / 3.0, 2.0 / 3.0}), "[0.333333333, 0.666666667]");
  EXPECT_EQ(tex_enclosure({0.1, kInf}), "[0.1, \\infty]");
  EXPECT_EQ(tex_enclosure({-kInf, 0.0}), "[-\\infty, 0]");
}

TEST(TexNumbers, CellsChecksAndIntegers) {
  EXPECT_EQ(cell(kInf), "$\\infty$");
  EXPECT_EQ(cell(-kInf), "$-\\infty$");
  EXPECT_EQ(cell(1.5e-7), "1.5e-07");  // a plain cell, not TeX
  EXPECT_EQ(cell(0.123456789, 4), "0.1235");
  EXPECT_EQ(integer(0), "0");
  EXPECT_EQ(integer(10919), "10919");
  EXPECT_EQ(check_mark(true), "✓");
  EXPECT_EQ(check_mark(false), "✗");
}

// The printed ends, read back as exact decimals, bound the double on their
// side. x = m 2^e with |m| < 2^53 and -100 <= e < 40 has at most 86
// significant decimal digits, so cpp_dec_float_100 holds it exactly.
RC_GTEST_PROP(TexNumbers, DirectedEndsBoundTheDouble, ()) {
  using Decimal = boost::multiprecision::cpp_dec_float_100;
  const auto m = *rc::gen::inRange<std::int64_t>(-(std::int64_t{1} << 53) + 1, std::int64_t{1} << 53);
  const int e = *rc::gen::inRange(-100, 40);
  const double x = std::ldexp(static_cast<double>(m), e);
  const auto exact = [](std::string printed) {
    const auto at = printed.find(" \\cdot 10^{");
    if (at != std::string::npos) printed = printed.substr(0, at) + "e" + printed.substr(at + 11, printed.size() - at - 12);
    return Decimal(printed);
  };
  RC_ASSERT(exact(tex_directed(x, true)) >= Decimal(x));
  RC_ASSERT(exact(tex_directed(x, false)) <= Decimal(x));
}

}  // namespace
}  // namespace jlattn::walkthrough
