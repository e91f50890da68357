// Decimals for the tests of reading and printing numbers: the exact value of
// a decimal string (a rational), and decimals crafted beside the midpoint of
// two adjacent doubles, where reading into long double and then casting to
// double (two roundings) lands on the wrong double. Nothing here calls
// jlattn: the expected double comes from exact rational arithmetic.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "support/binary64.hpp"
#include "support/exact.hpp"

namespace jlattn::testing {

using Integer = boost::multiprecision::mpz_int;

/// 10^n as an exact rational (n may be negative).
inline Rational power_of_ten(int n) {
  const Integer p = boost::multiprecision::pow(Integer(10), static_cast<unsigned>(n < 0 ? -n : n));
  return n < 0 ? Rational(Integer(1), p) : Rational(p);
}

/// The exact value of a decimal such as "-12.50e-3" (sign, digits with an
/// optional point, optional exponent). A test fails on anything else.
inline Rational exact_decimal(std::string_view text) {
  bool negative = false;
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  Integer digits = 0;
  int scale = 0;  // value = digits * 10^scale
  bool point = false, any = false;
  std::size_t n = 0;
  for (; n < text.size() && text[n] != 'e' && text[n] != 'E'; ++n) {
    if (text[n] == '.' && !point) {
      point = true;
    } else if (text[n] >= '0' && text[n] <= '9') {
      digits = digits * 10 + (text[n] - '0');
      any = true;
      if (point) --scale;
    } else {
      ADD_FAILURE() << "not a decimal: " << text;
      return 0;
    }
  }
  if (!any) ADD_FAILURE() << "not a decimal: " << text;
  if (n < text.size()) scale += std::stoi(std::string(text.substr(n + 1)));
  const Rational value = Rational(digits) * power_of_ten(scale);
  return negative ? Rational(-value) : value;
}

/// A decimal beside the midpoint m of two adjacent positive doubles a < b.
struct CraftedDecimal {
  std::string text;         ///< the decimal (25 significant digits)
  double nearest = 0.0;     ///< its nearest double: b above the midpoint, a below
  double neighbour = 0.0;   ///< the other of a and b
  bool rounds_twice_wrong = false;  ///< strtold-then-cast lands on `neighbour`
};

/// The decimal within a quarter of a long-double ulp of m = (a + b)/2, b =
/// the next double above a, on the side `above` (or below) of m. It lies
/// within half a long-double ulp of m, so strtold returns m exactly (m has 54
/// significant bits), and the cast to double then rounds the tie to the even
/// one of a and b: wrong whenever the nearest one is odd. `fixed` chooses
/// 0.000123... layout over 123...e-28.
/// \pre a > 0 finite and b = nextafter(a, inf) finite.
inline CraftedDecimal crafted_beside_midpoint(double a, bool above, bool fixed = true) {
  const double b = std::nextafter(a, std::numeric_limits<double>::infinity());
  const Rational m = (Rational(a) + Rational(b)) / 2;
  // m lies in a's binade [2^E, 2^(E+1)), where a long double's ulp is 2^(E-63).
  const int E = std::ilogb(a);
  const Rational quarter_ulp_ld =
      E >= 65 ? Rational(Integer(1) << (E - 65)) : Rational(Integer(1), Integer(Integer(1) << (65 - E)));
  const Rational t = above ? Rational(m + quarter_ulp_ld) : Rational(m - quarter_ulp_ld);
  // 25 significant digits: q = floor(log10 t), digits n = round(t 10^(24 - q)).
  int q = static_cast<int>(std::floor(std::log10(a)));
  while (power_of_ten(q) > t) --q;
  while (power_of_ten(q + 1) <= t) ++q;
  const int s = 24 - q;
  const Rational half_up = t * power_of_ten(s) + Rational(1, 2);
  const Integer n = Integer(numerator(half_up) / denominator(half_up));
  const std::string digits = n.str();
  std::string text;
  if (!fixed) {
    text = digits + "e" + std::to_string(-s);
  } else if (s <= 0) {
    text = digits + std::string(static_cast<std::size_t>(-s), '0');
  } else if (digits.size() > static_cast<std::size_t>(s)) {
    text = digits.substr(0, digits.size() - static_cast<std::size_t>(s)) + "." +
           digits.substr(digits.size() - static_cast<std::size_t>(s));
  } else {
    text = "0." + std::string(static_cast<std::size_t>(s) - digits.size(), '0') + digits;
  }
  // The construction checks itself exactly: the decimal is on the chosen side
  // of m and within half a long-double ulp of it.
  const Rational D = exact_decimal(text);
  EXPECT_TRUE(above ? D > m : D < m) << text;
  EXPECT_LT(Rational(abs(Rational(D - m))), Rational(2 * quarter_ulp_ld)) << text;
  CraftedDecimal c;
  c.text = text;
  c.nearest = above ? b : a;
  c.neighbour = above ? a : b;
  c.rounds_twice_wrong = (bits(c.nearest) & 1) == 1;  // the tie goes to the even significand
  return c;
}

/// Crafted decimals for `count` random doubles a in [lo, hi) (a's 52
/// fraction bits random), both sides of each midpoint: 2 count decimals, with
/// a fixed seed so a failure replays.
/// \pre 0 < lo < hi, finite.
inline std::vector<CraftedDecimal> crafted_decimals(double lo, double hi, int count, std::uint64_t seed) {
  std::mt19937_64 random(seed);
  std::vector<CraftedDecimal> out;
  for (int n = 0; n < count; ++n) {
    double a = lo + (hi - lo) * std::ldexp(static_cast<double>(random() >> 11), -53);
    if (std::nextafter(a, hi) >= hi) a = std::nextafter(lo, hi);
    out.push_back(crafted_beside_midpoint(a, true));
    out.push_back(crafted_beside_midpoint(a, false));
  }
  return out;
}

}  // namespace jlattn::testing
