/// \file one_pass.cpp
/// \brief Every d of a trial in one pass (one_pass.hpp): the nested
/// accumulation of unscaled scores, the Statement's bound per row, the
/// certifier's filter at each listed d, certify_emitted() where a row is
/// left open.
///
/// Proof page: proofs/audit-one-pass.md
#include "jlattn/audit/one_pass.hpp"

#include <algorithm>
#include <cmath>
#include <span>
#include <string>
#include <utility>
#include <vector>

#if defined(JLATTN_HAVE_OPENBLAS)
#include <cblas.h>
#endif

#include "jlattn/certify/certificate_filter.hpp"
#include "jlattn/certify/certificate_rows.hpp"
#include "jlattn/core/directed_rounding.hpp"
#include "jlattn/core/errors.hpp"
#include "jlattn/core/matrix.hpp"
#include "jlattn/proof/lemma3_jl_projection.hpp"
#include "jlattn/proof/lemma4_adaptive_input.hpp"

namespace jlattn::audit {

using namespace jlattn::detail;

namespace {

using State = RowOutcome::State;

// rho = 2u/(1-u): the relative error of an emitted entry of R against its ideal value (Step E1).
double rho_upper() { return div_up(mul_up(2.0, kUnitRoundoff), down(1.0 - kUnitRoundoff)); }

// U[0 .. n) += P'[i0 .. i0 + n, c0 .. c1) G'[:, c0 .. c1)^T in binary32 (Step C,
// P' and G' the binary32 roundings of P and G): a classical product, so each
// entry of U stays a binary32 sum of the products p'_ic g'_jc in some order.
void accumulate(const Matrix32& P, const Matrix32& G, Eigen::Index i0, Eigen::Index n, Eigen::Index c0,
                Eigen::Index c1, Matrix32& U) {
  const Eigen::Index L = G.rows(), w = c1 - c0;
  if (w <= 0) return;
#if defined(JLATTN_HAVE_OPENBLAS)
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<blasint>(n), static_cast<blasint>(L),
              static_cast<blasint>(w), 1.0f, P.data() + i0 * P.outerStride() + c0, static_cast<blasint>(P.outerStride()),
              G.data() + c0, static_cast<blasint>(G.outerStride()), 1.0f, U.data(), static_cast<blasint>(L));
#else
  U.noalias() += P.block(i0, c0, n, w) * G.middleCols(c0, w).transpose();
#endif
}

// U64[j] = p_i . g_j over the first d columns, in binary64 (Step C for one
// row): a classical product, each entry a sum of the products p_ic g_jc.
void row_scores64(const Matrix& P, const Matrix& G, Eigen::Index i, Eigen::Index d, Eigen::VectorXd& U64) {
  const Eigen::Index L = G.rows();
  U64.resize(L);
#if defined(JLATTN_HAVE_OPENBLAS)
  cblas_dgemv(CblasRowMajor, CblasNoTrans, static_cast<blasint>(L), static_cast<blasint>(d), 1.0, G.data(),
              static_cast<blasint>(G.outerStride()), P.data() + i * P.outerStride(), 1, 0.0, U64.data(), 1);
#else
  U64.noalias() = G.leftCols(d) * P.row(i).head(d).transpose();
#endif
}

// Where the norm bounds at d are taken: the next power of two, at most D.
Eigen::Index norm_prefix(std::uint64_t d, std::uint64_t D) {
  std::uint64_t n = 1;
  while (n < d) n *= 2;
  return static_cast<Eigen::Index>(std::min(n, D));
}

// Rows of U per block: about 2^22 doubles (32 MiB) of scores at a time, but
// at least 64 rows (or L): each block streams all of G (L x D doubles) through
// the product, and the product packs G's columns once per block, which took
// a tenth of a trial's time at 4 MiB blocks (L = 4096, k = 4); 32 MiB is
// small beside G itself (2^16 D doubles at L = 65536, where 64 rows are 32 MiB).
Eigen::Index block_rows(std::size_t L) {
  const std::size_t rows = std::max<std::size_t>((std::size_t{1} << 22) / std::max<std::size_t>(L, 1), 64);
  return static_cast<Eigen::Index>(std::clamp<std::size_t>(rows, 1, std::max<std::size_t>(L, 1)));
}

// The verdict of a listed d from its rows: refuted if a row is, certified if
// all are, otherwise (rows left open) the certifier on the emitted input.
Verdict settle(const PreparedTarget& prepared, const ChosenDimension& dimension, bool refuted, std::size_t open,
               const ResourcePolicy& policy) {
  if (refuted) return Verdict::refuted;
  if (open == 0) return Verdict::certified;
  ResourcePolicy single = policy;
  single.threads = 1;
  return certify_emitted(prepared, emit_input(prepared, dimension, 1), single).verdict;
}

// Lemma 4's sum, as adaptive_input() computes it (increasing support
// column, from 0, one rounding per operation; the library is compiled with
// -ffp-contract=off): out[i, c] = sum_j b_ij F[j, c] for c < cols.
void lemma4_rows(const PreparedTarget& prepared, const Matrix& F, Eigen::Index cols, Matrix& out) {
  const Target& A = prepared.target();
  for (Eigen::Index i = 0; i < F.rows(); ++i) {
    const auto supp = A.support(static_cast<std::size_t>(i));
    const auto b = prepared.B.row(static_cast<std::size_t>(i));
    double* q = out.row(i).data();
    std::fill(q, q + cols, 0.0);
    for (std::size_t n = 0; n < supp.size(); ++n) {
      const double* f = F.row(static_cast<Eigen::Index>(supp[n])).data();
      for (Eigen::Index c = 0; c < cols; ++c) q[c] += b[n] * f[c];
    }
  }
}

// The pass's matrices, kept per thread from one trial to the next (fresh
// pages cost more than the arithmetic on them at small L).
struct Workspace {
  Matrix G, P, R;
  Matrix32 G32, P32, U;
  Eigen::VectorXd U64;
  std::vector<double> bound;
  std::vector<std::pair<double, std::size_t>> order;
};
Workspace& workspace() {
  thread_local Workspace w;
  return w;
}
template <typename M>
void fit(M& m, Eigen::Index rows, Eigen::Index cols) {
  if (m.rows() != rows || m.cols() < cols) m.resize(rows, cols);
}

// The binary32 rounding (to nearest) of the first `cols` columns of `from`.
void round_to_binary32(const Matrix& from, Eigen::Index cols, Matrix32& to) {
  fit(to, from.rows(), cols);
  to.leftCols(cols) = from.leftCols(cols).cast<float>();
}

// G: the draws at d = 1 (Gaussian z, Rademacher +-1, Achlioptas +-fl(sqrt 3) or 0),
// L x D; R at d is fl(G sigma_d) column by column (Step E1).
void unscaled_draws(const PreparedTarget& prepared, std::uint64_t D, Matrix& G) {
  const ConstructionParameters& p = prepared.parameters;
  fit(G, static_cast<Eigen::Index>(prepared.L), static_cast<Eigen::Index>(D));
  for (std::size_t j = 0; j < prepared.L; ++j)  // projection_entry(p.projection, 1, p.seed, j, c) for c < D
    projection_row_entries(p.projection, 1, p.seed, j, 0,
                           std::span<double>(G.row(static_cast<Eigen::Index>(j)).data(), static_cast<std::size_t>(D)));
}

// Row i's support sums of the Statement's bound: N >= sum_j |b_ij| g_norm[j]
// and beta >= sum_j |b_ij|, rounded up.
std::pair<double, double> support_sums(const PreparedTarget& prepared, std::size_t i, const std::vector<double>& g_norm) {
  const auto supp = prepared.target().support(i);
  const auto b = prepared.B.row(i);
  double N = 0.0, beta = 0.0;
  for (std::size_t t = 0; t < supp.size(); ++t) {
    N = add_up(N, mul_up(std::abs(b[t]), g_norm[supp[t]]));
    beta = add_up(beta, std::abs(b[t]));
  }
  return {N, beta};
}

// Row i of the emitted X^(d) = [Q | R] and its norm, evaluated as
// input_row_norms() does (the squares summed in column order, then sqrt),
// with r = rescaled_entries() of the draws (projection_matrix()'s bits) and q
// by Lemma 4's sum (lemma4_rows()'s order), so the same double as on
// emit_input()'s X. `row` and `tmp` hold at least d entries.
double emitted_row_norm(const PreparedTarget& prepared, const Matrix& G, std::size_t i, std::uint64_t d, double* row,
                        double* tmp) {
  const Projection projection = prepared.parameters.projection;
  const auto dc = static_cast<std::size_t>(d);
  const auto supp = prepared.target().support(i);
  const auto b = prepared.B.row(i);
  std::fill(row, row + dc, 0.0);
  for (std::size_t n = 0; n < supp.size(); ++n) {
    rescaled_entries(projection, d, std::span<const double>(G.row(static_cast<Eigen::Index>(supp[n])).data(), dc),
                     std::span<double>(tmp, dc));
    for (std::size_t c = 0; c < dc; ++c) row[c] += b[n] * tmp[c];
  }
  double sum = 0.0;
  for (std::size_t c = 0; c < dc; ++c) sum += row[c] * row[c];
  rescaled_entries(projection, d, std::span<const double>(G.row(static_cast<Eigen::Index>(i)).data(), dc),
                   std::span<double>(tmp, dc));
  for (std::size_t c = 0; c < dc; ++c) sum += tmp[c] * tmp[c];
  return std::sqrt(sum);
}

// The largest row norm of the emitted X^(d): emitted_row_norm() only on the
// rows whose bound (emitted_row_norm_upper(), from the prefix norms of G's
// and P's rows) exceeds the largest norm evaluated so far, in decreasing
// bound; a row with a smaller or equal bound cannot change the maximum, so
// the result is the maximum over all rows, bit for bit. g_norm[j] >= |g_j|,
// p_norm[i] >= |p_i| over the first d columns.
double max_input_row_norm(const PreparedTarget& prepared, const Matrix& G, std::uint64_t d,
                          const std::vector<double>& g_norm, const std::vector<double>& p_norm, Workspace& w) {
  const Target& A = prepared.target();
  const std::size_t L = prepared.L;
  const Enclosure scale = nested_scale_enclosure(prepared.parameters.projection, d);
  std::vector<std::pair<double, std::size_t>>& order = w.order;
  order.clear();
  double top = -1.0;
  std::size_t top_row = 0;
  std::vector<double>& bound = w.bound;
  bound.resize(L);
  for (std::size_t i = 0; i < L; ++i) {
    const auto [N, beta] = support_sums(prepared, i, g_norm);
    const double u = emitted_row_norm_upper(d, A.support(i).size(), p_norm[i], N, beta, g_norm[i], scale);
    bound[i] = std::isnan(u) ? kInfinity : u;  // no bound: the row is evaluated
    if (bound[i] > top) {
      top = bound[i];
      top_row = i;
    }
  }
  if (L == 0) return 0.0;
  fit(w.R, 2, G.cols());
  double* row = w.R.row(0).data();
  double* tmp = w.R.row(1).data();
  double largest = std::max(0.0, emitted_row_norm(prepared, G, top_row, d, row, tmp));
  for (std::size_t i = 0; i < L; ++i)
    if (i != top_row && bound[i] > largest) order.emplace_back(bound[i], i);
  std::sort(order.begin(), order.end(), [](const auto& x, const auto& y) { return x.first > y.first || (x.first == y.first && x.second < y.second); });
  for (const auto& [u, i] : order) {
    if (!(u > largest)) break;  // every later bound is at most this one
    largest = std::max(largest, emitted_row_norm(prepared, G, i, d, row, tmp));
  }
  return largest;
}

}  // namespace

