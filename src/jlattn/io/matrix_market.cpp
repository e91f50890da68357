#include "jlattn/io/matrix_market.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <istream>
#include <optional>
#include <ostream>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <vector>

#include "jlattn/core/decimal.hpp"
#include "jlattn/core/errors.hpp"
#include "jlattn/core/format.hpp"

namespace jlattn::io {

namespace {

constexpr std::uint64_t kMaxL = std::uint64_t{1} << 31;  // Target requires L < 2^31

enum class Field { real, integer, pattern };

/// A token as it may appear in a message (core/decimal.hpp).
std::string quoted(std::string_view token) { return quoted_for_message(token); }

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_blank_char(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t pos = 0;
  while (pos < line.size()) {
    while (pos < line.size() && is_blank_char(line[pos])) ++pos;
    const std::size_t start = pos;
    while (pos < line.size() && !is_blank_char(line[pos])) ++pos;
    if (pos > start) fields.push_back(line.substr(start, pos - start));
  }
  return fields;
}

/// Blank lines and '%' comment lines carry no data.
bool is_blank_or_comment(std::string_view line) {
  for (const char c : line)
    if (!is_blank_char(c)) return c == '%';
  return true;
}

class Reader {
 public:
  Reader(std::istream& in, const std::string& source) : in_(in), source_(source) {}

  Target read() {
    const Field field = read_banner();
    read_size_line();
    read_entries(field);
    return build_target();
  }

 private:
  struct Entry {
    std::uint32_t row;
    std::uint32_t col;
    double value;
    std::size_t line;
  };

  [[noreturn]] void fail_at_line(const std::string& problem) const { fail_at_line(line_number_, problem); }
  [[noreturn]] void fail_at_line(std::size_t line, const std::string& problem) const {
    throw InputError(source_ + ":" + std::to_string(line) + ": " + problem);
  }
  [[noreturn]] void fail_in_file(const std::string& problem) const { throw InputError(source_ + ": " + problem); }

  bool next_line() {
    if (!std::getline(in_, line_)) {
      // A read error is not the end of a file; saying "truncated" would mislead.
      if (in_.bad()) fail_in_file("read error after line " + std::to_string(line_number_));
      return false;
    }
    ++line_number_;
    return true;
  }

  /// Next line that is neither blank nor a '%' comment, or nothing at EOF.
  bool next_content_line() {
    while (next_line()) {
      if (!is_blank_or_comment(line_)) return true;
    }
    return false;
  }

  Field read_banner() {
    if (!next_line()) fail_in_file("empty file (expected a '%%MatrixMarket matrix coordinate real general' banner)");
    if (line_.starts_with("\xEF\xBB\xBF"))
      fail_at_line("file starts with a UTF-8 byte-order mark; remove it (the banner must come first)");
    const auto words = split_fields(line_);
    if (words.empty() || lowercase(words[0]) != "%%matrixmarket")
      fail_at_line(
          "missing Matrix Market banner; the first line must be "
          "'%%MatrixMarket matrix coordinate <real|integer|pattern> general'");
    if (words.size() != 5)
      fail_at_line("banner has " + std::to_string(words.size() - 1) +
                   " words after %%MatrixMarket; expected 4: 'matrix coordinate <field> general'");

    const std::string object = lowercase(words[1]);
    if (object != "matrix") fail_at_line("object " + quoted(words[1]) + " is not supported; expected 'matrix'");

    const std::string format = lowercase(words[2]);
    if (format == "array") fail_at_line("array format is not supported; use coordinate");
    if (format != "coordinate") fail_at_line("unknown format " + quoted(words[2]) + "; expected 'coordinate'");

    const std::string field_word = lowercase(words[3]);
    Field field = Field::real;
    if (field_word == "real") {
      field = Field::real;
    } else if (field_word == "integer") {
      field = Field::integer;
    } else if (field_word == "pattern") {
      field = Field::pattern;
    } else if (field_word == "complex") {
      fail_at_line("complex field is not supported; a target is real (use real, integer or pattern)");
    } else {
      fail_at_line("unknown field " + quoted(words[3]) + "; expected real, integer or pattern");
    }

    const std::string symmetry = lowercase(words[4]);
    if (symmetry == "symmetric" || symmetry == "skew-symmetric" || symmetry == "hermitian")
      fail_at_line("symmetry " + quoted(words[4]) + " is not supported; only general (list every entry explicitly)");
    if (symmetry != "general") fail_at_line("unknown symmetry " + quoted(words[4]) + "; expected 'general'");
    return field;
  }

