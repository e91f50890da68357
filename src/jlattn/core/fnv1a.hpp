/// \file fnv1a.hpp
/// \brief The 64-bit FNV-1a hash: the one checksum of the project (audit run
/// keys and cell seeds, file identities, the identity of a projection R in
/// its certificate file). Not cryptographic: it names data, it does not
/// protect it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "jlattn/core/matrix.hpp"

namespace jlattn {

/// 64-bit FNV-1a of a byte string: start from the offset basis
/// 0xcbf29ce484222325 and, for each byte, xor it in and multiply by the prime
/// 0x100000001b3 modulo \f$2^{64}\f$.
/// Guarantee: exact (integer arithmetic).
std::uint64_t fnv1a(std::string_view bytes);

/// 64-bit FNV-1a of the bit patterns of M's entries in storage order (row
/// by row), each entry's eight bytes taken least significant first, so the
/// value is the same on every platform whatever its byte order.
/// Guarantee: exact.
std::uint64_t fnv1a(const Matrix& M);

/// A hash as 16 lower-case hexadecimal digits, most significant first.
/// Guarantee: exact.
std::string hex16(std::uint64_t hash);

/// hex16(fnv1a(bytes)).
std::string fnv1a_hex(std::string_view bytes);

/// hex16(fnv1a(M)).
std::string fnv1a_hex(const Matrix& M);

}  // namespace jlattn
