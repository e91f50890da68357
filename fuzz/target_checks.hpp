// Shared by the fuzz targets of the readers: a stream that cannot seek, the
// comparison of two targets, and the Matrix Market round trip of a target.
#pragma once

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <streambuf>

#include "jlattn/core/errors.hpp"
#include "jlattn/io/matrix_market.hpp"
#include "jlattn/proof/definition1_target.hpp"

namespace jlattn::fuzz {

/// A read-only buffer over the input that refuses to seek, like a pipe.
class UnseekableBuffer : public std::streambuf {
 public:
  UnseekableBuffer(const std::uint8_t* data, std::size_t size) {
    char* begin = const_cast<char*>(reinterpret_cast<const char*>(data));
    setg(begin, begin, begin + size);
  }
};

/// The same sizes, supports and weights, bit for bit.
inline bool same_target(const Target& a, const Target& b) {
  if (a.L() != b.L() || a.nnz() != b.nnz()) return false;
  for (std::size_t i = 0; i < a.L(); ++i) {
    const auto sa = a.support(i), sb = b.support(i);
    const auto wa = a.weights(i), wb = b.weights(i);
    if (sa.size() != sb.size() || wa.size() != wb.size()) return false;
    for (std::size_t n = 0; n < sa.size(); ++n)
      if (sa[n] != sb[n] || wa[n] != wb[n]) return false;
  }
  return true;
}

/// What is wrong with A's trip through write_matrix_market and
/// read_matrix_market, or nullptr when it comes back bit for bit.
inline const char* matrix_market_round_trip_problem(const Target& A) {
  std::ostringstream out;
  io::write_matrix_market(out, A);
  std::istringstream again(out.str());
  try {
    if (!same_target(A, io::read_matrix_market(again, "round-trip.mtx"))) return "round trip changed the target";
  } catch (const InputError&) {
    return "what write_matrix_market wrote does not read back";
  }
  return nullptr;
}

}  // namespace jlattn::fuzz
