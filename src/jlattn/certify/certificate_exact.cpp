// The certifier's exact pass (proofs/certificate.md, Step 5): scores as
// exact dyadic rationals (GMP), logarithms and thresholds as MPFI intervals
// at rising precision (through core/multiprecision.hpp). All multiprecision
// code of the certifier lives in this file, behind certificate_exact.hpp.
#include "jlattn/certify/certificate_exact.hpp"

#include <algorithm>
#include <boost/multiprecision/gmp.hpp>
#include <climits>
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "jlattn/certify/certificate_filter.hpp"
#include "jlattn/core/cancellation.hpp"
#include "jlattn/core/errors.hpp"
#include "jlattn/core/multiprecision.hpp"

namespace jlattn::detail {

namespace {

using boost::multiprecision::mpq_rational;
using boost::multiprecision::mpz_int;
using mp::certainly_gt;
using mp::certainly_le;
using mp::certainly_lt;
using mp::Interval;
using mp::log_of;
using mp::point;
using State = RowOutcome::State;

// An exact dyadic rational m 2^e.
struct Dyadic {
  mpz_int m;
  long e = 0;
};

Dyadic to_dyadic(double x) {
  Dyadic out;
  if (x == 0.0) return out;
  int exponent = 0;
  const double fraction = std::frexp(x, &exponent);
  // fraction 2^53 is an integer for every finite double, subnormals included.
  out.m = static_cast<long long>(std::ldexp(fraction, 53));
  out.e = exponent - 53;
  return out;
}

// Exact sum of products: every term is aligned to the smallest exponent, so
// no bit is lost.
Dyadic exact_dot(const std::vector<Dyadic>& x, const std::vector<Dyadic>& y) {
  long e_min = LONG_MAX;
  for (std::size_t c = 0; c < x.size(); ++c)
    if (!x[c].m.is_zero() && !y[c].m.is_zero()) e_min = std::min(e_min, x[c].e + y[c].e);
  Dyadic sum;
  if (e_min == LONG_MAX) return sum;
  mpz_int term;
  for (std::size_t c = 0; c < x.size(); ++c) {
    if (x[c].m.is_zero() || y[c].m.is_zero()) continue;
    term = x[c].m * y[c].m;
    term <<= static_cast<unsigned long>(x[c].e + y[c].e - e_min);
    sum.m += term;
  }
  sum.e = e_min;
  return sum;
}

mpq_rational to_rational(const Dyadic& x) {
  mpq_rational q(x.m);
  if (x.e > 0) q *= mpq_rational(mpz_int(1) << static_cast<unsigned long>(x.e));
  if (x.e < 0) q /= mpq_rational(mpz_int(1) << static_cast<unsigned long>(-x.e));
  return q;
}

Interval rational(mp::Precision precision, const mpq_rational& q) {
  return mp::rational(precision, q.backend().data());
}

// |(R R^T - I)_lj| as an exact rational.
mpq_rational coherence_deviation(const Matrix& R, std::size_t l, std::size_t j) {
  const Eigen::Index d = R.cols();
  std::vector<Dyadic> a(static_cast<std::size_t>(d)), b(static_cast<std::size_t>(d));
  for (Eigen::Index c = 0; c < d; ++c) {
    a[static_cast<std::size_t>(c)] = to_dyadic(R(static_cast<Eigen::Index>(l), c));
    b[static_cast<std::size_t>(c)] = to_dyadic(R(static_cast<Eigen::Index>(j), c));
  }
  mpq_rational g = to_rational(exact_dot(a, b));
  if (l == j) g -= 1;
  return g < 0 ? mpq_rational(-g) : g;
}

mpq_rational exact(double x) { return to_rational(to_dyadic(x)); }

// tau_u at the gap: eta, k, Delta and rho are all binary rationals.
mpq_rational tau_u_at_gap(const CoherenceQuestion& q) {
  const mpq_rational k(static_cast<unsigned long long>(q.k)), k1(static_cast<unsigned long long>(q.k - 1));
  return exact(q.eps) / 2 / (k * exact(q.gap_Delta) + k1 * exact(q.rho));
}

}  // namespace

bool coherence_entry_within_tau_u(const Matrix& R, std::size_t l, std::size_t j, const CoherenceQuestion& q,
                                  Enclosure* deviation) {
  const ReferenceEnvironmentScope reference;  // exact conversions whatever the caller's environment
  const mpq_rational g = coherence_deviation(R, l, j);
  *deviation = rational(64, g).enclosure();
  return g <= tau_u_at_gap(q);
}

namespace {

// Step 4 turned into columns: those whose exact score the row needs.
struct ExactColumns {
  bool need_r1 = false, need_r2 = false;
  std::vector<std::size_t> r1, r2_off, r2_supp;  // r1 sorted and unique
  std::vector<std::size_t> all;                  // sorted and unique
};

ExactColumns exact_columns(const Target& A, std::size_t i, const RowOutcome& filtered,
                           const std::optional<RowCandidates>& candidates) {
  const auto supp = A.support(i);
  ExactColumns c;
  c.need_r1 = !filtered.r1_certified;
  c.need_r2 = !filtered.r2_certified;
  if (candidates) {
    c.r1 = candidates->r1_max;
    c.r1.insert(c.r1.end(), candidates->r1_min.begin(), candidates->r1_min.end());
    c.r2_off = candidates->r2_off;
    c.r2_supp = candidates->r2_supp;
  } else {
    // Without the filter every column is a candidate.
    if (c.need_r1) c.r1.assign(supp.begin(), supp.end());
    if (c.need_r2) {
      c.r2_supp.assign(supp.begin(), supp.end());
      for (std::size_t j = 0, next = 0; j < A.L(); ++j) {
        if (next < supp.size() && supp[next] == j) ++next;
        else c.r2_off.push_back(j);
      }
    }
  }
  c.all = c.r1;
  c.all.insert(c.all.end(), c.r2_off.begin(), c.r2_off.end());
  c.all.insert(c.all.end(), c.r2_supp.begin(), c.r2_supp.end());
  for (std::vector<std::size_t>* v : {&c.all, &c.r1}) {
    std::sort(v->begin(), v->end());
    v->erase(std::unique(v->begin(), v->end()), v->end());
  }
  return c;
}

// The exact scores S_ij / c of one row at the needed columns.
using RowScores = std::map<std::size_t, mpq_rational>;

// R2 reduces to one exact difference: the largest off-support score minus
// the smallest support score (ties between columns are harmless here).
struct R2Pair {
  std::size_t o = 0, p = 0;
  mpq_rational delta;
};

std::optional<R2Pair> r2_pair(const ExactColumns& columns, const RowScores& S) {
  if (!columns.need_r2 || columns.r2_off.empty()) return std::nullopt;
  R2Pair pair{columns.r2_off.front(), columns.r2_supp.front(), {}};
  for (std::size_t j : columns.r2_off) if (S.at(j) > S.at(pair.o)) pair.o = j;
  for (std::size_t j : columns.r2_supp) if (S.at(j) < S.at(pair.p)) pair.p = j;
  pair.delta = S.at(pair.o) - S.at(pair.p);
  return pair;
}

// A row's open conditions at one working precision.
class OpenRow {
 public:
  OpenRow(const Target& A, std::size_t i, std::uint64_t d, const ExactQuestion& question, const ExactColumns& columns,
          RowScores S, RowOutcome& out)
      : A_(A), i_(i), d_(d), q_(question), columns_(columns), S_(std::move(S)), out_(out), r2_(r2_pair(columns_, S_)) {
    r2_done_ = !columns_.need_r2 || !r2_;
    r1_done_ = !columns_.need_r1 || columns_.r1.empty();
    if (columns_.need_r2 && !r2_) {
      out_.log_gamma_i = {-kInfinity, -kInfinity};  // no off-support column: R2 is vacuous
      out_.r2_certified = true;
    }
  }

