// Tests of the .npy writer and strict reader (src/jlattn/io/npy).
#include "jlattn/io/npy.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <unistd.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <streambuf>
#include <string>
#include <tuple>
#include <vector>

#include "jlattn/core/errors.hpp"
#include "support/files.hpp"
#include "support/input_error.hpp"
#include "support/mutation.hpp"
#include "support/python.hpp"
#include "support/zip_writer.hpp"

namespace {

using jlattn::InputError;
using jlattn::Matrix;
using jlattn::io::read_npy;
using jlattn::io::read_npy_file;
using jlattn::io::write_npy;
using jlattn::io::write_npy_rows;
using testing::HasSubstr;
using testing::StartsWith;

constexpr const char* kSource = "X.npy";

std::string npy_bytes(const Matrix& M) {
  std::ostringstream out(std::ios::binary);
  write_npy(out, M);
  return out.str();
}

Matrix read_bytes(const std::string& bytes) {
  std::istringstream in(bytes, std::ios::binary);
  return read_npy(in, kSource);
}

/// A stream that cannot seek, like a pipe: the reader has to find truncation
/// and trailing bytes without knowing the length in advance.
class ForwardOnlyBuffer : public std::streambuf {
 public:
  explicit ForwardOnlyBuffer(std::string bytes) : bytes_(std::move(bytes)) {
    setg(bytes_.data(), bytes_.data(), bytes_.data() + bytes_.size());
  }

 private:
  std::string bytes_;
};

Matrix read_bytes_unseekable(const std::string& bytes) {
  ForwardOnlyBuffer buffer(bytes);
  std::istream in(&buffer);
  return read_npy(in, kSource);
}

/// The InputError message for reading `bytes` from a seekable stream; a test
/// failure if nothing is thrown or the message is not one line naming the file.
std::string error_of(const std::string& bytes) {
  try {
    read_bytes(bytes);
  } catch (const InputError& e) {
    const std::string message = e.what();
    EXPECT_THAT(message, StartsWith(std::string(kSource) + ": "));
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    return message;
  }
  ADD_FAILURE() << "no InputError";
  return "";
}

/// The same through a stream that cannot seek.
std::string error_of_unseekable(const std::string& bytes) {
  try {
    read_bytes_unseekable(bytes);
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no InputError";
  return "";
}

/// A hand-made .npy file: magic, version, little-endian header length, the
/// dict padded like numpy to a multiple of 64, then `data`.
std::string make_npy(const std::string& dict, const std::string& data = "", int major = 1) {
  const std::size_t length_bytes = major == 1 ? 2 : 4;
  std::string header = dict;
  const std::size_t unpadded = 6 + 2 + length_bytes + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::string bytes = "\x93NUMPY";
  bytes += static_cast<char>(major);
  bytes += '\0';
  for (std::size_t n = 0; n < length_bytes; ++n) bytes += static_cast<char>((header.size() >> (8 * n)) & 0xff);
  return bytes + header + data;
}

std::string little_endian(double value) {
  const auto bits = std::bit_cast<std::uint64_t>(value);
  std::string bytes;
  for (int n = 0; n < 8; ++n) bytes += static_cast<char>((bits >> (8 * n)) & 0xff);
  return bytes;
}

std::string data_of(std::initializer_list<double> values) {
  std::string bytes;
  for (const double v : values) bytes += little_endian(v);
  return bytes;
}

bool bit_equal(const Matrix& a, const Matrix& b) {
  if (a.rows() != b.rows() || a.cols() != b.cols()) return false;
  for (Eigen::Index n = 0; n < a.size(); ++n)
    if (std::bit_cast<std::uint64_t>(a.data()[n]) != std::bit_cast<std::uint64_t>(b.data()[n])) return false;
  return true;
}

const std::string kDict23 = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }";

// ---- writing -----------------------------------------------------------------

TEST(NpyWrite, KnownAnswerBytesForShape2x3) {
  // Written by hand from the .npy format 1.0 specification and checked
  // against what numpy 1.24 `numpy.save` produces for a (2, 3) float64
  // C-order array: magic \x93NUMPY, version 1.0, header length 118 (0x76) as
  // little-endian uint16, the dict (59 characters), 58 spaces (numpy's 20
  // spare "growth" spaces plus alignment padding) and '\n', so the data
  // starts at byte 128; then six little-endian IEEE-754 doubles.
  std::string expected("\x93NUMPY\x01\x00\x76\x00", 10);
  expected += "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }";
  expected += std::string(58, ' ');
  expected += '\n';
  ASSERT_EQ(expected.size(), 128u);
  const unsigned char data[] = {
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf0, 0x3f,  //  1.0
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0,  // -2.0
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xe0, 0x3f,  //  0.5
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80,  // -0.0
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf8, 0x3f,  //  1.5
      0x9a, 0x99, 0x99, 0x99, 0x99, 0x99, 0xb9, 0x3f,  //  0.1
  };
  expected.append(reinterpret_cast<const char*>(data), sizeof data);

  Matrix M(2, 3);
  M << 1.0, -2.0, 0.5, -0.0, 1.5, 0.1;
  EXPECT_EQ(npy_bytes(M), expected);
  EXPECT_TRUE(bit_equal(read_bytes(expected), M));
}

TEST(NpyWrite, DataStartsAtAMultipleOf64) {
  const std::vector<std::pair<std::size_t, std::size_t>> shapes = {{0, 0},     {1, 1},        {2, 3},
                                                                   {10, 1000}, {12345678, 0}, {0, 123456789012}};
  for (const auto& [rows, cols] : shapes) {
    std::ostringstream out(std::ios::binary);
    write_npy_rows(out, rows, cols, [](std::size_t, std::span<double> row) {
      for (double& v : row) v = 1.0;
    });
    const std::string bytes = out.str();
    ASSERT_GE(bytes.size(), 10u);
    const std::size_t header_length =
        static_cast<unsigned char>(bytes[8]) + 256u * static_cast<unsigned char>(bytes[9]);
    const std::size_t data_start = 10 + header_length;
    EXPECT_EQ(data_start % 64, 0u) << rows << " x " << cols;
    EXPECT_EQ(bytes[data_start - 1], '\n');
    EXPECT_EQ(bytes.size() - data_start, rows * cols * 8);
    const std::string shape = "'shape': (" + std::to_string(rows) + ", " + std::to_string(cols) + "), }";
    EXPECT_THAT(bytes.substr(10, header_length), HasSubstr(shape));
  }
}

TEST(NpyWrite, RowsStreamInOrderWithOneRowBuffer) {
  Matrix M(3, 4);
  M << 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12;
  std::vector<std::size_t> calls;
  std::ostringstream out(std::ios::binary);
  write_npy_rows(out, 3, 4, [&](std::size_t i, std::span<double> row) {
    calls.push_back(i);
    ASSERT_EQ(row.size(), 4u);
    for (std::size_t j = 0; j < row.size(); ++j) row[j] = M(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j));
  });
  EXPECT_EQ(calls, (std::vector<std::size_t>{0, 1, 2}));
  EXPECT_EQ(out.str(), npy_bytes(M));
}

