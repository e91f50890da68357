#include "jlattn/pipeline/parameters.hpp"

#include <string>

#include "jlattn/bounds/rigorous_bounds.hpp"
#include "jlattn/core/errors.hpp"
#include "jlattn/core/format.hpp"
#include "jlattn/proof/lemma2_score_error.hpp"

namespace jlattn {

namespace {

constexpr BoundChoice kBoundChoices[] = {BoundChoice::smallest,     BoundChoice::smallest_theorems_1_and_2,
                                         BoundChoice::d_star,       BoundChoice::d_star_exact,
                                         BoundChoice::d_pair,       BoundChoice::d_polar,
                                         BoundChoice::d_chernoff};

constexpr std::size_t kDimensionLimit = std::size_t{1} << 32;

/// A decimal integer of at most 10 digits (so below 2^34: no overflow), or 0.
std::size_t small_decimal(const std::string& text) {
  if (text.empty() || text.size() > 10 || text.find_first_not_of("0123456789") != std::string::npos) return 0;
  return static_cast<std::size_t>(std::stoull(text));
}

}  // namespace

std::string to_string(BoundChoice choice) {
  switch (choice) {
    case BoundChoice::smallest: return "auto";
    case BoundChoice::d_star: return "dstar";
    case BoundChoice::smallest_theorems_1_and_2: return "theorems12";
    case BoundChoice::d_star_exact: return "exact";
    case BoundChoice::d_pair: return "pair";
    case BoundChoice::d_polar: return "polar";
    case BoundChoice::d_chernoff: return "chernoff";
  }
  return "?";
}

BoundChoice parse_bound_choice(const std::string& name) {
  for (const BoundChoice c : kBoundChoices)
    if (to_string(c) == name) return c;
  throw InputError("unknown bound '" + name + "': use auto, theorems12, dstar, exact, pair, polar or chernoff");
}

void validate(const ConstructionParameters& p) {
  score_error_budget(p.eps, p.gamma);  // Lemma 2's preconditions, with its messages
  if (!(p.delta > 0 && p.delta < 1)) throw InputError("delta must be in (0, 1), got " + format_shortest(p.delta));
  if (p.gap_Delta) check_gap_Delta(p.eps, p.gamma, *p.gap_Delta);
  if (p.given_projection) {
    if (!all_finite(*p.given_projection)) throw InputError("the given projection R has a NaN or infinite entry");
  } else if (p.rule == DimensionRule::given && (p.d < 1 || p.d >= kDimensionLimit)) {
    throw InputError("d must be in [1, 2^32), got " + std::to_string(p.d));
  }
}

void parse_dimension(const std::string& d_text, const std::string& bound_text, ConstructionParameters& p) {
  const BoundChoice bound = parse_bound_choice(bound_text);
  p.bound = bound;
  if (d_text == "trivial") {
    p.rule = DimensionRule::trivial;
    return;
  }
  for (const BoundChoice named : kBoundChoices) {
    if (d_text != to_string(named)) continue;
    if (named != BoundChoice::smallest && bound != BoundChoice::smallest && bound != named)
      throw InputError("--d " + d_text + " and --bound " + bound_text + " name two different bounds; give one");
    p.rule = DimensionRule::proved_bound;
    if (named != BoundChoice::smallest) p.bound = named;
    return;
  }
  const std::size_t d = small_decimal(d_text);
  if (d < 1 || d >= kDimensionLimit)
    throw InputError("--d must be auto, theorems12, dstar, exact, pair, polar, chernoff, trivial or an integer in [1, 2^32), "
                     "got '" +
                     d_text + "'");
  p.rule = DimensionRule::given;
  p.d = d;
}

CertificationLimits certification_limits(const ResourcePolicy& policy) {
  CertificationLimits limits = policy.certification;
  limits.threads = policy.threads;
  limits.stop = policy.stop;
  return limits;
}

}  // namespace jlattn
