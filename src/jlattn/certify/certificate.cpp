#include "jlattn/certify/certificate.hpp"

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

#include "jlattn/certify/certificate_exact.hpp"
#include "jlattn/core/directed_rounding.hpp"
#include "jlattn/core/errors.hpp"

namespace jlattn {

namespace {

using detail::add_up;
using detail::kInfinity;
using detail::mul_down;
using detail::mul_up;
using detail::RowCandidates;
using detail::RowOutcome;
using detail::sub_down;
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
  if (!X.allFinite()) throw InputError("X has a NaN or infinite entry");
  if (!W_Q.all_finite()) throw InputError("W_Q has a NaN or infinite entry");
  if (!W_K.all_finite()) throw InputError("W_K has a NaN or infinite entry");
  if (!(eps > 0) || !std::isfinite(eps)) throw InputError("eps must be a finite number > 0");
  if (!(gamma > 0 && gamma < 1)) throw InputError("gamma must be in (0, 1)");
}

// Upper bound on the Euclidean norm of a row from its computed sum of
// squares: |fl(sum x^2) - sum x^2| <= gamma_{n+1} sum x^2 + n 2^-1074.
double norm_upper(const double* x, Eigen::Index n) {
  double sum = 0.0;
  for (Eigen::Index c = 0; c < n; ++c) sum += x[c] * x[c];
  const double nd = static_cast<double>(n);
  const double bound = detail::div_up(add_up(sum, mul_up(nd, detail::kUnderflowUnit)),
                                      detail::down(1.0 - detail::gamma_n_upper(nd + 1)));
  return detail::sqrt_up(bound);
}

// One factor of the score product, Q = X W_Q or K = X W_K, as computed in
// double precision, with per-row bounds on its norm and on its error.
struct Factor {
  Matrix owned;                     // the computed product, unless it is a block of X
  const Matrix* X = nullptr;        // set when the product is X's columns offset.. offset+d-1
  Eigen::Index offset = 0, d = 0;
  MatrixView view() const { return X ? MatrixView(X->middleCols(offset, d)) : MatrixView(owned); }
  std::vector<double> norm_upper;   // >= ||computed row||
  std::vector<double> error_upper;  // >= ||computed row - exact row||
};

Factor compute_factor(const Matrix& X, const Weights& weights) {
  Factor f;
  const Eigen::Index L = X.rows(), m = X.cols(), d = weights.cols();
  f.norm_upper.resize(static_cast<std::size_t>(L));
  f.error_upper.assign(static_cast<std::size_t>(L), 0.0);
  // A selector's product is a choice of columns of X: exact, so the first
  // stage of the product contributes no error. Consecutive columns (Lemma
  // 4's selectors) are read in place: memory stays O(L m) for X alone.
  f.d = d;
  if (const Eigen::Index offset = weights.contiguous_offset(); offset >= 0) {
    f.X = &X;
    f.offset = offset;
  } else {
    f.owned = weights.apply(X);
  }
  if (!weights.is_selector()) {
    const Matrix& W = weights.dense();
    // Stage one of the bound of proofs/certificate.md#proof, Step 1: entry (i, c) errs by at most
    // gamma_m |x_i| . |w_c| + m 2^-1074 <= gamma_m ||x_i|| ||w_c|| + m 2^-1074,
    // so the row errs by at most gamma_m ||x_i|| ||W||_F + sqrt(d) m 2^-1074.
    double frobenius_sq = 0.0;
    for (Eigen::Index c = 0; c < d; ++c) {
      const Eigen::VectorXd column = W.col(c);
      const double n = norm_upper(column.data(), m);
      frobenius_sq = add_up(frobenius_sq, mul_up(n, n));
    }
    const double frobenius = detail::sqrt_up(frobenius_sq);
    const double g_m = detail::gamma_n_upper(static_cast<double>(m));
    const double underflow = mul_up(detail::sqrt_up(static_cast<double>(d)),
                                    mul_up(static_cast<double>(m), detail::kUnderflowUnit));
    for (Eigen::Index i = 0; i < L; ++i)
      f.error_upper[static_cast<std::size_t>(i)] =
          add_up(mul_up(mul_up(g_m, norm_upper(X.row(i).data(), m)), frobenius), underflow);
  }
  for (Eigen::Index i = 0; i < L; ++i)
    f.norm_upper[static_cast<std::size_t>(i)] = norm_upper(f.view().row(i).data(), d);
  return f;
}

// The filter's view of one row: every real score lies in
// [lower(S_hat), upper(S_hat)], a monotone map of the computed score.
struct ScoreBounds {
  double error;            // |S_hat_ij - S_ij| <= error for every j of this row (before scaling)
  bool scaled;
  Enclosure scale;         // encloses 1/sqrt(d) when scaled
  double lower(double s_hat) const {
    const double lo = sub_down(s_hat, error);
    if (!scaled) return lo;
    return lo >= 0 ? mul_down(lo, scale.lower) : mul_down(lo, scale.upper);
  }
  double upper(double s_hat) const {
    const double hi = add_up(s_hat, error);
    if (!scaled) return hi;
    return hi >= 0 ? mul_up(hi, scale.upper) : mul_up(hi, scale.lower);
  }
};

// Decides one row from computed scores, or says which columns the exact pass
// must look at. Every comparison is between rigorous bounds.
RowOutcome filter_row(const Target& A, std::size_t i, const double* S_hat, const ScoreBounds& bounds,
                      const std::vector<Enclosure>& log_A, double eps, Enclosure log_gamma,
                      std::optional<RowCandidates>* candidates) {
  RowOutcome out;
  const auto supp = A.support(i);
  const std::size_t offset = A.row_offset(i);
  const std::size_t L = A.L();

  // Condition R1: T_j = S_ij - ln A_ij over the support; eps_i = max T - min T.
  double tmax_lo = -kInfinity, tmax_hi = -kInfinity, tmin_lo = kInfinity, tmin_hi = kInfinity;
  std::size_t a = supp[0], b = supp[0];
  std::vector<Enclosure> T(supp.size());
  for (std::size_t n = 0; n < supp.size(); ++n) {
    const double s = S_hat[supp[n]];
    T[n] = Enclosure{bounds.lower(s), bounds.upper(s)} - log_A[offset + n];
    if (T[n].lower > tmax_lo) { tmax_lo = T[n].lower; a = supp[n]; }
    tmax_hi = std::max(tmax_hi, T[n].upper);
    tmin_lo = std::min(tmin_lo, T[n].lower);
    if (T[n].upper < tmin_hi) { tmin_hi = T[n].upper; b = supp[n]; }
  }
  const Enclosure spread = Enclosure{tmax_lo, tmax_hi} - Enclosure{tmin_lo, tmin_hi};  // max T - min T
  out.eps_i = {std::max(0.0, spread.lower), spread.upper};
  out.r1_certified = out.eps_i.upper <= eps;
  if (spread.lower > eps) {
    // The pair (a, b) alone violates R1: T_a - T_b >= tmax_lo - tmin_hi > eps.
    out.state = State::refuted;
    out.witness = CertifiedWitness{i, a, b, Condition::R1, spread - Enclosure::point(eps)};
    return out;
  }

  // Condition R2: the largest off-support score against the smallest support
  // score. The bounds are monotone in S_hat, so the computed extremes carry them.
  std::size_t o = L, p = supp[0];
  double off_max = -kInfinity, supp_min = kInfinity;
  for (std::size_t j = 0, next = 0; j < L; ++j) {
    if (next < supp.size() && supp[next] == j) {
      ++next;
      if (S_hat[j] < supp_min) { supp_min = S_hat[j]; p = j; }
    } else if (S_hat[j] > off_max) {
      off_max = S_hat[j];
      o = j;
    }
  }
  if (o == L) {
    out.log_gamma_i = {-kInfinity, -kInfinity};  // full support: R2 is vacuous
    out.r2_certified = true;
  } else {
    const Enclosure off{bounds.lower(off_max), bounds.upper(off_max)};
    const Enclosure low{bounds.lower(supp_min), bounds.upper(supp_min)};
    out.log_gamma_i = off - low;
    out.r2_certified = out.log_gamma_i.upper <= log_gamma.lower;
    if (out.log_gamma_i.lower > log_gamma.upper) {
      out.state = State::refuted;
      out.witness = CertifiedWitness{i, o, p, Condition::R2, out.log_gamma_i - log_gamma};
      return out;
    }
  }
  if (out.r1_certified && out.r2_certified) {
    out.state = State::certified;
    return out;
  }

  // Undecided here: keep every column that could realise an extreme.
  RowCandidates c;
  if (!out.r1_certified)
    for (std::size_t n = 0; n < supp.size(); ++n) {
      if (T[n].upper >= tmax_lo) c.r1_max.push_back(supp[n]);
      if (T[n].lower <= tmin_hi) c.r1_min.push_back(supp[n]);
    }
  if (!out.r2_certified) {
    const double off_threshold = bounds.lower(off_max), supp_threshold = bounds.upper(supp_min);
    for (std::size_t j = 0, next = 0; j < L; ++j) {
      if (next < supp.size() && supp[next] == j) {
        ++next;
        if (bounds.lower(S_hat[j]) <= supp_threshold) c.r2_supp.push_back(j);
      } else if (bounds.upper(S_hat[j]) >= off_threshold) {
        c.r2_off.push_back(j);
      }
    }
  }
  *candidates = std::move(c);
  return out;
}

// Turns Eigen's internal multithreading off for a scope (restored after):
// the filter parallelises over blocks of rows itself, and an Eigen product
// split across threads would sum in a thread-count-dependent order.
class EigenSingleThreaded {
 public:
  EigenSingleThreaded() : saved_(Eigen::nbThreads()) { Eigen::setNbThreads(1); }
  ~EigenSingleThreaded() { Eigen::setNbThreads(saved_); }
  EigenSingleThreaded(const EigenSingleThreaded&) = delete;
  EigenSingleThreaded& operator=(const EigenSingleThreaded&) = delete;