Enclosure nested_scale_enclosure(Projection projection, std::uint64_t d) {
  if (d < 1 || d >= (std::uint64_t{1} << 32)) throw InputError("the nested scale needs d in [1, 2^32)");
  const auto dd = static_cast<double>(d);
  if (projection != Projection::achlioptas) return {div_down(1.0, dd), div_up(1.0, dd)};
  // Achlioptas: the draw at d = 1 has magnitude m1 = fl(sqrt 3), the ideal entry at d sqrt(3/d).
  const double m1 = std::sqrt(3.0);
  return {div_down(3.0, mul_up(mul_up(m1, m1), dd)), div_up(3.0, mul_down(mul_down(m1, m1), dd))};
}

double nested_score_error_upper(std::uint64_t d, std::size_t k, double P, double N, double beta, double Z,
                                Enclosure scale, ScoreArithmetic arithmetic) {
  const auto dd = static_cast<double>(d), kk = static_cast<double>(k);
  const double g_k = gamma_n_upper(kk), rho = rho_upper();
  const double root_d = sqrt_up(dd);
  // 1/sigma <= w, 1/sigma^2 <= w^2, from the lower end of c = sigma^2.
  const double w2 = div_up(1.0, scale.lower), w = sqrt_up(w2);
  // Step C in binary64: |U - p.g| <= g_d P Z + d 2^-1074. In binary32 (U the
  // product of p' = fl32(p) and g' = fl32(g)): the certificate's Step 1'
  // bound with no first stage, proved for d <= 2^22 (d u32 <= 1/4); beyond,
  // no bound, and the row stays open.
  if (arithmetic == ScoreArithmetic::binary32 && d > (std::uint64_t{1} << 22)) return kInfinity;
  double e = arithmetic == ScoreArithmetic::binary64
                 ? add_up(mul_up(mul_up(gamma_n_upper(dd), P), Z), mul_up(dd, kUnderflowUnit))
                 : float32_dot_product_error_upper(static_cast<Eigen::Index>(d), P, 0.0, Z, 0.0);
  // Step P: |(p - a).g| <= (g_k N + sqrt(d) k 2^-1074) Z.
  e = add_up(e, mul_up(add_up(mul_up(g_k, N), mul_up(root_d, mul_up(kk, kUnderflowUnit))), Z));
  // Step E2: |S - S*| / c <= ((g_k (1 + rho) + rho)(1 + rho) + rho) N Z + t.
  const double a = add_up(mul_up(g_k, add_up(1.0, rho)), rho);
  e = add_up(e, mul_up(mul_up(add_up(mul_up(a, add_up(1.0, rho)), rho), N), Z));
  // t: h = (1 + g_k) beta 2^-1074 + k 2^-1074, then
  // t = (a + 1) N sqrt(d) 2^-1074 w + sqrt(d) h (1 + rho) Z w + d h 2^-1074 w^2.
  const double h = add_up(mul_up(mul_up(add_up(1.0, g_k), beta), kUnderflowUnit), mul_up(kk, kUnderflowUnit));
  double t = mul_up(mul_up(mul_up(add_up(a, 1.0), N), mul_up(root_d, kUnderflowUnit)), w);
  t = add_up(t, mul_up(mul_up(mul_up(root_d, h), mul_up(add_up(1.0, rho), Z)), w));
  t = add_up(t, mul_up(mul_up(mul_up(dd, h), kUnderflowUnit), w2));
  return add_up(e, t);
}

