/// \file npy.hpp
/// \brief NumPy .npy files (written as format 1.0): little-endian float64,
/// C order, 2-D, so that `numpy.load` reads them; and a strict reader for the
/// same (formats 1.0-3.0).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <span>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jlattn/core/matrix.hpp"

namespace jlattn::io {

/// Writes a 2-D float64 array, dtype '<f8', C order, format 1.0, with the
/// same header bytes numpy.save writes (dict in sorted key order, numpy's
/// spare spaces, padded so the data starts at a multiple of 64 bytes). Bytes
/// are written little-endian whatever the host's order. Zero-size arrays
/// (a dimension of 0) are written too. Stream errors are left in `out`'s
/// state for the caller to check.
void write_npy(std::ostream& out, const Matrix& M);

/// Streams a rows x cols array row by row: row(i, buffer) fills buffer
/// (length cols) for i = 0 .. rows-1, in order. Memory O(cols). Same bytes as
/// write_npy of the whole matrix.
void write_npy_rows(std::ostream& out, std::size_t rows, std::size_t cols,
                    const std::function<void(std::size_t, std::span<double>)>& row);

/// Reads a 2-D array written as '<f8' (or '|f8', taken as little-endian),
/// C order, version 1.0, 2.0 or 3.0.
///
/// The header dict is parsed strictly but like a Python literal: keys descr,
/// fortran_order and shape, each exactly once, in any order, with ' or "
/// quotes, any spaces/tabs/newlines between tokens and an optional trailing
/// comma; shape is a tuple of non-negative decimal integers (Python 2's `3L`
/// is accepted in versions 1.0 and 2.0, as numpy does). The header may be at
/// most 10000 bytes (numpy's own limit); 64-byte alignment is not required.
/// Zero-size arrays (shape (0, n) or (n, 0)) are accepted. Every bit pattern
/// is returned as stored (NaN payloads, -0.0, subnormals).
///
/// Memory is bounded by the bytes actually present: a header promising a
/// huge shape in a short file (seekable or not) fails as truncated before the
/// array is allocated.
///
/// \throws InputError "\<source\>: \<problem\>" naming the problem: empty file,
///   bad magic, unsupported version, truncated or oversized or malformed
///   header, dtype other than little-endian float64 (named, e.g. `'<f4'`;
///   `'>f8'` gets its own message), structured dtype, Fortran order, not 2-D,
///   rows*cols*8 overflowing, truncated data, or trailing bytes.
///
/// \param in the stream to read, positioned at the magic string.
/// \param source_name the name messages use for the stream (a file name).
/// \param max_data_bytes when non-zero, a shape whose data (rows*cols*8
///   bytes) exceeds it is refused after the header and before anything is
///   allocated (the memory guard, `--max-memory`; memory_guard.hpp).
Matrix read_npy(std::istream& in, const std::string& source_name, std::size_t max_data_bytes = 0);

/// Opens and reads a file with read_npy; messages name `path`.
/// \throws InputError if the file cannot be opened, or as above.
Matrix read_npy_file(const std::string& path, std::size_t max_data_bytes = 0);

/// The shape of a 2-D array as its header declares it.
struct NpyShape {
  std::size_t rows = 0;
  std::size_t cols = 0;
};

/// Reads and checks only the header (everything read_npy checks before the
/// data: magic, version, dict, dtype, order, 2-D, rows*cols*8 in range) and
/// returns the declared shape; the data is not read, so a truncated file
/// passes here and fails in read_npy. Lets a command estimate its memory
/// before loading anything.
/// \throws InputError as read_npy, for the header's problems.
NpyShape read_npy_shape(std::istream& in, const std::string& source_name);

/// Opens a file and reads its shape with read_npy_shape; messages name `path`.
/// \throws InputError if the file cannot be opened, or as above.
NpyShape read_npy_file_shape(const std::string& path);

// ---- any dtype and shape: the arrays of a target (.npy, and the members of a
// SciPy .npz; target_file.hpp) ---------------------------------------------

/// Everything an .npy header declares, whatever the dtype and the number of
/// dimensions.
struct NpyHeader {
  std::string descr;                 ///< the dtype string, e.g. `<f8`, `|b1`, `|S3`
  bool fortran_order = false;
  std::vector<std::uint64_t> shape;  ///< empty for a 0-d array
  std::uint64_t header_bytes = 0;    ///< bytes before the data: magic, version, length, dict
};

/// Reads and checks the magic, version and header dict exactly as read_npy
/// does (same messages), but accepts any descr string, order and number of
/// dimensions. The stream is left at the first data byte.
/// \throws InputError "\<source\>: \<problem\>", as read_npy, for the header's problems.
NpyHeader read_npy_header(std::istream& in, const std::string& source_name);

/// The element types a target's values and indices may be stored in.
enum class NpyKind { floating, signed_integer, unsigned_integer, boolean };

/// An element type: its kind and size in bytes.
struct NpyElementType {
  NpyKind kind;
  std::size_t bytes;
};

/// The element type of a descr string, little-endian (`<`) or without byte
/// order (`|`): `f8`, `f4` (floating), `i1`, `i2`, `i4`, `i8` (signed),
/// `u1`, `u2`, `u4`, `u8` (unsigned), `b1` (boolean); nothing for anything
/// else (big-endian, float16, long double, complex, strings, objects, ...).
std::optional<NpyElementType> npy_element_type(std::string_view descr);

/// The data's size in bytes: the product of the dimensions (1 for a 0-d
/// array) times `element_bytes`, when neither exceeds 2^63 - 1 (so it fits
/// a stream's and Eigen's signed sizes); nothing otherwise.
std::optional<std::uint64_t> npy_data_bytes(const std::vector<std::uint64_t>& shape, std::size_t element_bytes);

/// Reads `count` elements of `type` from `in` (little-endian) in chunks of at
/// most 64 Ki elements, and passes element n to sink(n, value) in order, as
/// the double it is exactly: floats widen exactly, booleans are 0 and 1,
/// integers of magnitude up to 2^53 (and larger ones a double holds exactly)
/// convert; any other integer is refused, so a value is never rounded.
/// Memory O(1) beyond the chunk, whatever `count` claims.
/// \pre count * type.bytes <= 2^63 - 1 (npy_data_bytes of the shape).
/// \throws InputError "\<source\>: ..." for truncated data (the bytes
///   `count` needs and those found), a bool byte other than 0 or 1, an
///   integer a double cannot hold exactly, or a read error.
void read_npy_values(std::istream& in, NpyElementType type, std::uint64_t count, const std::string& source_name,
                     const std::function<void(std::uint64_t, double)>& sink);

/// As read_npy_values, for an integer `type` (signed or unsigned), passing
/// each element as int64; an unsigned value above 2^63 - 1 is refused.
/// \pre type.kind is signed_integer or unsigned_integer.
void read_npy_integers(std::istream& in, NpyElementType type, std::uint64_t count, const std::string& source_name,
                       const std::function<void(std::uint64_t, std::int64_t)>& sink);

}  // namespace jlattn::io