  bool done() const { return r1_done_ && r2_done_; }

  // Decides what this precision can; true when the row is refuted.
  bool refine(unsigned precision) {
    const Interval scale = 1u / mp::sqrt_of(mp::integer(precision, d()));
    if (!r2_done_ && decide_r2(precision, scale)) return true;
    if (!r1_done_ && decide_r1(precision, scale)) return true;
    return false;
  }

 private:
  std::uint64_t d() const { return d_; }

  // c S with c = 1, or c = 1/sqrt(d) when scaled.
  Interval scaled_score(unsigned precision, const Interval& scale, const mpq_rational& s) const {
    Interval I = rational(precision, s);
    return q_.scaled ? I * scale : I;
  }

  double weight_of(std::size_t j) const {
    const auto supp = A_.support(i_);
    return A_.weights(i_)[static_cast<std::size_t>(std::lower_bound(supp.begin(), supp.end(), j) - supp.begin())];
  }

  // R2 holds iff c Delta <= ln gamma; never an equality (ln gamma is
  // transcendental), so enough precision decides it.
  bool decide_r2(unsigned precision, const Interval& scale) {
    const Interval delta = scaled_score(precision, scale, r2_->delta);
    const Interval margin = delta - log_of(point(precision, q_.gamma));
    out_.log_gamma_i = delta.enclosure();
    if (certainly_le(margin, 0.0)) {
      out_.r2_certified = true;
      r2_done_ = true;
    } else if (certainly_gt(margin, 0.0)) {
      out_.state = State::refuted;
      out_.witness = CertifiedWitness{i_, r2_->o, r2_->p, Condition::R2, margin.enclosure()};
      return true;
    }
    return false;
  }

