/// \file chernoff_bound.cpp
/// \brief Theorem 3 (proofs/chernoff-bound.md): Lemma 5's bound for one event
/// or a box of events, the union bounds per target, class-wide and for all
/// targets, and the search for the smallest dimension.
///
/// Every number that enters a decision is rigorous: a box's exponent and
/// density factor are enclosed in MPFI and stored as outward-rounded doubles,
/// and the union bound at a dimension is re-evaluated in MPFI from those
/// doubles. Double-precision estimates only steer the searches and the box
/// refinement; a wrong estimate can make a bound looser or a search longer,
/// never wrong.
///
/// Proof page: proofs/chernoff-bound.md
#include "jlattn/bounds/chernoff_bound.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <queue>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "jlattn/bounds/bounds_internal.hpp"
#include "jlattn/core/errors.hpp"
#include "jlattn/core/format.hpp"
#include "jlattn/core/multiprecision.hpp"

namespace jlattn {

namespace {

using namespace mp;
using namespace bounds_detail;
using Prec = mp::Precision;

constexpr Prec kBits = 128;
constexpr std::uint64_t kMaxU64 = std::numeric_limits<std::uint64_t>::max();
constexpr double kInf = std::numeric_limits<double>::infinity();

double lower_of(const Interval& x) { return x.enclosure().lower; }
double upper_of(const Interval& x) { return x.enclosure().upper; }
/// [lo, hi] (exact: the precision is >= 53 bits).
Interval between(Prec p, double lo, double hi) { return computed(p, mpfi_interv_d, lo, hi); }

// ---------------------------------------------------------------------------
// Lemma 5 for a box of events.

/// x rounded outward to `bits` significant bits (down if !up).
double round_bits(double x, unsigned bits, bool up) {
  if (x == 0 || !std::isfinite(x)) return x;
  const int e = std::ilogb(x);
  const double step = std::ldexp(1.0, e - static_cast<int>(bits) + 1);
  const double k = up ? std::ceil(x / step) : std::floor(x / step);
  return k * step;
}

/// ln(1/gamma) at 512 bits (rounded outward to each working precision).
Interval kappa_of(double gamma) { return integer(512, 0) - log_of(point(512, gamma)); }

/// The maximiser of F_theta(p, q, s) over 0 < theta < 1/(p + q) (Lemma 5,
/// item 5: the root of m(1-c^2) v^2 + (2mc + 1 - c^2) v - t = 0, v = p theta,
/// c = q/p, t = s/p, m = c + t, in a cancellation-free form; t is used as it
/// is, since m - c may round to 0). When F grows without bound (q = -p,
/// s >= p: the event is empty) a large theta is returned. Double precision:
/// any admissible theta is valid.
double theta_maximiser(double p, double q, double s) {
  const double c = q / p, t = s / p, m = c + t;
  const double a = m * (1 - c * c), b = 2 * m * c + 1 - c * c;
  const double disc = std::max(b * b + 4 * a * t, 0.0);
  const double denominator = b + std::sqrt(disc);
  if (!(denominator > 0)) return std::ldexp(1.0, 20) / p;
  return 2 * t / denominator / p;
}

/// The events a box covers: p = ||b|| ||w|| in [p_lo, p_hi], q = <b, w> in
/// [q_lo, q_hi], and either a tolerance s >= s_lo (R1, Theorem 2) or, for R2,
/// s = y - kappa with y = -q (so q + s = -kappa).
struct Box {
  double p_lo = 0, p_hi = 0, q_lo = 0, q_hi = 0, s_lo = 0;
  bool r2 = false;
};

/// Lemma 5 for every event of a box, reduced to three numbers: the bound is
/// exp(-d exponent) min(1, phi_d exp(log_factor)) for every d.
struct EventBound {
  double theta = 0;
  double exponent = 0;        ///< a proved lower bound of F_theta over the box
  double log_factor = kInf;   ///< a proved upper bound of -ln(theta max(a, b)); +inf: no density factor
  bool usable = false;        ///< exponent > 0 (else the bound is the trivial 1)
};

/// F_theta at one point (p, q, s) (for R2: q = -y, s = y - kappa), enclosed.
Interval exponent_at_point(Prec bits, double theta, double p, double q, double s, bool r2, const Interval& kappa) {
  const Interval th = point(bits, theta), pp = point(bits, p), qq = point(bits, q);
  Interval half = integer(bits, 1);
  mpfi_div_2ui(half.get(), half.get(), 1);
  const Interval tail = half * log1p_of(integer(bits, 0) - (pp + qq) * th) + half * log1p_of((pp - qq) * th);
  if (r2) {
    Interval k(bits);
    mpfi_set(k.get(), kappa.get());  // rounded outward
    return tail - th * k;            // theta (q + s) = -theta kappa
  }
  return th * (qq + point(bits, s)) + tail;
}

/// Preallocated 64-bit intervals for Lemma 5 on boxes, so that the per-target
/// bound can evaluate hundreds of thousands of boxes without allocating. Every
/// operation is an MPFI operation (inclusion property); the precision only
/// decides how narrow the enclosures are.
class Workspace {
 public:
  static constexpr Prec kPrec = 64;
  explicit Workspace(const Interval& kappa) {
    for (mpfi_ptr v : {th_, p_, q_, t1_, t2_, f_, k_}) mpfi_init2(v, kPrec);
    mpfr_init2(best_, kPrec);
    mpfi_set(k_, kappa.get());  // rounded outward
    kappa_ = &kappa;
  }
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;
  ~Workspace() {
    for (mpfi_ptr v : {th_, p_, q_, t1_, t2_, f_, k_}) mpfi_clear(v);
    mpfr_clear(best_);
  }
  const Interval& kappa() const { return *kappa_; }

  /// 1 - (p_hi + q_hi) theta > 0, proved.
  bool admissible(double theta, double p_hi, double q_hi) {
    mpfi_set_d(t1_, p_hi);
    mpfi_add_d(t1_, t1_, q_hi);
    mpfi_mul_d(t1_, t1_, theta);
    return mpfr_cmp_ui(&t1_->right, 1) < 0;
  }

