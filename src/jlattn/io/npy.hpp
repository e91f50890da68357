/// \file npy.hpp
/// \brief NumPy .npy files (written as format 1.0): little-endian float64,
/// C order, 2-D, so that `numpy.load` reads them; and a strict reader for the
/// same (formats 1.0-3.0).
#pragma once

#include <cstddef>
#include <functional>
#include <iosfwd>
#include <span>
#include <string>

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

}  // namespace jlattn::io
