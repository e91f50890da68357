// Tests of the SciPy .npz target reader (src/jlattn/io/npz): archives built
// member by member by the tests' own writer (support/zip_writer) from
// matrices written out here, and files that scipy.sparse.save_npz writes.
#include "jlattn/io/npz.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <numeric>
#include <sstream>
#include <string>
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
using jlattn::Target;
using jlattn::io::read_npz_target;
using jlattn::testing::build_zip;
using jlattn::testing::le_bytes;
using jlattn::testing::npy_file;
using jlattn::testing::ZipInput;
using testing::HasSubstr;
using testing::StartsWith;

constexpr const char* kSource = "A.npz";

// ---- the test's writer: a matrix as SciPy's members ------------------------------

/// One array member: its dtype and its elements (integers or doubles).
struct Array {
  std::string descr;
  std::vector<double> values;
  std::vector<std::uint64_t> shape;  // empty: 1-D of values.size()
};

std::string encode(const Array& a) {
  std::string data;
  const char kind = a.descr[1];
  const std::size_t width = static_cast<std::size_t>(a.descr[2] - '0');
  for (const double v : a.values) {
    if (kind == 'f' && width == 8) {
      data += le_bytes(std::bit_cast<std::uint64_t>(v), 8);
    } else if (kind == 'f') {
      data += le_bytes(std::bit_cast<std::uint32_t>(static_cast<float>(v)), 4);
    } else {
      // Two's complement of the integer value (booleans and unsigned alike).
      data += le_bytes(static_cast<std::uint64_t>(static_cast<std::int64_t>(v)), width);
    }
  }
  const std::vector<std::uint64_t> shape = a.shape.empty() ? std::vector<std::uint64_t>{a.values.size()} : a.shape;
  return npy_file(a.descr, shape, data);
}

/// A .npz of named arrays plus format.npy and shape.npy, as save_npz lays it out.
struct Npz {
  std::string format = "csr";
  std::uint64_t rows = 0, cols = 0;
  std::map<std::string, Array> arrays;
  bool deflate = true;
  std::vector<ZipInput> extra;  // more members, written as given
};

std::string bytes_of(const Npz& npz) {
  std::vector<ZipInput> members;
  for (const auto& [name, array] : npz.arrays) members.push_back({name + ".npy", encode(array), npz.deflate, ""});
  members.push_back({"format.npy", npy_file("|S" + std::to_string(npz.format.size()), {}, npz.format), npz.deflate, ""});
  members.push_back({"shape.npy", npy_file("<i8", {2}, le_bytes(npz.rows, 8) + le_bytes(npz.cols, 8)), npz.deflate, ""});
  members.insert(members.end(), npz.extra.begin(), npz.extra.end());
  return build_zip(members).bytes;
}

/// The entries of M (row by row) as csr, csc or coo members with these dtypes.
Npz npz_of(const Matrix& M, const std::string& format, const std::string& value_descr = "<f8",
           const std::string& index_descr = "<i4") {
  Npz npz;
  npz.format = format;
  npz.rows = static_cast<std::uint64_t>(M.rows());
  npz.cols = static_cast<std::uint64_t>(M.cols());
  Array data{value_descr, {}, {}}, first{index_descr, {}, {}}, second{index_descr, {}, {}};
  const bool csc = format == "csc";
  const Eigen::Index majors = csc ? M.cols() : M.rows(), minors = csc ? M.rows() : M.cols();
  second.values.push_back(0);  // indptr
  for (Eigen::Index a = 0; a < majors; ++a) {
    for (Eigen::Index b = 0; b < minors; ++b) {
      const double v = csc ? M(b, a) : M(a, b);
      if (v == 0) continue;
      data.values.push_back(v);
      if (format == "coo") {
        first.values.push_back(static_cast<double>(a));
        second.values.push_back(static_cast<double>(b));
      } else {
        first.values.push_back(static_cast<double>(b));
      }
    }
    if (format != "coo") second.values.push_back(static_cast<double>(data.values.size()));
  }
  if (format == "coo") {
    second.values.erase(second.values.begin());
    npz.arrays = {{"data", data}, {"row", first}, {"col", second}};
  } else {
    npz.arrays = {{"data", data}, {"indices", first}, {"indptr", second}};
  }
  return npz;
}

