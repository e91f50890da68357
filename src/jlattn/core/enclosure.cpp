/// \file enclosure.cpp
/// \brief The elementary functions of enclosure.hpp, by MPFR with directed
/// rounding at 53 bits (a double converts exactly; each result is rounded
/// once more, in the same direction, to a double).
#include "jlattn/core/enclosure.hpp"

#include "jlattn/core/multiprecision.hpp"

namespace jlattn {

namespace {

double log_rounded(double x, mpfr_rnd_t direction) {
  mp::Real value(53), result(53);
  mpfr_set_d(value.get(), x, MPFR_RNDN);  // exact
  mpfr_log(result.get(), value.get(), direction);
  return mpfr_get_d(result.get(), direction);
}

double exp_rounded(double t, mpfr_rnd_t direction) {
  if (t == -detail::kInfinity) return 0.0;
  mp::Real value(53), result(53);
  mpfr_set_d(value.get(), t, MPFR_RNDN);  // exact
  mpfr_exp(result.get(), value.get(), direction);
  return mpfr_get_d(result.get(), direction);
}

}  // namespace

Enclosure log_enclosure(double x) { return {log_rounded(x, MPFR_RNDD), log_rounded(x, MPFR_RNDU)}; }

Enclosure exp_enclosure(Enclosure x) { return {exp_rounded(x.lower, MPFR_RNDD), exp_rounded(x.upper, MPFR_RNDU)}; }

}  // namespace jlattn
