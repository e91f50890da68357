// The sections about the target before any randomness: Definition 1 (the
// supports), Lemma 2 (the budget) and Lemma 1 (B).
#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "jlattn/explain/sections.hpp"
#include "jlattn/explain/tex_numbers.hpp"
#include "jlattn/proof/lemma1_log_transform.hpp"
#include "jlattn/proof/lemma2_score_error.hpp"

namespace jlattn::walkthrough {

namespace {

// ---------------------------------------------------------------------------
// Section 1, Definition 1.

// Row i of the supports table: i, supp_i, k_i, (the entries,) a_i and the row's range.
std::vector<std::string> support_row(const SectionContext& x, std::size_t i) {
  const Matrix& A = x.w.A;
  double lo = std::numeric_limits<double>::infinity(), hi = 0;
  std::string values;
  for (Eigen::Index j = 0; j < A.cols(); ++j) {
    const double a = A(static_cast<Eigen::Index>(i), j);
    if (a > 0) {
      lo = std::min(lo, a);
      hi = std::max(hi, a);
      values += (values.empty() ? "" : ", ") + num(a, 4);
    }
  }
  std::vector<std::string> row = {integer(i), support_list(A, i), integer(support_size(A, i))};
  if (!x.full) row.push_back(values);
  row.push_back(num(lo));
  row.push_back(num(std::log(hi / lo)));
  return row;
}

void supports_table(Document& doc, const SectionContext& x) {
  std::vector<std::vector<std::string>> rows;
  for (std::size_t i = 0; i < x.L; ++i) rows.push_back(support_row(x, i));
  std::vector<std::string> header = {"$i$", "$\\mathrm{supp}_i$", "$k_i$"};
  if (!x.full) header.push_back("$A_{ij}$ on the support");
  header.push_back("$a_i = \\min_j A_{ij}$");
  header.push_back("$\\ln(\\max_j A_{ij} / a_i)$");
  doc.table(std::move(header), std::move(rows));
}

// k, rho and the largest column count (reported, not required: row-only sparsity).
void sparsity_paragraph(Document& doc, const SectionContext& x) {
  std::size_t densest = 0;
  Eigen::Index best = 0;
  for (Eigen::Index j = 0; j < x.w.A.cols(); ++j) {
    const auto count = static_cast<std::size_t>((x.w.A.col(j).array() > 0).count());
    if (count > densest) {
      densest = count;
      best = j;
    }
  }
  doc.paragraph("So the row sparsity is $k = \\max_i k_i = " + integer(x.c.k) + "$ and the dynamic range is "
                "$\\rho = \\max_i \\ln(\\max_j A_{ij} / \\min_j A_{ij}) = " + tex(x.c.rho) + "$. Column counts are "
                "reported, not required: the largest is " + integer(densest) + " (column " + std::to_string(best) +
                ")" + (densest == x.L ? ", a global token that every row attends to" : "") + ".");
}

// ---------------------------------------------------------------------------
// Section 3, Lemma 1.

// Every row's minimum is Delta, and the support entries lie in [Delta, Delta + rho].
void b_range_list(Document& doc, const SectionContext& x) {
  const Matrix& A = x.w.A;
  const Matrix& B = x.w.B;
  double lo = std::numeric_limits<double>::infinity(), hi = 0;
  for (Eigen::Index i = 0; i < B.rows(); ++i)
    for (Eigen::Index j = 0; j < B.cols(); ++j)
      if (A(i, j) > 0) {
        lo = std::min(lo, B(i, j));
        hi = std::max(hi, B(i, j));
      }
  doc.list({std::string("Every row's smallest support entry is exactly $\\Delta$ (the logarithm of $1$ is $0$ in "
                        "floating point): ") +
                (x.w.row_minimum_is_Delta ? "yes, in every row." : "**no** (a bug: please report it)."),
            "Support entries lie in $[\\Delta, \\Delta + \\rho] = [" + tex(x.Delta) + ", " + tex(x.Delta + x.c.rho) +
                "]$: the smallest is " + num(lo) + ", the largest " + num(hi) + "."});
}

// Row i of the norms table: i, k_i, (B on the support,) ||b_i||_2 and beta_sharp(k_i), ||b_i||_1 and its bound.
std::vector<std::string> norm_row(const SectionContext& x, std::size_t i) {
  const auto ii = static_cast<Eigen::Index>(i);
  const std::size_t k_i = support_size(x.w.A, i);
  std::vector<std::string> row = {integer(i), integer(k_i)};
  if (!x.full) {
    std::string values;
    for (Eigen::Index j = 0; j < x.w.B.cols(); ++j)
      if (x.w.A(ii, j) > 0) values += (values.empty() ? "" : ", ") + num(x.w.B(ii, j), 4);
    row.push_back(values);
  }
  row.push_back(num(x.w.row_norm2[i]));
  row.push_back(num(beta_sharp(k_i, x.Delta, x.c.rho)));
  row.push_back(num(x.w.row_norm1[i]));
  row.push_back(num(l1_norm_upper(k_i, x.Delta, x.c.rho)));
  return row;
}

void norms_table(Document& doc, const SectionContext& x) {
  std::vector<std::vector<std::string>> rows;
  for (std::size_t i = 0; i < x.L; ++i) rows.push_back(norm_row(x, i));
  std::vector<std::string> header = {"$i$", "$k_i$"};
  if (!x.full) header.push_back("$B_{ij}$ on the support");
  for (const char* h : {"$\\lVert b_i \\rVert_2$", "$\\beta_\\sharp(k_i)$", "$\\lVert b_i \\rVert_1$",
                        "$k_i\\Delta + (k_i - 1)\\rho$"})
    header.push_back(h);
  doc.paragraph("The norms of the rows $b_i$ of $B$ against Lemma 1's bounds "
                "$\\beta_\\sharp(k_i) = \\sqrt{\\Delta^2 + (k_i - 1)(\\Delta + \\rho)^2}$ and "
                "$k_i \\Delta + (k_i - 1)\\rho$:");
  doc.table(std::move(header), std::move(rows));
}

}  // namespace

void definition1_section(Document& doc, const SectionContext& x) {
  doc.heading(2, "1. The target and its supports (Definition 1)");
  doc.paragraph("A target is a non-negative $L \\times L$ matrix with a positive entry in every row (" +
                x.proof_link("Definition 1", "definition1-target.md") + "). Row $i$'s support is "
                "$\\mathrm{supp}_i = \\lbrace j : A_{ij} > 0 \\rbrace$, with $k_i$ elements. This target has $L = " +
                integer(x.L) + "$ tokens and " + integer(static_cast<std::size_t>((x.w.A.array() > 0).count())) +
                " positive entries" + (x.full ? ":" : " (the full matrix is printed up to $L = " +
                integer(kExplainFullMatrixTokens) + "$; here, the supports):"));
  if (x.full) matrix_table(doc, x.w.A, false, x.w.A);
  supports_table(doc, x);
  sparsity_paragraph(doc, x);
}

void lemma2_section(Document& doc, const SectionContext& x) {
  doc.heading(2, "2. The budget eta and the gap Delta (Lemma 2)");
  doc.paragraph(x.proof_link("Lemma 2", "lemma2-score-error.md") + " turns an entrywise score error into a ratio "
                "error: if $\\lvert S_{ij} - B_{ij} \\rvert \\le \\eta$ for all $i, j$, then "
                "$\\mathrm{softmax}_{\\rm rows}(S)$ $(2\\eta, e^{-\\Delta + 2\\eta})$-approximates $A$. The program "
                "chooses");
  if (!x.parameters.gap_Delta) {
    doc.math("\\eta = \\frac{\\varepsilon}{2} = " + tex(x.eta) + ", \\qquad \\Delta = \\ln\\frac{1}{\\gamma} + "
             "\\varepsilon \\text{ rounded up to a double} = " + tex(x.Delta) + ",");
    doc.paragraph("so that $2\\eta = \\varepsilon = " + tex(x.eps) + "$ and $e^{-\\Delta + 2\\eta} \\le \\gamma = " +
                  tex(x.gamma) + "$ (with equality for the real number $\\ln(1/\\gamma) + \\varepsilon$; rounding "
                  "up keeps the inequality, as Lemma 2 allows any larger gap): the rest of the construction only has "
                  "to make $S$ entrywise $\\eta$-close to the matrix $B$ of the next section.");
    return;
  }
  // --gap-Delta: a larger gap than Lemma 2's (proofs/chernoff-bound.md, "The gap Delta").
  doc.math("\\eta = \\frac{\\varepsilon}{2} = " + tex(x.eta) + ", \\qquad \\Delta = " + tex(x.Delta) +
           " \\ge \\ln\\frac{1}{\\gamma} + \\varepsilon \\text{ rounded up} = " + tex(lemma2_gap_Delta(x.eps, x.gamma)) + ",");
  doc.paragraph("the gap given with `--gap-Delta`, so that $2\\eta = \\varepsilon = " + tex(x.eps) +
                "$ and $e^{-\\Delta + 2\\eta} \\le \\gamma = " + tex(x.gamma) + "$: the rest of the construction only "
                "has to make $S$ entrywise $\\eta$-close to the matrix $B$ of the next section. A gap above Lemma "
                "2's scales $B$ up, so the proved dimensions may fall while the input norms grow (" +
                x.proof_link("the gap trade-off", "chernoff-bound.md") + ").");
}

void lemma1_section(Document& doc, const SectionContext& x) {
  doc.heading(2, "3. The log transform B (Lemma 1)");
  doc.paragraph(x.proof_link("Lemma 1", "lemma1-log-transform.md") + " sets, with $a_i = \\min_{j \\in "
                "\\mathrm{supp}_i} A_{ij}$,");
  doc.math("B_{ij} = \\Delta + \\ln\\frac{A_{ij}}{a_i} \\quad (j \\in \\mathrm{supp}_i), \\qquad B_{ij} = 0 "
           "\\quad (j \\notin \\mathrm{supp}_i),");
  doc.paragraph("so $B_{ij} - B_{ij'} = \\ln(A_{ij}/A_{ij'})$ on the support and every support entry is at least "
                "$\\Delta$ above every off-support entry: $\\exp(B)$ is a row-rescaled copy of $A$ with gap "
                "$e^{-\\Delta}$." + std::string(x.full ? " Here ($\\cdot$ marks $0$ off the support):" : ""));
  if (x.full) matrix_table(doc, x.w.B, true, x.w.A);
  b_range_list(doc, x);
  norms_table(doc, x);
  doc.paragraph("Theorem 1 uses the class bound $\\beta = \\beta_\\sharp(k) = " + tex(x.c.beta_sharp_class) +
                "$ (this instance's largest row norm is " + num(x.c.beta_instance) + ").");
}

}  // namespace jlattn::walkthrough
