// The sections about one draw of R: Lemma 3 with Theorems 1 and 2 (R and the
// dimension d) and Lemma 4 (the input X and the scores S).
#include <cmath>
#include <utility>
#include <vector>

#include "jlattn/explain/sections.hpp"
#include "jlattn/explain/tex_numbers.hpp"

namespace jlattn::walkthrough {

namespace {

// ---------------------------------------------------------------------------
// Section 4, Lemma 3 and Theorems 1 and 2.

// Which d was used, and what Theorem 1 says at it.
std::string dimension_used(const SectionContext& x) {
  const Construction& c = x.c;
  std::string used = "The dimension actually used is $d = " + integer(c.d) + "$";
  if (c.trivial)
    return used + " with $R = I_L$: the trivial baseline $d = L$, which works exactly ($X = [B \\mid I]$, $S = B$ "
                  "up to rounding) and is outside the theorem.";
  if (c.d >= c.d_star)
    return used + (c.d == c.d_star ? ", Theorem 1's $d^*$ (the default)." : ", at least $d^*$.") +
           " For an ideal $R$ the union bound at this $d$ is $4L^2 e^{-d\\,c(\\tau)} = " + tex(x.w.union_bound) +
           " \\le \\delta = " + tex(x.parameters.delta) + "$: the construction works with probability at least "
           "$1 - \\delta$.";
  return used + ", **below** Theorem 1's $d^* = " + std::to_string(c.d_star) + "$ (chosen with `--d`). At this $d$ "
         "the union bound is $4L^2 e^{-d\\,c(\\tau)} = " + tex(x.w.union_bound) + " > \\delta$, so Theorem 1 "
         "promises nothing (the sharper proved dimensions that `jlattn bound` lists may still cover it): what "
         "follows is what this one draw of $R$ happens to do.";
}

// Theorem 3 for this target, beside d*: the exact law of each score error (Gaussian R).
std::string d_chernoff_sentence(const SectionContext& x) {
  const DimensionBound& b = x.w.d_chernoff;
  const std::string theorem = x.proof_link("Theorem 3", "chernoff-bound.md");
  if (!b.computed || b.exceeds_2_64)
    return theorem + "'s $d_{\\rm chernoff}$ for this target is not available here: " +
           (b.note.empty() ? std::string("it exceeds $2^{64}$.") : b.note + ".");
  return "Beside it, " + theorem + " bounds each event of this target's own $B$ by the exact law of its score "
         "error for Gaussian $R$ (a Chernoff bound, union over the events): $d_{\\rm chernoff} = " +
         std::to_string(b.d) + "$ (proved with MPFR/MPFI enclosures; Gaussian $R$ only), against $d^* = " +
         std::to_string(x.c.d_star) + "$. For Gaussian $R$, `--d auto` takes the smaller of it and the class bounds that `jlattn bound` lists.";
}

// Theorem 2: one draw for every target of the class, when mu(R) <= tau_u.
void theorem2_paragraph(Document& doc, const SectionContext& x) {
  const Construction& c = x.c;
  const double mu = x.w.mu;
  doc.paragraph(x.proof_link("Theorem 2", "theorem2-all-targets.md") + " (one draw for every target with row "
                "sparsity $\\le k$ and range $\\le \\rho$) needs $\\mu(R) = \\max_{l,j} \\lvert (RR^\\top - I)_{lj} "
                "\\rvert \\le \\tau_u = \\eta / (k\\Delta + (k-1)\\rho) = " + tex(c.tau_u) + "$, which holds with "
                "probability $\\ge 1 - \\delta$ at $d^*_u = " + std::to_string(c.d_star_u) + "$. This draw has "
                "$\\mu(R) = " + tex(mu) + (mu <= c.tau_u ? " \\le \\tau_u$: it serves every such target." :
                                           " > \\tau_u$: Theorem 2's checkable condition fails for this "
                                           "draw, so it is not known to serve all targets at once (Theorem 1 asks "
                                           "less)."));
}

// The first kExplainProjectionColumns columns of R.
void projection_table(Document& doc, const SectionContext& x) {
  const auto shown = static_cast<std::size_t>(x.w.R_head.cols());
  const bool cut = shown < x.c.d;
  std::vector<std::string> header = {"$i$"};
  for (std::size_t j = 0; j < shown; ++j) header.push_back("$R_{i," + std::to_string(j) + "}$");
  if (cut) header.push_back("…");
  std::vector<std::vector<std::string>> rows;
  for (std::size_t i = 0; i < x.L; ++i) {
    std::vector<std::string> row = {integer(i)};
    for (std::size_t j = 0; j < shown; ++j)
      row.push_back(num(x.w.R_head(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)), 4));
    if (cut) row.push_back("…");
    rows.push_back(std::move(row));
  }
  doc.paragraph("$R$ is $" + integer(x.L) + " \\times " + integer(x.c.d) + "$" +
                (cut ? "; its first " + integer(shown) + " columns" : "") + " (seed " +
                std::to_string(x.parameters.seed) + ", the same bits on every platform):");
  doc.table(std::move(header), std::move(rows));
}

// ---------------------------------------------------------------------------
// Section 5, Lemma 4.

// Input norms, the largest score error per row and that error relative to ||b_i||_2.
void score_error_table(Document& doc, const SectionContext& x) {
  const Walkthrough& w = x.w;
  std::vector<std::vector<std::string>> rows;
  for (std::size_t i = 0; i < x.L; ++i)
    rows.push_back({integer(i), num(x.c.input_row_norms[i]), num(std::sqrt(w.row_norm2[i] * w.row_norm2[i] + 1)),
                    num(w.row_error[i]), num(w.row_error[i] / w.row_norm2[i])});
  doc.paragraph("Row by row: the input norms (about $\\sqrt{\\lVert b_i \\rVert^2 + 1}$, bounded independently "
                "of $L$), the largest score error, and that error relative to $\\lVert b_i \\rVert_2$, which the "
                "event of Theorem 1's proof keeps below $\\tau = " + tex(x.c.tau) + "$:");
  doc.table({"$i$", "$\\lVert x_i \\rVert_2$", "$\\sqrt{\\lVert b_i \\rVert_2^2 + 1}$",
             "$\\max_j \\lvert S_{ij} - B_{ij} \\rvert$", "$\\max_j \\lvert S_{ij} - B_{ij} \\rvert / \\lVert b_i \\rVert_2$"},
            std::move(rows));
}

// Lemma 2's hypothesis max |S - B| <= eta on this draw.
void lemma2_hypothesis_paragraph(Document& doc, const SectionContext& x) {
  const double error = x.c.max_score_error;
  const bool holds = error <= x.eta;
  doc.paragraph(std::string("**Lemma 2's hypothesis on this draw:** $\\max_{i,j} \\lvert S_{ij} - B_{ij} \\rvert = ") +
                tex(error) + (holds ? " \\le " : " > ") + "\\eta = " + tex(x.eta) + "$ " + check_mark(holds) + ". " +
                (holds ? "So Lemma 2 already implies the $(\\varepsilon, \\gamma)$-approximation; the next section "
                         "checks it directly."
                       : "Lemma 2 does not apply to this draw; the ratios may still satisfy Definition 2, which the "
                         "next section checks directly.") +
                " (Relative to the row norms the largest error is $" + tex(x.w.max_relative_error) +
                (x.w.max_relative_error <= x.c.tau ? " \\le" : " >") + " \\tau$.)");
}

}  // namespace

