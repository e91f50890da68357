// The certifier's filter (proofs/certificate.md, Steps 1, 3 and 4): scores
// in floating point with a rigorous error bound per row, each row decided
// from enclosures or left to the exact pass with its candidate columns.
#include "jlattn/certify/certificate_filter.hpp"

#include <algorithm>
#include <cfenv>
#include <cfloat>
#include <cmath>
#include <string>
#include <vector>

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#endif
#include <omp.h>
#if defined(JLATTN_HAVE_OPENBLAS)
#include <cblas.h>
#endif

#include "jlattn/core/cancellation.hpp"
#include "jlattn/core/directed_rounding.hpp"

namespace jlattn {

namespace {

#if defined(__SSE__) || defined(__x86_64__)
constexpr unsigned kFlushToZero = 0x8000u;       // MXCSR bit 15
constexpr unsigned kDenormalsAreZero = 0x0040u;  // MXCSR bit 6
#endif

}  // namespace

std::string floating_point_environment_problem() {
  if (std::fegetround() != FE_TONEAREST) return "the rounding mode is not round-to-nearest";
#if defined(__SSE__) || defined(__x86_64__)
  const unsigned csr = _mm_getcsr();
  if (csr & kFlushToZero) return "flush-to-zero (FTZ) is set";
  if (csr & kDenormalsAreZero) return "denormals-are-zero (DAZ) is set";
#endif
  // Portable probes: a subnormal result must survive, and a subnormal input
  // must not read as zero.
  volatile double tiny = DBL_MIN;
  volatile double half = tiny / 2;
  if (half == 0.0) return "subnormal results are flushed to zero";
  volatile double subnormal = 0x1p-1074;
  if (subnormal * 2.0 == 0.0) return "subnormal inputs are treated as zero";
  return {};
}

namespace detail {

namespace {

using State = RowOutcome::State;

// S_block = Q_hat[i0 : i0 + n] K_hat^T, by the chosen library.
void block_scores(ScoreProduct product, const MatrixView& Q_hat, const MatrixView& K_hat, Eigen::Index i0,
                  Eigen::Index n, Matrix& S_block) {
#if defined(JLATTN_HAVE_OPENBLAS)
  if (product == ScoreProduct::openblas) {
    const Eigen::Index L = K_hat.rows(), d = K_hat.cols();
    S_block.resize(n, L);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<blasint>(n), static_cast<blasint>(L),
                static_cast<blasint>(d), 1.0, Q_hat.data() + i0 * Q_hat.outerStride(),
                static_cast<blasint>(Q_hat.outerStride()), K_hat.data(), static_cast<blasint>(K_hat.outerStride()),
                0.0, S_block.data(), static_cast<blasint>(L));
    return;
  }
#else
  (void)product;
#endif
  S_block.noalias() = Q_hat.middleRows(i0, n) * K_hat.transpose();
}

// Stage one of Step 1 for a dense W: entry (i, c) errs by at most
// gamma_m |x_i| . |w_c| + m 2^-1074 <= gamma_m ||x_i|| ||w_c|| + m 2^-1074,
// so the row errs by at most gamma_m ||x_i|| ||W||_F + sqrt(d) m 2^-1074.
std::vector<double> dense_product_error_upper(const Matrix& X, const Matrix& W) {
  const Eigen::Index L = X.rows(), m = X.cols(), d = W.cols();
  double frobenius_sq = 0.0;
  for (Eigen::Index c = 0; c < d; ++c) {
    const Eigen::VectorXd column = W.col(c);
    const double n = norm_upper(column.data(), m);
    frobenius_sq = add_up(frobenius_sq, mul_up(n, n));
  }
  const double frobenius = sqrt_up(frobenius_sq);
  const double g_m = gamma_n_upper(static_cast<double>(m));
  const double underflow = mul_up(sqrt_up(static_cast<double>(d)), mul_up(static_cast<double>(m), kUnderflowUnit));
  std::vector<double> error(static_cast<std::size_t>(L));
  for (Eigen::Index i = 0; i < L; ++i)
    error[static_cast<std::size_t>(i)] = add_up(mul_up(mul_up(g_m, norm_upper(X.row(i).data(), m)), frobenius), underflow);
  return error;
}

// Step 3 for R1: T_j = S_ij - ln A_ij over the support, enclosed;
// eps_i = max T - min T.
struct R1Scan {
  std::vector<Enclosure> T;
  double tmax_lo = -kInfinity, tmax_hi = -kInfinity, tmin_lo = kInfinity, tmin_hi = kInfinity;
  std::size_t a = 0, b = 0;  // argmax of T's lower ends, argmin of T's upper ends
  Enclosure spread() const { return Enclosure{tmax_lo, tmax_hi} - Enclosure{tmin_lo, tmin_hi}; }
};

R1Scan scan_r1(const Definition2Thresholds& t, std::size_t i, const double* S_hat, const ScoreBounds& bounds) {
  const auto supp = t.A->support(i);
  const std::size_t offset = t.A->row_offset(i);
  R1Scan r;
  r.a = r.b = supp[0];
  r.T.resize(supp.size());
  for (std::size_t n = 0; n < supp.size(); ++n) {
    const double s = S_hat[supp[n]];
    r.T[n] = Enclosure{bounds.lower(s), bounds.upper(s)} - t.log_A[offset + n];
    if (r.T[n].lower > r.tmax_lo) { r.tmax_lo = r.T[n].lower; r.a = supp[n]; }
    r.tmax_hi = std::max(r.tmax_hi, r.T[n].upper);
    r.tmin_lo = std::min(r.tmin_lo, r.T[n].lower);
    if (r.T[n].upper < r.tmin_hi) { r.tmin_hi = r.T[n].upper; r.b = supp[n]; }
  }
  return r;
}

// Step 3 for R2: the largest off-support and the smallest support computed
// score (the bounds are monotone in S_hat, so the computed extremes carry them).
struct R2Scan {
  std::size_t o = 0, p = 0;  // argmax off the support (L when the support is the row), argmin on it
  double off_max = -kInfinity, supp_min = kInfinity;
};

R2Scan scan_r2(const Target& A, std::size_t i, const double* S_hat) {
  const auto supp = A.support(i);
  const std::size_t L = A.L();
  R2Scan r;
  r.o = L;
  r.p = supp[0];
  for (std::size_t j = 0, next = 0; j < L; ++j) {
    if (next < supp.size() && supp[next] == j) {
      ++next;
      if (S_hat[j] < r.supp_min) { r.supp_min = S_hat[j]; r.p = j; }
    } else if (S_hat[j] > r.off_max) {
      r.off_max = S_hat[j];
      r.o = j;
    }
  }
  return r;
}

// Step 4: every column that could realise an extreme the filter left open.
RowCandidates candidates_of(const Target& A, std::size_t i, const double* S_hat, const ScoreBounds& bounds,
                            const RowOutcome& out, const R1Scan& r1, const R2Scan& r2) {
  const auto supp = A.support(i);
  RowCandidates c;
  if (!out.r1_certified)
    for (std::size_t n = 0; n < supp.size(); ++n) {
      if (r1.T[n].upper >= r1.tmax_lo) c.r1_max.push_back(supp[n]);
      if (r1.T[n].lower <= r1.tmin_hi) c.r1_min.push_back(supp[n]);
    }
  if (!out.r2_certified) {
    const double off_threshold = bounds.lower(r2.off_max), supp_threshold = bounds.upper(r2.supp_min);
    for (std::size_t j = 0, next = 0; j < A.L(); ++j) {
      if (next < supp.size() && supp[next] == j) {
        ++next;
        if (bounds.lower(S_hat[j]) <= supp_threshold) c.r2_supp.push_back(j);
      } else if (bounds.upper(S_hat[j]) >= off_threshold) {
        c.r2_off.push_back(j);
      }
    }
  }
  return c;
}

// The filter's work on one block of rows: scores, the per-row bound, the decisions.
struct BlockContext {
  const Definition2Thresholds& thresholds;
  const Factor& Q;
  const Factor& K;
  double K_norm, K_error;
  bool scaled;
  Enclosure scale;
  ScoreProduct product;
};

// Decides rows i0 .. i0 + n - 1; returns false when a score or a bound is not finite in some row.
bool filter_block(const BlockContext& c, Eigen::Index i0, Eigen::Index n, Matrix& S_block, RowStates& rows) {
  const Eigen::Index L = c.K.view().rows();
  block_scores(c.product, c.Q.view(), c.K.view(), i0, n, S_block);
  bool all_finite = true;
  for (Eigen::Index r = 0; r < n; ++r) {
    const auto i = static_cast<std::size_t>(i0 + r);
    const double* S_hat = S_block.data() + r * L;
    const double error = dot_product_error_upper(c.Q.d, c.Q.norm_upper[i], c.Q.error_upper[i], c.K_norm, c.K_error);
    if (!std::isfinite(error) || !std::all_of(S_hat, S_hat + L, [](double s) { return std::isfinite(s); })) {
      all_finite = false;
      continue;
    }
    FilteredRow row = filter_row(c.thresholds, i, S_hat, ScoreBounds{error, c.scaled, c.scale});
    rows.outcome[i] = std::move(row.outcome);
    rows.candidates[i] = std::move(row.candidates);
    rows.filtered[i] = 1;
  }
  return all_finite;
}

}  // namespace

double norm_upper(const double* x, Eigen::Index n) {
  double sum = 0.0;
  for (Eigen::Index c = 0; c < n; ++c) sum += x[c] * x[c];
  // |fl(sum x^2) - sum x^2| <= gamma_{n+1} sum x^2 + n 2^-1074.
  const double nd = static_cast<double>(n);
  const double bound = div_up(add_up(sum, mul_up(nd, kUnderflowUnit)), down(1.0 - gamma_n_upper(nd + 1)));
  return sqrt_up(bound);
}

Factor compute_factor(const Matrix& X, const Weights& weights) {
  Factor f;
  const Eigen::Index L = X.rows(), d = weights.cols();
  f.d = d;
  // A selector's product is a choice of columns of X: exact, so the first
  // stage of the product contributes no error. Consecutive columns (Lemma
  // 4's selectors) are read in place: memory stays O(L m) for X alone.
  if (const Eigen::Index offset = weights.contiguous_offset(); offset >= 0) {
    f.X = &X;
    f.offset = offset;
  } else {
    f.owned = weights.apply(X);
  }
  f.error_upper = weights.is_selector() ? std::vector<double>(static_cast<std::size_t>(L), 0.0)
                                        : dense_product_error_upper(X, weights.dense());
  f.norm_upper.resize(static_cast<std::size_t>(L));
  for (Eigen::Index i = 0; i < L; ++i) f.norm_upper[static_cast<std::size_t>(i)] = norm_upper(f.view().row(i).data(), d);
  return f;
}

double ScoreBounds::lower(double s_hat) const {
  const double lo = sub_down(s_hat, error);
  if (!scaled) return lo;
  return lo >= 0 ? mul_down(lo, scale.lower) : mul_down(lo, scale.upper);
}

double ScoreBounds::upper(double s_hat) const {
  const double hi = add_up(s_hat, error);
  if (!scaled) return hi;
  return hi >= 0 ? mul_up(hi, scale.upper) : mul_up(hi, scale.lower);
}

Enclosure inverse_sqrt_enclosure(double n) {
  // sqrt is correctly rounded, so sqrt(n) lies within one ulp of the result.
  const double root = std::sqrt(n);
  return {mul_down(1.0, 1.0 / up(root)), div_up(1.0, down(root))};
}

double dot_product_error_upper(Eigen::Index d, double q_norm, double q_error, double K_norm, double K_error) {
  // |S_hat - S| <= g_d ||q^_i|| ||k^_j|| + d 2^-1074 + ||dq_i|| ||k^_j|| + (||q^_i|| + ||dq_i||) ||dk_j||.
  const double g_d = gamma_n_upper(static_cast<double>(d));
  const double underflow = mul_up(static_cast<double>(d), kUnderflowUnit);
  return add_up(add_up(mul_up(mul_up(g_d, q_norm), K_norm), underflow),
                add_up(mul_up(q_error, K_norm), mul_up(add_up(q_norm, q_error), K_error)));
}

FilteredRow filter_row(const Definition2Thresholds& t, std::size_t i, const double* S_hat, const ScoreBounds& bounds) {
  FilteredRow result;
  RowOutcome& out = result.outcome;

  // R1: the spread of T over the support.
  const R1Scan r1 = scan_r1(t, i, S_hat, bounds);
  const Enclosure spread = r1.spread();
  out.eps_i = {std::max(0.0, spread.lower), spread.upper};
  out.r1_certified = out.eps_i.upper <= t.eps;
  if (spread.lower > t.eps) {
    // The pair (a, b) alone violates R1: T_a - T_b >= tmax_lo - tmin_hi > eps.
    out.state = State::refuted;
    out.witness = CertifiedWitness{i, r1.a, r1.b, Condition::R1, spread - Enclosure::point(t.eps)};
    return result;
  }

  // R2: the largest off-support score against the smallest support score.
  const R2Scan r2 = scan_r2(*t.A, i, S_hat);
  if (r2.o == t.A->L()) {
    out.log_gamma_i = {-kInfinity, -kInfinity};  // full support: R2 is vacuous
    out.r2_certified = true;
  } else {
    const Enclosure off{bounds.lower(r2.off_max), bounds.upper(r2.off_max)};
    const Enclosure low{bounds.lower(r2.supp_min), bounds.upper(r2.supp_min)};
    out.log_gamma_i = off - low;
    out.r2_certified = out.log_gamma_i.upper <= t.log_gamma.lower;
    if (out.log_gamma_i.lower > t.log_gamma.upper) {
      out.state = State::refuted;
      out.witness = CertifiedWitness{i, r2.o, r2.p, Condition::R2, out.log_gamma_i - t.log_gamma};
      return result;
    }
  }
  if (out.r1_certified && out.r2_certified) {
    out.state = State::certified;
    return result;
  }
  result.candidates = candidates_of(*t.A, i, S_hat, bounds, out, r1, r2);
  return result;
}

SingleThreadedProducts::SingleThreadedProducts() : eigen_(Eigen::nbThreads()) {
  Eigen::setNbThreads(1);
#if defined(JLATTN_HAVE_OPENBLAS)
  openblas_ = openblas_get_num_threads();
  openblas_set_num_threads(1);
#endif
}

SingleThreadedProducts::~SingleThreadedProducts() {
  Eigen::setNbThreads(eigen_);
#if defined(JLATTN_HAVE_OPENBLAS)
  openblas_set_num_threads(openblas_);
#endif
}

ReferenceEnvironmentScope::ReferenceEnvironmentScope() : rounding_(std::fegetround()), control_(0) {
  std::fesetround(FE_TONEAREST);
#if defined(__SSE__) || defined(__x86_64__)
  control_ = _mm_getcsr();
  _mm_setcsr(control_ & ~(kFlushToZero | kDenormalsAreZero));
#endif
}

ReferenceEnvironmentScope::~ReferenceEnvironmentScope() {
  std::fesetround(rounding_);
#if defined(__SSE__) || defined(__x86_64__)
  _mm_setcsr(control_);
#endif
}

FilterPass run_filter(const Definition2Thresholds& thresholds, const Matrix& X, const Weights& W_Q, const Weights& W_K,
                      bool scaled, const CertificationLimits& limits, RowStates& rows) {
  FilterPass pass;
  if (limits.exact_only) {
    pass.note = "skipped on request (exact pass for every row)";
    return pass;
  }
  if (const std::string problem = floating_point_environment_problem(); !problem.empty()) {
    pass.note = "skipped: " + problem;
    return pass;
  }
  pass.used = true;
  const Factor Q = compute_factor(X, W_Q);
  const Factor K = compute_factor(X, W_K);
  const double K_norm = *std::max_element(K.norm_upper.begin(), K.norm_upper.end());
  const double K_error = *std::max_element(K.error_upper.begin(), K.error_upper.end());
  if (!Q.view().allFinite() || !K.view().allFinite() || !std::isfinite(K_norm) || !std::isfinite(K_error)) {
    pass.note = "some scores or bounds overflow in double precision; those rows go to the exact pass";
    return pass;
  }
  const Eigen::Index d = W_Q.cols();
  const BlockContext context{thresholds, Q, K, K_norm, K_error, scaled,
                             scaled ? inverse_sqrt_enclosure(static_cast<double>(d)) : Enclosure{1.0, 1.0},
                             limits.product};

  // Blocks of a fixed number of rows, so the computed scores (hence every
  // count and bound reported) do not depend on the thread count. Each
  // block's product runs on one thread (Eigen's and OpenBLAS's own threading
  // off while the filter runs), so a block's scores are the same bits
  // whatever the number of workers; blocks are dealt round robin.
  const std::size_t L = thresholds.A->L();
  const auto block = static_cast<Eigen::Index>(std::clamp<std::size_t>((std::size_t{1} << 22) / L, 1, 256));
  const auto Li = static_cast<Eigen::Index>(L);
  const int threads = limits.threads ? static_cast<int>(limits.threads) : omp_get_max_threads();
  bool overflow = false;
  std::string worker_problem;
  StopLatch stop(limits.stop);
  {
    const SingleThreadedProducts single_threaded;
    pass.product = score_product_name(limits.product);
#pragma omp parallel num_threads(threads) reduction(|| : overflow)
    {
      // Rounding mode and FTZ/DAZ are per thread: each worker checks its own
      // and, in any other environment, leaves its rows to the exact pass.
      const std::string problem = floating_point_environment_problem();
      if (!problem.empty()) {
#pragma omp critical(jlattn_filter_environment)
        if (worker_problem.empty()) worker_problem = problem;
      }
      Matrix S_block;
#pragma omp for schedule(static, 1)
      for (Eigen::Index i0 = 0; i0 < Li; i0 += block) {
        if (!problem.empty() || stop.poll()) continue;
        if (!filter_block(context, i0, std::min(block, Li - i0), S_block, rows)) overflow = true;
      }
    }
  }
  stop.rethrow();
  if (!worker_problem.empty())
    pass.note = "a worker thread's floating-point environment is wrong (" + worker_problem +
                "); its rows go to the exact pass";
  else if (overflow)
    pass.note = "some scores or bounds overflow in double precision; those rows go to the exact pass";
  return pass;
}

}  // namespace detail

}  // namespace jlattn