Target read_bytes(const std::string& bytes, std::size_t max_bytes = 0) {
  std::istringstream in(bytes);
  return read_npz_target(in, kSource, max_bytes);
}

std::string error_of(const std::string& bytes, std::size_t max_bytes = 0) {
  const std::string message = jlattn::testing::input_error_message([&] { read_bytes(bytes, max_bytes); });
  EXPECT_THAT(message, StartsWith(std::string(kSource) + ": "));
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  return message;
}

/// 3 x 3, not symmetric: a reader that swaps rows and columns gets it wrong.
Matrix small_matrix() {
  Matrix M(3, 3);
  M << 1, 2, 0,  //
      0, 0.5, 0,  //
      4, 0, 3;
  return M;
}

// ---- accepted ---------------------------------------------------------------------

TEST(NpzRead, CsrCscAndCooOfOneMatrixReadAsIt) {
  for (const std::string format : {"csr", "csc", "coo"})
    for (const bool deflate : {true, false}) {
      Npz npz = npz_of(small_matrix(), format);
      npz.deflate = deflate;
      const Target A = read_bytes(bytes_of(npz));
      EXPECT_EQ(A.dense(), small_matrix()) << format << (deflate ? " deflated" : " stored");
      EXPECT_EQ(A.nnz(), 5u);
    }
}

TEST(NpzRead, EveryValueAndIndexDtype) {
  Matrix M(2, 2);
  M << 1, 3,  //
      0, 2;
  for (const std::string value : {"<f8", "<f4", "|i1", "<i2", "<i4", "<i8", "|u1", "<u2", "<u4", "<u8"})
    EXPECT_EQ(read_bytes(bytes_of(npz_of(M, "csr", value))).dense(), M) << value;
  for (const std::string index : {"<i4", "<i8", "|i1", "<u2", "<u8"})
    EXPECT_EQ(read_bytes(bytes_of(npz_of(M, "coo", "<f8", index))).dense(), M) << index;
  Matrix pattern(2, 2);
  pattern << 1, 1,  //
      0, 1;
  EXPECT_EQ(read_bytes(bytes_of(npz_of(pattern, "csc", "|b1"))).dense(), pattern);
}

TEST(NpzRead, IndicesInAnyOrderWithinARowAndExplicitZeros) {
  Npz npz = npz_of(small_matrix(), "csr");
  // Row 0 holds columns 0 and 1: give them as 1, 0; and store an explicit zero at (1, 2).
  npz.arrays["indices"].values = {1, 0, 1, 2, 0, 2};
  npz.arrays["data"].values = {2, 1, 0.5, 0, 4, 3};
  npz.arrays["indptr"].values = {0, 2, 4, 6};
  const Target A = read_bytes(bytes_of(npz));
  EXPECT_EQ(A.dense(), small_matrix());
  EXPECT_FALSE(A.in_support(1, 2));
}

TEST(NpzRead, CoordsIsArrayAndTheOldUnicodeFormatName) {
  Npz npz = npz_of(small_matrix(), "coo");
  Array coords{"<i8", npz.arrays["row"].values, {2, 5}};
  coords.values.insert(coords.values.end(), npz.arrays["col"].values.begin(), npz.arrays["col"].values.end());
  npz.arrays.erase("row");
  npz.arrays.erase("col");
  npz.arrays["coords"] = coords;
  npz.extra.push_back({"_is_array.npy", npy_file("|b1", {}, std::string(1, '\x01')), true, ""});
  EXPECT_EQ(read_bytes(bytes_of(npz)).dense(), small_matrix());

  // SciPy before 1.0 saved the name as a str: '<U3', four bytes a character.
  Npz old = npz_of(small_matrix(), "csr");
  std::vector<ZipInput> members;
  for (const auto& [name, array] : old.arrays) members.push_back({name + ".npy", encode(array), true, ""});
  std::string utf32;
  for (const char c : std::string("csr")) utf32 += le_bytes(static_cast<unsigned char>(c), 4);
  members.push_back({"format.npy", npy_file("<U3", {}, utf32), true, ""});
  members.push_back({"shape.npy", npy_file("<i4", {2}, le_bytes(3, 4) + le_bytes(3, 4)), true, ""});
  EXPECT_EQ(read_bytes(build_zip(members).bytes).dense(), small_matrix());
}