 private:
  int saved_;
};

#if defined(JLATTN_HAVE_OPENBLAS)
// OpenBLAS at one thread while the filter runs, restored afterwards: the
// filter's OpenMP workers each multiply their own block of rows.
class OpenBlasSingleThreaded {
 public:
  OpenBlasSingleThreaded() : saved_(openblas_get_num_threads()) { openblas_set_num_threads(1); }
  ~OpenBlasSingleThreaded() { openblas_set_num_threads(saved_); }
  OpenBlasSingleThreaded(const OpenBlasSingleThreaded&) = delete;
  OpenBlasSingleThreaded& operator=(const OpenBlasSingleThreaded&) = delete;

 private:
  int saved_;
};
#endif

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

Enclosure inverse_sqrt_enclosure(double d) {
  // sqrt is correctly rounded, so sqrt(d) lies within one ulp of the result.
  const double root = std::sqrt(d);
  return {mul_down(1.0, 1.0 / detail::up(root)), detail::div_up(1.0, detail::down(root))};
}

}  // namespace

bool score_product_available(ScoreProduct product) {
#if defined(JLATTN_HAVE_OPENBLAS)
  (void)product;
  return true;
#else
  return product == ScoreProduct::eigen;
#endif
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

std::string floating_point_environment_problem() {
  if (std::fegetround() != FE_TONEAREST) return "the rounding mode is not round-to-nearest";
#if defined(__SSE__) || defined(__x86_64__)
  const unsigned csr = _mm_getcsr();
  if (csr & 0x8000u) return "flush-to-zero (FTZ) is set";
  if (csr & 0x0040u) return "denormals-are-zero (DAZ) is set";
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

Certificate certify(const Target& A, const Matrix& X, const Weights& W_Q, const Weights& W_K, double eps,
                    double gamma, bool scaled, const CertificationLimits& limits) {
  validate(A, X, W_Q, W_K, eps, gamma);
  if (!score_product_available(limits.product))
    throw InputError("the score product openblas is not available: this build of jlattn has no OpenBLAS "
                     "(install Debian's libopenblas-dev and rebuild)");
  const std::size_t L = A.L();
  const Eigen::Index d = W_Q.cols();

  Certificate cert;
  cert.eps = eps;
  cert.gamma = gamma;
  cert.scaled = scaled;
  cert.rows = L;
  const Enclosure log_gamma = log_enclosure(gamma);

  std::vector<RowOutcome> rows(L);
  std::vector<std::optional<RowCandidates>> candidates(L);
  std::vector<char> filtered(L, 0);

  // The filter: double-precision scores with a rigorous error bound per row.
  cert.fast_pass_used = !limits.exact_only;
  if (limits.exact_only) cert.fast_pass_note = "skipped on request (exact pass for every row)";
  if (cert.fast_pass_used) {
    if (const std::string problem = floating_point_environment_problem(); !problem.empty()) {
      cert.fast_pass_used = false;
      cert.fast_pass_note = "skipped: " + problem;
    }
  }
  if (cert.fast_pass_used) {
    const Factor Q = compute_factor(X, W_Q);
    const Factor K = compute_factor(X, W_K);
    const MatrixView Q_hat = Q.view(), K_hat = K.view();
    const double K_norm = *std::max_element(K.norm_upper.begin(), K.norm_upper.end());
    const double K_error = *std::max_element(K.error_upper.begin(), K.error_upper.end());
    const double g_d = detail::gamma_n_upper(static_cast<double>(d));
    const double underflow = mul_up(static_cast<double>(d), detail::kUnderflowUnit);
    const std::vector<Enclosure> log_A = detail::log_target_enclosures(A);
    const Enclosure scale = scaled ? inverse_sqrt_enclosure(static_cast<double>(d)) : Enclosure{1.0, 1.0};
    bool finite = Q_hat.allFinite() && K_hat.allFinite() && std::isfinite(K_norm) && std::isfinite(K_error);

    // Blocks of a fixed number of rows, so the computed scores (hence every
    // count and bound reported) do not depend on the thread count.
    const auto block = static_cast<Eigen::Index>(std::clamp<std::size_t>((std::size_t{1} << 22) / L, 1, 256));
    const auto Li = static_cast<Eigen::Index>(L);
    const int threads = limits.threads ? static_cast<int>(limits.threads) : 0;
    std::vector<char> row_finite(L, 1);
    if (finite) {
      // Each block's product runs on one thread (Eigen's own threading off
      // while the filter runs), so a block's scores are the same bits whatever
      // the number of workers.
      const EigenSingleThreaded single_threaded;
#if defined(JLATTN_HAVE_OPENBLAS)
      const OpenBlasSingleThreaded openblas_single_threaded;
#endif
      cert.score_product = score_product_name(limits.product);
#pragma omp parallel num_threads(threads > 0 ? threads : omp_get_max_threads())
      {
        Matrix S_block;
#pragma omp for schedule(dynamic, 1)
        for (Eigen::Index i0 = 0; i0 < Li; i0 += block) {
          const Eigen::Index n = std::min(block, Li - i0);
          block_scores(limits.product, Q_hat, K_hat, i0, n, S_block);
          for (Eigen::Index r = 0; r < n; ++r) {
            const auto i = static_cast<std::size_t>(i0 + r);
            const double* S_hat = S_block.data() + r * Li;
            // Composition of the two stages: |S_hat - S| <= g_d ||q^_i|| ||k^_j|| + d 2^-1074
            //   + ||dq_i|| ||k^_j|| + (||q^_i|| + ||dq_i||) ||dk_j||.
            const double nq = Q.norm_upper[i], eq = Q.error_upper[i];
            const double error = add_up(add_up(mul_up(mul_up(g_d, nq), K_norm), underflow),
                                        add_up(mul_up(eq, K_norm), mul_up(add_up(nq, eq), K_error)));
            if (!std::isfinite(error) || !std::all_of(S_hat, S_hat + Li, [](double s) { return std::isfinite(s); })) {
              row_finite[i] = 0;
              continue;
            }
            rows[i] = filter_row(A, i, S_hat, ScoreBounds{error, scaled, scale}, log_A, eps, log_gamma, &candidates[i]);
            filtered[i] = 1;
          }
        }
      }
    }
    if (!finite || std::find(row_finite.begin(), row_finite.end(), 0) != row_finite.end())
      cert.fast_pass_note = "some scores or bounds overflow in double precision; those rows go to the exact pass";
  }

  // Refuted by the filter: that is a proof already; no exact pass needed.
  std::size_t first_refuted = L;
  for (std::size_t i = 0; i < L; ++i) {
    if (!filtered[i]) continue;
    if (rows[i].state == State::refuted && first_refuted == L) first_refuted = i;
    if (rows[i].state != State::undecided) ++cert.rows_fast;
  }

  if (first_refuted == L || limits.all_rows) {
    // The exact pass, in row order, for every row the filter left open.
    detail::ExactScores exact(X, W_Q, W_K, scaled);
    for (std::size_t i = 0; i < L; ++i) {
      if (filtered[i] && rows[i].state != State::undecided) continue;
      if (!filtered[i]) candidates[i].reset();  // no filter information: every column
      std::string reason;
      unsigned precision = 0;
      const std::uint64_t budget = limits.max_exact_multiply_adds > cert.exact_multiply_adds
                                       ? limits.max_exact_multiply_adds - cert.exact_multiply_adds
                                       : 0;
      rows[i] = exact.decide_row(A, i, rows[i], candidates[i], eps, gamma, limits, budget,
                                 &cert.exact_multiply_adds, &precision, &reason);
      cert.max_precision_used = std::max(cert.max_precision_used, precision);
      if (rows[i].state == State::undecided) {
        ++cert.rows_undecided;
        if (cert.undecided_reason.empty()) cert.undecided_reason = "row " + std::to_string(i) + ": " + reason;
        continue;
      }
      ++cert.rows_exact;
      if (rows[i].state == State::refuted) {
        first_refuted = std::min(first_refuted, i);
        if (!limits.all_rows) break;
      }
    }
    if (cert.rows_undecided > 1)
      cert.undecided_reason += " (and " + std::to_string(cert.rows_undecided - 1) + " more rows)";
  }

  // Aggregate the rows into the verdict and the enclosures of the achieved pair.
  cert.eps_hat = {0.0, 0.0};
  cert.log_gamma_hat = {-kInfinity, -kInfinity};
  for (const RowOutcome& r : rows) {
    cert.eps_hat = max(cert.eps_hat, r.eps_i);
    cert.log_gamma_hat = max(cert.log_gamma_hat, r.log_gamma_i);
  }
  if (limits.all_rows) {
    cert.row_verdicts.reserve(L);
    for (const RowOutcome& r : rows)
      cert.row_verdicts.push_back(r.state == State::certified  ? Verdict::certified
                                  : r.state == State::refuted ? Verdict::refuted
                                                              : Verdict::undecided);
  }
  if (first_refuted < L) {
    cert.verdict = Verdict::refuted;
    cert.witness = rows[first_refuted].witness;
  } else if (cert.rows_undecided > 0) {
    cert.verdict = Verdict::undecided;
  } else {
    cert.verdict = Verdict::certified;
    // Proved: eps_hat <= eps and ln gamma_hat <= ln gamma, so these are bounds too.
    cert.eps_hat.upper = std::min(cert.eps_hat.upper, eps);
    cert.log_gamma_hat.upper = std::min(cert.log_gamma_hat.upper, log_gamma.upper);
  }
  cert.gamma_hat = exp_enclosure(cert.log_gamma_hat);
  if (cert.verdict == Verdict::certified) cert.gamma_hat.upper = std::min(cert.gamma_hat.upper, gamma);
  return cert;
}

}  // namespace jlattn