// ---- reading -----------------------------------------------------------------

TEST(NpyRead, ReadsVersions2And3) {
  const std::string data = data_of({1, 2, 3, 4, 5, 6});
  for (const int major : {2, 3}) {
    const Matrix M = read_bytes(make_npy(kDict23, data, major));
    ASSERT_EQ(M.rows(), 2);
    ASSERT_EQ(M.cols(), 3);
    EXPECT_EQ(M(1, 2), 6.0);
    EXPECT_EQ(M(0, 1), 2.0);
  }
}

TEST(NpyRead, HeaderIsWhitespaceTolerantAndKeysInAnyOrder) {
  const std::string dict = "{ \"shape\" :( 2 ,3 , ) ,\n 'fortran_order':False,'descr':\t'<f8'\n}";
  const Matrix M = read_bytes(make_npy(dict, data_of({1, 2, 3, 4, 5, 6})));
  EXPECT_EQ(M.rows(), 2);
  EXPECT_EQ(M(1, 0), 4.0);
}

TEST(NpyRead, AcceptsNotAlignedHeadersAndPipeDtype) {
  // Old numpy aligned to 16 bytes; alignment is not required on reading.
  std::string header = "{'descr': '|f8', 'fortran_order': False, 'shape': (1, 1)}\n";
  std::string bytes =
      std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(header.size()) + '\0' + header + little_endian(2.5);
  EXPECT_EQ(read_bytes(bytes)(0, 0), 2.5);
}

TEST(NpyRead, AcceptsPython2LongSuffixInVersion1) {
  const Matrix M =
      read_bytes(make_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1L, 2L), }", data_of({7, 8})));
  EXPECT_EQ(M(0, 1), 8.0);
  EXPECT_THAT(error_of(make_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1L, 2L), }", data_of({7, 8}), 3)),
              HasSubstr("expected ',' or ')' in 'shape'"));
}

TEST(NpyRead, ZeroSizeArraysAreAccepted) {
  for (const auto& [rows, cols] : {std::pair{0, 3}, std::pair{3, 0}, std::pair{0, 0}}) {
    const Matrix M = read_bytes(npy_bytes(Matrix(rows, cols)));
    EXPECT_EQ(M.rows(), rows);
    EXPECT_EQ(M.cols(), cols);
  }
}

TEST(NpyRead, ReadsFromAStreamThatCannotSeek) {
  Matrix M(2, 2);
  M << 1, -0.0, std::numeric_limits<double>::denorm_min(), 4;
  EXPECT_TRUE(bit_equal(read_bytes_unseekable(npy_bytes(M)), M));
}

/// A file in the temporary directory, removed when the test ends.
struct TemporaryFile : jlattn::testing::TemporaryFile {
  explicit TemporaryFile(const std::string& name) : jlattn::testing::TemporaryFile("jlattn_npy_test_", name) {}
};

TEST(NpyRead, ReadsAFileAndNamesMissingFiles) {
  TemporaryFile file("file.npy");
  Matrix M(2, 1);
  M << 3, 4;
  {
    std::ofstream out(file.path(), std::ios::binary);
    write_npy(out, M);
  }
  EXPECT_TRUE(bit_equal(read_npy_file(file.path()), M));
  try {
    read_npy_file(file.path() + ".missing");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), StartsWith(file.path() + ".missing: cannot open file"));
  }
}

// ---- rejected input ----------------------------------------------------------

