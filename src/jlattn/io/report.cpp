#include "jlattn/io/report.hpp"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "jlattn/core/errors.hpp"
#include "jlattn/proof/definition2_approximation.hpp"
#include "jlattn/proof/lemma2_score_error.hpp"

namespace jlattn::io {

namespace {

nlohmann::json finite_or_null(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); }

const char* rule_name(DimensionRule rule) {
  switch (rule) {
    case DimensionRule::proved_bound: return "auto";
    case DimensionRule::given: return "given";
    case DimensionRule::trivial: return "trivial";
  }
  return "?";
}

/// The whole file: indented by two, with a final newline.
std::string file_text(const nlohmann::json& j) { return j.dump(2) + "\n"; }

nlohmann::json parse_object(const std::string& text, const std::string& source, const std::string& what) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception&) {
    throw InputError(source + " is not " + what + " (invalid JSON)");
  }
  if (!j.is_object()) throw InputError(source + " is not " + what + " (not a JSON object)");
  return j;
}

nlohmann::json certificate_object(const Certificate& cert) {
  nlohmann::json j = {
      {"verdict", to_string(cert.verdict)},
      {"kind", "certificate: a proof about the stored doubles and the real-number semantics of Definition 2"},
      {"eps", cert.eps},
      {"gamma", cert.gamma},
      {"scaled", cert.scaled},
      {"eps_hat", enclosure_json(cert.eps_hat)},
      {"gamma_hat", enclosure_json(cert.gamma_hat)},
      {"log_gamma_hat", enclosure_json(cert.log_gamma_hat)},
      {"rows", cert.rows},
      {"rows_decided_by_filter", cert.rows_filter},
      {"rows_decided_in_float32", cert.rows_float32},
      {"rows_refined_in_double", cert.rows_refined},
      {"rows_decided_by_exact_pass", cert.rows_exact},
      {"rows_undecided", cert.rows_undecided},
      {"max_precision_bits", cert.max_precision_used},
      {"exact_multiply_adds", cert.exact_multiply_adds},
      {"filter_used", cert.filter_used},
      {"filter_product", cert.score_product},
      {"filter_note", cert.filter_note},
      {"undecided_reason", cert.undecided_reason}};
  if (cert.witness) {
    j["witness"] = {{"i", cert.witness->i},
                    {"j", cert.witness->j},
                    {"j_prime", cert.witness->j_prime},
                    {"condition", to_string(cert.witness->condition)},
                    {"margin", enclosure_json(cert.witness->margin)}};
  } else {
    j["witness"] = nullptr;
  }
  return j;
}

/// The lower bound at the norms of given matrices, labelled as the theorem it is.
nlohmann::json lower_bound_object(const LowerBoundAtNorms& at) {
  const DimensionLowerBound& b = at.d_lower;
  const ScoreNorms& norms = at.norms;
  nlohmann::json j = {{"name", "d_lower"},
                      {"kind", "proved lower bound (proofs/lower-bound.md): no input and no parameters whose largest "
                               "query norm times largest key norm is at most norm_budget serve a permutation pattern "
                               "of L tokens (every class contains one) in fewer dimensions"},
                      {"computed", b.computed},
                      {"query_norm_upper", finite_or_null(norms.query)},
                      {"key_norm_upper", finite_or_null(norms.key)},
                      {"norm_budget", finite_or_null(norms.product)},
                      {"norm_budget_source", b.source},
                      {"method", b.method}};
  if (!norms.computed) j["note"] = norms.note;
  if (b.computed) {
    j["infeasible"] = b.infeasible;
    j["d"] = b.infeasible ? nlohmann::json(nullptr) : nlohmann::json(b.d);
  }
  return j;
}

}  // namespace

nlohmann::json enclosure_json(const Enclosure& e) {
  return nlohmann::json{{"lower", finite_or_null(e.lower)}, {"upper", finite_or_null(e.upper)}};
}

std::string certificate_json(const Certificate& cert, const LowerBoundAtNorms* lower_bound) {
  nlohmann::json j = certificate_object(cert);
  if (lower_bound) j["d_lower"] = lower_bound_object(*lower_bound);
  return file_text(j);
}