double emitted_row_norm_upper(std::uint64_t d, std::size_t k, double P, double N, double beta, double G,
                              Enclosure scale) {
  const auto dd = static_cast<double>(d), kk = static_cast<double>(k), n = 2.0 * dd;
  const double g_k = gamma_n_upper(kk), rho = rho_upper(), root_d = sqrt_up(dd);
  const double sigma = sqrt_up(scale.upper);  // >= sigma_d = sqrt(c_d)
  // |r| <= (1 + rho) sigma |g| + sqrt(d) 2^-1074 (Step E1).
  const double Rr = add_up(mul_up(mul_up(add_up(1.0, rho), sigma), G), mul_up(root_d, kUnderflowUnit));
  // |q| <= sigma |a| + a sigma N + sqrt(d) h (Step E2) with |a| <= P + g_k N + sqrt(d) k 2^-1074 (Step P).
  const double a = add_up(mul_up(g_k, add_up(1.0, rho)), rho);
  const double h = add_up(mul_up(mul_up(add_up(1.0, g_k), beta), kUnderflowUnit), mul_up(kk, kUnderflowUnit));
  const double exact_a = add_up(add_up(P, mul_up(g_k, N)), mul_up(root_d, mul_up(kk, kUnderflowUnit)));
  const double Rq = add_up(add_up(mul_up(sigma, exact_a), mul_up(mul_up(a, sigma), N)), mul_up(root_d, h));
  // The computed sum of the 2d squares is at most (1 + gamma_2d)(|q|^2 + |r|^2 + 2d 2^-1074); its
  // correctly rounded square root is at most the rounded-up root of that bound.
  const double squares = add_up(add_up(mul_up(Rq, Rq), mul_up(Rr, Rr)), mul_up(n, kUnderflowUnit));
  return sqrt_up(mul_up(add_up(1.0, gamma_n_upper(n)), squares));
}

