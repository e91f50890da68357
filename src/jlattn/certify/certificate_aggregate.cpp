// Step 6 of proofs/certificate.md: the rows' outcomes into the verdict and
// the enclosures of the achieved pair.
#include "jlattn/certify/certificate_aggregate.hpp"

#include <algorithm>
#include <cstddef>
#include <optional>

namespace jlattn::detail {

namespace {

using State = RowOutcome::State;

bool any_undecided(const std::vector<RowOutcome>& rows) {
  return std::any_of(rows.begin(), rows.end(), [](const RowOutcome& r) { return r.state == State::undecided; });
}

}  // namespace

void aggregate(const std::vector<RowOutcome>& rows, Enclosure log_gamma, bool all_rows, Certificate& cert) {
  // eps_hat = max_i eps_i and ln gamma_hat = max_i lgam_i: the maxima of the enclosures.
  cert.eps_hat = {0.0, 0.0};
  cert.log_gamma_hat = {-kInfinity, -kInfinity};
  for (const RowOutcome& r : rows) {
    cert.eps_hat = max(cert.eps_hat, r.eps_i);
    cert.log_gamma_hat = max(cert.log_gamma_hat, r.log_gamma_i);
  }
  if (all_rows) {
    cert.row_verdicts.clear();
    cert.row_verdicts.reserve(rows.size());
    for (const RowOutcome& r : rows) cert.row_verdicts.push_back(verdict_of(r.state));
  }
  if (const std::optional<std::size_t> i = first_refuted(rows)) {
    cert.verdict = Verdict::refuted;
    cert.witness = rows[*i].witness;
  } else if (any_undecided(rows)) {
    cert.verdict = Verdict::undecided;
  } else {
    cert.verdict = Verdict::certified;
    // Proved: eps_hat <= eps and ln gamma_hat <= ln gamma, so these are bounds too.
    cert.eps_hat.upper = std::min(cert.eps_hat.upper, cert.eps);
    cert.log_gamma_hat.upper = std::min(cert.log_gamma_hat.upper, log_gamma.upper);
  }
  cert.gamma_hat = exp_enclosure(cert.log_gamma_hat);
  if (cert.verdict == Verdict::certified) cert.gamma_hat.upper = std::min(cert.gamma_hat.upper, cert.gamma);
}

}  // namespace jlattn::detail