  /// A non-negative decimal integer: digits only (no sign, no exponent).
  std::uint64_t parse_count(std::string_view token, const std::string& what) const {
    const CountReading r = read_count(token);
    if (r.problem != NumberProblem::none)
      fail_at_line(what + " " + quoted(token) + " " + std::string(describe(r.problem)));
    return r.value;
  }

  void read_size_line() {
    if (!next_content_line()) fail_in_file("missing size line 'L L nnz' after the banner");
    const auto fields = split_fields(line_);
    if (fields.size() != 3)
      fail_at_line("size line must be 'L L nnz' (3 integers), found " + std::to_string(fields.size()) + " fields");
    const std::uint64_t rows = parse_count(fields[0], "row count");
    const std::uint64_t cols = parse_count(fields[1], "column count");
    const std::uint64_t nnz = parse_count(fields[2], "entry count");
    if (rows != cols)
      fail_at_line("matrix is not square (" + std::to_string(rows) + " x " + std::to_string(cols) +
                   "); a target is L x L");
    if (rows < 2) fail_at_line("L = " + std::to_string(rows) + " is too small; a target needs L >= 2");
    if (rows >= kMaxL) fail_at_line("L = " + std::to_string(rows) + " is too large; a target needs L < 2^31");
    // rows < 2^31, so rows * rows < 2^62 cannot overflow.
    if (nnz > rows * rows)
      fail_at_line("entry count " + std::to_string(nnz) + " exceeds L*L = " + std::to_string(rows * rows));
    L_ = rows;
    declared_nnz_ = nnz;
  }

  std::uint32_t parse_index(std::string_view token, const char* what) const {
    const std::uint64_t index = parse_count(token, std::string(what) + " index");
    if (index < 1 || index > L_)
      fail_at_line(std::string(what) + " index " + std::to_string(index) + " is out of range [1, " +
                   std::to_string(L_) + "] (indices are 1-based)");
    return static_cast<std::uint32_t>(index - 1);
  }

  double parse_value(std::string_view token, Field field) const {
    // read_real accepts a leading '+', as the reference Matrix Market code
    // does (it reads values with scanf("%lg")).
    if (field == Field::integer) {
      const std::string_view digits = token.starts_with('-') || token.starts_with('+') ? token.substr(1) : token;
      const bool is_integer =
          !digits.empty() && std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (!is_integer) fail_at_line("value " + quoted(token) + " is not an integer (the field is integer)");
    }

    const RealReading r = read_real(token);
    if (r.problem != NumberProblem::none)
      fail_at_line("value " + quoted(token) + " " + std::string(describe(r.problem)));
    const double value = r.value;
    if (value < 0) fail_at_line("value " + quoted(token) + " is negative; a target needs A_ij >= 0");
    // -0 is a zero like any other; keep the sign bit out of what we store.
    return value == 0.0 ? 0.0 : value;
  }

  void read_entries(Field field) {
    const std::size_t expected_fields = field == Field::pattern ? 2 : 3;
    // The declared count is only a promise: reserve no more than a small
    // amount up front, so a lying header cannot force a huge allocation.
    entries_.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(declared_nnz_, 1 << 16)));
    while (entries_.size() < declared_nnz_) {
      if (!next_content_line())
        fail_in_file("truncated: found " + std::to_string(entries_.size()) + " of " + std::to_string(declared_nnz_) +
                     " declared entries");
      const auto fields = split_fields(line_);
      if (fields.size() != expected_fields)
        fail_at_line("expected " + std::to_string(expected_fields) + " fields " +
                     (field == Field::pattern ? "'row col'" : "'row col value'") + ", found " +
                     std::to_string(fields.size()));
      const std::uint32_t row = parse_index(fields[0], "row");
      const std::uint32_t col = parse_index(fields[1], "column");
      const double value = field == Field::pattern ? 1.0 : parse_value(fields[2], field);
      entries_.push_back({row, col, value, line_number_});
    }
    if (next_content_line())
      fail_at_line("more entries than the " + std::to_string(declared_nnz_) + " declared, or trailing text");
  }