OnePassResult one_pass_certificates(const PreparedTarget& prepared, const std::vector<std::uint64_t>& dimensions,
                                    const ResourcePolicy& policy) {
  if (prepared.parameters.given_projection) throw InputError("one_pass_certificates: a given projection is not nested");
  if (dimensions.empty()) return {};
  for (std::size_t m = 0; m < dimensions.size(); ++m)
    if (dimensions[m] < 1 || dimensions[m] >= (std::uint64_t{1} << 31) || (m > 0 && dimensions[m] <= dimensions[m - 1]))
      throw InputError("one_pass_certificates: the dimensions have to increase strictly, each in [1, 2^31)");
  const ReferenceEnvironmentScope environment;
  const SingleThreadedProducts single_threaded;
  const Target& A = prepared.target();
  const std::size_t L = prepared.L, M = dimensions.size();
  const std::uint64_t D = dimensions.back();
  const ConstructionParameters& p = prepared.parameters;
  const Definition2Thresholds thresholds = definition2_thresholds(A, p.eps, p.gamma);

  // G, then P = fl(B G) by Lemma 4's sum (Step P).
  Workspace& w = workspace();
  const auto Dc = static_cast<Eigen::Index>(D), Li = static_cast<Eigen::Index>(L);
  unscaled_draws(prepared, D, w.G);
  fit(w.P, Li, w.G.cols());
  lemma4_rows(prepared, w.G, Dc, w.P);
  const Matrix& G = w.G;
  const Matrix& P = w.P;
  // Step C's operands: P and G rounded to binary32.
  round_to_binary32(G, Dc, w.G32);
  round_to_binary32(P, Dc, w.P32);

  // Per listed d: the norm bounds of the draws' rows and their maximum Z.
  // A prefix's norm is at most the longer prefix's, so the bounds are taken
  // at the next power of two (or D): log2 D norm evaluations instead of M.
  std::vector<Eigen::Index> norm_at(M);
  for (std::size_t m = 0; m < M; ++m) norm_at[m] = norm_prefix(dimensions[m], D);
  std::vector<std::vector<double>> g_norm(M);
  std::vector<double> Z(M, 0.0);
  std::vector<Enclosure> scale(M);
  for (std::size_t m = 0; m < M; ++m) {
    if (m > 0 && norm_at[m] == norm_at[m - 1]) {
      g_norm[m] = g_norm[m - 1];
      Z[m] = Z[m - 1];
    } else {
      g_norm[m].resize(L);
      for (std::size_t j = 0; j < L; ++j) {
        g_norm[m][j] = norm_upper(G.row(static_cast<Eigen::Index>(j)).data(), norm_at[m]);
        Z[m] = std::max(Z[m], g_norm[m][j]);
      }
    }
    scale[m] = nested_scale_enclosure(p.projection, dimensions[m]);
  }

  std::vector<char> refuted(M, 0);
  OnePassResult result;
  result.rows_in_binary64.assign(M, 0);
  result.rows_to_certifier.assign(M, 0);
  std::vector<std::size_t>& open = result.rows_to_certifier;
  std::vector<std::size_t>& in_binary64 = result.rows_in_binary64;
  const Eigen::Index block = block_rows(L);
  Matrix32& U = w.U;
  for (Eigen::Index i0 = 0; i0 < Li; i0 += block) {
    const Eigen::Index n = std::min(block, Li - i0);
    U.resize(n, Li);
    U.setZero();
    Eigen::Index done = 0;
    std::vector<double> P_norm(static_cast<std::size_t>(n));
    for (std::size_t m = 0; m < M; ++m) {
      if (m == 0 || norm_at[m] != norm_at[m - 1])
        for (Eigen::Index r = 0; r < n; ++r) P_norm[static_cast<std::size_t>(r)] = norm_upper(P.row(i0 + r).data(), norm_at[m]);
      const auto d = static_cast<Eigen::Index>(dimensions[m]);
      accumulate(w.P32, w.G32, i0, n, done, d, U);  // Step C: U = sum over c < d
      done = d;
      for (Eigen::Index r = 0; r < n && !refuted[m]; ++r) {  // a refuted d needs no more rows
        const auto i = static_cast<std::size_t>(i0 + r);
        const float* U_i = U.data() + r * Li;
        const auto supp = A.support(i);
        const auto [N, beta] = support_sums(prepared, i, g_norm[m]);
        const double P_i = P_norm[static_cast<std::size_t>(r)];
        if (!std::isfinite(P_i) || !std::isfinite(N)) {  // no bound, no decision: the emitted X^(d) decides
          ++open[m];
          continue;
        }
        const bool finite32 = Eigen::Map<const Eigen::ArrayXf>(U_i, Li).allFinite();
        ScoreBounds bounds;
        bounds.scaled = true;
        bounds.scale = scale[m];
        bounds.error = nested_score_error_upper(dimensions[m], supp.size(), P_i, N, beta, Z[m], scale[m],
                                                ScoreArithmetic::binary32);
        State state = finite32 && std::isfinite(bounds.error) ? filter_row(thresholds, i, U_i, bounds).outcome.state
                                                  : State::undecided;
        if (state == State::undecided) {
          // Step C in binary64 for this row alone: its scores from p_i and G
          // over the first d columns, with the binary64 bound.
          bounds.error = nested_score_error_upper(dimensions[m], supp.size(), P_i, N, beta, Z[m], scale[m],
                                                  ScoreArithmetic::binary64);
          row_scores64(P, G, i0 + r, d, w.U64);
          ++in_binary64[m];
          if (std::isfinite(bounds.error) && Eigen::Map<const Eigen::ArrayXd>(w.U64.data(), Li).allFinite())
            state = filter_row(thresholds, i, w.U64.data(), bounds).outcome.state;
        }
        if (state == State::refuted) refuted[m] = 1;
        if (state == State::undecided) ++open[m];
      }
    }
  }

  // The largest input row norm at each d, from the running sums of squares
  // of G's and P's rows (norm_upper()'s sums, read at each listed d).
  result.max_input_row_norm.reserve(M);
  std::vector<double> g_sum(L, 0.0), p_sum(L, 0.0), g_at(L), p_at(L);
  Eigen::Index summed = 0;
  for (std::size_t m = 0; m < M; ++m) {
    const auto d = static_cast<Eigen::Index>(dimensions[m]);
    for (std::size_t i = 0; i < L; ++i) {
      const double* g = G.row(static_cast<Eigen::Index>(i)).data();
      const double* q = P.row(static_cast<Eigen::Index>(i)).data();
      double sg = g_sum[i], sp = p_sum[i];
      for (Eigen::Index c = summed; c < d; ++c) sg += g[c] * g[c];
      for (Eigen::Index c = summed; c < d; ++c) sp += q[c] * q[c];
      g_sum[i] = sg;
      p_sum[i] = sp;
      g_at[i] = norm_upper_of_sum(sg, d);
      p_at[i] = norm_upper_of_sum(sp, d);
    }
    summed = d;
    result.max_input_row_norm.push_back(max_input_row_norm(prepared, G, dimensions[m], g_at, p_at, w));
  }
  for (std::size_t m = 0; m < M; ++m) {
    ChosenDimension dimension;
    dimension.d = static_cast<std::size_t>(dimensions[m]);
    result.verdicts.push_back(settle(prepared, dimension, refuted[m] != 0, open[m], policy));
  }

  return result;
}