  /// F_theta(p, q, s) (for R2: q = -y, theta (q + s) = -theta kappa), enclosed
  /// in f_; returns its lower end and whether the enclosure is narrow.
  double exponent(double theta, double p, double q, double s, bool r2, bool& narrow) {
    mpfi_set_d(th_, theta);
    mpfi_set_d(p_, p);
    // ln(1 - (p+q) theta) + ln(1 + (p-q) theta) = log1p(u + v + u v), u = -(p+q) theta, v = (p-q) theta
    mpfi_add_d(t1_, p_, q);
    mpfi_mul(t1_, t1_, th_);
    mpfi_neg(t1_, t1_);
    mpfi_sub_d(t2_, p_, q);
    mpfi_mul(t2_, t2_, th_);
    mpfi_mul(f_, t1_, t2_);
    mpfi_add(f_, f_, t1_);
    mpfi_add(f_, f_, t2_);
    mpfi_log1p(f_, f_);
    mpfi_div_2ui(f_, f_, 1);
    if (r2) {
      mpfi_mul(t1_, th_, k_);
      mpfi_sub(f_, f_, t1_);
    } else {
      mpfi_set_d(t1_, q);
      mpfi_add_d(t1_, t1_, s);
      mpfi_mul(t1_, t1_, th_);
      mpfi_add(f_, f_, t1_);
    }
    const double lo = mpfr_get_d(&f_->left, MPFR_RNDD), hi = mpfr_get_d(&f_->right, MPFR_RNDU);
    narrow = lo > 0 && hi - lo <= std::ldexp(lo, -30);
    return lo;
  }

  /// An upper bound of -ln(theta max(a, b)) with a, b at lambda_+ >= (p_lo + q_lo)/2,
  /// lambda_- >= (p_lo - q_hi)/2 (Lemma 5, item 4 (f)); +inf when both are <= 0.
  double log_factor(double theta, double p_lo, double q_lo, double q_hi) {
    mpfi_set_d(th_, theta);
    mpfr_set_zero(best_, 1);
    for (int sign : {+1, -1}) {
      mpfi_set_d(q_, p_lo);  // lambda = (p_lo + q_lo)/2 or (p_lo - q_hi)/2
      if (sign > 0) mpfi_add_d(q_, q_, q_lo);
      else mpfi_sub_d(q_, q_, q_hi);
      mpfi_div_2ui(q_, q_, 1);
      if (mpfr_sgn(&q_->left) <= 0) continue;
      mpfi_mul(t1_, th_, q_);  // 1 -+ 2 theta lambda
      mpfi_mul_2ui(t1_, t1_, 1);
      if (sign > 0) mpfi_ui_sub(t1_, 1, t1_);
      else mpfi_add_ui(t1_, t1_, 1);
      if (mpfr_sgn(&t1_->left) <= 0) continue;
      mpfi_div(t2_, q_, t1_);
      if (mpfr_sgn(&t2_->left) > 0) mpfr_max(best_, best_, &t2_->left, MPFR_RNDD);
    }
    if (mpfr_sgn(best_) <= 0) return kInf;
    mpfi_mul_fr(t1_, th_, best_);
    mpfi_log(f_, t1_);
    return -mpfr_get_d(&f_->left, MPFR_RNDD);
  }

