/// \file rigorous_bounds.cpp
/// \brief The dimension bounds of Theorems 1, 2 and 1' in MPFI interval
/// arithmetic (outward rounding), the rigorous enclosure of the chi-square
/// tail p(d, tau), and the searches for the smallest dimension and the
/// smallest L at which a bound falls below L.
///
/// MPFR and MPFI are used through the one wrapper, core/multiprecision.hpp;
/// no comparison operator exists on an interval, only the decided ones
/// (certainly_le, certainly_gt) that look at endpoints.
///
/// Proof page: proofs/rigorous-bounds.md
#include "jlattn/bounds/rigorous_bounds.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

#include "jlattn/bounds/bounds_internal.hpp"
#include "jlattn/bounds/chernoff_bound.hpp"
#include "jlattn/bounds/lower_bound.hpp"
#include "jlattn/core/cancellation.hpp"
#include "jlattn/core/errors.hpp"
#include "jlattn/core/format.hpp"
#include "jlattn/core/multiprecision.hpp"
#include "jlattn/proof/lemma2_score_error.hpp"

namespace jlattn {

namespace {

using mp::certainly_gt;
using mp::certainly_le;
using mp::exp_of;
using mp::hull;
using mp::integer;
using mp::lngamma_at_point;
using mp::Interval;
using mp::log_of;
using mp::pi_at;
using mp::point;
using mp::Real;
using mp::sqr_of;
using mp::sqrt_of;
using Prec = mp::Precision;
using bounds_detail::check_bound_query;
using bounds_detail::chernoff_skeleton;
using bounds_detail::gap_Delta_interval;
using bounds_detail::smallest_true;

constexpr Prec kClosedFormStartBits = 128;
constexpr Prec kMaxBits = 4096;
constexpr std::uint64_t kMaxU64 = std::numeric_limits<std::uint64_t>::max();

/// erfc on an interval of non-negative numbers (erfc is decreasing there),
/// with MPFR's correctly rounded erfc in the outward directions.
Interval erfc_of_nonnegative(const Interval& s) {
  Real lo(s.precision()), hi(s.precision());
  mpfr_erfc(lo.get(), s.right(), MPFR_RNDD);
  mpfr_erfc(hi.get(), s.left(), MPFR_RNDU);
  Interval r(s.precision());
  mpfi_interv_fr(r.get(), lo.get(), hi.get());
  return r;
}

enum class Tri { yes, no, unknown };

// ---------------------------------------------------------------------------
// The chi-square tail (proofs/rigorous-bounds.md, "The exact tail p(d, tau)").

constexpr std::uint64_t kMaxSeriesTerms = 100000000;

/// Checks whether `bound` is at most 2^-rel_bits of `sum` (both positive).
bool remainder_small(const Interval& bound, const Interval& sum, unsigned rel_bits) {
  Real scaled(bound.precision());
  mpfr_mul_2ui(scaled.get(), bound.right(), rel_bits, MPFR_RNDU);
  return mpfr_lessequal_p(scaled.get(), sum.left()) != 0;
}

/// ln Q(a, x), a = d/2, x = (1 + tau) a: the finite expansion
/// Gamma(a, x) = x^{a-1} e^{-x} [sum_{m<M} (a-1)_m x^{-m}] + (a-1)_M Gamma(a-M, x)
/// with (a-1)_m the falling factorial, truncated with the remainder bound
/// (a-1)_M Gamma(a-M, x) <= x^{a-1} e^{-x} t_M / (1 - max(0, a-M-1)/x),
/// or completed exactly (remainder 0 for integer a, an erfc term for half-integer a).
/// `stop` is polled every 16 terms (a series can have millions).
Interval log_upper_tail(std::uint64_t d, const Interval& tau, Prec p, unsigned rel_bits, const StopRequest& stop) {
  const Interval a = integer(p, d) / 2u;  // exact
  const Interval x = a * (tau + 1u);
  const Interval log_prefactor = (a - 1u) * log_of(x) - x - lngamma_at_point(a);
  const std::uint64_t n = d / 2;  // floor(a)
  const bool half_integer = d % 2 == 1;

  Interval sum = integer(p, 0), term = integer(p, 1), factor(p), inv_x = integer(p, 1) / x;
  Interval remainder = integer(p, 0);
  bool truncated = false;
  std::uint64_t m = 0;
  while (m < n) {
    mpfi_add(sum.get(), sum.get(), term.get());
    mpfi_sub_ui(factor.get(), a.get(), m + 1);  // a - 1 - m, exact
    mpfi_mul(term.get(), term.get(), factor.get());
    mpfi_mul(term.get(), term.get(), inv_x.get());
    ++m;  // term is now t_m = (a-1)_m / x^m, and sum holds t_0 .. t_{m-1}
    if (m < n && (m % 16 == 0 || m + 1 == n)) {
      stop_point(stop);
      // s - 1 = a - m - 1 >= a - n >= 0 here.
      const Interval bound = term / (1u - (a - (m + 1)) * inv_x);
      if (remainder_small(bound, sum, rel_bits)) {
        remainder = hull(integer(p, 0), bound);  // the remainder lies in [0, bound]
        truncated = true;
        break;
      }
    }
    if (m > kMaxSeriesTerms) throw std::runtime_error("chi-square upper tail: too many terms");
  }
  if (!truncated) {
    if (!half_integer) {
      remainder = integer(p, 0);  // (a-1)_n = 0 for integer a = n
    } else {
      // Remainder (a-1)_n Gamma(1/2, x) = x^{a-1} e^{-x} t_n sqrt(pi x) e^x erfc(sqrt x);
      // the scaled erfc lies in (0, 1], which is the fallback for huge x.
      if (mpfr_cmp_d(x.right(), 1e8) > 0) {
        remainder = hull(integer(p, 0), term);
      } else {
        const Interval scaled = sqrt_of(pi_at(p) * x) * exp_of(x) * erfc_of_nonnegative(sqrt_of(x));
        remainder = term * scaled;
      }
    }
  }
  return log_prefactor + log_of(sum + remainder);
}

/// ln P(a, y), a = d/2, y = (1 - tau) a: the series
/// gamma(a, y) = e^{-y} y^a Gamma(a) sum_k y^k / Gamma(a + k + 1),
/// truncated after K terms with the geometric bound u_K / (1 - y/(a + K + 1));
/// `stop` is polled every 16 terms.
Interval log_lower_tail(std::uint64_t d, const Interval& tau, Prec p, unsigned rel_bits, const StopRequest& stop) {
  const Interval a = integer(p, d) / 2u;
  const Interval y = a * (1u - tau);
  const Interval log_prefactor = a * log_of(y) - y - lngamma_at_point(a + 1u);
  Interval sum = integer(p, 0), term = integer(p, 1), denominator(p);
  Interval remainder(p);
  for (std::uint64_t k = 0;; ++k) {
    mpfi_add(sum.get(), sum.get(), term.get());
    mpfi_add_ui(denominator.get(), a.get(), k + 1);  // a + k + 1
    mpfi_mul(term.get(), term.get(), y.get());
    mpfi_div(term.get(), term.get(), denominator.get());  // term is now u_{k+1}
    if ((k + 1) % 16 == 0) {
      stop_point(stop);
      const Interval bound = term / (1u - y / (a + (k + 2)));
      if (mpfr_sgn(bound.left()) > 0 && remainder_small(bound, sum, rel_bits)) {
        remainder = hull(integer(p, 0), bound);  // the remainder lies in [0, bound]
        break;
      }
    }
    if (k > kMaxSeriesTerms) throw std::runtime_error("chi-square lower tail: too many terms");
  }
  return log_prefactor + log_of(sum + remainder);
}

Interval log_sum_exp(const Interval& u, const Interval& v) { return log_of(exp_of(u) + exp_of(v)); }

/// A fast double-precision estimate of ln p(d, tau) that only steers the
/// searches (every decision is re-made rigorously).
double log_p_estimate(std::uint64_t d, double tau) {
  const double a = static_cast<double>(d) / 2;
  const double x = (1 + tau) * a;
  double sum = 0, term = 1;
  const std::uint64_t n = d / 2;
  for (std::uint64_t m = 0; m < n && term > 1e-18 * sum; ++m) {
    sum += term;
    term *= (a - 1 - static_cast<double>(m)) / x;
  }
  if (d % 2 == 1) sum += term;  // scaled erfc remainder ~ 1
  const double upper = (a - 1) * std::log(x) - x - std::lgamma(a) + std::log(sum);
  const double y = (1 - tau) * a;
  double lsum = 0, lterm = 1;
  for (std::uint64_t k = 0; lterm > 1e-18 * lsum; ++k) {
    lsum += lterm;
    lterm *= y / (a + static_cast<double>(k) + 1);
  }
  const double lower = a * std::log(y) - y - std::lgamma(a + 1) + std::log(lsum);
  const double hi = std::max(upper, lower), lo = std::min(upper, lower);
  return hi + std::log1p(std::exp(lo - hi));
}

// ---------------------------------------------------------------------------
// Derived parameters at one precision.

struct Derived {
  Interval eps, delta, eta, gap_Delta, beta_sharp, beta_paper, l1, tau, tau_paper, tau_u, tau_pair;
  Interval log_delta, log_k;
};

/// c(t) = (t^2/2 - t^3/3)/2 = t^2 (3 - 2t) / 12.
Interval exponent_c(const Interval& t) { return sqr_of(t) * (3u - t * 2u) / 12u; }

Derived derive(const BoundQuery& q, Prec p) {
  const Interval eps = point(p, q.eps), rho = point(p, q.rho), delta = point(p, q.delta);
  const Interval eta = eps / 2u;
  const Interval gap_Delta = gap_Delta_interval(q, p);
  const Interval top = gap_Delta + rho;
  const Interval beta_sharp = sqrt_of(sqr_of(gap_Delta) + sqr_of(top) * (q.k - 1));
  const Interval beta_paper = sqrt_of(integer(p, q.k)) * top;
  const Interval l1 = gap_Delta * q.k + rho * (q.k - 1);
  const Interval tau_pair = eps / (sqrt_of(integer(p, 2)) * beta_sharp);
  return Derived{eps,          delta,         eta,       gap_Delta,        beta_sharp,
                 beta_paper,   l1,            eta / beta_sharp,            eta / beta_paper,
                 eta / l1,     tau_pair,      log_of(delta), log_of(integer(p, q.k))};
}

// ---------------------------------------------------------------------------
// The closed forms v(L) = K (C + ln L + ln L'), L' = L or L - 1.

struct ClosedForm {
  Interval K, C;
  bool pairs;  // L' = L - 1
};

Interval closed_form_value(const ClosedForm& f, std::uint64_t L) {
  const Prec p = f.K.precision();
  const Interval lnL = log_of(integer(p, L));
  const Interval lnL2 = f.pairs ? log_of(integer(p, L - 1)) : lnL;
  return f.K * (f.C + lnL + lnL2);
}

// ---------------------------------------------------------------------------

/// An enclosure as printed text, each end rounded outward to 17 digits.
std::string enclosure_text(const Enclosure& e) {
  std::string text = "[";
  return text.append(format_lower(e.lower, 17)).append(", ").append(format_upper(e.upper, 17)).append("]");
}

class Evaluator {
 public:
  /// `stop` is polled inside the exact tails' series, where the time goes; it has to outlive the evaluator.
  Evaluator(const BoundQuery& q, const StopRequest& stop) : q_(q), stop_(stop) {}

