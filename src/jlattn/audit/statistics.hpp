/// \file statistics.hpp
/// \brief The audit's statistics (proofs/audit-statistics.md): exact
/// Clopper–Pearson intervals for a success fraction, the range of grid d
/// consistent with the counts for a quantile \f$d_q\f$, and a least-squares
/// fit \f$d \approx a + b \ln L\f$ with a Student-t interval for b.
///
/// The counts these read are certified verdicts counted over T independent
/// trials; what is computed from them is a statement about the success
/// probability p(d) of one trial, and each function says under which
/// assumption it holds. The binomial tails are evaluated in MPFI (every
/// decision proved); the Student-t quantile of the fit is a double-precision
/// evaluation.
///
/// Proof page: proofs/audit-statistics.md
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace jlattn::audit {

/// A closed interval [lower, upper] of probabilities.
struct ProbabilityInterval {
  double lower = 0.0, upper = 1.0;
};

/// Whether \f$P(X \ge x) \le \alpha\f$ for \f$X \sim \mathrm{Bin}(n, p)\f$, proved (false: not proved).
/// \pre x \f$\le\f$ n; p in [0, 1]; alpha in (0, 1).
/// Guarantee: decided in MPFI (a true answer is a proof; false also when the tail equals alpha to within the working precision).
/// Proof page: proofs/audit-statistics.md
bool binomial_upper_tail_at_most(unsigned x, unsigned n, double p, double alpha);

/// Whether \f$P(X \le x) < \alpha\f$ for \f$X \sim \mathrm{Bin}(n, p)\f$, proved (false: not proved).
/// \pre x \f$\le\f$ n; p in [0, 1]; alpha in (0, 1).
/// Guarantee: decided in MPFI.
/// Proof page: proofs/audit-statistics.md
bool binomial_lower_tail_below(unsigned x, unsigned n, double p, double alpha);

/// The exact two-sided Clopper–Pearson interval at confidence \f$1 - \alpha\f$ for x
/// successes in n trials: lower end the p with \f$P(X \ge x) = \alpha/2\f$ (0 when
/// x = 0), upper end the p with \f$P(X \le x) = \alpha/2\f$ (1 when x = n),
/// \f$X \sim \mathrm{Bin}(n, p)\f$; equivalently the \f$\alpha/2\f$ and
/// \f$1-\alpha/2\f$ quantiles of the beta laws \f$B(x, n-x+1)\f$ and \f$B(x+1, n-x)\f$
/// (regularised incomplete beta \f$I_p(x, n-x+1) = P(X \ge x)\f$). Found by
/// bisection on the binomial tails, each step decided in MPFI.
/// \pre 1 \f$\le\f$ n \f$\le\f$ 10^6; x \f$\le\f$ n; alpha in (0, 1).
/// \throws InputError otherwise.
/// Guarantee: enclosure: the returned interval contains the exact one, and
///   each end is within \f$2^{-44}\f$ (relative) of the exact end.
/// Proof page: proofs/audit-statistics.md
ProbabilityInterval clopper_pearson(unsigned x, unsigned n, double alpha = 0.05);

/// The certified count at one probed d.
struct CountAtD {
  std::uint64_t d = 0;
  unsigned certified = 0;
};

/// The range of grid d consistent with the counts for the quantile
/// \f$d^\star_q = \min\{d \in \text{grid} : p(d) \ge q\}\f$, p(d) the probability
/// that one trial is certified at d.
struct ConsistentRange {
  /// The smallest grid d not excluded; absent when every grid d is (a probe
  /// at max_d is "below": \f$d^\star_q\f$ is beyond the grid).
  std::optional<std::uint64_t> from;
  /// The largest grid d not excluded; absent when no probe is "above" (not
  /// bounded by the probes: \f$d^\star_q\f$ may exceed max_d).
  std::optional<std::uint64_t> to;
  /// to < from: the tests contradict each other, which the assumptions
  /// allow only with probability at most alpha.
  bool contradictory = false;
  std::size_t tests = 0;              ///< m: the d at which a probe may be made (the grid and the other probed d)
  double alpha_per_test = 0.0;        ///< the one-sided level of each test, alpha / m rounded down
};

/// The range of grid d consistent with the counts for \f$d^\star_q\f$ at confidence
/// \f$1 - \alpha\f$: with m the number of d at which a probe may be made (the
/// grid, and the probed d that are not grid points) and one-sided tests at
/// level \f$\alpha/m\f$, a probe at d with \f$P(X \le x_d; q) < \alpha/m\f$ shows
/// p(d) < q ("below"), one with \f$P(X \ge x_d; q) \le \alpha/m\f$ shows \f$p(d) \ge q\f$
/// ("above"). `from` is the smallest grid d above every "below" probe, `to`
/// the smallest grid d at or above the smallest "above" probe.
/// **Assumes** p(d) is non-decreasing in d (not proved) and the T trials at
/// one d independent (they are: independent seeds). Under these,
/// \f$P(d^\star_q \notin [\text{from}, \text{to}]) \le \alpha\f$, whatever the search's
/// adaptive choice of probes.
/// \pre grid from dimension_grid(); probes at distinct d, counts \f$\le\f$ T; q in (0, 1]; alpha in (0, 1).
/// \throws InputError otherwise.
/// Guarantee: exact given the MPFI decisions (a test left undecided excludes nothing).
/// Proof page: proofs/audit-statistics.md
ConsistentRange consistent_range(const std::vector<std::uint64_t>& grid, const std::vector<CountAtD>& probes,
                                 unsigned T, double q, double alpha = 0.05);

/// The quantile \f$t_{\nu}(c)\f$ of Student's t law with \f$\nu\f$ degrees of freedom:
/// \f$P(|T_\nu| \le t) = c\f$. The two-sided law \f$P(|T_\nu| \le t)\f$ is summed in
/// closed form (finite trigonometric series for integer \f$\nu\f$), then inverted by
/// bisection.
/// \pre 1 \f$\le\f$ nu \f$\le\f$ 10^6; c in (0, 1).
/// \throws InputError otherwise.
/// Guarantee: evaluation (double precision; within 1e-9 relative of the exact quantile in the tests).
/// Proof page: proofs/audit-statistics.md
double student_t_quantile(unsigned nu, double c);

/// The least-squares line \f$d \approx a + b \ln L\f$ through n points, with a
/// two-sided interval for b.
struct LogLineFit {
  std::size_t n = 0;                  ///< points used
  double a = 0.0, b = 0.0;            ///< intercept and slope
  std::optional<double> b_lower, b_upper;  ///< when n >= 3: \f$b \pm t_{n-2}(c)\, s / \sqrt{S_{xx}}\f$
  double residual_sd = 0.0;           ///< s, the residuals' standard deviation (n - 2 degrees of freedom; 0 when n = 2)
};

/// Fits \f$d \approx a + b \ln L\f$ by ordinary least squares to the points (L, d)
/// and, when n \f$\ge\f$ 3, gives the Student-t interval for b at confidence c
/// (exact under independent Gaussian errors of equal variance around a line
/// in \f$\ln L\f$: an assumption, stated with the numbers).
/// \pre at least two distinct L; every L \f$\ge\f$ 1 and d finite.
/// \returns nullopt when fewer than two distinct L are given.
/// Guarantee: evaluation (double precision).
/// Proof page: proofs/audit-statistics.md
std::optional<LogLineFit> fit_log_line(const std::vector<std::pair<double, double>>& L_and_d, double c = 0.95);

}  // namespace jlattn::audit
