/// \file certificate_filter.hpp
/// \brief The certifier's filter (proofs/certificate.md, Steps 1, 1', 3 and
/// 4): the scores computed in floating point with a rigorous error bound per
/// row; each row is decided from enclosures of its scores, or left to the
/// exact pass with the columns that can still realise its extremes. Two
/// stages: binary32 scores first (Step 1'), then binary64 scores for the
/// rows the first stage leaves open and for the rows whose enclosures the
/// certificate reports.
/// Internal to the certifier (and the audit's one-pass scoring, which feeds
/// filter_row() its own scores and bounds).
///
/// Proof page: proofs/certificate.md
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "jlattn/certify/certificate.hpp"
#include "jlattn/certify/certificate_rows.hpp"
#include "jlattn/core/enclosure.hpp"
#include "jlattn/core/matrix.hpp"
#include "jlattn/core/weights.hpp"

namespace jlattn::detail {

/// A dense row-major binary32 matrix (the float32 stage's factors and scores).
using Matrix32 = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// Step 1's norm bound: \f$\lVert x\rVert \le \sqrt{(\mathrm{fl}(\sum_c x_c^2) + n 2^{-1074})/(1 - \gamma_{n+1})}\f$
/// for the n entries of x, the sum taken in increasing c.
/// \pre the environment floating_point_environment_problem() accepts; n \f$\ge 1\f$.
/// Guarantee: enclosure (an upper bound on the Euclidean norm).
double norm_upper(const double* x, Eigen::Index n);

/// norm_upper() from its sum: \f$\sqrt{(s + n 2^{-1074})/(1 - \gamma_{n+1})}\f$ rounded
/// up, for \f$s = \mathrm{fl}(\sum_{c<n} x_c^2)\f$ summed in increasing c from 0
/// (so a running sum over a prefix gives the prefix's bound).
/// \pre as norm_upper().
/// Guarantee: enclosure (an upper bound on the norm of the n entries summed).
double norm_upper_of_sum(double sum, Eigen::Index n);

/// One factor of the score product, Q = X W_Q or K = X W_K, as computed in
/// double precision, with per-row bounds on its norm and on its error
/// (Step 1, first stage).
struct Factor {
  Matrix owned;                     ///< the computed product, unless it is a block of X
  const Matrix* X = nullptr;        ///< set when the product is X's columns offset .. offset + d - 1
  Eigen::Index offset = 0, d = 0;
  std::vector<double> norm_upper;   ///< \f$\ge \lVert\hat q_i\rVert\f$ (the computed row)
  std::vector<double> error_upper;  ///< \f$\ge \lVert\hat q_i - q_i\rVert\f$ (computed minus exact row)
  bool finite = false;              ///< every entry of the computed product is finite (set by compute_factor)
  /// The computed product, read in place from X when it is a block of X.
  MatrixView view() const { return X ? MatrixView(X->middleCols(offset, d)) : MatrixView(owned); }
};

/// Computes X W and its bounds; a selector's product is exact (error 0),
/// and consecutive selected columns are read in place from X.
/// \pre X.cols() == weights.rows(); entries finite; the environment of norm_upper().
/// Guarantee: the bounds are enclosures (upper ends) for the returned product.
/// `threads` workers compute the rows (0: all cores), each checking its
/// floating-point environment; the result does not depend on their number.
Factor compute_factor(const Matrix& X, const Weights& weights, unsigned threads = 0);

/// The filter's view of one row: every real score lies in
/// [lower(S_hat), upper(S_hat)], a monotone map of the computed score
/// (Step 1's bound, then the scale c).
struct ScoreBounds {
  double error = 0.0;      ///< \f$|\hat S_{ij} - S_{ij}/c| \le\f$ error for every j of the row
  bool scaled = false;     ///< whether c is not 1
  Enclosure scale{1.0, 1.0};  ///< encloses c when scaled
  /// A lower bound on \f$S_{ij}\f$ from the computed \f$\hat S_{ij}\f$.
  double lower(double s_hat) const;
  /// An upper bound on \f$S_{ij}\f$ from the computed \f$\hat S_{ij}\f$.
  double upper(double s_hat) const;
};

/// Encloses \f$1/\sqrt n\f$ (sqrt is correctly rounded).
/// Guarantee: enclosure.
Enclosure inverse_sqrt_enclosure(double n);

/// Step 1's second stage composed with the first: the bound on
/// \f$|\hat S_{ij} - S_{ij}/c|\f$ over a row of length-d dot products
/// \f$\hat q_i\cdot\hat k_j\f$ computed in binary64,
/// \f$\gamma_d\lVert\hat q_i\rVert K + d\,2^{-1074} + \delta q_i K + (\lVert\hat q_i\rVert + \delta q_i)\,\delta K\f$,
/// K and \f$\delta K\f$ the largest key norm and key error.
/// Guarantee: enclosure (upper end), rounded outward.
double dot_product_error_upper(Eigen::Index d, double q_norm, double q_error, double K_norm, double K_error);

/// Step 1': the bound on \f$|\hat S^{32}_{ij} - S_{ij}/c|\f$ for the binary32
/// scores \f$\mathrm{fl}_{32}(q'_i\cdot k'_j)\f$ of the factors rounded to binary32,
/// \f$q' = \mathrm{fl}_{32}(\hat q)\f$, \f$k' = \mathrm{fl}_{32}(\hat k)\f$, summed in any
/// order with or without FMA:
/// \f$\gamma^{32}_d \lVert q'\rVert\lVert k'\rVert + d\,2^{-149}\f$ (the product) plus
/// \f$\lVert q' - \hat q\rVert\lVert k'\rVert + \lVert\hat q\rVert\lVert k' - \hat k\rVert\f$ (the rounding to
/// binary32, \f$\lVert q' - \hat q\rVert \le u_{32}\lVert\hat q\rVert + \sqrt d\,2^{-150}\f$) plus
/// the first stage as in dot_product_error_upper().
/// \pre d u32 < 1/2; the environment of norm_upper().
/// Guarantee: enclosure (upper end), rounded outward.
double float32_dot_product_error_upper(Eigen::Index d, double q_norm, double q_error, double K_norm, double K_error);

/// A row after the filter: decided (certified or refuted, with enclosures),
/// or undecided with the candidates the exact pass has to look at.
struct FilteredRow {
  RowOutcome outcome;
  std::optional<RowCandidates> candidates;  ///< when undecided
};

/// Steps 3 and 4 for row i of A from its computed scores S_hat[0 .. L-1]
/// and their bounds. Every comparison is between rigorous bounds.
/// \pre S_hat finite; the environment of norm_upper().
/// Guarantee: certified and refuted are proofs about the real scores the
///   bounds enclose; the candidates contain every column that can realise
///   an extreme of the row.
FilteredRow filter_row(const Definition2Thresholds& thresholds, std::size_t i, const double* S_hat,
                       const ScoreBounds& bounds);

/// filter_row() on binary32 scores (the float32 stage), each read as the
/// double it is exactly.
FilteredRow filter_row(const Definition2Thresholds& thresholds, std::size_t i, const float* S_hat,
                       const ScoreBounds& bounds);

/// Puts the calling thread in the environment every bound of the certifier
/// assumes (round to nearest, no flush-to-zero, no denormals-are-zero) for
/// its lifetime, and restores the caller's environment afterwards. certify()
/// runs under it, so its own thread (the filter's norms, the exact pass, the
/// MPFR conversions of doubles) never depends on the caller's environment.
class ReferenceEnvironmentScope {
 public:
  ReferenceEnvironmentScope();
  ~ReferenceEnvironmentScope();
  ReferenceEnvironmentScope(const ReferenceEnvironmentScope&) = delete;
  ReferenceEnvironmentScope& operator=(const ReferenceEnvironmentScope&) = delete;