 private:
  mpfi_t th_, p_, q_, t1_, t2_, f_, k_;
  mpfr_t best_;
  const Interval* kappa_ = nullptr;
};

/// A proved lower bound of F_theta over the box (Lemma 5, item 4): at p_hi
/// (a), s_lo (b), the smallest y (c) for R2, and otherwise the smaller of the
/// two ends in q (quasi-concavity, (d)). 64 bits first; rising precision
/// when the enclosure is not narrow.
double exponent_lower(Workspace& ws, const Box& box, double theta) {
  const bool two_ends = !box.r2 && box.q_lo != box.q_hi;
  bool narrow_a = true, narrow_b = true;
  double lower = ws.exponent(theta, box.p_hi, box.q_hi, box.s_lo, box.r2, narrow_a);
  if (two_ends) lower = std::min(lower, ws.exponent(theta, box.p_hi, box.q_lo, box.s_lo, false, narrow_b));
  if (narrow_a && narrow_b) return lower;
  for (Prec bits : {Prec{128}, Prec{256}}) {
    Interval F = exponent_at_point(bits, theta, box.p_hi, box.q_hi, box.s_lo, box.r2, ws.kappa());
    if (two_ends) {
      const Interval G = exponent_at_point(bits, theta, box.p_hi, box.q_lo, box.s_lo, false, ws.kappa());
      if (mpfr_less_p(G.left(), F.left())) F = G;
    }
    lower = F.enclosure().lower;
    if (lower > 0 && F.enclosure().upper - lower <= std::ldexp(lower, -30)) break;
  }
  return lower;
}

/// Lemma 5 for a box, with theta the maximiser at `corner_q` (proved admissible).
EventBound box_bound_at(Workspace& ws, const Box& box, double corner_q) {
  EventBound e;
  const double s_corner = box.r2 ? -corner_q - ws.kappa().enclosure().upper : box.s_lo;
  double theta = theta_maximiser(box.p_hi, corner_q, s_corner);
  if (!(theta > 0) || !std::isfinite(theta)) return e;
  for (int attempt = 0; !ws.admissible(theta, box.p_hi, box.q_hi); ++attempt) {
    if (attempt == 60) return e;
    theta *= 0.5;
  }
  e.theta = theta;
  e.exponent = exponent_lower(ws, box, theta);
  e.usable = e.exponent > 0;
  e.log_factor = ws.log_factor(theta, box.p_lo, box.q_lo, box.q_hi);
  return e;
}

/// Lemma 5 for a box: theta from the worst corner (for q not of one sign, the
/// better of the two ends).
EventBound box_bound(Workspace& ws, const Box& box) {
  if (box.r2 || box.q_lo >= 0 || box.q_hi == box.q_lo) return box_bound_at(ws, box, box.q_hi);
  EventBound a = box_bound_at(ws, box, box.q_hi), b = box_bound_at(ws, box, box.q_lo);
  return (!a.usable || (b.usable && b.exponent > a.exponent)) ? b : a;
}

// ---------------------------------------------------------------------------
// The density factor's d-part: ln phi_d, phi_d the largest chi^2_d density.

/// ln phi_d for d >= 2 (Lemma 5, item 2), enclosed.
Interval log_density_max(std::uint64_t d, Prec p) {
  if (d == 2) return integer(p, 0) - log_of(integer(p, 2));
  const Interval dm2 = integer(p, d - 2);
  const Interval half_d = integer(p, d) / 2u;  // exact
  return (half_d - 1u) * log_of(dm2) - dm2 / 2u - half_d * log_of(integer(p, 2)) - lngamma_at_point(half_d);
}

/// The same in double precision (steering only).
double log_density_max_estimate(std::uint64_t d) {
  if (d == 2) return -std::log(2.0);
  const double dd = static_cast<double>(d);
  return (dd / 2 - 1) * std::log(dd - 2) - (dd - 2) / 2 - dd / 2 * std::log(2.0) - std::lgamma(dd / 2);
}

/// ln of the event bound at d, in double precision (steering only).
double log_bound_estimate(const EventBound& e, std::uint64_t d, double log_phi) {
  if (!e.usable) return 0.0;
  const double factor = d >= 2 ? std::min(0.0, log_phi + e.log_factor) : 0.0;
  return -static_cast<double>(d) * e.exponent + factor;
}

/// The event bound at d, enclosed from the stored doubles at precision `bits`.
Interval bound_at(const EventBound& e, std::uint64_t d, const Interval* log_phi, Prec bits) {
  if (!e.usable) return integer(bits, 1);
  Interval x = integer(bits, 0) - integer(bits, d) * point(bits, e.exponent);
  if (log_phi != nullptr && std::isfinite(e.log_factor)) {
    Interval f = *log_phi + point(bits, e.log_factor);  // min(0, f), endpointwise
    Real zero(bits), lo(bits), hi(bits);
    mpfr_set_zero(zero.get(), 1);
    mpfr_min(lo.get(), f.left(), zero.get(), MPFR_RNDD);
    mpfr_min(hi.get(), f.right(), zero.get(), MPFR_RNDU);
    mpfi_interv_fr(f.get(), lo.get(), hi.get());
    x = x + f;
  }
  return exp_of(x);
}

double log_add(double a, double b) {
  if (a == -kInf) return b;
  if (b == -kInf) return a;
  const double hi = std::max(a, b), lo = std::min(a, b);
  return hi + std::log1p(std::exp(lo - hi));
}

Interval max_of(const Interval& a, const Interval& b) {
  const Prec bits = std::max(a.precision(), b.precision());
  Interval r(bits);
  Real lo(bits), hi(bits);
  mpfr_max(lo.get(), a.left(), b.left(), MPFR_RNDD);
  mpfr_max(hi.get(), a.right(), b.right(), MPFR_RNDU);
  mpfi_interv_fr(r.get(), lo.get(), hi.get());
  return r;
}

// ---------------------------------------------------------------------------
// The search for the smallest dimension, shared by the three bounds.

enum class Tri { yes, no, unknown };

/// A union bound G(d), non-increasing in d: a double estimate of ln G and an
/// enclosure of G.
struct UnionBound {
  std::function<double(std::uint64_t)> log_estimate;
  std::function<Interval(std::uint64_t, Prec)> enclosure;  ///< at a working precision
  bool degenerate = false;  ///< some event's exponent was not proved positive (its bound is the trivial 1)
};

/// G(d) <= delta, decided at 64 bits and, if undecided, at 128 and 256.
Tri decide(const UnionBound& g, std::uint64_t d, double delta_value, Enclosure* ratio) {
  for (Prec bits : {Prec{64}, Prec{128}, Prec{256}}) {
    const Interval G = g.enclosure(d, bits), delta = point(bits, delta_value);
    if (ratio != nullptr) *ratio = (G / delta).enclosure();
    if (certainly_le(G, delta)) return Tri::yes;
    if (certainly_gt(G, delta)) return Tri::no;
  }
  return Tri::unknown;
}

/// Smallest n in (lo, hi] with pred(n), given that pred is monotone and pred(hi).
template <class Pred>
std::uint64_t bisect(Pred&& pred, std::uint64_t lo, std::uint64_t hi) {
  while (hi - lo > 1) {
    const std::uint64_t m = lo + (hi - lo) / 2;
    (pred(m) ? hi : lo) = m;
  }
  return hi;
}

/// Fills b with the smallest d at which G(d) <= delta is proved, and whether
/// G(d - 1) > delta is proved (`tight`). G is non-increasing (Lemma 5, item 3):
/// a double-precision bisection gives a guess, rigorous probes gallop from it.
void smallest_dimension(const UnionBound& g, double delta_value, DimensionBound& b, const std::string& what) {
  if (g.degenerate) {
    b.note = "not computed: the exponent of some event of " + what +
             " could not be proved positive at 256 bits (parameters too extreme)";
    return;
  }
  const double log_delta = std::log(delta_value);
  const double delta = delta_value;
  auto proved = [&](std::uint64_t d) { return decide(g, d, delta, nullptr) == Tri::yes; };
  if (!proved(kMaxU64)) {
    if (decide(g, kMaxU64, delta, nullptr) == Tri::no) {
      b.computed = true;
      b.exceeds_2_64 = true;
      b.d = kMaxU64;
      b.method = "the union bound " + what + " is proved above delta at d = 2^64 - 1";
    } else {
      b.note = "not computed: the union bound " + what + " could not be decided at d = 2^64 - 1";
    }
    return;
  }
  auto estimate_ok = [&](std::uint64_t d) { return g.log_estimate(d) <= log_delta; };
  const std::uint64_t guess = estimate_ok(1) ? 1 : bisect(estimate_ok, 1, kMaxU64);
  const std::uint64_t d = smallest_true(proved, 0, kMaxU64, guess);
  const Tri below = d > 1 ? decide(g, d - 1, delta, nullptr) : Tri::no;
  decide(g, d, delta, &b.value);
  b.computed = true;
  b.d = d;
  b.tight = below == Tri::no;
  b.method = "the union bound " + what + " <= delta is proved at d (enclosure of the bound / delta: [" +
             format_shortest(b.value.lower) + ", " + format_shortest(b.value.upper) + "]) and " +
             (d == 1 ? std::string("d = 1 is the smallest dimension")
                     : below == Tri::no ? "refuted at d - 1" : "undecided at d - 1") +
             "; the bound is proved non-increasing in d (Lemma 5), so every larger d works too (MPFI)";
}

/// Smallest L in [L_min, 2^64) with G_L(L - 1) <= delta proved, by bisection
/// assuming the condition monotone in L; refuted (or undecided) at L - 1.
void chernoff_crossover(const std::function<UnionBound(std::uint64_t)>& at_L, std::uint64_t L_min, double delta_value,
                        Crossover& c) {
  const double log_delta = std::log(delta_value);
  const double delta = delta_value;
  auto proved = [&](std::uint64_t L) { return decide(at_L(L), L - 1, delta, nullptr) == Tri::yes; };
  if (!proved(kMaxU64)) {
    if (decide(at_L(kMaxU64), kMaxU64 - 1, delta, nullptr) == Tri::no)
      c = {Crossover::Status::not_below_2_64, 0,
           "the bound is proved not below L at L = 2^64 - 1; that it is not below L for smaller L assumes the "
           "condition monotone in L"};
    else
      c.method = "not computed (undecided at L = 2^64 - 1)";
    return;
  }
  auto estimate_below = [&](std::uint64_t L) { return at_L(L).log_estimate(L - 1) <= log_delta; };
  const std::uint64_t guess = estimate_below(L_min) ? L_min : bisect(estimate_below, L_min, kMaxU64);
  const std::uint64_t L = smallest_true(proved, L_min - 1, kMaxU64, guess);
  const Tri before = L > L_min ? decide(at_L(L - 1), L - 2, delta, nullptr) : Tri::no;
  c.status = Crossover::Status::found;
  c.L = L;
  c.method = "at this L the union bound at d = L - 1 is proved <= delta (so the bound is <= L - 1)" +
             std::string(L > L_min ? before == Tri::no ? "; at L - 1 it is refuted at d = L - 2"
                                                       : "; at L - 1 it is undecided at d = L - 2"
                                   : "; no smaller L is in the class (k <= L) or above 1") +
             "; smallest assuming the condition monotone in L (bisection)";
}

// ---------------------------------------------------------------------------
// The class-wide bound (Theorem 3, items 3 and 4).

/// The R2 boxes of one sorted position, or the R1 boxes of one orientation,
/// refined where the exponent is smallest.
struct Family {
  std::vector<EventBound> bounds;
};

/// Geometry of the class in outward-rounded doubles.
struct ClassGeometry {
  std::uint64_t k = 1;
  Interval kappa{512}, Delta{kBits}, top{kBits}, eps{kBits};  // top = Delta + rho
  double Delta_lo = 0, Delta_hi = 0, top_hi = 0, rho_hi = 0;

