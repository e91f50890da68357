// Tests of the strict Matrix Market reader and the writer (src/jlattn/io/matrix_market).
#include "jlattn/io/matrix_market.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <locale>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "jlattn/core/errors.hpp"
#include "support/decimals.hpp"
#include "support/files.hpp"
#include "support/mutation.hpp"

namespace {

using jlattn::InputError;
using jlattn::Matrix;
using jlattn::Target;
using jlattn::io::read_matrix_market;
using jlattn::io::read_matrix_market_file;
using jlattn::io::write_matrix_market;
using testing::HasSubstr;
using testing::StartsWith;

constexpr const char* kSource = "A.mtx";

Target read_text(const std::string& text) {
  std::istringstream in(text);
  return read_matrix_market(in, kSource);
}

/// The message of the InputError that reading `text` throws; a test failure
/// if it throws nothing, or a message that is not one line naming the file.
std::string error_of(const std::string& text) {
  try {
    read_text(text);
  } catch (const InputError& e) {
    const std::string message = e.what();
    EXPECT_THAT(message, StartsWith(std::string(kSource) + ":"));
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    return message;
  }
  ADD_FAILURE() << "no InputError for:\n" << text;
  return "";
}

const std::string kBanner = "%%MatrixMarket matrix coordinate real general\n";

/// A valid 3 x 3 file with the given entry lines appended to banner and size.
std::string real_file(const std::string& size_line, const std::string& entries) {
  return kBanner + size_line + "\n" + entries;
}

// ---- accepted input ---------------------------------------------------------

TEST(MatrixMarketRead, ReadsRealGeneralFile) {
  const Target A = read_text(real_file("3 3 4", "1 1 2.5\n1 3 0.5\n2 2 1\n3 1 7\n"));
  EXPECT_EQ(A.L(), 3u);
  EXPECT_EQ(A.nnz(), 4u);
  EXPECT_EQ(A.value(0, 0), 2.5);
  EXPECT_EQ(A.value(0, 2), 0.5);
  EXPECT_EQ(A.value(1, 1), 1.0);
  EXPECT_EQ(A.value(2, 0), 7.0);
  EXPECT_EQ(A.value(0, 1), 0.0);
}

TEST(MatrixMarketRead, ReadsIntegerField) {
  const Target A = read_text("%%MatrixMarket matrix coordinate integer general\n2 2 2\n1 2 3\n2 1 +40\n");
  EXPECT_EQ(A.value(0, 1), 3.0);
  EXPECT_EQ(A.value(1, 0), 40.0);
}

TEST(MatrixMarketRead, ReadsPatternFieldAsOnes) {
  const Target A = read_text("%%MatrixMarket matrix coordinate pattern general\n2 2 3\n1 1\n1 2\n2 2\n");
  EXPECT_EQ(A.nnz(), 3u);
  EXPECT_EQ(A.value(0, 0), 1.0);
  EXPECT_EQ(A.value(0, 1), 1.0);
  EXPECT_EQ(A.value(1, 1), 1.0);
  EXPECT_EQ(A.rho(), 0.0);
}

TEST(MatrixMarketRead, HeaderWordsAreCaseInsensitive) {
  const Target A = read_text("%%matrixmarket MATRIX Coordinate REAL General\n2 2 2\n1 1 1\n2 2 1\n");
  EXPECT_EQ(A.nnz(), 2u);
}

TEST(MatrixMarketRead, AllowsBlankLinesCommentsAndCrlf) {
  const std::string text =
      "%%MatrixMarket matrix coordinate real general\r\n"
      "% a comment before the size line\r\n"
      "\r\n"
      "   \t\r\n"
      "  2   2\t2  \r\n"
      "% a comment among the entries\r\n"
      "\r\n"
      "1 2 4\r\n"
      "  %indented comment\r\n"
      "2 1 5\r\n"
      "\r\n"
      "% a comment at the end\r\n";
  const Target A = read_text(text);
  EXPECT_EQ(A.value(0, 1), 4.0);
  EXPECT_EQ(A.value(1, 0), 5.0);
}

TEST(MatrixMarketRead, AcceptsDocumentedNumberForms) {
  const Target A = read_text(real_file("3 3 9",
                                       "1 1 1\n1 2 1.5\n1 3 1e-3\n"
                                       "2 1 +2\n2 2 .5\n2 3 3.\n"
                                       "3 1 1E+2\n3 2 4.9406564584124654e-324\n3 3 1.7976931348623157e308\n"));
  EXPECT_EQ(A.value(0, 0), 1.0);
  EXPECT_EQ(A.value(0, 1), 1.5);
  EXPECT_EQ(A.value(0, 2), 1e-3);
  EXPECT_EQ(A.value(1, 0), 2.0);
  EXPECT_EQ(A.value(1, 1), 0.5);
  EXPECT_EQ(A.value(1, 2), 3.0);
  EXPECT_EQ(A.value(2, 0), 100.0);
  EXPECT_EQ(A.value(2, 1), std::numeric_limits<double>::denorm_min());
  EXPECT_EQ(A.value(2, 2), std::numeric_limits<double>::max());
}

TEST(MatrixMarketRead, ExplicitZerosAreKeptOutOfTheSupport) {
  const Target A = read_text(real_file("2 2 4", "1 1 1\n1 2 0\n2 1 -0\n2 2 3\n"));
  EXPECT_EQ(A.nnz(), 2u);
  EXPECT_FALSE(A.in_support(0, 1));
  EXPECT_FALSE(A.in_support(1, 0));
  EXPECT_EQ(A.k(), 1u);
}

TEST(MatrixMarketRead, AllowsADenseGlobalColumn) {
  const Target A = read_text(real_file("3 3 4", "1 1 1\n2 1 1\n3 1 1\n3 3 2\n"));
  EXPECT_EQ(A.column_count(0), 3u);
  EXPECT_EQ(A.max_column_count(), 3u);
}

TEST(MatrixMarketRead, EntriesMayComeInAnyOrder) {
  const Target A = read_text(real_file("2 2 3", "2 2 1\n1 2 2\n1 1 3\n"));
  ASSERT_EQ(A.k_i(0), 2u);
  EXPECT_EQ(A.support(0)[0], 0u);
  EXPECT_EQ(A.support(0)[1], 1u);
  EXPECT_EQ(A.weights(0)[0], 3.0);
}

// Symmetric and array files: each is compared with the general coordinate
// file of the same matrix, written out by hand.

TEST(MatrixMarketRead, SymmetricCoordinateMeansBothTriangles) {
  const Target sym = read_text(
      "%%MatrixMarket matrix coordinate real symmetric\n3 3 4\n1 1 2\n2 1 0.5\n3 2 7\n3 3 1e-3\n");
  const Target general = read_text(real_file("3 3 6", "1 1 2\n2 1 0.5\n1 2 0.5\n3 2 7\n2 3 7\n3 3 1e-3\n"));
  EXPECT_EQ(sym.dense(), general.dense());
  EXPECT_EQ(sym.nnz(), 6u);
  EXPECT_EQ(sym.value(0, 1), 0.5);
  EXPECT_EQ(sym.value(1, 2), 7.0);
  EXPECT_EQ(sym.k_i(1), 2u);  // row 2 holds (2,1) and (2,3), both implied by entries below the diagonal
}

TEST(MatrixMarketRead, SymmetricPatternAndIntegerFields) {
  const Target pattern = read_text("%%MatrixMarket matrix coordinate pattern symmetric\n3 3 3\n2 1\n3 1\n3 3\n");
  const Target general = read_text(
      "%%MatrixMarket matrix coordinate pattern general\n3 3 5\n2 1\n1 2\n3 1\n1 3\n3 3\n");
  EXPECT_EQ(pattern.dense(), general.dense());
  const Target integer = read_text("%%MatrixMarket matrix coordinate integer symmetric\n2 2 2\n2 1 3\n2 2 +4\n");
  EXPECT_EQ(integer.value(0, 1), 3.0);
  EXPECT_EQ(integer.value(1, 0), 3.0);
  EXPECT_EQ(integer.value(1, 1), 4.0);
}

TEST(MatrixMarketRead, SymmetricZerosStayOutOfBothTriangles) {
  const Target A = read_text("%%MatrixMarket matrix coordinate real symmetric\n2 2 3\n1 1 1\n2 1 0\n2 2 1\n");
  EXPECT_EQ(A.nnz(), 2u);
  EXPECT_FALSE(A.in_support(0, 1));
  EXPECT_FALSE(A.in_support(1, 0));
}

TEST(MatrixMarketRead, ArrayIsColumnMajor) {
  // [[1, 2, 0], [0, 3, 0], [4, 0, 5]] column by column.
  const Target A = read_text("%%MatrixMarket matrix array real general\n3 3\n1\n0\n4\n2\n3\n0\n0\n0\n5\n");
  const Target general = read_text(real_file("3 3 5", "1 1 1\n1 2 2\n2 2 3\n3 1 4\n3 3 5\n"));
  EXPECT_EQ(A.dense(), general.dense());
  EXPECT_EQ(A.nnz(), 5u);
}

TEST(MatrixMarketRead, SymmetricArrayListsTheLowerTriangleByColumns) {
  // [[1, 2, 0], [2, 0, 6], [0, 6, 9]]: column 1 rows 1-3, column 2 rows 2-3, column 3 row 3.
  const Target A = read_text(
      "%%MatrixMarket matrix array integer symmetric\n% a comment\n3 3\n1\n2\n0\n\n0\n6\n9\n");
  const Target general = read_text(real_file("3 3 6", "1 1 1\n1 2 2\n2 1 2\n2 3 6\n3 2 6\n3 3 9\n"));
  EXPECT_EQ(A.dense(), general.dense());
  EXPECT_EQ(A.nnz(), 6u);
  EXPECT_FALSE(A.in_support(1, 1));
}

/// A file in the temporary directory, removed when the test ends.
struct TemporaryFile : jlattn::testing::TemporaryFile {
  explicit TemporaryFile(const std::string& name) : jlattn::testing::TemporaryFile("jlattn_mm_test_", name) {}
};

TEST(MatrixMarketFile, ReadsAFileAndNamesItInMessages) {
  TemporaryFile good("good.mtx");
  std::ofstream(good.path()) << real_file("2 2 2", "1 1 1\n2 2 2\n");
  EXPECT_EQ(read_matrix_market_file(good.path()).value(1, 1), 2.0);

  TemporaryFile bad("bad.mtx");
  std::ofstream(bad.path()) << real_file("2 2 2", "1 1 1\n2 5 2\n");
  try {
    read_matrix_market_file(bad.path());
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), StartsWith(bad.path() + ":4: "));
  }
}

