/// \file one_pass.hpp
/// \brief Every d of a trial in one pass (proofs/audit-one-pass.md): the
/// certificates of the inputs \f$X^{(d)} = [\mathrm{fl}(BR^{(d)}) \mid R^{(d)}]\f$
/// that the audit emits at a list of dimensions d, decided from one
/// accumulation of unscaled scores over nested projections.
///
/// R at d is the first d columns of one array of draws G (the entries at
/// d = 1), each rescaled and rounded: \f$r^{(d)}_{jc} = \mathrm{fl}(g_{jc}\sigma_d)\f$.
/// The pass computes \f$P = \mathrm{fl}(BG)\f$ once, rounds P and G to
/// binary32 and accumulates \f$U = \sum_{c<d} p'_{\cdot c}\, g'^\top_{\cdot c}\f$ in
/// binary32 over column chunks (twice the speed of binary64); at
/// each listed d, row i of U, with the error bound of the proof page, encloses
/// \f$S_{ij}/c_d\f$ for the exact scores S of the emitted \f$X^{(d)}\f$, and the
/// certifier's filter (filter_row()) decides the row from it. A d at which
/// some row is left open goes to the certifier on the actual \f$X^{(d)}\f$
/// (certify_emitted()); a row left open by the binary32 bound is first
/// rescored in binary64 with the binary64 bound. So every verdict is the certificate's verdict about
/// the very input a separate probe at that d would emit.
///
/// Proof page: proofs/audit-one-pass.md
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "jlattn/certify/certificate.hpp"
#include "jlattn/core/enclosure.hpp"
#include "jlattn/pipeline/construction.hpp"
#include "jlattn/pipeline/parameters.hpp"