  const Derived& at(Prec p) {
    auto it = cache_.find(p);
    if (it == cache_.end()) it = cache_.emplace(p, derive(q_, p)).first;
    max_prec_ = std::max(max_prec_, p);
    return it->second;
  }

  ClosedForm form(BoundName name, Prec p) {
    const Derived& D = at(p);
    const Interval ln2 = log_of(integer(p, 2)), ln4 = log_of(integer(p, 4));
    switch (name) {
      case BoundName::d_star: return {integer(p, 1) / exponent_c(D.tau), ln4 - D.log_delta, false};
      case BoundName::d_star_paper: return {integer(p, 1) / exponent_c(D.tau_paper), ln4 - D.log_delta, false};
      case BoundName::d_star_u: return {integer(p, 1) / exponent_c(D.tau_u), ln2 - D.log_delta, false};
      case BoundName::d_pair: {
        const Interval ratio = D.beta_sharp / D.eps;
        const Interval K = sqr_of(ratio) * 6u + ratio * (sqrt_of(integer(p, 2)) * 2u + 2u);
        return {K, D.log_k - D.log_delta, true};
      }
      case BoundName::d_polar:
        return {integer(p, 1) / exponent_c(D.tau_pair), ln2 + D.log_k - D.log_delta, true};
      default: throw std::logic_error("not a closed form");
    }
  }

