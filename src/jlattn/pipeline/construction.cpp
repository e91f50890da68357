#include "jlattn/pipeline/construction.hpp"

#include <algorithm>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "jlattn/core/random_streams.hpp"
#include "jlattn/bounds/chernoff_bound.hpp"
#include "jlattn/bounds/lower_bound.hpp"
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

/// The refusal of a named bound that the projection's law does not have.
void require_valid(const DimensionBound& b, BoundChoice choice, Projection projection) {
  if (!is_valid_for(b, projection))
    throw InputError("--bound " + to_string(choice) + " (" + b.label + ") is proved for Gaussian R only, not for " +
                     to_string(projection) + "; use dstar, polar or auto");
}

/// The refusal of a named bound that could not be computed here.
void require_available(const DimensionBound& b, BoundChoice choice) {
  if (!b.computed || b.exceeds_2_64)
    throw InputError("--bound " + to_string(choice) + " (" + b.label + ") is not available here: " +
                     (b.note.empty() ? std::string("it exceeds 2^64") : b.note));
}

/// The class bound of rule proved_bound: the requested one, or the smallest
/// of Theorems 1, 1' and 2 valid for the projection.
const DimensionBound& chosen_class_bound(const BoundReport& report, BoundChoice choice, Projection projection) {
  if (choice == BoundChoice::smallest || choice == BoundChoice::smallest_theorems_1_and_2)
    return smallest_valid_bound(report, projection, BoundFamilies::theorems_1_and_2);
  const BoundName name = choice == BoundChoice::d_star         ? BoundName::d_star
                         : choice == BoundChoice::d_star_exact ? BoundName::d_star_exact
                         : choice == BoundChoice::d_pair       ? BoundName::d_pair
                                                               : BoundName::d_polar;
  const DimensionBound& b = find_bound(report, name);
  require_valid(b, choice, projection);
  require_available(b, choice);
  return b;
}

/// The class bounds of Theorems 1, 1' and 2 for the prepared target: the
/// class (L, k, rho) with a rigorous upper bound on rho, every integer from
/// enclosures (proofs/rigorous-bounds.md). Theorem 3's class-wide row is not
/// evaluated: it is never below the target's own d_chernoff
/// (proofs/chernoff-bound.md), which `auto` computes instead.
BoundReport class_bounds(const PreparedTarget& prepared, double rho_upper) {
  const ConstructionParameters& p = prepared.parameters;
  const bool smallest = p.bound == BoundChoice::smallest || p.bound == BoundChoice::smallest_theorems_1_and_2;
  BoundQuery query{.L = prepared.L, .k = prepared.k, .eps = p.eps, .gamma = p.gamma, .rho = rho_upper,
                   .delta = p.delta, .crossovers = false,
                   .exact_tails = smallest || p.bound == BoundChoice::d_star_exact};
  query.gap_Delta = p.gap_Delta;
  query.chernoff = false;
  return rigorous_bounds(query);
}

/// Theorem 3 for this target as a bound of the choice, refused for a
/// projection other than Gaussian R (no MGF domination is proved for them).
DimensionBound per_target_bound(const PreparedTarget& prepared, ChosenDimension& dimension) {
  const ConstructionParameters& p = prepared.parameters;
  if (p.projection != Projection::gaussian) {
    DimensionBound named;
    named.label = "d_chernoff";
    named.valid_for = {Projection::gaussian};
    require_valid(named, p.bound, p.projection);
  }
  DimensionBound b = chernoff_dimension(prepared).bound;
  if (b.computed && !b.exceeds_2_64) dimension.d_chernoff_target = b.d;
  return b;
}

