#include "jlattn/explain/explain.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "jlattn/certify/certificate.hpp"
#include "jlattn/proof/corollary0_leakage.hpp"
#include "jlattn/core/errors.hpp"
#include "jlattn/core/format.hpp"
#include "jlattn/proof/lemma1_log_transform.hpp"
#include "jlattn/proof/lemma3_jl_projection.hpp"
#include "jlattn/proof/lemma2_score_error.hpp"
#include "jlattn/proof/lemma4_adaptive_input.hpp"
#include "jlattn/proof/theorem1_one_target.hpp"
#include "jlattn/proof/theorem2_all_targets.hpp"

namespace jlattn {

namespace {

// ---------------------------------------------------------------------------
// Number formatting (core/format.hpp), with zero printed unsigned.

std::string num(double x, int digits = 6) { return x == 0 ? "0" : format_digits(x, digits); }

/// A printed number in TeX: exponents as \cdot 10^{n}.
std::string tex_of(const std::string& s) {
  const auto e = s.find('e');
  if (e == std::string::npos) return s;
  const int exponent = std::stoi(s.substr(e + 1));
  return s.substr(0, e) + " \\cdot 10^{" + std::to_string(exponent) + "}";
}

/// The same number in TeX (exponents as \cdot 10^{n}, infinities as \infty).
std::string tex(double x, int digits = 6) {
  if (std::isinf(x)) return x < 0 ? "-\\infty" : "\\infty";
  return tex_of(num(x, digits));
}

/// x to `digits` significant digits rounded toward -inf (up = false) or +inf
/// (up = true), in TeX: the printed decimal is on the safe side of x, so a
/// printed enclosure still contains what x's enclosure contains.
std::string tex_directed(double x, bool up, int digits = 9) {
  if (std::isinf(x)) return x < 0 ? "-\\infty" : "\\infty";
  if (x == 0) return "0";
  return tex_of(up ? format_upper(x, digits) : format_lower(x, digits));
}

/// An enclosure printed outward: $[\ell, u]$.
std::string tex_enclosure(Enclosure e) {
  return "[" + tex_directed(e.lower, false) + ", " + tex_directed(e.upper, true) + "]";
}

/// A table cell for a number (infinities as the TeX symbol).
std::string cell(double x, int digits = 6) {
  if (std::isinf(x)) return x < 0 ? "$-\\infty$" : "$\\infty$";
  return num(x, digits);
}

std::string integer(std::size_t n) { return std::to_string(n); }

std::string check_mark(bool ok) { return ok ? "✓" : "✗"; }

// ---------------------------------------------------------------------------
// A small document model, rendered as Markdown or as HTML. Inline text uses
// the Markdown subset the renderers share: $math$, `code`, **bold**,
// [text](link).

struct Block {
  enum class Kind { heading, paragraph, math, table, code, list } kind;
  int level = 0;
  std::string text;                              // heading, paragraph, math, code
  std::vector<std::string> header;               // table
  std::vector<std::vector<std::string>> rows;    // table
  std::vector<std::string> items;                // list
};

class Document {
 public:
  void heading(int level, std::string text) { blocks_.push_back({Block::Kind::heading, level, std::move(text), {}, {}, {}}); }
  void paragraph(std::string text) { blocks_.push_back({Block::Kind::paragraph, 0, std::move(text), {}, {}, {}}); }
  void math(std::string tex_source) { blocks_.push_back({Block::Kind::math, 0, std::move(tex_source), {}, {}, {}}); }
  void code(std::string text) { blocks_.push_back({Block::Kind::code, 0, std::move(text), {}, {}, {}}); }
  void list(std::vector<std::string> items) { blocks_.push_back({Block::Kind::list, 0, {}, {}, {}, std::move(items)}); }
  void table(std::vector<std::string> header, std::vector<std::vector<std::string>> rows) {
    blocks_.push_back({Block::Kind::table, 0, {}, std::move(header), std::move(rows), {}});
  }
  const std::vector<Block>& blocks() const { return blocks_; }

 private:
  std::vector<Block> blocks_;
};

// GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens.
std::string slug(const std::string& heading) {
  std::string out;
  for (unsigned char ch : heading) {
    if (std::isalnum(ch)) out += static_cast<char>(std::tolower(ch));
    else if (ch == ' ') out += '-';
    else if (ch == '-' || ch == '_') out += static_cast<char>(ch);
    else if (ch >= 0x80) out += static_cast<char>(ch);  // keep UTF-8 letters as GitHub does
  }
  return out;
}

std::string render_markdown(const Document& doc) {
  std::ostringstream out;
  bool first = true;
  for (const Block& b : doc.blocks()) {
    if (!first) out << "\n";
    first = false;
    switch (b.kind) {
      case Block::Kind::heading: out << std::string(static_cast<std::size_t>(b.level), '#') << ' ' << b.text << "\n"; break;
      case Block::Kind::paragraph: out << b.text << "\n"; break;
      case Block::Kind::math: out << "$$\n" << b.text << "\n$$\n"; break;
      case Block::Kind::code: out << "```sh\n" << b.text << "\n```\n"; break;
      case Block::Kind::list:
        for (const std::string& item : b.items) out << "* " << item << "\n";
        break;
      case Block::Kind::table: {
        out << "|";
        for (const std::string& h : b.header) out << ' ' << h << " |";
        out << "\n|";
        for (std::size_t k = 0; k < b.header.size(); ++k) out << (k == 0 ? " --- |" : " ---: |");
        out << "\n";
        for (const auto& row : b.rows) {
          out << "|";
          for (const std::string& c : row) out << ' ' << c << " |";
          out << "\n";
        }
        break;
      }
    }
  }
  return out.str();
}

std::string html_escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += ch;
    }
  }
  return out;
}

