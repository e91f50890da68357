/// \file lemma2_score_error.hpp
/// \brief Lemma 2 (entrywise score error to ratio error): the parameters eta
/// and Delta derived from the user's (eps, gamma).
///
/// Proof page: proofs/lemma2-score-error.md
#pragma once

namespace jlattn {

/// The derived parameters of Lemma 2:
/// \f[ \eta = \varepsilon/2, \qquad \Delta = \ln(1/\gamma) + \varepsilon, \f]
/// so that \f$|S_{ij} - B_{ij}| \le \eta\f$ for all i, j implies that
/// \f$\mathrm{softmax}_{\rm rows}(S)\f$ \f$(2\eta, e^{-\Delta+2\eta}) = (\varepsilon, \gamma)\f$-approximates A.
struct ScoreErrorBudget {
  double eps = 0.0;
  double gamma = 0.0;
  double eta = 0.0;        ///< allowed entrywise score error
  double gap_Delta = 0.0;  ///< gap between support and off-support entries of B
};

/// Lemma 2's gap as the construction uses it: the smallest double
/// \f$\Delta \ge \ln(1/\gamma) + \varepsilon\f$ (MPFR enclosures, refined until
/// both ends round up to the same double; \f$\ln\gamma\f$ of a double
/// \f$\gamma \ne 1\f$ is irrational, so the loop ends). Being at least the
/// real gap, it satisfies the lemma's "larger gap" statement exactly, and
/// every part of the program (B, the bounds, the projection certificate)
/// uses this one value; a gap given by the user is accepted when it is at
/// least this double.
/// \pre eps finite and > 0; gamma in (0, 1).
/// \throws InputError when a precondition fails or the gap is above the
///   largest double.
/// Guarantee: exact (the smallest double at or above the real number).
/// Proof page: proofs/lemma2-score-error.md
double lemma2_gap_Delta(double eps, double gamma);

/// Derives eta and Delta from (eps, gamma): \f$\eta = \varepsilon/2\f$ and
/// \f$\Delta\f$ = lemma2_gap_Delta().
/// \pre eps has to be finite and in (0, inf); gamma has to be in (0, 1).
/// \throws InputError when a precondition fails or the gap is above the
///   largest double.
/// Guarantee: exact (eta is eps/2 exactly unless it underflows; Delta is
/// the smallest double at or above ln(1/gamma) + eps).
/// Proof page: proofs/lemma2-score-error.md
ScoreErrorBudget score_error_budget(double eps, double gamma);

}  // namespace jlattn
