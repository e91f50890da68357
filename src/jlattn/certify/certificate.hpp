/// \file certificate.hpp
/// \brief Certification of Definition 2 for given matrices
/// (proofs/certificate.md): does \f$\mathrm{softmax}_{\rm rows}(S)\f$, with
/// \f$S = (X W_Q)(X W_K)^\top\f$ over the reals (optionally divided by
/// \f$\sqrt d\f$), \f$(\varepsilon, \gamma)\f$-approximate the target A? The stored
/// doubles are exact binary rationals; nothing else is rounded in the claim.
///
/// Filter, then exact: a floating-point pass with a rigorous forward error
/// bound per score decides most rows (certificate_filter.hpp; a float32
/// stage, then a double stage for the rows it leaves open); the rows it
/// cannot decide are settled with exact rational scores and interval
/// logarithms at rising precision (certificate_exact.hpp); the rows'
/// outcomes give the verdict (certificate_aggregate.hpp).
///
/// Three outcomes only (docs/contract.md): **certified** (a proof for this
/// instance), **refuted** (with a witness \f$(i, j, j')\f$ and an enclosure of
/// its margin), **undecided** (only when a stated resource limit was hit,
/// saying what was left).
///
/// Proof page: proofs/certificate.md
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jlattn/proof/definition1_target.hpp"
#include "jlattn/proof/definition2_approximation.hpp"
#include "jlattn/core/cancellation.hpp"
#include "jlattn/core/enclosure.hpp"
#include "jlattn/core/matrix.hpp"
#include "jlattn/core/weights.hpp"

