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
#include <stdexcept>
#include <system_error>
#include <type_traits>
#include <vector>

#include "jlattn/core/decimal.hpp"
#include "jlattn/core/errors.hpp"
#include "jlattn/core/format.hpp"
#include "jlattn/io/target_assembly.hpp"

namespace jlattn::io {

namespace {

constexpr std::uint64_t kMaxL = std::uint64_t{1} << 31;  // Target requires L < 2^31

enum class Field { real, integer, pattern };
enum class Format { coordinate, array };
enum class Symmetry { general, symmetric };

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

/// What the banner declares.
struct Banner {
  Format format = Format::coordinate;
  Field field = Field::real;
  Symmetry symmetry = Symmetry::general;
};

class Reader {
 public:
  Reader(std::istream& in, const std::string& source) : in_(in), source_(source) {}

  Target read() {
    const Banner banner = read_banner();
    read_size_line(banner);
    if (banner.format == Format::coordinate) {
      read_entries(banner);
    } else {
      read_array_values(banner);
    }
    return build_target(banner.symmetry);
  }

 private:
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

  Banner read_banner() {
    if (!next_line()) fail_in_file("empty file (expected a '%%MatrixMarket matrix coordinate real general' banner)");
    if (line_.starts_with("\xEF\xBB\xBF"))
      fail_at_line("file starts with a UTF-8 byte-order mark; remove it (the banner must come first)");
    const auto words = split_fields(line_);
    if (words.empty() || lowercase(words[0]) != "%%matrixmarket")
      fail_at_line(
          "missing Matrix Market banner; the first line must be "
          "'%%MatrixMarket matrix <coordinate|array> <real|integer|pattern> <general|symmetric>'");
    if (words.size() != 5)
      fail_at_line("banner has " + std::to_string(words.size() - 1) +
                   " words after %%MatrixMarket; expected 4: 'matrix <format> <field> <symmetry>'");

    const std::string object = lowercase(words[1]);
    if (object != "matrix") fail_at_line("object " + quoted(words[1]) + " is not supported; expected 'matrix'");

    Banner banner;
    const std::string format = lowercase(words[2]);
    if (format == "array") {
      banner.format = Format::array;
    } else if (format != "coordinate") {
      fail_at_line("unknown format " + quoted(words[2]) + "; expected 'coordinate' or 'array'");
    }

    const std::string field_word = lowercase(words[3]);
    if (field_word == "real") {
      banner.field = Field::real;
    } else if (field_word == "integer") {
      banner.field = Field::integer;
    } else if (field_word == "pattern") {
      banner.field = Field::pattern;
    } else if (field_word == "complex") {
      fail_at_line("complex field is not supported; a target is real (use real, integer or pattern)");
    } else {
      fail_at_line("unknown field " + quoted(words[3]) + "; expected real, integer or pattern");
    }
    // The format's own rule: an array lists every value, so it has no pattern form.
    if (banner.field == Field::pattern && banner.format == Format::array)
      fail_at_line("the pattern field is not allowed with the array format (an array lists every value)");

    const std::string symmetry = lowercase(words[4]);
    if (symmetry == "symmetric") {
      banner.symmetry = Symmetry::symmetric;
    } else if (symmetry == "skew-symmetric") {
      // A_ji = -A_ij with both >= 0 forces every entry to 0: never a target.
      fail_at_line(
          "symmetry 'skew-symmetric' cannot hold a target: it stores A_ji = -A_ij, so a non-negative "
          "skew-symmetric matrix is zero (use general or symmetric)");
    } else if (symmetry == "hermitian") {
      fail_at_line("symmetry 'hermitian' is for complex matrices; a target is real (use symmetric)");
    } else if (symmetry != "general") {
      fail_at_line("unknown symmetry " + quoted(words[4]) + "; expected 'general' or 'symmetric'");
    }
    return banner;
  }

  /// A non-negative decimal integer: digits only (no sign, no exponent).
  std::uint64_t parse_count(std::string_view token, const std::string& what) const {
    const CountReading r = read_count(token);
    if (r.problem != NumberProblem::none)
      fail_at_line(what + " " + quoted(token) + " " + std::string(describe(r.problem)));
    return r.value;
  }

