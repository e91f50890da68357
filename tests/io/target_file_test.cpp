// Tests of the one entry point for target files (src/jlattn/io/target_file):
// which reader a file goes to, the dense .npy target, and SciPy-made
// fixtures of every kind compared with the matrices written out here.
#include "jlattn/io/target_file.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>
#include <streambuf>
#include <string>
#include <vector>

#include "jlattn/core/errors.hpp"
#include "support/files.hpp"
#include "support/input_error.hpp"
#include "support/python.hpp"
#include "support/zip_writer.hpp"

namespace {

using jlattn::Matrix;
using jlattn::Target;
using jlattn::io::read_npy_target;
using jlattn::io::read_target;
using jlattn::io::read_target_file;
using jlattn::io::target_file_kind;
using jlattn::io::TargetFileKind;
using jlattn::testing::le_bytes;
using jlattn::testing::npy_file;
using testing::HasSubstr;
using testing::StartsWith;

const std::string kFixtures = std::string(JLATTN_SOURCE_DIR) + "/tests/io/fixtures/";

// ---- which reader --------------------------------------------------------------------

TEST(TargetFileKind, ContentFirstThenTheExtension) {
  EXPECT_EQ(target_file_kind(std::string("\x93NUMPY\x01\x00", 8), "A.mtx"), TargetFileKind::npy);
  EXPECT_EQ(target_file_kind(std::string("PK\x03\x04", 4), "A.mtx"), TargetFileKind::npz);
  EXPECT_EQ(target_file_kind(std::string("PK\x05\x06", 4), "A"), TargetFileKind::npz);
  EXPECT_EQ(target_file_kind("%%MatrixMarket", "A.npz"), TargetFileKind::matrix_market);
  EXPECT_EQ(target_file_kind("\xEF\xBB\xBF%%Matrix", "A.npy"), TargetFileKind::matrix_market);
  EXPECT_EQ(target_file_kind("", "empty.NPY"), TargetFileKind::npy);
  EXPECT_EQ(target_file_kind("junk", "A.npz"), TargetFileKind::npz);
  EXPECT_EQ(target_file_kind("", "A.mtx"), TargetFileKind::matrix_market);
  EXPECT_EQ(target_file_kind("2 2 2", "A.txt"), TargetFileKind::matrix_market);
  EXPECT_EQ(target_file_kind("", "npy"), TargetFileKind::matrix_market);
}

// ---- the dense .npy target -----------------------------------------------------------

constexpr const char* kSource = "A.npy";

std::string doubles(const std::vector<double>& values) {
  std::string out;
  for (const double v : values) out += le_bytes(std::bit_cast<std::uint64_t>(v), 8);
  return out;
}

Target npy_target(const std::string& bytes, std::size_t max_bytes = 0) {
  std::istringstream in(bytes);
  return read_npy_target(in, kSource, max_bytes);
}

std::string npy_error(const std::string& bytes, std::size_t max_bytes = 0) {
  const std::string message = jlattn::testing::input_error_message([&] { npy_target(bytes, max_bytes); });
  EXPECT_THAT(message, StartsWith("A.npy: "));
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  return message;
}

Matrix two_by_two() {
  Matrix M(2, 2);
  M << 1, 0,  //
      3, 2;
  return M;
}

TEST(NpyTarget, COrderFortranOrderAndOtherDtypes) {
  EXPECT_EQ(npy_target(npy_file("<f8", {2, 2}, doubles({1, 0, 3, 2}))).dense(), two_by_two());
  EXPECT_EQ(npy_target(npy_file("<f8", {2, 2}, doubles({1, 3, 0, 2}), true)).dense(), two_by_two());
  std::string bytes;
  for (const int v : {1, 0, 3, 2}) bytes += le_bytes(static_cast<std::uint64_t>(v), 4);
  EXPECT_EQ(npy_target(npy_file("<i4", {2, 2}, bytes)).dense(), two_by_two());
  const Target pattern = npy_target(npy_file("|b1", {2, 2}, std::string("\x01\x00\x01\x01", 4)));
  EXPECT_EQ(pattern.nnz(), 3u);
  EXPECT_EQ(pattern.rho(), 0.0);
}

TEST(NpyTarget, ZerosAndMinusZeroStayOutOfTheSupport) {
  const Target A = npy_target(npy_file("<f8", {2, 2}, doubles({1, -0.0, 0, 5e-324})));
  EXPECT_EQ(A.nnz(), 2u);
  EXPECT_EQ(A.value(1, 1), std::numeric_limits<double>::denorm_min());
}

TEST(NpyTargetReject, ShapeAndSize) {
  EXPECT_EQ(npy_error(npy_file("<f8", {4}, doubles({1, 0, 0, 1}))),
            "A.npy: a target is a 2-D array, but 'shape' has 1 dimension");
  EXPECT_EQ(npy_error(npy_file("<f8", {2, 3}, doubles({1, 0, 0, 1, 1, 1}))),
            "A.npy: matrix is not square (2 x 3); a target is L x L");
  EXPECT_EQ(npy_error(npy_file("<f8", {1, 1}, doubles({1}))), "A.npy: L = 1 is too small; a target needs L >= 2");
  EXPECT_EQ(npy_error(npy_file("<f8", {std::uint64_t{1} << 31, std::uint64_t{1} << 31}, "")),
            "A.npy: L = 2147483648 is too large; a target needs L < 2^31");
  EXPECT_EQ(npy_error(npy_file("<f8", {2, 2}, doubles({1, 0, 3}))),
            "A.npy: truncated data: 4 elements need 32 bytes, found 24");
  EXPECT_EQ(npy_error(npy_file("<f8", {2, 2}, doubles({1, 0, 3, 2}) + "x")),
            "A.npy: trailing bytes after the data of shape (2, 2)");
}

TEST(NpyTargetReject, DtypesNamed) {
  EXPECT_EQ(npy_error(npy_file("<c16", {2, 2}, "")),
            "A.npy: dtype '<c16' cannot hold a target; expected float64, float32, an integer type or bool");
  EXPECT_EQ(npy_error(npy_file(">f8", {2, 2}, "")),
            "A.npy: dtype '>f8' is big-endian; save a little-endian array (e.g. A.astype('<f8'))");
}

TEST(NpyTargetReject, EntriesNamedByTheirZeroBasedPosition) {
  EXPECT_EQ(npy_error(npy_file("<f8", {2, 2}, doubles({1, 0, -3, 2}))),
            "A.npy: entry [1, 0] (0-based) is negative; a target needs A_ij >= 0");
  EXPECT_EQ(npy_error(npy_file("<f8", {2, 2}, doubles({1, std::nan(""), 3, 2}))), "A.npy: entry [0, 1] (0-based) is NaN");
  // Fortran order: element 1 is [1, 0].
  EXPECT_EQ(npy_error(npy_file("<f8", {2, 2}, doubles({1, INFINITY, 3, 2}), true)),
            "A.npy: entry [1, 0] (0-based) is not finite");
  EXPECT_EQ(npy_error(npy_file("<f8", {2, 2}, doubles({1, 0, 0, 0}))),
            "A.npy: row 1 (0-based) has no positive entry; every row of a target needs one");
}

TEST(NpyTargetReject, MemoryLimitCountsTheNonzeros) {
  // Three nonzeros of 64 bytes: 192 is enough, 191 is not.
  EXPECT_NO_THROW(npy_target(npy_file("<f8", {2, 2}, doubles({1, 0, 3, 2})), 192));
  EXPECT_EQ(npy_error(npy_file("<f8", {2, 2}, doubles({1, 0, 3, 2})), 191),
            "A.npy: more than 2 nonzero entries, more than the memory limit of 191 bytes allows (--max-memory)");
}

RC_GTEST_PROP(NpyTargetProperty, DenseArraysReadAsTheirMatrixInEitherOrder, ()) {
  const auto L = *rc::gen::inRange<Eigen::Index>(2, 10);
  Matrix M = Matrix::Zero(L, L);
  for (Eigen::Index i = 0; i < L; ++i) {
    for (Eigen::Index j = 0; j < L; ++j)
      if (*rc::gen::inRange(0, 3) == 0) M(i, j) = std::ldexp(1 + *rc::gen::inRange(0, 1 << 20), *rc::gen::inRange(-1000, 1000));
    M(i, *rc::gen::inRange<Eigen::Index>(0, L)) = 1 + *rc::gen::inRange(0, 100);
  }
  const bool fortran = *rc::gen::arbitrary<bool>();
  std::vector<double> values;
  for (Eigen::Index a = 0; a < L; ++a)
    for (Eigen::Index b = 0; b < L; ++b) values.push_back(fortran ? M(b, a) : M(a, b));
  RC_ASSERT(npy_target(npy_file("<f8", {static_cast<std::uint64_t>(L), static_cast<std::uint64_t>(L)}, doubles(values),
                                fortran))
                .dense() == M);
}

// ---- every kind through one entry point: the SciPy fixtures ---------------------------

/// The fixtures' N (tests/io/fixtures/make_fixtures.py), written out by hand:
/// a window of width 3 with weights 1 + (2i + j) mod 4, and column 0 = 2.5.
Matrix fixture_N() {
  Matrix N(6, 6);
  N << 2.5, 2, 0, 0, 0, 0,  //
      2.5, 4, 1, 0, 0, 0,   //
      2.5, 2, 3, 4, 0, 0,   //
      2.5, 0, 1, 2, 3, 0,   //
      2.5, 0, 0, 4, 1, 2,   //
      2.5, 0, 0, 0, 3, 4;
  return N;
}

/// The fixtures' S: the symmetric window 1 + (i + j) mod 4, with row and column 0 = 0.5.
Matrix fixture_S() {
  Matrix S(6, 6);
  S << 0.5, 0.5, 0.5, 0.5, 0.5, 0.5,  //
      0.5, 3, 4, 0, 0, 0,             //
      0.5, 4, 1, 2, 0, 0,             //
      0.5, 0, 2, 3, 4, 0,             //
      0.5, 0, 0, 4, 1, 2,             //
      0.5, 0, 0, 0, 2, 3;
  return S;
}

TEST(TargetFile, EveryKindOfFileOfN) {
  for (const std::string name : {"N.mtx", "N_array.mtx", "N.npy", "N_csr.npz", "N_csc_stored.npz"})
    EXPECT_EQ(read_target_file(kFixtures + name).dense(), fixture_N()) << name;
  EXPECT_EQ(read_target_file(kFixtures + "N2_coo_int64.npz").dense(), 2 * fixture_N());
}

TEST(TargetFile, SymmetricMatrixMarketFilesOfS) {
  for (const std::string name : {"S_symmetric.mtx", "S_array_symmetric.mtx"})
    EXPECT_EQ(read_target_file(kFixtures + name).dense(), fixture_S()) << name;
}

TEST(TargetFile, AStreamThatCannotSeekIsReadWhole) {
  struct ForwardOnly : std::streambuf {
    explicit ForwardOnly(std::string& bytes) { setg(bytes.data(), bytes.data(), bytes.data() + bytes.size()); }
  };
  for (const std::string name : {"N_csr.npz", "N.npy", "N.mtx"}) {
    std::string bytes = jlattn::testing::slurp(kFixtures + name);
    ForwardOnly buffer(bytes);
    std::istream in(&buffer);
    EXPECT_EQ(read_target(in, name).dense(), fixture_N()) << name;
  }
  std::string bytes = jlattn::testing::slurp(kFixtures + "N_csr.npz");
  ForwardOnly buffer(bytes);
  std::istream in(&buffer);
  EXPECT_EQ(jlattn::testing::input_error_message([&] { read_target(in, "pipe", 100); }),
            "pipe: the input is larger than the memory limit of 100 bytes (--max-memory)");
}

TEST(TargetFile, MessagesNameTheFileOfEachKind) {
  const std::string missing = "/nonexistent-dir-jlattn/A.npz";
  EXPECT_EQ(jlattn::testing::input_error_message([&] { read_target_file(missing); }),
            missing + ": cannot open file (No such file or directory)");
  jlattn::testing::TemporaryFile empty_npz("jlattn_target_file_test_", "empty.npz");
  jlattn::testing::TemporaryFile empty_npy("jlattn_target_file_test_", "empty.npy");
  jlattn::testing::TemporaryFile empty_mtx("jlattn_target_file_test_", "empty.mtx");
  for (const auto* file : {&empty_npz, &empty_npy, &empty_mtx}) std::ofstream(file->path()).flush();
  EXPECT_EQ(jlattn::testing::input_error_message([&] { read_target_file(empty_npz.path()); }),
            empty_npz.path() + ": empty file (not a .npz archive)");
  EXPECT_EQ(jlattn::testing::input_error_message([&] { read_target_file(empty_npy.path()); }),
            empty_npy.path() + ": empty file (not a .npy file)");
  EXPECT_THAT(jlattn::testing::input_error_message([&] { read_target_file(empty_mtx.path()); }),
              StartsWith(empty_mtx.path() + ": empty file (expected a '%%MatrixMarket"));
}

TEST(TargetFile, WhatNumpyAndScipyWriteAtTestTimeMatchesTheFixtures) {
  // The fixtures were made once; this makes them again, so a change of the
  // writers' bytes (another SciPy) is noticed where Python is present.
  if (!jlattn::testing::python_has("scipy.sparse")) GTEST_SKIP() << jlattn::testing::kPython << " with scipy is not available";
  jlattn::testing::TemporaryFile base("jlattn_target_file_test_", "N");
  const std::string script =
      "import sys, numpy as np, scipy.sparse as sp\n"
      "N = np.zeros((6, 6))\n"
      "for i in range(6):\n"
      "    for j in range(6):\n"
      "        if abs(i - j) <= 1: N[i, j] = 1 + (2 * i + j) % 4\n"
      "    N[i, 0] = 2.5\n"
      "sp.save_npz(sys.argv[1] + '.npz', sp.csr_matrix(N))\n"
      "np.save(sys.argv[1] + '_f.npy', np.asfortranarray(N))\n";
  ASSERT_TRUE(
      jlattn::testing::run_command(std::string(jlattn::testing::kPython) + " -c \"" + script + "\" " + base.path()).second);
  const Target fresh = read_target_file(base.path() + ".npz");
  const Target fortran = read_target_file(base.path() + "_f.npy");
  std::remove((base.path() + ".npz").c_str());
  std::remove((base.path() + "_f.npy").c_str());
  EXPECT_EQ(fresh.dense(), fixture_N());
  EXPECT_EQ(fortran.dense(), fixture_N());
}

}  // namespace