std::string construction_report_json(const Construction& c, const Certificate& certificate,
                                     const UniformProjectionRecord* uniform) {
  const ConstructionParameters& r = c.parameters;
  const ApproximationEvaluation& e = c.evaluation;
  nlohmann::json j;
  j["program"] = {{"name", "jlattn"}, {"version", JLATTN_VERSION}};
  j["parameters"] = {{"eps", r.eps},
                     {"gamma", r.gamma},
                     {"delta", r.delta},
                     {"seed", r.seed},
                     {"gap_Delta", r.gap_Delta ? nlohmann::json(*r.gap_Delta) : nlohmann::json(nullptr)},
                     {"projection", c.trivial ? "identity (trivial baseline)" : to_string(r.projection)},
                     {"d_rule", rule_name(r.rule)},
                     {"bound", r.rule == DimensionRule::proved_bound ? to_string(r.bound) : "-"}};
  j["target"] = {{"L", c.L}, {"k", c.k}, {"rho", c.rho}, {"max_column_count", c.max_column_count}};
  j["derived"] = {{"eta", c.budget.eta},
                  {"Delta", c.budget.gap_Delta},
                  {"beta_sharp", c.beta_sharp_class},
                  {"beta_instance", c.beta_instance},
                  {"l1_upper", c.l1_upper_class},
                  {"tau", c.tau},
                  {"tau_u", c.tau_u}};
  j["dimensions"] = {{"d", c.d},
                     {"d_star_theorem1", c.d_star},
                     {"d_star_u_theorem2", c.d_star_u},
                     {"trivial_L", c.L},
                     {"note", "d* and d*_u evaluated in double precision (a ceil may be off by one at an integer)"}};
  if (!c.bound_name.empty()) {
    j["dimensions"]["d_from_bound"] = {{"name", c.bound_name},
                                       {"label", c.bound_label},
                                       {"theorem", c.bound_theorem},
                                       {"scope", c.bound_scope},
                                       {"rho_upper", c.rho_upper},
                                       {"kind", "proved integer from MPFR/MPFI enclosures (jlattn bound)"}};
  }
  if (c.d_chernoff_target) j["dimensions"]["d_chernoff_target"] = *c.d_chernoff_target;
  j["dimensions"]["d_lower"] = lower_bound_object(c.lower_bound);
  nlohmann::json evaluation = {
      {"kind", "evaluation in double precision, not a certificate"},
      {"eps_hat", e.eps_hat},
      {"gamma_hat", e.gamma_hat},
      {"log_gamma_hat", finite_or_null(e.log_gamma_hat)},
      {"worst_row_eps", e.worst_row_eps},
      {"worst_row_gamma", e.worst_row_gamma},
      {"R1_holds", e.r1_holds},
      {"R2_holds", e.r2_holds},
      {"approximates", e.approximates()},
      {"max_score_error", c.max_score_error},
      {"lemma2_hypothesis_max_score_error_le_eta", c.max_score_error <= c.budget.eta},
      {"leakage_share_upper", c.leakage_share_upper}};
  if (!std::isfinite(e.log_gamma_hat)) evaluation["log_gamma_hat_note"] = "every row's support is the whole row";
  if (e.witness) {
    evaluation["witness"] = {{"i", e.witness->i},
                             {"j", e.witness->j},
                             {"j_prime", e.witness->j_prime},
                             {"condition", to_string(e.witness->condition)},
                             {"excess", e.witness->excess}};
  } else {
    evaluation["witness"] = nullptr;
  }
  j["evaluation"] = evaluation;
  j["certificate"] = certificate_object(certificate);
  j["input_row_norms"] = {{"max", *std::max_element(c.input_row_norms.begin(), c.input_row_norms.end())},
                          {"rows", c.input_row_norms}};
  j["files"] = {{"X", "X.npy (L x 2d, float64, C order)"},
                {"W_Q", "W_Q.npy ([I_d; 0], 2d x d)"},
                {"W_K", "W_K.npy ([0; I_d], 2d x d)"},
                {"scores", "S = (X W_Q)(X W_K)^T; attention softmax(S) row-wise, unscaled"}};
  if (uniform) {
    nlohmann::json u = parse_object(uniform->certificate_json, uniform->file, "a projection certificate");
    u["file"] = uniform->file;
    u["reused"] = uniform->reused;
    j["uniform_projection"] = u;
  }
  return file_text(j);
}