 private:
  int rounding_;
  unsigned control_;
};

/// Eigen's own threading, and OpenBLAS's where the build has it, at one
/// thread for a scope (restored afterwards): the filter parallelises over
/// blocks of rows itself, so each block's product runs on the worker that
/// checked its floating-point environment, and in one summation order
/// whatever the number of workers. Scopes may overlap across threads: the
/// counts are set when the first scope opens and restored when the last
/// closes.
class SingleThreadedProducts {
 public:
  SingleThreadedProducts();
  ~SingleThreadedProducts();
  SingleThreadedProducts(const SingleThreadedProducts&) = delete;
  SingleThreadedProducts& operator=(const SingleThreadedProducts&) = delete;
};

/// What the filter pass did.
struct FilterPass {
  bool used = false;     ///< the filter ran (on some rows at least)
  std::string product;   ///< score_product_name() of its product, or empty
  std::string note;      ///< why rows or the whole filter fell back, or empty
  std::size_t rows_float32 = 0;  ///< rows its float32 stage decided
  std::size_t rows_refined = 0;  ///< of those, rows whose enclosures the double stage refined
};

/// The float32 stage's panel of keys: how many keys (rows of K) it holds
/// in binary32 at a time, a function of L and d only (so of no thread
/// count): all L when \f$L d \le 2^{21}\f$ (8 MiB), else \f$\lceil L/p\rceil\f$ keys
/// for the fewest p of up to 4 panels of about \f$2^{21}\f$ floats each (a few
/// more from rounding up), p = 4 when larger still.
/// Guarantee: exact.
std::size_t float32_panel_keys(std::size_t L, std::size_t d);

/// The filter over every row of A: the scores in blocks of rows on worker
/// threads, each block's products on one thread, each worker checking its
/// own floating-point environment (a worker whose environment is not the
/// one the bounds assume leaves its rows to the exact pass). First the
/// float32 stage (when limits.float32, without an observer, and d \f$\le 2^{22}\f$):
/// the keys in binary32 one panel of `panel_keys` keys at a time (0:
/// float32_panel_keys()), every block's scores against the panel scanned
/// before the next panel; then per block it decides the rows it can, and
/// the double stage scores the others; then the double stage refines the
/// enclosures of the float32-decided rows that can realise the reported
/// maxima or witness. Fills rows for every row it decided or enclosed;
/// hands every row's double scores to `observer`. Given the same binary32
/// scores, the panels change no decision and no enclosure: a row's scans
/// see its scores in column order, as over a whole row.
/// \pre the arguments validated by certify(); rows.size() == A.L().
/// Guarantee: as filter_row(), for every row marked filtered.
FilterPass run_filter(const Definition2Thresholds& thresholds, const Matrix& X, const Weights& W_Q, const Weights& W_K,
                      bool scaled, const CertificationLimits& limits, RowStates& rows, ScoreObserver* observer = nullptr,
                      std::size_t panel_keys = 0);

}  // namespace jlattn::detail
