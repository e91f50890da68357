// The certifier's filter (proofs/certificate.md, Steps 1, 1', 3 and 4):
// scores in floating point with a rigorous error bound per row, each row
// decided from enclosures or left to the exact pass with its candidate
// columns. A float32 stage first (Step 1'), then a double stage for the rows
// it leaves open and for the rows whose enclosures the certificate reports.
#include "jlattn/certify/certificate_filter.hpp"

#include <algorithm>
#include <cfenv>
#include <cfloat>
#include <cmath>
#include <mutex>
#include <span>
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
#include "jlattn/core/huge_pages.hpp"

namespace jlattn {

namespace {

#if defined(__SSE__) || defined(__x86_64__)
constexpr unsigned kFlushToZero = 0x8000u;       // MXCSR bit 15
constexpr unsigned kDenormalsAreZero = 0x0040u;  // MXCSR bit 6
// MXCSR bits 13-14: the SSE rounding mode, which glibc's fegetround() does
// not read on x86-64 (it reads the x87 control word only).
constexpr unsigned kSseRoundingMode = 0x6000u;
#endif

}  // namespace

std::string floating_point_environment_problem() {
  if (std::fegetround() != FE_TONEAREST) return "the rounding mode is not round-to-nearest";
#if defined(__SSE__) || defined(__x86_64__)
  const unsigned csr = _mm_getcsr();
  if (csr & kSseRoundingMode) return "the SSE rounding mode (MXCSR) is not round-to-nearest";
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

// Row-wise work whose bounds assume the reference environment, on
// `threads` workers (0: all cores): rounding mode and FTZ/DAZ are per
// thread, so each worker checks its own, and if any is wrong the calling
// thread (in the reference environment) redoes every row. Each row's result
// is the same whichever thread computes it. `work(i)` says whether row i's
// values are finite; returns whether all are.
template <typename RowWork>
bool for_each_row_checked(Eigen::Index rows, unsigned threads, RowWork&& work) {
  int problems = 0, non_finite = 0;
  const int team = threads ? static_cast<int>(threads) : omp_get_max_threads();
#pragma omp parallel num_threads(team) reduction(+ : problems, non_finite)
  {
    const bool ok = floating_point_environment_problem().empty();
    if (!ok) problems = 1;
#pragma omp for schedule(static)
    for (Eigen::Index i = 0; i < rows; ++i)
      if (ok && !work(i)) ++non_finite;
  }
  if (!problems) return non_finite == 0;
  non_finite = 0;
  for (Eigen::Index i = 0; i < rows; ++i)
    if (!work(i)) ++non_finite;
  return non_finite == 0;
}

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

// S32 = Q32 K32^T in binary32, by the chosen library (Step 1'), for the
// first `keys` rows of K32.
void block_scores32(ScoreProduct product, const Matrix32& Q32, const Matrix32& K32, Eigen::Index keys, Matrix32& S32) {
  const Eigen::Index n = Q32.rows(), d = K32.cols();
#if defined(JLATTN_HAVE_OPENBLAS)
  if (product == ScoreProduct::openblas) {
    S32.resize(n, keys);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<blasint>(n), static_cast<blasint>(keys),
                static_cast<blasint>(d), 1.0f, Q32.data(), static_cast<blasint>(d), K32.data(), static_cast<blasint>(d),
                0.0f, S32.data(), static_cast<blasint>(keys));
    return;
  }
#else
  (void)product;
  (void)n;
  (void)d;
#endif
  S32.noalias() = Q32 * K32.topRows(keys).transpose();
}

// Stage one of Step 1 for a dense W: entry (i, c) errs by at most
// gamma_m |x_i| . |w_c| + m 2^-1074 <= gamma_m ||x_i|| ||w_c|| + m 2^-1074,
// so the row errs by at most gamma_m ||x_i|| ||W||_F + sqrt(d) m 2^-1074.
std::vector<double> dense_product_error_upper(const Matrix& X, const Matrix& W, unsigned threads) {
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
  for_each_row_checked(L, threads, [&](Eigen::Index i) {
    error[static_cast<std::size_t>(i)] = add_up(mul_up(mul_up(g_m, norm_upper(X.row(i).data(), m)), frobenius), underflow);
    return true;  // an infinite bound sends its row to the exact pass (run_filter)
  });
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

// `score(n)` is the computed score of the row's n-th support column.
template <typename SupportScore>
R1Scan scan_r1(const Definition2Thresholds& t, std::size_t i, SupportScore&& score, const ScoreBounds& bounds) {
  const auto supp = t.A->support(i);
  const std::size_t offset = t.A->row_offset(i);
  R1Scan r;
  r.a = r.b = supp[0];
  r.T.resize(supp.size());
  for (std::size_t n = 0; n < supp.size(); ++n) {
    const double s = score(n);
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

R2Scan r2_start(const Target& A, std::size_t i) {
  R2Scan r;
  r.o = A.L();
  r.p = A.support(i)[0];
  return r;
}

// The scan over columns j0 .. j1 - 1, S_hat pointing at column j0's score;
// scanning consecutive ranges in increasing order gives the whole row's scan
// (ties go to the first column either way). `support_scores`, when given,
// receives the support's scores at their positions in support(i).
template <typename Score>
void scan_r2_columns(const Target& A, std::size_t i, const Score* S_hat, std::size_t j0, std::size_t j1, R2Scan& r,
                     Score* support_scores = nullptr) {
  const auto supp = A.support(i);
  auto next = static_cast<std::size_t>(std::lower_bound(supp.begin(), supp.end(), j0) - supp.begin());
  for (std::size_t j = j0; j < j1; ++j) {
    const Score s = S_hat[j - j0];
    if (next < supp.size() && supp[next] == j) {
      if (support_scores) support_scores[next] = s;
      ++next;
      if (s < r.supp_min) { r.supp_min = s; r.p = j; }
    } else if (s > r.off_max) {
      r.off_max = s;
      r.o = j;
    }
  }
}

template <typename Score>
R2Scan scan_r2(const Target& A, std::size_t i, const Score* S_hat) {
  R2Scan r = r2_start(A, i);
  scan_r2_columns(A, i, S_hat, 0, A.L(), r);
  return r;
}

// Step 4: every column that could realise an extreme the filter left open.
template <typename Score>
RowCandidates candidates_of(const Target& A, std::size_t i, const Score* S_hat, const ScoreBounds& bounds,
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

}  // namespace

double norm_upper(const double* x, Eigen::Index n) {
  double sum = 0.0;
  for (Eigen::Index c = 0; c < n; ++c) sum += x[c] * x[c];
  return norm_upper_of_sum(sum, n);
}

double norm_upper_of_sum(double sum, Eigen::Index n) {
  // |fl(sum x^2) - sum x^2| <= gamma_{n+1} sum x^2 + n 2^-1074.
  const double nd = static_cast<double>(n);
  const double bound = div_up(add_up(sum, mul_up(nd, kUnderflowUnit)), down(1.0 - gamma_n_upper(nd + 1)));
  return sqrt_up(bound);
}

// Step 1's first stage for a dense W: X W in fixed blocks of rows, each
// block's product on one checked worker (its error bound assumes the
// reference environment), so the bits do not depend on the thread count.
Matrix dense_product(const Matrix& X, const Matrix& W, unsigned threads) {
  constexpr Eigen::Index kRows = 256;
  Matrix product(X.rows(), W.cols());
  const Eigen::Index blocks = (X.rows() + kRows - 1) / kRows;
  const SingleThreadedProducts single_threaded;
  for_each_row_checked(blocks, threads, [&](Eigen::Index b) {
    const Eigen::Index i0 = b * kRows, n = std::min(kRows, X.rows() - i0);
    product.middleRows(i0, n).noalias() = X.middleRows(i0, n) * W;
    return true;  // compute_factor checks the product's finiteness
  });
  return product;
}

Factor compute_factor(const Matrix& X, const Weights& weights, unsigned threads) {
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
    f.owned = dense_product(X, weights.dense(), threads);
  }
  f.error_upper = weights.is_selector() ? std::vector<double>(static_cast<std::size_t>(L), 0.0)
                                        : dense_product_error_upper(X, weights.dense(), threads);
  f.norm_upper.resize(static_cast<std::size_t>(L));
  const MatrixView product = f.view();
  f.finite = for_each_row_checked(L, threads, [&](Eigen::Index i) {
    f.norm_upper[static_cast<std::size_t>(i)] = norm_upper(product.row(i).data(), d);
    return all_finite(std::span<const double>(product.row(i).data(), static_cast<std::size_t>(d)));
  });
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

double float32_dot_product_error_upper(Eigen::Index d, double q_norm, double q_error, double K_norm, double K_error) {
  // Step 1': q' = fl32(q^), k' = fl32(k^) and S32 = fl32(q' . k'); then
  // |S32 - S| <= |fl32(q'.k') - q'.k'| + |q'.k' - q^.k^| + |q^.k^ - q.k|.
  const double dd = static_cast<double>(d);
  const double underflow = mul_up(sqrt_up(dd), kHalfUnderflowUnit32);
  const double dq = add_up(mul_up(kUnitRoundoff32, q_norm), underflow);  // >= ||q' - q^||
  const double dk = add_up(mul_up(kUnitRoundoff32, K_norm), underflow);  // >= max_j ||k'_j - k^_j||
  const double nq = add_up(q_norm, dq), nk = add_up(K_norm, dk);          // >= ||q'||, max_j ||k'_j||
  const double product = add_up(mul_up(mul_up(gamma_n_upper(dd, kUnitRoundoff32), nq), nk),
                                mul_up(dd, kUnderflowUnit32));
  const double conversion = add_up(mul_up(dq, nk), mul_up(q_norm, dk));
  const double first_stage = add_up(mul_up(q_error, K_norm), mul_up(add_up(q_norm, q_error), K_error));
  return add_up(add_up(product, conversion), first_stage);
}

namespace {

// Step 3 from the scans of a row: its enclosures and, when they settle it,
// its verdict (else undecided). `r2_of()` gives R2's scan; it is called
// only when R1 does not refute the row, so always for an undecided one.
template <typename R2Of>
RowOutcome decide_from_scans(const Definition2Thresholds& t, std::size_t i, const R1Scan& r1, R2Of&& r2_of,
                             const ScoreBounds& bounds) {
  RowOutcome out;

  // R1: the spread of T over the support.
  const Enclosure spread = r1.spread();
  out.eps_i = {std::max(0.0, spread.lower), spread.upper};
  out.r1_certified = out.eps_i.upper <= t.eps;
  if (spread.lower > t.eps) {
    // The pair (a, b) alone violates R1: T_a - T_b >= tmax_lo - tmin_hi > eps.
    out.state = State::refuted;
    out.witness = CertifiedWitness{i, r1.a, r1.b, Condition::R1, spread - Enclosure::point(t.eps)};
    return out;
  }

  // R2: the largest off-support score against the smallest support score.
  const R2Scan& r2 = r2_of();
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
      return out;
    }
  }
  if (out.r1_certified && out.r2_certified) out.state = State::certified;
  return out;
}

// Steps 3 and 4 on computed scores of either precision (each score is
// read as the double it is exactly).
template <typename Score>
FilteredRow filter_scores(const Definition2Thresholds& t, std::size_t i, const Score* S_hat, const ScoreBounds& bounds) {
  const auto supp = t.A->support(i);
  const R1Scan r1 = scan_r1(t, i, [&](std::size_t n) { return S_hat[supp[n]]; }, bounds);
  R2Scan r2;
  FilteredRow result;
  result.outcome = decide_from_scans(t, i, r1, [&]() -> const R2Scan& { return r2 = scan_r2(*t.A, i, S_hat); }, bounds);
  if (result.outcome.state == State::undecided)
    result.candidates = candidates_of(*t.A, i, S_hat, bounds, result.outcome, r1, r2);
  return result;
}

}  // namespace

FilteredRow filter_row(const Definition2Thresholds& t, std::size_t i, const double* S_hat, const ScoreBounds& bounds) {
  return filter_scores(t, i, S_hat, bounds);
}

FilteredRow filter_row(const Definition2Thresholds& t, std::size_t i, const float* S_hat, const ScoreBounds& bounds) {
  return filter_scores(t, i, S_hat, bounds);
}

namespace {

// The thread counts are process-wide settings, and several threads can be
// inside a scope at once (the audit's workers, Python threads without the
// GIL): the first to enter saves and sets them, the last to leave restores
// them, so no scope restores a count while another still computes.
struct ProductThreadCounts {
  std::mutex mutex;
  int users = 0;
  int eigen = 1;
  int openblas = 1;
};

ProductThreadCounts& product_thread_counts() {
  static ProductThreadCounts counts;
  return counts;
}

}  // namespace

SingleThreadedProducts::SingleThreadedProducts() {
  ProductThreadCounts& c = product_thread_counts();
  const std::lock_guard<std::mutex> lock(c.mutex);
  if (c.users++ > 0) return;
  c.eigen = Eigen::nbThreads();
  Eigen::setNbThreads(1);
#if defined(JLATTN_HAVE_OPENBLAS)
  c.openblas = openblas_get_num_threads();
  openblas_set_num_threads(1);
#endif
}

SingleThreadedProducts::~SingleThreadedProducts() {
  ProductThreadCounts& c = product_thread_counts();
  const std::lock_guard<std::mutex> lock(c.mutex);
  if (--c.users > 0) return;
  Eigen::setNbThreads(c.eigen);
#if defined(JLATTN_HAVE_OPENBLAS)
  openblas_set_num_threads(c.openblas);
#endif
}

ReferenceEnvironmentScope::ReferenceEnvironmentScope() : rounding_(std::fegetround()), control_(0) {
#if defined(__SSE__) || defined(__x86_64__)
  // Read before fesetround(), which sets MXCSR's rounding mode too.
  control_ = _mm_getcsr();
#endif
  std::fesetround(FE_TONEAREST);
#if defined(__SSE__) || defined(__x86_64__)
  _mm_setcsr(control_ & ~(kFlushToZero | kDenormalsAreZero | kSseRoundingMode));
#endif
}

ReferenceEnvironmentScope::~ReferenceEnvironmentScope() {
  std::fesetround(rounding_);
#if defined(__SSE__) || defined(__x86_64__)
  _mm_setcsr(control_);
#endif
}

namespace {

// What every block of the filter reads.
struct FilterContext {
  const Definition2Thresholds& t;
  const Factor& Q;
  const Factor& K;
  double K_norm = 0.0, K_error = 0.0;  // the largest key norm and key error
  bool scaled = false;
  Enclosure scale;
  ScoreProduct product = ScoreProduct::eigen;
  ScoreObserver* observer = nullptr;
};

// What the float32 stage keeps of each row between panels of keys: the
// scores on its support (R1's scan) and R2's scan so far (its extremes),
// which is all Step 3 reads; the rows it leaves open are scored again by
// the double stage, so Step 4's candidates are not needed.
struct Float32Scans {
  Float32Scans(const Target& A, Eigen::Index blocks)
      : r2(A.L()), support(A.nnz()), finite(A.L(), 1), panels_done(static_cast<std::size_t>(blocks), 0) {
    for (std::size_t i = 0; i < A.L(); ++i) r2[i] = r2_start(A, i);
  }
  std::vector<R2Scan> r2;         // per row
  std::vector<float> support;     // per support entry, in the target's CSR order
  std::vector<char> finite;       // per row: every binary32 score so far finite
  std::vector<Eigen::Index> panels_done;  // per block of rows
};

// A tighter enclosure from a second pass over the same row: both contain
// the row's exact values, so they intersect. The verdict stays (both are
// proofs); a refutation keeps the second pass's witness.
void refine(RowOutcome& kept, const RowOutcome& second) {
  const auto intersect = [](Enclosure a, Enclosure b) {
    return Enclosure{std::max(a.lower, b.lower), std::min(a.upper, b.upper)};
  };
  kept.eps_i = intersect(kept.eps_i, second.eps_i);
  kept.log_gamma_i = intersect(kept.log_gamma_i, second.log_gamma_i);
  if (kept.state == RowOutcome::State::refuted && second.state == RowOutcome::State::refuted) kept.witness = second.witness;
}

// One worker thread's share of the filter, with its own buffers.
class FilterWorker {
 public:
  FilterWorker(const FilterContext& c, int worker) : c_(c), worker_(worker) {}

  // Step 1' for rows i0 .. i0 + n - 1 against the panel of keys j0 ..
  // j0 + keys - 1 (the first rows of K32): their binary32 scores, scanned
  // into `scans`.
  void float32_tile(const Matrix32& K32, Eigen::Index j0, Eigen::Index keys, Eigen::Index i0, Eigen::Index n,
                    Float32Scans& scans) {
    const Target& A = *c_.t.A;
    Q32_ = c_.Q.view().middleRows(i0, n).cast<float>();  // rounded to nearest
    block_scores32(c_.product, Q32_, K32, keys, S32_);
    for (Eigen::Index r = 0; r < n; ++r) {
      const auto i = static_cast<std::size_t>(i0 + r);
      const std::span<const float> S_hat(S32_.data() + r * keys, static_cast<std::size_t>(keys));
      if (!scans.finite[i]) continue;
      if (!all_finite(S_hat)) {
        scans.finite[i] = 0;  // the row goes on to the double stage
        continue;
      }
      scan_r2_columns(A, i, S_hat.data(), static_cast<std::size_t>(j0), static_cast<std::size_t>(j0 + keys),
                      scans.r2[i], scans.support.data() + A.row_offset(i));
    }
  }

  // The float32 stage's decisions for rows i0 .. i0 + n - 1 once every
  // panel is scanned; returns the rows it did not decide (also those whose
  // binary32 scores are not finite).
  std::vector<std::size_t> float32_decisions(const Float32Scans& scans, Eigen::Index i0, Eigen::Index n,
                                             RowStates& rows) const {
    std::vector<std::size_t> open;
    for (Eigen::Index r = 0; r < n; ++r) {
      const auto i = static_cast<std::size_t>(i0 + r);
      const double error =
          float32_dot_product_error_upper(c_.Q.d, c_.Q.norm_upper[i], c_.Q.error_upper[i], c_.K_norm, c_.K_error);
      if (!std::isfinite(error) || !scans.finite[i]) {
        open.push_back(i);
        continue;
      }
      const ScoreBounds bounds{error, c_.scaled, c_.scale};
      const float* support = scans.support.data() + c_.t.A->row_offset(i);
      const R1Scan r1 = scan_r1(c_.t, i, [&](std::size_t k) { return support[k]; }, bounds);
      RowOutcome outcome = decide_from_scans(c_.t, i, r1, [&]() -> const R2Scan& { return scans.r2[i]; }, bounds);
      if (outcome.state == RowOutcome::State::undecided) {
        open.push_back(i);
        continue;
      }
      rows.outcome[i] = std::move(outcome);
      rows.filtered[i] = 1;
      rows.float32[i] = 1;
    }
    return open;
  }

  // Frees the float32 stage's blocks.
  void release_float32() {
    Q32_.resize(0, 0);
    S32_.resize(0, 0);
  }

  // The double stage on rows `ids` (or i0 .. i0 + n - 1 without ids): decide
  // them, or with `refine_only` tighten the enclosures of rows the float32
  // stage decided.
  bool double_stage(Eigen::Index i0, Eigen::Index n, const std::vector<std::size_t>* ids, bool refine_only,
                    RowStates& rows) {
    if (n == 0) return true;
    const Eigen::Index L = c_.K.view().rows();
    if (ids) {
      Q64_.resize(n, c_.Q.d);
      const MatrixView Qv = c_.Q.view();
      for (Eigen::Index r = 0; r < n; ++r) Q64_.row(r) = Qv.row(static_cast<Eigen::Index>((*ids)[static_cast<std::size_t>(r)]));
      block_scores(c_.product, MatrixView(Q64_), c_.K.view(), 0, n, S64_);
    } else {
      block_scores(c_.product, c_.Q.view(), c_.K.view(), i0, n, S64_);
    }
    bool finite = true;
    for (Eigen::Index r = 0; r < n; ++r) {
      const std::size_t i = ids ? (*ids)[static_cast<std::size_t>(r)] : static_cast<std::size_t>(i0 + r);
      const std::span<const double> S_hat(S64_.data() + r * L, static_cast<std::size_t>(L));
      const double error = dot_product_error_upper(c_.Q.d, c_.Q.norm_upper[i], c_.Q.error_upper[i], c_.K_norm, c_.K_error);
      if (!std::isfinite(error) || !all_finite(S_hat)) {
        finite = false;
        continue;
      }
      if (c_.observer && !refine_only) c_.observer->observe(i, S_hat, worker_);
      FilteredRow row = filter_row(c_.t, i, S_hat.data(), ScoreBounds{error, c_.scaled, c_.scale});
      if (refine_only) {
        refine(rows.outcome[i], row.outcome);
        continue;
      }
      rows.outcome[i] = std::move(row.outcome);
      rows.candidates[i] = std::move(row.candidates);
      rows.filtered[i] = 1;
    }
    return finite;
  }

 private:
  const FilterContext& c_;
  int worker_;
  Matrix32 Q32_, S32_;
  Matrix Q64_, S64_;
};

// The rows the double stage refines after the float32 stage: those it
// decided whose enclosure of eps_i or lgam_i reaches above m, the largest
// lower end over the rows the filter decided (only they can realise the
// maximum the certificate reports: every other row's enclosure lies below
// m, and m stays a lower end, as a decided row's enclosure only narrows),
// and the smallest refuted row (the certificate's witness).
std::vector<std::size_t> rows_to_refine(const RowStates& rows) {
  double eps_lower = 0.0, log_gamma_lower = -kInfinity;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (!rows.filtered[i] || rows.outcome[i].state == RowOutcome::State::undecided) continue;
    eps_lower = std::max(eps_lower, rows.outcome[i].eps_i.lower);
    log_gamma_lower = std::max(log_gamma_lower, rows.outcome[i].log_gamma_i.lower);
  }
  std::vector<std::size_t> refine;
  const std::optional<std::size_t> witness = first_refuted(rows.outcome);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const RowOutcome& r = rows.outcome[i];
    if (!rows.float32[i]) continue;
    const bool eps_candidate = r.eps_i.upper > eps_lower;
    const bool log_gamma_candidate = r.log_gamma_i.upper > log_gamma_lower;
    if (witness == i || eps_candidate || log_gamma_candidate) refine.push_back(i);
  }
  return refine;
}

// Step 1': the keys j0 .. j0 + n - 1 rounded to nearest binary32 into the
// first n rows of K32, row by row on every core; false when one leaves
// binary32's range.
bool keys_in_binary32(const Factor& K, Eigen::Index j0, Eigen::Index n, unsigned threads, Matrix32& K32) {
  const MatrixView keys = K.view();
  return for_each_row_checked(n, threads, [&](Eigen::Index r) {
    K32.row(r) = keys.row(j0 + r).cast<float>();
    return all_finite(std::span<const float>(K32.row(r).data(), static_cast<std::size_t>(K32.cols())));
  });
}

// Worker threads, each checking its own floating-point environment first:
// rounding mode and FTZ/DAZ are per thread, and in any other environment a
// worker leaves its share to the exact pass. `work(worker, index)` is
// called for index = 0 .. count - 1, dealt round robin; returns the first
// environment problem met, or empty.
template <typename Work>
std::string on_checked_workers(int threads, Eigen::Index count, Work&& work) {
  std::string problem_met;
#pragma omp parallel num_threads(threads)
  {
    const std::string problem = floating_point_environment_problem();
    if (!problem.empty()) {
#pragma omp critical(jlattn_filter_environment)
      if (problem_met.empty()) problem_met = problem;
    }
#pragma omp for schedule(static, 1)
    for (Eigen::Index b = 0; b < count; ++b)
      if (problem.empty()) work(omp_get_thread_num(), b);
  }
  return problem_met;
}

}  // namespace