TEST(MatrixMarketFile, MissingFileIsAnInputError) {
  const std::string path = "/nonexistent-dir-jlattn/none.mtx";
  try {
    read_matrix_market_file(path);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), StartsWith(path + ": cannot open file"));
  }
}

// ---- rejected input: every message names the file, the line and the problem --

TEST(MatrixMarketReject, EmptyFile) { EXPECT_THAT(error_of(""), StartsWith("A.mtx: empty file")); }

TEST(MatrixMarketReject, MissingBanner) {
  EXPECT_THAT(error_of("2 2 2\n1 1 1\n2 2 1\n"), StartsWith("A.mtx:1: missing Matrix Market banner"));
  EXPECT_THAT(error_of("%MatrixMarket matrix coordinate real general\n2 2 0\n"),
              HasSubstr("missing Matrix Market banner"));
}

TEST(MatrixMarketReject, BannerMustBeOnTheFirstLine) {
  // Built by append: "\n" + std::string trips GCC 12's false -Wrestrict (bug 105329).
  std::string text = "\n";
  text.append(real_file("2 2 2", "1 1 1\n2 2 1\n"));
  EXPECT_THAT(error_of(text), StartsWith("A.mtx:1: missing Matrix Market banner"));
}

TEST(MatrixMarketReject, ByteOrderMark) {
  EXPECT_THAT(error_of("\xEF\xBB\xBF" + real_file("2 2 2", "1 1 1\n2 2 1\n")), HasSubstr("byte-order mark"));
}