  /// Coordinate: `L L nnz`; array: `L L` (the number of values follows from L).
  void read_size_line(const Banner& banner) {
    const bool array = banner.format == Format::array;
    if (!next_content_line())
      fail_in_file(array ? "missing size line 'L L' after the banner" : "missing size line 'L L nnz' after the banner");
    const auto fields = split_fields(line_);
    if (array && fields.size() != 2)
      fail_at_line("size line must be 'L L' (2 integers) in the array format, found " + std::to_string(fields.size()) +
                   " fields");
    if (!array && fields.size() != 3)
      fail_at_line("size line must be 'L L nnz' (3 integers), found " + std::to_string(fields.size()) + " fields");
    const std::uint64_t rows = parse_count(fields[0], "row count");
    const std::uint64_t cols = parse_count(fields[1], "column count");
    const std::uint64_t nnz = array ? 0 : parse_count(fields[2], "entry count");
    if (rows != cols)
      fail_at_line("matrix is not square (" + std::to_string(rows) + " x " + std::to_string(cols) +
                   "); a target is L x L");
    if (rows < 2) fail_at_line("L = " + std::to_string(rows) + " is too small; a target needs L >= 2");
    if (rows >= kMaxL) fail_at_line("L = " + std::to_string(rows) + " is too large; a target needs L < 2^31");
    L_ = rows;
    // rows < 2^31, so neither count can overflow. A symmetric matrix is given
    // by the positions on and below the diagonal.
    const bool symmetric = banner.symmetry == Symmetry::symmetric;
    const std::uint64_t positions = symmetric ? rows * (rows + 1) / 2 : rows * rows;
    if (array) {
      declared_nnz_ = positions;
      return;
    }
    if (nnz > positions)
      fail_at_line("entry count " + std::to_string(nnz) + " exceeds " +
                   (symmetric ? "L(L+1)/2 = " + std::to_string(positions) + ", the positions on and below the diagonal"
                              : "L*L = " + std::to_string(positions)));
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

  void read_entries(const Banner& banner) {
    const Field field = banner.field;
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
      if (banner.symmetry == Symmetry::symmetric && col > row)
        fail_at_line("entry (" + std::to_string(row + 1) + ", " + std::to_string(col + 1) +
                     ") is above the diagonal; a symmetric file lists only entries on or below it (row >= column)");
      const double value = field == Field::pattern ? 1.0 : parse_value(fields[2], field);
      entries_.push_back({row, col, value, line_number_});
    }
    if (next_content_line())
      fail_at_line("more entries than the " + std::to_string(declared_nnz_) + " declared, or trailing text");
  }

  /// The array format: one value per line, column by column (column-major);
  /// a symmetric array gives column j's rows j..L-1 only. Zeros are not kept
  /// (they are not in the support), so memory follows the nonzero values.
  void read_array_values(const Banner& banner) {
    const bool symmetric = banner.symmetry == Symmetry::symmetric;
    std::uint64_t row = 0, col = 0;
    for (std::uint64_t found = 0; found < declared_nnz_; ++found) {
      if (!next_content_line())
        fail_in_file("truncated: found " + std::to_string(found) + " of the " + std::to_string(declared_nnz_) +
                     " values of the array");
      const auto fields = split_fields(line_);
      if (fields.size() != 1)
        fail_at_line("expected 1 field (one value per line in the array format), found " +
                     std::to_string(fields.size()));
      const double value = parse_value(fields[0], banner.field);
      if (value != 0.0)
        entries_.push_back({static_cast<std::uint32_t>(row), static_cast<std::uint32_t>(col), value, line_number_});
      if (++row == L_) {
        ++col;
        row = symmetric ? col : 0;
      }
    }
    if (next_content_line())
      fail_at_line("more values than the " + std::to_string(declared_nnz_) + " of the array, or trailing text");
  }

  Target build_target(Symmetry symmetry) {
    // Report the duplicate a reader going through the file would meet first.
    if (const auto repeat = sort_and_find_repeat(entries_))
      fail_at_line(repeat->repeat_origin, "duplicate entry (" + std::to_string(repeat->row + 1) + ", " +
                                              std::to_string(repeat->col + 1) + "), first given on line " +
                                              std::to_string(repeat->first_origin));
    if (symmetry == Symmetry::symmetric) {
      // A_ji = A_ij: the mirror of every entry below the diagonal. A mirror
      // cannot repeat a position: every listed entry is on or below the diagonal.
      const std::size_t listed = entries_.size();
      for (std::size_t n = 0; n < listed; ++n) {
        const SourcedEntry e = entries_[n];
        if (e.row != e.col) entries_.push_back({e.col, e.row, e.value, e.origin});
      }
      if (sort_and_find_repeat(entries_)) throw std::logic_error("read_matrix_market: a mirror repeats a position");
    }

    // Checked here from the sorted entries, before Target allocates O(L):
    // a header may declare a huge L with few entries.
    if (const auto row = first_row_without_positive_entry(entries_, L_))
      fail_in_file("row " + std::to_string(*row + 1) + " has no positive entry; every row of a target needs one");
    return assemble_target(L_, std::move(entries_), source_);
  }

  std::istream& in_;
  const std::string& source_;
  std::string line_;
  std::size_t line_number_ = 0;
  std::uint64_t L_ = 0;
  std::uint64_t declared_nnz_ = 0;
  std::vector<SourcedEntry> entries_;
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