std::string projection_certificate_json(const ProjectionCertificate& cert, const std::string& r_fnv1a) {
  nlohmann::json j = {{"verdict", to_string(cert.verdict)},
                      {"condition", "mu(R) = max |R R^T - I| <= tau_u = (eps/2) / (k Delta + (k-1) rho)"},
                      {"L", cert.L},
                      {"d", cert.d},
                      {"k", cert.k},
                      {"rho", cert.rho},
                      {"eps", cert.eps},
                      {"gamma", cert.gamma},
                      {"gap_Delta", optional_json(cert.gap_Delta)},
                      {"Delta", enclosure_json(cert.Delta)},
                      {"mu", enclosure_json(cert.mu)},
                      {"tau_u", enclosure_json(cert.tau_u)},
                      {"entries_exact", cert.entries_exact},
                      {"undecided_reason", cert.undecided_reason}};
  j["witness"] = cert.witness ? nlohmann::json{{"l", cert.witness->first}, {"j", cert.witness->second}}
                              : nlohmann::json(nullptr);
  if (!r_fnv1a.empty()) j["R_fnv1a"] = r_fnv1a;
  return file_text(j);
}

std::optional<std::string> projection_certificate_verdict(const std::string& text, const ProjectionIdentity& identity,
                                                          const std::string& source) {
  const nlohmann::json stored = parse_object(text, source, "a projection certificate");
  // The gap tau_u was computed at, as a point: the given one, or Lemma 2's
  // rounded up (a file from before that rule holds an interval around the
  // real gap, whose tau_u is not this B's).
  const double Delta = identity.gap_Delta ? *identity.gap_Delta : lemma2_gap_Delta(identity.eps, identity.gamma);
  const nlohmann::json wanted = {{"R_fnv1a", identity.r_fnv1a}, {"L", identity.L},     {"d", identity.d},
                                 {"k", identity.k},             {"rho", identity.rho}, {"eps", identity.eps},
                                 {"gamma", identity.gamma},     {"gap_Delta", optional_json(identity.gap_Delta)},
                                 {"Delta", enclosure_json(Enclosure::point(Delta))}};
  for (const auto& [key, value] : wanted.items())
    if (!stored.contains(key) || stored[key] != value) return std::nullopt;
  if (!stored.contains("verdict") || !stored["verdict"].is_string())
    throw InputError(source + " is not a projection certificate (no verdict)");
  return stored["verdict"].get<std::string>();
}

// ---- `jlattn bound --json` ----------------------------------------------------

nlohmann::json bound_json(const DimensionBound& b) {
  nlohmann::json valid = nlohmann::json::array();
  if (b.name == BoundName::trivial) valid.push_back("any (R = I)");
  for (Projection p : b.valid_for) valid.push_back(to_string(p));
  nlohmann::json j = {{"name", to_string(b.name)},
                      {"label", b.label},
                      {"theorem", b.theorem},
                      {"formula", b.formula},
                      {"valid_for", valid},
                      {"computed", b.computed}};
  if (b.computed) {
    j["d"] = b.exceeds_2_64 ? nlohmann::json(nullptr) : nlohmann::json(b.d);
    j["exceeds_2_64"] = b.exceeds_2_64;
    j["tight"] = b.tight;
    const bool union_bound = b.name == BoundName::d_star_exact ||
                             b.name == BoundName::d_star_u_exact || b.name == BoundName::d_chernoff ||
                             b.name == BoundName::d_chernoff_u;
    j[union_bound ? "union_bound_over_delta_at_d" : "value"] = enclosure_json(b.value);
    j["method"] = b.method;
  }
  if (!b.note.empty()) j["note"] = b.note;
  nlohmann::json below = {{"method", b.below_L.method}};
  switch (b.below_L.status) {
    case Crossover::Status::found: below["status"] = "found"; below["L"] = b.below_L.L; break;
    case Crossover::Status::not_below_2_64: below["status"] = "not below 2^64"; break;
    case Crossover::Status::not_computed: below["status"] = "not computed"; break;
  }
  j["smallest_L_below_L"] = below;
  return j;
}

