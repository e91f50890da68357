// `jlattn demo` and `jlattn construct`: the constructive proof of Theorem 1
// on a built-in target or on the user's, with the emitted matrices written
// as .npy files and every derived quantity in report.json.

#include <sys/statvfs.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.hpp"
#include "jlattn/certify/certificate.hpp"
#include "jlattn/pipeline/construction.hpp"
#include "jlattn/core/errors.hpp"
#include "jlattn/core/format.hpp"
#include "jlattn/io/matrix_market.hpp"
#include "jlattn/io/npy.hpp"
#include "jlattn/io/report.hpp"
#include "jlattn/io/staged_output.hpp"
#include "jlattn/proof/lemma3_jl_projection.hpp"
#include "jlattn/bounds/rigorous_bounds.hpp"
#include "jlattn/pipeline/memory_guard.hpp"
#include "jlattn/core/weights.hpp"

namespace jlattn::cli {

namespace {



// Strict parse of --d: "auto", "trivial" or a decimal integer in [1, 2^32).
void parse_dimension(const std::string& text, jlattn::ConstructionRequest& request) {
  if (text == "auto") { request.rule = jlattn::DimensionRule::theorem1; return; }
  if (text == "trivial") { request.rule = jlattn::DimensionRule::trivial; return; }
  const bool digits = !text.empty() && text.size() <= 10 && text.find_first_not_of("0123456789") == std::string::npos;
  const unsigned long long value = digits ? std::stoull(text) : 0;
  if (!digits || value < 1 || value >= (1ULL << 32))
    throw jlattn::InputError("--d must be auto, trivial or an integer in [1, 2^32), got '" + text + "'");
  request.rule = jlattn::DimensionRule::given;
  request.d = static_cast<std::size_t>(value);
}

void print_summary(const jlattn::Construction& c, std::ostream& out) {
  const auto& e = c.evaluation;
  const auto& r = c.request;
  out << "  Definition 1  L = " << c.L << ", k = " << c.k << ", rho = " << format_digits(c.rho)
      << ", largest column count = " << c.max_column_count << "\n";
  out << "  request       eps = " << format_shortest(r.eps) << ", gamma = " << format_shortest(r.gamma)
      << ", delta = " << format_shortest(r.delta)
      << ", projection = " << (c.trivial ? "identity (trivial d = L)" : jlattn::to_string(r.projection))
      << ", seed = " << r.seed << "\n";
  out << "  Lemma 2       eta = eps/2 = " << format_digits(c.budget.eta) << ", Delta = ln(1/gamma) + eps = "
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

void write_outputs(const jlattn::Construction& c, const jlattn::Certificate& cert, const std::string& out_dir,
                   bool write_weights, const nlohmann::json& extra = nlohmann::json::object()) {
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
  nlohmann::json report = jlattn::io::construction_report(c, &cert);
  report.update(extra);
  output.open("report.json") << report.dump(2) << "\n";
  output.commit();
}

void add_construction_options(CLI::App& app, jlattn::ConstructionRequest& request, std::string& projection,
                              std::string& dimension, std::string& bound, std::string& max_memory,
                              bool eps_gamma_required) {
  auto* eps = add_real_option(app, "--eps", request.eps, "ratio tolerance eps > 0 (Definition 2, R1)");
  auto* gamma =
      add_real_option(app, "--gamma", request.gamma, "off-support ratio bound gamma in (0, 1) (Definition 2, R2)");
  if (eps_gamma_required) { eps->required(); gamma->required(); }
  else { eps->capture_default_str(); gamma->capture_default_str(); }
  add_real_option(app, "--delta", request.delta, "failure probability delta in (0, 1) of Theorem 1")->capture_default_str();
  app.add_option("--d", dimension, "query/key dimension: auto (the proved bound of --bound), trivial (d = L, X = [B | I]) or N")
      ->capture_default_str();
  app.add_option("--bound", bound,
                 "which proved bound --d auto uses: auto (the smallest valid for the projection), dstar (Theorem 1), "
                 "exact (d*_exact, Gaussian), pair (d_pair, Gaussian) or polar (d_polar)")
      ->capture_default_str();
  app.add_option("--projection", projection, "entry law of R (Lemma 3): gaussian, rademacher or achlioptas")
      ->capture_default_str();
  add_count_option(app, "--seed", request.seed, "seed of the counter-based generator (same seed, same bits)")
      ->capture_default_str();
  add_count_option(app, "--threads", request.threads, "worker threads (0: all cores); the output does not depend on it")
      ->capture_default_str();
  add_max_memory_option(app, max_memory);
}

// Section 5: the emitted X with Lemma 4's selectors, certified exactly.
jlattn::Certificate certify_construction(const jlattn::Target& A, const jlattn::Construction& c) {
  jlattn::CertificationLimits limits;
  limits.threads = c.request.threads;
  return jlattn::certify(A, c.X, jlattn::Weights::lemma4_query(c.d), jlattn::Weights::lemma4_key(c.d), c.request.eps,
                         c.request.gamma, false, limits);
}

void print_certificate(const jlattn::Certificate& cert, std::ostream& out) {
  out << "  certificate   " << jlattn::to_string(cert.verdict) << ": eps_hat <= " << format_upper(cert.eps_hat.upper, 9)
      << ", gamma_hat <= " << format_upper(cert.gamma_hat.upper, 9) << " (rigorous upper bounds; " << cert.rows_fast
      << " rows decided by the filter, " << cert.rows_exact << " by the exact pass)\n";
  if (cert.witness)
    out << "  witness       condition " << jlattn::to_string(cert.witness->condition) << " fails at (i, j, j') = ("
        << cert.witness->i << ", " << cert.witness->j << ", " << cert.witness->j_prime << "), margin in ["
        << format_lower(cert.witness->margin.lower, 9) << ", " << format_upper(cert.witness->margin.upper, 9) << "]\n";
  if (cert.verdict == jlattn::Verdict::undecided) out << "  undecided     " << cert.undecided_reason << "\n";
}

int run_demo(jlattn::ConstructionRequest request, const std::string& projection, const std::string& dimension,
             const std::string& bound, const std::string& max_memory, std::size_t L) {
  const auto start = std::chrono::steady_clock::now();
  request.projection = jlattn::parse_projection(projection);
  request.bound = jlattn::parse_bound_choice(bound);
  parse_dimension(dimension, request);
  request.max_memory_bytes = max_memory.empty() ? 0 : jlattn::parse_memory_size(max_memory);
  request.include_certification_memory = true;
  // The built-in target holds about 4 entries per row (window and global
  // column) with their logarithms and indices: refuse an absurd --L before
  // building it; construct() then checks the matrices for the chosen d.
  jlattn::require_memory(L > SIZE_MAX / 256 ? SIZE_MAX : 256 * L, request.max_memory_bytes,
                         "the demo target for L = " + std::to_string(L));
  const jlattn::Target A = jlattn::window_global_target(L, request.seed);
  std::cout << "jlattn demo: the constructive proof of Theorem 1 on a built-in target\n"
            << "  (local window of width 3 + one global token, integer weights 1..4)\n";
  const jlattn::Construction c = jlattn::construct(A, request);
  print_summary(c, std::cout);
  const jlattn::Certificate cert = certify_construction(A, c);
  print_certificate(cert, std::cout);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "  result        " << jlattn::to_string(cert.verdict) << ": softmax(S) of the emitted matrices "
            << (cert.verdict == jlattn::Verdict::certified  ? "provably does"
                : cert.verdict == jlattn::Verdict::refuted ? "provably does not"
                                                           : "could not be shown to")
            << " (" << format_digits(request.eps) << ", " << format_digits(request.gamma) << ")-approximate A, in "
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

std::string checksum_hex(const jlattn::Matrix& R) {
  // FNV-1a over the bit patterns, little-endian: identifies R in the certificate file.
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (Eigen::Index n = 0; n < R.size(); ++n) {
    std::uint64_t bits;
    std::memcpy(&bits, R.data() + n, sizeof bits);
    for (int b = 0; b < 8; ++b) {
      h ^= (bits >> (8 * b)) & 0xffu;
      h *= 0x100000001b3ull;
    }
  }
  char buffer[20];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(h));
  return buffer;
}

struct UniformProjection {
  jlattn::Matrix R;
  nlohmann::json certificate;  // the projection certificate, as written to / read from its file
  bool reused = false;
  std::string path;
};

UniformProjection prepare_uniform(const jlattn::Target& A, const jlattn::ConstructionRequest& request,
                                  const UniformOptions& u, const std::string& out_dir) {
  UniformProjection up;
  // The class (k, rho) the one R must serve; the target has to belong to it.
  const std::size_t k = u.class_k ? u.class_k : A.k();
  const double rho_upper = jlattn::target_range_upper(A);
  const double rho = u.class_rho >= 0 ? u.class_rho : rho_upper;
  if (A.k() > k)
    throw jlattn::InputError("the target has row sparsity k = " + std::to_string(A.k()) + ", above --class-k " +
                             std::to_string(k));
  if (rho_upper > rho)
    throw jlattn::InputError("the target's range cannot be proved <= --class-rho " + format_shortest(rho) +
                             " (its upper bound is " + format_upper(rho_upper, 17) + "; give a slightly larger --class-rho)");
  if (!u.r_path.empty()) {
    up.R = jlattn::io::read_npy_file(u.r_path);
  } else {
    std::size_t d = request.d;
    if (request.rule != jlattn::DimensionRule::given) {
      const jlattn::BoundQuery q{.L = A.L(), .k = k, .eps = request.eps, .gamma = request.gamma, .rho = rho,
                                 .delta = request.delta, .crossovers = false, .exact_tails = false};
      d = static_cast<std::size_t>(
          jlattn::find_bound(jlattn::rigorous_bounds(q), jlattn::BoundName::d_star_u).d);
    }
    up.R = jlattn::projection_matrix(request.projection, A.L(), d, request.seed, request.threads);
  }
  up.path = u.certificate_path.empty() ? out_dir + "/projection_certificate.json" : u.certificate_path;
  const std::string checksum = checksum_hex(up.R);
  const nlohmann::json identity = {{"R_fnv1a", checksum}, {"L", up.R.rows()}, {"d", up.R.cols()}, {"k", k},
                                   {"rho", rho},          {"eps", request.eps}, {"gamma", request.gamma}};
  std::ifstream existing(up.path);
  if (existing) {
    nlohmann::json stored;
    try {
      stored = nlohmann::json::parse(existing);
    } catch (const nlohmann::json::exception&) {
      throw jlattn::InputError(up.path + " is not a projection certificate (invalid JSON)");
    }
    bool same = stored.is_object();
    for (const auto& [key, value] : identity.items()) same = same && stored.contains(key) && stored[key] == value;
    if (!same)
      throw jlattn::InputError(up.path + " certifies another R or class; remove it or name another file");
    up.certificate = stored;
    up.reused = true;
    return up;
  }
  const jlattn::ProjectionCertificate pc = jlattn::certify_projection(up.R, k, rho, request.eps, request.gamma);
  up.certificate = identity;
  up.certificate["verdict"] = jlattn::to_string(pc.verdict);
  up.certificate["condition"] = "mu(R) = max |R R^T - I| <= tau_u = (eps/2) / (k Delta + (k-1) rho)  (Theorem 2)";
  up.certificate["mu"] = {{"lower", pc.mu.lower}, {"upper", pc.mu.upper}};
  up.certificate["tau_u"] = {{"lower", pc.tau_u.lower}, {"upper", pc.tau_u.upper}};
  up.certificate["undecided_reason"] = pc.undecided_reason;
  const std::filesystem::path path(up.path);
  jlattn::io::StagedOutput staged(path.has_parent_path() ? path.parent_path() : std::filesystem::path("."));
  staged.open(path.filename().string()) << up.certificate.dump(2) << "\n";
  staged.commit();
  return up;
}

int run_construct(jlattn::ConstructionRequest request, const std::string& projection, const std::string& dimension,
                  const std::string& bound, const std::string& max_memory, const std::string& target_path,
                  const std::string& out_dir, bool write_weights, const UniformOptions& uniform) {
  request.projection = jlattn::parse_projection(projection);
  request.bound = jlattn::parse_bound_choice(bound);
  parse_dimension(dimension, request);
  request.max_memory_bytes = max_memory.empty() ? 0 : jlattn::parse_memory_size(max_memory);
  request.include_certification_memory = true;
  const jlattn::Target A = jlattn::io::read_matrix_market_file(target_path);
  UniformProjection up;
  nlohmann::json extra = nlohmann::json::object();
  if (uniform.enabled) {
    up = prepare_uniform(A, request, uniform, out_dir);
    request.given_projection = &up.R;
    extra["uniform_projection"] = up.certificate;
    extra["uniform_projection"]["file"] = up.path;
    extra["uniform_projection"]["reused"] = up.reused;
  }
  const jlattn::Construction c = jlattn::construct(A, request);
  const jlattn::Certificate cert = certify_construction(A, c);
  write_outputs(c, cert, out_dir, write_weights, extra);
  std::cout << "jlattn construct: " << target_path << " -> " << out_dir << "/{X.npy"
            << (write_weights ? ", W_Q.npy, W_K.npy" : "") << ", report.json}\n";
  print_summary(c, std::cout);
  print_certificate(cert, std::cout);
  if (uniform.enabled)
    std::cout << "  Theorem 2     one R for the class: " << up.certificate["verdict"].get<std::string>()
              << " (mu(R) <= tau_u), " << (up.reused ? "reused from " : "written to ") << up.path << "\n";
  std::cout << "  result        " << jlattn::to_string(cert.verdict) << "\n";
  return exit_code(cert.verdict);
}

}  // namespace

Command add_demo_command(CLI::App& root) {
  struct Options {
    ConstructionRequest request;
    std::string projection = "gaussian", dimension = "auto", bound = "auto", max_memory;
    std::size_t L = 64;
  };
  auto o = std::make_shared<Options>();
  CLI::App* demo = root.add_subcommand("demo", "run the construction of Theorem 1 on a built-in target and certify it");
  add_construction_options(*demo, o->request, o->projection, o->dimension, o->bound, o->max_memory, false);
  add_count_option(*demo, "--L", o->L, "number of tokens of the built-in target (>= 3)")->capture_default_str();
  demo->footer(kExitCodesHelp);
  return {demo, [o] { return run_demo(o->request, o->projection, o->dimension, o->bound, o->max_memory, o->L); }};
}

Command add_construct_command(CLI::App& root) {
  struct Options {
    ConstructionRequest request;
    std::string projection = "gaussian", dimension = "auto", bound = "auto", max_memory, target_path, out_dir;
    bool no_weights = false;
    UniformOptions uniform;
  };
  auto o = std::make_shared<Options>();
  CLI::App* construct = root.add_subcommand("construct", "build X = [B R | R], W_Q, W_K for a target and certify them");
  construct->add_option("--target", o->target_path, "target A as a Matrix Market coordinate file (real, integer or pattern)")
      ->required();
  add_construction_options(*construct, o->request, o->projection, o->dimension, o->bound, o->max_memory, true);
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
            return run_construct(o->request, o->projection, o->dimension, o->bound, o->max_memory, o->target_path,
                                 o->out_dir, !o->no_weights, o->uniform);
          }};
}

}  // namespace jlattn::cli