// Inline Markdown subset -> HTML; math becomes \( ... \) for MathJax.
std::string inline_html(const std::string& s) {
  std::string out;
  bool strong = false;
  std::size_t i = 0;
  while (i < s.size()) {
    const char ch = s[i];
    if (ch == '$') {
      const std::size_t end = s.find('$', i + 1);
      if (end != std::string::npos) {
        out += "\\(" + html_escape(s.substr(i + 1, end - i - 1)) + "\\)";
        i = end + 1;
        continue;
      }
    } else if (ch == '`') {
      const std::size_t end = s.find('`', i + 1);
      if (end != std::string::npos) {
        out += "<code>" + html_escape(s.substr(i + 1, end - i - 1)) + "</code>";
        i = end + 1;
        continue;
      }
    } else if (ch == '*' && i + 1 < s.size() && s[i + 1] == '*') {
      out += strong ? "</strong>" : "<strong>";
      strong = !strong;
      i += 2;
      continue;
    } else if (ch == '[') {
      const std::size_t close = s.find("](", i + 1);
      const std::size_t end = close == std::string::npos ? close : s.find(')', close + 2);
      if (end != std::string::npos) {
        out += "<a href=\"" + html_escape(s.substr(close + 2, end - close - 2)) + "\">" +
               inline_html(s.substr(i + 1, close - i - 1)) + "</a>";
        i = end + 1;
        continue;
      }
    }
    out += html_escape(std::string(1, ch));
    ++i;
  }
  if (strong) out += "</strong>";
  return out;
}

std::string render_html(const Document& doc, const std::string& title, const std::string& mathjax_url) {
  std::ostringstream out;
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      << "<title>" << html_escape(title) << "</title>\n"
      << "<style>\n"
      << "body { font-family: sans-serif; max-width: 72em; margin: 2em auto; padding: 0 1em; line-height: 1.45; }\n"
      << "table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; }\n"
      << "th, td { border: 1px solid #bbb; padding: 0.15em 0.5em; text-align: right; }\n"
      << "th:first-child, td:first-child { text-align: left; }\n"
      << "pre { background: #f4f4f4; padding: 0.6em; overflow-x: auto; }\n"
      << "code { background: #f4f4f4; }\n"
      << ".math-note { color: #555; font-size: 0.9em; }\n"
      << "#mathjax-missing { color: #000; background: #fff6d5; border: 1px solid #c90; padding: 0.5em 0.8em; }\n"
      << "</style>\n"
      // MathJax 2.7 (Debian's libjs-mathjax) from a local file: no network.
      << "<script type=\"text/x-mathjax-config\">\n"
      << "MathJax.Hub.Config({ tex2jax: { inlineMath: [['\\\\(', '\\\\)']], displayMath: [['\\\\[', '\\\\]']],"
      << " processEscapes: true }, messageStyle: 'none' });\n"
      << "</script>\n"
      << "<script type=\"text/javascript\" src=\"" << html_escape(mathjax_url) << "?config=TeX-AMS_SVG\"></script>\n"
      << "</head>\n<body>\n"
      << "<noscript><p class=\"math-note\">The formulas on this page are rendered by MathJax, which needs "
      << "JavaScript.</p></noscript>\n"
      // Visible unless MathJax loaded: the synchronous <script src> above has
      // run (or failed) by the time the script below runs, so the notice is
      // hidden before anything is drawn where MathJax is present, and says
      // how to get it where it is missing, instead of leaving raw TeX unexplained.
      << "<p id=\"mathjax-missing\" class=\"math-note\"><strong>The formulas below are shown as TeX source:</strong> "
      << "MathJax 2 did not load from <code>" << html_escape(mathjax_url) << "</code>. "
      << "On Debian or Ubuntu, install it with <code>apt-get install libjs-mathjax</code>, "
      << "or regenerate this page with <code>jlattn explain ... --mathjax URL</code> naming a MathJax 2 "
      << "<code>MathJax.js</code> that this browser can load.</p>\n"
      << "<script>if (window.MathJax && window.MathJax.Hub) "
      << "document.getElementById('mathjax-missing').hidden = true;</script>\n";
  for (const Block& b : doc.blocks()) {
    switch (b.kind) {
      case Block::Kind::heading:
        out << "<h" << b.level << " id=\"" << html_escape(slug(b.text)) << "\">" << inline_html(b.text) << "</h"
            << b.level << ">\n";
        break;
      case Block::Kind::paragraph: out << "<p>" << inline_html(b.text) << "</p>\n"; break;
      case Block::Kind::math: out << "<div>\\[" << html_escape(b.text) << "\\]</div>\n"; break;
      case Block::Kind::code: out << "<pre><code>" << html_escape(b.text) << "</code></pre>\n"; break;
      case Block::Kind::list:
        out << "<ul>\n";
        for (const std::string& item : b.items) out << "<li>" << inline_html(item) << "</li>\n";
        out << "</ul>\n";
        break;
      case Block::Kind::table:
        out << "<table>\n<tr>";
        for (const std::string& h : b.header) out << "<th>" << inline_html(h) << "</th>";
        out << "</tr>\n";
        for (const auto& row : b.rows) {
          out << "<tr>";
          for (const std::string& c : row) out << "<td>" << inline_html(c) << "</td>";
          out << "</tr>\n";
        }
        out << "</table>\n";
        break;
    }
  }
  out << "</body>\n</html>\n";
  return out.str();
}

// ---------------------------------------------------------------------------
// The walkthrough itself.