// ---- refused: the archive's members ------------------------------------------------

TEST(NpzReject, NotASparseNpz) {
  EXPECT_EQ(error_of(build_zip({{"x.npy", npy_file("<f8", {1}, le_bytes(0, 8)), true, ""}}).bytes),
            "A.npz: no format.npy: not a file of scipy.sparse.save_npz (a dense target belongs in a .npy file)");
}

TEST(NpzReject, FormatsOtherThanCsrCscCoo) {
  Npz bsr = npz_of(small_matrix(), "csr");
  bsr.format = "bsr";
  EXPECT_EQ(error_of(bytes_of(bsr)), "A.npz: format.npy: sparse format 'bsr' is not supported; save A.tocsr() instead");
  Npz dia = npz_of(small_matrix(), "csr");
  dia.format = "dia";
  EXPECT_EQ(error_of(bytes_of(dia)), "A.npz: format.npy: sparse format 'dia' is not supported; save A.tocsr() instead");
  Npz odd = npz_of(small_matrix(), "csr");
  odd.format = "lil";
  EXPECT_EQ(error_of(bytes_of(odd)), "A.npz: format.npy: unknown sparse format 'lil' (expected csr, csc or coo)");
  std::vector<ZipInput> members = {{"format.npy", npy_file("<i8", {}, le_bytes(1, 8)), false, ""}};
  EXPECT_EQ(error_of(build_zip(members).bytes),
            "A.npz: format.npy: expected a 0-d string array (dtype '|S3') naming the sparse format, got dtype '<i8' "
            "with 0 dimension(s)");
}

TEST(NpzReject, MembersMissingOrUnexpected) {
  Npz extra = npz_of(small_matrix(), "csr");
  extra.extra.push_back({"offsets.npy", npy_file("<i8", {1}, le_bytes(0, 8)), true, ""});
  EXPECT_EQ(error_of(bytes_of(extra)),
            "A.npz: unexpected member 'offsets.npy' (a 'csr' .npz holds format, shape, data, indices and indptr)");
  Npz missing = npz_of(small_matrix(), "csr");
  missing.arrays.erase("indptr");
  EXPECT_EQ(error_of(bytes_of(missing)), "A.npz: no indptr.npy (a 'csr' .npz holds format, shape, data, indices and indptr)");
  Npz both = npz_of(small_matrix(), "coo");
  both.arrays["coords"] = Array{"<i8", {0, 0}, {2, 1}};
  EXPECT_EQ(error_of(bytes_of(both)),
            "A.npz: both coords.npy and row.npy/col.npy: which one holds the positions? (a 'coo' .npz holds format, "
            "shape, data, row and col (or coords))");
}

TEST(NpzReject, Shapes) {
  Npz square = npz_of(small_matrix(), "coo");
  square.cols = 4;
  EXPECT_EQ(error_of(bytes_of(square)), "A.npz: matrix is not square (3 x 4); a target is L x L");
  Npz one = npz_of(Matrix::Ones(1, 1), "coo");
  EXPECT_EQ(error_of(bytes_of(one)), "A.npz: L = 1 is too small; a target needs L >= 2");
  Npz huge = npz_of(small_matrix(), "coo");
  huge.rows = huge.cols = std::uint64_t{1} << 31;
  EXPECT_EQ(error_of(bytes_of(huge)), "A.npz: L = 2147483648 is too large; a target needs L < 2^31");
  Npz negative = npz_of(small_matrix(), "coo");
  negative.rows = negative.cols = ~std::uint64_t{0};
  EXPECT_EQ(error_of(bytes_of(negative)), "A.npz: shape.npy: negative dimension (-1, -1)");
}

