/// \file npz.hpp
/// \brief Targets from SciPy's sparse `.npz` files (`scipy.sparse.save_npz`,
/// compressed or not): CSR, CSC and COO, read strictly through the zip
/// reader (zip.hpp) and the .npy header parser (npy.hpp).
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>

#include "jlattn/proof/definition1_target.hpp"

namespace jlattn::io {

/// Reads a target from a `.npz` archive as `scipy.sparse.save_npz` writes it.
///
/// Accepted: a zip archive (ZipArchive's checks: stored or deflate, CRC-32
/// of every member verified) holding `format.npy`, a 0-d string array
/// (`|S<n>`, or `<U<n>` as SciPy before 1.0 wrote it) saying `csr`, `csc` or
/// `coo`; `shape.npy`, two integers L, L with L in [2, 2^31); `data.npy`, the
/// stored values, of dtype float64, float32, any integer type (each value
/// exactly a double) or bool; and
///   - csr, csc: `indices.npy` (one per value) and `indptr.npy` (L + 1
///     pointers, starting at 0, never decreasing, ending at the number of
///     values), of an integer dtype (SciPy writes int32 or int64);
///   - coo: `row.npy` and `col.npy` (one per value), or `coords.npy` (2 x
///     nnz, as SciPy's n-dimensional COO writes it), of an integer dtype.
/// `_is_array.npy` (0-d bool, which SciPy adds for sparse arrays) may be
/// present and is ignored; any other member is refused. Arrays are 1-D
/// (coords 2-D, C order), little-endian. Every index must be in [0, L).
///
/// Within a row (csr) or column (csc) the indices may come in any order: the
/// matrix is unambiguous. A position stored twice is refused, in every
/// format, as the Matrix Market reader refuses it: SciPy would add the two
/// values, and a target must be the matrix the user wrote down (call
/// `A.sum_duplicates()` before saving to mean the sum). Values must be
/// finite and >= 0; stored zeros are kept out of the support, as in a
/// Matrix Market file; every row needs a positive entry.
///
/// Memory: every member's declared size is checked against what its .npy
/// header implies before its data is read, and the entries (64 bytes each,
/// kTargetBytesPerEntry) and the csr/csc pointers against `max_bytes` before
/// they are allocated; the inflater never produces more than a member
/// declares. So a small archive cannot make the reader allocate much.
///
/// \param in a seekable stream (a file).
/// \param source_name the name messages use (the file's path).
/// \param max_bytes when non-zero, the memory limit (`--max-memory`, or what
///   is available; memory_guard.hpp).
/// \throws InputError with one line `"<source>: [<member>: ]<problem>"`
///   naming the member and, for a value or an index, its position in the
///   array and its 0-based entry `[i, j]`.
Target read_npz_target(std::istream& in, const std::string& source_name, std::size_t max_bytes = 0);

}  // namespace jlattn::io
