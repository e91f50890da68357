#include "jlattn/io/npy.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <istream>
#include <limits>
#include <optional>
#include <ostream>
#include <string_view>
#include <system_error>
#include <vector>

#include "jlattn/core/decimal.hpp"
#include "jlattn/core/huge_pages.hpp"
#include "jlattn/core/errors.hpp"

namespace jlattn::io {

namespace {

constexpr std::string_view kMagic{"\x93NUMPY", 6};
constexpr std::size_t kAlignment = 64;            // numpy's ARRAY_ALIGN
constexpr std::size_t kGrowthAxisMaxDigits = 21;  // numpy's GROWTH_AXIS_MAX_DIGITS
constexpr std::size_t kMaxHeaderBytes = 10000;    // numpy's default max_header_size
constexpr std::size_t kChunkValues = 1 << 16;

static_assert(sizeof(double) == 8 && std::numeric_limits<double>::is_iec559, ".npy '<f8' is IEEE-754 binary64");

void encode_little_endian(double value, unsigned char* out) {
  const auto bits = std::bit_cast<std::uint64_t>(value);
  for (int byte = 0; byte < 8; ++byte) out[byte] = static_cast<unsigned char>(bits >> (8 * byte));
}

double decode_little_endian(const unsigned char* in) {
  std::uint64_t bits = 0;
  for (int byte = 0; byte < 8; ++byte) bits |= std::uint64_t{in[byte]} << (8 * byte);
  return std::bit_cast<double>(bits);
}

/// Header bytes exactly as numpy.save writes a 2-D C-order float64 array:
/// the dict in sorted key order, numpy's spare "growth" spaces, then space
/// padding and '\n' so the data starts at a multiple of 64 bytes.
std::string npy_header(std::size_t rows, std::size_t cols) {
  const std::string rows_text = std::to_string(rows);
  std::string dict =
      "{'descr': '<f8', 'fortran_order': False, 'shape': (" + rows_text + ", " + std::to_string(cols) + "), }";
  dict.append(kGrowthAxisMaxDigits - rows_text.size(), ' ');
  const std::size_t prefix = kMagic.size() + 2 + 2;  // magic, version, uint16 length
  // Like numpy, pad by 1..64 bytes (a full 64 when already aligned).
  const std::size_t padding = kAlignment - (prefix + dict.size() + 1) % kAlignment;
  dict.append(padding, ' ');
  dict += '\n';

  const std::size_t length = dict.size();  // <= 128 for any 2-D shape, fits uint16
  std::string header(kMagic);
  header += '\x01';
  header += '\x00';
  header += static_cast<char>(length & 0xff);
  header += static_cast<char>((length >> 8) & 0xff);
  header += dict;
  return header;
}

/// Shape and order from the header dict, a Python literal such as
/// "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }".
struct HeaderFields {
  std::string descr;
  bool fortran_order = false;
  std::vector<std::uint64_t> shape;
};

/// Parses the subset of Python literal syntax numpy writes in a header:
/// a dict with string keys, string, bool and tuple-of-int values.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, bool allow_long_suffix, const std::string& source)
      : text_(text), allow_long_suffix_(allow_long_suffix), source_(source) {}

  HeaderFields parse() {
    HeaderFields fields;
    bool seen_descr = false;
    bool seen_fortran_order = false;
    bool seen_shape = false;

    skip_space();
    expect('{', "header is not a dict (expected '{')");
    skip_space();
    while (!at('}')) {
      const std::string key = parse_string("a string key");
      skip_space();
      expect(':', "expected ':' after key '" + key + "'");
      skip_space();
      if (key == "descr") {
        mark_seen(seen_descr, key);
        if (at('[')) fail("structured dtypes are not supported; expected '<f8' (little-endian float64)");
        fields.descr = parse_string("a dtype string for 'descr'");
      } else if (key == "fortran_order") {
        mark_seen(seen_fortran_order, key);
        fields.fortran_order = parse_bool();
      } else if (key == "shape") {
        mark_seen(seen_shape, key);
        fields.shape = parse_shape();
      } else {
        fail("unexpected key '" + key + "' (expected descr, fortran_order, shape)");
      }
      skip_space();
      if (at(',')) {
        ++pos_;
        skip_space();
      } else if (!at('}')) {
        fail("expected ',' or '}' in the header dict");
      }
    }
    ++pos_;
    skip_space();
    if (pos_ != text_.size()) fail("unexpected text after the header dict");
    if (!seen_descr) fail("header lacks 'descr'");
    if (!seen_fortran_order) fail("header lacks 'fortran_order'");
    if (!seen_shape) fail("header lacks 'shape'");
    return fields;
  }