TEST(MatrixMarketReject, BannerWithWrongWordCount) {
  EXPECT_THAT(error_of("%%MatrixMarket matrix coordinate real\n2 2 0\n"), HasSubstr("A.mtx:1: banner has 3 words"));
  EXPECT_THAT(error_of("%%MatrixMarket matrix coordinate real general extra\n2 2 0\n"),
              HasSubstr("banner has 5 words"));
}

TEST(MatrixMarketReject, ObjectOtherThanMatrix) {
  EXPECT_THAT(error_of("%%MatrixMarket vector coordinate real general\n2 0\n"),
              HasSubstr("A.mtx:1: object 'vector' is not supported"));
}

TEST(MatrixMarketReject, PatternArray) {
  EXPECT_THAT(error_of("%%MatrixMarket matrix array pattern general\n2 2\n1\n1\n1\n1\n"),
              HasSubstr("A.mtx:1: the pattern field is not allowed with the array format"));
}

TEST(MatrixMarketReject, UnknownFormat) {
  EXPECT_THAT(error_of("%%MatrixMarket matrix sparse real general\n2 2 0\n"), HasSubstr("unknown format 'sparse'; expected 'coordinate' or 'array'"));
}

TEST(MatrixMarketReject, ComplexField) {
  EXPECT_THAT(error_of("%%MatrixMarket matrix coordinate complex general\n2 2 1\n1 1 1 0\n"),
              HasSubstr("A.mtx:1: complex field is not supported"));
}

TEST(MatrixMarketReject, UnknownField) {
  EXPECT_THAT(error_of("%%MatrixMarket matrix coordinate double general\n2 2 0\n"),
              HasSubstr("unknown field 'double'"));
}

TEST(MatrixMarketReject, SkewSymmetricAndHermitianWithTheirReasons) {
  for (const std::string format : {"coordinate", "array"}) {
    const std::string sizes = format == "array" ? "2 2\n1\n" : "2 2 1\n2 1 1\n";
    EXPECT_THAT(error_of("%%MatrixMarket matrix " + format + " real skew-symmetric\n" + sizes),
                HasSubstr("A.mtx:1: symmetry 'skew-symmetric' cannot hold a target: it stores A_ji = -A_ij, so a "
                          "non-negative skew-symmetric matrix is zero (use general or symmetric)"));
    EXPECT_THAT(error_of("%%MatrixMarket matrix " + format + " real hermitian\n" + sizes),
                HasSubstr("A.mtx:1: symmetry 'hermitian' is for complex matrices; a target is real (use symmetric)"));
  }
}

TEST(MatrixMarketReject, UnknownSymmetry) {
  EXPECT_THAT(error_of("%%MatrixMarket matrix coordinate real upper\n2 2 0\n"),
              HasSubstr("A.mtx:1: unknown symmetry 'upper'; expected 'general' or 'symmetric'"));
}

TEST(MatrixMarketReject, MissingSizeLine) {
  EXPECT_THAT(error_of(kBanner + "% only a comment\n\n"), StartsWith("A.mtx: missing size line"));
}

TEST(MatrixMarketReject, SizeLineWithWrongFieldCount) {
  EXPECT_THAT(error_of(real_file("2 2", "")), HasSubstr("A.mtx:2: size line must be 'L L nnz' (3 integers), found 2"));
  EXPECT_THAT(error_of(real_file("2 2 1 1", "")), HasSubstr("found 4 fields"));
}

