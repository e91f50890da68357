/// \file matrix_market.hpp
/// \brief A strict Matrix Market reader for targets (Definition 1). Eigen's
/// loader accepts malformed files silently; this one refuses them.
#pragma once

#include <iosfwd>
#include <string>

#include "jlattn/definition1_target.hpp"

namespace jlattn::io {

/// Reads a target from Matrix Market text.
///
/// Accepted: header `%%MatrixMarket matrix coordinate <field> general`
/// (case-insensitive words) with field real, integer or pattern (pattern
/// entries are 1); `%` comment lines; a size line `L L nnz` with L >= 2
/// (square); exactly nnz entry lines `i j [value]` with 1-based indices;
/// blank lines. Values: finite, >= 0 (explicit zeros are kept out of the
/// support); integer fields hold integers.
///
/// \param source_name used in messages ("A.mtx:12: ...").
/// \throws InputError with a one-line message naming the file, the line and
///   the problem: bad header, non-square or too-small size, wrong field
///   count, index out of range, duplicate position, negative/NaN/Inf or
///   unparsable value, too few or too many entries, a row with no positive
///   entry, or trailing text.
Target read_matrix_market(std::istream& in, const std::string& source_name);

/// Opens and reads a file with read_matrix_market.
/// \throws InputError if the file cannot be opened, or as above.
Target read_matrix_market_file(const std::string& path);

/// Writes a target as `%%MatrixMarket matrix coordinate real general`, with
/// values printed to round-trip exactly (17 significant digits).
void write_matrix_market(std::ostream& out, const Target& A);

}  // namespace jlattn::io
