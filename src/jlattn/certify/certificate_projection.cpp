// Theorem 2's checkable condition mu(R) <= tau_u, certified for a stored R
// (proofs/theorem2-all-targets.md; the filter-then-exact method of
// proofs/certificate.md applied to the Gram matrix R R^T).
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <string>
#include <optional>
#include <utility>
#include <vector>

#include <omp.h>

#include "jlattn/bounds/rigorous_bounds.hpp"
#include "jlattn/certify/certificate.hpp"
#include "jlattn/certify/certificate_exact.hpp"
#include "jlattn/certify/certificate_filter.hpp"
#include "jlattn/core/directed_rounding.hpp"
#include "jlattn/core/errors.hpp"
#include "jlattn/proof/lemma2_score_error.hpp"

namespace jlattn {

namespace {

using namespace detail;

// tau_u = (eps / 2) / (k Delta + (k - 1) rho), with outward rounding.
Enclosure tau_u_enclosure(std::size_t k, double rho, double eps, Enclosure Delta) {
  const double kd = static_cast<double>(k), k1 = static_cast<double>(k - 1);
  const Enclosure denominator{add_down(mul_down(kd, Delta.lower), mul_down(k1, rho)),
                              add_up(mul_up(kd, Delta.upper), mul_up(k1, rho))};
  const double eta = eps / 2;  // exact for a normal eps
  return {div_down(eta, denominator.upper), div_up(eta, denominator.lower)};
}

// Entries of R R^T - I left to the exact pass; `bounded`: the filter already
// bounded this entry's deviation, so mu's upper end holds even if it is skipped.
struct OpenEntry {
  std::size_t l, j;
  bool bounded;
};

// What the filter found in one block of rows of R R^T (entries j >= l:
// R R^T is symmetric, and the exact pass is symmetric too).
struct GramBlock {
  Enclosure mu{0.0, 0.0};                                     // of the entries the filter bounded
  std::optional<std::pair<std::size_t, std::size_t>> witness;  // the first proved violation
  std::vector<OpenEntry> open;
};

// The filter for one R: each entry with the dot-product bound
// g_d ||r_l|| ||r_j|| + d 2^-1074; the entries it cannot place on one side
// of tau_u are kept for the exact pass.
struct GramFilter {
  const Matrix& R;
  const std::vector<double>& norms;
  double g_d, underflow;
  Enclosure tau_u;
  bool enabled;

