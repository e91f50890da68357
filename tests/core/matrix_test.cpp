// Checks the one finiteness test (src/jlattn/core/matrix.hpp all_finite)
// against std::isfinite, value by value, on the edge values of both formats
// and on arbitrary bit patterns.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "jlattn/core/matrix.hpp"

namespace jlattn {
namespace {

template <typename Real>
bool oracle(const std::vector<Real>& v) {
  return std::all_of(v.begin(), v.end(), [](Real x) { return std::isfinite(x); });
}

template <typename Real>
void check_edges() {
  using limits = std::numeric_limits<Real>;
  const std::vector<Real> finite = {Real(0), -Real(0), limits::denorm_min(), -limits::denorm_min(), limits::min(),
                                    limits::max(), -limits::max(), limits::lowest(), Real(1)};
  EXPECT_TRUE(all_finite(std::span<const Real>(finite)));
  for (const Real bad : {limits::infinity(), -limits::infinity(), limits::quiet_NaN(), -limits::quiet_NaN(),
                         limits::signaling_NaN()}) {
    for (std::size_t at = 0; at <= finite.size(); ++at) {
      std::vector<Real> v = finite;
      v.insert(v.begin() + static_cast<std::ptrdiff_t>(at), bad);
      EXPECT_FALSE(all_finite(std::span<const Real>(v))) << "position " << at;
    }
  }
  EXPECT_TRUE(all_finite(std::span<const Real>()));
}

TEST(AllFinite, EdgeValuesOfBinary64) { check_edges<double>(); }
TEST(AllFinite, EdgeValuesOfBinary32) { check_edges<float>(); }

TEST(AllFinite, WholeMatrixIncludesItsLastEntry) {
  Matrix M = Matrix::Ones(3, 5);
  EXPECT_TRUE(all_finite(M));
  M(2, 4) = std::numeric_limits<double>::infinity();
  EXPECT_FALSE(all_finite(M));
  Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> F = Eigen::MatrixXf::Zero(4, 2);
  EXPECT_TRUE(all_finite(F));
  F(3, 1) = std::numeric_limits<float>::quiet_NaN();
  EXPECT_FALSE(all_finite(F));
}

// Any bit pattern: every NaN payload, both infinities, subnormals.
RC_GTEST_PROP(AllFinite, AgreesWithIsfiniteOnArbitraryBinary64Bits, (const std::vector<std::uint64_t>& bits)) {
  std::vector<double> v(bits.size());
  std::transform(bits.begin(), bits.end(), v.begin(), [](std::uint64_t b) { return std::bit_cast<double>(b); });
  RC_ASSERT(all_finite(std::span<const double>(v)) == oracle(v));
}

RC_GTEST_PROP(AllFinite, AgreesWithIsfiniteOnArbitraryBinary32Bits, (const std::vector<std::uint32_t>& bits)) {
  std::vector<float> v(bits.size());
  std::transform(bits.begin(), bits.end(), v.begin(), [](std::uint32_t b) { return std::bit_cast<float>(b); });
  RC_ASSERT(all_finite(std::span<const float>(v)) == oracle(v));
}

}  // namespace
}  // namespace jlattn
