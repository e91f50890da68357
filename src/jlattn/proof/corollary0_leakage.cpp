#include "jlattn/proof/corollary0_leakage.hpp"

#include <cmath>
#include <limits>
#include <string>

#include "jlattn/core/errors.hpp"
#include "jlattn/core/format.hpp"

namespace jlattn {

namespace {

void require_row(std::size_t L, std::size_t k_i) {
  if (L < 2 || k_i < 1 || k_i > L)
    throw InputError("Corollary 0 needs L >= 2 and 1 <= k_i <= L, got L = " + std::to_string(L) +
                     ", k_i = " + std::to_string(k_i));
}

}  // namespace

double leakage_share_upper(std::size_t L, std::size_t k_i, double gamma) {
  require_row(L, k_i);
  if (!(gamma >= 0) || !std::isfinite(gamma))
    throw InputError("gamma must be finite and >= 0, got " + format_shortest(gamma));
  // Each of the L - k_i off-support entries is at most gamma times the
  // smallest support entry, which is at most the support mass over k_i.
  const double x = static_cast<double>(L - k_i) * gamma / static_cast<double>(k_i);
  // x overflows only for gamma near the top of the double range; then
  // x / (1 + x) rounds to 1 (inf / inf would be NaN).
  if (std::isinf(x)) return 1.0;
  return x / (1.0 + x);
}

double gamma_for_leakage_upper(std::size_t L, std::size_t k_i, double lambda) {
  require_row(L, k_i);
  if (!(lambda > 0 && lambda < 1)) throw InputError("lambda must be in (0, 1), got " + format_shortest(lambda));
  if (k_i == L) return std::numeric_limits<double>::infinity();
  // Solve x / (1 + x) <= lambda for x = (L - k_i) gamma / k_i.
  return lambda * static_cast<double>(k_i) / ((1.0 - lambda) * static_cast<double>(L - k_i));
}

}  // namespace jlattn
