// The sections that judge the emitted instance: Definition 2 row by row with
// Corollary 0 (an evaluation) and the certificate (a proof, or undecided).
#include <cmath>
#include <utility>
#include <vector>

#include "jlattn/explain/sections.hpp"
#include "jlattn/explain/tex_numbers.hpp"

namespace jlattn::walkthrough {

namespace {

// `(j, j')`.
std::string pair_of(std::size_t j, std::size_t j_prime) {
  std::string s = "(";  // appended: GCC 12 warns (-Wrestrict, falsely) on "(" + std::string here
  s += std::to_string(j);
  s += ", ";
  s += std::to_string(j_prime);
  return s + ")";
}

// `$(i, j, j') = (i, j, j')$`.
std::string position(std::size_t i, std::size_t j, std::size_t j_prime) {
  return "$(i, j, j') = (" + std::to_string(i) + ", " + std::to_string(j) + ", " + std::to_string(j_prime) + ")$";
}

// ---------------------------------------------------------------------------
// Section 6, Definition 2 and Corollary 0.

// Row i of the ratio table: eps_i and l-gamma_i, their checks and where they are attained.
std::vector<std::string> ratio_row(const SectionContext& x, std::size_t i) {
  const RowApproximation& a = x.w.rows[i];
  const std::size_t k_i = support_size(x.w.A, i);
  const bool full_row = k_i == x.L;
  return {integer(i), integer(k_i), num(a.eps_i), check_mark(a.eps_i <= x.eps),
          k_i > 1 ? pair_of(a.r1_j, a.r1_j_prime) : "—",
          cell(a.log_gamma_i), full_row ? "0" : num(std::exp(a.log_gamma_i)),
          check_mark(a.log_gamma_i <= std::log(x.gamma)),
          full_row ? "—" : pair_of(a.r2_j, a.r2_j_prime)};
}

void ratio_table(Document& doc, const SectionContext& x) {
  std::vector<std::vector<std::string>> rows;
  for (std::size_t i = 0; i < x.L; ++i) rows.push_back(ratio_row(x, i));
  doc.table({"$i$", "$k_i$", "$\\varepsilon_i$", "R1", "at $(j, j')$", "$\\ell\\gamma_i$", "$e^{\\ell\\gamma_i}$",
             "R2", "at $(j, j')$"},
            std::move(rows));
}

// ---------------------------------------------------------------------------
// Section 7, the certificate.

// What the verdict says, and what it does not.
std::string verdict_paragraph(const Certificate& cert, const std::string& pair) {
  switch (cert.verdict) {
    case Verdict::certified:
      return "**Certified:** $\\mathrm{softmax}_{\\rm rows}(S)$ of the emitted matrices " + pair +
             "-approximates $A$. This is a proof about this one instance, relying only on the correctness of the "
             "certifier; it says nothing about other draws of $R$.";
    case Verdict::refuted:
      return "**Refuted:** $\\mathrm{softmax}_{\\rm rows}(S)$ of the emitted matrices does not " + pair +
             "-approximate $A$. This is a proof about this one instance; it says nothing about other draws of "
             "$R$ or a larger $d$.";
    case Verdict::undecided:
      return "**Undecided:** the certifier could neither prove nor refute that $\\mathrm{softmax}_{\\rm rows}(S)$ " +
             pair + "-approximates $A$ within its limits (" + cert.undecided_reason +
             "). This is not a verdict either way.";
  }
  return {};
}

// The refuting witness: where a condition fails and the enclosure of its margin.
void witness_paragraph(Document& doc, const CertifiedWitness& x) {
  doc.paragraph("**Witness:** condition " + to_string(x.condition) + " fails at " + position(x.i, x.j, x.j_prime) +
                ": " +
                (x.condition == Condition::R1 ? "$\\ln(M_{ij}/M_{ij'}) - \\ln(A_{ij}/A_{ij'}) - \\varepsilon"
                                              : "$\\ln(M_{ij}/M_{ij'}) - \\ln\\gamma") +
                " \\in " + tex_enclosure(x.margin) + "$, an interval of positive numbers (the margin by which "
                "the condition is violated). The certificate names the smallest row with a violation; the "
                "evaluation below names the worst one.");
}

// eps-hat and gamma-hat: the certificate's enclosures beside the evaluation.
void enclosure_table(Document& doc, const Certificate& cert, const ApproximationEvaluation& ev) {
  doc.table({"", "certificate: rigorous enclosure", "evaluation (double precision)"},
            {{"$\\hat\\varepsilon = \\max_i \\varepsilon_i$", inline_math(tex_enclosure(cert.eps_hat)),
              inline_math(tex(ev.eps_hat))},
             {"$\\hat\\gamma = \\exp(\\max_i \\ell\\gamma_i)$", inline_math(tex_enclosure(cert.gamma_hat)),
              inline_math(tex(ev.gamma_hat))}});
  if (std::isinf(cert.eps_hat.upper) || std::isinf(cert.gamma_hat.upper))
    doc.paragraph("An upper end $\\infty$ is true but uninformative: the certifier stops working on a row once the row "
                  "is refuted (or a limit is hit), so some row's value was never bounded from above; the verdict does "
                  "not need it.");
}

// How many rows the filter, the exact pass and neither decided, and whether the filter ran.
std::string rows_decided(const Certificate& cert) {
  std::string rows = "Of the $L = " + integer(cert.rows) + "$ rows, " + integer(cert.rows_filter) +
                     " were decided by the filter and " + integer(cert.rows_exact) + " by the exact pass";
  if (cert.rows_exact > 0) rows += " (interval precision up to " + std::to_string(cert.max_precision_used) + " bits)";
  if (cert.rows_undecided > 0) rows += "; " + integer(cert.rows_undecided) + " were left undecided";
  const std::size_t open = cert.rows - cert.rows_filter - cert.rows_exact - cert.rows_undecided;
  if (open > 0) rows += "; the other " + integer(open) + " were not needed once a row was refuted";
  rows += ".";
  if (!cert.filter_used) rows += " The filter was not used";
  if (!cert.filter_note.empty()) rows += (cert.filter_used ? " Filter: " : ": ") + cert.filter_note + ".";
  else if (!cert.filter_used) rows += ".";
  return rows;
}

// The evaluation of section 6 against the certificate: agreeing, disagreeing or unconfirmed.
std::string evaluation_paragraph(const Certificate& cert, const ApproximationEvaluation& ev) {
  std::string e = "**Evaluation (double precision, not a certificate):** section 6 found that "
                  "$\\mathrm{softmax}_{\\rm rows}(S)$ **" + std::string(ev.approximates() ? "approximates" :
                  "does not approximate") + "** $A$, with $\\hat\\varepsilon = " + tex(ev.eps_hat) +
                  "$ and $\\hat\\gamma = " + tex(ev.gamma_hat) + "$";
  if (ev.witness)
    e += " (condition " + to_string(ev.witness->condition) + " fails at " +
         position(ev.witness->i, ev.witness->j, ev.witness->j_prime) + " by " + num(ev.witness->excess) + ")";
  e += ". That is a measurement, which a rounding error next to a threshold could flip. ";
  const bool decided = cert.verdict != Verdict::undecided;
  const bool agree = (cert.verdict == Verdict::certified) == ev.approximates();
  if (!decided)
    return e + "Here the certificate does not decide it, so the evaluation stays what it is: not known to be right.";
  if (agree) return e + "Here the certificate agrees with it, and the certificate is the proof.";
  return e + "Here the certificate **disagrees** with it: the evaluation sat within rounding error of a threshold, "
             "and the certificate is the one that is proved.";
}

}  // namespace

void definition2_section(Document& doc, const SectionContext& x) {
  doc.heading(2, "6. The ratio checks, row by row (Definition 2)");
  doc.paragraph(x.proof_link("Definition 2", "definition2-approximation.md") + ": $M = \\mathrm{softmax}_{\\rm "
                "rows}(S)$ $(\\varepsilon, \\gamma)$-approximates $A$ when in every row (R1) the support ratios of "
                "$M$ match those of $A$ within $e^{\\pm\\varepsilon}$ and (R2) every off-support entry is at most "
                "$\\gamma$ times every support entry. The softmax denominator cancels in every ratio, so $S_{ij}$ "
                "stands for $\\ln M_{ij}$, and per row two numbers decide it:");
  doc.math("\\varepsilon_i = \\max_{j \\in \\mathrm{supp}_i} (S_{ij} - \\ln A_{ij}) - \\min_{j \\in \\mathrm{supp}_i} "
           "(S_{ij} - \\ln A_{ij}) \\le \\varepsilon, \\qquad \\ell\\gamma_i = \\max_{j \\notin \\mathrm{supp}_i} "
           "S_{ij} - \\min_{j' \\in \\mathrm{supp}_i} S_{ij'} \\le \\ln\\gamma = " + tex(std::log(x.gamma)) + ".");
  ratio_table(doc, x);
  const ApproximationEvaluation& e = x.c.evaluation;
  doc.paragraph("Over all rows: $\\hat\\varepsilon = \\max_i \\varepsilon_i = " + tex(e.eps_hat) + "$ (row " +
                integer(e.worst_row_eps) + ")" + (e.r1_holds ? " $\\le$ " : " $>$ ") + "$\\varepsilon = " +
                tex(x.eps) + "$, and $\\hat\\gamma = \\exp(\\max_i \\ell\\gamma_i) = " + tex(e.gamma_hat) +
                "$ (row " + integer(e.worst_row_gamma) + ")" + (e.r2_holds ? " $\\le$ " : " $>$ ") + "$\\gamma = " +
                tex(x.gamma) + "$. (With $k_i = 1$ condition R1 is vacuous; with $k_i = L$ there is nothing off "
                "the support.)");
  doc.paragraph(x.proof_link("Corollary 0", "corollary0-leakage.md") + " reads this in terms of mass: the share of "
                "row $i$'s attention off its support is at most $x_i/(1+x_i)$ with $x_i = (L - k_i)\\hat\\gamma/k_i$; "
                "here at most $" + tex(x.c.leakage_share_upper) + "$ in the worst row. A fixed $\\gamma$ bounds "
                "ratios, not total leakage.");
}

void certificate_section(Document& doc, const SectionContext& x) {
  const Certificate& cert = x.w.verdict.certificate;
  const ApproximationEvaluation& ev = x.w.verdict.evaluation;
  const std::string pair = "$(" + tex(x.eps) + ", " + tex(x.gamma) + ")$";
  doc.heading(2, "7. The certificate of the emitted matrices (certification)");
  doc.paragraph("The theorems say nothing about one emitted draw, and section 6 only measured it. The " +
                x.proof_link("certifier", "certificate.md") + " decides Definition 2 for the stored doubles as a "
                "proof: does $\\mathrm{softmax}_{\\rm rows}(S)$, with $S = (XW_Q)(XW_K)^\\top$ computed in real "
                "arithmetic from the emitted $X$ and the selectors $W_Q = [I_d; 0]$, $W_K = [0; I_d]$ (exact binary "
                "rationals), " + pair + "-approximate $A$? A filter computes $S$ in double precision with a rigorous "
                "error bound for every score and decides each row it can from those enclosures; the rows it cannot "
                "decide get exact rational scores and interval logarithms at rising precision (the exact pass).");
  doc.paragraph(verdict_paragraph(cert, pair));
  if (cert.witness) witness_paragraph(doc, *cert.witness);
  enclosure_table(doc, cert, ev);
  doc.paragraph(rows_decided(cert));
  if (!x.options.check_command.empty()) {
    doc.paragraph("The same $X$ (the same bits) and the same certificate, outside this page:");
    doc.code(x.options.check_command);
  }
  doc.paragraph(evaluation_paragraph(cert, ev));
  doc.paragraph("The words proved, evaluated, certified, refuted and undecided are defined once in " +
                x.contract_link() + "; the certifier's proof is on " + x.proof_link("its page", "certificate.md") +
                ".");
}

}  // namespace jlattn::walkthrough
