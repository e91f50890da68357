#include "jlattn/proof/definition2_approximation.hpp"

#include <cmath>
#include <limits>
#include <string>

#include "jlattn/core/errors.hpp"
#include "jlattn/core/format.hpp"

namespace jlattn {

namespace {

constexpr double kMinusInfinity = -std::numeric_limits<double>::infinity();

void require_parameters(double eps, double gamma) {
  if (!(eps > 0) || !std::isfinite(eps))
    throw InputError("eps must be a finite number > 0, got " + format_shortest(eps));
  if (!(gamma > 0 && gamma < 1)) throw InputError("gamma must be in (0, 1), got " + format_shortest(gamma));
}

// Deterministic order for "worst": larger value first, then smaller row index,
// so streaming, blocking and merging give the same witness.
bool worse(double value, std::size_t row, double best, std::size_t best_row, std::size_t rows_seen) {
  if (rows_seen == 0) return true;
  return value > best || (value == best && row < best_row);
}

}  // namespace

std::string to_string(Condition condition) { return condition == Condition::R1 ? "R1" : "R2"; }

RowApproximation evaluate_row(std::span<const double> log_M_row, const Target& A, std::size_t i) {
  if (log_M_row.size() != A.L())
    throw InputError("score row has " + std::to_string(log_M_row.size()) + " entries, target has L = " +
                     std::to_string(A.L()));
  const auto supp = A.support(i);
  const auto w = A.weights(i);

  // Condition R1 reduces to the spread of ln M_ij - ln A_ij over the support.
  RowApproximation row;
  double hi = kMinusInfinity, lo = std::numeric_limits<double>::infinity();
  double min_support_score = std::numeric_limits<double>::infinity();
  for (std::size_t n = 0; n < supp.size(); ++n) {
    const double score = log_M_row[supp[n]];
    const double shifted = score - std::log(w[n]);
    if (shifted > hi) { hi = shifted; row.r1_j = supp[n]; }
    if (shifted < lo) { lo = shifted; row.r1_j_prime = supp[n]; }
    if (score < min_support_score) { min_support_score = score; row.r2_j_prime = supp[n]; }
  }
  row.eps_i = hi - lo;

  // Condition R2 reduces to the largest off-support score against the
  // smallest support score.
  double max_off_support = kMinusInfinity;
  std::size_t next = 0;
  for (std::size_t j = 0; j < A.L(); ++j) {
    if (next < supp.size() && supp[next] == j) { ++next; continue; }
    if (log_M_row[j] > max_off_support) { max_off_support = log_M_row[j]; row.r2_j = j; }
  }
  row.log_gamma_i = max_off_support == kMinusInfinity ? kMinusInfinity : max_off_support - min_support_score;
  return row;
}

ApproximationAccumulator::ApproximationAccumulator(double eps, double gamma)
    : eps_(eps), gamma_(gamma), log_gamma_hat_(kMinusInfinity) {
  require_parameters(eps, gamma);
}

void ApproximationAccumulator::add(std::size_t i, const RowApproximation& row) {
  if (worse(row.eps_i, i, eps_hat_, worst_eps_, rows_)) {
    eps_hat_ = row.eps_i;
    worst_eps_ = i;
    worst_eps_row_ = row;
  }
  if (worse(row.log_gamma_i, i, log_gamma_hat_, worst_gamma_, rows_)) {
    log_gamma_hat_ = row.log_gamma_i;
    worst_gamma_ = i;
    worst_gamma_row_ = row;
  }
  ++rows_;
}

void ApproximationAccumulator::merge(const ApproximationAccumulator& other) {
  if (other.rows_ == 0) return;
  if (worse(other.eps_hat_, other.worst_eps_, eps_hat_, worst_eps_, rows_)) {
    eps_hat_ = other.eps_hat_;
    worst_eps_ = other.worst_eps_;
    worst_eps_row_ = other.worst_eps_row_;
  }
  if (worse(other.log_gamma_hat_, other.worst_gamma_, log_gamma_hat_, worst_gamma_, rows_)) {
    log_gamma_hat_ = other.log_gamma_hat_;
    worst_gamma_ = other.worst_gamma_;
    worst_gamma_row_ = other.worst_gamma_row_;
  }
  rows_ += other.rows_;
}

ApproximationEvaluation ApproximationAccumulator::result() const {
  ApproximationEvaluation e;
  e.eps = eps_;
  e.gamma = gamma_;
  e.eps_hat = eps_hat_;
  e.log_gamma_hat = log_gamma_hat_;
  e.gamma_hat = std::exp(log_gamma_hat_);
  e.worst_row_eps = worst_eps_;
  e.worst_row_gamma = worst_gamma_;
  e.rows = rows_;
  e.r1_holds = eps_hat_ <= eps_;
  e.r2_holds = log_gamma_hat_ <= std::log(gamma_);
  // The witness realises the failing maximum: for R1 the support pair with the
  // largest and smallest ln M - ln A; for R2 the largest off-support entry
  // against the smallest support entry.
  if (!e.r1_holds) {
    e.witness = Witness{worst_eps_, worst_eps_row_.r1_j, worst_eps_row_.r1_j_prime, Condition::R1, eps_hat_ - eps_};
  } else if (!e.r2_holds) {
    e.witness = Witness{worst_gamma_, worst_gamma_row_.r2_j, worst_gamma_row_.r2_j_prime, Condition::R2,
                        log_gamma_hat_ - std::log(gamma_)};
  }
  return e;
}

ApproximationEvaluation evaluate_approximation(const Matrix& S, const Target& A, double eps, double gamma) {
  const auto L = static_cast<Eigen::Index>(A.L());
  if (S.rows() != L || S.cols() != L)
    throw InputError("score matrix is " + std::to_string(S.rows()) + " x " + std::to_string(S.cols()) +
                     ", target is " + std::to_string(L) + " x " + std::to_string(L));
  if (!all_finite(S)) throw InputError("score matrix has a NaN or infinite entry");
  ApproximationAccumulator acc(eps, gamma);
  for (Eigen::Index i = 0; i < L; ++i) {
    const std::span<const double> row(S.data() + i * L, static_cast<std::size_t>(L));
    acc.add(static_cast<std::size_t>(i), evaluate_row(row, A, static_cast<std::size_t>(i)));
  }
  return acc.result();
}

}  // namespace jlattn