TEST(NpyReject, EmptyFile) { EXPECT_THAT(error_of(""), HasSubstr("X.npy: empty file")); }

TEST(NpyReject, BadMagic) {
  EXPECT_THAT(error_of("PK\x03\x04 not a npy file at all"), HasSubstr("X.npy: not a .npy file (bad magic"));
  EXPECT_THAT(error_of("\x93NUMPx\x01\x00"), HasSubstr("bad magic"));
  EXPECT_THAT(error_of("\x93NU"), HasSubstr("bad magic"));
}

TEST(NpyReject, UnsupportedVersion) {
  std::string bytes = make_npy(kDict23, data_of({1, 2, 3, 4, 5, 6}));
  bytes[6] = 4;
  EXPECT_THAT(error_of(bytes), HasSubstr("unsupported .npy format version 4.0"));
  bytes[6] = 1;
  bytes[7] = 1;
  EXPECT_THAT(error_of(bytes), HasSubstr("unsupported .npy format version 1.1"));
  bytes[6] = 0;
  bytes[7] = 0;
  EXPECT_THAT(error_of(bytes), HasSubstr("unsupported .npy format version 0.0"));
}

TEST(NpyReject, TruncatedHeader) {
  const std::string bytes = make_npy(kDict23, data_of({1, 2, 3, 4, 5, 6}));
  for (const std::size_t cut : {7u, 8u, 9u, 10u, 60u, 127u})
    EXPECT_THAT(error_of(bytes.substr(0, cut)), HasSubstr("truncated .npy header")) << "cut at " << cut;
}

TEST(NpyReject, HeaderTooLong) {
  const std::string bytes = make_npy(kDict23 + std::string(20000, ' '), "", 2);
  EXPECT_THAT(error_of(bytes), HasSubstr("exceeds 10000 bytes"));
}

TEST(NpyReject, BigEndianFloat64) {
  const std::string bytes = make_npy("{'descr': '>f8', 'fortran_order': False, 'shape': (1, 1), }", data_of({1}));
  EXPECT_THAT(error_of(bytes), HasSubstr("big-endian float64 ('>f8') is not supported"));
}

TEST(NpyReject, OtherDtypesAreNamed) {
  for (const std::string dtype : {"<f4", "<i8", "|u1", "<c16", "<f16", "|b1", "float64", "<U3", "|O"}) {
    const std::string bytes =
        make_npy("{'descr': '" + dtype + "', 'fortran_order': False, 'shape': (1, 1), }", data_of({1}));
    EXPECT_THAT(error_of(bytes), HasSubstr("dtype '" + dtype + "' is not supported; expected '<f8'"));
  }
}

TEST(NpyReject, StructuredDtype) {
  const std::string bytes =
      make_npy("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1, 1), }", data_of({1}));
  EXPECT_THAT(error_of(bytes), HasSubstr("structured dtypes are not supported"));
}

TEST(NpyReject, FortranOrder) {
  const std::string bytes =
      make_npy("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", data_of({1, 2, 3, 4, 5, 6}));
  EXPECT_THAT(error_of(bytes), HasSubstr("Fortran order is not supported"));
}

TEST(NpyReject, ShapesThatAreNot2D) {
  EXPECT_THAT(
      error_of(make_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (6,), }", data_of({1, 2, 3, 4, 5, 6}))),
      HasSubstr("expected a 2-D array, but 'shape' has 1 dimension"));
  EXPECT_THAT(
      error_of(make_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2, 3), }", data_of({1, 2, 3, 4, 5, 6}))),
      HasSubstr("'shape' has 3 dimensions"));
  EXPECT_THAT(error_of(make_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", data_of({1}))),
              HasSubstr("'shape' has 0 dimensions"));
}

TEST(NpyReject, ShapeThatIsNotATupleOfNonNegativeIntegers) {
  const auto with_shape = [](const std::string& shape) {
    return make_npy("{'descr': '<f8', 'fortran_order': False, 'shape': " + shape + ", }", data_of({1, 2}));
  };
  EXPECT_THAT(error_of(with_shape("(2)")), HasSubstr("'shape' must be a tuple"));
  EXPECT_THAT(error_of(with_shape("[1, 2]")), HasSubstr("'shape' must be a tuple"));
  EXPECT_THAT(error_of(with_shape("(-1, 2)")), HasSubstr("'shape' must be a tuple of non-negative integers"));
  EXPECT_THAT(error_of(with_shape("(1.0, 2)")), HasSubstr("expected ',' or ')' in 'shape'"));
  EXPECT_THAT(error_of(with_shape("(1, 2")), HasSubstr("'shape' must be a tuple of non-negative integers"));
  EXPECT_THAT(error_of(with_shape("(1, 99999999999999999999999)")), HasSubstr("is too large"));
}

