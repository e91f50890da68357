/// \file target_file.hpp
/// \brief The one entry point for target files (Definition 1): Matrix Market
/// (coordinate or array, general or symmetric), a dense `.npy` array, or
/// SciPy's sparse `.npz`. Every command that takes `--target` reads it here.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>
#include <string_view>

#include "jlattn/proof/definition1_target.hpp"

namespace jlattn::io {

/// The kinds of target file, one reader each.
enum class TargetFileKind {
  matrix_market,  ///< read_matrix_market (matrix_market.hpp)
  npy,            ///< read_npy_target (below)
  npz,            ///< read_npz_target (npz.hpp)
};

/// Which reader a file goes to. The content decides when its first bytes
/// say: `\x93NUMPY` is .npy, `PK\x03\x04` (or `PK\x05\x06`, an empty
/// archive) is .npz, `%` (or a UTF-8 byte-order mark) is Matrix Market.
/// Otherwise the name's extension, case-insensitively: `.npy`, `.npz`; any
/// other name goes to the Matrix Market reader, whose first message then
/// says what a banner looks like.
/// \param head the file's first bytes (any number; 6 suffice).
/// \param name the file's name or path, for its extension.
TargetFileKind target_file_kind(std::string_view head, std::string_view name);

/// Reads a dense target from a `.npy` array: 2-D, L x L with L in [2, 2^31),
/// C or Fortran order, little-endian float64, float32, any integer type (each
/// value exactly a double) or bool (npy_element_type). Values must be finite
/// and >= 0; zeros are not in the support; every row needs a positive entry.
/// The array is read in chunks and only its nonzero entries are kept, so
/// memory follows the nonzeros (64 bytes each, counted against `max_bytes`
/// when non-zero as they are found), not L^2.
/// \throws InputError `"<source>: <problem>"`: the header's problems (as
///   read_npy_header), another dtype (named), not 2-D, not square, L out of
///   range, truncated data or trailing bytes, an entry NaN, infinite or
///   negative (named by its 0-based `[i, j]`), a row without a positive
///   entry (0-based), or more nonzeros than `max_bytes` allows.
Target read_npy_target(std::istream& in, const std::string& source_name, std::size_t max_bytes = 0);

/// Reads a target of any kind from a stream: target_file_kind of its first
/// bytes and `source_name`, then that kind's reader. A stream that cannot
/// seek (a pipe) is read whole first (refused above `max_bytes`, when
/// non-zero), since the .npz reader seeks.
/// \param in the stream, at the file's first byte.
/// \param source_name the name messages use (the file's path).
/// \param max_bytes when non-zero, the memory limit of the .npy and .npz
///   readers (the Matrix Market reader's memory follows the file's lines).
/// \throws InputError as the chosen reader.
Target read_target(std::istream& in, const std::string& source_name, std::size_t max_bytes = 0);

/// Opens `path` and reads it with read_target; messages name `path`.
/// \throws InputError if the file cannot be opened, or as read_target.
Target read_target_file(const std::string& path, std::size_t max_bytes = 0);

}  // namespace jlattn::io