/// The proved dimension of rule proved_bound: a class bound, or Theorem 3 for
/// this target (`chernoff`; `auto` for Gaussian R takes the smaller of it and
/// the smallest class bound, the per-target one on a tie).
void choose_proved_bound(const PreparedTarget& prepared, ChosenDimension& dimension) {
  const ConstructionParameters& p = prepared.parameters;
  dimension.rho_upper = target_range_upper(prepared.target());
  DimensionBound b;
  bool for_this_target = false;
  if (p.bound == BoundChoice::d_chernoff) {
    b = per_target_bound(prepared, dimension);
    require_available(b, p.bound);
    for_this_target = true;
  } else {
    b = chosen_class_bound(class_bounds(prepared, dimension.rho_upper), p.bound, p.projection);
    if (p.bound == BoundChoice::smallest && p.projection == Projection::gaussian) {
      const DimensionBound own = per_target_bound(prepared, dimension);
      if (dimension.d_chernoff_target && *dimension.d_chernoff_target <= b.d) {
        b = own;
        for_this_target = true;
      }
    }
  }
  if (b.exceeds_2_64 || b.d >= kDimensionLimit)
    throw InputError(b.label + " = " + (b.exceeds_2_64 ? std::string(">= 2^64") : std::to_string(b.d)) +
                     " is beyond the largest supported d (2^32 - 1)");
  dimension.d = static_cast<std::size_t>(b.d);
  dimension.bound_name = to_string(b.name);
  dimension.bound_label = b.label;
  dimension.bound_theorem = b.theorem;
  dimension.bound_scope = for_this_target ? "per target" : "class";
}

/// Stages 2 and 3 after stage 1 (d, then R and X, with X's row norms),
/// refusing before allocating what `need` says. `certifying`: the caller
/// certifies next, so the memory check counts both.
Construction emit_construction(const PreparedTarget& prepared, const ResourcePolicy& policy, bool certifying) {
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
  // The lower bound at the norms of what was emitted (proofs/lower-bound.md).
  c.lower_bound = lower_bound_at_norms(c.L, c.parameters.gamma, c.X, Weights::lemma4_query(c.d),
                                       Weights::lemma4_key(c.d), /*scaled=*/false, policy.threads);
  return c;
}

/// Corollary 0 at the achieved gamma: the worst row's off-support share.
double worst_leakage_share(const PreparedTarget& prepared, double gamma_hat) {
  const Target& A = prepared.target();
  double worst = 0.0;
  for (std::size_t i = 0; i < prepared.L; ++i) worst = std::max(worst, leakage_share_upper(prepared.L, A.k_i(i), gamma_hat));
  return worst;
}

/// Stage 4 from the certifier's double-precision scores (ScoreObserver):
/// Definition 2 and Lemma 2's max |S - B| accumulated per worker, row by
/// row as the filter computes them, then merged (the merge does not depend
/// on the order, so neither does the result on the thread count).
class ScoreEvaluation final : public ScoreObserver {
 public:
  explicit ScoreEvaluation(const PreparedTarget& prepared)
      : prepared_(prepared), seen_(prepared.L, 0) {}

  void start(int workers) override {
    const ConstructionParameters& p = prepared_.parameters;
    accumulators_.assign(static_cast<std::size_t>(workers), ApproximationAccumulator(p.eps, p.gamma));
    worst_error_.assign(static_cast<std::size_t>(workers), 0.0);
  }

  void observe(std::size_t i, std::span<const double> scores, int worker) override {
    const auto w = static_cast<std::size_t>(worker);
    accumulators_[w].add(i, evaluate_row(scores, prepared_.target(), i));
    worst_error_[w] = std::max(worst_error_[w], row_score_error(scores, prepared_.B, i));
    seen_[i] = 1;
  }

  /// The evaluation of every row: the observed ones, and any row the
  /// filter could not score in double precision, scored here.
  InputEvaluation result(const Matrix& X) const {
    const ConstructionParameters& p = prepared_.parameters;
    ApproximationAccumulator all(p.eps, p.gamma);
    InputEvaluation e;
    for (std::size_t w = 0; w < accumulators_.size(); ++w) {
      all.merge(accumulators_[w]);
      e.max_score_error = std::max(e.max_score_error, worst_error_[w]);
    }
    const MatrixView Q = lemma4_queries(X), K = lemma4_keys(X);
    for (std::size_t i = 0; i < prepared_.L; ++i) {
      if (seen_[i]) continue;
      const Eigen::VectorXd row = K * Q.row(static_cast<Eigen::Index>(i)).transpose();
      const std::span<const double> scores(row.data(), prepared_.L);
      all.add(i, evaluate_row(scores, prepared_.target(), i));
      e.max_score_error = std::max(e.max_score_error, row_score_error(scores, prepared_.B, i));
    }
    e.evaluation = all.result();
    e.leakage_share_upper = worst_leakage_share(prepared_, e.evaluation.gamma_hat);
    return e;
  }

