/// \file reproducible_random.hpp
/// \brief Counter-based random numbers that are the same bits on every
/// IEEE-754 platform and for every thread count: Philox4x32-10 (Random123)
/// keyed by the seed, a 53-bit uniform, and a normal transform written out
/// here (Marsaglia's polar method on a logarithm of our own, built only from
/// correctly rounded +, -, *, / and exact frexp/ldexp, never libm's log).
///
/// Scope of the guarantee (docs/reproducibility.md): identical bits wherever
/// double is IEEE binary64 with round-to-nearest and no excess precision
/// (x86-64 SSE2, AArch64, ...) and the code is compiled with
/// -ffp-contract=off (the build sets it).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace jlattn {

/// One Philox4x32-10 block: the four 32-bit words for a counter under a key.
/// The key is the 64-bit seed (low word first); the counter is four words the
/// caller chooses (e.g. row, column, attempt, stream tag).
/// Guarantee: exact (integer arithmetic only).
std::array<std::uint32_t, 4> philox4x32(std::uint64_t seed, std::array<std::uint32_t, 4> counter);

/// A uniform double in [0, 1) with 53 random bits from two 32-bit words:
/// \f$ (2^{21} w_0 + \lfloor w_1 / 2^{11} \rfloor)\, 2^{-53} \f$.
/// Guarantee: exact (the result is representable).
double uniform53(std::uint32_t w0, std::uint32_t w1);

/// Natural logarithm of a positive finite double, computed with a fixed
/// sequence of IEEE operations (argument reduction by frexp to
/// \f$[\sqrt{1/2}, \sqrt 2)\f$, then \f$2\,\mathrm{artanh}(f)\f$ by a fixed-length series).
/// \pre x has to be finite and \f$> 0\f$.
/// Guarantee: within 4 ulp of \f$\ln x\f$ (checked against MPFR), and the
/// same bits on every platform in scope.
double portable_log(double x);

/// A standard normal variate for entry (i, j) of stream `tag` under `seed`:
/// Marsaglia's polar method with Philox counters (i, j, attempt, tag),
/// attempts 0, 1, 2, ... until a point falls strictly inside the unit disc
/// (each attempt succeeds with probability \f$\pi/4\f$; after 64 failed attempts,
/// probability \f$(1-\pi/4)^{64} \approx 1.7\cdot 10^{-43}\f$, the entry falls back to 0, which the test suite
/// shows never happens on its seeds).
/// Guarantee: a pure function of (seed, i, j, tag): same bits on every
/// platform in scope, in any order and on any thread.
double standard_normal(std::uint64_t seed, std::uint32_t i, std::uint32_t j, std::uint32_t tag);

/// Philox blocks for consecutive columns: for c < n, words[c] is
/// philox4x32(seed, (i, j0 + c, attempt, tag)), computed several columns at a
/// time (the same integer arithmetic, laid out so that it vectorises).
/// \pre j0 + n \f$\le 2^{32}\f$.
/// Guarantee: exact (the same words as philox4x32()).
void philox4x32_columns(std::uint64_t seed, std::uint32_t i, std::uint32_t j0, std::uint32_t attempt,
                        std::uint32_t tag, std::size_t n, std::array<std::uint32_t, 4>* words);

/// standard_normal() for consecutive columns: out[c] = standard_normal(seed, i, j0 + c, tag)
/// for c < n, with the first attempt of a whole batch at once and the same
/// IEEE operations in the same order (the logarithm's reduction by exponent
/// bits instead of frexp, which gives the same m and e for the normal
/// arguments the polar method produces).
/// \pre j0 + n \f$\le 2^{32}\f$.
/// Guarantee: exact (the same bits as standard_normal() entry by entry).
void standard_normal_columns(std::uint64_t seed, std::uint32_t i, std::uint32_t j0, std::uint32_t tag, std::size_t n,
                             double* out);

}  // namespace jlattn
