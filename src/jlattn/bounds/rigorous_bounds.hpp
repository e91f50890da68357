/// \file rigorous_bounds.hpp
/// \brief The dimension bounds of Theorems 1, 1', 2 and 3 evaluated with
/// rigorous enclosures (MPFR/MPFI interval arithmetic with outward rounding),
/// so that every printed integer is proved: the ceilings of the closed forms
/// \f$d^*\f$, \f$d^*_u\f$, \f$d_{\rm pair}\f$, \f$d_{\rm polar}\f$, the exact-tail
/// dimensions \f$d^*_{\rm exact}\f$ (a rigorous enclosure of the chi-square tail
/// \f$p(d,\tau)\f$), and the smallest L at which each bound falls below L.
///
/// The interface is plain doubles and integers; the multiprecision code stays
/// in rigorous_bounds.cpp.
///
/// Proof page: proofs/rigorous-bounds.md
/// Proof page: proofs/theorem1-one-target.md
/// Proof page: proofs/theorem2-all-targets.md
/// Proof page: proofs/chernoff-bound.md
/// Proof page: proofs/lower-bound.md
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "jlattn/core/cancellation.hpp"
#include "jlattn/core/enclosure.hpp"
#include "jlattn/proof/definition1_target.hpp"
#include "jlattn/proof/lemma3_jl_projection.hpp"