 private:
  [[noreturn]] void fail(const std::string& problem) const { throw InputError(source_ + ": " + problem); }

  bool at(char c) const { return pos_ < text_.size() && text_[pos_] == c; }

  void expect(char c, const std::string& problem) {
    if (!at(c)) fail(problem);
    ++pos_;
  }

  void skip_space() {
    // Inside brackets Python ignores newlines too, and numpy pads with spaces.
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r'))
      ++pos_;
  }

  void mark_seen(bool& seen, const std::string& key) const {
    if (seen) fail("key '" + key + "' appears twice in the header");
    seen = true;
  }

  std::string parse_string(const std::string& what) {
    if (!at('\'') && !at('"')) fail("expected " + what + " in the header");
    const char quote = text_[pos_++];
    const std::size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      // Escapes never occur in what numpy writes; refusing them keeps the
      // parser a plain scan.
      if (text_[pos_] == '\\' || text_[pos_] == '\n') fail("unsupported character in a header string");
      ++pos_;
    }
    if (pos_ == text_.size()) fail("unterminated string in the header");
    return std::string(text_.substr(start, pos_++ - start));
  }

  bool parse_bool() {
    const std::string_view rest = text_.substr(pos_);
    if (rest.starts_with("True")) {
      pos_ += 4;
      return true;
    }
    if (rest.starts_with("False")) {
      pos_ += 5;
      return false;
    }
    fail("'fortran_order' must be True or False");
  }

  std::uint64_t parse_dimension() {
    const std::size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
    if (pos_ == start) fail("'shape' must be a tuple of non-negative integers");
    const CountReading dimension = read_count(text_.substr(start, pos_ - start));
    if (dimension.problem != NumberProblem::none)
      fail("shape dimension " + std::string(text_.substr(start, pos_ - start)) + " is too large");
    // Python 2 wrote longs as "3L"; numpy strips the suffix for versions 1 and 2.
    if (allow_long_suffix_ && at('L')) ++pos_;
    return dimension.value;
  }

  std::vector<std::uint64_t> parse_shape() {
    expect('(', "'shape' must be a tuple, e.g. (2, 3)");
    std::vector<std::uint64_t> shape;
    bool trailing_comma = false;
    skip_space();
    while (!at(')')) {
      shape.push_back(parse_dimension());
      skip_space();
      trailing_comma = at(',');
      if (trailing_comma) {
        ++pos_;
        skip_space();
      } else if (!at(')')) {
        fail("expected ',' or ')' in 'shape'");
      }
    }
    ++pos_;
    // "(3)" is a parenthesised int in Python, not a tuple.
    if (shape.size() == 1 && !trailing_comma) fail("'shape' must be a tuple, e.g. (2, 3)");
    return shape;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  bool allow_long_suffix_;
  const std::string& source_;
};

/// Bytes left in the stream, when it can seek; nothing for pipes.
std::optional<std::uint64_t> bytes_left(std::istream& in) {
  std::streambuf* buffer = in.rdbuf();
  const auto here = buffer->pubseekoff(0, std::ios::cur, std::ios::in);
  if (here == std::streampos(-1)) return std::nullopt;
  const auto end = buffer->pubseekoff(0, std::ios::end, std::ios::in);
  if (end == std::streampos(-1) || buffer->pubseekpos(here, std::ios::in) != here || end < here) return std::nullopt;
  return static_cast<std::uint64_t>(end - here);
}

std::size_t read_bytes(std::istream& in, unsigned char* out, std::size_t count) {
  in.read(reinterpret_cast<char*>(out), static_cast<std::streamsize>(count));
  return static_cast<std::size_t>(in.gcount());
}

class NpyReader {
 public:
  NpyReader(std::istream& in, const std::string& source) : in_(in), source_(source) {}

