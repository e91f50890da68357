/// \file tex_numbers.hpp
/// \brief How the walkthrough prints numbers: in text and table cells, in
/// TeX (`1.5 \cdot 10^{-7}`, `\infty`), and enclosures rounded outward.
/// Every digit comes from the one formatter, core/format.hpp; these
/// functions only choose the digits and the notation.
///
/// Infrastructure of the walkthrough, not mathematics: it states no result
/// of the proof.
#pragma once

#include <cstddef>
#include <string>

#include "jlattn/core/enclosure.hpp"

namespace jlattn::walkthrough {

/// x to `digits` significant digits (format_digits), zero as `0` (never `-0`).
/// \pre digits >= 1.
/// Guarantee: exact (x correctly rounded to `digits` digits).
std::string num(double x, int digits = 6);

/// A number printed by num() or core/format.hpp, in TeX: `d.ddde-XX` becomes
/// `d.ddd \cdot 10^{-XX}` (the exponent without leading zeros or `+`); a
/// number without an exponent is returned as it is.
/// \pre printed is the text of a finite number in %g layout.
/// Guarantee: exact (the same decimal).
std::string tex_of(const std::string& printed);

/// x as num() prints it, in TeX (tex_of()); infinities as `\infty`, `-\infty`.
/// \pre digits >= 1.
/// Guarantee: exact (x correctly rounded to `digits` digits).
std::string tex(double x, int digits = 6);

/// x rounded toward +inf (up) or -inf (not up) to `digits` significant
/// digits (format_upper / format_lower), in TeX; zero as `0`, infinities as
/// tex() prints them. A printed lower or upper end of an enclosure is still
/// a bound.
/// \pre digits >= 1.
/// Guarantee: enclosure (the printed decimal is >= x when up, <= x otherwise).
std::string tex_directed(double x, bool up, int digits = 9);

/// An enclosure as `[\ell, u]` in TeX with 9 digits, rounded outward.
/// \pre e.lower <= e.upper.
/// Guarantee: enclosure (the printed interval contains e).
std::string tex_enclosure(Enclosure e);

/// A table cell for x: num(), with infinities as inline math `$\infty$`.
/// \pre digits >= 1.
/// Guarantee: exact.
std::string cell(double x, int digits = 6);

/// n in decimal.
/// \pre none. Guarantee: exact.
std::string integer(std::size_t n);

/// `✓` when ok, `✗` otherwise.
/// \pre none. Guarantee: exact.
std::string check_mark(bool ok);

}  // namespace jlattn::walkthrough
