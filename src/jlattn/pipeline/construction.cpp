#include "jlattn/pipeline/construction.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <string>

#include "jlattn/proof/corollary0_leakage.hpp"
#include "jlattn/core/errors.hpp"
#include "jlattn/proof/lemma1_log_transform.hpp"
#include "jlattn/proof/lemma4_adaptive_input.hpp"
#include "jlattn/pipeline/memory_guard.hpp"
#include "jlattn/core/random_streams.hpp"
#include "jlattn/core/reproducible_random.hpp"
#include "jlattn/bounds/rigorous_bounds.hpp"
#include "jlattn/proof/theorem1_one_target.hpp"
#include "jlattn/proof/theorem2_all_targets.hpp"
#include "jlattn/core/format.hpp"

namespace jlattn {

namespace {

Matrix identity_projection(std::size_t L) {
  return Matrix::Identity(static_cast<Eigen::Index>(L), static_cast<Eigen::Index>(L));
}

/// The bound of rule theorem1: rigorous_bounds for the target's class, then
/// the requested bound (or the smallest valid one) for the projection.
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

}  // namespace

std::string to_string(BoundChoice choice) {
  switch (choice) {
    case BoundChoice::smallest: return "auto";
    case BoundChoice::d_star: return "dstar";
    case BoundChoice::d_star_exact: return "exact";
    case BoundChoice::d_pair: return "pair";
    case BoundChoice::d_polar: return "polar";
  }
  return "?";
}

BoundChoice parse_bound_choice(const std::string& name) {
  for (BoundChoice c : {BoundChoice::smallest, BoundChoice::d_star, BoundChoice::d_star_exact, BoundChoice::d_pair,
                        BoundChoice::d_polar})
    if (to_string(c) == name) return c;
  throw InputError("unknown bound '" + name + "': use auto, dstar, exact, pair or polar");
}

std::size_t construction_memory_bytes(std::size_t L, std::size_t d) {
  // X (L x 2d) and R (L x d) live together while X is filled; one block of
  // score rows (at most 32 MiB) during the evaluation. Saturates instead of
  // overflowing, so absurd d are refused rather than wrapped around.
  const long double doubles = 3.0L * static_cast<long double>(L) * static_cast<long double>(d);
  const long double bytes = 8.0L * doubles + static_cast<long double>(std::size_t{32} << 20);
  const auto limit = static_cast<long double>(std::numeric_limits<std::size_t>::max());
  return bytes >= limit ? std::numeric_limits<std::size_t>::max() : static_cast<std::size_t>(bytes);
}

std::size_t available_memory_bytes() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  std::size_t kib = 0;
  std::string unit;
  while (meminfo >> key >> kib >> unit)
    if (key == "MemAvailable:") return kib * 1024;
  return 0;
}