namespace jlattn {

/// The parameters of one query of `jlattn bound`: the class (L, k, rho) and
/// the request (eps, gamma, delta), optionally Lemma 1's gap and a norm budget.
struct BoundQuery {
  std::uint64_t L = 0;   ///< has to be in [2, 2^64)
  std::uint64_t k = 0;   ///< row sparsity; has to be in [1, L]
  double eps = 0.0;      ///< has to be finite and > 0
  double gamma = 0.0;    ///< has to be in (0, 1)
  double rho = 0.0;      ///< dynamic range; has to be finite and >= 0
  double delta = 0.05;   ///< failure probability; has to be in (0, 1)
  bool crossovers = true;   ///< also find, for each bound, the smallest L at which it falls below L
  bool exact_tails = true;  ///< also compute the exact-tail dimensions (a few ms; the rest takes microseconds)
  /// Lemma 1's gap \f$\Delta\f$; unset: lemma2_gap_Delta(), \f$\ln(1/\gamma) + \varepsilon\f$
  /// rounded up to a double (Lemma 2; the gap the construction uses). Has to be
  /// finite and \f$\ge \ln(1/\gamma) + \varepsilon\f$; every bound is computed with
  /// the gap as this double (proofs/chernoff-bound.md, "The gap Delta").
  std::optional<double> gap_Delta = std::nullopt;
  /// Also \f$d_{\rm lower}\f$ at this norm budget: an upper bound on (largest query
  /// norm) x (largest key norm); has to be finite and > 0.
  std::optional<double> norm_budget = std::nullopt;
  bool chernoff = true;  ///< also compute the Theorem 3 dimensions (a few ms)
};

/// The bounds `jlattn bound` offers, in the order it prints them.
enum class BoundName {
  d_star,            ///< Theorem 1, Chernoff form, \f$\beta = \beta_\sharp\f$
  d_star_paper,      ///< Theorem 1, Chernoff form, paper-style \f$\beta = \sqrt k(\Delta+\rho)\f$
  d_star_exact,      ///< Theorem 1, exact chi-square tail (Gaussian)
  d_pair,            ///< Theorem 1', Bernstein bound of the bilinear form (Gaussian)
  d_polar,           ///< Theorem 1', one-sided polarisation (all three laws)
  d_star_u,          ///< Theorem 2, Chernoff form
  d_star_u_exact,    ///< Theorem 2, exact chi-square tail (Gaussian)
  d_chernoff,        ///< Theorem 3, exact-law Chernoff union bound, class-wide (Gaussian)
  d_chernoff_u,      ///< Theorem 3, one draw for all targets (Gaussian)
  trivial,           ///< d = L, R = I: exact, no randomness
  d_lower            ///< a lower bound (proofs/lower-bound.md), never in `BoundReport::bounds`
};

/// Lemma 1's gap, when one is chosen: it has to be finite and at least
/// Lemma 2's \f$\ln(1/\gamma) + \varepsilon\f$, which every theorem needs
/// (proofs/chernoff-bound.md, "The gap Delta"); for a double that is
/// \f$\Delta \ge\f$ lemma2_gap_Delta(), the smallest double at or above it.
/// The one check of a chosen gap (`bound`, `construct`, `demo`, `explain`).
/// \pre eps finite and > 0; gamma in (0, 1).
/// \throws InputError "gap-Delta has to be at least ln(1/gamma) + eps = ..., got ..." otherwise.
/// Guarantee: exact (a comparison of doubles, one of them exactly rounded).
/// Proof page: proofs/chernoff-bound.md
void check_gap_Delta(double eps, double gamma, double gap_Delta);

/// The gap \f$f\,(\ln(1/\gamma) + \varepsilon)\f$ for a factor f >= 1, as the
/// chosen gap of `bound --gap-Delta-sweep` and `audit --gap-Delta-factor`:
/// unset for f = 1 (the default gap, kept exact), otherwise the upper end of
/// its MPFI enclosure, so that check_gap_Delta() accepts it.
/// \pre eps finite and > 0; gamma in (0, 1).
/// \throws InputError "a gap factor has to be finite and >= 1, got ..." otherwise.
/// Guarantee: exact for f = 1; otherwise a double \f$\ge f\,(\ln(1/\gamma) + \varepsilon)\f$.
/// Proof page: proofs/chernoff-bound.md
std::optional<double> scaled_gap_Delta(double eps, double gamma, double factor);

/// "d_star", "d_star_paper", "d_star_exact", "d_pair", "d_polar", "d_star_u",
/// "d_star_u_exact", "d_chernoff", "d_chernoff_u", "trivial" or "d_lower" (the
/// names of `jlattn bound --json`).
/// \pre name has to be one of the enumerators.
/// Guarantee: exact.
/// Proof page: proofs/rigorous-bounds.md
std::string to_string(BoundName name);

/// Where a bound first falls below L (other parameters fixed).
struct Crossover {
  enum class Status {
    found,           ///< `L` is the smallest L >= 2 with bound(L) < L
    not_below_2_64,  ///< bound(L) >= L for every L < 2^64
    not_computed     ///< not asked for, or the bound itself was not computed
  };
  Status status = Status::not_computed;
  std::uint64_t L = 0;
  /// How the smallest L was established, in one sentence (proved, or the
  /// monotonicity the search assumed).
  std::string method;
};

/// One dimension bound, evaluated rigorously.
struct DimensionBound {
  BoundName name = BoundName::d_star;
  std::string label;     ///< as printed: "d*", "d*_exact", "d_pair", ...
  std::string theorem;   ///< "Theorem 1", "Theorem 1'", "Theorem 2", "trivial baseline"
  std::string formula;   ///< the formula in plain text
  std::vector<Projection> valid_for;  ///< the projections the proof covers (empty: any R = I)
  bool computed = false;              ///< false: see `note` (never silently)
  bool exceeds_2_64 = false;          ///< the bound is >= 2^64 (then `d` is meaningless)
  std::uint64_t d = 0;                ///< the dimension
  /// Closed forms: true when d is proved to be exactly the ceiling (the
  /// enclosure of the real value did not straddle an integer); false means
  /// d = ceil(upper end), still valid but possibly one above the ceiling.
  /// Exact-tail forms: true when the condition was also proved to fail at d - 1.
  bool tight = false;
  /// Closed forms: enclosure of the real number inside the ceiling.
  /// Exact-tail forms: enclosure of (union-bound factor) * p(d, tau) / delta at d, which is <= 1.
  Enclosure value;
  std::string method;    ///< how d was established, in one sentence
  std::string note;      ///< why a bound was not computed, or a caveat
  Crossover below_L;     ///< the smallest L at which the bound falls below L
};

/// A norm budget that Lemma 4's construction keeps (proofs/lower-bound.md,
/// item 5): with probability at least \f$1 - \delta_N\f$ every query
/// \f$R^\top b_i\f$ has norm \f$\le \beta\sqrt{1+\tau}\f$ and every key \f$R^\top e_j\f$
/// norm \f$\le \sqrt{1+\tau}\f$, for a Gaussian R at dimension d.
struct NormBudget {
  std::uint64_t d = 0;          ///< the dimension it is computed at
  double delta_N = 0.0;         ///< the probability it may fail
  Enclosure beta;               /// the row-norm bound \f$\beta\f$ (\f$\beta_\sharp\f$ for the class)
  double tau = 0.0;             ///< \f$2L\exp(-\frac d2(\tau - \ln(1+\tau))) \le \delta_N\f$ is proved
  double query_norm = 0.0;      ///< \f$\beta\sqrt{1+\tau}\f$, rounded up
  double key_norm = 0.0;        ///< \f$\sqrt{1+\tau}\f$, rounded up
  double product = 0.0;         ///< \f$N = \beta(1+\tau)\f$, rounded up
};

/// The lower bound of proofs/lower-bound.md at one norm budget N (largest
/// query norm times largest key norm): no input and no parameters with these
/// norms make attention approximate a permutation pattern in dimension < d.
struct DimensionLowerBound {
  bool computed = false;
  double norm_product = 0.0;   ///< N
  bool infeasible = false;     ///< N < ln(1/gamma) sqrt((L-1)/(2L)): no dimension works at all
  std::uint64_t d = 0;         ///< max(ceil(ln L / ln(1 + 2N/ln(1/gamma))), 2 if L >= 3)
  Enclosure value;             /// \f$\ln L/\ln(1 + 2N/\ln(1/\gamma))\f$
  std::string source;          ///< where N comes from, in one sentence
  std::string method;          ///< how d was established, in one sentence
};

/// Everything `jlattn bound` prints.
struct BoundReport {
  BoundQuery query;
  Enclosure eta;         ///< eps / 2
  Enclosure gap_Delta;   ///< the gap used: the chosen one, or ln(1/gamma) + eps rounded up (a point)
  Enclosure beta_sharp;  ///< sqrt(Delta^2 + (k-1)(Delta+rho)^2)
  Enclosure beta_paper;  ///< sqrt(k) (Delta + rho)
  Enclosure l1_upper;    ///< k Delta + (k-1) rho
  Enclosure tau;         ///< eta / beta_sharp
  Enclosure tau_paper;   ///< eta / beta_paper
  Enclosure tau_u;       ///< eta / (k Delta + (k-1) rho)
  Enclosure tau_pair;    ///< eps / (sqrt 2 beta_sharp), the threshold of Theorem 1'
  std::vector<DimensionBound> bounds;  ///< in the order of BoundName (d_lower apart)
  unsigned max_precision_bits = 0;     ///< the largest working precision that was needed
  /// Lemma 4's norm budget at d = d_chernoff (class-wide) with \f$\delta_N = \delta\f$,
  /// and d_lower there (computed only with `query.chernoff`).
  NormBudget lemma4_budget;
  DimensionLowerBound d_lower;
  /// d_lower at `query.norm_budget`, when given.
  std::optional<DimensionLowerBound> d_lower_at_budget;
};

/// Evaluates every bound of Theorems 1, 2 and 1' for one parameter set.
/// Closed forms (\f$d^*\f$, \f$d^*_u\f$, \f$d_{\rm pair}\f$, \f$d_{\rm polar}\f$): the
/// real value is enclosed at rising precision until its ceiling is decided.
/// Exact-tail forms: \f$d^*_{\rm exact} = \min\{d : 2L^2 p(d,\tau) \le \delta\}\f$
/// and \f$\min\{d : L^2 p(d,\tau_u) \le \delta\}\f$; the condition is proved at the
/// returned d and refuted at d - 1 (rigorous enclosures of p), and the
/// search between assumes that p is non-increasing in d (stated in `method`).
/// Crossovers: the closed forms' are proved (the predicate is monotone in L,
/// proofs/rigorous-bounds.md); the exact-tail ones assume monotonicity too.
/// `stop` (cancellation.hpp) is polled between the bounds and every 16 terms
/// of the exact tails' series (where the time goes: seconds at L near 2^64
/// and k near 10^6); stopping never changes a returned report.
/// \pre the ranges documented on BoundQuery's fields.
/// \throws InputError naming the first bad parameter; Cancelled when `stop` says stop.
/// Guarantee: enclosure (every integer proved as described; the derived
///   parameters are enclosures rounded outward to doubles).
/// Proof page: proofs/rigorous-bounds.md
BoundReport rigorous_bounds(const BoundQuery& query, const StopRequest& stop = {});

/// Which bounds smallest_valid_bound() chooses from.
enum class BoundFamilies {
  /// Theorems 1, 1' and 2 only, the Theorem 3 rows skipped: the choice the
  /// audit was built on (its checked-in results compare the measured d with
  /// it), and so the default until the audit chooses explicitly.
  theorems_1_and_2,
  /// Every theorem, Theorem 3's \f$d_{\rm chernoff}\f$ and \f$d_{\rm chernoff,u}\f$
  /// included: what `construct --d auto` and `jlattn bound` use.
  all_theorems
};

/// The smallest computed bound of the report that is valid for `projection`,
/// among `families` (the trivial d = L is valid for every projection, so one
/// always exists).
/// \pre report comes from rigorous_bounds.
/// Guarantee: exact (a selection).
/// Proof page: proofs/rigorous-bounds.md
const DimensionBound& smallest_valid_bound(const BoundReport& report, Projection projection,
                                           BoundFamilies families = BoundFamilies::theorems_1_and_2);
/// The same for a temporary report, by value: a reference into the
/// temporary would dangle once the full expression ends.
inline DimensionBound smallest_valid_bound(BoundReport&& report, Projection projection,
                                           BoundFamilies families = BoundFamilies::theorems_1_and_2) {
  return smallest_valid_bound(static_cast<const BoundReport&>(report), projection, families);
}

/// The bound of the report with the given name.
/// \pre report comes from rigorous_bounds.
/// Guarantee: exact (a selection).
/// Proof page: proofs/rigorous-bounds.md
const DimensionBound& find_bound(const BoundReport& report, BoundName name);
/// The same for a temporary report, by value (see smallest_valid_bound).
inline DimensionBound find_bound(BoundReport&& report, BoundName name) {
  return find_bound(static_cast<const BoundReport&>(report), name);
}

/// Whether the proof of `bound` covers `projection`.
/// Guarantee: exact.
/// Proof page: proofs/rigorous-bounds.md
bool is_valid_for(const DimensionBound& bound, Projection projection);

/// The two tails of Lemma 3a and their sum, as enclosures of their natural
/// logarithms (p itself underflows a double already at moderate d):
/// \f$\ln Q(d/2, (1+\tau)d/2)\f$, \f$\ln P(d/2, (1-\tau)d/2)\f$ and \f$\ln p(d,\tau)\f$.
struct ChiSquareTailEnclosure {
  Enclosure log_upper_tail;  ///< \f$\ln\Pr[\chi^2_d \ge (1+\tau)d]\f$
  Enclosure log_lower_tail;  ///< \f$\ln\Pr[\chi^2_d \le (1-\tau)d]\f$
  Enclosure log_total;       ///< \f$\ln p(d,\tau)\f$
};

/// Rigorous enclosure of the exact chi-square tail of Lemma 3a by the
/// finite expansion of \f$\Gamma(a,x)\f$ (closed form with \f$\mathrm{erfc}\f$ for
/// half-integer a) and the series of \f$\gamma(a,y)\f$, each truncated with a
/// proved remainder bound (proofs/rigorous-bounds.md), in MPFI at
/// `precision_bits` working precision; the truncation stops once the
/// remainder is below \f$2^{-\mathrm{relative\_bits}}\f$ of the partial sum.
/// \pre d has to be in [1, 2^63]; tau in (0, 1); precision_bits in [64, 8192];
///      relative_bits in [8, precision_bits].
/// Guarantee: enclosure.
/// Proof page: proofs/rigorous-bounds.md
ChiSquareTailEnclosure chi_square_tail_enclosure(std::uint64_t d, double tau, unsigned precision_bits = 256,
                                                 unsigned relative_bits = 64);

/// The classic distance-preserving Johnson-Lindenstrauss dimension for N
/// points, \f$v = 4\ln N/(\varepsilon^2/2 - \varepsilon^3/3)\f$, as scikit-learn's
/// `johnson_lindenstrauss_min_dim` reports it (`floor`, its truncation to
/// an integer) and as the proof needs it (`ceil`).
struct JlMinDim {
  Enclosure value;
  std::uint64_t floor = 0;  ///< scikit-learn's convention
  std::uint64_t ceil = 0;   ///< the smallest d with d >= v (Lemma 3, point-set corollary)
  bool decided = false;     ///< false: the enclosure straddled an integer at 4096 bits
};

/// \pre n_points has to be \f$\ge 1\f$; eps in (0, 1); the value below 2^64.
/// \throws InputError otherwise.
/// Guarantee: enclosure (floor and ceil proved when `decided`).
/// Proof page: proofs/lemma3-jl-projection.md
JlMinDim jl_min_dim(std::uint64_t n_points, double eps);

/// An upper bound on the dynamic range \f$\rho\f$ of a target (Definition 1):
/// \f$\max_i \ln(\max_{j} A_{ij} / \min_{j} A_{ij})\f$ over each row's support,
/// each logarithm rounded upward by MPFR. Target::rho() is an evaluation;
/// this is what a rigorous bound for the target's class must use.
/// Guarantee: enclosure (an upper bound on the exact real value).
/// Proof page: proofs/rigorous-bounds.md
double target_range_upper(const Target& A);

}  // namespace jlattn