  // The margin D - eps of one pair (a, b) of support columns, D = c (S_a - S_b) - ln(A_a / A_b).
  struct PairTest {
    Interval D, margin;
    bool within = false, violated = false;
  };

  PairTest test_pair(unsigned precision, const Interval& scale, std::size_t ja, std::size_t jb) const {
    const mpq_rational delta = S_.at(ja) - S_.at(jb);
    const mpq_rational eps_q(q_.eps);
    PairTest t{scaled_score(precision, scale, delta), Interval(precision)};
    if (weight_of(ja) == weight_of(jb)) {
      // ln(A_a / A_b) = 0 exactly: decide in rational arithmetic, equality included.
      const bool exceeds = q_.scaled ? delta > 0 && mpq_rational(delta * delta) >
                                                        mpq_rational(eps_q * eps_q * mpq_rational(d()))
                                     : delta > eps_q;
      t.margin = q_.scaled ? t.D - point(precision, q_.eps) : rational(precision, mpq_rational(delta - eps_q));
      t.within = !exceeds;
      // A proved violation is reported once its margin's enclosure is
      // positive too (it is nonzero, so some precision separates it).
      t.violated = exceeds && certainly_gt(t.margin, 0.0);
    } else {
      // Transcendental minus algebraic: never zero, so precision decides it.
      t.D = t.D - (log_of(point(precision, weight_of(ja))) - log_of(point(precision, weight_of(jb))));
      t.margin = t.D - point(precision, q_.eps);
      t.within = certainly_le(t.D, q_.eps);
      t.violated = certainly_gt(t.D, q_.eps);
    }
    return t;
  }

  // R1: only columns that can be the maximum or the minimum of
  // T_j = c S_ij - ln A_ij matter, and every pair of those is checked.
  bool decide_r1(unsigned precision, const Interval& scale) {
    std::vector<Interval> T;
    T.reserve(columns_.r1.size());
    for (std::size_t j : columns_.r1)
      T.push_back(scaled_score(precision, scale, S_.at(j)) - log_of(point(precision, weight_of(j))));
    // The column with the largest lower end and the one with the smallest
    // upper end (any choice would be sound; these prune the most).
    std::size_t top = 0, bottom = 0;
    for (std::size_t n = 1; n < T.size(); ++n) {
      if (mpfr_cmp(T[n].left(), T[top].left()) > 0) top = n;
      if (mpfr_cmp(T[n].right(), T[bottom].right()) < 0) bottom = n;
    }
    bool all_within = true;
    double eps_upper = 0.0, eps_lower = 0.0;
    for (std::size_t a = 0; a < T.size(); ++a) {
      if (certainly_lt(T[a], T[top])) continue;  // cannot be the maximum
      for (std::size_t b = 0; b < T.size(); ++b) {
        if (a == b || certainly_lt(T[bottom], T[b])) continue;  // b cannot be the minimum
        const std::size_t ja = columns_.r1[a], jb = columns_.r1[b];
        const PairTest t = test_pair(precision, scale, ja, jb);
        const Enclosure De = t.D.enclosure();
        eps_lower = std::max(eps_lower, De.lower);
        eps_upper = std::max(eps_upper, t.within ? std::min(De.upper, q_.eps) : De.upper);
        if (t.violated) {
          out_.eps_i = {eps_lower, eps_upper};
          out_.state = State::refuted;
          out_.witness = CertifiedWitness{i_, ja, jb, Condition::R1, t.margin.enclosure()};
          return true;
        }
        if (!t.within) all_within = false;
      }
    }
    out_.eps_i = {eps_lower, eps_upper};
    if (all_within) {
      out_.r1_certified = true;
      r1_done_ = true;
    }
    return false;
  }

