// certify() (proofs/certificate.md): the filter (certificate_filter.hpp),
// the exact pass for the rows it leaves open (certificate_exact.hpp), and
// the verdict from every row (certificate_aggregate.hpp).
#include "jlattn/certify/certificate.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#if defined(JLATTN_HAVE_OPENBLAS)
#include <cblas.h>
#endif

#include "jlattn/certify/certificate_aggregate.hpp"
#include "jlattn/certify/certificate_exact.hpp"
#include "jlattn/certify/certificate_filter.hpp"
#include "jlattn/certify/certificate_rows.hpp"
#include "jlattn/core/decimal.hpp"
#include "jlattn/core/errors.hpp"

namespace jlattn {

namespace {

using detail::RowOutcome;
using State = RowOutcome::State;

template <typename M>
std::string shape(const M& m) { return std::to_string(m.rows()) + " x " + std::to_string(m.cols()); }

void validate(const Target& A, const Matrix& X, const Weights& W_Q, const Weights& W_K, double eps, double gamma) {
  const auto L = static_cast<Eigen::Index>(A.L());
  if (X.rows() != L) throw InputError("X has " + std::to_string(X.rows()) + " rows, the target has L = " + std::to_string(L));
  if (X.cols() < 1) throw InputError("X has no columns");
  if (W_Q.rows() != X.cols() || W_K.rows() != X.cols())
    throw InputError("X is " + shape(X) + " but W_Q is " + shape(W_Q) + " and W_K is " + shape(W_K) +
                     " (both need " + std::to_string(X.cols()) + " rows)");
  if (W_Q.cols() != W_K.cols() || W_Q.cols() < 1)
    throw InputError("W_Q is " + shape(W_Q) + " and W_K is " + shape(W_K) + ": they need the same d >= 1 columns");
  if (!all_finite(X)) throw InputError("X has a NaN or infinite entry");
  if (!W_Q.all_finite()) throw InputError("W_Q has a NaN or infinite entry");
  if (!W_K.all_finite()) throw InputError("W_K has a NaN or infinite entry");
  if (!(eps > 0) || !std::isfinite(eps)) throw InputError("eps must be a finite number > 0");
  if (!(gamma > 0 && gamma < 1)) throw InputError("gamma must be in (0, 1)");
}

}  // namespace

namespace detail {

Definition2Thresholds definition2_thresholds(const Target& A, double eps, double gamma) {
  Definition2Thresholds t;
  t.A = &A;
  t.log_A.reserve(A.nnz());
  for (std::size_t i = 0; i < A.L(); ++i)
    for (double w : A.weights(i)) t.log_A.push_back(log_enclosure(w));
  t.eps = eps;
  t.gamma = gamma;
  t.log_gamma = log_enclosure(gamma);
  return t;
}

Verdict verdict_of(RowOutcome::State state) {
  return state == State::certified ? Verdict::certified : state == State::refuted ? Verdict::refuted : Verdict::undecided;
}

}  // namespace detail

namespace {

// The largest exact row norm of a factor: each computed row's norm plus its
// error bound; infinite when an entry of the product is not finite (a NaN
// norm must not be skipped by the maximum).
double largest_norm_upper(const detail::Factor& f) {
  if (!f.finite) return detail::kInfinity;
  double largest = 0.0;
  for (std::size_t i = 0; i < f.norm_upper.size(); ++i)
    largest = std::max(largest, detail::add_up(f.norm_upper[i], f.error_upper[i]));
  return largest;
}

}  // namespace

ScoreNorms score_norms(const Matrix& X, const Weights& W_Q, const Weights& W_K, bool scaled, unsigned threads) {
  if (W_Q.rows() != X.cols() || W_K.rows() != X.cols() || W_Q.cols() != W_K.cols() || W_Q.cols() < 1)
    throw InputError("X is " + shape(X) + " but W_Q is " + shape(W_Q) + " and W_K is " + shape(W_K) +
                     " (both need " + std::to_string(X.cols()) + " rows and the same d >= 1 columns)");
  ScoreNorms n;
  if (!all_finite(X) || !W_Q.all_finite() || !W_K.all_finite()) {
    n.note = "not computed: a matrix has a NaN or infinite entry";
    return n;
  }
  // Step 1's bounds (proofs/certificate.md) in the environment they assume.
  const detail::ReferenceEnvironmentScope reference;
  n.query = largest_norm_upper(detail::compute_factor(X, W_Q, threads));
  n.key = largest_norm_upper(detail::compute_factor(X, W_K, threads));
  // |S_ij| <= c ||q_i|| ||k_j||, c = 1/sqrt(d) when scaled: the budget of proofs/lower-bound.md.
  const double scale = scaled ? detail::inverse_sqrt_enclosure(static_cast<double>(W_Q.cols())).upper : 1.0;
  n.product = detail::mul_up(detail::mul_up(n.query, n.key), scale);
  n.computed = std::isfinite(n.product);
  if (!n.computed) n.note = "not computed: the norms overflow in double precision";
  return n;
}

bool score_product_available(ScoreProduct product) {
#if defined(JLATTN_HAVE_OPENBLAS)
  (void)product;
  return true;
#else
  return product == ScoreProduct::eigen;
#endif
}

ScoreProduct default_score_product() {
#if defined(JLATTN_HAVE_OPENBLAS)
  return ScoreProduct::openblas;
#else
  return ScoreProduct::eigen;
#endif
}

ScoreProduct score_product_named(std::string_view name) {
  if (name == "auto") return default_score_product();
  if (name == "eigen") return ScoreProduct::eigen;
  if (name == "openblas") return ScoreProduct::openblas;
  throw InputError("product must be auto, eigen or openblas, got " + quoted_for_message(name));
}

std::string score_product_name(ScoreProduct product) {
  if (product == ScoreProduct::eigen) return "eigen";
#if defined(JLATTN_HAVE_OPENBLAS)
  return std::string("openblas-") + openblas_get_corename();
#else
  return "openblas (not in this build)";
#endif
}

std::string to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::certified: return "certified";
    case Verdict::refuted: return "refuted";
    case Verdict::undecided: return "undecided";
  }
  return "?";
}