nlohmann::json lower_bound_json(const DimensionLowerBound& b) {
  nlohmann::json j = {{"name", to_string(BoundName::d_lower)},
                      {"kind", "lower bound"},
                      {"computed", b.computed},
                      {"method", b.method}};
  if (!b.computed) return j;
  j["norm_budget"] = b.norm_product;
  j["norm_budget_source"] = b.source;
  j["infeasible"] = b.infeasible;
  j["d"] = b.infeasible ? nlohmann::json(nullptr) : nlohmann::json(b.d);
  j["value"] = enclosure_json(b.value);
  return j;
}

nlohmann::json norm_budget_json(const NormBudget& n) {
  return {{"d", n.d},         {"delta_N", n.delta_N},       {"beta", enclosure_json(n.beta)}, {"tau", n.tau},
          {"query_norm", n.query_norm}, {"key_norm", n.key_norm}, {"product", n.product}};
}

nlohmann::json optional_json(const std::optional<double>& x) { return x ? nlohmann::json(*x) : nlohmann::json(nullptr); }

nlohmann::json bound_report_json(const BoundReport& r, const std::vector<Projection>& laws, double elapsed_ms) {
  const BoundQuery& q = r.query;
  nlohmann::json j;
  j["program"] = {{"name", "jlattn"}, {"version", JLATTN_VERSION}, {"command", "bound"}};
  j["parameters"] = {{"L", q.L},         {"k", q.k},         {"eps", q.eps},
                     {"gamma", q.gamma}, {"rho", q.rho},     {"delta", q.delta},
                     {"gap_Delta", optional_json(q.gap_Delta)}, {"norm_budget", optional_json(q.norm_budget)}};
  j["rigour"] = "every integer is proved from enclosures computed with MPFR/MPFI interval arithmetic (outward "
                "rounding, up to " + std::to_string(r.max_precision_bits) +
                " bits); the exact-tail minima and their crossovers assume p(d, tau) non-increasing in d, and the "
                "Theorem 3 crossovers assume their condition monotone in L, as each entry's method says; the "
                "statements are about an ideal R (Theorems 1, 1', 2, 3); d_lower is a lower bound for any input "
                "and parameters at the stated norm budget";
  j["derived"] = {{"eta", enclosure_json(r.eta)},
                  {"Delta", enclosure_json(r.gap_Delta)},
                  {"beta_sharp", enclosure_json(r.beta_sharp)},
                  {"beta_paper", enclosure_json(r.beta_paper)},
                  {"l1_upper", enclosure_json(r.l1_upper)},
                  {"tau", enclosure_json(r.tau)},
                  {"tau_paper", enclosure_json(r.tau_paper)},
                  {"tau_u", enclosure_json(r.tau_u)},
                  {"tau_pair", enclosure_json(r.tau_pair)}};
  nlohmann::json bounds = nlohmann::json::array();
  for (const DimensionBound& b : r.bounds) bounds.push_back(bound_json(b));
  j["bounds"] = bounds;
  nlohmann::json lower = nlohmann::json::array();
  lower.push_back(lower_bound_json(r.d_lower));
  if (r.d_lower_at_budget) lower.push_back(lower_bound_json(*r.d_lower_at_budget));
  j["lower_bounds"] = lower;
  if (r.d_lower.computed) j["lemma4_norm_budget"] = norm_budget_json(r.lemma4_budget);
  nlohmann::json smallest;
  for (Projection p : laws) {
    const DimensionBound& b = smallest_valid_bound(r, p, BoundFamilies::all_theorems);
    smallest[to_string(p)] = {{"name", to_string(b.name)}, {"d", b.d}};
  }
  j["smallest_valid"] = smallest;
  j["elapsed_ms"] = elapsed_ms;
  return j;
}

}  // namespace jlattn::io
