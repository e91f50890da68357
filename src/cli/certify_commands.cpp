// `jlattn certify`: the rigorous verdict of Definition 2 for any matrices
// (ours, or a trained model's inputs against a pattern), as proved on
// proofs/certificate.md.

#include <cmath>
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.hpp"
#include "jlattn/certify/certificate.hpp"
#include "jlattn/core/errors.hpp"
#include "jlattn/core/format.hpp"
#include "jlattn/io/target_file.hpp"
#include "jlattn/io/npy.hpp"
#include "jlattn/io/report.hpp"
#include "jlattn/pipeline/construction.hpp"
#include "jlattn/pipeline/memory_guard.hpp"
#include "jlattn/core/weights.hpp"

namespace jlattn::cli {

namespace {

struct CertifyOptions {
  std::string target, x, wq, wk;
  bool lemma4 = false, scaled = false, json = false, exact_only = false, no_float32 = false;
  double eps = 0.0, gamma = 0.0;
  unsigned max_precision = 1u << 14;
  std::uint64_t max_exact_work = 500'000'000;
  unsigned threads = 0;
  std::string product = "auto";
  std::string max_memory;
};

std::string bounds(Enclosure e) { return "[" + format_lower(e.lower, 17) + ", " + format_upper(e.upper, 17) + "]"; }

int run_certify(const CertifyOptions& o) {
  if (o.lemma4 == (!o.wq.empty() || !o.wk.empty()))
    throw InputError(o.lemma4 ? "--lemma4 replaces --wq and --wk; give one or the other"
                              : "give --wq and --wk (W_Q.npy, W_K.npy), or --lemma4 for Lemma 4's selectors");
  if (!o.lemma4 && (o.wq.empty() || o.wk.empty())) throw InputError("give both --wq and --wk");
  // The memory guard: the shapes from the .npy headers, the estimate, and a
  // refusal before anything large is read (memory_guard.hpp).
  const std::size_t max_memory = o.max_memory.empty() ? 0 : parse_memory_size(o.max_memory);
  const io::NpyShape x_shape = io::read_npy_file_shape(o.x);
  const std::size_t d = o.lemma4 ? x_shape.cols / 2 : io::read_npy_file_shape(o.wq).cols;
  require_certification_memory(x_shape.rows, x_shape.cols, d, o.lemma4, o.threads, o.exact_only, max_memory);
  const std::size_t max_npy_bytes = memory_limit_bytes(max_memory);
  const Target A = io::read_target_file(o.target, max_npy_bytes);
  const Matrix X = io::read_npy_file(o.x, max_npy_bytes);
  Weights W_Q, W_K;
  if (o.lemma4) {
    if (X.cols() < 2 || X.cols() % 2 != 0)
      throw InputError("--lemma4 needs X with 2d columns, got " + std::to_string(X.cols()));
    const auto d = static_cast<std::size_t>(X.cols() / 2);
    W_Q = Weights::lemma4_query(d);
    W_K = Weights::lemma4_key(d);
  } else {
    W_Q = Weights::from_matrix(io::read_npy_file(o.wq, max_npy_bytes));
    W_K = Weights::from_matrix(io::read_npy_file(o.wk, max_npy_bytes));
  }
  CertificationLimits limits;
  limits.max_precision_bits = o.max_precision;
  limits.max_exact_multiply_adds = o.max_exact_work;
  limits.exact_only = o.exact_only;
  limits.threads = o.threads;
  limits.product = score_product_named(o.product);
  limits.float32 = !o.no_float32;
  const Certificate cert = certify(A, X, W_Q, W_K, o.eps, o.gamma, o.scaled, limits);
  // The lower bound at these matrices' norms (proofs/lower-bound.md).
  const LowerBoundAtNorms lower_bound = lower_bound_at_norms(A.L(), o.gamma, X, W_Q, W_K, o.scaled, o.threads);

  if (o.json) {
    std::cout << io::certificate_json(cert, &lower_bound);
  } else {
    std::cout << "jlattn certify: softmax(" << (o.scaled ? "S / sqrt(d)" : "S") << "), S = (X W_Q)(X W_K)^T, against "
              << o.target << " with eps = " << format_shortest(o.eps) << ", gamma = " << format_shortest(o.gamma)
              << "\n"
              << "  verdict       " << to_string(cert.verdict) << "\n"
              << "  eps_hat       in " << bounds(cert.eps_hat) << "\n"
              << "  gamma_hat     in " << bounds(cert.gamma_hat) << "\n"
              << "  rows          " << cert.rows << ": " << cert.rows_filter << " decided by the filter, "
              << cert.rows_exact << " by the exact pass (up to " << cert.max_precision_used << " bits), "
              << cert.rows_undecided << " undecided\n";
    if (!cert.score_product.empty())
      std::cout << "  product       filter scores by " << cert.score_product << "; " << cert.rows_float32
                << " rows decided in float32 (" << cert.rows_refined << " of them refined in double), "
                << cert.rows_filter - cert.rows_float32 << " in double\n";
    if (!cert.filter_note.empty()) std::cout << "  filter        " << cert.filter_note << "\n";
    if (cert.witness)
      std::cout << "  witness       (i, j, j') = (" << cert.witness->i << ", " << cert.witness->j << ", "
                << cert.witness->j_prime << "), 0-based: " << to_string(cert.witness->condition)
                << " fails, margin in " << bounds(cert.witness->margin) << "\n";
    if (cert.verdict == Verdict::undecided) std::cout << "  undecided     " << cert.undecided_reason << "\n";
    std::cout << "  lower bound   " << lower_bound_text(lower_bound, o.scaled) << "; d = " << W_Q.cols()
              << " here\n";
  }
  return exit_code(cert.verdict);
}

}  // namespace

Command add_certify_command(CLI::App& root) {
  auto o = std::make_shared<CertifyOptions>();
  CLI::App* app = root.add_subcommand(
      "certify", "prove or refute that softmax((X W_Q)(X W_K)^T) (eps, gamma)-approximates a target (exact arithmetic)");
  app->add_option("--target", o->target, kTargetFileHelp)->required();
  app->add_option("--x", o->x, "input X (.npy, float64, L x m)")->required();
  app->add_option("--wq", o->wq, "W_Q (.npy, m x d)");
  app->add_option("--wk", o->wk, "W_K (.npy, m x d)");
  app->add_flag("--lemma4", o->lemma4, "W_Q = [I_d; 0], W_K = [0; I_d] with d = columns(X)/2 (no files needed)");
  add_real_option(*app, "--eps", o->eps, "ratio tolerance eps > 0 (Definition 2, R1)")->required();
  add_real_option(*app, "--gamma", o->gamma, "off-support ratio bound gamma in (0, 1) (Definition 2, R2)")->required();
  app->add_flag("--scaled", o->scaled, "certify softmax(S / sqrt(d)) instead of softmax(S)");
  app->add_flag("--json", o->json, "print the certificate as JSON");
  add_count_option(*app, "--max-precision", o->max_precision, "largest interval precision of the exact pass, in bits")
      ->capture_default_str();
  add_count_option(*app, "--max-exact-work", o->max_exact_work, "largest number of exact multiply-adds of the exact pass")
      ->capture_default_str();
  app->add_flag("--exact-only", o->exact_only, "skip the filter (every row exactly; slow)");
  app->add_flag("--no-float32", o->no_float32,
                "skip the filter's float32 stage (double-precision scores for every row); the verdict does not depend on it");
  add_count_option(*app, "--threads", o->threads, "worker threads of the filter (0: all cores); the verdict does not depend on it")
      ->capture_default_str();
  app->add_option("--product", o->product,
                  "matrix product of the filter's scores: auto (openblas where this build has it, else eigen), "
                  "eigen (same bits on every build) or openblas (faster; enclosures' last digits may differ between "
                  "processors); the verdict does not depend on it")
      ->check(CLI::IsMember({"auto", "eigen", "openblas"}))
      ->capture_default_str();
  add_max_memory_option(*app, o->max_memory);
  app->footer(kExitCodesHelp);
  return {app, [o] { return run_certify(*o); }};
}

}  // namespace jlattn::cli
