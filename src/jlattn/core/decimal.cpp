#include "jlattn/core/decimal.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>

#include "jlattn/core/errors.hpp"

namespace jlattn {

namespace {

constexpr std::size_t kMaxQuotedChars = 40;

/// Tells overflow from underflow for a decimal that from_chars found outside
/// double's range: long double's wider exponent holds most such decimals;
/// beyond it only the exponent's sign is left to tell.
bool is_overflow(std::string_view decimal) noexcept {
  long double wide = 0;
  const auto [end, ec] = std::from_chars(decimal.data(), decimal.data() + decimal.size(), wide);
  if (ec == std::errc{} && end == decimal.data() + decimal.size())
    return std::fabs(wide) > static_cast<long double>(std::numeric_limits<double>::max());
  const auto e = decimal.find_first_of("eE");
  return e == std::string_view::npos || e + 1 >= decimal.size() || decimal[e + 1] != '-';
}

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::string_view describe(NumberProblem problem) {
  switch (problem) {
    case NumberProblem::none: return "";
    case NumberProblem::not_a_number: return "is not a number";
    case NumberProblem::not_an_integer: return "is not a non-negative integer";
    case NumberProblem::overflow: return "overflows double";
    case NumberProblem::underflow: return "underflows to zero in double";
    case NumberProblem::nan: return "is NaN";
    case NumberProblem::infinite: return "is not finite";
    case NumberProblem::too_large: return "is too large";
  }
  return "is not a number";
}

RealReading read_real(std::string_view text) noexcept {
  // One leading '+' is accepted (strtod and scanf accept it; from_chars does
  // not), but not before another sign.
  std::string_view body = text;
  if (body.size() > 1 && body.front() == '+' && body[1] != '+' && body[1] != '-') body.remove_prefix(1);
  double value = 0.0;
  const auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), value, std::chars_format::general);
  if (ec == std::errc::invalid_argument || end != body.data() + body.size()) return {0.0, NumberProblem::not_a_number};
  if (ec == std::errc::result_out_of_range)
    return {0.0, is_overflow(body) ? NumberProblem::overflow : NumberProblem::underflow};
  if (std::isnan(value)) return {0.0, NumberProblem::nan};
  if (std::isinf(value)) return {0.0, NumberProblem::infinite};
  return {value, NumberProblem::none};
}

CountReading read_count(std::string_view text, std::uint64_t max) noexcept {
  if (!all_digits(text)) return {0, NumberProblem::not_an_integer};
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc::result_out_of_range || value > max) return {0, NumberProblem::too_large};
  if (ec != std::errc{} || end != text.data() + text.size()) return {0, NumberProblem::not_an_integer};
  return {value, NumberProblem::none};
}

std::string quoted_for_message(std::string_view text) {
  std::string out = "'";
  for (std::size_t n = 0; n < text.size() && n < kMaxQuotedChars; ++n) {
    const auto byte = static_cast<unsigned char>(text[n]);
    if (byte >= 0x20 && byte < 0x7f) {
      out += static_cast<char>(byte);
    } else {
      constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    }
  }
  if (text.size() > kMaxQuotedChars) out += "...";
  out += "'";
  return out;
}

double parse_real(std::string_view text, std::string_view what) {
  const RealReading r = read_real(text);
  if (r.problem != NumberProblem::none)
    throw InputError(std::string(what) + " " + quoted_for_message(text) + " " + std::string(describe(r.problem)));
  return r.value;
}

std::uint64_t parse_count(std::string_view text, std::string_view what, std::uint64_t max) {
  const CountReading r = read_count(text, max);
  if (r.problem == NumberProblem::too_large)
    throw InputError(std::string(what) + " " + quoted_for_message(text) + " is too large (at most " +
                     std::to_string(max) + ")");
  if (r.problem != NumberProblem::none)
    throw InputError(std::string(what) + " " + quoted_for_message(text) + " " + std::string(describe(r.problem)));
  return r.value;
}

}  // namespace jlattn
