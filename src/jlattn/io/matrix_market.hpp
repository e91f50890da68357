/// \file matrix_market.hpp
/// \brief A strict Matrix Market reader for targets (Definition 1). Eigen's
/// loader accepts malformed files silently; this one refuses them.
#pragma once

#include <iosfwd>
#include <string>

#include "jlattn/proof/definition1_target.hpp"

namespace jlattn::io {

/// Reads a target from Matrix Market text.
///
/// Accepted: on line 1 the banner `%%MatrixMarket matrix <format> <field>
/// <symmetry>` (case-insensitive words) with format coordinate or array, field
/// real, integer or pattern (pattern entries are 1; not with array, as the
/// format defines), symmetry general or symmetric; then a size line and the
/// data:
///   - coordinate: a size line `L L nnz`, then exactly nnz entry lines
///     `i j [value]` with 1-based indices, in any order;
///   - array: a size line `L L`, then one value per line, column by column
///     (column-major): L*L values, or L(L+1)/2 for symmetric (column j's rows
///     j..L in turn).
/// L is in [2, 2^31) (square). A symmetric file gives the entries on and
/// below the diagonal (row >= column; an entry above it is an error, as the
/// format defines) and each entry off the diagonal stands for both A_ij and
/// A_ji; coordinate nnz is at most L(L+1)/2 there and L*L otherwise.
/// `skew-symmetric` is refused with its reason (A_ji = -A_ij and both >= 0
/// force a zero matrix, never a target), `hermitian` too (complex only).
/// Blank lines and `%` comment lines may appear anywhere after the banner
/// (before the size line, among and after the entries). Fields are separated
/// by spaces or tabs; CRLF line ends are fine.
///
/// Numbers are read by core/decimal.hpp (read_count, read_real: each value is
/// the double nearest to its decimal, locale independent). Sizes and
/// indices are plain decimal digits (no sign). Real values take the forms
/// `1`, `1.5`, `.5`, `1.`, `1e-3`, `1E+2`, with an optional leading `+` or
/// `-` (the `+` because the reference Matrix Market code reads values with
/// scanf, which accepts it); hexadecimal floats, `,` decimals and `nan`/`inf`
/// are refused. Integer fields hold `[+-]digits` only (no `.` or exponent).
/// Values: finite, >= 0 (explicit zeros, also `-0`, are kept out of the
/// support), not overflowing double and not underflowing to zero (a value
/// that would silently leave the support is refused). Subnormals are kept.
///
/// Memory is proportional to the nonzero entries actually present, whatever
/// the size line claims: a huge L with few entries fails with "row r has no
/// positive entry" (or as truncated) before any O(L) allocation.
///
/// \param in the Matrix Market text.
/// \param source_name used in messages ("A.mtx:12: ...").
/// \throws InputError with a one-line message `"<source>:<line>: <problem>"`
///   (or `"<source>: <problem>"` for whole-file problems): empty file, missing
///   or malformed banner (object other than matrix, unknown format, complex or
///   unknown field, pattern array, skew-symmetric, hermitian or unknown
///   symmetry), missing or malformed size line, non-square, L < 2 or
///   L >= 2^31, nnz above the positions, wrong field count, non-numeric
///   token, non-integer value in an integer field, index out of range (the
///   message gives the range), an entry above the diagonal of a symmetric
///   file, duplicate position (both line numbers), negative/NaN/Inf/
///   overflowing/underflowing value, too few entries or values (truncated),
///   more than declared or trailing text, or a row with no positive entry
///   (1-based row number).
Target read_matrix_market(std::istream& in, const std::string& source_name);

/// Opens and reads a file with read_matrix_market; messages name `path`.
/// \throws InputError if the file cannot be opened, or as above.
Target read_matrix_market_file(const std::string& path);

/// Writes a target as `%%MatrixMarket matrix coordinate real general`, one
/// line per support entry in row-major order, with values printed like
/// printf's `%.17g` (round-trips every double) whatever the stream's or the C
/// locale. Stream errors are left in `out`'s state for the caller to check.
void write_matrix_market(std::ostream& out, const Target& A);

}  // namespace jlattn::io
