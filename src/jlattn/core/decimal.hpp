/// \file decimal.hpp
/// \brief The one reader of numbers typed as text: real values (command-line
/// options, audit lists, Matrix Market entries) and non-negative integers
/// (counts, seeds, sizes, indices).
///
/// A real is read as the double nearest to the decimal the user typed
/// (std::from_chars, correctly rounded, ties to even), never through a wider
/// type first: reading into long double and then casting rounds twice and
/// lands one ulp off for decimals near the midpoint of two doubles. Reading
/// is locale independent.
///
/// Accepted real text: an optional sign ('-', or one '+'), digits with an
/// optional decimal point, an optional exponent (e or E, optional sign,
/// digits): `0.1`, `-2`, `+1.5e-3`, `.5`, `5.`. Nothing else: no spaces, no
/// decimal comma, no hexadecimal floats (every input format of the project is
/// decimal, and the shortest decimal of any double reads back to it:
/// format_shortest in format.hpp), and no `inf` or `nan` (they are read, and
/// reported as such, so the message can say what is wrong).
///
/// Accepted integer text: decimal digits only (no sign, no exponent, no
/// spaces, no `0x` prefix; leading zeros are decimal, never octal).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace jlattn {

/// What reading a number from text found wrong, if anything.
enum class NumberProblem {
  none,            ///< read
  not_a_number,    ///< not a decimal real at all (or trailing text)
  not_an_integer,  ///< not a string of decimal digits
  overflow,        ///< a decimal beyond the largest double
  underflow,       ///< a nonzero decimal that rounds to zero in double
  nan,             ///< NaN was typed
  infinite,        ///< an infinity was typed
  too_large,       ///< an integer beyond the range asked for
};

/// The problem as the end of a message: "is not a number", "overflows
/// double", "underflows to zero in double", "is NaN", "is not finite", "is
/// not a non-negative integer", "is too large"; empty for none.
std::string_view describe(NumberProblem problem);

/// The result of read_real: the double, or what was wrong.
struct RealReading {
  double value = 0.0;  ///< the nearest double of the decimal (when problem is none)
  NumberProblem problem = NumberProblem::none;
};

/// Reads the whole of `text` as a decimal real (the grammar above).
/// \pre none: any bytes.
/// Guarantee: exact (the value is the double nearest to the typed decimal,
/// ties to even; -0 stays -0); a problem other than none for anything else.
RealReading read_real(std::string_view text) noexcept;

/// The result of read_count: the integer, or what was wrong.
struct CountReading {
  std::uint64_t value = 0;  ///< the integer (when problem is none)
  NumberProblem problem = NumberProblem::none;
};

/// Reads the whole of `text` as a non-negative decimal integer <= max.
/// \pre none: any bytes.
/// Guarantee: exact; not_an_integer for anything but digits, too_large above max.
CountReading read_count(std::string_view text, std::uint64_t max = UINT64_MAX) noexcept;

/// `text` as it may appear in a one-line message: in single quotes, at most
/// 40 characters, each non-printable byte as a backslash, x and two hex digits.
std::string quoted_for_message(std::string_view text);

/// read_real for input named `what` (an option such as "--eps"): the value,
/// or an InputError "<what> '<text>' <problem>", e.g.
/// "--gamma '0,5' is not a number".
/// \pre none.
/// Guarantee: exact; only finite values are returned.
double parse_real(std::string_view text, std::string_view what);

/// read_count for input named `what`: the value, or an InputError
/// "<what> '<text>' is not a non-negative integer" or
/// "<what> '<text>' is too large (at most <max>)".
/// \pre none.
/// Guarantee: exact.
std::uint64_t parse_count(std::string_view text, std::string_view what, std::uint64_t max = UINT64_MAX);

}  // namespace jlattn
