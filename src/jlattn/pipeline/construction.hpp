/// \file construction.hpp
/// \brief The library runs the theorem: construct_and_certify() takes a
/// target, the ConstructionParameters and a ResourcePolicy, builds the input
/// of the constructive proof and certifies it. Its stages are functions of
/// their own, in the order of the proof, for callers that need the
/// intermediate objects (the audit probes many d per target; the walkthrough
/// prints B):
///
///   1. prepare(): Definition 1 (the target's class), Lemma 2 (the budget
///      eta, Delta), Lemma 1 (B and its norms);
///   2. choose_dimension(): Theorems 1 and 2 (d*, d*_u in double precision)
///      and the d used (a proved bound of Theorems 1, 1', 2 or, for this
///      target, 3; a given d; or the trivial d = L);
///   3. emit_input(): Lemma 3 (R) and Lemma 4 (X = [B R | R]);
///   4. evaluate(): Definition 2 in double precision, Lemma 2's hypothesis
///      max |S - B| <= eta and Corollary 0 (measurements, not proofs);
///   5. certify_emitted(): Section 5, the certificate of the emitted X with
///      Lemma 4's selectors (a proof, or an honest undecided).
///
/// construct() runs stages 1-4, construct_and_certify() all five, with
/// stages 4 and 5 in one scoring pass (evaluate_and_certify(): the
/// evaluation reads the certifier's double-precision scores).
///
/// Proof page: proofs/theorem1-one-target.md
/// Proof page: proofs/certificate.md
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "jlattn/bounds/chernoff_bound.hpp"
#include "jlattn/bounds/rigorous_bounds.hpp"
#include "jlattn/certify/certificate.hpp"
#include "jlattn/core/matrix.hpp"
#include "jlattn/pipeline/parameters.hpp"
#include "jlattn/proof/definition1_target.hpp"
#include "jlattn/proof/definition2_approximation.hpp"
#include "jlattn/proof/lemma1_log_transform.hpp"
#include "jlattn/proof/lemma2_score_error.hpp"

