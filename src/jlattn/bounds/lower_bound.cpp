/// \file lower_bound.cpp
/// \brief The packing lower bound and Lemma 4's norm budget
/// (proofs/lower-bound.md), in MPFI interval arithmetic.
///
/// Proof page: proofs/lower-bound.md
#include "jlattn/bounds/lower_bound.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>

#include "jlattn/bounds/bounds_internal.hpp"
#include "jlattn/core/errors.hpp"
#include "jlattn/core/format.hpp"
#include "jlattn/core/multiprecision.hpp"

namespace jlattn {

namespace {

using namespace mp;
using namespace bounds_detail;
using Prec = mp::Precision;

void check_L_and_gamma(std::uint64_t L, double gamma) {
  if (L < 2) throw InputError("L has to be at least 2, got " + std::to_string(L));
  if (!(gamma > 0 && gamma < 1)) throw InputError("gamma has to be in (0, 1), got " + format_shortest(gamma));
}

}  // namespace

DimensionLowerBound packing_lower_bound(std::uint64_t L, double gamma, double norm_product) {
  check_L_and_gamma(L, gamma);
  if (!(norm_product > 0) || !std::isfinite(norm_product))
    throw InputError("the norm budget has to be finite and > 0, got " + format_shortest(norm_product));
  DimensionLowerBound out;
  out.computed = true;
  out.norm_product = norm_product;
  const std::uint64_t norm_free = L >= 3 ? 2 : 1;  // item 4: d = 1 fails for L >= 3 at any norm
  for (Prec p = 128;; p *= 2) {
    const Interval kappa = integer(p, 0) - log_of(point(p, gamma));
    const Interval N = point(p, norm_product);
    // Item 3: N < kappa sqrt((L-1)/(2L)) leaves no dimension at all.
    const Interval rankin = kappa * sqrt_of(integer(p, L - 1) / (integer(p, L) * 2u));
    if (certainly_gt(rankin, N)) {
      out.infeasible = true;
      out.method = "proved: N < ln(1/gamma) sqrt((L-1)/(2L)), so the L keys cannot be ln(1/gamma)/N_q apart in any "
                   "dimension (the sum of squared distances is at most L^2 N_k^2)";
      return out;
    }
    // Item 2: d >= ln L / ln(1 + 2N/kappa).
    const Interval v = log_of(integer(p, L)) / log_of(integer(p, 1) + N * 2u / kappa);
    out.value = v.enclosure();
    Real lo(p + 2), hi(p + 2);
    mpfr_ceil(lo.get(), v.left());
    mpfr_ceil(hi.get(), v.right());
    const bool same = mpfr_equal_p(lo.get(), hi.get()) != 0;
    if (!same && p < 4096) continue;
    const std::uint64_t packing = static_cast<std::uint64_t>(mpfr_get_ui(lo.get(), MPFR_RNDN));
    out.d = std::max(packing, norm_free);
    out.method = std::string(same ? "proved: " : "the enclosure straddles an integer at 4096 bits, so the smaller "
                                                 "ceiling is taken (still a lower bound): ") +
                 "ceil of ln L / ln(1 + 2N/ln(1/gamma)) in [" + format_shortest(out.value.lower) + ", " + format_shortest(out.value.upper) +
                 "] (packing of the L keys, pairwise ln(1/gamma)/N_q apart, in a ball of radius N_k)" +
                 (L >= 3 ? "; and d >= 2 for L >= 3 at any norm (Lemma 4, Proposition 4.1)" : "");
    return out;
  }
}

DimensionLowerBound packing_lower_bound_at_norms(std::uint64_t L, double gamma, double norm_product_upper,
                                                 const std::string& source) {
  check_L_and_gamma(L, gamma);
  if (!(norm_product_upper >= 0) || !std::isfinite(norm_product_upper)) {
    DimensionLowerBound out;
    out.source = source;
    out.method = "not computed: no finite bound on the norms";
    return out;
  }
  // Any upper bound is a budget: raise 0 to the smallest positive double.
  DimensionLowerBound out =
      packing_lower_bound(L, gamma, norm_product_upper > 0 ? norm_product_upper : std::numeric_limits<double>::denorm_min());
  out.source = source;
  return out;
}

NormBudget lemma4_norm_budget(std::uint64_t L, Enclosure beta, std::uint64_t d, double delta_N) {
  if (L < 2) throw InputError("L has to be at least 2, got " + std::to_string(L));
  if (d < 1) throw InputError("d has to be at least 1");
  if (!(beta.lower > 0) || !std::isfinite(beta.upper) || beta.lower > beta.upper)
    throw InputError("beta has to be a finite enclosure of a positive number");
  if (!(delta_N > 0 && delta_N < 1)) throw InputError("delta_N has to be in (0, 1), got " + format_shortest(delta_N));
  constexpr Prec p = 128;
  const Interval target = log_of(integer(p, L) * 2u / point(p, delta_N));  // ln(2L/delta_N)
  const Interval half_d = integer(p, d) / 2u;
  // Item 5: (d/2)(tau - ln(1 + tau)) >= ln(2L/delta_N), proved; tau from a double estimate, then raised.
  const double c = 2 * target.enclosure().upper / static_cast<double>(d);
  double lo = 0, hi = 1;
  while (hi - std::log1p(hi) < c) hi *= 2;
  for (int i = 0; i < 200; ++i) {
    const double m = (lo + hi) / 2;
    (m - std::log1p(m) < c ? lo : hi) = m;
  }
  double tau = hi;
  for (int attempt = 0;; ++attempt) {
    const Interval t = point(p, tau);
    if (certainly_le(target, half_d * (t - log1p_of(t)))) break;
    if (attempt == 200) throw InputError("the norm budget could not be decided");
    tau = std::nextafter(tau * (1 + 1.0 / (1 << 20)), INFINITY);
  }
  NormBudget out;
  out.d = d;
  out.delta_N = delta_N;
  out.beta = beta;
  out.tau = tau;
  const Interval one_plus = integer(p, 1) + point(p, tau), b = point(p, beta.upper);
  out.query_norm = (b * sqrt_of(one_plus)).enclosure().upper;
  out.key_norm = sqrt_of(one_plus).enclosure().upper;
  out.product = (b * one_plus).enclosure().upper;
  return out;
}

}  // namespace jlattn