Verdict trivial_certificate(const PreparedTarget& prepared, const ResourcePolicy& policy) {
  const ReferenceEnvironmentScope environment;
  const Target& A = prepared.target();
  const std::size_t L = prepared.L;
  const ConstructionParameters& p = prepared.parameters;
  const Definition2Thresholds thresholds = definition2_thresholds(A, p.eps, p.gamma);
  // X = [B | I]: its left block is B exactly (one nonzero term per sum), so S = B I^T = B.
  std::vector<double> row(L, 0.0);
  bool refuted = false;
  std::size_t open = 0;
  for (std::size_t i = 0; i < L; ++i) {
    const auto supp = A.support(i);
    const auto b = prepared.B.row(i);
    for (std::size_t t = 0; t < supp.size(); ++t) row[supp[t]] = b[t];
    const State state = filter_row(thresholds, i, row.data(), ScoreBounds{}).outcome.state;
    for (std::size_t t = 0; t < supp.size(); ++t) row[supp[t]] = 0.0;
    if (state == State::refuted) refuted = true;
    if (state == State::undecided) ++open;
  }
  ChosenDimension dimension;
  dimension.d = L;
  dimension.trivial = true;
  return settle(prepared, dimension, refuted, open, policy);
}

}  // namespace jlattn::audit