  Matrix read(std::size_t max_data_bytes) {
    const NpyShape shape = read_shape();
    return read_data(shape.rows, shape.cols, max_data_bytes);
  }

  /// The header, checked; the stream is left at the first data byte.
  NpyShape read_shape() {
    const HeaderFields fields = read_header();
    check_dtype(fields);
    if (fields.shape.size() != 2)
      fail("expected a 2-D array, but 'shape' has " + std::to_string(fields.shape.size()) + " dimension" +
           (fields.shape.size() == 1 ? "" : "s"));
    const std::uint64_t rows = fields.shape[0], cols = fields.shape[1];
    // Eigen indexes with ptrdiff_t and the stream counts in streamsize: both
    // signed 64-bit here, so the byte count has to fit in int64.
    constexpr std::uint64_t kMaxBytes = static_cast<std::uint64_t>(std::numeric_limits<std::ptrdiff_t>::max());
    if (cols != 0 && rows > kMaxBytes / 8 / cols)
      fail("shape " + format_shape(rows, cols) + " is too large: rows*cols*8 bytes overflows");
    return {static_cast<std::size_t>(rows), static_cast<std::size_t>(cols)};
  }

  /// Magic, version and the header dict, checked; any dtype and shape. The
  /// stream is left at the first data byte.
  HeaderFields read_header() {
    std::array<unsigned char, 8> prefix{};
    const std::size_t got = read_bytes(in_, prefix.data(), prefix.size());
    if (in_.bad()) fail("read error");
    if (got == 0) fail("empty file (not a .npy file)");
    if (got < kMagic.size() || std::memcmp(prefix.data(), kMagic.data(), kMagic.size()) != 0)
      fail("not a .npy file (bad magic; expected \\x93NUMPY)");
    if (got < prefix.size()) fail("truncated .npy header");

    const unsigned major = prefix[6];
    const unsigned minor = prefix[7];
    if (major < 1 || major > 3 || minor != 0)
      fail("unsupported .npy format version " + std::to_string(major) + "." + std::to_string(minor) +
           " (supported: 1.0, 2.0, 3.0)");

    // Version 1.0 stores the header length in 2 bytes, 2.0 and 3.0 in 4.
    const std::size_t length_bytes = major == 1 ? 2 : 4;
    std::array<unsigned char, 4> length_field{};
    if (read_bytes(in_, length_field.data(), length_bytes) != length_bytes) fail("truncated .npy header");
    std::uint64_t header_length = 0;
    for (std::size_t n = 0; n < length_bytes; ++n) header_length |= std::uint64_t{length_field[n]} << (8 * n);
    // Checked before reading, so a corrupt length cannot force an allocation.
    if (header_length > kMaxHeaderBytes)
      fail("header length " + std::to_string(header_length) + " exceeds " + std::to_string(kMaxHeaderBytes) + " bytes");

    std::string header(static_cast<std::size_t>(header_length), '\0');
    if (read_bytes(in_, reinterpret_cast<unsigned char*>(header.data()), header.size()) != header.size())
      fail("truncated .npy header");
    // A valid dict is pure ASCII (3.0 allows UTF-8, but only inside strings
    // such as field names of structured dtypes, which are rejected anyway).
    if (std::any_of(header.begin(), header.end(), [](char c) {
          const auto byte = static_cast<unsigned char>(c);
          return byte >= 0x80 || (byte < 0x20 && c != '\n' && c != '\r' && c != '\t');
        }))
      fail("header contains a non-ASCII or control byte");
    header_bytes_ = prefix.size() + length_bytes + header_length;
    return HeaderParser(header, major <= 2, source_).parse();
  }

  /// Bytes before the data: magic, version, length field and dict.
  std::uint64_t header_bytes() const { return header_bytes_; }