 private:
  const PreparedTarget& prepared_;
  std::vector<ApproximationAccumulator> accumulators_;
  std::vector<double> worst_error_;
  std::vector<char> seen_;
};

Certificate certify_lemma4(const PreparedTarget& prepared, const Matrix& X, const ResourcePolicy& policy,
                           ScoreObserver* observer) {
  const ConstructionParameters& p = prepared.parameters;
  const auto d = static_cast<std::size_t>(X.cols() / 2);
  const Weights W_Q = Weights::lemma4_query(d), W_K = Weights::lemma4_key(d);
  if (observer)
    return certify(prepared.target(), X, W_Q, W_K, p.eps, p.gamma, /*scaled=*/false, certification_limits(policy),
                   *observer);
  return certify(prepared.target(), X, W_Q, W_K, p.eps, p.gamma, /*scaled=*/false, certification_limits(policy));
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

  // Lemma 2: the score budget eta and the gap Delta from (eps, gamma), or a
  // larger gap (proofs/chernoff-bound.md, "The gap Delta"; validate() checked it).
  prepared.budget = score_error_budget(parameters.eps, parameters.gamma);
  if (parameters.gap_Delta) prepared.budget.gap_Delta = *parameters.gap_Delta;
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

ChernoffTargetBound chernoff_dimension(const PreparedTarget& prepared) {
  const ConstructionParameters& p = prepared.parameters;
  ChernoffTargetQuery query;
  query.eps = p.eps;
  query.gamma = p.gamma;
  query.delta = p.delta;
  query.gap_Delta = p.gap_Delta;
  return chernoff_target_bound(prepared.target(), query);
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
  e.leakage_share_upper = worst_leakage_share(prepared, e.evaluation.gamma_hat);
  return e;
}

Certificate certify_emitted(const PreparedTarget& prepared, const Matrix& X, const ResourcePolicy& policy) {
  return certify_lemma4(prepared, X, policy, nullptr);
}

EvaluatedCertificate evaluate_and_certify(const PreparedTarget& prepared, const Matrix& X,
                                          const ResourcePolicy& policy) {
  ScoreEvaluation evaluation(prepared);
  EvaluatedCertificate result;
  result.certificate = certify_lemma4(prepared, X, policy, &evaluation);
  result.evaluation = evaluation.result(X);
  return result;
}

Construction construct(const Target& A, const ConstructionParameters& parameters, const ResourcePolicy& policy) {
  const PreparedTarget prepared = prepare(A, parameters);
  Construction c = emit_construction(prepared, policy, /*certifying=*/false);
  stop_point(policy.stop);
  static_cast<InputEvaluation&>(c) = evaluate(prepared, c.X, policy.stop);
  return c;
}

CertifiedConstruction construct_and_certify(const PreparedTarget& prepared, const ResourcePolicy& policy) {
  CertifiedConstruction result;
  result.construction = emit_construction(prepared, policy, /*certifying=*/true);
  stop_point(policy.stop);
  // Stages 4 and 5 in one scoring pass: the evaluation reads the
  // certifier's double-precision scores.
  EvaluatedCertificate evaluated = evaluate_and_certify(prepared, result.construction.X, policy);
  static_cast<InputEvaluation&>(result.construction) = evaluated.evaluation;
  result.certificate = std::move(evaluated.certificate);
  return result;
}

CertifiedConstruction construct_and_certify(const Target& A, const ConstructionParameters& parameters,
                                            const ResourcePolicy& policy) {
  return construct_and_certify(prepare(A, parameters), policy);
}

LowerBoundAtNorms lower_bound_at_norms(std::size_t L, double gamma, const Matrix& X, const Weights& W_Q,
                                       const Weights& W_K, bool scaled, unsigned threads) {
  LowerBoundAtNorms out;
  out.norms = score_norms(X, W_Q, W_K, scaled, threads);
  out.d_lower = packing_lower_bound_at_norms(L, gamma, out.norms.computed ? out.norms.product : ScoreNorms::kUnknown,
                                             "the largest query norm times the largest key norm of these matrices, "
                                             "bounded rigorously from the stored doubles");
  return out;
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
                       .exact_tails = false, .gap_Delta = parameters.gap_Delta, .chernoff = false};
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
