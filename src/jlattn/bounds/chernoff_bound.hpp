/// \file chernoff_bound.hpp
/// \brief Theorem 3: the exact-law Chernoff dimension \f$d_{\rm chernoff}\f$
/// for a Gaussian R. One score difference is a difference of two scaled
/// chi-square sums (Lemma 5); its tail is bounded by the Chernoff bound with
/// the exact moment generating function times a density factor, every event
/// of Definition 2 with its own cosine and tolerance, summed over the exact
/// event counts. Per target (the actual B), class-wide (the worst case over
/// every target of the class (L, k, rho)) and for one draw serving all
/// targets (Theorem 2's condition). Every integer is proved from MPFI
/// enclosures; the bound is proved non-increasing in d, so the minimum is
/// found by bisection without any assumption.
///
/// Proof page: proofs/chernoff-bound.md
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "jlattn/bounds/rigorous_bounds.hpp"
#include "jlattn/proof/definition1_target.hpp"

namespace jlattn {

/// Lemma 5 at one point: the bound on \f$\Pr[D \ge s]\f$ for
/// \f$D = \langle R^\top b, R^\top w\rangle - q\f$ with \f$p = \lVert b\rVert\lVert w\rVert\f$,
/// \f$q = \langle b, w\rangle\f$ (for unit vectors: p = 1, q the cosine), as
/// enclosures of natural logarithms (the bound underflows a double at large d).
struct BilinearTailBound {
  double theta = 0.0;                 ///< the \f$\theta\f$ used (the maximiser of \f$F_\theta\f$, rounded)
  Enclosure exponent;             ///< \f$F_\theta(p, q, s)\f$
  Enclosure log_chernoff;         ///< \f$-d\,F_\theta\f$: the Chernoff bound alone
  Enclosure log_density_factor;   ///< \f$\ln\min(1, \varphi_d/(\theta\max(a_\theta, b_\theta)))\f$, \f$\le 0\f$
  Enclosure log_bound;            ///< the sum of the two: \f$\ln\f$ of the bound on \f$\Pr[D \ge s]\f$
};

/// Lemma 5, item 2: \f$\Pr[D \ge s] \le e^{-dF_\theta}\min(1, \varphi_d/(\theta\max(a_\theta,b_\theta)))\f$
/// at the \f$\theta\f$ maximising \f$F_\theta\f$ (any admissible \f$\theta\f$ is valid;
/// this one is computed in double precision and checked admissible in MPFI).
/// \pre d >= 1; p > 0 finite; |q| <= p; s > 0 finite.
/// \throws InputError otherwise.
/// Guarantee: enclosure (the upper end of `log_bound` is a proved upper bound
///   on \f$\ln\Pr[D \ge s]\f$ for a Gaussian R with N(0, 1/d) entries).
/// Proof page: proofs/chernoff-bound.md
BilinearTailBound bilinear_tail_bound(std::uint64_t d, double p, double q, double s);

/// Theorem 3, class-wide: the smallest d at which the union bound
/// \f$G_{\rm class}(d)\f$ over every target of \f$\mathcal{A}(L, k, \rho)\f$ is at
/// most delta (the gap is `query.gap_Delta` or \f$\ln(1/\gamma) + \varepsilon\f$).
/// Also the smallest L at which it falls below L when `query.crossovers`.
/// \pre the ranges documented on BoundQuery's fields.
/// \throws InputError naming the first bad parameter.
/// Guarantee: enclosure (the returned d is proved to satisfy \f$G_{\rm class}(d) \le \delta\f$;
///   `tight` when \f$G_{\rm class}(d-1) > \delta\f$ is proved too; the crossover
///   assumes the condition at d = L - 1 monotone in L, as its `method` says).
/// Proof page: proofs/chernoff-bound.md
DimensionBound chernoff_class_bound(const BoundQuery& query);

/// Theorem 3, item 5: the smallest d with \f$G_u(d) \le \delta\f$, at which one
/// Gaussian draw has \f$\mu(R) \le \tau_u\f$ with probability \f$\ge 1 - \delta\f$
/// and so serves every target of the class at once (Theorem 2, Claim 2).
/// \pre the ranges documented on BoundQuery's fields.
/// \throws InputError naming the first bad parameter.
/// Guarantee: enclosure (as chernoff_class_bound).
/// Proof page: proofs/chernoff-bound.md
DimensionBound chernoff_all_targets_bound(const BoundQuery& query);

/// The request of a per-target bound.
struct ChernoffTargetQuery {
  double eps = 0.0;     ///< has to be finite and > 0
  double gamma = 0.0;   ///< has to be in (0, 1)
  double delta = 0.05;  ///< has to be in (0, 1)
  std::optional<double> gap_Delta;  ///< Lemma 1's gap; default ln(1/gamma) + eps; has to be >= that
  /// Events whose parameters agree to this many significant bits share one
  /// box (one evaluation). Larger: tighter and slower; identical events are
  /// always grouped. Has to be in [8, 52].
  unsigned grouping_bits = 20;
};

/// A per-target bound and the size of its union.
struct ChernoffTargetBound {
  DimensionBound bound;        ///< name d_chernoff; `value` encloses \f$G_A(d)/\delta\f$
  double events = 0.0;         ///< the number of events of the union (R1 and R2, with multiplicity)
  std::size_t groups = 0;      ///< how many distinct boxes were evaluated
};

/// Theorem 3, items 1 and 2, for the given target: the smallest d with
/// \f$G_A(d) \le \delta\f$, at which one Gaussian draw of R makes Lemma 4's input
/// \f$[BR \mid R]\f$ \f$(\varepsilon,\gamma)\f$-approximate A with probability \f$\ge 1 - \delta\f$.
/// B's entries and row norms are enclosed from A's doubles with MPFR's
/// directed rounding; the events of nearly equal parameters are grouped into
/// boxes (Lemma 5, item 5).
/// \pre A has L >= 2; the ranges documented on ChernoffTargetQuery's fields.
/// \throws InputError naming the first bad parameter.
/// Guarantee: enclosure (as chernoff_class_bound, for this target).
/// Proof page: proofs/chernoff-bound.md
ChernoffTargetBound chernoff_target_bound(const Target& A, const ChernoffTargetQuery& query);

/// One row of the gap trade-off (proofs/chernoff-bound.md, "The gap Delta"):
/// the dimensions at a gap and the norms that gap costs.
struct GapDeltaRow {
  std::optional<double> gap_Delta;  ///< unset: the default \f$\ln(1/\gamma) + \varepsilon\f$
  Enclosure Delta;              ///< the gap, enclosed
  Enclosure beta_sharp;         ///< Lemma 1's bound on the rows of B, \f$\lVert b_i\rVert \le \beta_\sharp\f$
  DimensionBound d_chernoff;        ///< class-wide, at this gap
  DimensionBound d_pair;            ///< for comparison, at this gap
  NormBudget budget;                ///< Lemma 4's norm budget at d_chernoff
  DimensionLowerBound d_lower;      ///< the lower bound at that budget
};

/// The class-wide bounds at the gaps \f$f\,(\ln(1/\gamma) + \varepsilon)\f$ for each
/// factor f >= 1 (f = 1 is the default gap; larger ones are rounded up to a double).
/// \pre the ranges documented on BoundQuery's fields (its gap_Delta is ignored);
///      every factor finite and >= 1.
/// \throws InputError naming the first bad parameter.
/// Guarantee: enclosure (each row as rigorous_bounds).
/// Proof page: proofs/chernoff-bound.md
std::vector<GapDeltaRow> gap_Delta_sweep(const BoundQuery& query, const std::vector<double>& factors);

}  // namespace jlattn
