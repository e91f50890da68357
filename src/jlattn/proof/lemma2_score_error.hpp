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

/// Derives eta and Delta from (eps, gamma).
/// \pre eps has to be finite and in (0, inf); gamma has to be in (0, 1).
/// \throws InputError when a precondition fails.
/// Guarantee: evaluation (double precision; eta is exact, Delta rounded).
/// Proof page: proofs/lemma2-score-error.md
ScoreErrorBudget score_error_budget(double eps, double gamma);

}  // namespace jlattn
