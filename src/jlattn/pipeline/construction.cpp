#include "jlattn/pipeline/construction.hpp"

#include <algorithm>
#include <string>

#include "jlattn/core/random_streams.hpp"
#include "jlattn/bounds/rigorous_bounds.hpp"
#include "jlattn/core/errors.hpp"
#include "jlattn/core/reproducible_random.hpp"
#include "jlattn/core/weights.hpp"
#include "jlattn/pipeline/memory_guard.hpp"
#include "jlattn/proof/corollary0_leakage.hpp"
#include "jlattn/proof/lemma3_jl_projection.hpp"
#include "jlattn/proof/lemma4_adaptive_input.hpp"
#include "jlattn/proof/theorem1_one_target.hpp"
#include "jlattn/proof/theorem2_all_targets.hpp"
#include "jlattn/core/format.hpp"

namespace jlattn {

namespace {

constexpr std::size_t kDimensionLimit = std::size_t{1} << 32;

Matrix identity_projection(std::size_t L) {
  return Matrix::Identity(static_cast<Eigen::Index>(L), static_cast<Eigen::Index>(L));
}

/// The bound of rule proved_bound: rigorous_bounds for the target's class,
/// then the requested bound (or the smallest valid one) for the projection.
const DimensionBound& chosen_bound(const BoundReport& report, BoundChoice choice, Projection projection) {
  if (choice == BoundChoice::smallest) return smallest_valid_bound(report, projection);
  const BoundName name = choice == BoundChoice::d_star         ? BoundName::d_star
                         : choice == BoundChoice::d_star_exact ? BoundName::d_star_exact
                         : choice == BoundChoice::d_pair       ? BoundName::d_pair
                                                               : BoundName::d_polar;
  const DimensionBound& b = find_bound(report, name);
  if (!is_valid_for(b, projection))
    throw InputError("--bound " + to_string(choice) + " (" + b.label + ") is proved for Gaussian R only, not for " +
                     to_string(projection) + "; use dstar, polar or auto");
  if (!b.computed || b.exceeds_2_64)
    throw InputError("--bound " + to_string(choice) + " (" + b.label + ") is not available here: " +
                     (b.note.empty() ? std::string("it exceeds 2^64") : b.note));
  return b;
}

/// The proved dimension of rule proved_bound: the class (L, k, rho) with a
/// rigorous upper bound on rho, every integer from enclosures
/// (proofs/rigorous-bounds.md).
void choose_proved_bound(const PreparedTarget& prepared, ChosenDimension& dimension) {
  const ConstructionParameters& p = prepared.parameters;
  dimension.rho_upper = target_range_upper(prepared.target());
  const BoundQuery query{.L = prepared.L, .k = prepared.k, .eps = p.eps, .gamma = p.gamma,
                         .rho = dimension.rho_upper, .delta = p.delta, .crossovers = false,
                         .exact_tails = p.bound == BoundChoice::smallest || p.bound == BoundChoice::d_star_exact};
  const BoundReport report = rigorous_bounds(query);
  const DimensionBound& b = chosen_bound(report, p.bound, p.projection);
  if (b.exceeds_2_64 || b.d >= kDimensionLimit)
    throw InputError(b.label + " = " + (b.exceeds_2_64 ? std::string(">= 2^64") : std::to_string(b.d)) +
                     " is beyond the largest supported d (2^32 - 1)");
  dimension.d = static_cast<std::size_t>(b.d);
  dimension.bound_name = to_string(b.name);
  dimension.bound_label = b.label;
  dimension.bound_theorem = b.theorem;
}

/// Stages 2-4 after stage 1, refusing before allocating what `need` says.
/// `certifying`: the caller certifies next, so the memory check counts both.
Construction construct_prepared(const PreparedTarget& prepared, const ResourcePolicy& policy, bool certifying) {
  Construction c;
  static_cast<TargetDerivation&>(c) = prepared;
  static_cast<ChosenDimension&>(c) = choose_dimension(prepared);
  c.parameters = prepared.parameters;

  // Refuse before allocating (memory_guard.hpp): one line with the figure and the limit.
  const std::size_t need = certifying ? construct_and_certify_memory_bytes(c.L, c.d, policy.threads)
                                      : construction_memory_bytes(c.L, c.d);
  require_memory(need, policy.max_memory_bytes,
                 "d = " + std::to_string(c.d) + " for L = " + std::to_string(c.L) +
                     (certifying ? " (construction and certification)" : ""));

  stop_point(policy.stop);
  c.X = emit_input(prepared, c, policy.threads);
  c.input_row_norms = input_row_norms(c.X);
  stop_point(policy.stop);
  static_cast<InputEvaluation&>(c) = evaluate(prepared, c.X, policy.stop);
  return c;
}

}  // namespace

PreparedTarget prepare(const Target& A, const ConstructionParameters& parameters) {
  validate(parameters);
  PreparedTarget prepared;
  prepared.parameters = parameters;
  // Definition 1: the target's class.
  prepared.L = A.L();
  prepared.k = A.k();
  prepared.rho = A.rho();
  prepared.max_column_count = A.max_column_count();

  // Lemma 2: the score budget eta and the gap Delta from (eps, gamma).
  prepared.budget = score_error_budget(parameters.eps, parameters.gamma);
  const double Delta = prepared.budget.gap_Delta;

  // Lemma 1: B, and the norm bounds that Theorems 1 and 2 use.
  prepared.B = log_transform(A, Delta);
  prepared.beta_sharp_class = beta_sharp(prepared.k, Delta, prepared.rho);
  prepared.l1_upper_class = l1_norm_upper(prepared.k, Delta, prepared.rho);
  for (std::size_t i = 0; i < prepared.L; ++i)
    prepared.beta_instance = std::max(prepared.beta_instance, prepared.B.row_norm2(i));
  return prepared;
}

ChosenDimension choose_dimension(const PreparedTarget& prepared) {
  const ConstructionParameters& p = prepared.parameters;
  const double eta = prepared.budget.eta;
  ChosenDimension dimension;
  // Theorems 1 and 2: the dimensions the proof asks for.
  dimension.tau = tau_theorem1(eta, prepared.beta_sharp_class);
  dimension.d_star = d_star_theorem1(prepared.L, dimension.tau, p.delta);
  dimension.tau_u = tau_u_theorem2(eta, prepared.k, prepared.budget.gap_Delta, prepared.rho);
  dimension.d_star_u = d_star_u_theorem2(prepared.L, dimension.tau_u, p.delta);

  if (p.given_projection) {
    // Theorem 2: one R fixed in advance for a whole class of targets.
    const Matrix& R = *p.given_projection;
    if (R.rows() != static_cast<Eigen::Index>(prepared.L))
      throw InputError("the given projection R has " + std::to_string(R.rows()) + " rows, the target has L = " +
                       std::to_string(prepared.L));
    dimension.d = static_cast<std::size_t>(R.cols());
  } else {
    switch (p.rule) {
      case DimensionRule::proved_bound: choose_proved_bound(prepared, dimension); break;
      case DimensionRule::given: dimension.d = p.d; break;
      case DimensionRule::trivial:
        dimension.d = prepared.L;
        dimension.trivial = true;
        break;
    }
  }
  if (dimension.d < 1 || dimension.d >= kDimensionLimit)
    throw InputError("d must be in [1, 2^32), got " + std::to_string(dimension.d));
  return dimension;
}

Matrix emit_input(const PreparedTarget& prepared, const ChosenDimension& dimension, unsigned threads) {
  const ConstructionParameters& p = prepared.parameters;
  // Lemma 3: the projection R (the identity for the trivial baseline), then
  // Lemma 4: the input X = [B R | R]; R itself is X's right block afterwards.
  if (p.given_projection) return adaptive_input(prepared.B, *p.given_projection);
  if (dimension.trivial) return adaptive_input(prepared.B, identity_projection(prepared.L));
  return adaptive_input(prepared.B, projection_matrix(p.projection, prepared.L, dimension.d, p.seed, threads));
}

InputEvaluation evaluate(const PreparedTarget& prepared, const Matrix& X, const StopRequest& stop) {
  const ConstructionParameters& p = prepared.parameters;
  InputEvaluation e;
  // Lemma 2's hypothesis (max |S - B| <= eta) and Definition 2's conclusion,
  // both evaluated in double precision on the emitted X.
  e.evaluation = evaluate_attention_and_score_error(lemma4_queries(X), lemma4_keys(X), prepared.B, p.eps, p.gamma,
                                                    &e.max_score_error, stop);
  // Corollary 0 at the achieved gamma: the worst row's off-support share.
  const Target& A = prepared.target();
  for (std::size_t i = 0; i < prepared.L; ++i)
    e.leakage_share_upper =
        std::max(e.leakage_share_upper, leakage_share_upper(prepared.L, A.k_i(i), e.evaluation.gamma_hat));
  return e;
}

Certificate certify_emitted(const PreparedTarget& prepared, const Matrix& X, const ResourcePolicy& policy) {
  const ConstructionParameters& p = prepared.parameters;
  const auto d = static_cast<std::size_t>(X.cols() / 2);
  return certify(prepared.target(), X, Weights::lemma4_query(d), Weights::lemma4_key(d), p.eps, p.gamma,
                 /*scaled=*/false, certification_limits(policy));
}

Construction construct(const Target& A, const ConstructionParameters& parameters, const ResourcePolicy& policy) {
  return construct_prepared(prepare(A, parameters), policy, /*certifying=*/false);
}

CertifiedConstruction construct_and_certify(const PreparedTarget& prepared, const ResourcePolicy& policy) {
  CertifiedConstruction result;
  result.construction = construct_prepared(prepared, policy, /*certifying=*/true);
  stop_point(policy.stop);
  result.certificate = certify_emitted(prepared, result.construction.X, policy);
  return result;
}

CertifiedConstruction construct_and_certify(const Target& A, const ConstructionParameters& parameters,
                                            const ResourcePolicy& policy) {
  return construct_and_certify(prepare(A, parameters), policy);
}

ProjectionClass theorem2_class(const Target& A, std::size_t class_k, double class_rho) {
  // The class (k, rho) the one R must serve; the target has to belong to it.
  const double rho_upper = target_range_upper(A);
  const ProjectionClass c{class_k ? class_k : A.k(), class_rho >= 0 ? class_rho : rho_upper};
  if (A.k() > c.k)
    throw InputError("the target has row sparsity k = " + std::to_string(A.k()) + ", above --class-k " +
                     std::to_string(c.k));
  if (rho_upper > c.rho)
    throw InputError("the target's range cannot be proved <= --class-rho " + format_shortest(c.rho) +
                     " (its upper bound is " + format_upper(rho_upper, 17) + "; give a slightly larger --class-rho)");
  return c;
}

Matrix theorem2_projection(std::size_t L, const ProjectionClass& projection_class,
                           const ConstructionParameters& parameters, unsigned threads) {
  validate(parameters);
  std::size_t d = parameters.d;
  if (parameters.rule != DimensionRule::given) {
    const BoundQuery q{.L = L, .k = projection_class.k, .eps = parameters.eps, .gamma = parameters.gamma,
                       .rho = projection_class.rho, .delta = parameters.delta, .crossovers = false,
                       .exact_tails = false};
    const DimensionBound b = find_bound(rigorous_bounds(q), BoundName::d_star_u);
    if (b.exceeds_2_64 || b.d >= kDimensionLimit)
      throw InputError(b.label + " = " + (b.exceeds_2_64 ? std::string(">= 2^64") : std::to_string(b.d)) +
                       " is beyond the largest supported d (2^32 - 1)");
    d = static_cast<std::size_t>(b.d);
  }
  return projection_matrix(parameters.projection, L, d, parameters.seed, threads);
}

Target window_global_target(std::size_t L, std::uint64_t seed) {
  if (L < 3) throw InputError("the window + global example needs L >= 3");
  std::vector<TargetEntry> entries;
  for (std::size_t i = 0; i < L; ++i) {
    std::vector<std::size_t> cols = {0};  // the global token
    for (std::size_t j = (i == 0 ? 0 : i - 1); j <= std::min(L - 1, i + 1); ++j) cols.push_back(j);
    std::sort(cols.begin(), cols.end());
    cols.erase(std::unique(cols.begin(), cols.end()), cols.end());
    for (std::size_t j : cols) {
      const auto words = philox4x32(
          seed, {static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(j), 0, stream_tag(Stream::example_weight)});
      entries.push_back({i, j, 1.0 + static_cast<double>(words[0] % 4)});
    }
  }
  // Pin rho = ln 4: row 0 holds the weights 1 and 4.
  for (TargetEntry& e : entries)
    if (e.row == 0) e.value = e.col == 0 ? 1.0 : 4.0;
  return Target::from_entries(L, std::move(entries));
}

}  // namespace jlattn