std::size_t float32_panel_keys(std::size_t L, std::size_t d) {
  // K in binary32 is L d floats: up to 4 panels, none below 2^21 floats
  // (8 MiB). (L d < 2^63 for any L x d that fits in memory.)
  constexpr std::size_t kPanelFloats = std::size_t{1} << 21;
  const std::size_t panels = std::clamp<std::size_t>((L * d + kPanelFloats - 1) / kPanelFloats, 1, 4);
  return std::max<std::size_t>((L + panels - 1) / panels, 1);
}

FilterPass run_filter(const Definition2Thresholds& thresholds, const Matrix& X, const Weights& W_Q, const Weights& W_K,
                      bool scaled, const CertificationLimits& limits, RowStates& rows, ScoreObserver* observer,
                      std::size_t panel_keys) {
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
  const Factor Q = compute_factor(X, W_Q, limits.threads);
  const Factor K = compute_factor(X, W_K, limits.threads);
  const double K_norm = *std::max_element(K.norm_upper.begin(), K.norm_upper.end());
  const double K_error = *std::max_element(K.error_upper.begin(), K.error_upper.end());
  if (!Q.finite || !K.finite || !std::isfinite(K_norm) || !std::isfinite(K_error)) {
    pass.note = "some scores or bounds overflow in double precision; those rows go to the exact pass";
    return pass;
  }
  const Eigen::Index d = W_Q.cols();
  FilterContext context{thresholds, Q, K, K_norm, K_error, scaled,
                        scaled ? inverse_sqrt_enclosure(static_cast<double>(d)) : Enclosure{1.0, 1.0},
                        limits.product, observer};

  // Blocks of a fixed number of rows, so the computed scores (hence every
  // count and bound reported) do not depend on the thread count. Each
  // block's products run on one thread (Eigen's and OpenBLAS's own
  // threading off while the filter runs), so a block's scores are the same
  // bits whatever the number of workers; blocks are dealt round robin.
  const std::size_t L = thresholds.A->L();
  const auto block = static_cast<Eigen::Index>(std::clamp<std::size_t>((std::size_t{1} << 22) / L, 1, 256));
  const auto Li = static_cast<Eigen::Index>(L);
  const int threads = limits.threads ? static_cast<int>(limits.threads) : omp_get_max_threads();
  const Eigen::Index blocks = (Li + block - 1) / block;
  if (observer) observer->start(threads);
  const SingleThreadedProducts single_threaded;
  pass.product = score_product_name(limits.product);
  std::vector<char> block_finite(static_cast<std::size_t>(blocks), 1);
  std::vector<FilterWorker> workers;
  for (int w = 0; w < threads; ++w) workers.emplace_back(context, w);
  StopLatch stop(limits.stop);
  std::string worker_problem;

  // Step 1', when the float32 stage runs (not for an observer, which needs
  // every row's double scores; gamma32_d needs d u32 < 1/2): the keys in
  // binary32 one panel at a time (the whole of K in binary32 would be 4 L d
  // bytes next to X), each block of rows scored against each panel in turn;
  // then per block the decisions and the double stage for the rows left open.
  bool float32_ran = false;
  if (limits.float32 && !observer && d <= (Eigen::Index{1} << 22)) {
    const auto panel = static_cast<Eigen::Index>(
        panel_keys ? std::min(panel_keys, L) : float32_panel_keys(L, static_cast<std::size_t>(d)));
    const Eigen::Index panels = (Li + panel - 1) / panel;
    Float32Scans scans(*thresholds.A, blocks);
    {
      Matrix32 K32(panel, d);
      advise_huge_pages(K32);
      for (Eigen::Index p = 0; p < panels; ++p) {
        const Eigen::Index j0 = p * panel, keys = std::min(panel, Li - j0);
        // A key beyond binary32's range: the double stage scores every row.
        float32_ran = keys_in_binary32(K, j0, keys, limits.threads, K32);
        if (!float32_ran) break;
        const std::string problem = on_checked_workers(threads, blocks, [&](int w, Eigen::Index b) {
          if (stop.poll()) return;
          const Eigen::Index i0 = b * block;
          workers[static_cast<std::size_t>(w)].float32_tile(K32, j0, keys, i0, std::min(block, Li - i0), scans);
          ++scans.panels_done[static_cast<std::size_t>(b)];
        });
        if (worker_problem.empty()) worker_problem = problem;
        stop.rethrow();
      }
    }
    for (FilterWorker& w : workers) w.release_float32();
    if (float32_ran) {
      // A block some panel skipped (its worker's environment) leaves its rows to the exact pass.
      const std::string problem = on_checked_workers(threads, blocks, [&](int w, Eigen::Index b) {
        if (stop.poll() || scans.panels_done[static_cast<std::size_t>(b)] != panels) return;
        const Eigen::Index i0 = b * block;
        FilterWorker& worker = workers[static_cast<std::size_t>(w)];
        const std::vector<std::size_t> open = worker.float32_decisions(scans, i0, std::min(block, Li - i0), rows);
        block_finite[static_cast<std::size_t>(b)] =
            worker.double_stage(0, static_cast<Eigen::Index>(open.size()), &open, false, rows);
      });
      if (worker_problem.empty()) worker_problem = problem;
      stop.rethrow();
    } else {
      worker_problem.clear();
    }
  }
  if (!float32_ran) {
    worker_problem = on_checked_workers(threads, blocks, [&](int w, Eigen::Index b) {
      if (stop.poll()) return;
      const Eigen::Index i0 = b * block;
      block_finite[static_cast<std::size_t>(b)] =
          workers[static_cast<std::size_t>(w)].double_stage(i0, std::min(block, Li - i0), nullptr, false, rows);
    });
    stop.rethrow();
  }

  // The double stage again on the rows the float32 stage decided that the
  // certificate's maxima or witness can come from: their enclosures become
  // as tight as the double stage's (in fixed chunks of rows, so the result
  // does not depend on the thread count either).
  if (float32_ran) {
    const std::vector<std::size_t> refine = rows_to_refine(rows);
    pass.rows_refined = refine.size();
    std::vector<std::vector<std::size_t>> chunks;
    for (std::size_t n = 0; n < refine.size(); n += static_cast<std::size_t>(block))
      chunks.emplace_back(refine.begin() + static_cast<std::ptrdiff_t>(n),
                          refine.begin() + static_cast<std::ptrdiff_t>(std::min(refine.size(), n + static_cast<std::size_t>(block))));
    on_checked_workers(threads, static_cast<Eigen::Index>(chunks.size()), [&](int w, Eigen::Index b) {
      if (stop.poll()) return;
      const auto& ids = chunks[static_cast<std::size_t>(b)];
      workers[static_cast<std::size_t>(w)].double_stage(0, static_cast<Eigen::Index>(ids.size()), &ids, true, rows);
    });
    stop.rethrow();
  }
  for (std::size_t i = 0; i < L; ++i) pass.rows_float32 += rows.float32[i] ? 1 : 0;

  if (!worker_problem.empty())
    pass.note = "a worker thread's floating-point environment is wrong (" + worker_problem +
                "); its rows go to the exact pass";
  else if (std::find(block_finite.begin(), block_finite.end(), 0) != block_finite.end())
    pass.note = "some scores or bounds overflow in double precision; those rows go to the exact pass";
  return pass;
}

}  // namespace detail

}  // namespace jlattn