 private:
  [[noreturn]] void fail(const std::string& problem) const { throw InputError(source_ + ": " + problem); }

  void check_dtype(const HeaderFields& fields) const {
    if (fields.descr == ">f8")
      fail("big-endian float64 ('>f8') is not supported; save with dtype '<f8' (e.g. a.astype('<f8'))");
    if (fields.descr != "<f8" && fields.descr != "|f8")
      fail("dtype '" + fields.descr + "' is not supported; expected '<f8' (little-endian float64)");
    if (fields.fortran_order)
      fail("Fortran order is not supported; save a C-order array (e.g. numpy.ascontiguousarray)");
  }

  static std::string format_shape(std::uint64_t rows, std::uint64_t cols) {
    // Appended piecewise: "(" + std::to_string(...) trips GCC 12's false
    // -Wrestrict positive (GCC bug 105329) under -Werror.
    std::string text = "(";
    text.append(std::to_string(rows)).append(", ").append(std::to_string(cols)).append(")");
    return text;
  }

  /// rows*cols*8 fits in int64 (read_shape checked it).
  Matrix read_data(std::uint64_t rows, std::uint64_t cols, std::size_t max_data_bytes) {
    const std::string shape_text = format_shape(rows, cols);
    const std::uint64_t count = rows * cols;
    const std::uint64_t data_bytes = count * 8;
    if (max_data_bytes != 0 && data_bytes > max_data_bytes)
      fail("shape " + shape_text + " needs " + std::to_string(data_bytes) + " bytes, more than the memory limit of " +
           std::to_string(max_data_bytes) + " bytes (--max-memory)");

    if (const auto left = bytes_left(in_)) {
      if (*left < data_bytes)
        fail("truncated data: shape " + shape_text + " needs " + std::to_string(data_bytes) + " bytes, found " +
             std::to_string(*left));
      if (*left > data_bytes)
        fail(std::to_string(*left - data_bytes) + " trailing bytes after the data of shape " + shape_text);
      Matrix M(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
      advise_huge_pages(M);
      if (read_values(M.data(), count) != count) fail("truncated data (read error)");
      return M;
    }

    // A pipe cannot tell its length: grow with the data actually read, so a
    // header lying about its shape cannot force a huge allocation.
    std::vector<double> values;
    values.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(count, kChunkValues)));
    while (values.size() < count) {
      const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(count - values.size(), kChunkValues));
      const std::size_t old_size = values.size();
      values.resize(old_size + want);
      const std::size_t got = read_values(values.data() + old_size, want);
      if (got != want)
        fail("truncated data: shape " + shape_text + " needs " + std::to_string(data_bytes) + " bytes, found " +
             std::to_string((old_size + got) * 8) + " or fewer");
    }
    if (in_.peek() != std::istream::traits_type::eof()) fail("trailing bytes after the data of shape " + shape_text);
    return Matrix(
        Eigen::Map<const Matrix>(values.data(), static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols)));
  }

  /// Reads up to count little-endian doubles; returns how many were complete.
  /// The bytes land in `out` directly and are decoded in place (a no-op on a
  /// little-endian host), so a large X is copied once, not twice.
  std::size_t read_values(double* out, std::uint64_t count) {
    std::uint64_t done = 0;
    while (done < count) {
      const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(count - done, kChunkValues));
      auto* bytes = reinterpret_cast<unsigned char*>(out + done);
      const std::size_t got = read_bytes(in_, bytes, want * 8);
      if (in_.bad()) fail("read error");
      if constexpr (std::endian::native != std::endian::little)
        for (std::size_t n = 0; n < got / 8; ++n) out[done + n] = decode_little_endian(bytes + 8 * n);
      done += got / 8;
      if (got != want * 8) break;
    }
    return static_cast<std::size_t>(done);
  }

  std::istream& in_;
  const std::string& source_;
  std::uint64_t header_bytes_ = 0;
};

}  // namespace