  /// The ceiling of v(L) for the query's L, at rising precision.
  void closed_form_bound(DimensionBound& b) {
    for (Prec p = kClosedFormStartBits;; p *= 2) {
      const Interval v = closed_form_value(form(b.name, p), q_.L);
      Real lo(p + 2), hi(p + 2);
      mpfr_ceil(lo.get(), v.left());
      mpfr_ceil(hi.get(), v.right());
      const bool same = mpfr_equal_p(lo.get(), hi.get()) != 0;
      if (!same && p < kMaxBits) continue;
      b.computed = true;
      b.value = v.enclosure();
      b.tight = same;
      b.exceeds_2_64 = mpfr_cmp_ui_2exp(hi.get(), 1, 64) >= 0;
      b.d = b.exceeds_2_64 ? kMaxU64 : static_cast<std::uint64_t>(mpfr_get_ui(hi.get(), MPFR_RNDN));
      b.method = same ? "the ceiling of the enclosure " + enclosure_text(b.value) +
                            " of the real value (MPFI, " + std::to_string(p) + " bits): proved"
                      : "the enclosure " + enclosure_text(b.value) +
                            " straddles an integer at " + std::to_string(p) +
                            " bits: d is the ceiling of its upper end, valid but possibly one above the ceiling";
      return;
    }
  }