namespace jlattn {

/// The outcome of a certification.
enum class Verdict {
  certified,  ///< proved for these matrices: every row satisfies R1 and R2
  refuted,    ///< proved false: the witness violates R1 or R2
  undecided   ///< a resource limit stopped the exact pass; see the reason
};

/// "certified", "refuted" or "undecided".
std::string to_string(Verdict verdict);

/// A proved violation: \f$j' \in \mathrm{supp}_i\f$ and
/// R1: \f$j \in \mathrm{supp}_i\f$, \f$\ln(M_{ij}/M_{ij'}) - \ln(A_{ij}/A_{ij'}) - \varepsilon \in \text{margin}\f$;
/// R2: \f$j \notin \mathrm{supp}_i\f$, \f$\ln(M_{ij}/M_{ij'}) - \ln\gamma \in \text{margin}\f$;
/// with margin.lower > 0.
struct CertifiedWitness {
  std::size_t i = 0, j = 0, j_prime = 0;
  Condition condition = Condition::R1;
  Enclosure margin;
};

/// The matrix product that computes the filter's scores (its float32 and
/// double stages). Either way the verdict is the same: the filter's error
/// bounds hold for a dot product summed in any order, with or without fused
/// multiply-add (proofs/certificate.md), neither library uses a
/// Strassen-type product, and a row the bounds cannot decide goes to the
/// exact pass.
enum class ScoreProduct {
  /// Eigen's product (the fallback where the build has no OpenBLAS): one
  /// summation order for every build of jlattn, so the reported enclosures
  /// are the same bits everywhere.
  eigen,
  /// The machine's OpenBLAS (`cblas_sgemm`, `cblas_dgemm`, one OpenBLAS
  /// thread per block of rows; the default where the build found OpenBLAS):
  /// several times faster on a processor with wide vectors, but the kernel
  /// (and so the summation order) is chosen per processor, so the
  /// enclosures' last digits and the float32/double/exact split may differ
  /// between machines. The verdict does not.
  openblas
};

/// Whether this build can use `product`.
bool score_product_available(ScoreProduct product);

/// The default product: openblas where the build has it, eigen otherwise.
ScoreProduct default_score_product();

/// The product a front end names: "auto" (default_score_product()), "eigen"
/// or "openblas"; the one reader of that name for the command line and the
/// Python module.
/// \throws InputError naming the text for any other name.
/// Guarantee: exact.
ScoreProduct score_product_named(std::string_view name);

/// "eigen", or "openblas-" followed by the kernel OpenBLAS chose for this processor.
std::string score_product_name(ScoreProduct product);

/// The resources the certifier may use, and switches for audits and tests.
struct CertificationLimits {
  /// Largest working precision (bits) of the interval logarithms.
  unsigned max_precision_bits = 1u << 14;
  /// Largest number of exact multiply-adds (rational scores) in the exact pass.
  std::uint64_t max_exact_multiply_adds = 500'000'000;
  /// Skip the filter: every row goes to the exact pass
  /// (used by tests to compare the filtered verdict with the exact one).
  bool exact_only = false;
  /// Decide every row even after a refutation has settled the verdict (for
  /// audits and tests: then Certificate::row_verdicts is filled).
  bool all_rows = false;
  /// Worker threads of the filter (0: OpenMP default); the result does
  /// not depend on it. (While certify runs, Eigen's own threading, and
  /// OpenBLAS's where the build has it, is set to one thread and restored
  /// afterwards: don't run other Eigen or BLAS products concurrently in the
  /// same process expecting them to be multithreaded.) Each worker checks
  /// its own floating-point environment (floating_point_environment_problem);
  /// the rows of a worker in another environment go to the exact pass.
  unsigned threads = 0;
  /// Which product computes the filter's scores (see ScoreProduct).
  ScoreProduct product = default_score_product();
  /// Run the filter's float32 stage first: scores by a binary32 product with
  /// its own rigorous bound (proofs/certificate.md, Step 1'); the rows it
  /// cannot decide go on to the double stage. Off: the double stage scores
  /// every row. Either way the same verdict.
  bool float32 = true;
  /// Polled between blocks of the filter and between rows of the exact
  /// pass; when it says stop, certify throws Cancelled (cancellation.hpp).
  StopRequest stop;
};

/// Rigorous upper bounds on the norms of the queries \f$q_i = x_iW_Q\f$ and the
/// keys \f$k_j = x_jW_K\f$ of the exact products (the stored doubles, real
/// arithmetic): the norm budget of proofs/lower-bound.md, at which
/// \f$d_{\rm lower}\f$ says how small d can be for any input of these norms.
struct ScoreNorms {
  static constexpr double kUnknown = std::numeric_limits<double>::infinity();
  bool computed = false;     ///< false: see `note` (the bounds are then +inf)
  double query = kUnknown;   ///< \f$\ge \max_i \lVert x_iW_Q\rVert_2\f$
  double key = kUnknown;     ///< \f$\ge \max_j \lVert x_jW_K\rVert_2\f$
  /// \f$\ge\f$ query \f$\times\f$ key, times \f$1/\sqrt d\f$ for scaled scores (the effective
  /// queries are then \f$q_i/\sqrt d\f$): a bound on every \f$|S_{ij}|\f$.
  double product = kUnknown;
  std::string note;       ///< why they were not computed, or empty
};

/// The query and key norm bounds of given matrices, as the certifier's filter
/// bounds them (Step 1: each row's computed norm plus its rigorous error
/// bound), computed in the reference floating-point environment whatever the
/// caller's (restored on return).
/// \pre none on the entries (a NaN or infinite entry leaves them not computed).
/// \throws InputError when the shapes do not fit.
/// Guarantee: enclosure (upper bounds on the exact norms) when `computed`;
///   not computed when an entry is not finite or the bounds overflow.
/// Proof page: proofs/certificate.md
/// `threads` workers (0: all cores) compute the rows; the result does not depend on their number.
/// Proof page: proofs/lower-bound.md
ScoreNorms score_norms(const Matrix& X, const Weights& W_Q, const Weights& W_K, bool scaled, unsigned threads = 0);

/// The certificate: the verdict, rigorous bounds on the achieved pair, and
/// how the verdict was reached.
struct Certificate {
  Verdict verdict = Verdict::undecided;
  double eps = 0.0, gamma = 0.0;
  bool scaled = false;
  /// \f$\hat\varepsilon = \max_i \varepsilon_i \in [\text{lower}, \text{upper}]\f$ (upper is
  /// \f$+\infty\f$ where a row was left undecided without a finite bound).
  /// When certified, upper \f$\le \varepsilon\f$.
  Enclosure eps_hat;
  /// \f$\ln\hat\gamma = \max_i \ell\gamma_i\f$ enclosed (\f$-\infty\f$ when every row is full).
  Enclosure log_gamma_hat;
  /// \f$\hat\gamma\f$ enclosed; when certified, upper \f$\le \gamma\f$.
  Enclosure gamma_hat;
  /// Present exactly when refuted: the violation in the smallest row that has one.
  std::optional<CertifiedWitness> witness;
  std::size_t rows = 0;             ///< L
  std::size_t rows_filter = 0;      ///< rows decided by the filter (either stage)
  std::size_t rows_float32 = 0;     ///< of those, rows decided by its float32 stage
  /// Rows the float32 stage decided whose enclosures were then refined in
  /// double precision: the rows that can realise the maximum of
  /// \f$\varepsilon_i\f$ or of \f$\ell\gamma_i\f$, and the witness's row.
  std::size_t rows_refined = 0;
  std::size_t rows_exact = 0;       ///< rows decided by the exact pass
  std::size_t rows_undecided = 0;   ///< rows left undecided (limits hit)
  unsigned max_precision_used = 0;  ///< largest interval precision the exact pass needed (bits)
  std::uint64_t exact_multiply_adds = 0;
  /// Whether the filter ran (JSON `filter_used`).
  bool filter_used = true;
  /// The product that computed the filter's scores (score_product_name), or
  /// empty when the filter did not run.
  std::string score_product;
  /// Why the filter was skipped or some rows fell back to the exact pass
  /// (e.g. a worker thread in flush-to-zero mode, a non-finite score), or
  /// empty (JSON `filter_note`).
  std::string filter_note;
  /// For undecided: which limit was hit and what was left.
  std::string undecided_reason;
  /// Each row's own verdict, filled only when CertificationLimits::all_rows.
  std::vector<Verdict> row_verdicts;
};

/// Receives the filter's double-precision scores of every row, for a caller
/// that evaluates those same scores (the pipeline's evaluation of Definition
/// 2 and Lemma 2: one product for the evaluation and the certificate). With
/// an observer the filter's float32 stage does not run.
class ScoreObserver {
 public:
  virtual ~ScoreObserver() = default;
  /// Called once before any row, with the number of worker threads.
  virtual void start(int workers) = 0;
  /// Row i's computed scores \f$\hat S_{i\cdot}\f$, before any scaling
  /// (\f$\hat q_i \cdot \hat k_j\f$ in binary64, all finite), from worker
  /// thread `worker` in [0, workers): rows arrive once each, in any order and
  /// concurrently from different workers. A row the filter could not score in
  /// double precision (a score or bound not finite, a worker in another
  /// floating-point environment, the filter skipped) never arrives.
  virtual void observe(std::size_t i, std::span<const double> scores, int worker) = 0;
};

/// Certifies Definition 2 for \f$M = \mathrm{softmax}_{\rm rows}(c\,(X W_Q)(X W_K)^\top)\f$,
/// \f$c = 1\f$, or \f$c = 1/\sqrt{d}\f$ when `scaled` (d = W_Q.cols()), against A.
/// \pre X has to be L x m, W_Q and W_K m x d (dense, or selectors such as
///      Weights::lemma4_query(d), which are never materialised) with L = A.L(), m, d \f$\ge 1\f$; all
///      entries finite; eps finite and \f$> 0\f$; gamma in (0, 1).
/// \throws InputError naming a violated precondition (shapes, NaN/Inf, ranges),
///         or `limits.product` not available in this build; Cancelled when
///         `limits.stop` said stop.
/// Guarantee: certified and refuted are proofs about the real-number
///   semantics of these exact matrices (proofs/certificate.md); the
///   enclosures contain the exact values. Undecided only when a limit in
///   `limits` was reached. Whatever the caller's floating-point environment:
///   the calling thread runs in round-to-nearest without FTZ/DAZ while
///   certify works (the caller's environment is restored on return), and a
///   worker thread in another environment leaves its rows to the exact pass.
/// Proof page: proofs/certificate.md
Certificate certify(const Target& A, const Matrix& X, const Weights& W_Q, const Weights& W_K, double eps,
                    double gamma, bool scaled, const CertificationLimits& limits = {});

/// certify(), handing the filter's double-precision scores of every row to
/// `observer` on the way (ScoreObserver; the float32 stage does not run).
/// \pre and \throws as certify().
/// Guarantee: as certify(); the observed scores are evaluations (binary64,
///   the product's summation order).
/// Proof page: proofs/certificate.md
Certificate certify(const Target& A, const Matrix& X, const Weights& W_Q, const Weights& W_K, double eps,
                    double gamma, bool scaled, const CertificationLimits& limits, ScoreObserver& observer);

/// Theorem 2's checkable condition for one projection R (L x d), certified:
/// \f$\mu(R) = \max_{l,j} |(RR^\top - I)_{lj}| \le \tau_u = \eta / (k\Delta + (k-1)\rho)\f$.
/// When it holds, every target with row sparsity \f$\le k\f$ and range \f$\le \rho\f$
/// satisfies \f$|S_{ij} - B_{ij}| \le \eta\f$ for \f$S = B R R^\top\f$ in real arithmetic,
/// B the target's Lemma 1 matrix of gap \f$\Delta\f$ (and of no other gap: a
/// larger \f$\Delta\f$ has a smaller \f$\tau_u\f$), and so
/// (Lemma 2) \f$(\varepsilon,\gamma)\f$-approximation: one R for all of them. The
/// emitted \f$X = [\mathrm{fl}(BR) \mid R]\f$ of a particular target is still
/// certified on its own (certify), because fl(BR) is rounded.
struct ProjectionCertificate {
  /// certified: the condition \f$\mu \le \tau_u\f$ is proved; refuted: \f$\mu > \tau_u\f$ is
  /// proved (which does not show that some target fails: the condition is
  /// only sufficient); undecided: the exact pass's work limit was hit.
  Verdict verdict = Verdict::undecided;
  std::size_t L = 0, d = 0, k = 0;
  double rho = 0.0, eps = 0.0, gamma = 0.0;
  /// The gap given to certify_projection(), or unset for Lemma 2's \f$\ln(1/\gamma) + \varepsilon\f$
  /// rounded up (lemma2_gap_Delta(), the gap the construction uses).
  std::optional<double> gap_Delta;
  Enclosure Delta;  ///< the gap \f$\Delta\f$ of \f$\tau_u\f$, a point (a double)
  Enclosure mu;     ///< contains \f$\mu(R)\f$ (upper end valid for every verdict)
  Enclosure tau_u;  ///< contains \f$\tau_u\f$
  /// When refuted: an entry \f$(l, j)\f$ with \f$|(RR^\top - I)_{lj}| > \tau_u\f$.
  std::optional<std::pair<std::size_t, std::size_t>> witness;
  std::size_t entries_exact = 0;  ///< entries the filter left to exact arithmetic
  std::string undecided_reason;
};

/// Certifies Theorem 2's condition for R against the class (k, rho), (eps,
/// gamma) and Lemma 1's gap \f$\Delta\f$: `gap_Delta` when given (the gap the
/// targets' B were built with, ConstructionParameters::gap_Delta), unset for
/// Lemma 2's gap as the construction builds B with it: lemma2_gap_Delta(),
/// \f$\ln(1/\gamma) + \varepsilon\f$ rounded up to a double. A certificate at
/// another gap than B's says nothing about B.
/// \pre R has to be L x d with L, d \f$\ge 1\f$ and finite entries; k \f$\ge 1\f$;
///      rho finite and \f$\ge 0\f$; eps finite, normal and \f$> 0\f$; gamma in (0, 1);
///      a given gap_Delta finite and \f$\ge \ln(1/\gamma) + \varepsilon\f$ (check_gap_Delta).
/// \throws InputError naming a violated precondition (for the gap,
///   check_gap_Delta's message).
/// Guarantee: certified/refuted are proofs about the stored R in real
///   arithmetic (filter with rigorous bounds, then exact rationals); the
///   enclosures contain the exact values.
/// Proof page: proofs/theorem2-all-targets.md
ProjectionCertificate certify_projection(const Matrix& R, std::size_t k, double rho, double eps, double gamma,
                                         std::optional<double> gap_Delta, const CertificationLimits& limits = {});

/// Frees the multiprecision caches MPFR keeps per thread (constants such as
/// \f$\ln 2\f$, built by the exact pass and by the rigorous bounds). A thread
/// other than the main one that called certify, certify_projection,
/// rigorous_bounds or the audit's draw_target (the extremal family's
/// weights) calls this before it ends; otherwise those caches are
/// lost when it exits (MPFR's manual: `mpfr_free_cache2`). The next
/// multiprecision call on the thread rebuilds them.
/// Guarantee: none needed (resource release only).
/// Proof page: proofs/certificate.md
void release_thread_multiprecision_caches();

/// Why the filter's bounds cannot be trusted in this thread's floating-point
/// environment (flush-to-zero, denormals-are-zero, a rounding mode other
/// than to-nearest), or empty when they can. Rounding mode and FTZ/DAZ are
/// per thread: the filter calls it on every worker thread that computes
/// scores or bounds.
/// Guarantee: exact (reads the environment and probes it).
/// Proof page: proofs/certificate.md
std::string floating_point_environment_problem();

}  // namespace jlattn
