/// \file npy.hpp
/// \brief NumPy .npy files (format 1.0): little-endian float64, C order, 2-D,
/// so that `numpy.load` reads them; and a strict reader for the same.
#pragma once

#include <cstddef>
#include <functional>
#include <iosfwd>
#include <span>
#include <string>

#include "jlattn/matrix.hpp"

namespace jlattn::io {

/// Writes a 2-D float64 array, dtype '<f8', C order. Bytes are written
/// little-endian whatever the host's order.
void write_npy(std::ostream& out, const Matrix& M);

/// Streams a rows x cols array row by row: row(i, buffer) fills buffer
/// (length cols) for i = 0 .. rows-1. Memory O(cols).
void write_npy_rows(std::ostream& out, std::size_t rows, std::size_t cols,
                    const std::function<void(std::size_t, std::span<double>)>& row);

/// Reads a 2-D array written as '<f8' (or '|f8'), C order, version 1.0-3.0.
/// \throws InputError naming the problem: bad magic, unsupported version,
///   malformed header, dtype other than little-endian float64, Fortran order,
///   not 2-D, truncated data, trailing bytes, or a size that overflows.
Matrix read_npy(std::istream& in, const std::string& source_name);

/// Opens and reads a file with read_npy.
Matrix read_npy_file(const std::string& path);

}  // namespace jlattn::io