  /// v(L) <= L - 1 (i.e. ceil(v(L)) < L), decided at rising precision.
  Tri closed_form_below(BoundName name, std::uint64_t L) {
    for (Prec p = kClosedFormStartBits; p <= kMaxBits; p *= 2) {
      const Interval v = closed_form_value(form(name, p), L);
      const Interval limit = integer(p, L - 1);
      if (certainly_le(v, limit)) return Tri::yes;
      if (certainly_gt(v, limit)) return Tri::no;
    }
    return Tri::unknown;
  }

  /// Smallest L >= 2 with ceil(v(L)) < L. h(L) = L - 1 - v(L) is convex, so
  /// once h(2) < 0 the set {L : h(L) >= 0} is an up-set and bisection is exact.
  void closed_form_crossover(DimensionBound& b) {
    Crossover& c = b.below_L;
    const Tri at2 = closed_form_below(b.name, 2);
    if (at2 == Tri::yes) {
      c = {Crossover::Status::found, 2, "the bound is below L already at L = 2 (proved)"};
      return;
    }
    bool undecided = at2 == Tri::unknown;
    auto below = [&](std::uint64_t L) {
      const Tri t = closed_form_below(b.name, L);
      undecided = undecided || t == Tri::unknown;
      return t == Tri::yes;
    };
    if (!below(kMaxU64)) {
      c = {Crossover::Status::not_below_2_64, 0,
           "proved: the bound is not below L at L = 2^64 - 1, and L - 1 - v(L) is convex and negative at L = 2"};
      return;
    }
    std::uint64_t lo = 2, hi = kMaxU64;
    while (hi - lo > 1) {
      const std::uint64_t m = lo + (hi - lo) / 2;
      (below(m) ? hi : lo) = m;
    }
    c = {Crossover::Status::found, hi,
         undecided ? "bisection; some comparison stayed undecided at 4096 bits, so this L is an upper bound on "
                     "the smallest one"
                   : "proved: bisection on a predicate that is monotone in L (L - 1 - v(L) is convex and "
                     "negative at L = 2; proofs/rigorous-bounds.md)"};
  }

  // ----- exact tails ------------------------------------------------------

  struct ExactOutcome {
    Tri tri = Tri::unknown;
    Enclosure ratio;  // factor * p / delta
  };

  /// factor * p(d, tau) <= delta with factor = 2 L^2 (Theorem 1) or L^2 (Theorem 2).
  ExactOutcome exact_condition(bool theorem1, std::uint64_t L, std::uint64_t d) {
    struct Level {
      Prec prec;
      unsigned rel;
    };
    static constexpr Level kLevels[] = {{64, 24}, {128, 56}, {256, 120}, {512, 248}};
    ExactOutcome out;
    for (const Level& level : kLevels) {
      const Derived& D = at(level.prec);
      const Interval& tau = theorem1 ? D.tau : D.tau_u;
      const Interval log_p = log_sum_exp(log_upper_tail(d, tau, level.prec, level.rel, stop_),
                                         log_lower_tail(d, tau, level.prec, level.rel, stop_));
      const Interval Li = integer(level.prec, L);
      const Interval factor = theorem1 ? sqr_of(Li) * 2u : sqr_of(Li);
      const Interval lhs = factor * exp_of(log_p);
      out.ratio = (lhs / D.delta).enclosure();
      if (certainly_le(lhs, D.delta)) { out.tri = Tri::yes; return out; }
      if (certainly_gt(lhs, D.delta)) { out.tri = Tri::no; return out; }
    }
    out.tri = Tri::unknown;
    return out;
  }

  double estimate_excess(bool theorem1, std::uint64_t L, std::uint64_t d, double tau) const {
    const double Ld = static_cast<double>(L);
    return std::log((theorem1 ? 2.0 : 1.0) * Ld * Ld) + log_p_estimate(d, tau) - std::log(q_.delta);
  }

  /// Largest Chernoff-form d (or tau too small) for which the exact search is run.
  static constexpr std::uint64_t kExactMaxD = std::uint64_t{1} << 52;
  static constexpr double kExactMinTau = 1.0 / 8192;

