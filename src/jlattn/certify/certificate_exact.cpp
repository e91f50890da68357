// The certifier's exact pass (proofs/certificate.md, "The exact pass"):
// scores as exact dyadic rationals (GMP), logarithms and thresholds as MPFI
// intervals at rising precision. All multiprecision code of the certifier
// lives in this file behind detail/certificate_exact.hpp.
#include "jlattn/certify/certificate_exact.hpp"

#include <mpfi.h>
#include <mpfr.h>

#include <algorithm>
#include <boost/multiprecision/gmp.hpp>
#include <climits>
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "jlattn/core/errors.hpp"

namespace jlattn::detail {

namespace {

using boost::multiprecision::mpq_rational;
using boost::multiprecision::mpz_int;
using State = RowOutcome::State;

// RAII over MPFR and MPFI values.
class Real {
 public:
  explicit Real(mpfr_prec_t precision) { mpfr_init2(v_, precision); }
  ~Real() { mpfr_clear(v_); }
  Real(const Real&) = delete;
  Real& operator=(const Real&) = delete;
  mpfr_ptr get() { return v_; }

 private:
  mpfr_t v_;
};

class Interval {
 public:
  explicit Interval(mpfr_prec_t precision) { mpfi_init2(v_, precision); }
  ~Interval() { mpfi_clear(v_); }
  Interval(const Interval&) = delete;
  Interval& operator=(const Interval&) = delete;
  mpfi_ptr get() { return v_; }
  mpfi_srcptr get() const { return v_; }
  // The endpoints, rounded outward to doubles: still an enclosure.
  Enclosure to_doubles() const { return {mpfr_get_d(&v_->left, MPFR_RNDD), mpfr_get_d(&v_->right, MPFR_RNDU)}; }
  // Endpoint comparisons only: overlapping intervals are never compared as wholes.
  bool upper_at_most(double x) const { return mpfr_cmp_d(&v_->right, x) <= 0; }
  bool lower_above(double x) const { return mpfr_cmp_d(&v_->left, x) > 0; }
  bool upper_at_most(const Interval& y) const { return mpfr_cmp(&v_->right, &y.v_->left) <= 0; }
  bool lower_above(const Interval& y) const { return mpfr_cmp(&v_->left, &y.v_->right) > 0; }
  bool upper_at_least_lower_of(const Interval& y) const { return mpfr_cmp(&v_->right, &y.v_->left) >= 0; }