TEST(NpyReject, MalformedHeaderDict) {
  const std::string data = data_of({1, 2, 3, 4, 5, 6});
  EXPECT_THAT(error_of(make_npy("'descr': '<f8'", data)), HasSubstr("header is not a dict"));
  EXPECT_THAT(error_of(make_npy("{'descr': '<f8', 'fortran_order': False}", data)), HasSubstr("header lacks 'shape'"));
  EXPECT_THAT(error_of(make_npy("{'shape': (2, 3), 'fortran_order': False}", data)), HasSubstr("header lacks 'descr'"));
  EXPECT_THAT(error_of(make_npy("{'descr': '<f8', 'shape': (2, 3)}", data)), HasSubstr("header lacks 'fortran_order'"));
  EXPECT_THAT(error_of(make_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), 'x': 1}", data)),
              HasSubstr("unexpected key 'x'"));
  EXPECT_THAT(error_of(make_npy("{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (2, 3)}", data)),
              HasSubstr("key 'descr' appears twice"));
  EXPECT_THAT(error_of(make_npy("{'descr': '<f8', 'fortran_order': false, 'shape': (2, 3)}", data)),
              HasSubstr("'fortran_order' must be True or False"));
  EXPECT_THAT(error_of(make_npy("{'descr': '<f8' 'fortran_order': False, 'shape': (2, 3)}", data)),
              HasSubstr("expected ',' or '}'"));
  EXPECT_THAT(error_of(make_npy("{'descr' '<f8', 'fortran_order': False, 'shape': (2, 3)}", data)),
              HasSubstr("expected ':' after key 'descr'"));
  EXPECT_THAT(error_of(make_npy("{'descr': '<f8, 'fortran_order': False, 'shape': (2, 3)}", data)),
              HasSubstr("expected ',' or '}'"));
  EXPECT_THAT(error_of(make_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3)} x", data)),
              HasSubstr("unexpected text after the header dict"));
  EXPECT_THAT(error_of(make_npy("{'descr': '<f\\x38', 'fortran_order': False, 'shape': (2, 3)}", data)),
              HasSubstr("unsupported character in a header string"));
  EXPECT_THAT(error_of(make_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3)", data)),
              HasSubstr("expected ',' or '}'"));
  EXPECT_THAT(error_of(make_npy("{'descr': '\xc3\xa9', 'fortran_order': False, 'shape': (2, 3)}", data, 3)),
              HasSubstr("non-ASCII or control byte"));
}

TEST(NpyReject, TruncatedData) {
  const std::string bytes = make_npy(kDict23, data_of({1, 2, 3, 4, 5}) + "abc");
  EXPECT_THAT(error_of(bytes), HasSubstr("truncated data: shape (2, 3) needs 48 bytes, found 43"));
  EXPECT_THAT(error_of_unseekable(bytes), HasSubstr("X.npy: truncated data: shape (2, 3) needs 48 bytes"));
}

TEST(NpyReject, TrailingBytes) {
  const std::string bytes = make_npy(kDict23, data_of({1, 2, 3, 4, 5, 6}) + "x");
  EXPECT_THAT(error_of(bytes), HasSubstr("1 trailing bytes after the data of shape (2, 3)"));
  EXPECT_THAT(error_of_unseekable(bytes), HasSubstr("X.npy: trailing bytes after the data of shape (2, 3)"));
}

TEST(NpyReject, SizeThatOverflows) {
  const auto with_shape = [](const std::string& shape) {
    return make_npy("{'descr': '<f8', 'fortran_order': False, 'shape': " + shape + ", }", data_of({1}));
  };
  EXPECT_THAT(error_of(with_shape("(4611686018427387904, 4)")),
              HasSubstr("shape (4611686018427387904, 4) is too large: rows*cols*8 bytes overflows"));
  EXPECT_THAT(error_of(with_shape("(4294967296, 4294967296)")), HasSubstr("overflows"));
  EXPECT_THAT(error_of(with_shape("(1152921504606846976, 1)")), HasSubstr("overflows"));
}

TEST(NpyReject, HugeShapeInAShortFileFailsWithoutAllocating) {
  // 80 GB promised, 8 bytes present: must be an InputError, not bad_alloc.
  const std::string bytes =
      make_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000), }", data_of({1}));
  EXPECT_THAT(error_of(bytes), HasSubstr("truncated data"));
  EXPECT_THAT(error_of_unseekable(bytes), HasSubstr("truncated data"));
}

// ---- properties --------------------------------------------------------------

/// Any double, with the interesting ones drawn often: subnormals, -0.0,
/// extremes, infinities and NaNs with payloads (the format stores bits).
rc::Gen<double> any_double() {
  return rc::gen::oneOf(
      rc::gen::map(rc::gen::arbitrary<std::uint64_t>(), [](std::uint64_t bits) { return std::bit_cast<double>(bits); }),
      rc::gen::arbitrary<double>(),
      rc::gen::element(-0.0, 0.0, std::numeric_limits<double>::denorm_min(), -std::numeric_limits<double>::denorm_min(),
                       std::numeric_limits<double>::min() / 3, std::numeric_limits<double>::max(),
                       -std::numeric_limits<double>::max(), std::numeric_limits<double>::infinity(),
                       std::bit_cast<double>(std::uint64_t{0x7ff8dead00000001}), 1e308, 0.1));
}

Matrix random_matrix() {
  // Zero-size arrays are legal but should not crowd out the others.
  const auto dimension = rc::gen::weightedOneOf<int>({{1, rc::gen::just(0)}, {9, rc::gen::inRange(1, 8)}});
  const auto rows = *dimension;
  const auto cols = *dimension;
  Matrix M(rows, cols);
  for (Eigen::Index n = 0; n < M.size(); ++n) M.data()[n] = *any_double();
  return M;
}