TEST(MatrixMarketReject, NonNumericSize) {
  EXPECT_THAT(error_of(real_file("2 two 1", "")),
              HasSubstr("A.mtx:2: column count 'two' is not a non-negative integer"));
  EXPECT_THAT(error_of(real_file("2 2 -1", "")), HasSubstr("entry count '-1' is not a non-negative integer"));
  EXPECT_THAT(error_of(real_file("2.0 2 1", "")), HasSubstr("row count '2.0' is not a non-negative integer"));
}

TEST(MatrixMarketReject, NonSquare) {
  EXPECT_THAT(error_of(real_file("2 3 0", "")), HasSubstr("A.mtx:2: matrix is not square (2 x 3)"));
}

TEST(MatrixMarketReject, LBelowTwo) {
  EXPECT_THAT(error_of(real_file("1 1 1", "1 1 1\n")), HasSubstr("A.mtx:2: L = 1 is too small; a target needs L >= 2"));
  EXPECT_THAT(error_of(real_file("0 0 0", "")), HasSubstr("L = 0 is too small"));
}

TEST(MatrixMarketReject, LTooLarge) {
  EXPECT_THAT(error_of(real_file("2147483648 2147483648 0", "")),
              HasSubstr("A.mtx:2: L = 2147483648 is too large; a target needs L < 2^31"));
  EXPECT_THAT(error_of(real_file("99999999999999999999999 99999999999999999999999 0", "")),
              HasSubstr("row count '99999999999999999999999' is too large"));
}

TEST(MatrixMarketReject, MoreEntriesDeclaredThanPositions) {
  EXPECT_THAT(error_of(real_file("2 2 5", "")), HasSubstr("A.mtx:2: entry count 5 exceeds L*L = 4"));
}

TEST(MatrixMarketReject, WrongFieldCountOnAnEntryLine) {
  EXPECT_THAT(error_of(real_file("2 2 2", "1 1 1\n2 2\n")),
              HasSubstr("A.mtx:4: expected 3 fields 'row col value', found 2"));
  EXPECT_THAT(error_of(real_file("2 2 2", "1 1 1\n2 2 1 0\n")), HasSubstr("A.mtx:4: expected 3 fields"));
  EXPECT_THAT(error_of("%%MatrixMarket matrix coordinate pattern general\n2 2 2\n1 1\n2 2 1\n"),
              HasSubstr("A.mtx:4: expected 2 fields 'row col', found 3"));
}

TEST(MatrixMarketReject, NonNumericTokens) {
  EXPECT_THAT(error_of(real_file("2 2 2", "1 1 1\nx 2 1\n")),
              HasSubstr("A.mtx:4: row index 'x' is not a non-negative integer"));
  EXPECT_THAT(error_of(real_file("2 2 2", "1 1 1\n2 2 one\n")), HasSubstr("A.mtx:4: value 'one' is not a number"));
  EXPECT_THAT(error_of(real_file("2 2 2", "1 1 1\n2 2 1.5.2\n")), HasSubstr("value '1.5.2' is not a number"));
  EXPECT_THAT(error_of(real_file("2 2 2", "1 1 1\n2 2 0x1p3\n")), HasSubstr("value '0x1p3' is not a number"));
  EXPECT_THAT(error_of(real_file("2 2 2", "1 1 1\n2 2 1,5\n")), HasSubstr("value '1,5' is not a number"));
  EXPECT_THAT(error_of(real_file("2 2 2", "1 1 1\n2 2 ++1\n")), HasSubstr("value '++1' is not a number"));
  EXPECT_THAT(error_of(real_file("2 2 2", "1 1 1\n2 2 1e\n")), HasSubstr("value '1e' is not a number"));
  EXPECT_THAT(error_of(real_file("2 2 2", "1 1 1\n2 2 \x01\n")), HasSubstr("value '\\x01' is not a number"));
}

TEST(MatrixMarketReject, IntegerFieldWithNonIntegerValue) {
  const std::string banner = "%%MatrixMarket matrix coordinate integer general\n2 2 2\n1 1 1\n";
  EXPECT_THAT(error_of(banner + "2 2 1.5\n"),
              HasSubstr("A.mtx:4: value '1.5' is not an integer (the field is integer)"));
  EXPECT_THAT(error_of(banner + "2 2 1e3\n"), HasSubstr("value '1e3' is not an integer"));
  EXPECT_THAT(error_of(banner + "2 2 -3\n"), HasSubstr("value '-3' is negative"));
}

TEST(MatrixMarketReject, IndexOutOfRange) {
  EXPECT_THAT(error_of(real_file("3 3 3", "1 1 1\n2 2 1\n4 3 1\n")),
              HasSubstr("A.mtx:5: row index 4 is out of range [1, 3] (indices are 1-based)"));
  EXPECT_THAT(error_of(real_file("3 3 3", "1 1 1\n2 0 1\n3 3 1\n")),
              HasSubstr("A.mtx:4: column index 0 is out of range [1, 3]"));
}

TEST(MatrixMarketReject, DuplicatePositionGivesBothLines) {
  EXPECT_THAT(error_of(real_file("3 3 5", "1 2 1\n2 2 1\n% comment\n3 3 1\n1 2 5\n2 2 2\n")),
              HasSubstr("A.mtx:7: duplicate entry (1, 2), first given on line 3"));
}