void lemma3_theorems_section(Document& doc, const SectionContext& x) {
  const Construction& c = x.c;
  doc.heading(2, "4. The projection R and the dimension d (Lemma 3, Theorems 1 and 2)");
  doc.paragraph(x.proof_link("Lemma 3", "lemma3-jl-projection.md") + " (Johnson–Lindenstrauss for inner products): "
                "for $R \\in \\mathbb{R}^{L \\times d}$ with i.i.d. $N(0, 1/d)$ (or Rademacher, or Achlioptas) "
                "entries, $\\lvert \\langle R^\\top u, R^\\top v \\rangle - \\langle u, v \\rangle \\rvert > \\tau "
                "\\lVert u \\rVert \\lVert v \\rVert$ has probability at most $4 e^{-d\\,c(\\tau)}$, "
                "$c(\\tau) = (\\tau^2/2 - \\tau^3/3)/2$. " + x.proof_link("Theorem 1", "theorem1-one-target.md") +
                " applies it to the $L^2$ pairs $(b_i, e_j)$ with");
  doc.math("\\tau = \\frac{\\eta}{\\beta} = \\frac{" + tex(x.eta) + "}{" + tex(c.beta_sharp_class) + "} = " +
           tex(c.tau) + ", \\qquad c(\\tau) = " + tex(x.w.c_tau) + ",");
  doc.paragraph("and the union bound gives the dimension");
  doc.math("d^* = \\left\\lceil \\frac{2\\ln(4L^2/\\delta)}{\\tau^2/2 - \\tau^3/3} \\right\\rceil = "
           "\\left\\lceil \\frac{2\\ln(4 \\cdot " + integer(x.L * x.L) + " / " + tex(x.parameters.delta) + ")}{" +
           tex(2 * x.w.c_tau) + "} \\right\\rceil = " + std::to_string(c.d_star) + ".");
  doc.paragraph(d_chernoff_sentence(x));
  doc.paragraph(dimension_used(x));
  doc.paragraph(std::string("The trivial $d = L = ") + integer(x.L) + "$ always works; " +
                (c.d_star > x.L ? "here $d^*$ is far above it, as it is at every small $L$: the theorem's "
                                  "$d = O(\\log L)$ wins only for large $L$."
                                : "here $d^*$ is below it."));
  theorem2_paragraph(doc, x);
  projection_table(doc, x);
}

void lemma4_section(Document& doc, const SectionContext& x) {
  doc.heading(2, "5. The input X and the scores S (Lemma 4)");
  doc.paragraph(x.proof_link("Lemma 4", "lemma4-adaptive-input.md") + " fixes the parameters once, "
                "$W_Q = [I_d; 0]$ and $W_K = [0; I_d]$ (stacked: $2d \\times d$ each, depending on $d$ alone), and "
                "puts the target into the input "
                "$X = [\\,BR \\mid R\\,]$ ($" + integer(x.L) + " \\times " + integer(2 * x.c.d) + "$). Then "
                "$XW_Q = BR$, $XW_K = R$ and");
  doc.math("S = (XW_Q)(XW_K)^\\top = B R R^\\top, \\qquad S_{ij} = \\langle R^\\top b_i, R^\\top e_j \\rangle, "
           "\\qquad \\mathbb{E}[S] = B .");
  if (x.full) {
    doc.paragraph("The scores of this draw:");
    matrix_table(doc, x.w.S, false, x.w.A);
    doc.paragraph("and their error against $B$, $S - B$:");
    const Matrix E = x.w.S - x.w.B;
    matrix_table(doc, E, false, x.w.A);
  }
  score_error_table(doc, x);
  lemma2_hypothesis_paragraph(doc, x);
}

}  // namespace jlattn::walkthrough
