/// \file certificate_aggregate.hpp
/// \brief Step 6 of proofs/certificate.md: the certificate's verdict and the
/// enclosures of the achieved \f$(\hat\varepsilon, \hat\gamma)\f$ from every
/// row's outcome (certificate_rows.hpp), once the filter and the exact pass
/// are done. Internal to the certifier.
///
/// Proof page: proofs/certificate.md
#pragma once

#include <vector>

#include "jlattn/certify/certificate.hpp"
#include "jlattn/certify/certificate_rows.hpp"

namespace jlattn::detail {

/// Step 6: refuted iff some row is (the witness of the smallest such row),
/// certified iff every row is, undecided otherwise; \f$\hat\varepsilon\f$ and
/// \f$\ln\hat\gamma\f$ enclosed by the maxima of the rows' enclosures, capped
/// by \f$\varepsilon\f$ and \f$\ln\gamma\f$ when certified; \f$\hat\gamma\f$
/// by MPFR's exponential. Fills verdict, witness, eps_hat, log_gamma_hat,
/// gamma_hat and, when `all_rows`, row_verdicts of `cert` (whose eps and
/// gamma are set).
/// \pre rows has one outcome per row of the target; log_gamma encloses ln cert.gamma.
/// Guarantee: certificate (Step 6), given that every row's outcome is.
void aggregate(const std::vector<RowOutcome>& rows, Enclosure log_gamma, bool all_rows, Certificate& cert);

}  // namespace jlattn::detail
