#include "jlattn/io/target_assembly.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "jlattn/core/errors.hpp"

namespace jlattn::io {

std::optional<RepeatedPosition> sort_and_find_repeat(std::vector<SourcedEntry>& entries) {
  std::sort(entries.begin(), entries.end(), [](const SourcedEntry& a, const SourcedEntry& b) {
    if (a.row != b.row) return a.row < b.row;
    if (a.col != b.col) return a.col < b.col;
    return a.origin < b.origin;
  });
  std::optional<RepeatedPosition> first;
  for (std::size_t n = 1; n < entries.size(); ++n) {
    const SourcedEntry& previous = entries[n - 1];
    const SourcedEntry& current = entries[n];
    if (previous.row == current.row && previous.col == current.col &&
        (!first || current.origin < first->repeat_origin))
      first = RepeatedPosition{current.row, current.col, previous.origin, current.origin};
  }
  return first;
}

std::optional<std::uint64_t> first_row_without_positive_entry(const std::vector<SourcedEntry>& sorted,
                                                              std::uint64_t L) {
  std::uint64_t next_row = 0;
  for (const SourcedEntry& e : sorted) {
    if (e.value <= 0.0) continue;
    if (e.row > next_row) break;
    if (e.row == next_row) ++next_row;
  }
  if (next_row < L) return next_row;
  return std::nullopt;
}

Target assemble_target(std::uint64_t L, std::vector<SourcedEntry>&& entries, const std::string& source) {
  std::vector<TargetEntry> target_entries;
  target_entries.reserve(entries.size());
  for (const SourcedEntry& e : entries) target_entries.push_back({e.row, e.col, e.value});
  std::vector<SourcedEntry>().swap(entries);
  try {
    return Target::from_entries(static_cast<std::size_t>(L), std::move(target_entries));
  } catch (const InputError& e) {
    throw InputError(source + ": " + e.what());
  }
}

const char* value_problem(double value) {
  if (std::isnan(value)) return "is NaN";
  if (std::isinf(value)) return "is not finite";
  if (value < 0) return "is negative; a target needs A_ij >= 0";
  return nullptr;
}

NpyElementType target_value_type(const std::string& descr, const std::string& source) {
  if (const auto type = npy_element_type(descr)) return *type;
  if (descr.starts_with('>'))
    throw InputError(source + ": dtype '" + descr +
                     "' is big-endian; save a little-endian array (e.g. A.astype('<f8'))");
  throw InputError(source + ": dtype '" + descr +
                   "' cannot hold a target; expected float64, float32, an integer type or bool");
}

}  // namespace jlattn::io
