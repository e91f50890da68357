// `jlattn demo` and `jlattn construct`: parse the options, run the theorem
// through the library (construct_and_certify, construction.hpp), write the
// emitted matrices as .npy files and report.json, print the summary.

#include <sys/statvfs.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <span>
#include <string>

#include "cli/commands.hpp"
#include "jlattn/certify/certificate.hpp"
#include "jlattn/core/errors.hpp"
#include "jlattn/core/fnv1a.hpp"
#include "jlattn/core/format.hpp"
#include "jlattn/io/target_file.hpp"
#include "jlattn/io/npy.hpp"
#include "jlattn/io/report.hpp"
#include "jlattn/io/staged_output.hpp"
#include "jlattn/pipeline/construction.hpp"
#include "jlattn/pipeline/memory_guard.hpp"

namespace jlattn::cli {

namespace {

// The options shared by `demo` and `construct`, as typed; parsed when the command runs.
struct ConstructionOptions {
  jlattn::ConstructionParameters parameters;
  jlattn::ResourcePolicy policy;
  std::string projection = "gaussian", dimension = "auto", bound = "auto", max_memory;
  double gap_Delta = 0.0;
  CLI::Option* gap = nullptr;
  CLI::Option* d = nullptr;
};

// Parses the typed options into the library's parameters and policy.
void parse_construction_options(ConstructionOptions& o) {
  o.parameters.projection = jlattn::parse_projection(o.projection);
  // `--bound NAME` alone names the bound of `--d auto`, whatever the subcommand's default --d.
  const bool bound_alone = o.d->count() == 0 && o.bound != "auto";
  jlattn::parse_dimension(bound_alone ? "auto" : o.dimension, o.bound, o.parameters);
  if (o.gap->count() > 0) o.parameters.gap_Delta = o.gap_Delta;
  jlattn::validate(o.parameters);  // the library's checks, before anything is printed
  o.policy.max_memory_bytes = o.max_memory.empty() ? 0 : jlattn::parse_memory_size(o.max_memory);
}

// `with_lower_bound`: construct prints d_lower at the emitted matrices' norms;
// demo keeps the lines it printed before the lower bound existed.
void print_summary(const jlattn::Construction& c, bool with_lower_bound, std::ostream& out) {
  const auto& e = c.evaluation;
  const auto& r = c.parameters;
  out << "  Definition 1  L = " << c.L << ", k = " << c.k << ", rho = " << format_digits(c.rho)
      << ", largest column count = " << c.max_column_count << "\n";
  out << "  request       eps = " << format_shortest(r.eps) << ", gamma = " << format_shortest(r.gamma)
      << ", delta = " << format_shortest(r.delta)
      << ", projection = " << (c.trivial ? "identity (trivial d = L)" : jlattn::to_string(r.projection))
      << ", seed = " << r.seed << "\n";
  out << "  Lemma 2       eta = eps/2 = " << format_digits(c.budget.eta) << ", Delta = "
      << (r.gap_Delta ? "--gap-Delta (>= ln(1/gamma) + eps) = " : "ln(1/gamma) + eps rounded up = ")
      << format_digits(c.budget.gap_Delta) << "\n";
  out << "  Lemma 1       beta_sharp(k) = " << format_digits(c.beta_sharp_class)
      << ", max_i ||b_i|| = " << format_digits(c.beta_instance) << "\n";
  out << "  Theorem 1     tau = eta/beta = " << format_digits(c.tau) << ", d* = " << c.d_star
      << (c.d_star > c.L ? " (above the trivial d = L = " + std::to_string(c.L) + ", as expected at small L)" : "")
      << "\n";
  out << "  Theorem 2     tau_u = " << format_digits(c.tau_u) << ", d*_u = " << c.d_star_u << "\n";
  if (!c.bound_name.empty())
    out << "  bound         d = " << c.bound_label << " = " << c.d << " (" << c.bound_theorem << ", --bound "
        << jlattn::to_string(r.bound) << ", valid for " << jlattn::to_string(r.projection)
        << "; proved with MPFR/MPFI enclosures, `jlattn bound` lists every bound)\n";
  out << "  Lemma 4       d = " << c.d << ", X is " << c.X.rows() << " x " << c.X.cols()
      << ", largest input row norm = "
      << format_digits(*std::max_element(c.input_row_norms.begin(), c.input_row_norms.end())) << "\n";
  if (with_lower_bound) out << "  lower bound   " << lower_bound_text(c.lower_bound, false) << "\n";
  out << "  Lemma 2 check max|S - B| = " << format_digits(c.max_score_error)
      << (c.max_score_error <= c.budget.eta ? " <= " : " > ") << "eta = " << format_digits(c.budget.eta) << "\n";
  out << "  Definition 2  eps_hat = " << format_digits(e.eps_hat) << (e.r1_holds ? " <= " : " > ")
      << "eps, gamma_hat = " << format_digits(e.gamma_hat) << (e.r2_holds ? " <= " : " > ")
      << "gamma   [double-precision evaluation, not a certificate]\n";
  out << "  Corollary 0   off-support attention share of any row <= " << format_digits(c.leakage_share_upper) << "\n";
  if (e.witness) {
    out << "  (evaluation)  condition " << jlattn::to_string(e.witness->condition) << " fails at (i, j, j') = ("
        << e.witness->i << ", " << e.witness->j << ", " << e.witness->j_prime
        << ") by " << format_digits(e.witness->excess) << "\n";
  }
}

std::uintmax_t free_disk_bytes(const std::string& directory) {
  struct statvfs fs {};
  if (::statvfs(directory.c_str(), &fs) != 0) return UINTMAX_MAX;  // unknown: let the write itself report
  return static_cast<std::uintmax_t>(fs.f_bavail) * fs.f_frsize;
}

void write_outputs(const jlattn::CertifiedConstruction& result, const std::string& out_dir, bool write_weights,
                   const jlattn::io::UniformProjectionRecord* uniform) {
  const jlattn::Construction& c = result.construction;
  jlattn::io::StagedOutput output(out_dir);
  const long double d = static_cast<long double>(c.d);
  const long double bytes = 8.0L * (static_cast<long double>(c.L) * 2 * d + (write_weights ? 4 * d * d : 0)) + 4096.0L * 4;
  if (bytes > static_cast<long double>(free_disk_bytes(out_dir)))
    throw jlattn::InputError("the outputs need about " + format_digits(static_cast<double>(bytes) / (1 << 20), 4) +
                             " MiB in " + out_dir + ", more than is free" +
                             (write_weights ? " (--no-weights skips W_Q.npy and W_K.npy, 16 d^2 bytes)" : ""));
  jlattn::io::write_npy(output.open("X.npy"), c.X);
  if (write_weights) {
    // W_Q = [I_d; 0] and W_K = [0; I_d] (Lemma 4), streamed row by row: they
    // are 2d x d and need not exist in memory.
    const std::size_t n = c.d;
    jlattn::io::write_npy_rows(output.open("W_Q.npy"), 2 * n, n, [n](std::size_t row, std::span<double> out) {
      std::fill(out.begin(), out.end(), 0.0);
      if (row < n) out[row] = 1.0;
    });
    jlattn::io::write_npy_rows(output.open("W_K.npy"), 2 * n, n, [n](std::size_t row, std::span<double> out) {
      std::fill(out.begin(), out.end(), 0.0);
      if (row >= n) out[row - n] = 1.0;
    });
  }
  output.open("report.json") << jlattn::io::construction_report_json(c, result.certificate, uniform);
  output.commit();
}

void add_construction_options(CLI::App& app, ConstructionOptions& o, bool eps_gamma_required) {
  auto* eps = add_real_option(app, "--eps", o.parameters.eps, "ratio tolerance eps > 0 (Definition 2, R1)");
  auto* gamma =
      add_real_option(app, "--gamma", o.parameters.gamma, "off-support ratio bound gamma in (0, 1) (Definition 2, R2)");
  if (eps_gamma_required) { eps->required(); gamma->required(); }
  else { eps->capture_default_str(); gamma->capture_default_str(); }
  add_real_option(app, "--delta", o.parameters.delta, "failure probability delta in (0, 1) of Theorem 1")
      ->capture_default_str();
  o.d = app.add_option("--d", o.dimension, kDimensionHelp)->capture_default_str();
  app.add_option("--bound", o.bound,
                 "the proved bound --d auto uses (kept for compatibility; --d can name it): auto (the smallest "
                 "valid for the projection and the target), theorems12, dstar, exact, pair, polar or chernoff")
      ->capture_default_str();
  o.gap = add_real_option(app, "--gap-Delta", o.gap_Delta, kGapDeltaHelp);
  app.add_option("--projection", o.projection, "entry law of R (Lemma 3): gaussian, rademacher or achlioptas")
      ->capture_default_str();
  add_count_option(app, "--seed", o.parameters.seed, "seed of the counter-based generator (same seed, same bits)")
      ->capture_default_str();
  add_count_option(app, "--threads", o.policy.threads, "worker threads (0: all cores); the output does not depend on it")
      ->capture_default_str();
  add_max_memory_option(app, o.max_memory);
}

void print_certificate(const jlattn::Certificate& cert, std::ostream& out) {
  out << "  certificate   " << jlattn::to_string(cert.verdict) << ": eps_hat <= " << format_upper(cert.eps_hat.upper, 9)
      << ", gamma_hat <= " << format_upper(cert.gamma_hat.upper, 9) << " (rigorous upper bounds; " << cert.rows_filter
      << " rows decided by the filter, " << cert.rows_exact << " by the exact pass)\n";
  if (cert.witness)
    out << "  witness       condition " << jlattn::to_string(cert.witness->condition) << " fails at (i, j, j') = ("
        << cert.witness->i << ", " << cert.witness->j << ", " << cert.witness->j_prime << "), margin in ["
        << format_lower(cert.witness->margin.lower, 9) << ", " << format_upper(cert.witness->margin.upper, 9) << "]\n";
  if (cert.verdict == jlattn::Verdict::undecided) out << "  undecided     " << cert.undecided_reason << "\n";
}

int run_demo(ConstructionOptions o, std::size_t L) {
  const auto start = std::chrono::steady_clock::now();
  parse_construction_options(o);
  // The built-in target holds about 4 entries per row (window and global
  // column) with their logarithms and indices: refuse an absurd --L before
  // building it; the library then checks the matrices for the chosen d.
  jlattn::require_memory(L > SIZE_MAX / 256 ? SIZE_MAX : 256 * L, o.policy.max_memory_bytes,
                         "the demo target for L = " + std::to_string(L));
  const jlattn::Target A = jlattn::window_global_target(L, o.parameters.seed);
  std::cout << "jlattn demo: the constructive proof of Theorem 1 on a built-in target\n"
            << "  (local window of width 3 + one global token, integer weights 1..4)\n";
  const jlattn::CertifiedConstruction result = jlattn::construct_and_certify(A, o.parameters, o.policy);
  const jlattn::Certificate& cert = result.certificate;
  print_summary(result.construction, false, std::cout);
  print_certificate(cert, std::cout);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "  result        " << jlattn::to_string(cert.verdict) << ": softmax(S) of the emitted matrices "
            << (cert.verdict == jlattn::Verdict::certified  ? "provably does"
                : cert.verdict == jlattn::Verdict::refuted ? "provably does not"
                                                           : "could not be shown to")
            << " (" << format_digits(o.parameters.eps) << ", " << format_digits(o.parameters.gamma) << ")-approximate A, in "
            << format_digits(seconds, 3) << " s\n";
  return exit_code(cert.verdict);
}

// Theorem 2 (`construct --uniform`): one R for a whole class of targets,
// with its certificate (mu(R) <= tau_u) computed once and reused.
struct UniformOptions {
  bool enabled = false;
  std::string r_path, certificate_path;
  std::size_t class_k = 0;
  double class_rho = -1.0;
};

struct UniformProjection {
  jlattn::Matrix R;
  jlattn::io::UniformProjectionRecord record;
  std::string verdict;
};

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// R of the class from --r or drawn by the library, and its certificate:
// read back from its file when that certifies this R and class, else
// computed and written there.
UniformProjection prepare_uniform(const jlattn::Target& A, const ConstructionOptions& o, const UniformOptions& u,
                                  const std::string& out_dir) {
  UniformProjection up;
  const jlattn::ProjectionClass cls = jlattn::theorem2_class(A, u.class_k, u.class_rho);
  up.R = u.r_path.empty() ? jlattn::theorem2_projection(A.L(), cls, o.parameters, o.policy.threads)
                          : jlattn::io::read_npy_file(u.r_path);
  up.record.file = u.certificate_path.empty() ? out_dir + "/projection_certificate.json" : u.certificate_path;
  const jlattn::io::ProjectionIdentity identity{jlattn::fnv1a_hex(up.R), static_cast<std::size_t>(up.R.rows()),
                                                static_cast<std::size_t>(up.R.cols()), cls.k, cls.rho,
                                                o.parameters.eps, o.parameters.gamma, o.parameters.gap_Delta};
  if (std::filesystem::exists(up.record.file)) {
    up.record.certificate_json = read_text(up.record.file);
    const auto verdict =
        jlattn::io::projection_certificate_verdict(up.record.certificate_json, identity, up.record.file);
    if (!verdict)
      throw jlattn::InputError(up.record.file + " certifies another R, class or gap; remove it or name another file");
    up.verdict = *verdict;
    up.record.reused = true;
    return up;
  }
  const jlattn::ProjectionCertificate pc =
      jlattn::certify_projection(up.R, cls.k, cls.rho, o.parameters.eps, o.parameters.gamma, o.parameters.gap_Delta);
  up.verdict = jlattn::to_string(pc.verdict);
  up.record.certificate_json = jlattn::io::projection_certificate_json(pc, identity.r_fnv1a);
  const std::filesystem::path path(up.record.file);
  jlattn::io::StagedOutput staged(path.has_parent_path() ? path.parent_path() : std::filesystem::path("."));
  staged.open(path.filename().string()) << up.record.certificate_json;
  staged.commit();
  return up;
}

int run_construct(ConstructionOptions o, const std::string& target_path, const std::string& out_dir,
                  bool write_weights, const UniformOptions& uniform) {
  parse_construction_options(o);
  const jlattn::Target A =
      jlattn::io::read_target_file(target_path, jlattn::memory_limit_bytes(o.policy.max_memory_bytes));
  UniformProjection up;
  if (uniform.enabled) {
    up = prepare_uniform(A, o, uniform, out_dir);
    o.parameters.given_projection = &up.R;
  }
  const jlattn::CertifiedConstruction result = jlattn::construct_and_certify(A, o.parameters, o.policy);
  write_outputs(result, out_dir, write_weights, uniform.enabled ? &up.record : nullptr);
  std::cout << "jlattn construct: " << target_path << " -> " << out_dir << "/{X.npy"
            << (write_weights ? ", W_Q.npy, W_K.npy" : "") << ", report.json}\n";
  print_summary(result.construction, true, std::cout);
  print_certificate(result.certificate, std::cout);
  if (uniform.enabled)
    std::cout << "  Theorem 2     one R for the class: " << up.verdict << " (mu(R) <= tau_u), "
              << (up.record.reused ? "reused from " : "written to ") << up.record.file << "\n";
  std::cout << "  result        " << jlattn::to_string(result.certificate.verdict) << "\n";
  return exit_code(result.certificate.verdict);
}

}  // namespace

Command add_demo_command(CLI::App& root) {
  struct Options {
    ConstructionOptions construction;
    std::size_t L = 64;
  };
  auto o = std::make_shared<Options>();
  CLI::App* demo = root.add_subcommand("demo", "run the construction of Theorem 1 on a built-in target and certify it");
  // The demo's default stays the rule `auto` followed before Theorem 3, so
  // that it prints what it printed (`--d auto` means what it means everywhere).
  o->construction.dimension = "theorems12";
  add_construction_options(*demo, o->construction, false);
  o->construction.d->description(std::string(kDimensionHelp) +
                                       "; the demo's default is theorems12, the rule auto followed before Theorem 3");
  add_count_option(*demo, "--L", o->L, "number of tokens of the built-in target (>= 3)")->capture_default_str();
  demo->footer(kExitCodesHelp);
  return {demo, [o] { return run_demo(o->construction, o->L); }};
}

Command add_construct_command(CLI::App& root) {
  struct Options {
    ConstructionOptions construction;
    std::string target_path, out_dir;
    bool no_weights = false;
    UniformOptions uniform;
  };
  auto o = std::make_shared<Options>();
  CLI::App* construct = root.add_subcommand("construct", "build X = [B R | R], W_Q, W_K for a target and certify them");
  construct->add_option("--target", o->target_path, kTargetFileHelp)->required();
  add_construction_options(*construct, o->construction, true);
  construct->add_option("--out", o->out_dir, "output directory for X.npy, W_Q.npy, W_K.npy, report.json")->required();
  construct->add_flag("--no-weights", o->no_weights, "do not write W_Q.npy, W_K.npy (fixed selectors, 16 d^2 bytes)");
  construct->add_flag("--uniform", o->uniform.enabled,
                      "Theorem 2: use one R for a whole class of targets (from --r, or drawn at d*_u from --seed) "
                      "and certify mu(R) <= tau_u once");
  construct->add_option("--r", o->uniform.r_path, "with --uniform: R as .npy (L x d)");
  add_count_option(*construct, "--class-k", o->uniform.class_k,
                   "with --uniform: row sparsity bound of the class (default: the target's k)");
  add_real_option(*construct, "--class-rho", o->uniform.class_rho,
                        "with --uniform: range bound of the class (default: the target's rho, rounded up)");
  construct->add_option("--projection-certificate", o->uniform.certificate_path,
                        "with --uniform: where R's certificate is kept; reused when it exists and matches "
                        "(default: OUT/projection_certificate.json)");
  construct->footer(kExitCodesHelp);
  return {construct, [o] {
            if (!o->uniform.enabled && (!o->uniform.r_path.empty() || !o->uniform.certificate_path.empty() ||
                                        o->uniform.class_k != 0 || o->uniform.class_rho >= 0))
              throw jlattn::InputError("--r, --class-k, --class-rho and --projection-certificate need --uniform");
            return run_construct(o->construction, o->target_path, o->out_dir, !o->no_weights, o->uniform);
          }};
}

}  // namespace jlattn::cli