  GramBlock filter_block(Eigen::Index l0, Eigen::Index n, bool trusted, Matrix& G) const {
    GramBlock out;
    const auto L = static_cast<std::size_t>(R.rows());
    const bool filter = enabled && trusted;
    if (filter) G.noalias() = R.middleRows(l0, n) * R.transpose();
    for (Eigen::Index r = 0; r < n; ++r) {
      const auto l = static_cast<std::size_t>(l0 + r);
      for (auto j = l; j < L; ++j) {
        if (!filter) {
          out.open.push_back({l, j, false});
          continue;
        }
        const double g = G(r, static_cast<Eigen::Index>(j));
        const double e = add_up(mul_up(mul_up(g_d, norms[l]), norms[j]), underflow);
        double lo = sub_down(g, e), hi = add_up(g, e);
        if (l == j) { lo = sub_down(lo, 1.0); hi = sub_up(hi, 1.0); }
        if (!std::isfinite(lo) || !std::isfinite(hi)) {
          out.open.push_back({l, j, false});
          continue;
        }
        const double dev_upper = std::max(std::abs(lo), std::abs(hi));
        const double dev_lower = lo > 0 ? lo : (hi < 0 ? -hi : 0.0);
        out.mu = max(out.mu, {dev_lower, dev_upper});
        if (dev_lower > tau_u.upper) {
          if (!out.witness) out.witness = std::make_pair(l, j);
        } else if (dev_upper > tau_u.lower) {
          out.open.push_back({l, j, true});
        }
      }
    }
    return out;
  }
};

}  // namespace

ProjectionCertificate certify_projection(const Matrix& R, std::size_t k, double rho, double eps, double gamma,
                                         std::optional<double> gap_Delta, const CertificationLimits& limits) {
  // This thread checks the input, computes the norms and runs the exact
  // pass: it works in the environment they assume, and the caller's is
  // restored on return.
  const ReferenceEnvironmentScope reference;
  if (R.rows() < 1 || R.cols() < 1) throw InputError("R must have at least one row and one column");
  if (!all_finite(R)) throw InputError("R has a NaN or infinite entry");
  if (k < 1) throw InputError("k must be >= 1");
  if (!(rho >= 0) || !std::isfinite(rho)) throw InputError("rho must be a finite number >= 0");
  if (!(eps >= 2 * DBL_MIN) || !std::isfinite(eps)) throw InputError("eps must be a finite normal number > 0");
  if (!(gamma > 0 && gamma < 1)) throw InputError("gamma must be in (0, 1)");
  // Claim 2 needs Lemma 2 at the gap of B: Delta >= ln(1/gamma) + eps; by
  // default the gap the construction uses, ln(1/gamma) + eps rounded up.
  if (gap_Delta) check_gap_Delta(eps, gamma, *gap_Delta);
  const double Delta = gap_Delta ? *gap_Delta : lemma2_gap_Delta(eps, gamma);

  ProjectionCertificate cert;
  cert.L = static_cast<std::size_t>(R.rows());
  cert.d = static_cast<std::size_t>(R.cols());
  cert.k = k;
  cert.rho = rho;
  cert.eps = eps;
  cert.gamma = gamma;
  cert.gap_Delta = gap_Delta;
  cert.Delta = Enclosure::point(Delta);
  cert.tau_u = tau_u_enclosure(k, rho, eps, cert.Delta);

  const Eigen::Index L = R.rows(), d = R.cols();
  std::vector<double> norms(static_cast<std::size_t>(L));
  for (Eigen::Index l = 0; l < L; ++l) norms[static_cast<std::size_t>(l)] = norm_upper(R.row(l).data(), d);
  const GramFilter gram{R, norms, gamma_n_upper(static_cast<double>(d)), mul_up(static_cast<double>(d), kUnderflowUnit),
                        cert.tau_u, !limits.exact_only};

  // Filter: the Gram matrix in row blocks on worker threads, each block's
  // product on one thread, merged in block order (so nothing depends on
  // the thread count). A worker whose floating-point environment is not the
  // one the bound assumes leaves its entries to the exact pass.
  const Eigen::Index block = std::max<Eigen::Index>(1, std::min<Eigen::Index>(L, (Eigen::Index{1} << 22) / L));
  const Eigen::Index blocks = (L + block - 1) / block;
  std::vector<GramBlock> filtered(static_cast<std::size_t>(blocks));
  {
    const SingleThreadedProducts single_threaded;
    const int threads = limits.threads ? static_cast<int>(limits.threads) : omp_get_max_threads();
#pragma omp parallel num_threads(threads)
    {
      const bool trusted = floating_point_environment_problem().empty();
      Matrix G;
#pragma omp for schedule(static, 1)
      for (Eigen::Index b = 0; b < blocks; ++b)
        filtered[static_cast<std::size_t>(b)] = gram.filter_block(b * block, std::min(block, L - b * block), trusted, G);
    }
  }
  cert.mu = {0.0, 0.0};
  std::vector<OpenEntry> open;
  for (const GramBlock& b : filtered) {
    cert.mu = max(cert.mu, b.mu);
    if (!cert.witness) cert.witness = b.witness;
    open.insert(open.end(), b.open.begin(), b.open.end());
  }

  // Exact pass for the open entries (dyadic rationals, no rounding).
  const CoherenceQuestion question{k, rho, eps, Delta};
  const std::uint64_t cost_per_entry = static_cast<std::uint64_t>(d);
  bool undecided = false;
  for (const OpenEntry& entry : open) {
    const std::size_t l = entry.l, j = entry.j;
    if (cert.witness && !limits.all_rows) break;
    if (cost_per_entry * (cert.entries_exact + 1) > limits.max_exact_multiply_adds) {
      undecided = true;
      cert.undecided_reason = "the exact pass budget of " + std::to_string(limits.max_exact_multiply_adds) +
                              " multiply-adds ran out with " + std::to_string(open.size() - cert.entries_exact) +
                              " entries of R R^T left";
      break;
    }
    Enclosure deviation;
    const bool within = coherence_entry_within_tau_u(R, l, j, question, &deviation);
    ++cert.entries_exact;
    cert.mu = max(cert.mu, deviation);
    if (!within && !cert.witness) cert.witness = std::make_pair(l, j);
  }
  if (cert.witness) cert.verdict = Verdict::refuted;
  else if (undecided) cert.verdict = Verdict::undecided;
  else cert.verdict = Verdict::certified;
  // An entry with neither a finite filter bound nor an exact value leaves mu
  // unbounded above.
  for (std::size_t n = cert.entries_exact; n < open.size(); ++n)
    if (!open[n].bounded) cert.mu.upper = detail::kInfinity;
  return cert;
}

}  // namespace jlattn
