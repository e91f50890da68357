// Checks `jlattn explain` (src/jlattn/explain/explain.hpp): the walkthrough has every
// section of the proof, each linking to its proof page, and the numbers it
// prints are the instance's, recomputed here independently in long double
// from A, (eps, gamma, delta) and the entries of R; its certificate section
// is checked against a 256-bit MPFR recomputation from the stored X (the
// verdict, the enclosures, the witness's margin) and against the
// double-precision evaluation away from the thresholds; it refuses L > 32;
// the HTML loads only the local MathJax; and the walkthrough checked in under
// docs/ is what its printed command regenerates.
#include <gtest/gtest.h>

#include <boost/multiprecision/mpfr.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "jlattn/certify/certificate.hpp"
#include "jlattn/pipeline/construction.hpp"
#include "jlattn/core/errors.hpp"
#include "jlattn/explain/explain.hpp"
#include "jlattn/proof/lemma3_jl_projection.hpp"
#include "support/cli.hpp"
#include "support/files.hpp"

namespace jlattn {
namespace {

namespace fs = std::filesystem;
using Real = long double;
using Table = std::vector<std::vector<std::string>>;
using Big = boost::multiprecision::number<boost::multiprecision::mpfr_float_backend<256>>;

// ---------------------------------------------------------------------------
// Reading the Markdown back.

// The text of the section whose "## " heading starts with `prefix`.
std::string section(const std::string& doc, const std::string& prefix) {
  const std::size_t start = doc.find("\n## " + prefix);
  if (start == std::string::npos) return {};
  const std::size_t end = doc.find("\n## ", start + 1);
  return doc.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(' ');
  const auto e = s.find_last_not_of(' ');
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// The Markdown tables of a text, each without its header and separator rows.
std::vector<Table> tables(const std::string& text) {
  std::vector<Table> out;
  std::istringstream in(text);
  std::string line;
  Table current;
  int row = 0;
  auto flush = [&] {
    if (!current.empty()) out.push_back(current);
    current.clear();
    row = 0;
  };
  while (std::getline(in, line)) {
    if (line.empty() || line[0] != '|') { flush(); continue; }
    if (row++ < 2) continue;  // header and |---| separator
    std::vector<std::string> cells;
    std::size_t pos = 1;
    while (pos < line.size()) {
      const std::size_t bar = line.find(" |", pos);
      if (bar == std::string::npos) break;
      cells.push_back(trim(line.substr(pos, bar - pos)));
      pos = bar + 2;
    }
    current.push_back(cells);
  }
  flush();
  return out;
}

// A number as printed: "1.5", "-2e-06", "0.5 \cdot 10^{-3}"; NaN if none.
double parse_number(const std::string& s, std::size_t* used = nullptr) {
  const char* begin = s.c_str();
  while (*begin == ' ') ++begin;
  char* end = nullptr;
  double x = std::strtod(begin, &end);
  if (end == begin) return std::numeric_limits<double>::quiet_NaN();
  const std::string rest(end);
  const std::string times = " \\cdot 10^{";
  if (rest.rfind(times, 0) == 0) {
    char* exp_end = nullptr;
    const long exponent = std::strtol(end + times.size(), &exp_end, 10);
    x *= std::pow(10.0, static_cast<double>(exponent));
    end = exp_end + 1;
  }
  if (used) *used = static_cast<std::size_t>(end - s.c_str());
  return x;
}

// The number printed right after `key` in `text` (NaN if the key is missing).
double number_after(const std::string& text, const std::string& key) {
  const std::size_t at = text.find(key);
  if (at == std::string::npos) return std::numeric_limits<double>::quiet_NaN();
  return parse_number(text.substr(at + key.size()));
}

// The number printed after the last "= " before `key`.
double number_before(const std::string& text, const std::string& key) {
  const std::size_t at = text.find(key);
  if (at == std::string::npos) return std::numeric_limits<double>::quiet_NaN();
  const std::size_t equals = text.rfind("= ", at);
  return equals == std::string::npos ? std::numeric_limits<double>::quiet_NaN() : parse_number(text.substr(equals + 2));
}

// |printed - exact| within the rounding of `digits` significant digits.
::testing::AssertionResult printed_as(double printed, Real exact, int digits, const std::string& what) {
  const Real tolerance = 0.51L * std::pow(10.0L, 1 - digits) * std::fabs(exact) + 1e-12L;
  if (std::isnan(printed)) return ::testing::AssertionFailure() << what << ": not printed";
  if (std::fabs(static_cast<Real>(printed) - exact) <= tolerance) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << what << ": printed " << printed << ", recomputed "
                                       << static_cast<double>(exact);
}

// ---------------------------------------------------------------------------
// The independent recomputation, in long double, from A and the entries of R.

struct Recomputed {
  std::size_t L = 0, k = 0;
  Real rho = 0, eta = 0, Delta = 0, beta = 0, tau = 0, tau_u = 0;
  std::uint64_t d_star = 0;
  std::vector<std::vector<Real>> B, S;
  std::vector<Real> norm2, eps_i, lgam_i;
  Real max_error = 0, eps_hat = 0, lgam_hat = -std::numeric_limits<Real>::infinity();
};

Recomputed recompute(const Matrix& A, double eps, double gamma, double delta, const Matrix& R) {
  Recomputed r;
  const std::size_t L = r.L = static_cast<std::size_t>(A.rows());
  r.eta = static_cast<Real>(eps) / 2;
  r.Delta = std::log(1.0L / static_cast<Real>(gamma)) + static_cast<Real>(eps);
  r.B.assign(L, std::vector<Real>(L, 0));
  for (std::size_t i = 0; i < L; ++i) {
    Real lo = std::numeric_limits<Real>::infinity(), hi = 0;
    std::size_t k_i = 0;
    for (std::size_t j = 0; j < L; ++j)
      if (A(i, j) > 0) { lo = std::min<Real>(lo, A(i, j)); hi = std::max<Real>(hi, A(i, j)); ++k_i; }
    r.k = std::max(r.k, k_i);
    r.rho = std::max(r.rho, std::log(hi / lo));
    Real sum = 0;
    for (std::size_t j = 0; j < L; ++j)
      if (A(i, j) > 0) {
        r.B[i][j] = r.Delta + std::log(static_cast<Real>(A(i, j)) / lo);
        sum += r.B[i][j] * r.B[i][j];
      }
    r.norm2.push_back(std::sqrt(sum));
  }
  const Real k = static_cast<Real>(r.k);
  r.beta = std::sqrt(r.Delta * r.Delta + (k - 1) * (r.Delta + r.rho) * (r.Delta + r.rho));
  r.tau = r.eta / r.beta;
  r.tau_u = r.eta / (k * r.Delta + (k - 1) * r.rho);
  r.d_star = static_cast<std::uint64_t>(std::ceil(2 * std::log(4.0L * L * L / static_cast<Real>(delta)) /
                                                  (r.tau * r.tau / 2 - r.tau * r.tau * r.tau / 3)));
  // S = B R R^T
  const auto d = static_cast<std::size_t>(R.cols());
  std::vector<std::vector<Real>> BR(L, std::vector<Real>(d, 0));
  for (std::size_t i = 0; i < L; ++i)
    for (std::size_t j = 0; j < L; ++j)
      if (r.B[i][j] != 0)
        for (std::size_t c = 0; c < d; ++c) BR[i][c] += r.B[i][j] * static_cast<Real>(R(j, c));
  r.S.assign(L, std::vector<Real>(L, 0));
  for (std::size_t i = 0; i < L; ++i)
    for (std::size_t l = 0; l < L; ++l) {
      Real s = 0;
      for (std::size_t c = 0; c < d; ++c) s += BR[i][c] * static_cast<Real>(R(l, c));
      r.S[i][l] = s;
      r.max_error = std::max(r.max_error, std::fabs(s - r.B[i][l]));
    }
  // Definition 2 per row.
  for (std::size_t i = 0; i < L; ++i) {
    Real hi = -std::numeric_limits<Real>::infinity(), lo = std::numeric_limits<Real>::infinity();
    Real off = -std::numeric_limits<Real>::infinity(), on_min = std::numeric_limits<Real>::infinity();
    for (std::size_t j = 0; j < L; ++j) {
      if (A(i, j) > 0) {
        const Real v = r.S[i][j] - std::log(static_cast<Real>(A(i, j)));
        hi = std::max(hi, v);
        lo = std::min(lo, v);
        on_min = std::min(on_min, r.S[i][j]);
      } else {
        off = std::max(off, r.S[i][j]);
      }
    }
    r.eps_i.push_back(hi - lo);
    r.lgam_i.push_back(off - on_min);
    r.eps_hat = std::max(r.eps_hat, hi - lo);
    r.lgam_hat = std::max(r.lgam_hat, off - on_min);
  }
  return r;
}

Matrix projection(const ConstructionParameters& parameters, std::size_t L, std::size_t d) {
  Matrix R(static_cast<Eigen::Index>(L), static_cast<Eigen::Index>(d));
  for (std::size_t i = 0; i < L; ++i)
    for (std::size_t c = 0; c < d; ++c)
      R(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(c)) =
          projection_entry(parameters.projection, d, parameters.seed, i, c);
  return R;
}

// ---------------------------------------------------------------------------
// The certificate's oracle: Definition 2 on the stored X with Lemma 4's
// selectors, S = X_left X_right^T, in 256-bit MPFR. Each product of two
// doubles is exact at 106 bits and each sum rounds at 2^-256 relative, so at
// these sizes the values are right to far below any double's resolution.

struct CertificateOracle {
  std::size_t L = 0;
  std::vector<std::vector<Big>> S;
  Big eps_hat = 0, log_gamma_hat = 0;
  bool any_off_support = false;
  Big log_gamma;
  // ln(M_ij / M_ij') - ln(A_ij / A_ij') - eps (R1) or - ln gamma (R2).
  Big margin(const Matrix& A, double eps, std::size_t i, std::size_t j, std::size_t jp, Condition c) const {
    const Big ratio = S[i][j] - S[i][jp];
    if (c == Condition::R1) return ratio - boost::multiprecision::log(Big(A(i, j)) / Big(A(i, jp))) - Big(eps);
    return ratio - log_gamma;
  }
};

CertificateOracle certificate_oracle(const Matrix& A, const Matrix& X, double gamma) {
  CertificateOracle o;
  const std::size_t L = o.L = static_cast<std::size_t>(A.rows());
  const Eigen::Index d = X.cols() / 2;
  o.S.assign(L, std::vector<Big>(L));
  for (std::size_t i = 0; i < L; ++i)
    for (std::size_t j = 0; j < L; ++j) {
      Big s = 0;
      for (Eigen::Index c = 0; c < d; ++c)
        s += Big(X(static_cast<Eigen::Index>(i), c)) * Big(X(static_cast<Eigen::Index>(j), d + c));
      o.S[i][j] = s;
    }
  o.log_gamma = boost::multiprecision::log(Big(gamma));
  bool first_gamma = true;
  for (std::size_t i = 0; i < L; ++i) {
    Big hi = 0, lo = 0, off = 0, on_min = 0;
    bool any_on = false, any_off = false;
    for (std::size_t j = 0; j < L; ++j) {
      if (A(i, j) > 0) {
        const Big t = o.S[i][j] - boost::multiprecision::log(Big(A(i, j)));
        if (!any_on || t > hi) hi = t;
        if (!any_on || t < lo) lo = t;
        if (!any_on || o.S[i][j] < on_min) on_min = o.S[i][j];
        any_on = true;
      } else {
        if (!any_off || o.S[i][j] > off) off = o.S[i][j];
        any_off = true;
      }
    }
    if (hi - lo > o.eps_hat) o.eps_hat = hi - lo;
    if (any_off && (first_gamma || off - on_min > o.log_gamma_hat)) {
      o.log_gamma_hat = off - on_min;
      first_gamma = false;
    }
    o.any_off_support = o.any_off_support || any_off;
  }
  return o;
}

// lower <= x <= upper, with x compared exactly.
bool contains(Enclosure e, const Big& x) { return Big(e.lower) <= x && x <= Big(e.upper); }

// The printed enclosure "$[lower, upper]$" of a table cell (upper may be \infty).
Enclosure printed_enclosure(const std::string& cell) {
  Enclosure e{std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()};
  if (cell.rfind("$[", 0) != 0) return e;
  std::size_t used = 0;
  e.lower = parse_number(cell.substr(2), &used);
  const std::string rest = cell.substr(2 + used);
  if (rest.rfind(", ", 0) != 0) return e;
  e.upper = rest.rfind(", \\infty", 0) == 0 ? std::numeric_limits<double>::infinity() : parse_number(rest.substr(2));
  return e;
}

// The walkthrough's default on the command line: Theorem 1's proved d*.
ConstructionParameters at_theorem1_d_star() {
  ConstructionParameters parameters;
  parameters.bound = BoundChoice::d_star;
  return parameters;
}

Target readme_target() {
  return Target::from_entries(4, {{0, 0, 1}, {0, 1, 2}, {1, 1, 1}, {2, 0, 1}, {2, 2, 3}, {3, 0, 1}, {3, 3, 1}});
}

// Checks every printed number of a walkthrough against the recomputation.
void check_numbers(const Target& target, const ConstructionParameters& parameters) {
  SCOPED_TRACE("L = " + std::to_string(target.L()) + ", d rule " + std::to_string(static_cast<int>(parameters.rule)));
  const Walkthrough w = explain(target, parameters);
  const std::string doc = walkthrough_markdown(w, {});
  const std::size_t L = target.L(), d = w.construction.d;
  const bool full = L <= kExplainFullMatrixTokens;
  const Matrix A = target.dense();
  const Recomputed r = recompute(A, parameters.eps, parameters.gamma, parameters.delta, projection(parameters, L, d));

  // Definition 1: k and rho.
  const std::string s1 = section(doc, "1. ");
  ASSERT_FALSE(s1.empty()) << doc;
  EXPECT_EQ(number_after(s1, "$k = \\max_i k_i = "), static_cast<double>(r.k));
  EXPECT_TRUE(printed_as(number_after(s1, "\\min_j A_{ij}) = "), r.rho, 6, "rho"));
  const auto t1 = tables(s1);
  ASSERT_EQ(t1.size(), full ? 2u : 1u);
  if (full) {
    for (std::size_t i = 0; i < L; ++i)
      for (std::size_t j = 0; j < L; ++j) EXPECT_TRUE(printed_as(parse_number(t1[0][i][j + 1]), A(i, j), 4, "A"));
  }

  // Lemma 2: eta and Delta.
  const std::string s2 = section(doc, "2. ");
  ASSERT_FALSE(s2.empty());
  EXPECT_TRUE(printed_as(number_after(s2, "\\eta = \\frac{\\varepsilon}{2} = "), r.eta, 6, "eta"));
  const std::size_t delta_at = s2.find("\\Delta = \\ln\\frac{1}{\\gamma}");
  ASSERT_NE(delta_at, std::string::npos);
  const std::string delta_line = s2.substr(delta_at, s2.find('\n', delta_at) - delta_at);
  EXPECT_TRUE(printed_as(parse_number(delta_line.substr(delta_line.rfind("= ") + 2)), r.Delta, 6, "Delta"));

  // Lemma 1: B and the row norms.
  const std::string s3 = section(doc, "3. ");
  ASSERT_FALSE(s3.empty());
  const auto t3 = tables(s3);
  ASSERT_EQ(t3.size(), full ? 2u : 1u);
  if (full) {
    for (std::size_t i = 0; i < L; ++i)
      for (std::size_t j = 0; j < L; ++j) {
        if (A(i, j) > 0) {
          EXPECT_TRUE(printed_as(parse_number(t3[0][i][j + 1]), r.B[i][j], 4, "B"));
        } else {
          EXPECT_EQ(t3[0][i][j + 1], "·");
        }
      }
  }
  const Table& norms = t3.back();
  ASSERT_EQ(norms.size(), L);
  for (std::size_t i = 0; i < L; ++i)
    EXPECT_TRUE(printed_as(parse_number(norms[i][full ? 2 : 3]), r.norm2[i], 6, "||b_i||"));
  EXPECT_TRUE(printed_as(number_after(s3, "\\beta = \\beta_\\sharp(k) = "), r.beta, 6, "beta"));
  EXPECT_NE(s3.find("yes, in every row"), std::string::npos);

  // Lemma 3 / Theorems 1, 2: tau, d*, the d used, R.
  const std::string s4 = section(doc, "4. ");
  ASSERT_FALSE(s4.empty());
  EXPECT_TRUE(printed_as(number_before(s4, ", \\qquad c(\\tau) = "), r.tau, 6, "tau"));
  const std::size_t ceil_at = s4.rfind("\\right\\rceil = ");
  ASSERT_NE(ceil_at, std::string::npos);
  EXPECT_EQ(parse_number(s4.substr(ceil_at + 15)), static_cast<double>(r.d_star));
  EXPECT_EQ(w.construction.d_star, r.d_star);
  EXPECT_EQ(number_after(s4, "The dimension actually used is $d = "), static_cast<double>(d));
  EXPECT_TRUE(printed_as(number_after(s4, "\\tau_u = \\eta / (k\\Delta + (k-1)\\rho) = "), r.tau_u, 6, "tau_u"));
  const Matrix R = projection(parameters, L, d);
  const auto t4 = tables(s4);
  ASSERT_FALSE(t4.empty());
  const Table& rt = t4.back();
  ASSERT_EQ(rt.size(), L);
  for (std::size_t i = 0; i < L; ++i)
    for (std::size_t c = 0; c < std::min<std::size_t>(d, kExplainProjectionColumns); ++c)
      EXPECT_TRUE(printed_as(parse_number(rt[i][c + 1]), R(i, c), 4, "R"));

  // Lemma 4 / Lemma 2's hypothesis: S and |S - B| against eta.
  const std::string s5 = section(doc, "5. ");
  ASSERT_FALSE(s5.empty());
  const auto t5 = tables(s5);
  ASSERT_EQ(t5.size(), full ? 3u : 1u);
  if (full) {
    for (std::size_t i = 0; i < L; ++i)
      for (std::size_t j = 0; j < L; ++j) {
        EXPECT_TRUE(printed_as(parse_number(t5[0][i][j + 1]), r.S[i][j], 4, "S"));
        EXPECT_TRUE(printed_as(parse_number(t5[1][i][j + 1]), r.S[i][j] - r.B[i][j], 4, "S - B"));
      }
  }
  EXPECT_TRUE(printed_as(number_after(s5, "\\max_{i,j} \\lvert S_{ij} - B_{ij} \\rvert = "), r.max_error, 6, "max|S-B|"));
  EXPECT_NE(s5.find(r.max_error <= r.eta ? "\\le \\eta" : "> \\eta"), std::string::npos);

  // Definition 2: the row-by-row table and the achieved pair.
  const std::string s6 = section(doc, "6. ");
  ASSERT_FALSE(s6.empty());
  const auto t6 = tables(s6);
  ASSERT_EQ(t6.size(), 1u);
  const Table& rows = t6[0];
  ASSERT_EQ(rows.size(), L);
  for (std::size_t i = 0; i < L; ++i) {
    EXPECT_TRUE(printed_as(parse_number(rows[i][2]), r.eps_i[i], 6, "eps_i row " + std::to_string(i)));
    EXPECT_EQ(rows[i][3], r.eps_i[i] <= parameters.eps ? "✓" : "✗");
    if (std::isfinite(r.lgam_i[i])) {
      EXPECT_TRUE(printed_as(parse_number(rows[i][5]), r.lgam_i[i], 6, "lgam_i row " + std::to_string(i)));
    } else {
      EXPECT_EQ(rows[i][5], "$-\\infty$");
    }
    EXPECT_EQ(rows[i][7], r.lgam_i[i] <= std::log(static_cast<Real>(parameters.gamma)) ? "✓" : "✗");
  }
  EXPECT_TRUE(printed_as(number_after(s6, "\\hat\\varepsilon = \\max_i \\varepsilon_i = "), r.eps_hat, 6, "eps_hat"));
  EXPECT_TRUE(printed_as(number_after(s6, "\\hat\\gamma = \\exp(\\max_i \\ell\\gamma_i) = "), std::exp(r.lgam_hat), 6,
                         "gamma_hat"));

  // The certificate, against the oracle from the stored X; the evaluation
  // beside it, labelled as such and agreeing away from the thresholds.
  const std::string s7 = section(doc, "7. ");
  ASSERT_FALSE(s7.empty());
  const Certificate& cert = w.verdict.certificate;
  const CertificateOracle o = certificate_oracle(A, w.construction.X, parameters.gamma);
  ASSERT_NE(cert.verdict, Verdict::undecided) << cert.undecided_reason;
  // The oracle decides too: its values are nowhere near a threshold.
  ASSERT_GT(boost::multiprecision::abs(o.eps_hat - Big(parameters.eps)), Big(1e-30));
  ASSERT_TRUE(!o.any_off_support || boost::multiprecision::abs(o.log_gamma_hat - o.log_gamma) > Big(1e-30));
  const bool oracle_approximates = o.eps_hat <= Big(parameters.eps) && (!o.any_off_support || o.log_gamma_hat <= o.log_gamma);
  EXPECT_EQ(cert.verdict == Verdict::certified, oracle_approximates);
  EXPECT_NE(s7.find(cert.verdict == Verdict::certified ? "**Certified:**" : "**Refuted:**"), std::string::npos) << s7;
  EXPECT_EQ(s7.find(cert.verdict == Verdict::certified ? "**Refuted:**" : "**Certified:**"), std::string::npos) << s7;
  EXPECT_TRUE(contains(cert.eps_hat, o.eps_hat)) << cert.eps_hat.lower << " " << cert.eps_hat.upper;
  if (o.any_off_support) {
    EXPECT_TRUE(contains(cert.log_gamma_hat, o.log_gamma_hat));
    EXPECT_TRUE(contains(cert.gamma_hat, boost::multiprecision::exp(o.log_gamma_hat)));
  }
  if (cert.verdict == Verdict::certified) {
    EXPECT_LE(cert.eps_hat.upper, parameters.eps);
    EXPECT_LE(cert.gamma_hat.upper, parameters.gamma);
  }
  // The printed enclosures are the certificate's, rounded outward.
  const auto t7 = tables(s7);
  ASSERT_EQ(t7.size(), 1u);
  ASSERT_EQ(t7[0].size(), 2u);
  const Enclosure eps_printed = printed_enclosure(t7[0][0][1]), gamma_printed = printed_enclosure(t7[0][1][1]);
  EXPECT_LE(eps_printed.lower, cert.eps_hat.lower) << t7[0][0][1];
  EXPECT_GE(eps_printed.upper, cert.eps_hat.upper) << t7[0][0][1];
  EXPECT_LE(gamma_printed.lower, cert.gamma_hat.lower) << t7[0][1][1];
  EXPECT_GE(gamma_printed.upper, cert.gamma_hat.upper) << t7[0][1][1];
  // ... and no further than one unit of the 9th significant digit.
  EXPECT_GE(eps_printed.lower, cert.eps_hat.lower - 1.01e-8 * std::fabs(cert.eps_hat.lower));
  EXPECT_LE(eps_printed.upper, cert.eps_hat.upper + 1.01e-8 * std::fabs(cert.eps_hat.upper));
  EXPECT_TRUE(contains(eps_printed, o.eps_hat));
  // The witness: a proved violation, with the oracle's margin in its enclosure.
  ASSERT_EQ(cert.witness.has_value(), cert.verdict == Verdict::refuted);
  if (cert.witness) {
    const CertifiedWitness& x = *cert.witness;
    EXPECT_GT(x.margin.lower, 0.0);
    EXPECT_TRUE(A(x.i, x.j_prime) > 0);
    EXPECT_EQ(A(x.i, x.j) > 0, x.condition == Condition::R1);
    EXPECT_TRUE(contains(x.margin, o.margin(A, parameters.eps, x.i, x.j, x.j_prime, x.condition)));
    EXPECT_NE(s7.find("**Witness:** condition " + to_string(x.condition) + " fails at $(i, j, j') = (" +
                      std::to_string(x.i) + ", " + std::to_string(x.j) + ", " + std::to_string(x.j_prime) + ")$"),
              std::string::npos)
        << s7;
  }
  // How the rows were decided.
  EXPECT_EQ(cert.rows, L);
  EXPECT_LE(cert.rows_filter + cert.rows_exact + cert.rows_undecided, L);
  if (cert.verdict == Verdict::certified) {
    EXPECT_EQ(cert.rows_filter + cert.rows_exact, L);
  }
  EXPECT_NE(s7.find("Of the $L = " + std::to_string(L) + "$ rows, " + std::to_string(cert.rows_filter) +
                    " were decided by the filter and " + std::to_string(cert.rows_exact) + " by the exact pass"),
            std::string::npos)
      << s7;
  // The evaluation: labelled, the same pair as section 6, and the same verdict
  // as the certificate wherever it is more than 1e-9 from a threshold; its
  // achieved eps_hat lies in the enclosure up to its own rounding.
  const bool approximates = r.eps_hat <= parameters.eps && r.lgam_hat <= std::log(static_cast<Real>(parameters.gamma));
  EXPECT_NE(s7.find("**Evaluation (double precision, not a certificate):**"), std::string::npos) << s7;
  EXPECT_NE(s7.find(approximates ? "**approximates**" : "**does not approximate**"), std::string::npos) << s7;
  const std::string evaluation_text = s7.substr(s7.find("**Evaluation"));
  EXPECT_TRUE(printed_as(number_after(evaluation_text, "\\hat\\varepsilon = "), r.eps_hat, 6, "eps_hat (evaluation)"));
  const ApproximationEvaluation& ev = w.verdict.evaluation;
  const double log_gamma = std::log(parameters.gamma);
  if (std::fabs(ev.eps_hat - parameters.eps) > 1e-9 &&
      (std::isinf(ev.log_gamma_hat) || std::fabs(ev.log_gamma_hat - log_gamma) > 1e-9)) {
    EXPECT_EQ(cert.verdict == Verdict::certified, ev.approximates());
    EXPECT_NE(s7.find("the certificate agrees with it"), std::string::npos) << s7;
  }
  const double slack = 1e-9 * std::max(1.0, std::fabs(ev.eps_hat));
  EXPECT_GE(ev.eps_hat, cert.eps_hat.lower - slack);
  EXPECT_LE(ev.eps_hat, cert.eps_hat.upper + slack);
}

// Every section, with the instance's numbers, on a 4-token target at two small
// d (full R; both refuted), the demo target at Theorem 1's d* (certified),
// and a 20-token demo where the walkthrough switches to per-row summaries.
TEST(Explain, EverySectionPrintsTheInstanceNumbersRecomputedIndependently) {
  ConstructionParameters small;
  small.rule = DimensionRule::given;
  small.d = 5;
  check_numbers(readme_target(), small);
  small.d = 16;  // refuted, with an R2 witness
  check_numbers(readme_target(), small);

  const ConstructionParameters at_d_star = at_theorem1_d_star();  // eps 1, gamma 0.1, delta 0.05, d = d*
  check_numbers(window_global_target(8, at_d_star.seed), at_d_star);
  const Construction demo8 = explain(window_global_target(8, at_d_star.seed), at_d_star).construction;
  EXPECT_EQ(demo8.d, demo8.d_star);  // the proved d* is the printed formula's value here
  EXPECT_EQ(demo8.bound_label, "d*");

  ConstructionParameters summary;
  summary.eps = 0.5;
  summary.gamma = 0.2;
  summary.rule = DimensionRule::given;
  summary.d = 64;
  summary.projection = Projection::rademacher;
  check_numbers(window_global_target(20, summary.seed), summary);
}

// More than 32 tokens: a clear refusal that names the limit and the alternative.
TEST(Explain, RefusesMoreThan32Tokens) {
  EXPECT_NO_THROW(explain(window_global_target(kExplainMaxTokens, 1), at_theorem1_d_star()));
  try {
    explain(window_global_target(kExplainMaxTokens + 1, 1), at_theorem1_d_star());
    FAIL() << "L = 33 accepted";
  } catch (const InputError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("L = 33 > 32"), std::string::npos) << message;
    EXPECT_NE(message.find("jlattn construct"), std::string::npos) << message;
  }
}

// The certificate section says what it knows and nothing more: an undecided
// certificate (here set by hand, as explain's instances are always decided
// within the default limits) is printed as undecided with its reason and the
// rows it left, never as certified or refuted, and the evaluation stays
// labelled as a measurement that the certificate does not confirm.
TEST(Explain, UndecidedCertificateIsShownAsUndecided) {
  Walkthrough w = explain(readme_target(), at_theorem1_d_star());
  ASSERT_EQ(w.verdict.certificate.verdict, Verdict::certified);
  Certificate& cert = w.verdict.certificate;
  cert.verdict = Verdict::undecided;
  cert.rows_filter = 2;
  cert.rows_exact = 1;
  cert.rows_undecided = 1;
  cert.max_precision_used = 128;
  cert.eps_hat.upper = std::numeric_limits<double>::infinity();
  cert.undecided_reason = "row 3: the work budget of the exact pass was reached";
  const std::string s7 = section(walkthrough_markdown(w, {}), "7. ");
  EXPECT_NE(s7.find("**Undecided:**"), std::string::npos) << s7;
  EXPECT_NE(s7.find("row 3: the work budget of the exact pass was reached"), std::string::npos) << s7;
  EXPECT_NE(s7.find("This is not a verdict either way."), std::string::npos) << s7;
  EXPECT_EQ(s7.find("**Certified:**"), std::string::npos) << s7;
  EXPECT_EQ(s7.find("**Refuted:**"), std::string::npos) << s7;
  EXPECT_NE(s7.find("2 were decided by the filter and 1 by the exact pass (interval precision up to 128 bits); 1 "
                    "were left undecided"),
            std::string::npos)
      << s7;
  EXPECT_NE(s7.find(", \\infty]$"), std::string::npos) << s7;
  EXPECT_NE(s7.find("the certificate does not decide it"), std::string::npos) << s7;
  EXPECT_NE(s7.find("**Evaluation (double precision, not a certificate):**"), std::string::npos) << s7;
}

// Each section links to its own proof page, and every link resolves.
TEST(Explain, SectionsLinkToTheirProofPages) {
  WalkthroughOptions options;
  options.proofs_prefix = std::string(JLATTN_SOURCE_DIR) + "/proofs/";
  const std::string doc = walkthrough_markdown(explain(readme_target(), at_theorem1_d_star()), options);
  const std::vector<std::pair<std::string, std::vector<std::string>>> expected = {
      {"1. ", {"definition1-target.md"}},
      {"2. ", {"lemma2-score-error.md"}},
      {"3. ", {"lemma1-log-transform.md"}},
      {"4. ", {"lemma3-jl-projection.md", "theorem1-one-target.md", "theorem2-all-targets.md"}},
      {"5. ", {"lemma4-adaptive-input.md"}},
      {"6. ", {"definition2-approximation.md", "corollary0-leakage.md"}},
      {"7. ", {"certificate.md", "docs/contract.md"}},
  };
  for (const auto& [heading, pages] : expected) {
    const std::string text = section(doc, heading);
    ASSERT_FALSE(text.empty()) << "no section " << heading;
    for (const std::string& page : pages) EXPECT_NE(text.find(page + ")"), std::string::npos) << heading << page;
  }
  const std::regex link(R"(\]\(([^)]+)\))");
  int links = 0;
  for (auto it = std::sregex_iterator(doc.begin(), doc.end(), link); it != std::sregex_iterator(); ++it, ++links)
    EXPECT_TRUE(fs::is_regular_file((*it)[1].str())) << (*it)[1].str();
  EXPECT_GE(links, 11);
}

// The HTML: every formula is handed to the local MathJax (no '$' left, no
// network URL), tables and links are HTML.
TEST(Explain, HtmlLoadsOnlyTheLocalMathJax) {
  WalkthroughOptions options;
  options.command = "jlattn explain --target 'a&b.mtx' --out w.html";
  const std::string html = walkthrough_html(explain(readme_target(), at_theorem1_d_star()), options);
  EXPECT_NE(html.find("<script type=\"text/javascript\" src=\"file:///usr/share/javascript/mathjax/MathJax.js"
                      "?config=TeX-AMS_SVG\"></script>"),
            std::string::npos);
  EXPECT_EQ(html.find("http"), std::string::npos);
  EXPECT_EQ(html.find('$'), std::string::npos);
  EXPECT_NE(html.find("\\(\\eta\\)"), std::string::npos);
  EXPECT_NE(html.find("<a href=\"../proofs/lemma1-log-transform.md\">Lemma 1</a>"), std::string::npos);
  EXPECT_NE(html.find("'a&amp;b.mtx'"), std::string::npos);
  // Without MathJax the page says how to get it; a script hides that once
  // MathJax has loaded (tools/check-walkthrough-browser.py opens both cases).
  EXPECT_NE(html.find("<p id=\"mathjax-missing\""), std::string::npos);
  EXPECT_NE(html.find("<code>apt-get install libjs-mathjax</code>"), std::string::npos);
  EXPECT_NE(html.find("--mathjax URL"), std::string::npos);
  EXPECT_NE(html.find("document.getElementById('mathjax-missing').hidden = true;"), std::string::npos);
  for (const char* id : {"1-the-target-and-its-supports-definition-1", "5-the-input-x-and-the-scores-s-lemma-4"})
    EXPECT_NE(html.find(std::string("id=\"") + id + "\""), std::string::npos) << id;
}

// ---------------------------------------------------------------------------
// The command line.

using testing::CliRun;
using testing::slurp;

class ExplainCli : public testing::ScratchDirTest {
 protected:
  ExplainCli() : ScratchDirTest("jlattn_explain_") {}

