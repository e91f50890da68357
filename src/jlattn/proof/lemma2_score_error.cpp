#include "jlattn/proof/lemma2_score_error.hpp"

#include <cmath>
#include <string>

#include "jlattn/core/errors.hpp"
#include "jlattn/core/reproducible_random.hpp"
#include "jlattn/core/format.hpp"

namespace jlattn {

ScoreErrorBudget score_error_budget(double eps, double gamma) {
  if (!(eps > 0) || !std::isfinite(eps))
    throw InputError("eps must be a finite number > 0, got " + format_shortest(eps));
  if (!(gamma > 0 && gamma < 1)) throw InputError("gamma must be in (0, 1), got " + format_shortest(gamma));
  ScoreErrorBudget budget;
  budget.eps = eps;
  budget.gamma = gamma;
  // Two entries of a row each move by at most eta, so their difference by 2 eta = eps.
  budget.eta = eps / 2;
  // Off-support differences start at -Delta and may rise by 2 eta = eps to ln gamma.
  // portable_log keeps Delta, and so B and X, identical across C libraries.
  budget.gap_Delta = -portable_log(gamma) + eps;
  return budget;
}

}  // namespace jlattn