void write_npy(std::ostream& out, const Matrix& M) {
  const auto cols = static_cast<std::size_t>(M.cols());
  write_npy_rows(out, static_cast<std::size_t>(M.rows()), cols, [&M, cols](std::size_t i, std::span<double> row) {
    std::copy_n(M.row(static_cast<Eigen::Index>(i)).data(), cols, row.begin());
  });
}

void write_npy_rows(std::ostream& out, std::size_t rows, std::size_t cols,
                    const std::function<void(std::size_t, std::span<double>)>& row) {
  const std::string header = npy_header(rows, cols);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  if (rows == 0) return;  // no row buffers for an empty array, however wide
  std::vector<double> values(cols);
  std::vector<unsigned char> bytes(cols * 8);
  for (std::size_t i = 0; i < rows; ++i) {
    row(i, values);
    for (std::size_t j = 0; j < cols; ++j) encode_little_endian(values[j], bytes.data() + 8 * j);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
}

Matrix read_npy(std::istream& in, const std::string& source_name, std::size_t max_data_bytes) {
  return NpyReader(in, source_name).read(max_data_bytes);
}

namespace {

std::ifstream open_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int error = errno;
    throw InputError(path + ": cannot open file (" + std::generic_category().message(error) + ")");
  }
  return in;
}

}  // namespace

Matrix read_npy_file(const std::string& path, std::size_t max_data_bytes) {
  std::ifstream in = open_npy(path);
  return read_npy(in, path, max_data_bytes);
}

NpyShape read_npy_shape(std::istream& in, const std::string& source_name) {
  return NpyReader(in, source_name).read_shape();
}

NpyShape read_npy_file_shape(const std::string& path) {
  std::ifstream in = open_npy(path);
  return read_npy_shape(in, path);
}

NpyHeader read_npy_header(std::istream& in, const std::string& source_name) {
  NpyReader reader(in, source_name);
  HeaderFields fields = reader.read_header();
  return {std::move(fields.descr), fields.fortran_order, std::move(fields.shape), reader.header_bytes()};
}

std::optional<NpyElementType> npy_element_type(std::string_view descr) {
  if (descr.size() != 3 || (descr[0] != '<' && descr[0] != '|')) return std::nullopt;
  const std::string_view code = descr.substr(1);
  if (code == "f8") return NpyElementType{NpyKind::floating, 8};
  if (code == "f4") return NpyElementType{NpyKind::floating, 4};
  if (code == "b1") return NpyElementType{NpyKind::boolean, 1};
  const char digit = code[1];
  if (digit != '1' && digit != '2' && digit != '4' && digit != '8') return std::nullopt;
  const auto bytes = static_cast<std::size_t>(digit - '0');
  if (code[0] == 'i') return NpyElementType{NpyKind::signed_integer, bytes};
  if (code[0] == 'u') return NpyElementType{NpyKind::unsigned_integer, bytes};
  return std::nullopt;
}

std::optional<std::uint64_t> npy_data_bytes(const std::vector<std::uint64_t>& shape, std::size_t element_bytes) {
  // Byte counts must fit in int64 (streamsize, ptrdiff_t).
  constexpr auto kLimit = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  std::uint64_t count = 1;
  for (const std::uint64_t n : shape) {
    if (n != 0 && count > kLimit / n) return std::nullopt;
    count *= n;
  }
  if (element_bytes != 0 && count > kLimit / element_bytes) return std::nullopt;
  return count * element_bytes;
}

namespace {

/// The element at `in` as its two's complement or unsigned integer bits.
std::uint64_t little_endian_bits(const unsigned char* in, std::size_t bytes) {
  std::uint64_t bits = 0;
  for (std::size_t n = 0; n < bytes; ++n) bits |= std::uint64_t{in[n]} << (8 * n);
  return bits;
}

/// A stored integer: its magnitude and sign, wide enough for int64 and uint64.
struct StoredInteger {
  bool negative;
  std::uint64_t magnitude;
};

StoredInteger integer_element(const unsigned char* in, NpyElementType type) {
  const std::uint64_t bits = little_endian_bits(in, type.bytes);
  if (type.kind == NpyKind::unsigned_integer) return {false, bits};
  const unsigned width = 8 * static_cast<unsigned>(type.bytes);
  const bool negative = (bits >> (width - 1)) & 1;
  if (!negative) return {false, bits};
  // Two's complement of `width` bits: the magnitude is 2^width - bits.
  const std::uint64_t mask = width == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << width) - 1;
  return {true, ((~bits) & mask) + 1};
}

