#include "jlattn/proof/theorem2_all_targets.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "jlattn/core/errors.hpp"
#include "jlattn/core/reproducible_random.hpp"
#include "jlattn/core/format.hpp"

namespace jlattn {

double tau_u_theorem2(double eta, std::size_t k, double gap_Delta, double rho) {
  if (!(eta > 0) || k < 1 || !(gap_Delta > 2 * eta) || !(rho >= 0))
    throw InputError("Theorem 2 needs eta > 0, k >= 1, Delta > 2 eta and rho >= 0");
  // ||b_i||_1 <= k Delta + (k - 1) rho (Lemma 1), and |S_ij - B_ij| <= mu ||b_i||_1.
  return eta / (static_cast<double>(k) * gap_Delta + static_cast<double>(k - 1) * rho);
}

std::uint64_t d_star_u_theorem2(std::size_t L, double tau_u, double delta) {
  if (L < 2) throw InputError("Theorem 2 needs L >= 2");
  if (!(tau_u > 0 && tau_u < 1)) throw InputError("Theorem 2 needs tau_u in (0, 1), got " + format_shortest(tau_u));
  if (!(delta > 0 && delta < 1)) throw InputError("delta must be in (0, 1), got " + format_shortest(delta));
  const double Ld = static_cast<double>(L);
  // L(L-1)/2 off-diagonal entries of R R^T (Lemma 3b, 4 exp(-d c) each) and L
  // diagonal ones (Lemma 3a, 2 exp(-d c) each) add up to 2 L^2 exp(-d c).
  const double numerator = 2 * portable_log(2 * Ld * Ld / delta);
  const double denominator = tau_u * tau_u / 2 - tau_u * tau_u * tau_u / 3;
  const double d = std::ceil(numerator / denominator);
  if (!(d <= 9007199254740992.0))
    throw InputError("Theorem 2's d*_u exceeds 2^53 for these parameters (tau_u = " + format_shortest(tau_u) + ")");
  return static_cast<std::uint64_t>(d);
}

double coherence_mu(const Matrix& R) {
  if (R.rows() < 1) throw InputError("coherence_mu needs a non-empty R");
  const Matrix G = R * R.transpose();
  double mu = 0.0;
  for (Eigen::Index l = 0; l < G.rows(); ++l)
    for (Eigen::Index j = 0; j < G.cols(); ++j) mu = std::max(mu, std::abs(G(l, j) - (l == j ? 1.0 : 0.0)));
  return mu;
}

}  // namespace jlattn