 private:
  mpfi_t v_;
};

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

void set_interval(Interval& I, const mpq_rational& q) {
  mpfi_set_q(I.get(), q.backend().data());
}

}  // namespace

std::vector<Enclosure> log_target_enclosures(const Target& A) {
  std::vector<Enclosure> out;
  out.reserve(A.nnz());
  for (std::size_t i = 0; i < A.L(); ++i)
    for (double w : A.weights(i)) out.push_back(log_enclosure(w));
  return out;
}

Enclosure log_enclosure(double x) {
  Real r(53), v(53);
  mpfr_set_d(v.get(), x, MPFR_RNDN);  // exact: 53 bits hold any double
  Enclosure e;
  mpfr_log(r.get(), v.get(), MPFR_RNDD);
  e.lower = mpfr_get_d(r.get(), MPFR_RNDD);
  mpfr_log(r.get(), v.get(), MPFR_RNDU);
  e.upper = mpfr_get_d(r.get(), MPFR_RNDU);
  return e;
}

Enclosure exp_enclosure(Enclosure x) {
  const auto exp_rounded = [](double t, mpfr_rnd_t mode) {
    if (t == -kInfinity) return 0.0;
    Real r(53), v(53);
    mpfr_set_d(v.get(), t, MPFR_RNDN);
    mpfr_exp(r.get(), v.get(), mode);
    return mpfr_get_d(r.get(), mode);
  };
  return {exp_rounded(x.lower, MPFR_RNDD), exp_rounded(x.upper, MPFR_RNDU)};
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
    Interval G(precision), tau(precision), denominator(precision), rho_k(precision);
    set_interval(G, g);
    *deviation = G.to_doubles();
    // tau_u = (eps / 2) / (k (eps - ln gamma) + (k - 1) rho)
    mpfi_set_d(denominator.get(), gamma);
    mpfi_log(denominator.get(), denominator.get());
    mpfi_d_sub(denominator.get(), eps, denominator.get());
    mpfi_mul_ui(denominator.get(), denominator.get(), static_cast<unsigned long>(k));
    mpfi_set_d(rho_k.get(), rho);
    mpfi_mul_ui(rho_k.get(), rho_k.get(), static_cast<unsigned long>(k - 1));
    mpfi_add(denominator.get(), denominator.get(), rho_k.get());
    mpfi_set_d(tau.get(), eps);
    mpfi_div_2ui(tau.get(), tau.get(), 1);
    mpfi_div(tau.get(), tau.get(), denominator.get());
    if (G.upper_at_most(tau)) return -1;
    if (G.lower_above(tau)) return 1;
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
    Interval scale(precision);
    mpfi_set_ui(scale.get(), static_cast<unsigned long>(d));
    mpfi_sqrt(scale.get(), scale.get());
    mpfi_ui_div(scale.get(), 1, scale.get());
    const auto scaled_score = [&](const mpq_rational& s, Interval& I) {
      set_interval(I, s);
      if (im.scaled) mpfi_mul(I.get(), I.get(), scale.get());
    };

    if (!r2_done) {
      Interval delta(precision), log_gamma(precision), margin(precision);
      scaled_score(r2_delta, delta);
      mpfi_set_d(log_gamma.get(), gamma);
      mpfi_log(log_gamma.get(), log_gamma.get());
      mpfi_sub(margin.get(), delta.get(), log_gamma.get());
      out.log_gamma_i = delta.to_doubles();
      if (margin.upper_at_most(0.0)) {
        out.r2_certified = true;
        r2_done = true;
      } else if (margin.lower_above(0.0)) {
        out.state = State::refuted;
        out.witness = CertifiedWitness{i, r2_pair->first, r2_pair->second, Condition::R2, margin.to_doubles()};
        return out;
      }
    }

    if (!r1_done) {
      // T_j = c S_ij - ln A_ij; only columns that can be the maximum or the
      // minimum of T matter, and every pair of those is checked.
      std::vector<std::unique_ptr<Interval>> T;
      for (std::size_t j : r1_columns) {
        auto t = std::make_unique<Interval>(precision);
        Interval log_a(precision);
        scaled_score(S.at(j), *t);
        mpfi_set_d(log_a.get(), weight_of(j));
        mpfi_log(log_a.get(), log_a.get());
        mpfi_sub(t->get(), t->get(), log_a.get());
        T.push_back(std::move(t));
      }
      std::size_t top = 0, bottom = 0;
      for (std::size_t n = 1; n < T.size(); ++n) {
        if (mpfr_cmp(&T[n]->get()->left, &T[top]->get()->left) > 0) top = n;
        if (mpfr_cmp(&T[n]->get()->right, &T[bottom]->get()->right) < 0) bottom = n;
      }
      bool all_within = true;
      double eps_upper = 0.0, eps_lower = 0.0;
      for (std::size_t a = 0; a < T.size(); ++a) {
        if (!T[a]->upper_at_least_lower_of(*T[top])) continue;  // cannot be the maximum
        for (std::size_t b = 0; b < T.size(); ++b) {
          if (a == b || !T[bottom]->upper_at_least_lower_of(*T[b])) continue;  // b cannot be the minimum
          const std::size_t ja = r1_columns[a], jb = r1_columns[b];
          const mpq_rational delta = S.at(ja) - S.at(jb);
          // D = c (S_ia - S_ib) - ln(A_ia / A_ib) and its margin D - eps.
          Interval D(precision), margin(precision);
          scaled_score(delta, D);
          bool within = false, violated = false;
          if (weight_of(ja) == weight_of(jb)) {
            // ln(A_ia / A_ib) = 0 exactly: decide in rational arithmetic.
            const bool exceeds = im.scaled ? delta > 0 && mpq_rational(delta * delta) >
                                                              mpq_rational(eps_q * eps_q * mpq_rational(d))
                                           : delta > eps_q;
            if (im.scaled) {
              mpfi_sub_d(margin.get(), D.get(), eps);
            } else {
              set_interval(margin, mpq_rational(delta - eps_q));
            }
            within = !exceeds;
            // A proved violation is reported once its margin's enclosure is
            // positive too (it is nonzero, so some precision separates it).
            violated = exceeds && margin.lower_above(0.0);
          } else {
            Interval log_ratio(precision), log_b(precision);
            mpfi_set_d(log_ratio.get(), weight_of(ja));
            mpfi_log(log_ratio.get(), log_ratio.get());
            mpfi_set_d(log_b.get(), weight_of(jb));
            mpfi_log(log_b.get(), log_b.get());
            mpfi_sub(log_ratio.get(), log_ratio.get(), log_b.get());
            mpfi_sub(D.get(), D.get(), log_ratio.get());
            mpfi_sub_d(margin.get(), D.get(), eps);
            within = D.upper_at_most(eps);
            violated = D.lower_above(eps);
          }
          const Enclosure De = D.to_doubles();
          eps_lower = std::max(eps_lower, De.lower);
          eps_upper = std::max(eps_upper, within ? std::min(De.upper, eps) : De.upper);
          if (violated) {
            out.eps_i = {eps_lower, eps_upper};
            out.state = State::refuted;
            out.witness = CertifiedWitness{i, ja, jb, Condition::R1, margin.to_doubles()};
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
