#include "jlattn/explain/tex_numbers.hpp"

#include <cmath>

#include "jlattn/core/format.hpp"

namespace jlattn::walkthrough {

namespace {

std::string tex_infinity(double x) { return x < 0 ? "-\\infty" : "\\infty"; }

}  // namespace

std::string num(double x, int digits) { return x == 0 ? "0" : format_digits(x, digits); }

std::string tex_of(const std::string& printed) {
  const auto e = printed.find('e');
  if (e == std::string::npos) return printed;
  const int exponent = std::stoi(printed.substr(e + 1));
  return printed.substr(0, e) + " \\cdot 10^{" + std::to_string(exponent) + "}";
}

std::string tex(double x, int digits) {
  if (std::isinf(x)) return tex_infinity(x);
  return tex_of(num(x, digits));
}

std::string tex_directed(double x, bool up, int digits) {
  if (std::isinf(x)) return tex_infinity(x);
  if (x == 0) return "0";
  return tex_of(up ? format_upper(x, digits) : format_lower(x, digits));
}

std::string tex_enclosure(Enclosure e) {
  std::string s = "[";  // built by appending: GCC 12 warns (-Wrestrict, falsely) on "[" + std::string here
  s += tex_directed(e.lower, false);
  s += ", ";
  s += tex_directed(e.upper, true);
  return s + "]";
}

std::string cell(double x, int digits) {
  if (std::isinf(x)) return x < 0 ? "$-\\infty$" : "$\\infty$";
  return num(x, digits);
}

std::string integer(std::size_t n) { return std::to_string(n); }

std::string check_mark(bool ok) { return ok ? "✓" : "✗"; }

}  // namespace jlattn::walkthrough