Construction construct(const Target& A, const ConstructionRequest& request) {
  if (!(request.delta > 0 && request.delta < 1))
    throw InputError("delta must be in (0, 1), got " + format_shortest(request.delta));

  Construction c;
  c.request = request;
  // Definition 1: the target's class.
  c.L = A.L();
  c.k = A.k();
  c.rho = A.rho();
  c.max_column_count = A.max_column_count();

  // Lemma 2: the score budget eta and the gap Delta from (eps, gamma).
  c.budget = score_error_budget(request.eps, request.gamma);
  const double eta = c.budget.eta;
  const double Delta = c.budget.gap_Delta;

  // Lemma 1: B, and the norm bounds that Theorems 1 and 2 use.
  const LogTransform B = log_transform(A, Delta);
  c.beta_sharp_class = beta_sharp(c.k, Delta, c.rho);
  c.l1_upper_class = l1_norm_upper(c.k, Delta, c.rho);
  for (std::size_t i = 0; i < c.L; ++i) c.beta_instance = std::max(c.beta_instance, B.row_norm2(i));

  // Theorems 1 and 2: the dimensions the proof asks for.
  c.tau = tau_theorem1(eta, c.beta_sharp_class);
  c.d_star = d_star_theorem1(c.L, c.tau, request.delta);
  c.tau_u = tau_u_theorem2(eta, c.k, Delta, c.rho);
  c.d_star_u = d_star_u_theorem2(c.L, c.tau_u, request.delta);

  switch (request.rule) {
    case DimensionRule::theorem1: {
      // The proved dimension: the class (L, k, rho) with a rigorous upper
      // bound on rho, every integer from enclosures (proofs/rigorous-bounds.md).
      c.rho_upper = target_range_upper(A);
      const BoundQuery query{
          .L = c.L, .k = c.k, .eps = request.eps, .gamma = request.gamma, .rho = c.rho_upper,
          .delta = request.delta, .crossovers = false,
          .exact_tails = request.bound == BoundChoice::smallest || request.bound == BoundChoice::d_star_exact};
      const BoundReport report = rigorous_bounds(query);
      const DimensionBound& b = chosen_bound(report, request.bound, request.projection);
      if (b.exceeds_2_64 || b.d >= (std::uint64_t{1} << 32))
        throw InputError(b.label + " = " + (b.exceeds_2_64 ? std::string(">= 2^64") : std::to_string(b.d)) +
                         " is beyond the largest supported d (2^32 - 1)");
      c.d = static_cast<std::size_t>(b.d);
      c.bound_name = to_string(b.name);
      c.bound_label = b.label;
      c.bound_theorem = b.theorem;
      break;
    }
    case DimensionRule::given: c.d = request.d; break;
    case DimensionRule::trivial: c.d = c.L; c.trivial = true; break;
  }
  if (request.given_projection) {
    // Theorem 2: one R fixed in advance for a whole class of targets.
    const Matrix& R = *request.given_projection;
    if (R.rows() != static_cast<Eigen::Index>(c.L))
      throw InputError("the given projection R has " + std::to_string(R.rows()) + " rows, the target has L = " +
                       std::to_string(c.L));
    if (!R.allFinite()) throw InputError("the given projection R has a NaN or infinite entry");
    c.d = static_cast<std::size_t>(R.cols());
    c.trivial = false;
  }
  if (c.d < 1 || c.d >= (std::size_t{1} << 32))
    throw InputError("d must be in [1, 2^32), got " + std::to_string(c.d));

  // Refuse before allocating (memory_guard.hpp): one line with the figure and the limit.
  const std::size_t need = request.include_certification_memory
                               ? construct_and_certify_memory_bytes(c.L, c.d, request.threads)
                               : construction_memory_bytes(c.L, c.d);
  require_memory(need, request.max_memory_bytes,
                 "d = " + std::to_string(c.d) + " for L = " + std::to_string(c.L) +
                     (request.include_certification_memory ? " (construction and certification)" : ""));

  // Lemma 3: the projection R (the identity for the trivial baseline), then
  // Lemma 4: the input X = [B R | R]; R itself is X's right block afterwards.
  if (request.given_projection) {
    c.X = adaptive_input(B, *request.given_projection);
  } else {
    const Matrix R = c.trivial ? identity_projection(c.L)
                               : projection_matrix(request.projection, c.L, c.d, request.seed, request.threads);
    c.X = adaptive_input(B, R);
  }
  c.input_row_norms = input_row_norms(c.X);

  // Lemma 2's hypothesis (max |S - B| <= eta) and Definition 2's conclusion,
  // both evaluated in double precision on the emitted X.
  const MatrixView Q = lemma4_queries(c.X);
  const MatrixView K = lemma4_keys(c.X);
  c.evaluation = evaluate_attention_and_score_error(Q, K, B, request.eps, request.gamma, &c.max_score_error);

  // Corollary 0 at the achieved gamma: the worst row's off-support share.
  for (std::size_t i = 0; i < c.L; ++i)
    c.leakage_share_upper =
        std::max(c.leakage_share_upper, leakage_share_upper(c.L, A.k_i(i), c.evaluation.gamma_hat));
  return c;
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
