#include "jlattn/core/format.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <string_view>

namespace jlattn {

namespace {

constexpr int kMaxDigits = 80;
// A double's exact decimal expansion has at most 767 significant digits.
constexpr int kExactDigits = 800;

int clamp_digits(int digits) { return std::clamp(digits, 1, kMaxDigits); }

/// A decimal magnitude: digits d0 d1 ... (d0 != 0) times 10^(exponent - n + 1).
struct Decimal {
  std::string digits;
  int exponent = 0;
};

/// The exact decimal expansion of |x|, x finite and nonzero.
Decimal exact_expansion(double x) {
  std::array<char, kExactDigits + 16> buffer{};
  const auto r = std::to_chars(buffer.data(), buffer.data() + buffer.size(), std::fabs(x),
                               std::chars_format::scientific, kExactDigits - 1);
  const std::string_view text(buffer.data(), static_cast<std::size_t>(r.ptr - buffer.data()));
  const std::size_t e = text.find('e');
  Decimal d;
  d.digits.reserve(static_cast<std::size_t>(kExactDigits));
  d.digits += text[0];
  d.digits += text.substr(2, e - 2);  // skip the decimal point
  std::string_view exponent = text.substr(e + 1);
  if (exponent.front() == '+') exponent.remove_prefix(1);
  std::from_chars(exponent.data(), exponent.data() + exponent.size(), d.exponent);
  return d;
}

/// d's first `digits` digits, rounded away from zero (away) or toward zero.
Decimal rounded(Decimal d, std::size_t digits, bool away) {
  const bool inexact =
      d.digits.size() > digits && d.digits.find_first_not_of('0', digits) != std::string::npos;
  d.digits.resize(std::min(d.digits.size(), digits));
  if (away && inexact) {
    std::size_t n = d.digits.size();
    while (n > 0 && d.digits[n - 1] == '9') d.digits[--n] = '0';
    if (n > 0) {
      ++d.digits[n - 1];
    } else {  // 99...9 + 1: one more digit, keep `digits` of them
      d.digits.insert(d.digits.begin(), '1');
      d.digits.pop_back();
      ++d.exponent;
    }
  }
  return d;
}

/// printf's %g layout of d at precision `digits` (d has at most that many).
/// (Built by appending: GCC 12 warns falsely on "literal" + std::string.)
std::string g_layout(Decimal d, int digits) {
  while (d.digits.size() > 1 && d.digits.back() == '0') d.digits.pop_back();
  const int X = d.exponent;
  std::string out;
  if (X < -4 || X >= digits) {
    out.push_back(d.digits[0]);
    if (d.digits.size() > 1) out.append(".").append(d.digits, 1);
    out.append(X < 0 ? "e-" : "e+");
    const int magnitude = X < 0 ? -X : X;
    if (magnitude < 10) out.push_back('0');
    out.append(std::to_string(magnitude));
  } else if (X < 0) {
    out.append("0.").append(static_cast<std::size_t>(-X - 1), '0').append(d.digits);
  } else {
    const auto integer_digits = static_cast<std::size_t>(X + 1);
    if (d.digits.size() <= integer_digits) {
      out.append(d.digits).append(integer_digits - d.digits.size(), '0');
    } else {
      out.append(d.digits, 0, integer_digits).append(".").append(d.digits, integer_digits);
    }
  }
  return out;
}

std::string directed(double x, int digits, bool up) {
  digits = clamp_digits(digits);
  if (!std::isfinite(x) || x == 0) return format_digits(x, digits);
  // Rounding toward +inf moves a positive x away from zero and a negative x
  // toward zero; toward -inf the other way round.
  const bool away = (x > 0) == up;
  const Decimal d = rounded(exact_expansion(x), static_cast<std::size_t>(digits), away);
  std::string out = x < 0 ? "-" : "";
  return out.append(g_layout(d, digits));
}

}  // namespace

std::string format_digits(double x, int digits) {
  std::array<char, kMaxDigits + 32> buffer{};
  const auto r = std::to_chars(buffer.data(), buffer.data() + buffer.size(), x, std::chars_format::general,
                               clamp_digits(digits));
  return std::string(buffer.data(), r.ptr);
}

std::string format_fixed(double x, int decimals) {
  // Up to 309 integer digits, the point and 20 decimals.
  std::array<char, 340> buffer{};
  const auto r = std::to_chars(buffer.data(), buffer.data() + buffer.size(), x, std::chars_format::fixed,
                               std::clamp(decimals, 0, 20));
  return std::string(buffer.data(), r.ptr);
}

std::string format_shortest(double x) {
  std::array<char, 64> buffer{};
  const auto r = std::to_chars(buffer.data(), buffer.data() + buffer.size(), x);
  return std::string(buffer.data(), r.ptr);
}

std::string format_upper(double x, int digits) { return directed(x, digits, true); }
std::string format_lower(double x, int digits) { return directed(x, digits, false); }

}  // namespace jlattn