std::string integer_text(StoredInteger v) { return (v.negative ? "-" : "") + std::to_string(v.magnitude); }

/// Reads count elements of `bytes` bytes in chunks and hands each chunk to
/// `chunk(first_index, data, elements)`.
template <typename Chunk>
void read_elements(std::istream& in, std::size_t bytes, std::uint64_t count, const std::string& source,
                   Chunk&& chunk) {
  const std::uint64_t chunk_elements = std::min<std::uint64_t>(count, kChunkValues);
  std::vector<unsigned char> buffer(static_cast<std::size_t>(chunk_elements) * bytes);
  for (std::uint64_t done = 0; done < count;) {
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(count - done, kChunkValues));
    const std::size_t got = read_bytes(in, buffer.data(), want * bytes);
    if (in.bad()) throw InputError(source + ": read error");
    if (got != want * bytes)
      throw InputError(source + ": truncated data: " + std::to_string(count) + " elements need " +
                       std::to_string(count * bytes) + " bytes, found " + std::to_string(done * bytes + got));
    chunk(done, buffer.data(), want);
    done += want;
  }
}

}  // namespace

void read_npy_values(std::istream& in, NpyElementType type, std::uint64_t count, const std::string& source_name,
                     const std::function<void(std::uint64_t, double)>& sink) {
  constexpr std::uint64_t kExactIntegers = std::uint64_t{1} << 53;
  read_elements(in, type.bytes, count, source_name, [&](std::uint64_t first, const unsigned char* data, std::size_t n) {
    for (std::size_t t = 0; t < n; ++t) {
      const unsigned char* element = data + t * type.bytes;
      double value = 0;
      if (type.kind == NpyKind::floating) {
        value = type.bytes == 8 ? decode_little_endian(element)
                                : static_cast<double>(std::bit_cast<float>(
                                      static_cast<std::uint32_t>(little_endian_bits(element, 4))));
      } else if (type.kind == NpyKind::boolean) {
        if (*element > 1)
          throw InputError(source_name + ": element " + std::to_string(first + t) + " is not a bool (byte " +
                           std::to_string(*element) + ")");
        value = *element;
      } else {
        const StoredInteger v = integer_element(element, type);
        // Every integer up to 2^53 is a double; above, only some are.
        const auto magnitude = static_cast<double>(v.magnitude);
        if (v.magnitude > kExactIntegers && (magnitude >= 18446744073709551616.0 ||
                                             static_cast<std::uint64_t>(magnitude) != v.magnitude))
          throw InputError(source_name + ": element " + std::to_string(first + t) + " = " + integer_text(v) +
                           " is not exactly a double; save the values as float64");
        value = v.negative ? -magnitude : magnitude;
      }
      sink(first + t, value);
    }
  });
}

void read_npy_integers(std::istream& in, NpyElementType type, std::uint64_t count, const std::string& source_name,
                       const std::function<void(std::uint64_t, std::int64_t)>& sink) {
  constexpr std::uint64_t kMaxInt64 = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  read_elements(in, type.bytes, count, source_name, [&](std::uint64_t first, const unsigned char* data, std::size_t n) {
    for (std::size_t t = 0; t < n; ++t) {
      const StoredInteger v = integer_element(data + t * type.bytes, type);
      if (!v.negative && v.magnitude > kMaxInt64)
        throw InputError(source_name + ": element " + std::to_string(first + t) + " = " + integer_text(v) +
                         " is too large");
      // -2^63 has magnitude 2^63, which int64 holds only as a negative number.
      sink(first + t, v.negative ? static_cast<std::int64_t>(~(v.magnitude - 1)) : static_cast<std::int64_t>(v.magnitude));
    }
  });
}

}  // namespace jlattn::io
