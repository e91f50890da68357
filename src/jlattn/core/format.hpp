/// \file format.hpp
/// \brief The one formatter of doubles as decimal text, in three forms: a
/// number shown with a few significant digits, the shortest decimal that
/// reads back as the same double (for anything meant to be typed again), and
/// a decimal bound on a chosen side of the double (for printed enclosures).
///
/// Every form is locale independent (std::to_chars, never printf or
/// iostreams with a locale). Layout is printf's %g: fixed notation when the
/// decimal exponent X satisfies -4 <= X < digits, otherwise d.ddde+XX, with
/// trailing zeros and a trailing decimal point removed; infinities print as
/// `inf` and `-inf`, NaN as `nan` (or `-nan`), zero as `0` (or `-0`).
#pragma once

#include <string>

namespace jlattn {

/// x rounded to nearest with `digits` significant digits, in %g layout (the
/// same text as printf("%.*g", digits, x) in the C locale).
/// \pre digits >= 1 (values above 80 are treated as 80).
/// Guarantee: exact (the text is x correctly rounded to `digits` digits);
/// it need not read back as x below 17 digits.
std::string format_digits(double x, int digits = 6);

/// x rounded to nearest with `decimals` digits after the point, in fixed
/// notation (the same text as printf("%.*f", decimals, x) in the C locale),
/// for quantities shown in fixed units such as "1.5 GiB".
/// \pre 0 <= decimals <= 20 (values outside are clamped).
/// Guarantee: exact (x correctly rounded to `decimals` places).
std::string format_fixed(double x, int decimals);

/// The shortest text that reads back (parse_real in decimal.hpp, or any
/// correctly rounded reader) as exactly x: std::to_chars without a
/// precision, fixed or scientific layout, whichever has fewer characters.
/// For re-check commands, reports and parameters printed so the user can
/// type them again.
/// \pre none.
/// Guarantee: exact (reads back as the same double; -0 as -0).
std::string format_shortest(double x);

/// The least decimal with at most `digits` significant digits that is >= x
/// (format_upper), or the greatest that is <= x (format_lower), in %g
/// layout: x's exact decimal expansion (every double has a finite one)
/// rounded toward +inf or -inf, so a printed upper or lower end of an
/// enclosure is still a bound. An x with at most `digits` digits prints
/// exactly. Infinities and NaN print as in format_digits.
/// \pre digits >= 1 (values above 80 are treated as 80).
/// Guarantee: enclosure (format_upper(x) >= x >= format_lower(x) as exact
/// decimals, and no decimal of `digits` digits lies strictly between).
std::string format_upper(double x, int digits);
std::string format_lower(double x, int digits);

}  // namespace jlattn