namespace jlattn {

/// What the proof derives from the target and (eps, gamma) before any
/// randomness: Definition 1's class, Lemma 2's budget, Lemma 1's norms.
/// Every number is a double-precision evaluation.
struct TargetDerivation {
  // Definition 1
  std::size_t L = 0, k = 0, max_column_count = 0;
  double rho = 0.0;
  // Lemma 2
  ScoreErrorBudget budget;
  // Lemma 1
  double beta_sharp_class = 0.0;    ///< beta_sharp with k_i = k (what d* uses)
  double beta_instance = 0.0;       ///< max_i ||b_i||_2 of this target
  double l1_upper_class = 0.0;      ///< k Delta + (k-1) rho
};

/// Stage 1's result: the derivation, Lemma 1's B itself and the parameters
/// it was prepared with (the later stages read them from here).
struct PreparedTarget : TargetDerivation {
  ConstructionParameters parameters;
  LogTransform B;  ///< refers to the target, which has to outlive this
  /// The target.
  const Target& target() const { return *B.A; }
};

/// Stage 1: Definition 1, Lemma 2 and Lemma 1 on A, with Lemma 1's gap
/// \f$\Delta\f$ = parameters.gap_Delta when given (then also budget.gap_Delta),
/// else Lemma 2's \f$\ln(1/\gamma) + \varepsilon\f$.
/// \pre A a Definition 1 target that outlives the result.
/// \throws InputError from validate(parameters), naming the first bad field.
/// Guarantee: B as log_transform() computes it (the same bits everywhere);
///   the norms are double-precision evaluations.
/// Proof page: proofs/lemma1-log-transform.md
PreparedTarget prepare(const Target& A, const ConstructionParameters& parameters);

/// Stage 2's result: the dimensions Theorems 1 and 2 ask for and the d used.
struct ChosenDimension {
  // Theorems 1 and 2 (double-precision evaluations)
  double tau = 0.0;                 ///< eta / beta_sharp_class
  double tau_u = 0.0;               ///< eta / (k Delta + (k-1) rho)
  std::uint64_t d_star = 0;         ///< Theorem 1
  std::uint64_t d_star_u = 0;       ///< Theorem 2
  // The proved dimension of rule proved_bound (empty name otherwise)
  std::string bound_name;           ///< to_string(BoundName) of the bound that gave d, e.g. "d_chernoff"
  std::string bound_label;          ///< its printed label, e.g. "d_chernoff"
  std::string bound_theorem;        ///< "Theorem 1", "Theorem 1'", "Theorem 2" or "Theorem 3 (this target)"
  /// What the bound is proved for: "per target" (Theorem 3 for this target's own B)
  /// or "class" (every target of the class (L, k, rho_upper)).
  std::string bound_scope;
  double rho_upper = 0.0;           ///< the rigorous upper bound on rho the class bounds used (target_range_upper)
  /// Theorem 3's d_chernoff for this target, when the choice computed it
  /// (Gaussian R under `auto`, or `chernoff`); a proved integer.
  std::optional<std::uint64_t> d_chernoff_target;
  // The dimension used
  std::size_t d = 0;
  bool trivial = false;             ///< the d = L baseline (R = I)
};

/// Stage 2: Theorems 1 and 2 for the prepared target, and d by the
/// parameters' rule: under DimensionRule::proved_bound the bound
/// parameters.bound, a proved integer: one of rigorous_bounds for the class
/// (L, k, target_range_upper(A)) and (eps, gamma, delta, gap), or Theorem 3's
/// d_chernoff for this target (chernoff_dimension()); by default the smallest
/// of these valid for the projection (for Gaussian R both are computed and
/// the smaller taken, the per-target bound on a tie). A given d; L for the
/// trivial baseline; the given projection's column count when there is one.
/// \pre prepared from prepare().
/// \throws InputError when the chosen bound is not proved for the projection
///   (d*_exact, d_pair and d_chernoff need Gaussian R) or not available, when d falls
///   outside [1, 2^32), or when a given projection has not L rows.
/// Guarantee: d is a proved integer under proved_bound (enclosures,
///   proofs/rigorous-bounds.md); d_star and d_star_u are double-precision evaluations.
/// Proof page: proofs/theorem1-one-target.md
ChosenDimension choose_dimension(const PreparedTarget& prepared);

/// Theorem 3 for the prepared target (proofs/chernoff-bound.md): the smallest
/// d at which the exact-law union bound over the events of its own B is at
/// most delta, so that one Gaussian draw of R serves it with probability at
/// least 1 - delta; at the parameters' eps, gamma, delta and gap. (About 3 s
/// at L = 32768, k = 8; milliseconds at small L.)
/// \pre prepared from prepare().
/// \throws InputError from chernoff_target_bound().
/// Guarantee: enclosure (a proved integer; for Gaussian R only, whatever the
///   parameters' projection).
/// Proof page: proofs/chernoff-bound.md
ChernoffTargetBound chernoff_dimension(const PreparedTarget& prepared);

/// Stage 3: Lemma 3's projection R at dimension.d (R = I_L when
/// dimension.trivial; the parameters' given projection when there is one;
/// otherwise projection_matrix() of the parameters' law and seed, whose first
/// d' columns at d' < d are those of the draw at d', rescaled), then Lemma 4's
/// input \f$X = [\,BR \mid R\,]\f$ (L x 2d). Only dimension.d and
/// dimension.trivial are read.
/// \pre prepared from prepare(); dimension.d in [1, 2^32), equal to L when
///   trivial and to the given projection's column count when there is one.
/// Guarantee: same bits for the same (prepared, d) whatever `threads`
///   (adaptive_input, projection_matrix).
/// Proof page: proofs/lemma4-adaptive-input.md
Matrix emit_input(const PreparedTarget& prepared, const ChosenDimension& dimension, unsigned threads);

/// Stage 4's result: what the double-precision evaluation of an emitted X says.
struct InputEvaluation {
  double max_score_error = 0.0;      ///< max |S - B| (Lemma 2 wants <= eta)
  ApproximationEvaluation evaluation; ///< Definition 2
  double leakage_share_upper = 0.0;  ///< max over rows of Corollary 0 at gamma_hat
};

/// Stage 4: Definition 2 for softmax(S), S = (X W_Q)(X W_K)^T with Lemma 4's
/// selectors, Lemma 2's hypothesis max |S - B| <= eta and Corollary 0's
/// off-support share at the achieved gamma_hat; `stop` is polled once per
/// row of scores.
/// \pre prepared from prepare(); X from emit_input() (L x 2d).
/// \throws Cancelled when `stop` says stop.
/// Guarantee: evaluation (double precision), not a certificate.
/// Proof page: proofs/definition2-approximation.md
InputEvaluation evaluate(const PreparedTarget& prepared, const Matrix& X, const StopRequest& stop = {});

/// Stage 5: the certificate of the emitted X with Lemma 4's selectors
/// \f$W_Q = [I_d; 0]\f$, \f$W_K = [0; I_d]\f$ (never materialised), unscaled
/// scores, against the prepared target at its (eps, gamma), within the
/// policy's limits (certification_limits()).
/// \pre prepared from prepare(); X from emit_input() (L x 2d).
/// Guarantee: certificate (certify(): certified and refuted are proofs about
///   the stored X; undecided only at a limit of the policy).
/// Proof page: proofs/certificate.md
Certificate certify_emitted(const PreparedTarget& prepared, const Matrix& X, const ResourcePolicy& policy);

/// \f$d_{\rm lower}\f$ at the norms of given matrices, with those norms.
struct LowerBoundAtNorms {
  ScoreNorms norms;             ///< rigorous upper bounds on the largest query and key norms (score_norms())
  DimensionLowerBound d_lower;  ///< packing_lower_bound_at_norms() at norms.product
};

/// Stages 4 and 5 of one emitted X.
struct EvaluatedCertificate {
  InputEvaluation evaluation;  ///< stage 4 (a double-precision evaluation)
  Certificate certificate;     ///< stage 5 (a proof, or undecided)
};

/// Stages 4 and 5 in one scoring pass: the certificate of certify_emitted(),
/// whose filter hands its double-precision scores of every row to the
/// evaluation of evaluate() (Definition 2, Lemma 2's max |S - B|, Corollary
/// 0), so the scores are computed once. The filter's float32 stage does not
/// run (the evaluation needs every row in double precision); a row the
/// filter cannot score in double precision is scored for the evaluation
/// alone. The evaluation's numbers are those of the certifier's product
/// (ScoreProduct), so their last digits may differ from evaluate()'s.
/// \pre prepared from prepare(); X from emit_input() (L x 2d).
/// Guarantee: `certificate` as certify_emitted(); `evaluation` is an
///   evaluation (double precision), not a certificate.
/// Proof page: proofs/certificate.md
EvaluatedCertificate evaluate_and_certify(const PreparedTarget& prepared, const Matrix& X,
                                          const ResourcePolicy& policy);

/// Everything the construction derived and emitted, in the order of the
/// proof: stage 1's derivation, stage 2's dimensions, X and its row norms
/// (Lemma 4), stage 4's evaluation. W_Q and W_K are query_weights(d) and
/// key_weights(d).
struct Construction : TargetDerivation, ChosenDimension, InputEvaluation {
  ConstructionParameters parameters;
  Matrix X;                          ///< L x 2d
  std::vector<double> input_row_norms;
  /// The lower bound of proofs/lower-bound.md at the largest query and key
  /// norms of X with Lemma 4's selectors (lower_bound_at_norms()). Proved.
  LowerBoundAtNorms lower_bound;
};

/// Stages 1-4 on A: the construction of Lemmas 1-4 at the chosen d, with
/// Definition 2 evaluated in double precision, not certified, and the lower
/// bound at the norms of the emitted X (lower_bound_at_norms()). Refuses,
/// before allocating, a d whose matrices would not fit in the policy's
/// memory (construction_memory_bytes in memory_guard.hpp).
/// \pre A a Definition 1 target; parameters as validate() requires.
/// \throws InputError naming a bad parameter, an unavailable bound
///   (choose_dimension()), or MemoryLimitError naming the memory the chosen d
///   would need (one line with the figure); Cancelled when policy.stop says
///   stop (polled between the stages and inside stages 4 and 5).
/// Guarantee: X is the same bits for the same (A, parameters) on every
///   platform in scope and for every policy; `evaluation` is a
///   double-precision evaluation, not a certificate.
/// Proof page: proofs/theorem1-one-target.md
Construction construct(const Target& A, const ConstructionParameters& parameters, const ResourcePolicy& policy = {});

/// The construction and the certificate of what it emitted.
struct CertifiedConstruction {
  Construction construction;
  Certificate certificate;
};

/// The theorem run on one target: stages 1-5, the construction of
/// construct() and the certificate of its X, stages 4 and 5 in one scoring
/// pass (evaluate_and_certify()). The memory check counts the construction
/// and the certification (construct_and_certify_memory_bytes in
/// memory_guard.hpp).
/// \pre and \throws as construct().
/// Guarantee: the construction as construct() (the same bits of X; the
///   evaluation from the certifier's scores, evaluate_and_certify()); the
///   certificate as certify_emitted(): a proof about the emitted X, or undecided.
/// Proof page: proofs/theorem1-one-target.md
CertifiedConstruction construct_and_certify(const Target& A, const ConstructionParameters& parameters,
                                            const ResourcePolicy& policy = {});

/// construct_and_certify() from stage 1's result, for a caller that keeps B
/// (the walkthrough prints it).
/// \pre prepared from prepare(), its target alive.
/// \throws as construct().
/// Guarantee: as construct_and_certify() on prepared's target and parameters.
/// Proof page: proofs/theorem1-one-target.md
CertifiedConstruction construct_and_certify(const PreparedTarget& prepared, const ResourcePolicy& policy = {});

/// \f$d_{\rm lower}\f$ (proofs/lower-bound.md) at the norm budget of given
/// matrices: score_norms() of X, W_Q, W_K (scaled: with the factor
/// \f$1/\sqrt d\f$), then packing_lower_bound_at_norms() at their product
/// for L tokens; not computed when the norms are not. `construct` and
/// `certify` print it.
/// \pre L >= 2; gamma in (0, 1); the shapes as score_norms() requires.
/// \throws InputError otherwise.
/// Guarantee: enclosure (a proved lower bound on d for every input, W_Q and
///   W_K whose largest query norm times largest key norm is within the
///   budget, for a permutation pattern of L tokens, which every class contains).
/// Proof page: proofs/lower-bound.md
/// `threads` as score_norms().
LowerBoundAtNorms lower_bound_at_norms(std::size_t L, double gamma, const Matrix& X, const Weights& W_Q,
                                       const Weights& W_K, bool scaled, unsigned threads = 0);

/// Theorem 2's class: the row sparsity and the range that one projection R serves.
struct ProjectionClass {
  std::size_t k = 0;
  double rho = 0.0;
};

/// The class a Theorem 2 projection has to serve for target A: k = class_k
/// (0: A's own k) and rho = class_rho (negative: target_range_upper(A), A's
/// range rounded up), checked to contain A.
/// \pre A a Definition 1 target.
/// \throws InputError when A's k is above class_k or its range cannot be
///   proved to be at most class_rho (the message names `--class-k` / `--class-rho`).
/// Guarantee: when it returns, A belongs to the class (k(A) <= k, and rho(A)
///   <= rho by an enclosure).
/// Proof page: proofs/theorem2-all-targets.md
ProjectionClass theorem2_class(const Target& A, std::size_t class_k, double class_rho);

/// Theorem 2's projection for a class of L-token targets: projection_matrix()
/// of the parameters' law and seed, at d = parameters.d when the rule is
/// DimensionRule::given and otherwise at the class's proved \f$d^*_u\f$
/// (rigorous_bounds, at parameters.gap_Delta). Whether it serves the class is
/// decided by certify_projection() (\f$\mu(R) \le \tau_u\f$) at that same gap, not here.
/// \pre L \f$\ge 2\f$; parameters as validate() requires.
/// \throws InputError naming a bad parameter.
/// Guarantee: same bits for the same arguments whatever `threads`.
/// Proof page: proofs/theorem2-all-targets.md
Matrix theorem2_projection(std::size_t L, const ProjectionClass& projection_class,
                           const ConstructionParameters& parameters, unsigned threads = 0);

/// The built-in example of `jlattn demo`: L tokens, a local window of width 3
/// (j in {i-1, i, i+1}), one global token (column 0, attended to by every
/// row), integer weights in {1, 2, 3, 4} drawn with Philox from `seed`, and
/// A_00 = 1, A_01 = 4 so that rho = ln 4 exactly.
/// \pre L has to be \f$\ge 3\f$.
/// \throws InputError for L below 3.
/// Guarantee: same bits for the same (L, seed) (Philox, integer weights).
Target window_global_target(std::size_t L, std::uint64_t seed);

}  // namespace jlattn