  void exact_bound(DimensionBound& b, const DimensionBound& chernoff) {
    const bool theorem1 = b.name == BoundName::d_star_exact;
    const Enclosure tau = (theorem1 ? at(64).tau : at(64).tau_u).enclosure();
    if (!q_.exact_tails) {
      b.note = "not computed (not asked for)";
      return;
    }
    if (!chernoff.computed || chernoff.exceeds_2_64 || chernoff.d > kExactMaxD || tau.lower < kExactMinTau) {
      b.note = "not computed: the series for p(d, tau) would need more than about 10^6 terms (tau < 2^-13 or the "
               "Chernoff form above 2^52); the Chernoff form " + chernoff.label + " is valid";
      return;
    }
    std::map<std::uint64_t, ExactOutcome> memo;
    auto outcome = [&](std::uint64_t d) -> const ExactOutcome& {
      auto it = memo.find(d);
      if (it == memo.end()) it = memo.emplace(d, exact_condition(theorem1, q_.L, d)).first;
      return it->second;
    };
    auto holds = [&](std::uint64_t d) { return outcome(d).tri == Tri::yes; };
    std::uint64_t hi = chernoff.d;
    if (!holds(hi)) {
      b.note = "not computed: the condition could not be decided at d = " + chernoff.label + " (enclosure too wide)";
      return;
    }
    // Double-precision guess by bisection, then rigorous probes around it.
    const double tau_mid = (tau.lower + tau.upper) / 2;
    std::uint64_t glo = 0, ghi = hi;
    while (ghi - glo > 1) {
      const std::uint64_t m = glo + (ghi - glo) / 2;
      (estimate_excess(theorem1, q_.L, m, tau_mid) <= 0 ? ghi : glo) = m;
    }
    const std::uint64_t d = smallest_true(holds, 0, hi, ghi);
    b.computed = true;
    b.d = d;
    b.value = outcome(d).ratio;
    const Tri before = d > 1 ? outcome(d - 1).tri : Tri::no;
    b.tight = before == Tri::no;
    const std::string factor = theorem1 ? "2 L^2" : "L^2";
    b.method = "the condition " + factor + " p(d, tau) <= delta is proved at d (enclosure of " + factor +
               " p / delta: " + enclosure_text(b.value) + ") and " +
               (d == 1 ? std::string("d = 1 is the smallest dimension")
                       : before == Tri::no ? "refuted at d - 1" : "undecided at d - 1") +
               "; that no smaller d works assumes p(d, tau) non-increasing in d (not proved; bisection)";
  }

  void exact_crossover(DimensionBound& b, const DimensionBound& chernoff) {
    Crossover& c = b.below_L;
    if (!b.computed || chernoff.below_L.status != Crossover::Status::found) {
      c.method = "not computed (the bound or the Chernoff form's crossover is unavailable)";
      return;
    }
    const bool theorem1 = b.name == BoundName::d_star_exact;
    const Enclosure tau = (theorem1 ? at(64).tau : at(64).tau_u).enclosure();
    const double tau_mid = (tau.lower + tau.upper) / 2;
    std::map<std::uint64_t, Tri> memo;
    auto tri = [&](std::uint64_t L) {
      auto it = memo.find(L);
      if (it == memo.end()) it = memo.emplace(L, exact_condition(theorem1, L, L - 1).tri).first;
      return it->second;
    };
    auto below = [&](std::uint64_t L) { return tri(L) == Tri::yes; };
    std::uint64_t hi = chernoff.below_L.L;
    if (hi > kExactMaxD) {
      c.method = "not computed (beyond 2^52)";
      return;
    }
    if (!below(hi)) {
      c.method = "not computed: the condition at d = L - 1 was not proved at L = " + std::to_string(hi);
      return;
    }
    std::uint64_t glo = 1, ghi = hi;
    while (ghi - glo > 1) {
      const std::uint64_t m = glo + (ghi - glo) / 2;
      (estimate_excess(theorem1, m, m - 1, tau_mid) <= 0 ? ghi : glo) = m;
    }
    const std::uint64_t L = smallest_true(below, 1, hi, ghi);
    const std::string factor = theorem1 ? "2 L^2" : "L^2";
    c.status = Crossover::Status::found;
    c.L = L;
    c.method = "at this L the condition " + factor + " p(L - 1, tau) <= delta is proved (so the exact-tail bound is <= L - 1)" +
               (L > 2 ? tri(L - 1) == Tri::no ? "; at L - 1 it is refuted at d = L - 2" : "; at L - 1 it is undecided at d = L - 2"
                      : std::string()) +
               "; smallest assuming p non-increasing in d and the condition monotone in L (bisection)";
  }

  Prec max_prec() const { return max_prec_; }