TEST(MatrixMarketReject, NegativeValue) {
  EXPECT_THAT(error_of(real_file("2 2 2", "1 1 1\n2 2 -0.5\n")),
              HasSubstr("A.mtx:4: value '-0.5' is negative; a target needs A_ij >= 0"));
}

TEST(MatrixMarketReject, NaNAndInfinity) {
  EXPECT_THAT(error_of(real_file("2 2 2", "1 1 1\n2 2 nan\n")), HasSubstr("A.mtx:4: value 'nan' is NaN"));
  EXPECT_THAT(error_of(real_file("2 2 2", "1 1 NaN\n2 2 1\n")), HasSubstr("A.mtx:3: value 'NaN' is NaN"));
  EXPECT_THAT(error_of(real_file("2 2 2", "1 1 1\n2 2 inf\n")), HasSubstr("value 'inf' is not finite"));
  EXPECT_THAT(error_of(real_file("2 2 2", "1 1 1\n2 2 -Infinity\n")), HasSubstr("value '-Infinity' is not finite"));
}

TEST(MatrixMarketReject, OverflowAndUnderflow) {
  EXPECT_THAT(error_of(real_file("2 2 2", "1 1 1\n2 2 1e400\n")), HasSubstr("A.mtx:4: value '1e400' overflows double"));
  EXPECT_THAT(error_of(real_file("2 2 2", "1 1 1\n2 2 1.7976931348623159e308\n")), HasSubstr("overflows double"));
  EXPECT_THAT(error_of(real_file("2 2 2", "1 1 1\n2 2 1e99999\n")), HasSubstr("overflows double"));
  EXPECT_THAT(error_of(real_file("2 2 2", "1 1 1\n2 2 1e-400\n")), HasSubstr("value '1e-400' underflows to zero"));
  EXPECT_THAT(error_of(real_file("2 2 2", "1 1 1\n2 2 1e-99999\n")), HasSubstr("underflows to zero"));
  EXPECT_THAT(
      error_of("%%MatrixMarket matrix coordinate integer general\n2 2 2\n1 1 1\n2 2 1" + std::string(400, '0') + "\n"),
      HasSubstr("overflows double"));
}

TEST(MatrixMarketReject, TruncatedFile) {
  EXPECT_THAT(error_of(real_file("3 3 3", "1 1 1\n2 2 1\n")),
              StartsWith("A.mtx: truncated: found 2 of 3 declared entries"));
}

TEST(MatrixMarketReject, MoreEntriesThanDeclaredOrTrailingText) {
  EXPECT_THAT(error_of(real_file("2 2 2", "1 1 1\n2 2 1\n1 2 1\n")),
              HasSubstr("A.mtx:5: more entries than the 2 declared, or trailing text"));
  EXPECT_THAT(error_of(real_file("2 2 2", "1 1 1\n2 2 1\n\nend\n")),
              HasSubstr("A.mtx:6: more entries than the 2 declared"));
}

TEST(MatrixMarketReject, SymmetricEntryAboveTheDiagonal) {
  EXPECT_THAT(error_of("%%MatrixMarket matrix coordinate real symmetric\n3 3 3\n1 1 1\n2 1 1\n2 3 1\n"),
              HasSubstr("A.mtx:5: entry (2, 3) is above the diagonal; a symmetric file lists only entries on or "
                        "below it (row >= column)"));
}

TEST(MatrixMarketReject, SymmetricCountAboveTheLowerTriangle) {
  EXPECT_THAT(error_of("%%MatrixMarket matrix coordinate real symmetric\n2 2 4\n1 1 1\n2 1 1\n2 2 1\n"),
              HasSubstr("A.mtx:2: entry count 4 exceeds L(L+1)/2 = 3, the positions on and below the diagonal"));
}

TEST(MatrixMarketReject, SymmetricDuplicateIsADuplicateOfTheListedEntry) {
  EXPECT_THAT(error_of("%%MatrixMarket matrix coordinate real symmetric\n2 2 3\n2 1 1\n2 2 1\n2 1 3\n"),
              HasSubstr("A.mtx:5: duplicate entry (2, 1), first given on line 3"));
}

TEST(MatrixMarketReject, SymmetricRowWithoutPositiveEntryCountsTheMirror) {
  // Row 1 has no listed entry but gets (1,2) from (2,1); row 3 gets nothing.
  EXPECT_NO_THROW(read_text("%%MatrixMarket matrix coordinate real symmetric\n2 2 1\n2 1 1\n"));
  EXPECT_THAT(error_of("%%MatrixMarket matrix coordinate real symmetric\n3 3 2\n2 1 1\n2 2 1\n"),
              StartsWith("A.mtx: row 3 has no positive entry"));
}

TEST(MatrixMarketReject, ArraySizeLine) {
  EXPECT_THAT(error_of("%%MatrixMarket matrix array real general\n2 2 4\n1\n1\n1\n1\n"),
              HasSubstr("A.mtx:2: size line must be 'L L' (2 integers) in the array format, found 3 fields"));
  EXPECT_THAT(error_of("%%MatrixMarket matrix array real general\n2 3\n"),
              HasSubstr("A.mtx:2: matrix is not square (2 x 3)"));
  EXPECT_THAT(error_of("%%MatrixMarket matrix array real general\n% nothing else\n"),
              StartsWith("A.mtx: missing size line 'L L' after the banner"));
}

