#include "jlattn/core/fnv1a.hpp"

#include <cstring>

namespace jlattn {

namespace {

constexpr std::uint64_t kOffsetBasis = 0xcbf29ce484222325ULL;
constexpr std::uint64_t kPrime = 0x100000001b3ULL;

std::uint64_t add_byte(std::uint64_t h, unsigned char byte) { return (h ^ byte) * kPrime; }

}  // namespace

std::uint64_t fnv1a(std::string_view bytes) {
  std::uint64_t h = kOffsetBasis;
  for (const char c : bytes) h = add_byte(h, static_cast<unsigned char>(c));
  return h;
}

std::uint64_t fnv1a(const Matrix& M) {
  std::uint64_t h = kOffsetBasis;
  for (Eigen::Index n = 0; n < M.size(); ++n) {
    std::uint64_t bits = 0;
    std::memcpy(&bits, M.data() + n, sizeof bits);
    for (int b = 0; b < 8; ++b) h = add_byte(h, static_cast<unsigned char>((bits >> (8 * b)) & 0xffU));
  }
  return h;
}

std::string hex16(std::uint64_t hash) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i, hash >>= 4) s[static_cast<std::size_t>(i)] = kDigits[hash & 15];
  return s;
}

std::string fnv1a_hex(std::string_view bytes) { return hex16(fnv1a(bytes)); }

std::string fnv1a_hex(const Matrix& M) { return hex16(fnv1a(M)); }

}  // namespace jlattn