std::string support_list(const Matrix& A, std::size_t i) {
  std::string s;
  for (Eigen::Index j = 0; j < A.cols(); ++j)
    if (A(static_cast<Eigen::Index>(i), j) > 0) s += (s.empty() ? "" : ", ") + std::to_string(j);
  return s;
}

void matrix_table(Document& doc, const Matrix& M, bool blank_zero_off, const Matrix& pattern) {
  std::vector<std::string> header = {"$i$ / $j$"};
  for (Eigen::Index j = 0; j < M.cols(); ++j) header.push_back(std::to_string(j));
  std::vector<std::vector<std::string>> rows;
  for (Eigen::Index i = 0; i < M.rows(); ++i) {
    std::vector<std::string> row = {std::to_string(i)};
    for (Eigen::Index j = 0; j < M.cols(); ++j)
      row.push_back(blank_zero_off && !(pattern(i, j) > 0) && M(i, j) == 0 ? "·" : num(M(i, j), 4));
    rows.push_back(std::move(row));
  }
  doc.table(std::move(header), std::move(rows));
}

std::string link(const WalkthroughOptions& o, const std::string& text, const std::string& page) {
  return "[" + text + "](" + o.proofs_prefix + page + ")";
}

Document build(const Walkthrough& w, const WalkthroughOptions& o) {
  const Construction& c = w.construction;
  const ConstructionParameters& r = c.parameters;
  const std::size_t L = c.L;
  const bool full = L <= kExplainFullMatrixTokens;
  const double eps = r.eps, gamma = r.gamma, eta = c.budget.eta, Delta = c.budget.gap_Delta;
  const std::string& prefix = o.proofs_prefix;
  const bool in_proofs = prefix.size() >= 7 && prefix.compare(prefix.size() - 7, 7, "proofs/") == 0;
  const std::string contract =
      "[the contract](" + (in_proofs ? prefix.substr(0, prefix.size() - 7) + "docs/" : prefix + "../docs/") +
      "contract.md)";
  Document doc;

  // ---- title and provenance ------------------------------------------------
  doc.heading(1, "Walkthrough: Theorem 1 on " + o.target_name);
  doc.paragraph("This page follows the constructive proof of Theorem 1 step by step on one target, with that "
                "instance's own numbers. It was generated by `jlattn explain` (jlattn " JLATTN_VERSION
                "); the proof itself, with every constant, is in " + link(o, "proofs/", "README.md") +
                ". Regenerate it with:");
  doc.code(o.command.empty() ? "jlattn explain --help" : o.command);
  doc.paragraph("**Proved, evaluated, certified.** The theorems are statements about an ideal random $R$ and real "
                "arithmetic; this page shows one emitted draw (a pseudo-random $R$, rounded doubles). The numbers "
                "of sections 1 to 6 are computed in double precision by the program, so they are evaluations in the "
                "sense of " + contract + ", not proofs. Section 7 is the certificate of the emitted matrices: a "
                "proof about this instance (or an honest undecided), with rigorous enclosures. Numbers are printed "
                "to 6 significant digits (matrices to 4); enclosures to 9, rounded outward.");
  doc.table({"parameter", "value"},
            {{"tokens $L$", integer(L)},
             {"ratio tolerance $\\varepsilon$ (R1)", num(eps)},
             {"off-support bound $\\gamma$ (R2)", num(gamma)},
             {"failure probability $\\delta$ (Theorem 1)", num(r.delta)},
             {"entry law of $R$ (Lemma 3)", c.trivial ? std::string("none: $R = I$ (trivial $d = L$)") : to_string(r.projection)},
             {"seed", std::to_string(r.seed)},
             {"dimension $d$ used", integer(c.d) + (c.d == c.d_star && !c.trivial ? " $= d^*$" : "")}});

  // ---- 1. Definition 1 --------------------------------------------------------
  doc.heading(2, "1. The target and its supports (Definition 1)");
  doc.paragraph("A target is a non-negative $L \\times L$ matrix with a positive entry in every row (" +
                link(o, "Definition 1", "definition1-target.md") + "). Row $i$'s support is "
                "$\\mathrm{supp}_i = \\lbrace j : A_{ij} > 0 \\rbrace$, with $k_i$ elements. This target has $L = " +
                integer(L) + "$ tokens and " + integer(static_cast<std::size_t>((w.A.array() > 0).count())) +
                " positive entries" + (full ? ":" : " (the full matrix is printed up to $L = " +
                integer(kExplainFullMatrixTokens) + "$; here, the supports):"));
  if (full) matrix_table(doc, w.A, false, w.A);
  {
    std::vector<std::vector<std::string>> rows;
    for (std::size_t i = 0; i < L; ++i) {
      double lo = std::numeric_limits<double>::infinity(), hi = 0;
      std::string values;
      for (Eigen::Index j = 0; j < w.A.cols(); ++j) {
        const double a = w.A(static_cast<Eigen::Index>(i), j);
        if (a > 0) {
          lo = std::min(lo, a);
          hi = std::max(hi, a);
          values += (values.empty() ? "" : ", ") + num(a, 4);
        }
      }
      std::vector<std::string> row = {integer(i), support_list(w.A, i), integer(static_cast<std::size_t>(
                                                                               (w.A.row(static_cast<Eigen::Index>(i)).array() > 0).count()))};
      if (!full) row.push_back(values);
      row.push_back(num(lo));
      row.push_back(num(std::log(hi / lo)));
      rows.push_back(std::move(row));
    }
    std::vector<std::string> header = {"$i$", "$\\mathrm{supp}_i$", "$k_i$"};
    if (!full) header.push_back("$A_{ij}$ on the support");
    header.push_back("$a_i = \\min_j A_{ij}$");
    header.push_back("$\\ln(\\max_j A_{ij} / a_i)$");
    doc.table(std::move(header), std::move(rows));
  }
  {
    std::size_t densest = 0;
    Eigen::Index best = 0;
    for (Eigen::Index j = 0; j < w.A.cols(); ++j) {
      const auto count = static_cast<std::size_t>((w.A.col(j).array() > 0).count());
      if (count > densest) { densest = count; best = j; }
    }
    doc.paragraph("So the row sparsity is $k = \\max_i k_i = " + integer(c.k) + "$ and the dynamic range is "
                  "$\\rho = \\max_i \\ln(\\max_j A_{ij} / \\min_j A_{ij}) = " + tex(c.rho) + "$. Column counts are "
                  "reported, not required: the largest is " + integer(densest) + " (column " + std::to_string(best) +
                  ")" + (densest == L ? ", a global token that every row attends to" : "") + ".");
  }

  // ---- 2. Lemma 2: the budget ------------------------------------------------------
  doc.heading(2, "2. The budget eta and the gap Delta (Lemma 2)");
  doc.paragraph(link(o, "Lemma 2", "lemma2-score-error.md") + " turns an entrywise score error into a ratio "
                "error: if $\\lvert S_{ij} - B_{ij} \\rvert \\le \\eta$ for all $i, j$, then "
                "$\\mathrm{softmax}_{\\rm rows}(S)$ $(2\\eta, e^{-\\Delta + 2\\eta})$-approximates $A$. The program "
                "chooses");
  doc.math("\\eta = \\frac{\\varepsilon}{2} = " + tex(eta) + ", \\qquad \\Delta = \\ln\\frac{1}{\\gamma} + "
           "\\varepsilon = " + tex(std::log(1 / gamma)) + " + " + tex(eps) + " = " + tex(Delta) + ",");
  doc.paragraph("so that $2\\eta = \\varepsilon = " + tex(eps) + "$ and $e^{-\\Delta + 2\\eta} = \\gamma = " +
                tex(gamma) + "$: the rest of the construction only has to make $S$ entrywise $\\eta$-close to the "
                "matrix $B$ of the next section.");

  // ---- 3. Lemma 1: B -----------------------------------------------------------
  doc.heading(2, "3. The log transform B (Lemma 1)");
  doc.paragraph(link(o, "Lemma 1", "lemma1-log-transform.md") + " sets, with $a_i = \\min_{j \\in "
                "\\mathrm{supp}_i} A_{ij}$,");
  doc.math("B_{ij} = \\Delta + \\ln\\frac{A_{ij}}{a_i} \\quad (j \\in \\mathrm{supp}_i), \\qquad B_{ij} = 0 "
           "\\quad (j \\notin \\mathrm{supp}_i),");
  doc.paragraph("so $B_{ij} - B_{ij'} = \\ln(A_{ij}/A_{ij'})$ on the support and every support entry is at least "
                "$\\Delta$ above every off-support entry: $\\exp(B)$ is a row-rescaled copy of $A$ with gap "
                "$e^{-\\Delta}$." + std::string(full ? " Here ($\\cdot$ marks $0$ off the support):" : ""));
  if (full) matrix_table(doc, w.B, true, w.A);
  {
    double lo = std::numeric_limits<double>::infinity(), hi = 0;
    for (Eigen::Index i = 0; i < w.B.rows(); ++i)
      for (Eigen::Index j = 0; j < w.B.cols(); ++j)
        if (w.A(i, j) > 0) { lo = std::min(lo, w.B(i, j)); hi = std::max(hi, w.B(i, j)); }
    doc.list({std::string("Every row's smallest support entry is exactly $\\Delta$ (the logarithm of $1$ is $0$ in "
                          "floating point): ") + (w.row_minimum_is_Delta ? "yes, in every row." : "**no** (a bug: please report it)."),
              "Support entries lie in $[\\Delta, \\Delta + \\rho] = [" + tex(Delta) + ", " + tex(Delta + c.rho) +
                  "]$: the smallest is " + num(lo) + ", the largest " + num(hi) + "."});
  }
  {
    std::vector<std::vector<std::string>> rows;
    for (std::size_t i = 0; i < L; ++i) {
      const std::size_t k_i = static_cast<std::size_t>((w.A.row(static_cast<Eigen::Index>(i)).array() > 0).count());
      std::vector<std::string> row = {integer(i), integer(k_i)};
      if (!full) {
        std::string values;
        for (Eigen::Index j = 0; j < w.B.cols(); ++j)
          if (w.A(static_cast<Eigen::Index>(i), j) > 0)
            values += (values.empty() ? "" : ", ") + num(w.B(static_cast<Eigen::Index>(i), j), 4);
        row.push_back(values);
      }
      row.push_back(num(w.row_norm2[i]));
      row.push_back(num(beta_sharp(k_i, Delta, c.rho)));
      row.push_back(num(w.row_norm1[i]));
      row.push_back(num(l1_norm_upper(k_i, Delta, c.rho)));
      rows.push_back(std::move(row));
    }
    std::vector<std::string> header = {"$i$", "$k_i$"};
    if (!full) header.push_back("$B_{ij}$ on the support");
    for (const char* h : {"$\\lVert b_i \\rVert_2$", "$\\beta_\\sharp(k_i)$", "$\\lVert b_i \\rVert_1$",
                          "$k_i\\Delta + (k_i - 1)\\rho$"})
      header.push_back(h);
    doc.paragraph("The norms of the rows $b_i$ of $B$ against Lemma 1's bounds "
                  "$\\beta_\\sharp(k_i) = \\sqrt{\\Delta^2 + (k_i - 1)(\\Delta + \\rho)^2}$ and "
                  "$k_i \\Delta + (k_i - 1)\\rho$:");
    doc.table(std::move(header), std::move(rows));
    doc.paragraph("Theorem 1 uses the class bound $\\beta = \\beta_\\sharp(k) = " + tex(c.beta_sharp_class) +
                  "$ (this instance's largest row norm is " + num(c.beta_instance) + ").");
  }

  // ---- 4. Lemma 3, Theorems 1 and 2: R and d ------------------------------------------
  doc.heading(2, "4. The projection R and the dimension d (Lemma 3, Theorems 1 and 2)");
  doc.paragraph(link(o, "Lemma 3", "lemma3-jl-projection.md") + " (Johnson–Lindenstrauss for inner products): for "
                "$R \\in \\mathbb{R}^{L \\times d}$ with i.i.d. $N(0, 1/d)$ (or Rademacher, or Achlioptas) entries, "
                "$\\lvert \\langle R^\\top u, R^\\top v \\rangle - \\langle u, v \\rangle \\rvert > \\tau \\lVert u "
                "\\rVert \\lVert v \\rVert$ has probability at most $4 e^{-d\\,c(\\tau)}$, "
                "$c(\\tau) = (\\tau^2/2 - \\tau^3/3)/2$. " + link(o, "Theorem 1", "theorem1-one-target.md") +
                " applies it to the $L^2$ pairs $(b_i, e_j)$ with");
  doc.math("\\tau = \\frac{\\eta}{\\beta} = \\frac{" + tex(eta) + "}{" + tex(c.beta_sharp_class) + "} = " +
           tex(c.tau) + ", \\qquad c(\\tau) = " + tex(w.c_tau) + ",");
  doc.paragraph("and the union bound gives the dimension");
  doc.math("d^* = \\left\\lceil \\frac{2\\ln(4L^2/\\delta)}{\\tau^2/2 - \\tau^3/3} \\right\\rceil = "
           "\\left\\lceil \\frac{2\\ln(4 \\cdot " + integer(L * L) + " / " + tex(r.delta) + ")}{" +
           tex(2 * w.c_tau) + "} \\right\\rceil = " + std::to_string(c.d_star) + ".");
  {
    std::string used = "The dimension actually used is $d = " + integer(c.d) + "$";
    if (c.trivial) {
      used += " with $R = I_L$: the trivial baseline $d = L$, which works exactly ($X = [B \\mid I]$, $S = B$ up "
              "to rounding) and is outside the theorem.";
    } else if (c.d >= c.d_star) {
      used += std::string(c.d == c.d_star ? ", Theorem 1's $d^*$ (the default)." : ", at least $d^*$.") +
              " For an ideal $R$ the union bound at this $d$ is $4L^2 e^{-d\\,c(\\tau)} = " + tex(w.union_bound) +
              " \\le \\delta = " + tex(r.delta) + "$: the construction works with probability at least "
              "$1 - \\delta$.";
    } else {
      used += ", **below** Theorem 1's $d^* = " + std::to_string(c.d_star) + "$ (chosen with `--d`). At this $d$ "
              "the union bound is $4L^2 e^{-d\\,c(\\tau)} = " + tex(w.union_bound) + " > \\delta$, so Theorem 1 "
              "promises nothing (the sharper proved dimensions that `jlattn bound` lists may still cover it): what "
              "follows is what this one draw of $R$ happens to do.";
    }
    doc.paragraph(used);
  }
  doc.paragraph(std::string("The trivial $d = L = ") + integer(L) + "$ always works; " +
                (c.d_star > L ? "here $d^*$ is far above it, as it is at every small $L$: the theorem's $d = O(\\log L)$ "
                                "wins only for large $L$."
                              : "here $d^*$ is below it."));
  doc.paragraph(link(o, "Theorem 2", "theorem2-all-targets.md") + " (one draw for every target with row sparsity "
                "$\\le k$ and range $\\le \\rho$) needs $\\mu(R) = \\max_{l,j} \\lvert (RR^\\top - I)_{lj} \\rvert \\le "
                "\\tau_u = \\eta / (k\\Delta + (k-1)\\rho) = " + tex(c.tau_u) + "$, which holds with probability "
                "$\\ge 1 - \\delta$ at $d^*_u = " + std::to_string(c.d_star_u) + "$. This draw has $\\mu(R) = " +
                tex(w.mu) + (w.mu <= c.tau_u ? " \\le \\tau_u$: it serves every such target." :
                                              " > \\tau_u$: Theorem 2's checkable condition fails for this "
                                              "draw, so it is not known to serve all targets at once (Theorem 1 asks "
                                              "less)."));
  {
    const auto shown = static_cast<std::size_t>(w.R_head.cols());
    std::vector<std::string> header = {"$i$"};
    for (std::size_t j = 0; j < shown; ++j) header.push_back("$R_{i," + std::to_string(j) + "}$");
    if (shown < c.d) header.push_back("…");
    std::vector<std::vector<std::string>> rows;
    for (std::size_t i = 0; i < L; ++i) {
      std::vector<std::string> row = {integer(i)};
      for (std::size_t j = 0; j < shown; ++j)
        row.push_back(num(w.R_head(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)), 4));
      if (shown < c.d) row.push_back("…");
      rows.push_back(std::move(row));
    }
    doc.paragraph("$R$ is $" + integer(L) + " \\times " + integer(c.d) + "$" +
                  (shown < c.d ? "; its first " + integer(shown) + " columns" : "") + " (seed " +
                  std::to_string(r.seed) + ", the same bits on every platform):");
    doc.table(std::move(header), std::move(rows));
  }

  // ---- 5. Lemma 4: X and S ---------------------------------------------------------------
  doc.heading(2, "5. The input X and the scores S (Lemma 4)");
  doc.paragraph(link(o, "Lemma 4", "lemma4-adaptive-input.md") + " fixes the parameters once, "
                "$W_Q = [I_d; 0]$ and $W_K = [0; I_d]$ (stacked: $2d \\times d$ each, depending on $d$ alone), and "
                "puts the target into the input "
                "$X = [\\,BR \\mid R\\,]$ ($" + integer(L) + " \\times " + integer(2 * c.d) + "$). Then $XW_Q = BR$, "
                "$XW_K = R$ and");
  doc.math("S = (XW_Q)(XW_K)^\\top = B R R^\\top, \\qquad S_{ij} = \\langle R^\\top b_i, R^\\top e_j \\rangle, "
           "\\qquad \\mathbb{E}[S] = B .");
  if (full) {
    doc.paragraph("The scores of this draw:");
    matrix_table(doc, w.S, false, w.A);
    doc.paragraph("and their error against $B$, $S - B$:");
    Matrix E = w.S - w.B;
    matrix_table(doc, E, false, w.A);
  }
  {
    std::vector<std::vector<std::string>> rows;
    for (std::size_t i = 0; i < L; ++i) {
      const double norm = c.input_row_norms[i];
      rows.push_back({integer(i), num(norm), num(std::sqrt(w.row_norm2[i] * w.row_norm2[i] + 1)),
                      num(w.row_error[i]), num(w.row_error[i] / w.row_norm2[i])});
    }
    doc.paragraph("Row by row: the input norms (about $\\sqrt{\\lVert b_i \\rVert^2 + 1}$, bounded independently "
                  "of $L$), the largest score error, and that error relative to $\\lVert b_i \\rVert_2$, which the "
                  "event of Theorem 1's proof keeps below $\\tau = " + tex(c.tau) + "$:");
    doc.table({"$i$", "$\\lVert x_i \\rVert_2$", "$\\sqrt{\\lVert b_i \\rVert_2^2 + 1}$",
               "$\\max_j \\lvert S_{ij} - B_{ij} \\rvert$", "$\\max_j \\lvert S_{ij} - B_{ij} \\rvert / \\lVert b_i \\rVert_2$"},
              std::move(rows));
  }
  doc.paragraph(std::string("**Lemma 2's hypothesis on this draw:** $\\max_{i,j} \\lvert S_{ij} - B_{ij} \\rvert = ") +
                tex(c.max_score_error) + (c.max_score_error <= eta ? " \\le " : " > ") + "\\eta = " + tex(eta) +
                "$ " + check_mark(c.max_score_error <= eta) + ". " +
                (c.max_score_error <= eta
                     ? "So Lemma 2 already implies the $(\\varepsilon, \\gamma)$-approximation; the next section "
                       "checks it directly."
                     : "Lemma 2 does not apply to this draw; the ratios may still satisfy Definition 2, which the "
                       "next section checks directly.") +
                " (Relative to the row norms the largest error is $" + tex(w.max_relative_error) +
                (w.max_relative_error <= c.tau ? " \\le" : " >") + " \\tau$.)");

  // ---- 6. Definition 2 row by row -------------------------------------------------------
  doc.heading(2, "6. The ratio checks, row by row (Definition 2)");
  doc.paragraph(link(o, "Definition 2", "definition2-approximation.md") + ": $M = \\mathrm{softmax}_{\\rm rows}(S)$ "
                "$(\\varepsilon, \\gamma)$-approximates $A$ when in every row (R1) the support ratios of $M$ match "
                "those of $A$ within $e^{\\pm\\varepsilon}$ and (R2) every off-support entry is at most $\\gamma$ "
                "times every support entry. The softmax denominator cancels in every ratio, so $S_{ij}$ stands for "
                "$\\ln M_{ij}$, and per row two numbers decide it:");
  doc.math("\\varepsilon_i = \\max_{j \\in \\mathrm{supp}_i} (S_{ij} - \\ln A_{ij}) - \\min_{j \\in \\mathrm{supp}_i} "
           "(S_{ij} - \\ln A_{ij}) \\le \\varepsilon, \\qquad \\ell\\gamma_i = \\max_{j \\notin \\mathrm{supp}_i} "
           "S_{ij} - \\min_{j' \\in \\mathrm{supp}_i} S_{ij'} \\le \\ln\\gamma = " + tex(std::log(gamma)) + ".");
  {
    std::vector<std::vector<std::string>> rows;
    const double log_gamma = std::log(gamma);
    for (std::size_t i = 0; i < L; ++i) {
      const RowApproximation& a = w.rows[i];
      const std::size_t k_i = static_cast<std::size_t>((w.A.row(static_cast<Eigen::Index>(i)).array() > 0).count());
      const bool full_row = k_i == L;
      rows.push_back({integer(i), integer(k_i), num(a.eps_i), check_mark(a.eps_i <= eps),
                      k_i > 1 ? "(" + std::to_string(a.r1_j) + ", " + std::to_string(a.r1_j_prime) + ")" : "—",
                      cell(a.log_gamma_i), full_row ? "0" : num(std::exp(a.log_gamma_i)),
                      check_mark(a.log_gamma_i <= log_gamma),
                      full_row ? "—" : "(" + std::to_string(a.r2_j) + ", " + std::to_string(a.r2_j_prime) + ")"});
    }
    doc.table({"$i$", "$k_i$", "$\\varepsilon_i$", "R1", "at $(j, j')$", "$\\ell\\gamma_i$", "$e^{\\ell\\gamma_i}$",
               "R2", "at $(j, j')$"},
              std::move(rows));
  }
  const ApproximationEvaluation& e = c.evaluation;
  doc.paragraph("Over all rows: $\\hat\\varepsilon = \\max_i \\varepsilon_i = " + tex(e.eps_hat) + "$ (row " +
                integer(e.worst_row_eps) + ")" + (e.r1_holds ? " $\\le$ " : " $>$ ") + "$\\varepsilon = " + tex(eps) +
                "$, and $\\hat\\gamma = \\exp(\\max_i \\ell\\gamma_i) = " + tex(e.gamma_hat) + "$ (row " +
                integer(e.worst_row_gamma) + ")" + (e.r2_holds ? " $\\le$ " : " $>$ ") + "$\\gamma = " + tex(gamma) +
                "$. (With $k_i = 1$ condition R1 is vacuous; with $k_i = L$ there is nothing off the support.)");
  doc.paragraph(link(o, "Corollary 0", "corollary0-leakage.md") + " reads this in terms of mass: the share of row "
                "$i$'s attention off its support is at most $x_i/(1+x_i)$ with $x_i = (L - k_i)\\hat\\gamma/k_i$; "
                "here at most $" + tex(c.leakage_share_upper) + "$ in the worst row. A fixed $\\gamma$ bounds ratios, "
                "not total leakage.");

  // ---- 7. The certificate ----------------------------------------------------------------------
  const Certificate& cert = w.verdict.certificate;
  const ApproximationEvaluation& ev = w.verdict.evaluation;
  const std::string pair = "$(" + tex(eps) + ", " + tex(gamma) + ")$";
  doc.heading(2, "7. The certificate of the emitted matrices (certification)");
  doc.paragraph("The theorems say nothing about one emitted draw, and section 6 only measured it. The " +
                link(o, "certifier", "certificate.md") + " decides Definition 2 for the stored doubles as a proof: "
                "does $\\mathrm{softmax}_{\\rm rows}(S)$, with $S = (XW_Q)(XW_K)^\\top$ computed in real arithmetic "
                "from the emitted $X$ and the selectors $W_Q = [I_d; 0]$, $W_K = [0; I_d]$ (exact binary "
                "rationals), " + pair + "-approximate $A$? A filter computes $S$ in double precision with a rigorous "
                "error bound for every score and decides each row it can from those enclosures; the rows it cannot "
                "decide get exact rational scores and interval logarithms at rising precision (the exact pass).");
  std::string verdict;
  switch (cert.verdict) {
    case Verdict::certified:
      verdict = "**Certified:** $\\mathrm{softmax}_{\\rm rows}(S)$ of the emitted matrices " + pair +
                "-approximates $A$. This is a proof about this one instance, relying only on the correctness of the "
                "certifier; it says nothing about other draws of $R$.";
      break;
    case Verdict::refuted:
      verdict = "**Refuted:** $\\mathrm{softmax}_{\\rm rows}(S)$ of the emitted matrices does not " + pair +
                "-approximate $A$. This is a proof about this one instance; it says nothing about other draws of "
                "$R$ or a larger $d$.";
      break;
    case Verdict::undecided:
      verdict = "**Undecided:** the certifier could neither prove nor refute that $\\mathrm{softmax}_{\\rm rows}(S)$ " +
                pair + "-approximates $A$ within its limits (" + cert.undecided_reason +
                "). This is not a verdict either way.";
      break;
  }
  doc.paragraph(verdict);
  if (cert.witness) {
    const CertifiedWitness& x = *cert.witness;
    const std::string at = "$(i, j, j') = (" + std::to_string(x.i) + ", " + std::to_string(x.j) + ", " +
                           std::to_string(x.j_prime) + ")$";
    doc.paragraph("**Witness:** condition " + to_string(x.condition) + " fails at " + at + ": " +
                  (x.condition == Condition::R1
                       ? "$\\ln(M_{ij}/M_{ij'}) - \\ln(A_{ij}/A_{ij'}) - \\varepsilon"
                       : "$\\ln(M_{ij}/M_{ij'}) - \\ln\\gamma") +
                  " \\in " + tex_enclosure(x.margin) + "$, an interval of positive numbers (the margin by which "
                  "the condition is violated). The certificate names the smallest row with a violation; the "
                  "evaluation below names the worst one.");
  }
  doc.table({"", "certificate: rigorous enclosure", "evaluation (double precision)"},
            {{"$\\hat\\varepsilon = \\max_i \\varepsilon_i$", "$" + tex_enclosure(cert.eps_hat) + "$",
              "$" + tex(ev.eps_hat) + "$"},
             {"$\\hat\\gamma = \\exp(\\max_i \\ell\\gamma_i)$", "$" + tex_enclosure(cert.gamma_hat) + "$",
              "$" + tex(ev.gamma_hat) + "$"}});
  if (std::isinf(cert.eps_hat.upper) || std::isinf(cert.gamma_hat.upper))
    doc.paragraph("An upper end $\\infty$ is true but uninformative: the certifier stops working on a row once the row "
                  "is refuted (or a limit is hit), so some row's value was never bounded from above; the verdict does "
                  "not need it.");
  {
    std::string rows = "Of the $L = " + integer(cert.rows) + "$ rows, " + integer(cert.rows_fast) +
                       " were decided by the filter and " + integer(cert.rows_exact) + " by the exact pass";
    if (cert.rows_exact > 0) rows += " (interval precision up to " + std::to_string(cert.max_precision_used) + " bits)";
    if (cert.rows_undecided > 0) rows += "; " + integer(cert.rows_undecided) + " were left undecided";
    const std::size_t open = cert.rows - cert.rows_fast - cert.rows_exact - cert.rows_undecided;
    if (open > 0) rows += "; the other " + integer(open) + " were not needed once a row was refuted";
    rows += ".";
    if (!cert.fast_pass_used) rows += " The filter was not used";
    if (!cert.fast_pass_note.empty()) rows += (cert.fast_pass_used ? " Filter: " : ": ") + cert.fast_pass_note + ".";
    else if (!cert.fast_pass_used) rows += ".";
    doc.paragraph(rows);
    if (!o.check_command.empty()) {
      doc.paragraph("The same $X$ (the same bits) and the same certificate, outside this page:");
      doc.code(o.check_command);
    }
  }
  {
    std::string e = "**Evaluation (double precision, not a certificate):** section 6 found that "
                    "$\\mathrm{softmax}_{\\rm rows}(S)$ **" + std::string(ev.approximates() ? "approximates" :
                    "does not approximate") + "** $A$, with $\\hat\\varepsilon = " + tex(ev.eps_hat) +
                    "$ and $\\hat\\gamma = " + tex(ev.gamma_hat) + "$";
    if (ev.witness)
      e += " (condition " + to_string(ev.witness->condition) + " fails at $(i, j, j') = (" +
           std::to_string(ev.witness->i) + ", " + std::to_string(ev.witness->j) + ", " +
           std::to_string(ev.witness->j_prime) + ")$ by " + num(ev.witness->excess) + ")";
    e += ". That is a measurement, which a rounding error next to a threshold could flip. ";
    const bool decided = cert.verdict != Verdict::undecided;
    const bool agree = (cert.verdict == Verdict::certified) == ev.approximates();
    if (!decided)
      e += "Here the certificate does not decide it, so the evaluation stays what it is: not known to be right.";
    else if (agree)
      e += "Here the certificate agrees with it, and the certificate is the proof.";
    else
      e += "Here the certificate **disagrees** with it: the evaluation sat within rounding error of a threshold, "
           "and the certificate is the one that is proved.";
    doc.paragraph(e);
  }
  doc.paragraph("The words proved, evaluated, certified, refuted and undecided are defined once in " + contract +
                "; the certifier's proof is on " + link(o, "its page", "certificate.md") + ".");
  return doc;
}

}  // namespace

