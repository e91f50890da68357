// Checks the one checksum (src/jlattn/core/fnv1a.hpp) against the published
// 64-bit FNV-1a test vectors and against an independent byte-by-byte
// construction of a matrix's little-endian bytes.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "jlattn/core/fnv1a.hpp"

namespace jlattn {
namespace {

// The test vectors of the FNV reference (the empty string is the offset basis).
TEST(Fnv1a, PublishedTestVectors) {
  EXPECT_EQ(fnv1a(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(fnv1a("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(fnv1a("foobar"), 0x85944171f73967e8ULL);
  EXPECT_EQ(fnv1a_hex("foobar"), "85944171f73967e8");
  EXPECT_EQ(hex16(0x0123456789abcdefULL), "0123456789abcdef");
  EXPECT_EQ(hex16(0), "0000000000000000");
}

// A matrix hashes as the string of its entries' bytes, least significant
// byte first, in storage order. Frozen value: [1.0; -0.5] computed with
// Python's struct.pack('<dd', 1.0, -0.5) and the FNV-1a recurrence.
TEST(Fnv1a, MatrixIsItsLittleEndianBytes) {
  Matrix M(2, 1);
  M << 1.0, -0.5;
  EXPECT_EQ(fnv1a_hex(M), "2c18cbea19d5b735");
}

RC_GTEST_PROP(Fnv1a, MatrixHashEqualsTheHashOfItsBytes, ()) {
  const auto rows = *rc::gen::inRange(1, 6);
  const auto cols = *rc::gen::inRange(1, 6);
  Matrix M(rows, cols);
  std::string bytes;
  for (Eigen::Index n = 0; n < M.size(); ++n) {
    const double x = *rc::gen::arbitrary<double>();
    M.data()[n] = x;
    std::uint64_t bits = 0;
    std::memcpy(&bits, &x, sizeof bits);
    for (int b = 0; b < 8; ++b) bytes.push_back(static_cast<char>((bits >> (8 * b)) & 0xff));
  }
  RC_ASSERT(fnv1a(M) == fnv1a(bytes));
}

}  // namespace
}  // namespace jlattn