TEST(NpzReject, Dtypes) {
  EXPECT_EQ(error_of(bytes_of(npz_of(small_matrix(), "csr", "<c16"))),
            "A.npz: data.npy: dtype '<c16' cannot hold a target; expected float64, float32, an integer type or bool");
  EXPECT_EQ(error_of(bytes_of(npz_of(small_matrix(), "csr", ">f8"))),
            "A.npz: data.npy: dtype '>f8' is big-endian; save a little-endian array (e.g. A.astype('<f8'))");
  EXPECT_EQ(error_of(bytes_of(npz_of(small_matrix(), "csr", "<f8", "<f8"))),
            "A.npz: indices.npy: dtype '<f8' is not an integer type (SciPy writes int32 or int64)");
}

TEST(NpzReject, ArraySizesThatDisagree) {
  Npz indices = npz_of(small_matrix(), "csr");
  indices.arrays["indices"].values.pop_back();
  EXPECT_EQ(error_of(bytes_of(indices)), "A.npz: indices.npy holds 4 indices but data.npy holds 5 values");
  Npz indptr = npz_of(small_matrix(), "csr");
  indptr.arrays["indptr"].values.pop_back();
  EXPECT_EQ(error_of(bytes_of(indptr)),
            "A.npz: indptr.npy holds 3 pointers; a csr matrix with L = 3 needs L + 1 = 4");
  Npz coo = npz_of(small_matrix(), "coo");
  coo.arrays["col"].values.push_back(0);
  EXPECT_EQ(error_of(bytes_of(coo)), "A.npz: row.npy and col.npy hold 5 and 6 indices but data.npy holds 5 values");
  Npz two_d = npz_of(small_matrix(), "csr");
  two_d.arrays["data"].shape = {5, 1};
  EXPECT_EQ(error_of(bytes_of(two_d)), "A.npz: data.npy: expected a 1-D array, but 'shape' has 2 dimensions");
}

TEST(NpzReject, DeclaredSizeNotTheOneTheHeaderImplies) {
  Npz npz = npz_of(small_matrix(), "csr");
  std::vector<ZipInput> members;
  for (const auto& [name, array] : npz.arrays) members.push_back({name + ".npy", encode(array), true, ""});
  members[0].data += '\0';  // data.npy: one byte more than 5 doubles
  members.push_back({"format.npy", npy_file("|S3", {}, "csr"), true, ""});
  members.push_back({"shape.npy", npy_file("<i8", {2}, le_bytes(3, 8) + le_bytes(3, 8)), true, ""});
  const std::string header = npy_file("<f8", {5}, "");
  EXPECT_EQ(error_of(build_zip(members).bytes), "A.npz: data.npy: its .npy header implies " +
                                                    std::to_string(header.size() + 40) +
                                                    " bytes, but the archive declares " +
                                                    std::to_string(header.size() + 41));
}

// ---- refused: the matrix ------------------------------------------------------------

TEST(NpzReject, PointersThatAreNotAPartition) {
  const auto with_indptr = [](std::vector<double> pointers) {
    Npz npz = npz_of(small_matrix(), "csr");
    npz.arrays["indptr"].values = std::move(pointers);
    return error_of(bytes_of(npz));
  };
  EXPECT_EQ(with_indptr({1, 2, 3, 5}), "A.npz: indptr.npy: indptr[0] = 1, expected 0");
  EXPECT_EQ(with_indptr({0, 3, 2, 5}),
            "A.npz: indptr.npy: indptr[2] = 2 is less than indptr[1] = 3 (pointers never decrease)");
  EXPECT_EQ(with_indptr({0, 2, 6, 5}), "A.npz: indptr.npy: indptr[2] = 6 exceeds the 5 stored values");
  EXPECT_EQ(with_indptr({0, 2, 3, 4}), "A.npz: indptr.npy: indptr[3] = 4, but data.npy holds 5 values");
}

