// The certifier's exact pass (proofs/certificate.md, "The exact pass"):
// scores as exact dyadic rationals (GMP), logarithms and thresholds as MPFI
// intervals at rising precision (through core/multiprecision.hpp). All
// multiprecision code of the certifier lives in this file, behind
// certificate_exact.hpp.
#include "jlattn/certify/certificate_exact.hpp"

#include <algorithm>
#include <boost/multiprecision/gmp.hpp>
#include <climits>
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <utility>

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

}  // namespace

std::vector<Enclosure> log_target_enclosures(const Target& A) {
  std::vector<Enclosure> out;
  out.reserve(A.nnz());
  for (std::size_t i = 0; i < A.L(); ++i)
    for (double w : A.weights(i)) out.push_back(log_enclosure(w));
  return out;
}

int compare_coherence_entry(const Matrix& R, std::size_t l, std::size_t j, std::size_t k, double rho, double eps,
                            double gamma, unsigned max_precision_bits, Enclosure* deviation) {
  const Eigen::Index d = R.cols();
  std::vector<Dyadic> a(static_cast<std::size_t>(d)), b(static_cast<std::size_t>(d));
  for (Eigen::Index c = 0; c < d; ++c) {
    a[static_cast<std::size_t>(c)] = to_dyadic(R(static_cast<Eigen::Index>(l), c));
    b[static_cast<std::size_t>(c)] = to_dyadic(R(static_cast<Eigen::Index>(j), c));
  }
  mpq_rational g = to_rational(exact_dot(a, b));
  if (l == j) g -= 1;
  if (g < 0) g = -g;
  for (unsigned precision = 64; precision <= max_precision_bits; precision *= 2) {
    const Interval G = rational(precision, g);
    *deviation = G.enclosure();
    // tau_u = (eps / 2) / (k (eps - ln gamma) + (k - 1) rho)
    const Interval denominator = (point(precision, eps) - log_of(point(precision, gamma))) * k +
                                 point(precision, rho) * (k - 1);
    const Interval tau = point(precision, eps) / 2u / denominator;
    if (certainly_le(G, tau)) return -1;
    if (certainly_gt(G, tau)) return 1;
  }
  return 0;
}

struct ExactScores::Impl {
  const Matrix& X;
  const Weights& W_Q;
  const Weights& W_K;
  bool scaled;
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
};

ExactScores::ExactScores(const Matrix& X, const Weights& W_Q, const Weights& W_K, bool scaled)
    : impl_(new Impl{X, W_Q, W_K, scaled, {}}) {}

ExactScores::~ExactScores() = default;