RC_GTEST_PROP(NpyProperty, WriteThenReadIsBitExact, ()) {
  const Matrix M = random_matrix();
  bool has_subnormal = false, has_negative_zero = false, has_nan = false;
  for (Eigen::Index n = 0; n < M.size(); ++n) {
    const double v = M.data()[n];
    has_subnormal |= std::fpclassify(v) == FP_SUBNORMAL;
    has_negative_zero |= v == 0.0 && std::signbit(v);
    has_nan |= std::isnan(v);
  }
  RC_CLASSIFY(M.size() == 0, "zero-size");
  RC_CLASSIFY(has_subnormal, "subnormal");
  RC_CLASSIFY(has_negative_zero, "-0.0");
  RC_CLASSIFY(has_nan, "NaN");

  const std::string bytes = npy_bytes(M);
  RC_ASSERT(bit_equal(read_bytes(bytes), M));
  RC_ASSERT(bit_equal(read_bytes_unseekable(bytes), M));
}

using jlattn::testing::apply_mutation;
using jlattn::testing::Mutation;

rc::Gen<Mutation> mutation() {
  // Header characters are drawn often, so the dict parser sees near misses.
  return jlattn::testing::gen_mutation(rc::gen::element('0', '9', ' ', '\n', '(', ')', ',', '\'', '<', '>', '{', '}', '\0'));
}

RC_GTEST_PROP(NpyProperty, MutatedFilesParseOrThrowInputError, ()) {
  std::string bytes = npy_bytes(random_matrix());
  // Most bytes are data; aim half of the edits at the 128-byte header.
  const auto mutations = *rc::gen::container<std::vector<Mutation>>(*rc::gen::inRange(1, 4), mutation());
  const bool header_only = *rc::gen::arbitrary<bool>();
  for (Mutation m : mutations) {
    if (header_only) m.where %= 128;
    apply_mutation(m, bytes);
  }
  const bool seekable = *rc::gen::arbitrary<bool>();

  std::optional<Matrix> accepted;
  std::string rejection;
  try {
    accepted = seekable ? read_bytes(bytes) : read_bytes_unseekable(bytes);
  } catch (const InputError& e) {
    rejection = e.what();
  } catch (const std::exception& e) {
    RC_FAIL(std::string("unexpected exception: ") + e.what());
  }
  RC_CLASSIFY(accepted.has_value(), "accepted");
  RC_CLASSIFY(seekable, "seekable stream");
  if (accepted) {
    // A file that parses holds exactly a header and rows*cols doubles.
    RC_ASSERT(bytes.size() >= static_cast<std::size_t>(accepted->size()) * 8 + 10);
  } else {
    RC_ASSERT(rejection.rfind("X.npy: ", 0) == 0);
    RC_ASSERT(rejection.find('\n') == std::string::npos);
  }
}

// ---- any dtype and shape: the arrays of a target (read_npy_header, read_npy_values) --

using jlattn::io::NpyElementType;
using jlattn::io::NpyKind;
using jlattn::io::npy_data_bytes;
using jlattn::io::npy_element_type;
using jlattn::io::read_npy_header;
using jlattn::io::read_npy_integers;
using jlattn::io::read_npy_values;

TEST(NpyHeader, AnyDtypeAndShapeWithTheDataOffset) {
  const std::string bytes = make_npy("{'descr': '|S3', 'fortran_order': False, 'shape': (), }", "csr");
  std::istringstream in(bytes);
  const auto header = read_npy_header(in, kSource);
  EXPECT_EQ(header.descr, "|S3");
  EXPECT_FALSE(header.fortran_order);
  EXPECT_TRUE(header.shape.empty());
  EXPECT_EQ(header.header_bytes, bytes.size() - 3);
  EXPECT_EQ(in.tellg(), static_cast<std::streamoff>(bytes.size() - 3));

  const std::string v2 = make_npy("{'descr': '<i8', 'fortran_order': True, 'shape': (2, 3, 4), }", "", 2);
  std::istringstream in2(v2);
  const auto header2 = read_npy_header(in2, kSource);
  EXPECT_EQ(header2.descr, "<i8");
  EXPECT_TRUE(header2.fortran_order);
  EXPECT_EQ(header2.shape, (std::vector<std::uint64_t>{2, 3, 4}));
  EXPECT_EQ(header2.header_bytes, v2.size());
}

TEST(NpyHeader, RefusesWhatReadNpyRefusesInTheHeader) {
  for (const std::string& bytes : {std::string(""), std::string("PK\x03\x04 not npy"),
                                   make_npy("{'descr': '<f8', 'shape': (2,), }"), std::string("\x93NUMPY\x01\x00\xff", 9)}) {
    std::istringstream in(bytes);
    try {
      read_npy_header(in, kSource);
      ADD_FAILURE() << "accepted " << bytes;
    } catch (const InputError& e) {
      EXPECT_THAT(e.what(), StartsWith("X.npy: "));
      EXPECT_EQ(std::string(e.what()), error_of(bytes));  // the same words as read_npy
    }
  }
}

