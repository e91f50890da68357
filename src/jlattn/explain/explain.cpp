#include "jlattn/explain/explain.hpp"

#include <algorithm>
#include <cmath>
#include <span>
#include <string>
#include <utility>

#include "jlattn/core/errors.hpp"
#include "jlattn/explain/render_html.hpp"
#include "jlattn/explain/render_markdown.hpp"
#include "jlattn/explain/sections.hpp"
#include "jlattn/proof/lemma1_log_transform.hpp"
#include "jlattn/proof/lemma3_jl_projection.hpp"
#include "jlattn/proof/lemma4_adaptive_input.hpp"
#include "jlattn/proof/theorem1_one_target.hpp"
#include "jlattn/proof/theorem2_all_targets.hpp"

namespace jlattn {

namespace {

// Lemma 1: B, its row norms, and whether every row's minimum is exactly Delta.
void collect_log_transform(Walkthrough& w, const LogTransform& B) {
  const Construction& c = w.construction;
  w.B = B.dense();
  for (std::size_t i = 0; i < c.L; ++i) {
    w.row_norm2.push_back(B.row_norm2(i));
    w.row_norm1.push_back(B.row_norm1(i));
    const auto row = B.row(i);
    w.row_minimum_is_Delta = w.row_minimum_is_Delta && *std::min_element(row.begin(), row.end()) == c.budget.gap_Delta;
  }
}

// Lemma 4 and Definition 2: S row by row, exactly as the evaluation of
// Definition 2 computes it, each row's ratio check and its error against B.
void collect_scores(Walkthrough& w, const Target& A) {
  const Construction& c = w.construction;
  const std::size_t L = c.L;
  const auto n = static_cast<Eigen::Index>(L);
  w.S.resize(n, n);
  for_each_score_row(lemma4_queries(c.X), lemma4_keys(c.X), 1.0, L, [&](std::size_t i, std::span<const double> row) {
    std::copy(row.begin(), row.end(), w.S.data() + static_cast<Eigen::Index>(i) * n);
  });
  for (std::size_t i = 0; i < L; ++i) {
    const auto ii = static_cast<Eigen::Index>(i);
    w.rows.push_back(evaluate_row(std::span<const double>(w.S.data() + ii * n, L), A, i));
    const double error = (w.S.row(ii) - w.B.row(ii)).cwiseAbs().maxCoeff();
    w.row_error.push_back(error);
    w.max_relative_error = std::max(w.max_relative_error, error / w.row_norm2[i]);
  }
}

// Lemma 3, Theorems 1 and 2: R's first columns, c(tau), the union bound at d, mu(R).
void collect_projection(Walkthrough& w) {
  const Construction& c = w.construction;
  const Matrix R = lemma4_keys(c.X);
  w.R_head = R.leftCols(std::min<Eigen::Index>(R.cols(), static_cast<Eigen::Index>(kExplainProjectionColumns)));
  w.mu = coherence_mu(R);
  w.c_tau = jl_exponent_c(c.tau);
  const auto L = static_cast<double>(c.L);
  w.union_bound = 4.0 * L * L * std::exp(-static_cast<double>(c.d) * w.c_tau);
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
  w.A = A.dense();
  collect_log_transform(w, prepared.B);
  collect_scores(w, A);
  collect_projection(w);
  // Theorem 3 for this target, shown beside d* (the construction computed it when it chose d by it).
  w.d_chernoff = chernoff_dimension(prepared).bound;
  return w;
}

std::string walkthrough_markdown(const Walkthrough& w, const WalkthroughOptions& options) {
  return walkthrough::render_markdown(walkthrough::walkthrough_document(w, options));
}

std::string walkthrough_html(const Walkthrough& w, const WalkthroughOptions& options) {
  return walkthrough::render_html(walkthrough::walkthrough_document(w, options),
                                  {"jlattn walkthrough: Theorem 1 on " + options.target_name, options.mathjax_url});
}

}  // namespace jlattn