RowOutcome ExactScores::decide_row(const Target& A, std::size_t i, const RowOutcome& filtered,
                                   const std::optional<RowCandidates>& candidates, double eps, double gamma,
                                   const CertificationLimits& limits, std::uint64_t budget, std::uint64_t* spent,
                                   unsigned* precision_used, std::string* reason) {
  Impl& im = *impl_;
  const auto supp = A.support(i);
  const auto weights = A.weights(i);
  const std::size_t L = A.L();
  const bool need_r1 = !filtered.r1_certified, need_r2 = !filtered.r2_certified;

  // The columns whose exact score is needed: the filter's candidates, or all.
  std::vector<std::size_t> r1_columns, r2_off, r2_supp;
  if (candidates) {
    r1_columns = candidates->r1_max;
    r1_columns.insert(r1_columns.end(), candidates->r1_min.begin(), candidates->r1_min.end());
    r2_off = candidates->r2_off;
    r2_supp = candidates->r2_supp;
  } else {
    if (need_r1) r1_columns.assign(supp.begin(), supp.end());
    if (need_r2) {
      r2_supp.assign(supp.begin(), supp.end());
      for (std::size_t j = 0, next = 0; j < L; ++j) {
        if (next < supp.size() && supp[next] == j) ++next;
        else r2_off.push_back(j);
      }
    }
  }
  std::vector<std::size_t> columns = r1_columns;
  columns.insert(columns.end(), r2_off.begin(), r2_off.end());
  columns.insert(columns.end(), r2_supp.begin(), r2_supp.end());
  std::sort(columns.begin(), columns.end());
  columns.erase(std::unique(columns.begin(), columns.end()), columns.end());

  // Resource check before any work: the row's exact scores must fit the budget.
  const auto d = static_cast<std::uint64_t>(im.W_Q.cols());
  std::uint64_t cost = Impl::factor_row_cost(im.W_Q) + d * columns.size();
  for (std::size_t j : columns)
    if (!im.k_rows.count(j)) cost += Impl::factor_row_cost(im.W_K);
  RowOutcome out = filtered;
  out.state = State::undecided;
  if (cost > budget) {
    *reason = "the exact pass needs " + std::to_string(cost) + " more multiply-adds, over the remaining budget of " +
              std::to_string(budget) + " (raise --max-exact-work)";
    return out;
  }

  // Exact scores S_ij for the needed columns.
  std::vector<Dyadic> q;
  *spent += im.factor_row(im.W_Q, i, &q);
  std::map<std::size_t, mpq_rational> S;
  for (std::size_t j : columns) {
    auto it = im.k_rows.find(j);
    if (it == im.k_rows.end()) {
      std::vector<Dyadic> k;
      *spent += im.factor_row(im.W_K, j, &k);
      it = im.k_rows.emplace(j, std::move(k)).first;
    }
    S.emplace(j, to_rational(exact_dot(q, it->second)));
    *spent += d;
  }
  const auto weight_of = [&](std::size_t j) {
    return weights[static_cast<std::size_t>(std::lower_bound(supp.begin(), supp.end(), j) - supp.begin())];
  };

  // R2 reduces to one exact difference: the largest off-support score minus
  // the smallest support score (ties between columns are harmless here).
  std::optional<std::pair<std::size_t, std::size_t>> r2_pair;
  mpq_rational r2_delta;
  if (need_r2 && !r2_off.empty()) {
    std::size_t o = r2_off.front(), p = r2_supp.front();
    for (std::size_t j : r2_off) if (S.at(j) > S.at(o)) o = j;
    for (std::size_t j : r2_supp) if (S.at(j) < S.at(p)) p = j;
    r2_pair = {o, p};
    r2_delta = S.at(o) - S.at(p);
  }
  bool r2_done = !need_r2 || !r2_pair, r1_done = !need_r1;
  if (need_r2 && !r2_pair) {
    out.log_gamma_i = {-kInfinity, -kInfinity};
    out.r2_certified = true;
  }
  if (r1_columns.empty()) r1_done = true;
  std::sort(r1_columns.begin(), r1_columns.end());
  r1_columns.erase(std::unique(r1_columns.begin(), r1_columns.end()), r1_columns.end());

  // Rising precision until both open conditions are decided. Exact ties can
  // only occur where the logarithm is of 1 (equal weights): those pairs are
  // decided in rational arithmetic; every other comparison is between a
  // rational (or algebraic, when scaled) number and a transcendental one, so
  // it is never an equality and enough precision decides it.
  const mpq_rational eps_q(eps);
  for (unsigned precision = 64;; precision *= 2) {
    if (precision > limits.max_precision_bits) {
      *reason = "not decided at " + std::to_string(limits.max_precision_bits) + " bits of precision (raise --max-precision)";
      return out;
    }
    *precision_used = precision;
    const Interval scale = 1u / mp::sqrt_of(mp::integer(precision, d));
    // c S with c = 1, or c = 1/sqrt(d) when scaled.
    const auto scaled_score = [&](const mpq_rational& s) {
      Interval I = rational(precision, s);
      return im.scaled ? I * scale : I;
    };
    const auto log_at = [&](double x) { return log_of(point(precision, x)); };

    if (!r2_done) {
      const Interval delta = scaled_score(r2_delta);
      const Interval margin = delta - log_at(gamma);
      out.log_gamma_i = delta.enclosure();
      if (certainly_le(margin, 0.0)) {
        out.r2_certified = true;
        r2_done = true;
      } else if (certainly_gt(margin, 0.0)) {
        out.state = State::refuted;
        out.witness = CertifiedWitness{i, r2_pair->first, r2_pair->second, Condition::R2, margin.enclosure()};
        return out;
      }
    }

    if (!r1_done) {
      // T_j = c S_ij - ln A_ij; only columns that can be the maximum or the
      // minimum of T matter, and every pair of those is checked.
      std::vector<Interval> T;
      T.reserve(r1_columns.size());
      for (std::size_t j : r1_columns) T.push_back(scaled_score(S.at(j)) - log_at(weight_of(j)));
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
          const std::size_t ja = r1_columns[a], jb = r1_columns[b];
          const mpq_rational delta = S.at(ja) - S.at(jb);
          // D = c (S_ia - S_ib) - ln(A_ia / A_ib) and its margin D - eps.
          Interval D = scaled_score(delta);
          Interval margin(precision);
          bool within = false, violated = false;
          if (weight_of(ja) == weight_of(jb)) {
            // ln(A_ia / A_ib) = 0 exactly: decide in rational arithmetic.
            const bool exceeds = im.scaled ? delta > 0 && mpq_rational(delta * delta) >
                                                              mpq_rational(eps_q * eps_q * mpq_rational(d))
                                           : delta > eps_q;
            margin = im.scaled ? D - point(precision, eps) : rational(precision, mpq_rational(delta - eps_q));
            within = !exceeds;
            // A proved violation is reported once its margin's enclosure is
            // positive too (it is nonzero, so some precision separates it).
            violated = exceeds && certainly_gt(margin, 0.0);
          } else {
            D = D - (log_at(weight_of(ja)) - log_at(weight_of(jb)));
            margin = D - point(precision, eps);
            within = certainly_le(D, eps);
            violated = certainly_gt(D, eps);
          }
          const Enclosure De = D.enclosure();
          eps_lower = std::max(eps_lower, De.lower);
          eps_upper = std::max(eps_upper, within ? std::min(De.upper, eps) : De.upper);
          if (violated) {
            out.eps_i = {eps_lower, eps_upper};
            out.state = State::refuted;
            out.witness = CertifiedWitness{i, ja, jb, Condition::R1, margin.enclosure()};
            return out;
          }
          if (!within) all_within = false;
        }
      }
      out.eps_i = {eps_lower, eps_upper};
      if (all_within) {
        out.r1_certified = true;
        r1_done = true;
      }
    }

    if (r1_done && r2_done) {
      out.state = State::certified;
      return out;
    }
  }
}

}  // namespace jlattn::detail

namespace jlattn {

void release_thread_multiprecision_caches() { mpfr_free_cache2(MPFR_FREE_LOCAL_CACHE); }

}  // namespace jlattn