TEST(MatrixMarketReject, ArrayValueLines) {
  const std::string banner = "%%MatrixMarket matrix array real general\n2 2\n";
  EXPECT_THAT(error_of(banner + "1\n0 1\n0\n1\n"),
              HasSubstr("A.mtx:4: expected 1 field (one value per line in the array format), found 2"));
  EXPECT_THAT(error_of(banner + "1\n0\n-2\n1\n"), HasSubstr("A.mtx:5: value '-2' is negative"));
  EXPECT_THAT(error_of(banner + "1\n0\nnan\n1\n"), HasSubstr("A.mtx:5: value 'nan' is NaN"));
  EXPECT_THAT(error_of("%%MatrixMarket matrix array integer general\n2 2\n1\n0\n0.5\n1\n"),
              HasSubstr("A.mtx:5: value '0.5' is not an integer (the field is integer)"));
}

TEST(MatrixMarketReject, ArrayTruncatedOrTooLong) {
  const std::string banner = "%%MatrixMarket matrix array real general\n2 2\n";
  EXPECT_THAT(error_of(banner + "1\n0\n0\n"), StartsWith("A.mtx: truncated: found 3 of the 4 values of the array"));
  EXPECT_THAT(error_of(banner + "1\n0\n0\n1\n1\n"),
              HasSubstr("A.mtx:7: more values than the 4 of the array, or trailing text"));
  EXPECT_THAT(error_of("%%MatrixMarket matrix array real symmetric\n2 2\n1\n0\n1\n0\n"),
              HasSubstr("A.mtx:6: more values than the 3 of the array"));
}

TEST(MatrixMarketReject, ArrayRowWithoutPositiveEntry) {
  EXPECT_THAT(error_of("%%MatrixMarket matrix array real general\n2 2\n1\n0\n1\n0\n"),
              StartsWith("A.mtx: row 2 has no positive entry"));
}

TEST(MatrixMarketReject, HugeArrayFailsAsTruncatedWithoutAllocating) {
  EXPECT_THAT(error_of("%%MatrixMarket matrix array real general\n2147483647 2147483647\n1\n"),
              StartsWith("A.mtx: truncated: found 1 of the 4611686014132420609 values of the array"));
}

TEST(MatrixMarketReject, RowWithoutPositiveEntryNamesFileAndRow) {
  EXPECT_THAT(error_of(real_file("3 3 3", "1 1 1\n2 2 0\n3 3 1\n")), StartsWith("A.mtx: row 2 has no positive entry"));
  EXPECT_THAT(error_of(real_file("2 2 0", "")), StartsWith("A.mtx: row 1 has no positive entry"));
}

TEST(MatrixMarketReject, HugeDeclaredSizeWithFewEntriesFailsWithoutAllocating) {
  // L is legal but most rows are empty: the reader must say so instead of
  // allocating O(L) (which Target would) and running out of memory.
  EXPECT_THAT(error_of(real_file("2147483647 2147483647 2", "1 1 1\n2 2 1\n")),
              StartsWith("A.mtx: row 3 has no positive entry"));
  EXPECT_THAT(error_of(real_file("2147483647 2147483647 4611686014132420609", "1 1 1\n")),
              StartsWith("A.mtx: truncated: found 1 of 4611686014132420609"));
}

TEST(MatrixMarketReject, LineNumbersCountEveryPhysicalLine) {
  EXPECT_THAT(error_of(kBanner + "%c\n\n2 2 2\n\n%c\n1 1 1\n\n2 2 x\n"), StartsWith("A.mtx:9: value 'x'"));
}

TEST(MatrixMarketReject, LongTokensAreShortenedInMessages) {
  const std::string message = error_of(real_file("2 2 2", "1 1 1\n2 2 " + std::string(1000, 'z') + "\n"));
  EXPECT_THAT(message, HasSubstr("'" + std::string(40, 'z') + "...'"));
  EXPECT_LT(message.size(), 200u);
}

// ---- writing -----------------------------------------------------------------

std::string written(const Target& A) {
  std::ostringstream out;
  write_matrix_market(out, A);
  return out.str();
}

TEST(MatrixMarketWrite, KnownAnswer) {
  const Target A = Target::from_entries(3, {{2, 0, 0.1}, {0, 0, 1.0}, {1, 2, 2.5e-300}, {0, 1, 1e20}, {1, 1, 0.0}});
  EXPECT_EQ(written(A),
            "%%MatrixMarket matrix coordinate real general\n"
            "3 3 4\n"
            "1 1 1\n"
            "1 2 1e+20\n"
            "2 3 2.5e-300\n"
            "3 1 0.1\n");  // the shortest decimal that reads back (format_shortest)
}

/// Decimal comma and digit grouping: what a careless writer would pick up.
struct CommaNumpunct : std::numpunct<char> {
  char do_decimal_point() const override { return ','; }
  char do_thousands_sep() const override { return '.'; }
  std::string do_grouping() const override { return "\3"; }
};