 private:
  BoundQuery q_;
  const StopRequest& stop_;
  std::map<Prec, Derived> cache_;
  Prec max_prec_ = 0;
};

const std::vector<Projection> kAllLaws = {Projection::gaussian, Projection::rademacher, Projection::achlioptas};
const std::vector<Projection> kGaussianOnly = {Projection::gaussian};

DimensionBound make_bound(BoundName name, std::string label, std::string theorem, std::string formula,
                          std::vector<Projection> valid_for) {
  DimensionBound b;
  b.name = name;
  b.label = std::move(label);
  b.theorem = std::move(theorem);
  b.formula = std::move(formula);
  b.valid_for = std::move(valid_for);
  return b;
}

DimensionBound skeleton(BoundName name) {
  switch (name) {
    case BoundName::d_star:
      return make_bound(name, "d*", "Theorem 1", "ceil(ln(4 L^2/delta) / c(tau)), tau = eta/beta_sharp", kAllLaws);
    case BoundName::d_star_paper:
      return make_bound(name, "d* (paper beta)", "Theorem 1",
                        "ceil(ln(4 L^2/delta) / c(eta/(sqrt(k)(Delta+rho))))", kAllLaws);
    case BoundName::d_star_exact:
      return make_bound(name, "d*_exact", "Theorem 1",
                        "min{d : 2 L^2 p(d, tau) <= delta}, p the exact chi-square tail", kGaussianOnly);
    case BoundName::d_pair:
      return make_bound(name, "d_pair", "Theorem 1'",
                        "ceil(ln(k L (L-1)/delta) (6 beta^2/eps^2 + (2 + 2 sqrt 2) beta/eps)), beta = beta_sharp",
                        kGaussianOnly);
    case BoundName::d_polar:
      return make_bound(name, "d_polar", "Theorem 1'", "ceil(ln(2 k L (L-1)/delta) / c(eps/(sqrt 2 beta_sharp)))",
                        kAllLaws);
    case BoundName::d_star_u:
      return make_bound(name, "d*_u", "Theorem 2",
                        "ceil(ln(2 L^2/delta) / c(tau_u)), tau_u = eta/(k Delta + (k-1) rho)", kAllLaws);
    case BoundName::d_star_u_exact:
      return make_bound(name, "d*_u,exact", "Theorem 2", "min{d : L^2 p(d, tau_u) <= delta}", kGaussianOnly);
    case BoundName::trivial:
      return make_bound(name, "trivial", "trivial baseline", "d = L, R = I, X = [B | I], S = B exactly", {});
    default: break;
  }
  throw std::logic_error("skeleton: not a closed form or exact-tail bound");
}

}  // namespace

namespace bounds_detail {

void check_bound_query(const BoundQuery& q) {
  if (q.L < 2) throw InputError("L has to be at least 2, got " + std::to_string(q.L));
  if (q.k < 1 || q.k > q.L)
    throw InputError("k has to be in [1, L] = [1, " + std::to_string(q.L) + "], got " + std::to_string(q.k));
  if (!(q.eps > 0) || !std::isfinite(q.eps)) throw InputError("eps has to be finite and > 0, got " + format_shortest(q.eps));
  if (!(q.gamma > 0 && q.gamma < 1)) throw InputError("gamma has to be in (0, 1), got " + format_shortest(q.gamma));
  if (!(q.rho >= 0) || !std::isfinite(q.rho)) throw InputError("rho has to be finite and >= 0, got " + format_shortest(q.rho));
  if (!(q.delta > 0 && q.delta < 1)) throw InputError("delta has to be in (0, 1), got " + format_shortest(q.delta));
  if (q.norm_budget && (!(*q.norm_budget > 0) || !std::isfinite(*q.norm_budget)))
    throw InputError("norm-budget has to be finite and > 0, got " + format_shortest(*q.norm_budget));
  if (q.gap_Delta) check_gap_Delta(q.eps, q.gamma, *q.gap_Delta);
}

namespace {

// Lemma 2's gap ln(1/gamma) + eps, enclosed at p bits (for a gap scaled by a
// factor; the unscaled gap is the double lemma2_gap_Delta()).
Interval lemma2_gap(double eps, double gamma, Prec p) { return point(p, eps) - log_of(point(p, gamma)); }

}  // namespace

Interval gap_Delta_interval(const BoundQuery& q, Prec p) {
  return point(p, q.gap_Delta ? *q.gap_Delta : lemma2_gap_Delta(q.eps, q.gamma));
}

}  // namespace bounds_detail

void check_gap_Delta(double eps, double gamma, double gap_Delta) {
  // Lemma 2 with a larger gap: Delta >= ln(1/gamma) + eps, proved (proofs/chernoff-bound.md);
  // for a double Delta that is Delta >= lemma2_gap_Delta, the smallest such double.
  const double least = lemma2_gap_Delta(eps, gamma);
  if (!std::isfinite(gap_Delta) || !(gap_Delta >= least))
    throw InputError("gap-Delta has to be at least ln(1/gamma) + eps = " + format_shortest(least) + ", got " +
                     format_shortest(gap_Delta));
}

std::optional<double> scaled_gap_Delta(double eps, double gamma, double factor) {
  if (!(factor >= 1) || !std::isfinite(factor))
    throw InputError("a gap factor has to be finite and >= 1, got " + format_shortest(factor));
  if (factor == 1) return std::nullopt;
  const Interval least = bounds_detail::lemma2_gap(eps, gamma, kClosedFormStartBits);
  return (least * point(kClosedFormStartBits, factor)).enclosure().upper;
}

std::string to_string(BoundName name) {
  switch (name) {
    case BoundName::d_star: return "d_star";
    case BoundName::d_star_paper: return "d_star_paper";
    case BoundName::d_star_exact: return "d_star_exact";
    case BoundName::d_pair: return "d_pair";
    case BoundName::d_polar: return "d_polar";
    case BoundName::d_star_u: return "d_star_u";
    case BoundName::d_star_u_exact: return "d_star_u_exact";
    case BoundName::d_chernoff: return "d_chernoff";
    case BoundName::d_chernoff_u: return "d_chernoff_u";
    case BoundName::trivial: return "trivial";
    case BoundName::d_lower: return "d_lower";
  }
  return "?";
}

BoundReport rigorous_bounds(const BoundQuery& query, const StopRequest& stop) {
  check_bound_query(query);
  Evaluator ev(query, stop);
  BoundReport r;
  r.query = query;
  {
    const Derived& D = ev.at(kClosedFormStartBits);
    r.eta = D.eta.enclosure();
    r.gap_Delta = D.gap_Delta.enclosure();
    r.beta_sharp = D.beta_sharp.enclosure();
    r.beta_paper = D.beta_paper.enclosure();
    r.l1_upper = D.l1.enclosure();
    r.tau = D.tau.enclosure();
    r.tau_paper = D.tau_paper.enclosure();
    r.tau_u = D.tau_u.enclosure();
    r.tau_pair = D.tau_pair.enclosure();
  }
  for (BoundName name : {BoundName::d_star, BoundName::d_star_paper, BoundName::d_star_exact, BoundName::d_pair,
                         BoundName::d_polar, BoundName::d_star_u, BoundName::d_star_u_exact})
    r.bounds.push_back(skeleton(name));
  // Theorem 3 (chernoff_bound.cpp), or its placeholders; milliseconds each, so polled between them.
  if (query.chernoff) {
    stop_point(stop);
    r.bounds.push_back(chernoff_class_bound(query));
    stop_point(stop);
    r.bounds.push_back(chernoff_all_targets_bound(query));
  } else {
    for (BoundName name : {BoundName::d_chernoff, BoundName::d_chernoff_u}) {
      DimensionBound b = chernoff_skeleton(name);
      b.note = "not computed (not asked for)";
      r.bounds.push_back(b);
    }
  }
  r.bounds.push_back(skeleton(BoundName::trivial));
  auto get = [&r](BoundName name) -> DimensionBound& { return r.bounds[static_cast<std::size_t>(name)]; };

  for (BoundName name : {BoundName::d_star, BoundName::d_star_paper, BoundName::d_pair, BoundName::d_polar,
                         BoundName::d_star_u}) {
    stop_point(stop);
    ev.closed_form_bound(get(name));
    if (query.crossovers) ev.closed_form_crossover(get(name));
  }
  ev.exact_bound(get(BoundName::d_star_exact), get(BoundName::d_star));
  ev.exact_bound(get(BoundName::d_star_u_exact), get(BoundName::d_star_u));
  if (query.crossovers) {
    ev.exact_crossover(get(BoundName::d_star_exact), get(BoundName::d_star));
    ev.exact_crossover(get(BoundName::d_star_u_exact), get(BoundName::d_star_u));
  }
  DimensionBound& t = get(BoundName::trivial);
  t.computed = true;
  t.d = query.L;
  t.tight = true;
  t.value = {static_cast<double>(query.L), static_cast<double>(query.L)};
  t.method = "exact: R = I_L gives S = B (no randomness)";
  t.below_L.method = "d = L is never below L";
  r.max_precision_bits = static_cast<unsigned>(ev.max_prec());
  // The lower bound (proofs/lower-bound.md) at Lemma 4's budget at d_chernoff, and at the user's budget.
  const DimensionBound& dc = get(BoundName::d_chernoff);
  if (dc.computed && !dc.exceeds_2_64) {
    r.lemma4_budget = lemma4_norm_budget(query.L, r.beta_sharp, dc.d, query.delta);
    r.d_lower = packing_lower_bound(query.L, query.gamma, r.lemma4_budget.product);
    r.d_lower.source = "Lemma 4's construction at d = d_chernoff keeps (largest query norm) x (largest key norm) <= N "
                       "with probability >= 1 - delta";
  } else {
    r.d_lower.method = "not computed (d_chernoff is not available)";
  }
  if (query.norm_budget) {
    r.d_lower_at_budget = packing_lower_bound(query.L, query.gamma, *query.norm_budget);
    r.d_lower_at_budget->source = "--norm-budget";
  }
  return r;
}

bool is_valid_for(const DimensionBound& bound, Projection projection) {
  if (bound.name == BoundName::trivial) return true;
  return std::find(bound.valid_for.begin(), bound.valid_for.end(), projection) != bound.valid_for.end();
}

const DimensionBound& find_bound(const BoundReport& report, BoundName name) {
  for (const DimensionBound& b : report.bounds)
    if (b.name == name) return b;
  throw std::logic_error("find_bound: " + to_string(name) + " is not in the report");
}

const DimensionBound& smallest_valid_bound(const BoundReport& report, Projection projection, BoundFamilies families) {
  const DimensionBound* best = nullptr;
  for (const DimensionBound& b : report.bounds) {
    const bool theorem3 = b.name == BoundName::d_chernoff || b.name == BoundName::d_chernoff_u;
    if (b.name == BoundName::trivial || (theorem3 && families == BoundFamilies::theorems_1_and_2) || !b.computed ||
        b.exceeds_2_64 || !is_valid_for(b, projection))
      continue;
    if (best == nullptr || b.d < best->d) best = &b;
  }
  return best != nullptr ? *best : find_bound(report, BoundName::trivial);
}

ChiSquareTailEnclosure chi_square_tail_enclosure(std::uint64_t d, double tau, unsigned precision_bits,
                                                 unsigned relative_bits) {
  if (d < 1 || d > (std::uint64_t{1} << 63)) throw InputError("d has to be in [1, 2^63], got " + std::to_string(d));
  if (!(tau > 0 && tau < 1)) throw InputError("tau has to be in (0, 1), got " + format_shortest(tau));
  if (precision_bits < 64 || precision_bits > 8192)
    throw InputError("precision_bits has to be in [64, 8192], got " + std::to_string(precision_bits));
  if (relative_bits < 8 || relative_bits > precision_bits)
    throw InputError("relative_bits has to be in [8, precision_bits], got " + std::to_string(relative_bits));
  const Prec p = precision_bits;
  const Interval t = point(p, tau);
  const Interval up = log_upper_tail(d, t, p, relative_bits, {});
  const Interval lo = log_lower_tail(d, t, p, relative_bits, {});
  return {up.enclosure(), lo.enclosure(), log_sum_exp(up, lo).enclosure()};
}

JlMinDim jl_min_dim(std::uint64_t n_points, double eps) {
  if (n_points < 1) throw InputError("the number of points has to be at least 1");
  if (!(eps > 0 && eps < 1)) throw InputError("the JL eps has to be in (0, 1), got " + format_shortest(eps));
  JlMinDim out;
  for (Prec p = kClosedFormStartBits;; p *= 2) {
    const Interval e = point(p, eps);
    // 4 ln N / (e^2/2 - e^3/3) = 24 ln N / (e^2 (3 - 2e))
    const Interval v = log_of(integer(p, n_points)) * 24u / (sqr_of(e) * (3u - e * 2u));
    Real flo(p + 2), fhi(p + 2), clo(p + 2), chi(p + 2);
    mpfr_floor(flo.get(), v.left());
    mpfr_floor(fhi.get(), v.right());
    mpfr_ceil(clo.get(), v.left());
    mpfr_ceil(chi.get(), v.right());
    const bool decided = mpfr_equal_p(flo.get(), fhi.get()) && mpfr_equal_p(clo.get(), chi.get());
    if (!decided && p < kMaxBits) continue;
    if (mpfr_cmp_ui_2exp(chi.get(), 1, 64) >= 0)
      throw InputError("the JL dimension exceeds 2^64 for N = " + std::to_string(n_points) +
                       ", eps = " + format_shortest(eps));
    out.value = v.enclosure();
    out.floor = static_cast<std::uint64_t>(mpfr_get_ui(fhi.get(), MPFR_RNDN));
    out.ceil = static_cast<std::uint64_t>(mpfr_get_ui(chi.get(), MPFR_RNDN));
    out.decided = decided;
    return out;
  }
}

double target_range_upper(const Target& A) {
  Real hi(64), lo(64), diff(64);
  double rho = 0.0;
  for (std::size_t i = 0; i < A.L(); ++i) {
    const auto w = A.weights(i);
    const auto [mn, mx] = std::minmax_element(w.begin(), w.end());
    if (*mx == *mn) continue;
    mpfr_set_d(hi.get(), *mx, MPFR_RNDN);  // exact
    mpfr_set_d(lo.get(), *mn, MPFR_RNDN);
    mpfr_log(hi.get(), hi.get(), MPFR_RNDU);
    mpfr_log(lo.get(), lo.get(), MPFR_RNDD);
    mpfr_sub(diff.get(), hi.get(), lo.get(), MPFR_RNDU);
    rho = std::max(rho, mpfr_get_d(diff.get(), MPFR_RNDU));
  }
  return rho;
}

}  // namespace jlattn