  const Target& A_;
  std::size_t i_;
  std::uint64_t d_;
  const ExactQuestion& q_;
  const ExactColumns& columns_;
  RowScores S_;
  RowOutcome& out_;
  std::optional<R2Pair> r2_;
  bool r1_done_ = false, r2_done_ = false;
};

}  // namespace

struct ExactScores::Impl {
  const Matrix& X;
  const Weights& W_Q;
  const Weights& W_K;
  ExactQuestion question;
  std::map<std::size_t, std::vector<Dyadic>> k_rows;  // exact rows of K, computed on demand

  // Row i of X W as exact dyadics: gathered when W selects columns, else an
  // exact dot product per column. Returns the multiply-adds spent.
  std::uint64_t factor_row(const Weights& weights, std::size_t i, std::vector<Dyadic>* row) const {
    const Eigen::Index d = weights.cols(), m = weights.rows();
    row->resize(static_cast<std::size_t>(d));
    const auto ii = static_cast<Eigen::Index>(i);
    if (weights.is_selector()) {
      const auto& chosen = weights.selected_rows();
      for (Eigen::Index c = 0; c < d; ++c)
        (*row)[static_cast<std::size_t>(c)] = to_dyadic(X(ii, static_cast<Eigen::Index>(chosen[static_cast<std::size_t>(c)])));
      return 0;
    }
    const Matrix& W = weights.dense();
    std::vector<Dyadic> x(static_cast<std::size_t>(m)), w(static_cast<std::size_t>(m));
    for (Eigen::Index l = 0; l < m; ++l) x[static_cast<std::size_t>(l)] = to_dyadic(X(ii, l));
    for (Eigen::Index c = 0; c < d; ++c) {
      for (Eigen::Index l = 0; l < m; ++l) w[static_cast<std::size_t>(l)] = to_dyadic(W(l, c));
      (*row)[static_cast<std::size_t>(c)] = exact_dot(x, w);
    }
    return static_cast<std::uint64_t>(m) * static_cast<std::uint64_t>(d);
  }

  static std::uint64_t factor_row_cost(const Weights& weights) {
    return weights.is_selector() ? 0 : static_cast<std::uint64_t>(weights.rows()) * static_cast<std::uint64_t>(weights.cols());
  }

  // The multiply-adds the row's exact scores will take (rows of K already computed are free).
  std::uint64_t cost(const ExactColumns& columns) const {
    const auto d = static_cast<std::uint64_t>(W_Q.cols());
    std::uint64_t total = factor_row_cost(W_Q) + d * columns.all.size();
    for (std::size_t j : columns.all)
      if (!k_rows.count(j)) total += factor_row_cost(W_K);
    return total;
  }