  Target build_target() {
    std::sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
      if (a.row != b.row) return a.row < b.row;
      if (a.col != b.col) return a.col < b.col;
      return a.line < b.line;
    });

    // Report the duplicate a reader going through the file would meet first.
    const Entry* first_repeat = nullptr;
    const Entry* first_given = nullptr;
    for (std::size_t n = 1; n < entries_.size(); ++n) {
      const Entry& previous = entries_[n - 1];
      const Entry& current = entries_[n];
      if (previous.row == current.row && previous.col == current.col &&
          (first_repeat == nullptr || current.line < first_repeat->line)) {
        first_repeat = &current;
        first_given = &previous;
      }
    }
    if (first_repeat != nullptr)
      fail_at_line(first_repeat->line, "duplicate entry (" + std::to_string(first_repeat->row + 1) + ", " +
                                           std::to_string(first_repeat->col + 1) + "), first given on line " +
                                           std::to_string(first_given->line));

    // Checked here from the sorted entries, before Target allocates O(L):
    // a header may declare a huge L with few entries.
    std::uint64_t next_row = 0;
    for (const Entry& e : entries_) {
      if (e.value <= 0.0) continue;
      if (e.row > next_row) break;
      if (e.row == next_row) ++next_row;
    }
    if (next_row < L_)
      fail_in_file("row " + std::to_string(next_row + 1) + " has no positive entry; every row of a target needs one");

    std::vector<TargetEntry> target_entries;
    target_entries.reserve(entries_.size());
    for (const Entry& e : entries_) target_entries.push_back({e.row, e.col, e.value});
    entries_.clear();
    entries_.shrink_to_fit();
    try {
      return Target::from_entries(static_cast<std::size_t>(L_), std::move(target_entries));
    } catch (const InputError& e) {
      fail_in_file(e.what());
    }
  }

  std::istream& in_;
  const std::string& source_;
  std::string line_;
  std::size_t line_number_ = 0;
  std::uint64_t L_ = 0;
  std::uint64_t declared_nnz_ = 0;
  std::vector<Entry> entries_;
};

template <typename Number>
void write_number(std::ostream& out, Number value) {
  // to_chars, not printf or operator<<: output must not depend on the C or
  // stream locale (decimal commas, digit grouping).
  if constexpr (std::is_floating_point_v<Number>) {
    out << format_shortest(value);  // reads back as the same double
  } else {
    std::array<char, 32> buffer{};
    const std::to_chars_result result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
    out.write(buffer.data(), result.ptr - buffer.data());
  }
}

}  // namespace

Target read_matrix_market(std::istream& in, const std::string& source_name) { return Reader(in, source_name).read(); }

Target read_matrix_market_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int error = errno;
    throw InputError(path + ": cannot open file (" + std::generic_category().message(error) + ")");
  }
  return read_matrix_market(in, path);
}

void write_matrix_market(std::ostream& out, const Target& A) {
  out << "%%MatrixMarket matrix coordinate real general\n";
  write_number(out, A.L());
  out << ' ';
  write_number(out, A.L());
  out << ' ';
  write_number(out, A.nnz());
  out << '\n';
  for (std::size_t i = 0; i < A.L(); ++i) {
    const auto support = A.support(i);
    const auto weights = A.weights(i);
    for (std::size_t n = 0; n < support.size(); ++n) {
      write_number(out, i + 1);
      out << ' ';
      write_number(out, support[n] + 1);
      out << ' ';
      write_number(out, weights[n]);
      out << '\n';
    }
  }
}

}  // namespace jlattn::io