namespace {

Certificate certify_rows(const Target& A, const Matrix& X, const Weights& W_Q, const Weights& W_K, double eps,
                         double gamma, bool scaled, const CertificationLimits& limits, ScoreObserver* observer) {
  // This thread checks the input, computes the bounds and runs the exact
  // pass: it works in the environment they assume (under denormals-are-zero
  // a subnormal eps would compare equal to 0), and the caller's is restored
  // on return.
  const detail::ReferenceEnvironmentScope reference;
  validate(A, X, W_Q, W_K, eps, gamma);
  if (!score_product_available(limits.product))
    throw InputError("the score product openblas is not available: this build of jlattn has no OpenBLAS "
                     "(install Debian's libopenblas-dev and rebuild)");
  Certificate cert;
  cert.eps = eps;
  cert.gamma = gamma;
  cert.scaled = scaled;
  cert.rows = A.L();
  const detail::Definition2Thresholds thresholds = detail::definition2_thresholds(A, eps, gamma);
  detail::RowStates rows(A.L());

  // Steps 1, 3 and 4: the filter.
  const detail::FilterPass filter = detail::run_filter(thresholds, X, W_Q, W_K, scaled, limits, rows, observer);
  cert.filter_used = filter.used;
  cert.score_product = filter.product;
  cert.filter_note = filter.note;
  cert.rows_float32 = filter.rows_float32;
  cert.rows_refined = filter.rows_refined;
  for (std::size_t i = 0; i < A.L(); ++i)
    if (rows.filtered[i] && rows.outcome[i].state != State::undecided) ++cert.rows_filter;

  // Step 5: the exact pass, unless the filter has refuted (a proof already).
  const bool refuted = std::any_of(rows.outcome.begin(), rows.outcome.end(),
                                   [](const RowOutcome& r) { return r.state == State::refuted; });
  if (!refuted || limits.all_rows) {
    const detail::ExactPass exact = detail::run_exact_pass(
        A, X, W_Q, W_K, {scaled, eps, gamma, limits.max_precision_bits}, limits, rows);
    cert.rows_exact = exact.rows_exact;
    cert.rows_undecided = exact.rows_undecided;
    cert.max_precision_used = exact.max_precision_used;
    cert.exact_multiply_adds = exact.multiply_adds;
    cert.undecided_reason = exact.undecided_reason;
  }

  // Step 6: the verdict and the enclosures.
  detail::aggregate(rows.outcome, thresholds.log_gamma, limits.all_rows, cert);
  return cert;
}

}  // namespace

Certificate certify(const Target& A, const Matrix& X, const Weights& W_Q, const Weights& W_K, double eps,
                    double gamma, bool scaled, const CertificationLimits& limits) {
  return certify_rows(A, X, W_Q, W_K, eps, gamma, scaled, limits, nullptr);
}

Certificate certify(const Target& A, const Matrix& X, const Weights& W_Q, const Weights& W_K, double eps,
                    double gamma, bool scaled, const CertificationLimits& limits, ScoreObserver& observer) {
  return certify_rows(A, X, W_Q, W_K, eps, gamma, scaled, limits, &observer);
}

}  // namespace jlattn