  // Step 5: the exact scores S_ij / c for the needed columns, q_i . k_j as
  // exact dyadic rationals. Adds the multiply-adds spent to *spent.
  RowScores scores(std::size_t i, const ExactColumns& columns, std::uint64_t* spent) {
    const auto d = static_cast<std::uint64_t>(W_Q.cols());
    std::vector<Dyadic> q;
    *spent += factor_row(W_Q, i, &q);
    RowScores S;
    for (std::size_t j : columns.all) {
      auto it = k_rows.find(j);
      if (it == k_rows.end()) {
        std::vector<Dyadic> k;
        *spent += factor_row(W_K, j, &k);
        it = k_rows.emplace(j, std::move(k)).first;
      }
      S.emplace(j, to_rational(exact_dot(q, it->second)));
      *spent += d;
    }
    return S;
  }
};

ExactScores::ExactScores(const Matrix& X, const Weights& W_Q, const Weights& W_K, const ExactQuestion& question)
    : impl_(new Impl{X, W_Q, W_K, question, {}}) {}

ExactScores::~ExactScores() = default;

ExactDecision ExactScores::decide_row(const Target& A, std::size_t i, const RowOutcome& filtered,
                                      const std::optional<RowCandidates>& candidates, std::uint64_t budget) {
  const ReferenceEnvironmentScope reference;  // exact conversions whatever the caller's environment
  Impl& im = *impl_;
  ExactDecision decision;
  decision.outcome = filtered;
  decision.outcome.state = State::undecided;

  // Step 4: the columns; the resource check comes before any work.
  const ExactColumns columns = exact_columns(A, i, filtered, candidates);
  if (const std::uint64_t cost = im.cost(columns); cost > budget) {
    decision.reason = "the exact pass needs " + std::to_string(cost) + " more multiply-adds, over the remaining budget of " +
                      std::to_string(budget) + " (raise --max-exact-work)";
    return decision;
  }

  // Step 5: exact scores, then rising precision until both open conditions
  // are decided. Exact ties can only occur where the logarithm is of 1
  // (equal weights): those pairs are decided in rational arithmetic; every
  // other comparison is between a rational (or algebraic, when scaled)
  // number and a transcendental one, so it is never an equality and enough
  // precision decides it.
  OpenRow row(A, i, static_cast<std::uint64_t>(im.W_Q.cols()), im.question, columns,
              im.scores(i, columns, &decision.multiply_adds), decision.outcome);
  for (unsigned precision = 64;; precision *= 2) {
    if (precision > im.question.max_precision_bits) {
      decision.reason = "not decided at " + std::to_string(im.question.max_precision_bits) +
                        " bits of precision (raise --max-precision)";
      return decision;
    }
    decision.precision_bits = precision;
    if (row.refine(precision)) return decision;  // refuted, with its witness
    if (row.done()) break;
  }
  decision.outcome.state = State::certified;
  return decision;
}

ExactPass run_exact_pass(const Target& A, const Matrix& X, const Weights& W_Q, const Weights& W_K,
                         const ExactQuestion& question, const CertificationLimits& limits, RowStates& rows) {
  ExactPass pass;
  ExactScores exact(X, W_Q, W_K, question);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (rows.filtered[i] && rows.outcome[i].state != State::undecided) continue;
    stop_point(limits.stop);
    if (!rows.filtered[i]) rows.candidates[i].reset();  // no filter information: every column
    const std::uint64_t budget = limits.max_exact_multiply_adds > pass.multiply_adds
                                     ? limits.max_exact_multiply_adds - pass.multiply_adds
                                     : 0;
    ExactDecision decision = exact.decide_row(A, i, rows.outcome[i], rows.candidates[i], budget);
    pass.multiply_adds += decision.multiply_adds;
    pass.max_precision_used = std::max(pass.max_precision_used, decision.precision_bits);
    rows.outcome[i] = std::move(decision.outcome);
    if (rows.outcome[i].state == State::undecided) {
      ++pass.rows_undecided;
      if (pass.undecided_reason.empty()) pass.undecided_reason = "row " + std::to_string(i) + ": " + decision.reason;
      continue;
    }
    ++pass.rows_exact;
    if (rows.outcome[i].state == State::refuted && !limits.all_rows) break;
  }
  if (pass.rows_undecided > 1)
    pass.undecided_reason += " (and " + std::to_string(pass.rows_undecided - 1) + " more rows)";
  return pass;
}

}  // namespace jlattn::detail

namespace jlattn {

void release_thread_multiprecision_caches() { mpfr_free_cache2(MPFR_FREE_LOCAL_CACHE); }

}  // namespace jlattn
