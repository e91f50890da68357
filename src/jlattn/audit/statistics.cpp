/// \file statistics.cpp
/// \brief Clopper–Pearson intervals, consistent ranges of a quantile and the
/// fit in ln L (statistics.hpp).
///
/// Proof page: proofs/audit-statistics.md
#include "jlattn/audit/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>
#include <set>
#include <string>

#include "jlattn/core/errors.hpp"
#include "jlattn/core/multiprecision.hpp"

namespace jlattn::audit {

namespace {

constexpr mp::Precision kBits = 128;
constexpr unsigned kMaxTrials = 1000000;

// a^e for an interval a >= 0 by repeated squaring.
mp::Interval power(const mp::Interval& a, unsigned e) {
  mp::Interval result = mp::integer(a.precision(), 1), base = a;
  for (; e != 0; e >>= 1) {
    if (e & 1U) result = result * base;
    base = base * base;
  }
  return result;
}

// Encloses P(X >= x), X ~ Bin(n, p): the sum of the terms
// C(n, i) p^i (1-p)^(n-i), i = x..n, by the ratio of consecutive terms.
mp::Interval upper_tail(unsigned x, unsigned n, double p) {
  if (x == 0) return mp::integer(kBits, 1);
  if (p <= 0.0) return mp::integer(kBits, 0);
  if (p >= 1.0) return mp::integer(kBits, 1);
  const mp::Interval P = mp::point(kBits, p);
  const mp::Interval Q = 1U - P;
  // C(n, x) as a product of exact ratios.
  mp::Interval binomial = mp::integer(kBits, 1);
  for (unsigned i = 1; i <= x; ++i) binomial = binomial * static_cast<std::uint64_t>(n - x + i) / i;
  mp::Interval term = binomial * power(P, x) * power(Q, n - x);
  mp::Interval sum = term;
  const mp::Interval ratio = P / Q;
  for (unsigned i = x; i < n; ++i) {
    term = term * ratio * static_cast<std::uint64_t>(n - i) / (i + 1);
    sum = sum + term;
  }
  return sum;
}

// Encloses P(X <= x) = 1 - P(X >= x + 1).
mp::Interval lower_tail(unsigned x, unsigned n, double p) {
  if (x >= n) return mp::integer(kBits, 1);
  return 1U - upper_tail(x + 1, n, p);
}

void check_count(unsigned x, unsigned n) {
  if (n < 1 || n > kMaxTrials || x > n)
    throw InputError("binomial count " + std::to_string(x) + " of " + std::to_string(n) +
                     " is out of range: it needs 0 <= x <= n and 1 <= n <= 10^6");
}

void check_level(double alpha, const char* name) {
  if (!(alpha > 0 && alpha < 1)) throw InputError(std::string(name) + " has to be in (0, 1)");
}

// Bisection on a monotone tail: `rises` says whether tail(p) increases in p;
// returns the end of the bracket that keeps the root on the conservative
// side: for an increasing tail (lower limit) the largest p proved to have
// tail(p) < level, for a decreasing one (upper limit) the smallest p proved
// to have tail(p) < level.
template <class Tail>
double bisect(Tail tail, double level, bool rises) {
  double lo = 0.0, hi = 1.0;  // increasing: tail(lo) < level <= tail(hi); decreasing: the reverse
  const mp::Interval target = mp::point(kBits, level);
  for (int step = 0; step < 400 && hi - lo > std::ldexp(hi, -44); ++step) {
    const double mid = lo + (hi - lo) / 2;
    if (mid <= lo || mid >= hi) break;
    const mp::Interval t = tail(mid);
    if (mp::certainly_lt(t, target)) {
      (rises ? lo : hi) = mid;
    } else if (mp::certainly_gt(t, target)) {
      (rises ? hi : lo) = mid;
    } else {
      break;  // the tail equals the level within the working precision: the bracket is as tight as it gets
    }
  }
  return rises ? lo : hi;
}

}  // namespace

bool binomial_upper_tail_at_most(unsigned x, unsigned n, double p, double alpha) {
  check_count(x, n);
  check_level(alpha, "alpha");
  return mp::certainly_le(upper_tail(x, n, p), alpha);
}

bool binomial_lower_tail_below(unsigned x, unsigned n, double p, double alpha) {
  check_count(x, n);
  check_level(alpha, "alpha");
  const mp::Interval t = lower_tail(x, n, p);
  return mp::certainly_lt(t, mp::point(kBits, alpha));
}

ProbabilityInterval clopper_pearson(unsigned x, unsigned n, double alpha) {
  check_count(x, n);
  check_level(alpha, "the Clopper-Pearson alpha");
  const double half = alpha / 2;
  ProbabilityInterval r;
  if (x > 0) r.lower = bisect([&](double p) { return upper_tail(x, n, p); }, half, true);
  if (x < n) r.upper = bisect([&](double p) { return lower_tail(x, n, p); }, half, false);
  return r;
}

ConsistentRange consistent_range(const std::vector<std::uint64_t>& grid, const std::vector<CountAtD>& probes,
                                 unsigned T, double q, double alpha) {
  if (grid.empty() || !std::is_sorted(grid.begin(), grid.end()))
    throw InputError("consistent_range: the grid has to be non-empty and increasing");
  if (!(q > 0 && q <= 1)) throw InputError("consistent_range: q has to be in (0, 1]");
  check_level(alpha, "alpha");
  std::set<std::uint64_t> points(grid.begin(), grid.end());
  for (const CountAtD& probe : probes) {
    check_count(probe.certified, T);
    points.insert(probe.d);
  }
  ConsistentRange r;
  r.tests = points.size();
  r.alpha_per_test = std::nextafter(alpha / static_cast<double>(r.tests), 0.0);
  // The two tests depend on the count only: decide each count once.
  std::map<unsigned, std::pair<bool, bool>> verdicts;  // count -> (below, above)
  std::optional<std::uint64_t> last_below, first_above;
  for (const CountAtD& probe : probes) {
    auto it = verdicts.find(probe.certified);
    if (it == verdicts.end())
      it = verdicts
               .emplace(probe.certified,
                        std::make_pair(binomial_lower_tail_below(probe.certified, T, q, r.alpha_per_test),
                                       binomial_upper_tail_at_most(probe.certified, T, q, r.alpha_per_test)))
               .first;
    if (it->second.first) last_below = std::max(last_below.value_or(0), probe.d);
    if (it->second.second) first_above = std::min(first_above.value_or(probe.d), probe.d);
  }
  // from: the smallest grid d above every "below" probe; to: the smallest
  // grid d at or above the smallest "above" probe.
  const auto from = last_below ? std::upper_bound(grid.begin(), grid.end(), *last_below) : grid.begin();
  if (from != grid.end()) r.from = *from;
  if (first_above) {
    const auto to = std::lower_bound(grid.begin(), grid.end(), *first_above);
    if (to != grid.end()) r.to = *to;
  }
  r.contradictory = r.to && (!r.from || *r.to < *r.from);
  return r;
}

namespace {

// P(|T_nu| <= t) for integer nu: the finite series in theta = atan(t / sqrt(nu)).
double student_two_sided(unsigned nu, double t) {
  const double theta = std::atan(t / std::sqrt(static_cast<double>(nu)));
  const double s = std::sin(theta), c = std::cos(theta), c2 = c * c;
  if (nu % 2 == 1) {
    double sum = 0.0;
    if (nu > 1) {
      double term = c;  // c, (2/3) c^3, (2*4)/(3*5) c^5, ...
      sum = term;
      for (unsigned j = 3; j + 1 <= nu - 1; j += 2) {
        term *= c2 * static_cast<double>(j - 1) / static_cast<double>(j);
        sum += term;
      }
    }
    return 2.0 / std::numbers::pi * (theta + s * sum);
  }
  double term = 1.0, sum = 1.0;  // 1, (1/2) c^2, (1*3)/(2*4) c^4, ...
  for (unsigned j = 2; j <= nu - 2; j += 2) {
    term *= c2 * static_cast<double>(j - 1) / static_cast<double>(j);
    sum += term;
  }
  return s * sum;
}

}  // namespace

double student_t_quantile(unsigned nu, double c) {
  if (nu < 1 || nu > kMaxTrials) throw InputError("student_t_quantile: nu has to be in [1, 10^6]");
  check_level(c, "the confidence");
  double lo = 0.0, hi = 1.0;
  while (student_two_sided(nu, hi) < c) hi *= 2;
  for (int step = 0; step < 200 && hi - lo > 1e-15 * hi; ++step) {
    const double mid = lo + (hi - lo) / 2;
    (student_two_sided(nu, mid) < c ? lo : hi) = mid;
  }
  return lo + (hi - lo) / 2;
}

std::optional<LogLineFit> fit_log_line(const std::vector<std::pair<double, double>>& L_and_d, double c) {
  check_level(c, "the confidence");
  std::set<double> distinct;
  for (const auto& [L, d] : L_and_d) {
    if (!(L >= 1 && std::isfinite(L) && std::isfinite(d))) throw InputError("fit_log_line: L has to be >= 1 and d finite");
    distinct.insert(L);
  }
  if (distinct.size() < 2) return std::nullopt;
  const auto n = static_cast<double>(L_and_d.size());
  double mx = 0.0, my = 0.0;
  for (const auto& [L, d] : L_and_d) {
    mx += std::log(L);
    my += d;
  }
  mx /= n;
  my /= n;
  double sxx = 0.0, sxy = 0.0;
  for (const auto& [L, d] : L_and_d) {
    sxx += (std::log(L) - mx) * (std::log(L) - mx);
    sxy += (std::log(L) - mx) * (d - my);
  }
  LogLineFit fit;
  fit.n = L_and_d.size();
  fit.b = sxy / sxx;
  fit.a = my - fit.b * mx;
  if (fit.n >= 3) {
    double rss = 0.0;
    for (const auto& [L, d] : L_and_d) {
      const double e = d - (fit.a + fit.b * std::log(L));
      rss += e * e;
    }
    fit.residual_sd = std::sqrt(rss / (n - 2));
    const double half = student_t_quantile(static_cast<unsigned>(fit.n - 2), c) * fit.residual_sd / std::sqrt(sxx);
    fit.b_lower = fit.b - half;
    fit.b_upper = fit.b + half;
  }
  return fit;
}

}  // namespace jlattn::audit