TEST(NpzReject, IndicesOutOfRange) {
  Npz csr = npz_of(small_matrix(), "csr");
  csr.arrays["indices"].values[3] = 3;
  EXPECT_EQ(error_of(bytes_of(csr)), "A.npz: indices.npy: indices[3] = 3 is out of range [0, 3)");
  Npz coo = npz_of(small_matrix(), "coo");
  coo.arrays["row"].values[1] = -1;
  EXPECT_EQ(error_of(bytes_of(coo)), "A.npz: row.npy: row[1] = -1 is out of range [0, 3)");
  Npz col = npz_of(small_matrix(), "coo", "<f8", "<i8");
  col.arrays["col"].values[4] = 7;
  EXPECT_EQ(error_of(bytes_of(col)), "A.npz: col.npy: col[4] = 7 is out of range [0, 3)");
}

TEST(NpzReject, ValuesNaNInfiniteOrNegativeNamedByEntry) {
  const auto with_value = [](std::size_t n, double v) {
    Npz npz = npz_of(small_matrix(), "csc");
    npz.arrays["data"].values[n] = v;
    return error_of(bytes_of(npz));
  };
  // csc order: (0,0)=1, (2,0)=4, (0,1)=2, (1,1)=0.5, (2,2)=3.
  EXPECT_EQ(with_value(1, -4), "A.npz: data.npy: data[1] at [2, 0] (0-based) is negative; a target needs A_ij >= 0");
  EXPECT_EQ(with_value(3, std::numeric_limits<double>::quiet_NaN()), "A.npz: data.npy: data[3] at [1, 1] (0-based) is NaN");
  EXPECT_EQ(with_value(4, std::numeric_limits<double>::infinity()),
            "A.npz: data.npy: data[4] at [2, 2] (0-based) is not finite");
}

TEST(NpzReject, APositionStoredTwice) {
  Npz coo = npz_of(small_matrix(), "coo");
  coo.arrays["row"].values.push_back(2);
  coo.arrays["col"].values.push_back(0);
  coo.arrays["data"].values.push_back(1);
  EXPECT_EQ(error_of(bytes_of(coo)),
            "A.npz: entry [2, 0] (0-based) is stored twice, at data[3] and data[5] (SciPy would add them; call "
            "A.sum_duplicates() before save_npz to mean the sum)");
  Npz csr = npz_of(small_matrix(), "csr");
  csr.arrays["indices"].values = {0, 0, 1, 0, 2};  // row 0 lists column 0 twice
  EXPECT_THAT(error_of(bytes_of(csr)), StartsWith("A.npz: entry [0, 0] (0-based) is stored twice, at data[0] and data[1]"));
}

TEST(NpzReject, RowWithoutAPositiveEntry) {
  Matrix M = small_matrix();
  M(1, 1) = 0;
  EXPECT_EQ(error_of(bytes_of(npz_of(M, "csr"))),
            "A.npz: row 1 (0-based) has no positive entry; every row of a target needs one");
  // A huge L with two entries fails on its rows, not by allocating O(L).
  Npz huge = npz_of(Matrix::Identity(2, 2), "coo");
  huge.rows = huge.cols = (std::uint64_t{1} << 31) - 1;
  EXPECT_EQ(error_of(bytes_of(huge)), "A.npz: row 2 (0-based) has no positive entry; every row of a target needs one");
}

TEST(NpzReject, MemoryLimitBeforeAllocating) {
  // 5 entries of 64 bytes, 4 pointers of 8 and 3 rows of 16: 320 + 32 + 48 = 400.
  EXPECT_EQ(error_of(bytes_of(npz_of(small_matrix(), "csr")), 399),
            "A.npz: the target's 5 stored entries need about 400 bytes, more than the memory limit of 399 bytes "
            "(--max-memory)");
  EXPECT_NO_THROW(read_bytes(bytes_of(npz_of(small_matrix(), "csr")), 400));
}

