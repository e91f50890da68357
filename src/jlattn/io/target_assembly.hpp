/// \file target_assembly.hpp
/// \brief What every target reader does once it has the entries: find a
/// position given twice, find a row without a positive entry (before anything
/// of size L is allocated), and build the Target. Shared by the Matrix
/// Market, .npy and .npz readers (target_file.hpp), so the checks are the
/// same whatever the file kind; each reader words its own messages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "jlattn/io/npy.hpp"
#include "jlattn/proof/definition1_target.hpp"

namespace jlattn::io {

/// One entry as a reader found it: a 0-based position, its value, and where
/// in the input it came from (a line number, an array index), for messages.
struct SourcedEntry {
  std::uint32_t row;
  std::uint32_t col;
  double value;
  std::uint64_t origin;
};

/// A position given twice: the origins of its first and its repeated entry.
struct RepeatedPosition {
  std::uint32_t row;
  std::uint32_t col;
  std::uint64_t first_origin;
  std::uint64_t repeat_origin;
};

/// Sorts the entries by (row, col, origin) and returns, among positions given
/// more than once, the repeat with the smallest origin (the one a reader going
/// through the input meets first), or nothing.
std::optional<RepeatedPosition> sort_and_find_repeat(std::vector<SourcedEntry>& entries);

/// The first row of [0, L) (0-based) with no entry > 0 among entries sorted by
/// sort_and_find_repeat, or nothing. Time O(entries), no memory of size L, so
/// an input declaring a huge L with few entries is refused cheaply.
std::optional<std::uint64_t> first_row_without_positive_entry(const std::vector<SourcedEntry>& sorted,
                                                              std::uint64_t L);

/// Target::from_entries(L, entries), releasing `entries` first; a refusal by
/// the factory is rethrown as `"<source>: <its message>"`.
/// \pre the entries are checked (finite, >= 0, positions in [0, L), no
///      repeat, a positive entry in every row); the factory checks again.
Target assemble_target(std::uint64_t L, std::vector<SourcedEntry>&& entries, const std::string& source);

/// Why a stored value cannot be an entry of a target: "is NaN", "is not
/// finite" or "is negative; a target needs A_ij >= 0"; nullptr when it can
/// (finite and >= 0; -0 is a zero).
const char* value_problem(double value);

/// Bytes a binary target reader (.npy, .npz) counts per stored entry against
/// its memory limit: the SourcedEntry it collects (24), the TargetEntry that
/// Target::from_entries sorts (24) and the Target's own column and value (16).
inline constexpr std::size_t kTargetBytesPerEntry = 64;

/// The element type of a target's values in a .npy or .npz (npy_element_type).
/// \throws InputError "\<source\>: dtype '\<descr\>' ..." for a big-endian
///   dtype (with the cure) or any type that is not float64, float32, an
///   integer or bool.
NpyElementType target_value_type(const std::string& descr, const std::string& source);

}  // namespace jlattn::io
