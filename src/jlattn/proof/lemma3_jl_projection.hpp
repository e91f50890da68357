/// \file lemma3_jl_projection.hpp
/// \brief Lemma 3 (Johnson-Lindenstrauss for inner products): the random
/// projections R and the tail constants of the lemma.
///
/// Proof page: proofs/lemma3-jl-projection.md
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "jlattn/core/matrix.hpp"

namespace jlattn {

/// The entry laws of Lemma 3 for which the theorems are proved.
enum class Projection {
  gaussian,    ///< \f$R_{ij} \sim N(0, 1/d)\f$ (Lemma 3a-3b)
  rademacher,  ///< \f$R_{ij} = \pm 1/\sqrt d\f$ with probability 1/2 each (Lemma 3c)
  achlioptas   ///< \f$R_{ij} = \sqrt{3/d}\,\{+1, 0, -1\}\f$ w.p. \f$\{1/6, 2/3, 1/6\}\f$ (Lemma 3c)
};

/// "gaussian", "rademacher" or "achlioptas".
std::string to_string(Projection projection);
/// Inverse of to_string. \throws InputError naming the unknown value.
Projection parse_projection(const std::string& name);

/// Entry (i, j) of the projection R (L x d) drawn with `seed`: a pure function
/// of its arguments, so any block of R can be generated on any thread.
/// Gaussian: \f$z/\sqrt d\f$ with z = standard_normal(seed, i, j, 0);
/// Rademacher: the sign is one Philox bit; Achlioptas: one Philox word
/// \f$w < 6\lfloor 2^{32}/6\rfloor\f$ (rejection keeps the 1/6, 2/3, 1/6 law exact),
/// \f$w \bmod 6\f$ picks +1 (0), -1 (1) or 0 (2..5).
/// \pre d has to be in [1, 2^32); i and j in [0, 2^32).
/// Guarantee: the same bits on every platform in scope (reproducible_random.hpp).
/// Proof page: proofs/lemma3-jl-projection.md
double projection_entry(Projection projection, std::size_t d, std::uint64_t seed, std::size_t i, std::size_t j);

/// Consecutive entries of one row of R: out[c] = projection_entry(projection,
/// d, seed, i, j0 + c) for c < out.size(), drawn a batch of columns at a time
/// (philox4x32_columns(), standard_normal_columns()) instead of entry by entry.
/// \pre d in [1, 2^32); i in [0, 2^32); j0 + out.size() \f$\le 2^{32}\f$.
/// Guarantee: exact (the same bits as projection_entry()).
/// Proof page: proofs/lemma3-jl-projection.md
void projection_row_entries(Projection projection, std::size_t d, std::uint64_t seed, std::size_t i, std::size_t j0,
                            std::span<double> out);

/// Entries at dimension d from the same draws' entries at d = 1 (a draw is
/// the same at every d; only its scale and rounding change): out[c] is
/// Gaussian \f$\mathrm{fl}(z/\mathrm{fl}(\sqrt d))\f$ for z = at_one[c], Rademacher
/// \f$\pm\mathrm{fl}(1/\mathrm{fl}(\sqrt d))\f$ for \f$\pm 1\f$, Achlioptas
/// \f$\pm\mathrm{fl}(\sqrt{\mathrm{fl}(3/d)})\f$ for \f$\pm\mathrm{fl}(\sqrt 3)\f$ and 0 for 0.
/// projection_entry() is computed through the same function, so
/// projection_entry(p, d, s, i, j) is rescaled_entries(p, d, {projection_entry(p, 1, s, i, j)}).
/// \pre d in [1, 2^32); at_one entries of projection_entry() at d = 1; out.size() == at_one.size().
/// Guarantee: exact (the same bits as projection_entry() at d).
/// Proof page: proofs/lemma3-jl-projection.md
void rescaled_entries(Projection projection, std::size_t d, std::span<const double> at_one, std::span<double> out);

/// The L x d projection matrix with entries projection_entry(...).
/// \pre L, d have to be in [1, 2^32); threads = 0 means OpenMP's default.
/// Guarantee: the result does not depend on `threads` (bit for bit).
/// Proof page: proofs/lemma3-jl-projection.md
Matrix projection_matrix(Projection projection, std::size_t L, std::size_t d, std::uint64_t seed,
                         unsigned threads = 0);

/// The exponent constant of Lemma 3:
/// \f[ c(\tau) = \tfrac12\left(\tfrac{\tau^2}{2} - \tfrac{\tau^3}{3}\right). \f]
/// \pre tau has to be in (0, 1).
/// Guarantee: evaluation (double precision).
/// Proof page: proofs/lemma3-jl-projection.md
double jl_exponent_c(double tau);

/// Lemma 3a's bound on the norm-distortion probability,
/// \f$ p(d,\tau) \le 2\exp(-d\,c(\tau)) \f$ (Gaussian, Rademacher, Achlioptas).
/// \pre d \f$\ge 1\f$; tau in (0, 1).
/// Guarantee: evaluation (double precision).
/// Proof page: proofs/lemma3-jl-projection.md
double jl_norm_failure_upper(std::size_t d, double tau);

/// Lemma 3b's bound for one inner product,
/// \f$ P(|\langle R^\top u, R^\top v\rangle - \langle u, v\rangle| > \tau\|u\|\|v\|) \le 4\exp(-d\,c(\tau)) \f$.
/// \pre d \f$\ge 1\f$; tau in (0, 1).
/// Guarantee: evaluation (double precision).
/// Proof page: proofs/lemma3-jl-projection.md
double jl_inner_product_failure_upper(std::size_t d, double tau);

}  // namespace jlattn
