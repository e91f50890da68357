/// \file explain.hpp
/// \brief `jlattn explain`: the proof of Theorem 1 walked through on one small
/// target with that instance's real numbers, as Markdown (GitHub-style
/// `$...$` math) or as HTML rendered by a local MathJax.
///
/// The walkthrough follows the map of the proof section by section: the
/// target and its supports (Definition 1), the budget \f$\eta, \Delta\f$
/// (Lemma 2), \f$B\f$ (Lemma 1), \f$R\f$ and the dimension (Lemma 3, Theorems
/// 1 and 2), \f$X\f$ and the scores \f$S\f$ with the error \f$|S - B|\f$
/// against \f$\eta\f$ (Lemma 4, Lemma 2), the ratio checks row by row
/// (Definition 2, Corollary 0) and the certificate of the emitted matrices
/// (certified / refuted / undecided, proofs/certificate.md), with the
/// double-precision evaluation beside it. Every section links to its page in
/// proofs/.
///
/// Proof page: proofs/README.md
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "jlattn/certify/certificate.hpp"
#include "jlattn/pipeline/construction.hpp"
#include "jlattn/proof/definition1_target.hpp"
#include "jlattn/proof/definition2_approximation.hpp"
#include "jlattn/core/matrix.hpp"

namespace jlattn {

/// The largest number of tokens a walkthrough accepts: it prints
/// \f$L \times L\f$ matrices and a table row per token.
inline constexpr std::size_t kExplainMaxTokens = 32;

/// Up to this many tokens the walkthrough prints the full matrices A, B, S and
/// S - B; above it, per-row summaries.
inline constexpr std::size_t kExplainFullMatrixTokens = 12;

/// Up to this many columns of R (and of the Gram matrix check) are printed.
inline constexpr std::size_t kExplainProjectionColumns = 6;

/// The last section: what is known about the emitted instance as a whole.
/// The certificate is certify_emitted() on the stored X (Lemma 4's
/// selectors, never materialised, unscaled scores) within the policy's
/// limits, by default those of `jlattn certify`, so it is what `jlattn
/// certify --lemma4` says about the same X. The double-precision evaluation of
/// Definition 2 (Construction::evaluation) is shown next to it and labelled
/// as an evaluation.
struct WalkthroughVerdict {
  Certificate certificate;              ///< the verdict with rigorous enclosures (proofs/certificate.md)
  ApproximationEvaluation evaluation;   ///< the double-precision evaluation (a measurement, not a proof)
};

/// Everything the walkthrough prints, computed once from the instance.
struct Walkthrough {
  Construction construction;           ///< the construction at the chosen d (X, d*, evaluation ...)
  Matrix A;                            ///< the target, dense (L x L)
  Matrix B;                            ///< Lemma 1, dense (L x L)
  Matrix S;                            ///< \f$S = (XW_Q)(XW_K)^\top = BRR^\top\f$ (L x L)
  Matrix R_head;                       ///< the first min(d, kExplainProjectionColumns) columns of R
  std::vector<double> row_norm2;       ///< \f$\|b_i\|_2\f$
  std::vector<double> row_norm1;       ///< \f$\|b_i\|_1\f$
  std::vector<double> row_error;       ///< \f$\max_j |S_{ij} - B_{ij}|\f$
  std::vector<RowApproximation> rows;  ///< Definition 2, row by row
  double c_tau = 0.0;                  ///< \f$c(\tau)\f$ of Lemma 3
  double union_bound = 0.0;            ///< \f$4L^2 e^{-d\,c(\tau)}\f$ at the d used (Theorem 1)
  double mu = 0.0;                     ///< \f$\mu(R) = \max |RR^\top - I|\f$ (Theorem 2)
  /// Theorem 3's \f$d_{\rm chernoff}\f$ for this target's own B (chernoff_dimension()):
  /// a proved integer for Gaussian R, whatever the projection used.
  DimensionBound d_chernoff;
  double max_relative_error = 0.0;     ///< \f$\max_{ij} |S_{ij} - B_{ij}| / \|b_i\|_2\f$ (Lemma 3's event is \f$\le\tau\f$)
  bool row_minimum_is_Delta = true;    ///< every row of B has minimum exactly \f$\Delta\f$ on its support
  WalkthroughVerdict verdict;
};

/// How a walkthrough is written.
struct WalkthroughOptions {
  /// Shown as the target's name ("A.mtx", "the built-in demo target").
  std::string target_name = "A";
  /// The command that regenerates the document, shown verbatim.
  std::string command;
  /// A command that rebuilds the same X and certifies it outside the page
  /// (`jlattn construct ... && jlattn certify --lemma4 ...`, or `jlattn
  /// demo`), shown verbatim in the certificate section; empty: none.
  std::string check_command;
  /// Prefix of links to the proof pages (a relative path ending in '/', or a URL).
  std::string proofs_prefix = "../proofs/";
  /// The MathJax 2 script the HTML loads (Debian: libjs-mathjax).
  std::string mathjax_url = "file:///usr/share/javascript/mathjax/MathJax.js";
};

/// Runs the theorem on A through the library (prepare(), then
/// construct_and_certify(), construction.hpp) and collects what the
/// walkthrough prints, with Theorem 3's \f$d_{\rm chernoff}\f$ for A
/// (chernoff_dimension()) to show beside \f$d^*\f$. The dimension is the parameters' rule, as in
/// `jlattn construct`; the command line's default for the walkthrough is
/// Theorem 1's \f$d^*\f$ (BoundChoice::d_star), since the page follows Theorem 1's proof.
/// \pre A a Definition 1 target with \f$L \le\f$ kExplainMaxTokens; parameters as
///      validate() requires.
/// \throws InputError when L is above kExplainMaxTokens (the message says
///   which command to use instead) or a parameter is out of range.
/// Guarantee: the numbers are construct()'s (X the same bits; everything
///   else a double-precision evaluation, not a certificate), except
///   `verdict.certificate`, which is certify_emitted()'s: a proof about the
///   stored X (certified or refuted) or an honest undecided, with enclosures.
Walkthrough explain(const Target& A, const ConstructionParameters& parameters, const ResourcePolicy& policy = {});

/// The walkthrough as Markdown with GitHub-style `$...$` / `$$...$$` math:
/// the sections of sections.hpp (walkthrough_document()) rendered by
/// render_markdown.hpp.
/// \pre w from explain().
/// Guarantee: a pure function of its arguments; the numbers are explain()'s
///   (evaluations, labelled so on the page) and the certificate's enclosures
///   printed rounded outward.
/// Proof page: proofs/README.md
std::string walkthrough_markdown(const Walkthrough& w, const WalkthroughOptions& options);

/// The walkthrough as one HTML page whose formulas MathJax renders from
/// `options.mathjax_url` (no network when that is a local file), with a
/// notice saying how to get MathJax where it does not load: the same
/// document as walkthrough_markdown(), rendered by render_html.hpp.
/// \pre w from explain().
/// Guarantee: as walkthrough_markdown(); the page loads no script file but
///   `options.mathjax_url` (its other scripts are inline).
/// Proof page: proofs/README.md
std::string walkthrough_html(const Walkthrough& w, const WalkthroughOptions& options);

}  // namespace jlattn