TEST(NpyElementTypes, TheTypesATargetMayUse) {
  const std::vector<std::tuple<std::string, NpyKind, std::size_t>> known = {
      {"<f8", NpyKind::floating, 8},         {"|f8", NpyKind::floating, 8},         {"<f4", NpyKind::floating, 4},
      {"|b1", NpyKind::boolean, 1},          {"|i1", NpyKind::signed_integer, 1},   {"<i2", NpyKind::signed_integer, 2},
      {"<i4", NpyKind::signed_integer, 4},   {"<i8", NpyKind::signed_integer, 8},   {"|u1", NpyKind::unsigned_integer, 1},
      {"<u2", NpyKind::unsigned_integer, 2}, {"<u4", NpyKind::unsigned_integer, 4}, {"<u8", NpyKind::unsigned_integer, 8}};
  for (const auto& [descr, kind, bytes] : known) {
    const auto type = npy_element_type(descr);
    ASSERT_TRUE(type.has_value()) << descr;
    EXPECT_EQ(type->kind, kind) << descr;
    EXPECT_EQ(type->bytes, bytes) << descr;
  }
  for (const char* descr : {">f8", ">i4", "=f8", "<f2", "<f16", "<c8", "<c16", "|O", "|S3", "<U3", "<M8[ns]",
                                  "<i3", "<b1x", "f8", "<F8", ""})
    EXPECT_FALSE(npy_element_type(descr).has_value()) << descr;
}

TEST(NpyDataBytes, ProductTimesElementSizeOrNothingOnOverflow) {
  EXPECT_EQ(npy_data_bytes({}, 3), 3u);  // a 0-d array holds one element
  EXPECT_EQ(npy_data_bytes({0, 7}, 8), 0u);
  EXPECT_EQ(npy_data_bytes({2, 3}, 8), 48u);
  EXPECT_EQ(npy_data_bytes({std::uint64_t{1} << 31, std::uint64_t{1} << 31}, 1), std::uint64_t{1} << 62);
  EXPECT_EQ(npy_data_bytes({std::uint64_t{1} << 31, std::uint64_t{1} << 31}, 2), std::nullopt);  // 2^63
  EXPECT_EQ(npy_data_bytes({std::uint64_t{1} << 40, std::uint64_t{1} << 40}, 1), std::nullopt);
  EXPECT_EQ(npy_data_bytes({0, std::uint64_t{1} << 62, 4}, 8), 0u);
}

using jlattn::testing::le_bytes;

std::vector<double> values_of(const std::string& bytes, NpyElementType type, std::uint64_t count) {
  std::istringstream in(bytes);
  std::vector<double> out;
  read_npy_values(in, type, count, kSource, [&out](std::uint64_t n, double v) {
    EXPECT_EQ(n, out.size());
    out.push_back(v);
  });
  return out;
}

std::string values_error(const std::string& bytes, NpyElementType type, std::uint64_t count) {
  return jlattn::testing::input_error_message([&] { values_of(bytes, type, count); });
}

TEST(NpyValues, EveryTypeConvertsExactly) {
  const NpyElementType i1{NpyKind::signed_integer, 1}, u1{NpyKind::unsigned_integer, 1};
  const NpyElementType i2{NpyKind::signed_integer, 2}, u2{NpyKind::unsigned_integer, 2};
  const NpyElementType i4{NpyKind::signed_integer, 4}, u4{NpyKind::unsigned_integer, 4};
  const NpyElementType i8{NpyKind::signed_integer, 8}, u8{NpyKind::unsigned_integer, 8};
  EXPECT_EQ(values_of(le_bytes(0x80, 1) + le_bytes(0x7f, 1) + le_bytes(0xff, 1), i1, 3),
            (std::vector<double>{-128, 127, -1}));
  EXPECT_EQ(values_of(le_bytes(0xff, 1), u1, 1), std::vector<double>{255});
  EXPECT_EQ(values_of(le_bytes(0x8000, 2) + le_bytes(0xffff, 2), i2, 2), (std::vector<double>{-32768, -1}));
  EXPECT_EQ(values_of(le_bytes(0xffff, 2), u2, 1), std::vector<double>{65535});
  EXPECT_EQ(values_of(le_bytes(0x80000000, 4), i4, 1), std::vector<double>{-2147483648.0});
  EXPECT_EQ(values_of(le_bytes(0xffffffff, 4), u4, 1), std::vector<double>{4294967295.0});
  // 2^53 + 1 is not a double; 2^62 and 2^63 are; -2^63 is.
  EXPECT_EQ(values_of(le_bytes(std::uint64_t{1} << 53, 8) + le_bytes(std::uint64_t{1} << 62, 8) +
                          le_bytes(std::uint64_t{1} << 63, 8),
                      i8, 3),
            (std::vector<double>{9007199254740992.0, 4611686018427387904.0, -9223372036854775808.0}));
  EXPECT_EQ(values_of(le_bytes(std::uint64_t{1} << 63, 8), u8, 1), std::vector<double>{9223372036854775808.0});
  EXPECT_EQ(values_error(le_bytes((std::uint64_t{1} << 53) + 1, 8), i8, 1),
            "X.npy: element 0 = 9007199254740993 is not exactly a double; save the values as float64");
  EXPECT_EQ(values_of(le_bytes(~std::uint64_t{0} - 1, 8), i8, 1), std::vector<double>{-2});
  EXPECT_EQ(values_error(le_bytes(0, 8) + le_bytes(~(std::uint64_t{1} << 60), 8), i8, 2),
            "X.npy: element 1 = -1152921504606846977 is not exactly a double; save the values as float64");
  EXPECT_EQ(values_error(le_bytes(~std::uint64_t{0}, 8), u8, 1),
            "X.npy: element 0 = 18446744073709551615 is not exactly a double; save the values as float64");

  const NpyElementType f4{NpyKind::floating, 4}, f8{NpyKind::floating, 8}, b1{NpyKind::boolean, 1};
  EXPECT_EQ(values_of(le_bytes(std::bit_cast<std::uint32_t>(0.1f), 4), f4, 1),
            std::vector<double>{static_cast<double>(0.1f)});
  EXPECT_EQ(values_of(le_bytes(std::bit_cast<std::uint64_t>(-0.5), 8), f8, 1), std::vector<double>{-0.5});
  EXPECT_EQ(values_of(le_bytes(0, 1) + le_bytes(1, 1), b1, 2), (std::vector<double>{0, 1}));
  EXPECT_EQ(values_error(le_bytes(2, 1), b1, 1), "X.npy: element 0 is not a bool (byte 2)");
}