TEST(MatrixMarketWrite, IgnoresTheStreamLocale) {
  std::vector<jlattn::TargetEntry> entries;
  for (std::size_t i = 0; i < 1234; ++i) entries.push_back({i, i, 1.5});
  const Target A = Target::from_entries(1234, entries);
  std::ostringstream out;
  out.imbue(std::locale(std::locale::classic(), new CommaNumpunct));
  write_matrix_market(out, A);
  const std::string text = out.str();
  EXPECT_THAT(text, HasSubstr("\n1234 1234 1234\n"));
  EXPECT_THAT(text, HasSubstr("\n1234 1234 1.5\n"));
  EXPECT_EQ(read_text(text).value(1233, 1233), 1.5);
}

// ---- properties --------------------------------------------------------------

/// A positive finite double drawn across the whole range: tiny subnormals,
/// huge values, small integers and ordinary fractions.
rc::Gen<double> positive_double() {
  return rc::gen::oneOf(rc::gen::suchThat(rc::gen::map(rc::gen::arbitrary<std::uint64_t>(),
                                                       [](std::uint64_t bits) {
                                                         return std::bit_cast<double>(bits & ~(std::uint64_t{1} << 63));
                                                       }),
                                          [](double v) { return std::isfinite(v) && v > 0; }),
                        rc::gen::map(rc::gen::inRange(1, 1000), [](int n) { return static_cast<double>(n); }),
                        rc::gen::map(rc::gen::inRange(1, 1 << 30), [](int n) { return n / 1073741824.0; }),
                        rc::gen::element(std::numeric_limits<double>::denorm_min(), std::numeric_limits<double>::min(),
                                         std::numeric_limits<double>::max(), 0.1, 1.0));
}

/// A random Definition 1 target: every row gets a nonempty random support.
Target random_target() {
  const auto L = *rc::gen::inRange<std::size_t>(2, 10);
  std::vector<jlattn::TargetEntry> entries;
  for (std::size_t i = 0; i < L; ++i) {
    const auto must = *rc::gen::inRange<std::size_t>(0, L);
    for (std::size_t j = 0; j < L; ++j)
      if (j == must || *rc::gen::arbitrary<bool>()) entries.push_back({i, j, *positive_double()});
  }
  return Target::from_entries(L, entries);
}

bool same_target(const Target& a, const Target& b) {
  if (a.L() != b.L() || a.nnz() != b.nnz()) return false;
  for (std::size_t i = 0; i < a.L(); ++i) {
    const auto sa = a.support(i), sb = b.support(i);
    const auto wa = a.weights(i), wb = b.weights(i);
    if (sa.size() != sb.size()) return false;
    for (std::size_t n = 0; n < sa.size(); ++n)
      if (sa[n] != sb[n] || std::bit_cast<std::uint64_t>(wa[n]) != std::bit_cast<std::uint64_t>(wb[n])) return false;
  }
  return true;
}

RC_GTEST_PROP(MatrixMarketProperty, WriteThenReadIsExact, ()) {
  const Target A = random_target();
  bool has_subnormal = false, has_huge = false;
  for (std::size_t i = 0; i < A.L(); ++i)
    for (const double w : A.weights(i)) {
      has_subnormal |= w < std::numeric_limits<double>::min();
      has_huge |= w > 1e300;
    }
  RC_CLASSIFY(A.L() == 2, "L = 2");
  RC_CLASSIFY(has_subnormal, "subnormal value");
  RC_CLASSIFY(has_huge, "value > 1e300");
  RC_CLASSIFY(A.max_column_count() == A.L(), "dense column");

  const Target B = read_text(written(A));
  RC_ASSERT(same_target(A, B));
}

// Values typed beside the midpoint of two doubles (where reading through long
// double and casting would land one ulp off) are read as their nearest
// double; the expected double comes from exact rational arithmetic.
RC_GTEST_PROP(MatrixMarketProperty, CraftedDecimalsReadAsTheirNearestDouble, ()) {
  std::vector<jlattn::testing::CraftedDecimal> values;
  std::string entries;
  for (int n = 0; n < 4; ++n) {
    double a = *positive_double();
    if (a == std::numeric_limits<double>::max()) a = std::nextafter(a, 0.0);  // its upper neighbour is inf
    values.push_back(jlattn::testing::crafted_beside_midpoint(a, *rc::gen::arbitrary<bool>(),
                                                              std::abs(std::ilogb(a)) < 100));
    entries += std::to_string(n / 2 + 1) + " " + std::to_string(n % 2 + 1) + " " + values.back().text + "\n";
  }
  const Target A = read_text(kBanner + "2 2 4\n" + entries);
  for (int n = 0; n < 4; ++n)
    RC_ASSERT(std::bit_cast<std::uint64_t>(A.value(static_cast<std::size_t>(n / 2), static_cast<std::size_t>(n % 2))) ==
              std::bit_cast<std::uint64_t>(values[static_cast<std::size_t>(n)].nearest));
}

using jlattn::testing::apply_mutation;
using jlattn::testing::Mutation;

rc::Gen<Mutation> mutation() {
  // Bytes the grammar cares about are drawn more often than arbitrary ones.
  return jlattn::testing::gen_mutation(rc::gen::element('0', '1', '9', ' ', '\n', '%', '-', '+', '.', 'e', 'n', '\0'));
}