  // Runs jlattn with `args` in directory `cwd`.
  CliRun jlattn(const std::string& args, const fs::path& cwd) const {
    return testing::run_jlattn(args, dir_, {.cwd = cwd});
  }
};

TEST_F(ExplainCli, RefusesLargeTargetsPolitelyAndWritesNothing) {
  const CliRun r = jlattn("explain --demo 40 --out w.md", dir_);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("explain walks through small targets only"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("L = 40 > 32"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "w.md"));
  const CliRun both = jlattn("explain --out w.md", dir_);
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_NE(both.err.find("exactly one of --target A.mtx and --demo L"), std::string::npos) << both.err;
  const CliRun extension = jlattn("explain --demo 4 --out w.txt", dir_);
  EXPECT_EQ(extension.exit_code, 2);
  EXPECT_NE(extension.err.find(".md"), std::string::npos) << extension.err;
}

// Written far from the source tree, the links still reach the proof pages.
TEST_F(ExplainCli, WritesMarkdownAndHtmlWhoseLinksResolve) {
  std::ofstream(dir_ / "A.mtx") << "%%MatrixMarket matrix coordinate real general\n4 4 7\n"
                                   "1 1 1\n1 2 2\n2 2 1\n3 1 1\n3 3 3\n4 1 1\n4 4 1\n";
  for (const char* out : {"w.md", "w.html"}) {
    const CliRun r = jlattn(std::string("explain --target A.mtx --d 6 --out ") + out, dir_);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;  // 0: written, whatever the verdict in it
    EXPECT_NE(r.out.find("; certificate: refuted)"), std::string::npos) << r.out;
    const std::string text = slurp(dir_ / out);
    EXPECT_NE(text.find("jlattn explain --target A.mtx --eps 1 --gamma 0.1 --delta 0.05 --seed 2106037642 --d 6 "
                        "--projection gaussian --out "),
              std::string::npos);
    const std::regex link{std::string(out) == "w.md" ? R"(\]\(([^)]+)\))" : R"re(href="([^"]+)")re"};
    int links = 0;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), link); it != std::sregex_iterator(); ++it, ++links)
      EXPECT_TRUE(fs::is_regular_file(dir_ / (*it)[1].str())) << out << ": " << (*it)[1].str();
    EXPECT_GE(links, 11) << out;
  }
}

// The commands printed in the certificate section rebuild the same X and
// certify it outside the page: `jlattn certify` gives the same verdict, and
// its 17-digit enclosure of eps_hat lies inside the walkthrough's outward
// 9-digit one.
TEST_F(ExplainCli, PrintedCheckCommandsGiveTheSameCertificate) {
  std::ofstream(dir_ / "A.mtx") << "%%MatrixMarket matrix coordinate real general\n4 4 7\n"
                                   "1 1 1\n1 2 2\n2 2 1\n3 1 1\n3 3 3\n4 1 1\n4 4 1\n";
  for (const char* d : {"16", "auto"}) {
    SCOPED_TRACE(d);
    const CliRun r = jlattn(std::string("explain --target A.mtx --d ") + d + " --out w.md", dir_);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string s7 = section(slurp(dir_ / "w.md"), "7. ");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(s7, m, std::regex(R"(outside this page:\n\n```sh\n(jlattn construct [^\n]*)\n(jlattn certify [^\n]*)\n```)")))
        << s7;
    const CliRun built = jlattn(m[1].str().substr(7), dir_);
    ASSERT_TRUE(built.exit_code == 0 || built.exit_code == 3) << built.err;
    const CliRun certified = jlattn(m[2].str().substr(7), dir_);
    const bool is_certified = s7.find("**Certified:**") != std::string::npos;
    EXPECT_EQ(certified.exit_code, is_certified ? 0 : 3) << certified.out << certified.err;
    EXPECT_NE(certified.out.find(std::string("verdict       ") + (is_certified ? "certified" : "refuted")),
              std::string::npos)
        << certified.out;
    std::smatch e;
    ASSERT_TRUE(std::regex_search(certified.out, e, std::regex(R"(eps_hat +in \[([^,]+), ([^\]]+)\])"))) << certified.out;
    const Enclosure printed = printed_enclosure(tables(s7).at(0).at(0).at(1));
    EXPECT_LE(printed.lower, std::strtod(e[1].str().c_str(), nullptr));
    EXPECT_GE(printed.upper, std::strtod(e[2].str().c_str(), nullptr));
  }
}