TEST(NpyValues, TruncatedDataAcrossChunks) {
  // 70000 one-byte elements span two chunks of 65536; 69999 are present.
  const NpyElementType u1{NpyKind::unsigned_integer, 1};
  std::string bytes;
  for (int n = 0; n < 70000; ++n) bytes += static_cast<char>(n % 251);
  const std::vector<double> all = values_of(bytes, u1, 70000);
  ASSERT_EQ(all.size(), 70000u);
  for (std::size_t n = 0; n < all.size(); ++n) ASSERT_EQ(all[n], static_cast<double>(n % 251)) << n;
  bytes.pop_back();
  EXPECT_EQ(values_error(bytes, u1, 70000), "X.npy: truncated data: 70000 elements need 70000 bytes, found 69999");
}

TEST(NpyIntegers, SignedAndUnsignedToInt64) {
  const auto integers = [](const std::string& bytes, NpyElementType type, std::uint64_t count) {
    std::istringstream in(bytes);
    std::vector<std::int64_t> out;
    read_npy_integers(in, type, count, kSource, [&out](std::uint64_t, std::int64_t v) { out.push_back(v); });
    return out;
  };
  const NpyElementType i8{NpyKind::signed_integer, 8}, u8{NpyKind::unsigned_integer, 8};
  const NpyElementType i4{NpyKind::signed_integer, 4}, u4{NpyKind::unsigned_integer, 4};
  EXPECT_EQ(integers(le_bytes(std::uint64_t{1} << 63, 8) + le_bytes(~std::uint64_t{0}, 8), i8, 2),
            (std::vector<std::int64_t>{std::numeric_limits<std::int64_t>::min(), -1}));
  EXPECT_EQ(integers(le_bytes(0xfffffffe, 4), i4, 1), std::vector<std::int64_t>{-2});
  EXPECT_EQ(integers(le_bytes(0xfffffffe, 4), u4, 1), std::vector<std::int64_t>{4294967294});
  EXPECT_EQ(integers(le_bytes((std::uint64_t{1} << 63) - 1, 8), u8, 1),
            std::vector<std::int64_t>{std::numeric_limits<std::int64_t>::max()});
  EXPECT_EQ(jlattn::testing::input_error_message([&] { integers(le_bytes(std::uint64_t{1} << 63, 8), u8, 1); }),
            "X.npy: element 0 = 9223372036854775808 is too large");
}

RC_GTEST_PROP(NpyProperty, ValuesOfEveryTypeDecodeToWhatWasEncoded, ()) {
  const auto type = *rc::gen::element(NpyElementType{NpyKind::signed_integer, 1}, NpyElementType{NpyKind::signed_integer, 2},
                                      NpyElementType{NpyKind::signed_integer, 4}, NpyElementType{NpyKind::signed_integer, 8},
                                      NpyElementType{NpyKind::unsigned_integer, 1}, NpyElementType{NpyKind::unsigned_integer, 2},
                                      NpyElementType{NpyKind::unsigned_integer, 4}, NpyElementType{NpyKind::unsigned_integer, 8},
                                      NpyElementType{NpyKind::floating, 4}, NpyElementType{NpyKind::floating, 8});
  const auto count = *rc::gen::inRange<std::size_t>(0, 40);
  std::string bytes;
  std::vector<double> expected;
  for (std::size_t n = 0; n < count; ++n) {
    if (type.kind == NpyKind::floating && type.bytes == 8) {
      const double v = *rc::gen::map(rc::gen::arbitrary<std::uint64_t>(), [](std::uint64_t b) { return std::bit_cast<double>(b); });
      if (std::isnan(v)) continue;
      bytes += le_bytes(std::bit_cast<std::uint64_t>(v), 8);
      expected.push_back(v);
    } else if (type.kind == NpyKind::floating) {
      const float v = *rc::gen::map(rc::gen::arbitrary<std::uint32_t>(), [](std::uint32_t b) { return std::bit_cast<float>(b); });
      if (std::isnan(v)) continue;
      bytes += le_bytes(std::bit_cast<std::uint32_t>(v), 4);
      expected.push_back(static_cast<double>(v));
    } else {
      // Integers of at most 53 bits (shifted into the type's range), so each is a double.
      const unsigned width = 8 * static_cast<unsigned>(type.bytes);
      const unsigned bits = std::min(width, 53u);
      const std::uint64_t magnitude = *rc::gen::arbitrary<std::uint64_t>() >> (64 - bits + (type.kind == NpyKind::signed_integer ? 1 : 0));
      const bool negative = type.kind == NpyKind::signed_integer && *rc::gen::arbitrary<bool>();
      const std::uint64_t stored = negative ? (~magnitude + 1) : magnitude;
      bytes += le_bytes(stored, type.bytes);
      expected.push_back(negative ? -static_cast<double>(magnitude) : static_cast<double>(magnitude));
    }
  }
  RC_ASSERT(values_of(bytes, type, expected.size()) == expected);
}