TEST(NpzReject, ACorruptMemberIsReportedAsSuchNotAsBadContent) {
  Npz npz = npz_of(small_matrix(), "csr");
  npz.deflate = false;
  std::string bytes = bytes_of(npz);
  // The last byte of data.npy's first double: its sign bit, so the value turns negative.
  const std::string header = npy_file("<f8", {5}, "");
  const std::size_t at = bytes.find(header) + header.size() + 7;
  bytes[at] = static_cast<char>(bytes[at] | 0x80);
  EXPECT_THAT(error_of(bytes), StartsWith("A.npz: member 'data.npy': CRC-32 mismatch"));
  // The same for a member whose .npy header is hit: not "bad magic", but the CRC.
  std::string header_hit = bytes_of(npz);
  header_hit[header_hit.find(header)] = 'X';
  EXPECT_THAT(error_of(header_hit), StartsWith("A.npz: member 'data.npy': CRC-32 mismatch"));
}

// ---- properties -----------------------------------------------------------------------

/// A random non-negative L x L matrix with a positive entry in every row.
Matrix random_matrix() {
  const auto L = *rc::gen::inRange<Eigen::Index>(2, 12);
  Matrix M = Matrix::Zero(L, L);
  for (Eigen::Index i = 0; i < L; ++i) {
    M(i, *rc::gen::inRange<Eigen::Index>(0, L)) = 1 + *rc::gen::inRange(0, 1000) / 7.0;
    for (Eigen::Index j = 0; j < L; ++j)
      if (*rc::gen::inRange(0, 4) == 0) M(i, j) = *rc::gen::inRange(0, 1000) / 8.0;  // zeros too
    if (M.row(i).maxCoeff() <= 0) M(i, i) = 1;
  }
  return M;
}

