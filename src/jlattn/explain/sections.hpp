/// \file sections.hpp
/// \brief The walkthrough's sections, one function each, in the order of
/// the proof's map: the preamble, the target and its supports (Definition
/// 1), the budget (Lemma 2), B (Lemma 1), R and d (Lemma 3, Theorems 1 and
/// 2), X and S (Lemma 4), the ratio checks (Definition 2, Corollary 0) and
/// the certificate of the emitted matrices. walkthrough_document() writes
/// them all; the renderers (render_markdown.hpp, render_html.hpp) turn the
/// document into a page.
///
/// Every section writes one level-2 heading (the preamble: the level-1
/// title) and links to its proof page. The numbers of sections 1 to 6 are
/// the walkthrough's double-precision evaluations and are labelled so in
/// the preamble; section 7 prints the certificate's enclosures rounded
/// outward (tex_numbers.hpp).
///
/// Proof page: proofs/README.md
#pragma once

#include <cstddef>
#include <string>

#include "jlattn/core/matrix.hpp"
#include "jlattn/explain/document.hpp"
#include "jlattn/explain/explain.hpp"

namespace jlattn::walkthrough {

/// What every section reads: the walkthrough and its options, and the
/// quantities several sections share.
struct SectionContext {
  /// \pre w from explain(); both outlive the context.
  SectionContext(const Walkthrough& w, const WalkthroughOptions& options);

  const Walkthrough& w;
  const WalkthroughOptions& options;
  const Construction& c;                    ///< w.construction
  const ConstructionParameters& parameters; ///< the construction's parameters
  std::size_t L = 0;                        ///< tokens
  bool full = false;                        ///< L <= kExplainFullMatrixTokens: full matrices are printed
  double eps = 0, gamma = 0;                ///< Definition 2's tolerances
  double eta = 0, Delta = 0;                ///< Lemma 2's budget

  /// A link to a page of proofs/: `[text](prefix + page)`.
  std::string proof_link(const std::string& text, const std::string& page) const;
  /// The link to docs/contract.md, relative to the proofs prefix (a prefix
  /// ending in `proofs/` is replaced by `docs/`, any other gets `../docs/`).
  std::string contract_link() const;
};

/// The whole walkthrough: the preamble and sections 1 to 7 in order.
/// \pre w from explain().
/// Guarantee: a pure function of its arguments (numbers as each section says).
/// Proof page: proofs/README.md
Document walkthrough_document(const Walkthrough& w, const WalkthroughOptions& options);

/// The title, how the page was made and how to regenerate it, what is
/// proved, evaluated and certified, and the table of parameters.
/// \pre x from explain()'s walkthrough.
/// Guarantee: a pure function of x.
/// Proof page: proofs/README.md
void preamble(Document& doc, const SectionContext& x);

/// Section 1: the target, its supports, k, rho and the column counts.
/// \pre as preamble(). Guarantee: a pure function of x (evaluations).
/// Proof page: proofs/definition1-target.md
void definition1_section(Document& doc, const SectionContext& x);

/// Section 2: the budget eta = eps/2 and the gap Delta = ln(1/gamma) + eps.
/// \pre as preamble(). Guarantee: a pure function of x (evaluations).
/// Proof page: proofs/lemma2-score-error.md
void lemma2_section(Document& doc, const SectionContext& x);

/// Section 3: B, its row minima (exactly Delta), its support range and its
/// row norms against Lemma 1's bounds.
/// \pre as preamble(). Guarantee: a pure function of x (evaluations).
/// Proof page: proofs/lemma1-log-transform.md
void lemma1_section(Document& doc, const SectionContext& x);

/// Section 4: tau, c(tau), d*, the d used and the union bound there,
/// Theorem 2's mu(R) against tau_u, and the first columns of R.
/// \pre as preamble(). Guarantee: a pure function of x (evaluations).
/// Proof page: proofs/lemma3-jl-projection.md
/// Proof page: proofs/theorem1-one-target.md
/// Proof page: proofs/theorem2-all-targets.md
void lemma3_theorems_section(Document& doc, const SectionContext& x);

/// Section 5: X = [BR | R], the scores S and their error against B and eta.
/// \pre as preamble(). Guarantee: a pure function of x (evaluations).
/// Proof page: proofs/lemma4-adaptive-input.md
void lemma4_section(Document& doc, const SectionContext& x);

/// Section 6: eps_i and l-gamma_i row by row, eps-hat and gamma-hat, and
/// Corollary 0's leakage bound.
/// \pre as preamble(). Guarantee: a pure function of x (evaluations).
/// Proof page: proofs/definition2-approximation.md
/// Proof page: proofs/corollary0-leakage.md
void definition2_section(Document& doc, const SectionContext& x);

/// Section 7: the certificate's verdict, its witness, its enclosures next
/// to the evaluation, how the rows were decided, the re-check command, and
/// whether the evaluation agrees with the certificate.
/// \pre as preamble(). Guarantee: a pure function of x; the enclosures are
///   the certificate's, printed rounded outward (tex_enclosure()).
/// Proof page: proofs/certificate.md
void certificate_section(Document& doc, const SectionContext& x);

/// The table of a square matrix M (`$i$ / $j$`, then one column per j), 4
/// digits; with blank_zero_off, a zero outside the pattern's support is `·`.
/// \pre pattern has M's shape.
/// Guarantee: a pure function of its arguments.
/// Proof page: proofs/definition1-target.md
void matrix_table(Document& doc, const Matrix& M, bool blank_zero_off, const Matrix& pattern);

/// Row i's support, `j, j', ...` in increasing order.
/// \pre i < A.rows(). Guarantee: exact.
/// Proof page: proofs/definition1-target.md
std::string support_list(const Matrix& A, std::size_t i);

/// k_i: the number of positive entries of row i.
/// \pre i < A.rows(). Guarantee: exact.
/// Proof page: proofs/definition1-target.md
std::size_t support_size(const Matrix& A, std::size_t i);

}  // namespace jlattn::walkthrough