// ---- cross-check with NumPy ------------------------------------------------------

using jlattn::testing::kPython;
using jlattn::testing::run_command;

bool python_has_numpy() { return jlattn::testing::python_has("numpy"); }

Matrix cross_check_matrix() {
  Matrix M(3, 4);
  M << 0.1, -0.0, std::numeric_limits<double>::denorm_min(), 1e308,                                      //
      -std::numeric_limits<double>::max(), std::numeric_limits<double>::min(), 3.141592653589793, -2.5,  //
      1, 2, 1e-310, 12345.678;
  return M;
}

std::string bit_patterns(const Matrix& M) {
  std::string text;
  for (Eigen::Index n = 0; n < M.size(); ++n) text += std::to_string(std::bit_cast<std::uint64_t>(M.data()[n])) + " ";
  return text;
}

TEST(NpyNumpy, NumpyLoadsWhatWeWriteBitExactly) {
  if (!python_has_numpy()) GTEST_SKIP() << kPython << " with numpy is not available";
  TemporaryFile file("ours.npy");
  const Matrix M = cross_check_matrix();
  {
    std::ofstream out(file.path(), std::ios::binary);
    write_npy(out, M);
  }
  const std::string script =
      "import sys, numpy as np\n"
      "a = np.load(sys.argv[1])\n"
      "assert a.dtype == np.dtype('<f8') and a.flags['C_CONTIGUOUS'], (a.dtype, a.flags)\n"
      "print(a.shape[0], a.shape[1])\n"
      "print(' '.join(str(int(b)) for b in a.reshape(-1).view('<u8')) + ' ')\n";
  const auto [output, ok] = run_command(std::string(kPython) + " -c \"" + script + "\" " + file.path());
  ASSERT_TRUE(ok) << output;
  EXPECT_EQ(output, "3 4\n" + bit_patterns(M) + "\n");
}

TEST(NpyNumpy, WeReadWhatNumpySaves) {
  if (!python_has_numpy()) GTEST_SKIP() << kPython << " with numpy is not available";
  TemporaryFile c_order("c.npy"), fortran("f.npy"), big_endian("b.npy"), floats("f4.npy");
  const std::string script =
      "import sys, numpy as np\n"
      "a = np.array([[0.1, -0.0, 5e-324, 1e308], [-1.7976931348623157e308, 2.2250738585072014e-308, "
      "3.141592653589793, -2.5], [1, 2, 1e-310, 12345.678]])\n"
      "np.save(sys.argv[1], a)\n"
      "np.save(sys.argv[2], np.asfortranarray(a))\n"
      "np.save(sys.argv[3], a.astype('>f8'))\n"
      "np.save(sys.argv[4], np.ones((2, 2), dtype='<f4'))\n";
  const auto [output, ok] = run_command(std::string(kPython) + " -c \"" + script + "\" " + c_order.path() + " " +
                                fortran.path() + " " + big_endian.path() + " " + floats.path());
  ASSERT_TRUE(ok) << output;

  EXPECT_TRUE(bit_equal(read_npy_file(c_order.path()), cross_check_matrix()));
  const auto message_for = [](const std::string& path) {
    try {
      read_npy_file(path);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_THAT(message_for(fortran.path()), HasSubstr("Fortran order is not supported"));
  EXPECT_THAT(message_for(big_endian.path()), HasSubstr("big-endian float64 ('>f8') is not supported"));
  EXPECT_THAT(message_for(floats.path()), HasSubstr("dtype '<f4' is not supported"));
}

TEST(NpyNumpy, NumpyWritesTheSameBytesAsWe) {
  if (!python_has_numpy()) GTEST_SKIP() << kPython << " with numpy is not available";
  TemporaryFile theirs("theirs.npy");
  const std::string script =
      "import sys, numpy as np\n"
      "np.save(sys.argv[1], np.arange(35.0).reshape(5, 7) / 7)\n";
  const auto [output, ok] = run_command(std::string(kPython) + " -c \"" + script + "\" " + theirs.path());
  ASSERT_TRUE(ok) << output;
  std::ifstream in(theirs.path(), std::ios::binary);
  const std::string numpy_bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());

  Matrix M(5, 7);
  for (Eigen::Index n = 0; n < 35; ++n) M.data()[n] = static_cast<double>(n) / 7;
  EXPECT_EQ(npy_bytes(M), numpy_bytes);
}

}  // namespace
