#include "jlattn/construction.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <string>

#include "jlattn/corollary0_leakage.hpp"
#include "jlattn/errors.hpp"
#include "jlattn/lemma1_log_transform.hpp"
#include "jlattn/lemma4_adaptive_input.hpp"
#include "jlattn/reproducible_random.hpp"
#include "jlattn/theorem1_one_target.hpp"
#include "jlattn/theorem2_all_targets.hpp"

namespace jlattn {

namespace {

std::string mebibytes(std::size_t bytes) {
  return std::to_string((bytes + (std::size_t{1} << 20) - 1) >> 20) + " MiB";
}

Matrix identity_projection(std::size_t L) {
  return Matrix::Identity(static_cast<Eigen::Index>(L), static_cast<Eigen::Index>(L));
}

}  // namespace

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
    throw InputError("delta must be in (0, 1), got " + std::to_string(request.delta));

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
    case DimensionRule::theorem1: c.d = static_cast<std::size_t>(c.d_star); break;
    case DimensionRule::given: c.d = request.d; break;
    case DimensionRule::trivial: c.d = c.L; c.trivial = true; break;
  }
  if (c.d < 1 || c.d >= (std::size_t{1} << 32))
    throw InputError("d must be in [1, 2^32), got " + std::to_string(c.d));

  const std::size_t need = construction_memory_bytes(c.L, c.d);
  const std::size_t have = request.max_memory_bytes ? request.max_memory_bytes : available_memory_bytes();
  if (have != 0 && need > have)
    throw InputError("d = " + std::to_string(c.d) + " needs about " + mebibytes(need) + " for L = " +
                     std::to_string(c.L) + ", more than the " + mebibytes(have) + " available");

  // Lemma 3: the projection R (the identity for the trivial baseline), then
  // Lemma 4: the input X = [B R | R]; R itself is X's right block afterwards.
  {
    const Matrix R = c.trivial ? identity_projection(c.L)
                               : projection_matrix(request.projection, c.L, c.d, request.seed, request.threads);
    c.X = adaptive_input(B, R);
  }
  c.input_row_norms = input_row_norms(c.X);

  // Lemma 2's hypothesis (max |S - B| <= eta) and Definition 2's conclusion,
  // both evaluated in double precision on the emitted X.
  const MatrixView Q = lemma4_queries(c.X);
  const MatrixView K = lemma4_keys(c.X);
  c.max_score_error = max_score_error(Q, K, B);
  c.evaluation = evaluate_attention(Q, K, A, request.eps, request.gamma);

  // Corollary 0 at the achieved gamma: the worst row's off-support share.
  for (std::size_t i = 0; i < c.L; ++i)
    c.leakage_share_upper =
        std::max(c.leakage_share_upper, leakage_share_upper(c.L, A.k_i(i), c.evaluation.gamma_hat));
  return c;
}

Target window_global_target(std::size_t L, std::uint64_t seed) {
  if (L < 3) throw InputError("the window + global example needs L >= 3");
  constexpr std::uint32_t kWeightStream = 7;  // Philox stream tag for example weights
  std::vector<TargetEntry> entries;
  for (std::size_t i = 0; i < L; ++i) {
    std::vector<std::size_t> cols = {0};  // the global token
    for (std::size_t j = (i == 0 ? 0 : i - 1); j <= std::min(L - 1, i + 1); ++j) cols.push_back(j);
    std::sort(cols.begin(), cols.end());
    cols.erase(std::unique(cols.begin(), cols.end()), cols.end());
    for (std::size_t j : cols) {
      const auto words = philox4x32(seed, {static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(j), 0, kWeightStream});
      entries.push_back({i, j, 1.0 + static_cast<double>(words[0] % 4)});
    }
  }
  // Pin rho = ln 4: row 0 holds the weights 1 and 4.
  for (TargetEntry& e : entries)
    if (e.row == 0) e.value = e.col == 0 ? 1.0 : 4.0;
  return Target::from_entries(L, std::move(entries));
}

}  // namespace jlattn