RC_GTEST_PROP(MatrixMarketProperty, MutatedFilesParseOrThrowInputError, ()) {
  std::string text = written(random_target());
  const auto mutations = *rc::gen::container<std::vector<Mutation>>(*rc::gen::inRange(1, 6), mutation());
  for (const Mutation& m : mutations) apply_mutation(m, text);

  std::istringstream in(text);
  std::optional<Target> accepted;
  std::string rejection;
  try {
    accepted = read_matrix_market(in, "fuzz.mtx");
  } catch (const InputError& e) {
    rejection = e.what();
  } catch (const std::exception& e) {
    RC_FAIL(std::string("unexpected exception: ") + e.what());
  }
  RC_CLASSIFY(accepted.has_value(), "accepted");
  if (accepted) {
    RC_ASSERT(accepted->L() >= 2u);
    for (std::size_t i = 0; i < accepted->L(); ++i) RC_ASSERT(accepted->k_i(i) >= 1u);
  } else {
    RC_ASSERT(rejection.rfind("fuzz.mtx:", 0) == 0);
    RC_ASSERT(rejection.find('\n') == std::string::npos);
  }
}

// ---- symmetric and array files, written here by hand ------------------------

/// A random non-negative L x L matrix with a positive entry in every row,
/// symmetric when asked, with zeros and values across the whole double range.
Matrix random_matrix(bool symmetric) {
  const auto L = *rc::gen::inRange<Eigen::Index>(2, 9);
  Matrix M = Matrix::Zero(L, L);
  for (Eigen::Index i = 0; i < L; ++i)
    for (Eigen::Index j = 0; j < (symmetric ? i + 1 : L); ++j)
      if (*rc::gen::inRange(0, 3) == 0) M(i, j) = M(symmetric ? j : i, symmetric ? i : j) = *positive_double();
  for (Eigen::Index i = 0; i < L; ++i) {
    if ((M.row(i).array() > 0).any()) continue;
    const auto j = *rc::gen::inRange<Eigen::Index>(0, L);
    M(i, j) = *positive_double();
    if (symmetric) M(j, i) = M(i, j);
  }
  return M;
}

/// %.17g, which reads back as the same double.
std::string decimal(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return buffer;
}

/// The coordinate file of M (the lower triangle when symmetric), entries in a random order.
std::string coordinate_file(const Matrix& M, bool symmetric) {
  std::vector<std::string> lines;
  for (Eigen::Index i = 0; i < M.rows(); ++i)
    for (Eigen::Index j = 0; j < (symmetric ? i + 1 : M.cols()); ++j)
      if (M(i, j) != 0) lines.push_back(std::to_string(i + 1) + " " + std::to_string(j + 1) + " " + decimal(M(i, j)));
  for (std::size_t t = lines.size(); t > 1; --t) std::swap(lines[t - 1], lines[*rc::gen::inRange<std::size_t>(0, t)]);
  std::string text = std::string("%%MatrixMarket matrix coordinate real ") + (symmetric ? "symmetric" : "general") +
                     "\n" + std::to_string(M.rows()) + " " + std::to_string(M.rows()) + " " +
                     std::to_string(lines.size()) + "\n";
  for (const std::string& line : lines) text += line + "\n";
  return text;
}

/// The array file of M: every value column by column (rows j.. of column j when symmetric).
std::string array_file(const Matrix& M, bool symmetric) {
  std::string text = std::string("%%MatrixMarket matrix array real ") + (symmetric ? "symmetric" : "general") + "\n" +
                     std::to_string(M.rows()) + " " + std::to_string(M.rows()) + "\n";
  for (Eigen::Index j = 0; j < M.cols(); ++j)
    for (Eigen::Index i = symmetric ? j : 0; i < M.rows(); ++i) text += decimal(M(i, j)) + "\n";
  return text;
}

RC_GTEST_PROP(MatrixMarketProperty, SymmetricAndArrayFilesReadAsTheirMatrix, ()) {
  const bool symmetric = *rc::gen::arbitrary<bool>();
  const bool array = *rc::gen::arbitrary<bool>();
  const Matrix M = random_matrix(symmetric);
  RC_CLASSIFY(symmetric, "symmetric");
  RC_CLASSIFY(array, "array");
  const Target A = read_text(array ? array_file(M, symmetric) : coordinate_file(M, symmetric));
  RC_ASSERT(A.dense() == M);
  RC_ASSERT(A.nnz() == static_cast<std::size_t>((M.array() > 0).count()));
}

RC_GTEST_PROP(MatrixMarketProperty, MutatedSymmetricAndArrayFilesParseOrThrowInputError, ()) {
  const bool symmetric = *rc::gen::arbitrary<bool>();
  const Matrix M = random_matrix(symmetric);
  std::string text = *rc::gen::arbitrary<bool>() ? array_file(M, symmetric) : coordinate_file(M, symmetric);
  const auto mutations = *rc::gen::container<std::vector<Mutation>>(*rc::gen::inRange(1, 6), mutation());
  for (const Mutation& m : mutations) apply_mutation(m, text);
  std::istringstream in(text);
  try {
    const Target A = read_matrix_market(in, "fuzz.mtx");
    for (std::size_t i = 0; i < A.L(); ++i) RC_ASSERT(A.k_i(i) >= 1u);
  } catch (const InputError& e) {
    const std::string message = e.what();
    RC_ASSERT(message.rfind("fuzz.mtx:", 0) == 0);
    RC_ASSERT(message.find('\n') == std::string::npos);
  }
}

}  // namespace