RC_GTEST_PROP(NpzProperty, WrittenMatricesReadBackInEveryFormat, ()) {
  const Matrix M = random_matrix();
  const auto format = *rc::gen::element(std::string("csr"), std::string("csc"), std::string("coo"));
  // Values k/8 and 1 + k/7 rounded: float32 would round some, so float64
  // (the other dtypes: NpzRead.EveryValueAndIndexDtype).
  const auto index = *rc::gen::element(std::string("<i4"), std::string("<i8"));
  Npz npz = npz_of(M, format, "<f8", index);
  npz.deflate = *rc::gen::arbitrary<bool>();
  // Shuffle the stored order (coo), or the order within each row (csr) or column (csc).
  auto& data = npz.arrays["data"].values;
  auto& first = npz.arrays[format == "coo" ? "row" : "indices"].values;
  std::vector<std::size_t> order(data.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::vector<double> pointers = format == "coo" ? std::vector<double>{0, static_cast<double>(data.size())}
                                                 : npz.arrays["indptr"].values;
  for (std::size_t p = 0; p + 1 < pointers.size(); ++p) {
    const auto lo = static_cast<std::size_t>(pointers[p]), hi = static_cast<std::size_t>(pointers[p + 1]);
    for (std::size_t t = hi; t > lo + 1; --t) std::swap(order[t - 1], order[*rc::gen::inRange(lo, t)]);
  }
  const auto permute = [&order](std::vector<double>& v) {
    std::vector<double> out(v.size());
    for (std::size_t t = 0; t < v.size(); ++t) out[t] = v[order[t]];
    v = out;
  };
  permute(data);
  permute(first);
  if (format == "coo") permute(npz.arrays["col"].values);
  RC_ASSERT(read_bytes(bytes_of(npz)).dense() == M);
}

RC_GTEST_PROP(NpzProperty, MutatedArchivesReadAsATargetOrThrowOneInputError, ()) {
  Npz npz = npz_of(random_matrix(), *rc::gen::element(std::string("csr"), std::string("csc"), std::string("coo")));
  npz.deflate = *rc::gen::arbitrary<bool>();
  std::string bytes = bytes_of(npz);
  const auto mutations = *rc::gen::container<std::vector<jlattn::testing::Mutation>>(
      *rc::gen::inRange(1, 4), jlattn::testing::gen_mutation(rc::gen::element('\0', '\x01', '\xff', '-', '3')));
  for (const auto& m : mutations) jlattn::testing::apply_mutation(m, bytes);
  try {
    const Target A = read_bytes(bytes, 1 << 20);
    for (std::size_t i = 0; i < A.L(); ++i) RC_ASSERT(A.k_i(i) >= 1u);
    RC_TAG("accepted");
  } catch (const InputError& e) {
    const std::string message = e.what();
    RC_ASSERT(message.rfind("A.npz: ", 0) == 0);
    RC_ASSERT(message.find('\n') == std::string::npos);
  }
}

// ---- what SciPy writes ------------------------------------------------------------------

/// Reads "L\n" then lines "i j value.hex()" printed by Python into a dense matrix.
Matrix matrix_from_listing(const std::string& text) {
  std::istringstream in(text);
  Eigen::Index L = 0;
  in >> L;
  Matrix M = Matrix::Zero(L, L);
  Eigen::Index i = 0, j = 0;
  std::string hex;
  while (in >> i >> j >> hex) {
    // Python's float.hex(): [-]0x1.<hex>p<exp>; from_chars takes it without "0x".
    const bool negative = hex.front() == '-';
    const std::string body = hex.substr(negative ? 3 : 2);
    double v = 0;
    std::from_chars(body.data(), body.data() + body.size(), v, std::chars_format::hex);
    M(i, j) = negative ? -v : v;
  }
  return M;
}

TEST(NpzScipy, WhatSaveNpzWritesReadsAsTheMatrixPythonListed) {
  if (!jlattn::testing::python_has("scipy.sparse")) GTEST_SKIP() << jlattn::testing::kPython << " with scipy is not available";
  jlattn::testing::TemporaryFile base("jlattn_npz_test_", "scipy");
  const std::string script =
      "import sys, numpy as np, scipy.sparse as sp\n"
      "rng = np.random.default_rng(2106037642)\n"
      "L = 40\n"
      "A = sp.random(L, L, density=0.1, random_state=rng, format='lil')\n"
      "A.setdiag(rng.uniform(0.5, 2.0, L))\n"
      "A[:, 3] = 1e-300\n"
      "A = A.tocsr()\n"
      "print(L)\n"
      "C = A.tocoo()\n"
      "for i, j, v in zip(C.row, C.col, C.data): print(i, j, float(v).hex())\n"
      "b = sys.argv[1]\n"
      "sp.save_npz(b + '_csr.npz', A)\n"
      "sp.save_npz(b + '_csc.npz', A.tocsc(), compressed=False)\n"
      "sp.save_npz(b + '_coo.npz', A.tocoo())\n"
      "sp.save_npz(b + '_coo64.npz', sp.coo_matrix((C.data, (C.row.astype(np.int64), C.col.astype(np.int64))), "
      "shape=(L, L)), compressed=False)\n"
      "D = sp.coo_matrix((np.ones(3), ([0, 1, 0], [2, 2, 2])), shape=(L, L))\n"
      "sp.save_npz(b + '_duplicate.npz', D)\n";
  const auto [listing, ok] =
      jlattn::testing::run_command(std::string(jlattn::testing::kPython) + " -c \"" + script + "\" " + base.path());
  ASSERT_TRUE(ok) << listing;
  const Matrix expected = matrix_from_listing(listing);
  ASSERT_EQ(expected.rows(), 40);
  for (const std::string kind : {"_csr", "_csc", "_coo", "_coo64"}) {
    const std::string path = base.path() + kind + ".npz";
    const std::string bytes = jlattn::testing::slurp(path);
    std::remove(path.c_str());
    EXPECT_EQ(read_bytes(bytes).dense(), expected) << kind;
  }
  const std::string duplicate = base.path() + "_duplicate.npz";
  const std::string bytes = jlattn::testing::slurp(duplicate);
  std::remove(duplicate.c_str());
  EXPECT_THAT(error_of(bytes), StartsWith("A.npz: entry [0, 2] (0-based) is stored twice, at data[0] and data[2]"));
}

}  // namespace