Walkthrough explain(const Target& A, const ConstructionParameters& parameters, const ResourcePolicy& policy) {
  if (A.L() > kExplainMaxTokens)
    throw InputError("explain walks through small targets only (it prints L x L matrices): this one has L = " +
                     std::to_string(A.L()) + " > " + std::to_string(kExplainMaxTokens) +
                     "; use `jlattn construct` for it (report.json has every number)");
  // The library's stages: stage 1 kept for B, then the construction and the
  // certificate of its X, as `jlattn construct` computes them.
  const PreparedTarget prepared = prepare(A, parameters);
  CertifiedConstruction result = construct_and_certify(prepared, policy);
  Walkthrough w;
  w.construction = std::move(result.construction);
  w.verdict.certificate = std::move(result.certificate);
  w.verdict.evaluation = w.construction.evaluation;
  const Construction& c = w.construction;
  const std::size_t L = c.L;
  const auto n = static_cast<Eigen::Index>(L);
  w.A = A.dense();
  const LogTransform& B = prepared.B;
  w.B = B.dense();
  for (std::size_t i = 0; i < L; ++i) {
    w.row_norm2.push_back(B.row_norm2(i));
    w.row_norm1.push_back(B.row_norm1(i));
    const auto row = B.row(i);
    w.row_minimum_is_Delta = w.row_minimum_is_Delta && *std::min_element(row.begin(), row.end()) == c.budget.gap_Delta;
  }

  // S row by row, exactly as the evaluation of Definition 2 computes it.
  const MatrixView Q = lemma4_queries(c.X);
  const MatrixView K = lemma4_keys(c.X);
  w.S.resize(n, n);
  for_each_score_row(Q, K, 1.0, L, [&](std::size_t i, std::span<const double> row) {
    std::copy(row.begin(), row.end(), w.S.data() + static_cast<Eigen::Index>(i) * n);
  });
  for (std::size_t i = 0; i < L; ++i) {
    const auto ii = static_cast<Eigen::Index>(i);
    w.rows.push_back(evaluate_row(std::span<const double>(w.S.data() + ii * n, L), A, i));
    const double error = (w.S.row(ii) - w.B.row(ii)).cwiseAbs().maxCoeff();
    w.row_error.push_back(error);
    w.max_relative_error = std::max(w.max_relative_error, error / w.row_norm2[i]);
  }

  const Matrix R = K;
  w.R_head = R.leftCols(std::min<Eigen::Index>(R.cols(), static_cast<Eigen::Index>(kExplainProjectionColumns)));
  w.mu = coherence_mu(R);
  w.c_tau = jl_exponent_c(c.tau);
  w.union_bound = 4.0 * static_cast<double>(L) * static_cast<double>(L) * std::exp(-static_cast<double>(c.d) * w.c_tau);
  return w;
}

std::string walkthrough_markdown(const Walkthrough& w, const WalkthroughOptions& options) {
  return render_markdown(build(w, options));
}

std::string walkthrough_html(const Walkthrough& w, const WalkthroughOptions& options) {
  return render_html(build(w, options), "jlattn walkthrough: Theorem 1 on " + options.target_name,
                     options.mathjax_url);
}

}  // namespace jlattn