namespace jlattn::audit {

/// What one pass decided, per listed d (in the order of the list).
struct OnePassResult {
  std::vector<Verdict> verdicts;
  /// Per listed d: the largest row norm of the emitted \f$X^{(d)}\f$, as
  /// input_row_norms() evaluates it (X^(d) rebuilt from the draws with
  /// rescaled_entries(), the same bits as emit_input()).
  std::vector<double> max_input_row_norm;
  /// Per listed d: how many rows the binary32 scores left open, so that the
  /// binary64 scores of the row were computed and filtered (Step C's second arithmetic).
  std::vector<std::size_t> rows_in_binary64;
  /// Per listed d: how many rows both arithmetics left open, so that the d
  /// went to the certifier on the emitted input (0 where a row was refuted
  /// first: a refuted d needs no more rows).
  std::vector<std::size_t> rows_to_certifier;
};

/// Encloses the scale \f$c_d = \sigma_d^2\f$ between the unscaled draws and
/// the ideal entries of R at d: \f$1/d\f$ for the Gaussian and Rademacher laws,
/// \f$3/(d\,m_1^2)\f$ for Achlioptas' (\f$m_1 = \mathrm{fl}(\sqrt 3)\f$, the magnitude at d = 1).
/// \pre d in [1, 2^32).
/// Guarantee: enclosure.
/// Proof page: proofs/audit-one-pass.md
Enclosure nested_scale_enclosure(Projection projection, std::uint64_t d);

/// In which arithmetic the pass's scores \f$\hat U\f$ are accumulated (the
/// proof page's Step C): binary32 first, binary64 for a row binary32 leaves open.
enum class ScoreArithmetic { binary32, binary64 };

/// The per-row bound of the proof page's Statement on
/// \f$|\hat U_{ij} - S_{ij}/c_d|\f$ over every column j:
/// \f$C + (\gamma_k N + \sqrt d\,k\,2^{-1074}) Z + ((\gamma_k(1+\rho)+\rho)(1+\rho)+\rho) N Z + t\f$,
/// t the underflow terms, \f$\rho = 2u/(1-u)\f$, and C Step C's bound: for
/// binary32 (\f$\hat U\f$ the binary32 product of P and G rounded to binary32)
/// the certificate's Step 1' bound (detail::float32_dot_product_error_upper()
/// with no first stage), +infinity for \f$d > 2^{22}\f$, where Step 1' is not
/// proved; for binary64 (the binary64 product of P and G) \f$\gamma_d P Z + d\,2^{-1074}\f$.
/// \param d the dimension; \param k the row's support size
/// \param P \f$\ge \lVert p_i\rVert\f$ (first d computed entries of row i of fl(BG))
/// \param N \f$\ge \sum_{j} |b_{ij}|\,\lVert g_j\rVert\f$; \param beta \f$\ge \sum_j |b_{ij}|\f$
/// \param Z \f$\ge \max_j \lVert g_j\rVert\f$ (first d draws of row j)
/// \param scale nested_scale_enclosure() at d
/// \param arithmetic the arithmetic \f$\hat U\f$ was accumulated in (Step C's two bounds)
/// \pre d, k \f$\ge 1\f$ with (d + k) u < 1/2; the arguments finite and \f$\ge 0\f$; the
///   environment floating_point_environment_problem() accepts.
/// Guarantee: enclosure (upper end), every operation rounded outward.
/// Proof page: proofs/audit-one-pass.md
double nested_score_error_upper(std::uint64_t d, std::size_t k, double P, double N, double beta, double Z,
                                Enclosure scale, ScoreArithmetic arithmetic);

/// An upper bound on the largest-row-norm evaluation of the proof page
/// ("The largest input row norm"): the double input_row_norms() computes for
/// row i of the emitted \f$X^{(d)} = [\,Q^{(d)} \mid R^{(d)}\,]\f$ (sum of the
/// 2d squares, then sqrt) is at most
/// \f$\sqrt{(1+\gamma_{2d})(R_q^2 + R_r^2 + 2d\,2^{-1074})}\f$ with
/// \f$R_r = (1+\rho)\sigma_d G + \sqrt d\,2^{-1074}\f$ and
/// \f$R_q = \sigma_d(P + \gamma_k N + \sqrt d\,k\,2^{-1074}) + a\sigma_d N + \sqrt d\,h\f$.
/// \param d the dimension; \param k the row's support size
/// \param P \f$\ge \lVert p_i\rVert\f$ (first d computed entries of row i of fl(BG))
/// \param N \f$\ge \sum_{j} |b_{ij}|\,\lVert g_j\rVert\f$; \param beta \f$\ge \sum_j |b_{ij}|\f$
/// \param G \f$\ge \lVert g_i\rVert\f$ (first d draws of row i itself)
/// \param scale nested_scale_enclosure() at d
/// \pre as nested_score_error_upper().
/// Guarantee: enclosure (upper end) of the computed double, every operation rounded outward.
/// Proof page: proofs/audit-one-pass.md
double emitted_row_norm_upper(std::uint64_t d, std::size_t k, double P, double N, double beta, double G,
                              Enclosure scale);

/// The certificates of the trial's emitted inputs at every d of
/// `dimensions` (strictly increasing, each in [1, 2^31)), computed in one
/// pass over nested projections: the verdicts of
/// certify_emitted(prepared, emit_input(prepared, d), policy), except where
/// that call alone would be undecided at a limit and the pass decides. Runs on the calling
/// thread, in the reference floating-point environment.
/// \pre prepared from prepare() with its own projection (no given R).
/// Guarantee: certified and refuted are the certificate's proofs about the
///   emitted \f$X^{(d)}\f$ (the same verdicts as certify_emitted() on it,
///   which decides whenever its limits allow); undecided only where
///   certify_emitted() on that \f$X^{(d)}\f$ was undecided.
/// Proof page: proofs/audit-one-pass.md
OnePassResult one_pass_certificates(const PreparedTarget& prepared, const std::vector<std::uint64_t>& dimensions,
                                    const ResourcePolicy& policy);

/// The certificate of the trivial baseline X = [B | I] (d = L, R = I), whose
/// exact scores are B itself: each row decided by the filter with error 0,
/// certify_emitted() on the emitted X when a row is left open.
/// \pre prepared from prepare().
/// Guarantee: as one_pass_certificates(), for the trivial input.
/// Proof page: proofs/audit-one-pass.md
Verdict trivial_certificate(const PreparedTarget& prepared, const ResourcePolicy& policy);

}  // namespace jlattn::audit
