#include "jlattn/proof/theorem1_one_target.hpp"

#include <cmath>
#include <string>

#include "jlattn/core/errors.hpp"
#include "jlattn/core/reproducible_random.hpp"
#include "jlattn/core/format.hpp"

namespace jlattn {

namespace {

constexpr double kLargestExactInteger = 9007199254740992.0;  // 2^53

}  // namespace

double tau_theorem1(double eta, double beta) {
  if (!(eta > 0) || !(beta > 2 * eta) || !std::isfinite(beta))
    throw InputError("Theorem 1 needs eta > 0 and beta > 2 eta (beta >= Delta > eps)");
  return eta / beta;
}

std::uint64_t d_star_theorem1(std::size_t L, double tau, double delta) {
  if (L < 2) throw InputError("Theorem 1 needs L >= 2");
  if (!(tau > 0 && tau < 1)) throw InputError("Theorem 1 needs tau in (0, 1), got " + format_shortest(tau));
  if (!(delta > 0 && delta < 1)) throw InputError("delta must be in (0, 1), got " + format_shortest(delta));
  const double Ld = static_cast<double>(L);
  // Union bound over the L^2 pairs (b_i, e_j), each failing with probability
  // at most 4 exp(-d c(tau)) by Lemma 3b: need 4 L^2 exp(-d c) <= delta.
  const double numerator = 2 * portable_log(4 * Ld * Ld / delta);
  const double denominator = tau * tau / 2 - tau * tau * tau / 3;
  const double d = std::ceil(numerator / denominator);
  if (!(d <= kLargestExactInteger))
    throw InputError("Theorem 1's d* exceeds 2^53 for these parameters (tau = " + format_shortest(tau) + ")");
  return static_cast<std::uint64_t>(d);
}

}  // namespace jlattn