  /// Upper bound of N_j(y) (y a point) and lower bound of n_j(y).
  double N_upper(std::uint64_t j, double y) const {
    const Interval yy = point(kBits, y);
    const Interval n2 = sqr_of(Delta) + sqr_of(yy) * (j - 1) + sqr_of(top) * (k - j);
    return upper_of(sqrt_of(n2));
  }
  double n_lower(std::uint64_t j, double y) const {
    if (j == 1) return lower_of(Delta);
    return lower_of(sqrt_of(sqr_of(Delta) * (j - 1) + sqr_of(point(kBits, y))));
  }
  /// R1: N_pair over u in [u0, u1] (upper) and n_pair(u0) (lower).
  double N_pair_upper(double u0, double u1) const {
    const Interval a = Delta + point(kBits, u1), b = top - point(kBits, u0);
    const Interval m = max_of(sqr_of(a), sqr_of(b));
    const Interval others = k >= 2 ? sqr_of(top) * (k - 2) : integer(kBits, 0);
    return upper_of(sqrt_of(sqr_of(Delta) + others + m));
  }
  double n_pair_lower(double u0) const { return lower_of(sqrt_of(sqr_of(Delta) + sqr_of(Delta + point(kBits, u0)))); }
  /// p = sqrt 2 n, rounded outward.
  static double p_lower(double n) { return lower_of(sqrt_of(integer(kBits, 2)) * point(kBits, n)); }
  static double p_upper(double n) { return upper_of(sqrt_of(integer(kBits, 2)) * point(kBits, n)); }
};

/// A cell of the cover: y (or u) in [a0, a1], n in [n0, n1].
struct Cell {
  double a0, a1, n0, n1;
};

enum class FamilyKind { r2_position, r1_plus, r1_minus };

/// The box of events of a cell, intersected with the feasible set; false if empty.
bool cell_box(const ClassGeometry& g, FamilyKind kind, std::uint64_t j, const Cell& c, Box& box) {
  double n_lo = c.n0, n_hi = c.n1;
  if (kind == FamilyKind::r2_position) {
    n_lo = std::max(n_lo, g.n_lower(j, c.a0));
    n_hi = std::min(n_hi, g.N_upper(j, c.a1));
  } else {
    n_lo = std::max(n_lo, g.n_pair_lower(c.a0));
    n_hi = std::min(n_hi, g.N_pair_upper(c.a0, c.a1));
  }
  if (!(n_lo <= n_hi)) return false;
  box.p_lo = ClassGeometry::p_lower(n_lo);
  box.p_hi = ClassGeometry::p_upper(n_hi);
  if (kind == FamilyKind::r2_position) {
    box.r2 = true;
    box.q_lo = -c.a1;
    box.q_hi = -c.a0;
  } else {
    box.r2 = false;
    box.q_lo = kind == FamilyKind::r1_plus ? c.a0 : -c.a1;
    box.q_hi = kind == FamilyKind::r1_plus ? c.a1 : -c.a0;
    box.s_lo = lower_of(g.eps);
  }
  return true;
}

/// Covers the feasible set of a family by cells. First the a-range is
/// refined where the exponent is smallest (each cell with its whole feasible
/// n-range: the exponent only uses the largest n), until the smallest cell
/// exponent is within a relative 2^-12 of the exponent at a feasible point
/// (an upper bound of the family's infimum) or a budget of splits is spent;
/// then each cell's n-range is cut at 90% and 98% of its top, so that the
/// density factor of the top cell uses a nearly maximal norm. The result
/// depends on the class (k, rho, eps, gamma, Delta) only, not on L or delta.
Family build_family(Workspace& ws, const ClassGeometry& g, FamilyKind kind, std::uint64_t j) {
  const bool r2 = kind == FamilyKind::r2_position;
  const bool split_a = g.rho_hi > 0 && !(r2 && j == 1);
  const double a_lo = r2 ? g.Delta_lo : 0.0;
  const double a_hi = r2 ? (j == 1 ? g.Delta_hi : g.top_hi) : g.rho_hi;
  auto n_lo_of = [&](double a0) { return r2 ? g.n_lower(j, a0) : g.n_pair_lower(a0); };
  auto n_hi_of = [&](double a0, double a1) { return r2 ? g.N_upper(j, a1) : g.N_pair_upper(a0, a1); };
  struct Node {
    double exponent;
    double a0, a1;
    EventBound whole;  ///< the cell with its whole feasible n-range
    bool operator<(const Node& o) const { return exponent > o.exponent; }  // min-heap on the exponent
  };
  auto whole = [&](double a0, double a1) { return Cell{a0, a1, n_lo_of(a0), n_hi_of(a0, a1)}; };
  std::priority_queue<Node> heap;
  auto push = [&](double a0, double a1) {
    Box box;
    if (!cell_box(g, kind, j, whole(a0, a1), box)) return;
    const EventBound e = box_bound(ws, box);
    heap.push({e.usable ? e.exponent : -kInf, a0, a1, e});
  };
  constexpr int kStart = 8;
  for (int i = 0; i < (split_a ? kStart : 1); ++i)
    push(split_a ? a_lo + (a_hi - a_lo) * i / kStart : a_lo, split_a && i + 1 < kStart ? a_lo + (a_hi - a_lo) * (i + 1) / kStart : a_hi);
  double best_point = kInf;
  constexpr double kTolerance = 1.0 / 4096;
  for (int splits = 0; split_a && splits < 200 && !heap.empty(); ++splits) {
    const Node top = heap.top();
    // The worst a of the cell (smallest y; largest |q|) at its largest feasible n, as a point (steering only).
    const double a = r2 ? top.a0 : top.a1;
    Box exact;
    if (cell_box(g, kind, j, whole(a, a), exact)) {
      exact.p_lo = exact.p_hi;
      const EventBound e = box_bound(ws, exact);
      if (e.usable) best_point = std::min(best_point, e.exponent);
    }
    if (top.exponent >= best_point * (1 - kTolerance)) break;
    heap.pop();
    const double mid = (top.a0 + top.a1) / 2;
    push(top.a0, mid);
    push(mid, top.a1);
  }
  // The n-cuts, and the boxes no other box dominates at every d (a smaller
  // exponent and a larger density factor): the family's maximum is unchanged.
  // Cells whose exponent is 10% above the smallest keep their whole-range box:
  // their terms are smaller by a factor e^{-0.1 d F} at the dimensions that matter.
  std::vector<EventBound> all;
  const double smallest = heap.empty() ? kInf : heap.top().exponent;
  for (; !heap.empty(); heap.pop()) {
    if (heap.top().whole.usable && heap.top().exponent > 1.1 * smallest) {
      all.push_back(heap.top().whole);
      continue;
    }
    const Cell c = whole(heap.top().a0, heap.top().a1);
    const double cuts[] = {c.n0, std::max(c.n0, 0.9 * c.n1), std::max(c.n0, 0.98 * c.n1), c.n1};
    for (int i = 0; i < 3; ++i) {
      Box box;
      if (cuts[i + 1] > cuts[i] || i == 2)
        if (cell_box(g, kind, j, {c.a0, c.a1, cuts[i], cuts[i + 1]}, box)) all.push_back(box_bound(ws, box));
    }
  }
  std::sort(all.begin(), all.end(), [](const EventBound& x, const EventBound& y) {
    return !x.usable ? y.usable : y.usable && x.exponent < y.exponent;
  });
  Family f;
  double best_factor = -kInf;
  for (const EventBound& e : all) {
    if (!e.usable) {
      f.bounds = {e};
      return f;
    }
    if (e.log_factor > best_factor) {
      f.bounds.push_back(e);
      best_factor = e.log_factor;
    }
  }
  return f;
}

/// Representative sorted positions: 1..32 each, then blocks of geometric
/// size (Theorem 3, item 4): position `first` stands for `first..last`.
struct PositionBlock {
  std::uint64_t first, last;
};

std::vector<PositionBlock> position_blocks(std::uint64_t k) {
  std::vector<PositionBlock> blocks;
  constexpr std::uint64_t kExact = 32;
  for (std::uint64_t j = 1; j <= std::min(k, kExact); ++j) blocks.push_back({j, j});
  if (k <= kExact) return blocks;
  // At most 32 more blocks, geometric from 33 to k.
  const double ratio = std::pow(static_cast<double>(k) / kExact, 1.0 / 32);
  std::uint64_t start = kExact + 1;
  while (start <= k) {
    const double next = std::ceil(static_cast<double>(start - 1) * ratio);
    std::uint64_t end = next >= static_cast<double>(k) ? k : static_cast<std::uint64_t>(next);  // no overflow
    if (end < start) end = start;
    blocks.push_back({start, end});
    if (end == k) break;
    start = end + 1;
  }
  return blocks;
}

/// The class's families: one per position block, and the two R1 orientations.
struct ClassBoxes {
  std::vector<PositionBlock> blocks;
  std::vector<Family> positions;
  Family r1_plus, r1_minus;
  std::uint64_t k = 1;
};

ClassBoxes class_boxes(const ClassGeometry& g) {
  Workspace ws(g.kappa);
  ClassBoxes cb;
  cb.k = g.k;
  cb.blocks = position_blocks(g.k);
  for (const PositionBlock& b : cb.blocks) cb.positions.push_back(build_family(ws, g, FamilyKind::r2_position, b.first));
  if (g.k >= 2) {
    cb.r1_plus = build_family(ws, g, FamilyKind::r1_plus, 0);
    cb.r1_minus = build_family(ws, g, FamilyKind::r1_minus, 0);
  }
  return cb;
}

/// G_class at L (Theorem 3, item 3).
UnionBound class_union(const ClassBoxes& cb, std::uint64_t L) {
  UnionBound g;
  auto unusable = [](const Family& f) {
    return std::any_of(f.bounds.begin(), f.bounds.end(), [](const EventBound& e) { return !e.usable; });
  };
  g.degenerate = std::any_of(cb.positions.begin(), cb.positions.end(), unusable) ||
                 (cb.k >= 2 && (unusable(cb.r1_plus) || unusable(cb.r1_minus)));
  g.log_estimate = [&cb, L](std::uint64_t d) {
    const double log_phi = d >= 2 ? log_density_max_estimate(d) : 0.0;
    auto family_max = [&](const Family& f) {
      double m = -kInf;
      for (const EventBound& e : f.bounds) m = std::max(m, log_bound_estimate(e, d, log_phi));
      return m;
    };
    const double r1 = cb.k >= 2 ? log_add(family_max(cb.r1_plus), family_max(cb.r1_minus)) : -kInf;
    double prefix = -kInf, best = -kInf;
    const double Ld = static_cast<double>(L);
    for (std::size_t m = 0; m < cb.blocks.size(); ++m) {
      const PositionBlock& b = cb.blocks[m];
      prefix = log_add(prefix, std::log(static_cast<double>(b.last - b.first + 1)) + family_max(cb.positions[m]));
      const double first = static_cast<double>(b.first), last = static_cast<double>(b.last);
      double t = b.first < L ? std::log(Ld - first) + prefix : -kInf;
      if (b.last >= 2) t = log_add(t, std::log(last * (last - 1) / 2) + r1);
      best = std::max(best, t);
    }
    return std::log(Ld) + best;
  };
  g.enclosure = [&cb, L](std::uint64_t d, Prec bits) {
    const bool factor = d >= 2;
    const Interval log_phi = factor ? log_density_max(d, bits) : integer(bits, 0);
    auto family_max = [&](const Family& f) {
      Interval m = integer(bits, 0);
      for (const EventBound& e : f.bounds) m = max_of(m, bound_at(e, d, factor ? &log_phi : nullptr, bits));
      return m;
    };
    const Interval r1 = cb.k >= 2 ? family_max(cb.r1_plus) + family_max(cb.r1_minus) : integer(bits, 0);
    Interval prefix = integer(bits, 0), best = integer(bits, 0);
    for (std::size_t m = 0; m < cb.blocks.size(); ++m) {
      const PositionBlock& b = cb.blocks[m];
      prefix = prefix + family_max(cb.positions[m]) * (b.last - b.first + 1);
      Interval t = b.first < L ? prefix * (L - b.first) : integer(bits, 0);
      if (b.last >= 2) t = t + r1 * integer(bits, b.last) * integer(bits, b.last - 1) / 2u;
      best = max_of(best, t);
    }
    return best * integer(bits, L);
  };
  return g;
}

ClassGeometry class_geometry(const BoundQuery& q) {
  ClassGeometry g;
  g.k = q.k;
  g.eps = point(kBits, q.eps);
  g.kappa = kappa_of(q.gamma);
  g.Delta = gap_Delta_interval(q, kBits);
  g.top = g.Delta + point(kBits, q.rho);
  g.Delta_lo = lower_of(g.Delta);
  g.Delta_hi = upper_of(g.Delta);
  g.top_hi = upper_of(g.top);
  g.rho_hi = q.rho;
  return g;
}

// ---------------------------------------------------------------------------
// One event at a point, and the all-targets bound.

EventBound point_event(Workspace& ws, double p, double q, double s) {
  Box box;
  box.p_lo = box.p_hi = p;
  box.q_lo = box.q_hi = q;
  box.s_lo = s;
  return box_bound(ws, box);
}

/// A sum of event bounds with interval multiplicities.
struct Term {
  EventBound e;
  double log_mult;        ///< estimate
  std::uint64_t mult_a;   ///< the multiplicity is mult_a * mult_b (exact)
  std::uint64_t mult_b = 1;
};

/// For a sum of more than 4096 terms, terms whose exponents agree to 16
/// significant bits (rounded down) and whose density factors agree to 2^-12
/// (absolute, rounded up) are merged: each merged term's bound is at least its
/// members' (Lemma 5, items 3 and 5). At the dimensions that matter, d F is
/// below 100, so this changes the sum by less than 0.2%.
std::vector<Term> merged(std::vector<Term> terms) {
  if (terms.size() <= 4096) return terms;
  std::map<std::pair<double, double>, std::size_t> index;
  std::vector<Term> out;
  for (Term& t : terms) {
    if (!t.e.usable) {
      out.push_back(std::move(t));
      continue;
    }
    t.e.exponent = round_bits(t.e.exponent, 16, false);
    if (std::isfinite(t.e.log_factor)) t.e.log_factor = std::ceil(std::ldexp(t.e.log_factor, 12)) / 4096.0;
    const auto [it, fresh] = index.emplace(std::make_pair(t.e.exponent, t.e.log_factor), out.size());
    if (fresh) {
      out.push_back(std::move(t));
    } else {
      Term& m = out[it->second];
      if (m.mult_b != 1 || t.mult_b != 1 || m.mult_a > kMaxU64 - t.mult_a) {  // keep exact: no merge
        index[it->first] = out.size();
        out.push_back(std::move(t));
        continue;
      }
      m.mult_a += t.mult_a;
      m.log_mult = log_add(m.log_mult, t.log_mult);
    }
  }
  return out;
}

UnionBound sum_union(std::vector<Term> terms_in) {
  const auto held = std::make_shared<const std::vector<Term>>(merged(std::move(terms_in)));
  UnionBound g;
  g.degenerate = std::any_of(held->begin(), held->end(), [](const Term& t) { return !t.e.usable; });
  g.log_estimate = [held](std::uint64_t d) {
    const std::vector<Term>& terms = *held;
    const double log_phi = d >= 2 ? log_density_max_estimate(d) : 0.0;
    double s = -kInf;
    for (const Term& t : terms) s = log_add(s, t.log_mult + log_bound_estimate(t.e, d, log_phi));
    return s;
  };
  g.enclosure = [held](std::uint64_t d, Prec bits) {
    const std::vector<Term>& terms = *held;
    const bool factor = d >= 2;
    const Interval log_phi = factor ? log_density_max(d, bits) : integer(bits, 0);
    Interval s = integer(bits, 0);
    for (const Term& t : terms)
      s = s + integer(bits, t.mult_a) * integer(bits, t.mult_b) * bound_at(t.e, d, factor ? &log_phi : nullptr, bits);
    return s;
  };
  return g;
}

std::vector<Term> all_targets_terms(const EventBound& off, const EventBound& up, const EventBound& down,
                                    std::uint64_t L) {
  const double Ld = static_cast<double>(L);
  return {{off, std::log(Ld) + std::log(Ld - 1), L, L - 1}, {up, std::log(Ld), L}, {down, std::log(Ld), L}};
}

// ---------------------------------------------------------------------------
// Per target: enclosures of B's entries and row norms, events grouped by box.

struct GroupKey {
  bool r2;
  double p_lo, p_hi, q_lo, q_hi;
  bool operator<(const GroupKey& o) const {
    return std::tie(r2, p_lo, p_hi, q_lo, q_hi) < std::tie(o.r2, o.p_lo, o.p_hi, o.q_lo, o.q_hi);
  }
};

}  // namespace

namespace bounds_detail {

DimensionBound chernoff_skeleton(BoundName name) {
  DimensionBound b;
  b.name = name;
  b.valid_for = {Projection::gaussian};
  if (name == BoundName::d_chernoff) {
    b.label = "d_chernoff";
    b.theorem = "Theorem 3";
    b.formula = "min{d : G_class(d) <= delta}, G_class the exact-law Chernoff union bound over every target of the "
                "class (proofs/chernoff-bound.md)";
  } else {
    b.label = "d_chernoff,u";
    b.theorem = "Theorem 3";
    b.formula = "min{d : L(L-1) beta(1,0,tau_u) + L (beta(1,1,tau_u) + beta(1,-1,tau_u)) <= delta}, beta Lemma 5's "
                "bound (one draw for all targets)";
  }
  return b;
}

}  // namespace bounds_detail

BilinearTailBound bilinear_tail_bound(std::uint64_t d, double p, double q, double s) {
  if (d < 1) throw InputError("d has to be at least 1");
  if (!(p > 0) || !std::isfinite(p)) throw InputError("p has to be finite and > 0, got " + format_shortest(p));
  if (!(std::abs(q) <= p)) throw InputError("|q| has to be at most p, got q = " + format_shortest(q));
  if (!(s > 0) || !std::isfinite(s)) throw InputError("s has to be finite and > 0, got " + format_shortest(s));
  const Interval kappa = integer(kBits, 0);  // unused for a non-R2 box
  Workspace ws(kappa);
  const EventBound e = point_event(ws, p, q, s);
  BilinearTailBound out;
  out.theta = e.theta;
  if (!e.usable) throw InputError("no admissible theta gives a positive exponent here");
  Box box;
  box.p_lo = box.p_hi = p;
  box.q_lo = box.q_hi = q;
  box.s_lo = s;
  const Interval F = exponent_at_point(kBits, e.theta, p, q, s, false, kappa);
  out.exponent = F.enclosure();
  const Interval chernoff = integer(kBits, 0) - integer(kBits, d) * F;
  out.log_chernoff = chernoff.enclosure();
  Interval factor = integer(kBits, 0);
  if (d >= 2 && std::isfinite(e.log_factor)) {
    const Interval f = log_density_max(d, kBits) + point(kBits, e.log_factor);
    if (certainly_le(f, integer(kBits, 0))) factor = f;
    else if (mpfr_sgn(f.left()) < 0) factor = between(kBits, f.enclosure().lower, 0.0);
  }
  out.log_density_factor = factor.enclosure();
  out.log_bound = (chernoff + factor).enclosure();
  return out;
}

DimensionBound chernoff_class_bound(const BoundQuery& query) {
  check_bound_query(query);
  DimensionBound b = chernoff_skeleton(BoundName::d_chernoff);
  const ClassGeometry geometry = class_geometry(query);
  const ClassBoxes boxes = class_boxes(geometry);
  smallest_dimension(class_union(boxes, query.L), query.delta, b, "G_class(d)");
  if (query.crossovers && b.computed && !b.exceeds_2_64)
    chernoff_crossover([&boxes](std::uint64_t L) { return class_union(boxes, L); }, std::max<std::uint64_t>(2, query.k),
                       query.delta, b.below_L);
  else if (!query.crossovers)
    b.below_L.method = "not computed (not asked for)";
  return b;
}

DimensionBound chernoff_all_targets_bound(const BoundQuery& query) {
  check_bound_query(query);
  DimensionBound b = chernoff_skeleton(BoundName::d_chernoff_u);
  const Interval Delta = gap_Delta_interval(query, kBits);
  const Interval l1 = Delta * query.k + point(kBits, query.rho) * (query.k - 1);
  const double tau_u = lower_of(point(kBits, query.eps) / 2u / l1);  // s >= tau_u (Lemma 5, item 4 (b))
  const Interval kappa = integer(kBits, 0);  // unused: no R2 event here
  Workspace ws(kappa);
  const EventBound off = point_event(ws, 1, 0, tau_u), up = point_event(ws, 1, 1, tau_u),
                   down = point_event(ws, 1, -1, tau_u);
  smallest_dimension(sum_union(all_targets_terms(off, up, down, query.L)), query.delta, b, "G_u(d)");
  if (query.crossovers && b.computed && !b.exceeds_2_64) {
    chernoff_crossover([&](std::uint64_t L) { return sum_union(all_targets_terms(off, up, down, L)); }, 2,
                       query.delta, b.below_L);
  } else if (!query.crossovers) {
    b.below_L.method = "not computed (not asked for)";
  }
  return b;
}

ChernoffTargetBound chernoff_target_bound(const Target& A, const ChernoffTargetQuery& query) {
  if (query.grouping_bits < 8 || query.grouping_bits > 52)
    throw InputError("grouping_bits has to be in [8, 52], got " + std::to_string(query.grouping_bits));
  BoundQuery bq;
  bq.L = A.L();
  bq.k = std::max<std::uint64_t>(1, A.k());
  bq.eps = query.eps;
  bq.gamma = query.gamma;
  bq.delta = query.delta;
  bq.gap_Delta = query.gap_Delta;
  check_bound_query(bq);
  const std::uint64_t L = A.L();
  const Interval kappa = kappa_of(query.gamma);
  constexpr Prec bits = 64;  // B's entries and row norms: outward-rounded enclosures
  const Interval Delta = gap_Delta_interval(bq, bits);
  const Interval sqrt2 = sqrt_of(integer(bits, 2));
  // Pass 1: B's entries B_ij = Delta + ln(A_ij / a_i) (exactly Delta at the
  // minimum, Lemma 1) and the row norms, enclosed; a double estimate of every
  // event's exponent (steering only).
  struct Row {
    double p_lo, p_hi;
    std::size_t first;  // into x_lo, x_hi
    std::size_t k;
  };
  std::vector<Row> rows;
  std::vector<double> x_lo, x_hi;
  x_lo.reserve(A.nnz());
  x_hi.reserve(A.nnz());
  const double kappa_mid = kappa.enclosure().upper;
  auto estimate = [&](double p, double q, double s, bool r2) {
    const double sq = r2 ? -q - kappa_mid : s;
    const double th = theta_maximiser(p, q, sq);
    return th * (q + sq) + 0.5 * std::log1p(-(p + q) * th) + 0.5 * std::log1p((p - q) * th);
  };
  std::map<double, double> histogram;  // exponent (10 bits, down) -> multiplicity
  for (std::size_t i = 0; i < L; ++i) {
    const auto w = A.weights(i);
    if (w.empty()) continue;
    const double a_i = *std::min_element(w.begin(), w.end());
    Interval n2 = integer(bits, 0);
    const std::size_t first = x_lo.size();
    for (double wc : w) {
      const Interval x = wc == a_i ? Delta : Delta + log_of(point(bits, wc) / point(bits, a_i));
      x_lo.push_back(x.enclosure().lower);
      x_hi.push_back(x.enclosure().upper);
      n2 = n2 + sqr_of(x);
    }
    const Interval p = sqrt2 * sqrt_of(n2);
    rows.push_back({p.enclosure().lower, p.enclosure().upper, first, w.size()});
    for (std::size_t c = 0; c < w.size(); ++c) {
      if (w.size() < L)
        histogram[round_bits(estimate(p.enclosure().upper, -x_lo[first + c], 0, true), 10, false)] +=
            static_cast<double>(L - w.size());
      for (std::size_t e = 0; e < w.size(); ++e)
        if (e != c) histogram[round_bits(estimate(p.enclosure().upper, x_hi[first + c] - x_lo[first + e], query.eps, false), 10, false)] += 1;
    }
  }
  // Pass 2: events into boxes (Lemma 5, item 5). Validity does not depend on
  // the grouping; only tightness does. The estimated solution d first:
  const double log_delta = std::log(query.delta);
  auto log_sum_at = [&](double d) {
    double s = -kInf;
    for (const auto& [F, m] : histogram) s = log_add(s, std::log(m) - d * F);
    return s;
  };
  double d_lo = 0, d_hi = 1;
  while (log_sum_at(d_hi) > log_delta && d_hi < 1e30) d_hi *= 2;
  for (int i = 0; i < 100; ++i) {
    const double m = (d_lo + d_hi) / 2;
    (log_sum_at(m) > log_delta ? d_lo : d_hi) = m;
  }
  // Each event's estimated share of the sum there, ln m - d F: events are
  // grouped at grouping_bits down to the share above which 90% of the sum
  // lies, at 12 bits down to 99.5%, at 8 bits below (coarser boxes inflate
  // their terms by a few percent, so the sum changes by well under 1%).
  auto for_each_event = [&](auto&& visit) {  // visit(row, c, e or c for R2, log multiplicity, estimated F, q)
    for (const Row& r : rows) {
      for (std::size_t c = 0; c < r.k; ++c) {
        if (r.k < L) visit(r, c, c, std::log(static_cast<double>(L - r.k)), estimate(r.p_hi, -x_lo[r.first + c], 0, true));
        for (std::size_t e2 = 0; e2 < r.k; ++e2)
          if (e2 != c) visit(r, c, e2, 0.0, estimate(r.p_hi, x_hi[r.first + c] - x_lo[r.first + e2], query.eps, false));
      }
    }
  };
  std::map<double, double> shares;  // ln share (1/16 steps, down) -> ln total of the events there
  for_each_event([&](const Row&, std::size_t, std::size_t, double log_m, double F) {
    const double share = log_m - d_hi * F;
    double& slot = shares.try_emplace(std::floor(share * 16) / 16, -kInf).first->second;
    slot = log_add(slot, share);
  });
  double share_fine = -kInf, share_mid = -kInf;
  {
    double total = -kInf, running = -kInf;
    for (const auto& [s_bin, mass] : shares) total = log_add(total, mass);
    for (auto it = shares.rbegin(); it != shares.rend(); ++it) {  // decreasing share
      running = log_add(running, it->second);
      if (share_fine == -kInf && running >= total + std::log(0.9)) share_fine = it->first;
      if (running >= total + std::log(0.995)) {
        share_mid = it->first;
        break;
      }
    }
  }
  const unsigned g = query.grouping_bits;
  auto tier = [&](double log_m, double F) {
    const double share = std::floor((log_m - d_hi * F) * 16) / 16;
    return share >= share_fine ? g : share >= share_mid ? std::min(g, 12u) : std::min(g, 8u);
  };
  std::map<GroupKey, std::uint64_t> groups;  // multiplicities
  double events = 0;
  for_each_event([&](const Row& r, std::size_t c, std::size_t e2, double log_m, double F) {
    const unsigned b = tier(log_m, F);
    if (e2 == c) {  // R2: multiplicity L - k_i
      const GroupKey key{true, round_bits(r.p_lo, b, false), round_bits(r.p_hi, b, true),
                         round_bits(-x_hi[r.first + c], b, false), round_bits(-x_lo[r.first + c], b, true)};
      groups[key] += L - r.k;
      events += static_cast<double>(L - r.k);
      return;
    }
    const Interval q = between(bits, x_lo[r.first + c], x_hi[r.first + c]) -
                       between(bits, x_lo[r.first + e2], x_hi[r.first + e2]);
    const double h = std::ldexp(1.0, std::ilogb(r.p_hi) - static_cast<int>(b));  // q's grid: absolute
    const GroupKey key{false, round_bits(r.p_lo, b, false), round_bits(r.p_hi, b, true),
                       std::floor(q.enclosure().lower / h) * h, std::ceil(q.enclosure().upper / h) * h};
    groups[key] += 1;
    events += 1;
  });
  ChernoffTargetBound out;
  out.bound = chernoff_skeleton(BoundName::d_chernoff);
  out.bound.theorem = "Theorem 3 (this target)";
  out.bound.formula = "min{d : G_A(d) <= delta}, G_A the exact-law Chernoff union bound over the events of this "
                      "target (proofs/chernoff-bound.md)";
  out.events = events;
  out.groups = groups.size();
  std::vector<Term> terms;
  terms.reserve(groups.size());
  const double eps_lo = query.eps;
  Workspace ws(kappa);
  for (const auto& [key, mult] : groups) {
    Box box;
    box.r2 = key.r2;
    box.p_lo = key.p_lo;
    box.p_hi = key.p_hi;
    box.q_lo = key.q_lo;
    box.q_hi = key.q_hi;
    box.s_lo = eps_lo;
    terms.push_back({box_bound(ws, box), std::log(static_cast<double>(mult)), mult});
  }
  smallest_dimension(sum_union(std::move(terms)), query.delta, out.bound, "G_A(d)");
  out.bound.below_L.method = "not computed (a per-target bound)";
  return out;
}

std::vector<GapDeltaRow> gap_Delta_sweep(const BoundQuery& query, const std::vector<double>& factors) {
  std::vector<GapDeltaRow> rows;
  BoundQuery q = query;
  q.gap_Delta.reset();
  q.norm_budget.reset();
  q.crossovers = false;
  q.exact_tails = false;
  q.chernoff = true;
  check_bound_query(q);
  for (double f : factors) {
    BoundQuery at = q;
    at.gap_Delta = scaled_gap_Delta(q.eps, q.gamma, f);
    const BoundReport r = rigorous_bounds(at);
    GapDeltaRow row;
    row.gap_Delta = at.gap_Delta;
    row.Delta = r.gap_Delta;
    row.beta_sharp = r.beta_sharp;
    row.d_chernoff = find_bound(r, BoundName::d_chernoff);
    row.d_pair = find_bound(r, BoundName::d_pair);
    row.budget = r.lemma4_budget;
    row.d_lower = r.d_lower;
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace jlattn
