#include "jlattn/proof/lemma2_score_error.hpp"

#include <cmath>
#include <string>

#include "jlattn/core/errors.hpp"
#include "jlattn/core/format.hpp"
#include "jlattn/core/multiprecision.hpp"

namespace jlattn {

namespace {

void check_eps_gamma(double eps, double gamma) {
  if (!(eps > 0) || !std::isfinite(eps))
    throw InputError("eps must be a finite number > 0, got " + format_shortest(eps));
  if (!(gamma > 0 && gamma < 1)) throw InputError("gamma must be in (0, 1), got " + format_shortest(gamma));
}

}  // namespace

double lemma2_gap_Delta(double eps, double gamma) {
  check_eps_gamma(eps, gamma);
  // ln(1/gamma) + eps enclosed at p bits; once both ends round up to the same
  // double, that double is the smallest one at or above the real gap.
  for (mp::Precision p = 128;; p *= 2) {
    const mp::Interval gap = mp::point(p, eps) - mp::log_of(mp::point(p, gamma));
    const double lower_up = mpfr_get_d(gap.left(), MPFR_RNDU);
    if (lower_up != mpfr_get_d(gap.right(), MPFR_RNDU)) continue;
    if (std::isinf(lower_up))
      throw InputError("eps is too large: ln(1/gamma) + eps is above the largest double, got eps = " +
                       format_shortest(eps));
    return lower_up;
  }
}

ScoreErrorBudget score_error_budget(double eps, double gamma) {
  check_eps_gamma(eps, gamma);
  ScoreErrorBudget budget;
  budget.eps = eps;
  budget.gamma = gamma;
  // Two entries of a row each move by at most eta, so their difference by 2 eta = eps.
  budget.eta = eps / 2;
  // Off-support differences start at -Delta and may rise by 2 eta = eps to at
  // most ln gamma (Delta is rounded up). MPFR is correctly rounded, so Delta,
  // and so B and X, are the same bits with every C library.
  budget.gap_Delta = lemma2_gap_Delta(eps, gamma);
  return budget;
}

}  // namespace jlattn
