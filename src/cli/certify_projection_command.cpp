// `jlattn certify-projection`: Theorem 2's checkable condition for one R,
// certified (proofs/theorem2-all-targets.md): if mu(R) <= tau_u, this R
// serves every target with row sparsity <= k and range <= rho at once.

#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "cli/commands.hpp"
#include "jlattn/certify/certificate.hpp"
#include "jlattn/core/errors.hpp"
#include "jlattn/core/format.hpp"
#include "jlattn/io/npy.hpp"
#include "jlattn/io/report.hpp"
#include "jlattn/proof/lemma3_jl_projection.hpp"

namespace jlattn::cli {

namespace {

struct Options {
  std::string r_path, projection = "gaussian";
  std::size_t L = 0, d = 0, k = 1;
  std::uint64_t seed = 2106037642;
  double rho = 0.0, eps = 0.0, gamma = 0.0, gap_Delta = 0.0;
  CLI::Option* gap = nullptr;
  bool json = false, exact_only = false;
  std::uint64_t max_exact_work = 500'000'000;
};

int run(const Options& o) {
  const bool from_file = !o.r_path.empty();
  if (from_file == (o.L > 0 || o.d > 0))
    throw InputError(from_file ? "--r replaces --L/--d/--seed; give one or the other"
                               : "give --r R.npy, or --L and --d (with --seed, --projection) to draw R");
  Matrix R;
  if (from_file) {
    R = io::read_npy_file(o.r_path);
  } else {
    if (o.L < 1 || o.d < 1) throw InputError("--L and --d must both be >= 1");
    R = projection_matrix(parse_projection(o.projection), o.L, o.d, o.seed);
  }
  CertificationLimits limits;
  limits.max_exact_multiply_adds = o.max_exact_work;
  limits.exact_only = o.exact_only;
  const std::optional<double> gap_Delta = o.gap->count() > 0 ? std::optional<double>(o.gap_Delta) : std::nullopt;
  const ProjectionCertificate cert = certify_projection(R, o.k, o.rho, o.eps, o.gamma, gap_Delta, limits);
  if (o.json) {
    std::cout << io::projection_certificate_json(cert);
  } else {
    std::cout << "jlattn certify-projection: Theorem 2's condition mu(R) <= tau_u for R (" << cert.L << " x "
              << cert.d << "), class k = " << cert.k << ", rho = " << format_shortest(cert.rho) << ", eps = "
              << format_shortest(cert.eps) << ", gamma = " << format_shortest(cert.gamma) << "\n"
              << "  Delta         "
              << (cert.gap_Delta ? "--gap-Delta (>= ln(1/gamma) + eps) = " + format_shortest(*cert.gap_Delta)
                                 : "ln(1/gamma) + eps rounded up = " + format_shortest(cert.Delta.upper))
              << "\n"
              << "  verdict       " << to_string(cert.verdict) << "\n"
              << "  mu            in [" << format_lower(cert.mu.lower, 17) << ", " << format_upper(cert.mu.upper, 17)
              << "]\n"
              << "  tau_u         in [" << format_lower(cert.tau_u.lower, 17) << ", " << format_upper(cert.tau_u.upper, 17)
              << "]\n"
              << "  exact pass    " << cert.entries_exact << " entries of R R^T\n";
    if (cert.witness)
      std::cout << "  witness       |(R R^T - I)_(" << cert.witness->first << ", " << cert.witness->second
                << ")| > tau_u (the sufficient condition fails; this alone does not show a target that fails)\n";
    if (cert.verdict == Verdict::certified)
      std::cout << "  meaning       every target with row sparsity <= k and range <= rho satisfies |S - B| <= eta "
                   "for S = B R R^T in real arithmetic, B of gap Delta, hence (eps, gamma) by Lemma 2; an emitted "
                   "X = [fl(B R) | R] is still certified per instance (jlattn certify)\n";
    if (cert.verdict == Verdict::undecided) std::cout << "  undecided     " << cert.undecided_reason << "\n";
  }
  return exit_code(cert.verdict);
}

}  // namespace

Command add_certify_projection_command(CLI::App& root) {
  auto o = std::make_shared<Options>();
  CLI::App* app = root.add_subcommand(
      "certify-projection", "prove or refute Theorem 2's condition mu(R) <= tau_u: one R for every target of a class");
  app->add_option("--r", o->r_path, "R as .npy (L x d, float64)");
  add_count_option(*app, "--L", o->L, "draw R instead: number of rows");
  add_count_option(*app, "--d", o->d, "draw R instead: number of columns");
  add_count_option(*app, "--seed", o->seed, "draw R instead: seed")->capture_default_str();
  app->add_option("--projection", o->projection, "draw R instead: gaussian, rademacher or achlioptas")
      ->capture_default_str();
  add_count_option(*app, "--k", o->k, "row sparsity bound k of the class (>= 1)")->required();
  add_real_option(*app, "--rho", o->rho, "range bound rho of the class (>= 0)")->capture_default_str();
  add_real_option(*app, "--eps", o->eps, "eps > 0")->required();
  add_real_option(*app, "--gamma", o->gamma, "gamma in (0, 1)")->required();
  o->gap = add_real_option(*app, "--gap-Delta", o->gap_Delta, kGapDeltaHelp);
  app->add_flag("--json", o->json, "print the certificate as JSON");
  app->add_flag("--exact-only", o->exact_only, "skip the double-precision filter");
  add_count_option(*app, "--max-exact-work", o->max_exact_work, "largest number of exact multiply-adds")->capture_default_str();
  app->footer(kExitCodesHelp);
  return {app, [o] { return run(*o); }};
}

}  // namespace jlattn::cli