// The walkthrough checked in under docs/ is what the command printed in it
// regenerates (up to where the output is written, which moves the links).
TEST_F(ExplainCli, CheckedInDemoWalkthroughIsCurrent) {
  const fs::path source = JLATTN_SOURCE_DIR;
  for (const char* name : {"walkthrough-demo.md", "walkthrough-demo.html"}) {
    SCOPED_TRACE(name);
    const std::string checked_in = slurp(source / "docs" / name);
    ASSERT_FALSE(checked_in.empty()) << "docs/" << name << " is missing";
    std::smatch m;
    ASSERT_TRUE(std::regex_search(checked_in, m, std::regex(R"((jlattn explain [^\n<]*) --out (docs/[\w.-]+))")));
    const std::string command = m[1].str(), out_arg = m[2].str();
    ASSERT_EQ(out_arg, std::string("docs/") + name);
    const fs::path out = dir_ / name;
    const CliRun r = jlattn(command.substr(7) + " --out " + out.string(), source);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::string fresh = slurp(out);
    auto replace_all = [&fresh](const std::string& from, const std::string& to) {
      for (std::size_t at = fresh.find(from); at != std::string::npos; at = fresh.find(from, at + to.size()))
        fresh.replace(at, from.size(), to);
    };
    const std::string prefix =
        fs::weakly_canonical(source / "proofs").lexically_relative(fs::weakly_canonical(dir_)).generic_string() + "/";
    replace_all(" --out " + out.string(), " --out " + out_arg);
    replace_all(prefix.substr(0, prefix.size() - 7) + "docs/", "../docs/");
    replace_all(prefix, "../proofs/");
    EXPECT_TRUE(fresh == checked_in) << "docs/" << name << " is stale; regenerate it from the source directory with\n  "
                                     << "build/bin/" << command << " --out " << out_arg;
  }
}

}  // namespace
}  // namespace jlattn
