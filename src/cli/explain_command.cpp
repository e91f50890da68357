// `jlattn explain`: a generated walkthrough of the proof on one small target,
// with its real numbers, as Markdown or HTML (src/jlattn/explain/explain.hpp).

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include "cli/commands.hpp"
#include "jlattn/pipeline/construction.hpp"
#include "jlattn/core/errors.hpp"
#include "jlattn/core/format.hpp"
#include "jlattn/explain/explain.hpp"
#include "jlattn/io/target_file.hpp"
#include "jlattn/pipeline/memory_guard.hpp"

namespace jlattn::cli {

namespace {

namespace fs = std::filesystem;

constexpr const char* kDefaultMathJax = "file:///usr/share/javascript/mathjax/MathJax.js";

// Quotes a command-line argument for a POSIX shell when it needs it.
std::string shell_word(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:=+,@%") ==
                        std::string::npos)
    return s;
  std::string out = "'";
  for (char ch : s) out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return out + "'";
}

// The proofs/ directory of a source tree at or above `start`, if any.
std::optional<fs::path> proofs_above(fs::path start) {
  std::error_code ec;
  start = fs::weakly_canonical(start, ec);
  if (ec) return std::nullopt;
  for (fs::path dir = start; !dir.empty(); dir = dir.parent_path()) {
    if (fs::is_regular_file(dir / "proofs" / "README.md", ec)) return dir / "proofs";
    if (dir == dir.root_path()) break;
  }
  return std::nullopt;
}

// Link prefix from the output file to the proof pages: --proofs as given
// (a URL verbatim, a directory made relative to the output), else the
// proofs/ of the source tree above the output, the working directory or
// this executable.
std::string proofs_prefix(const std::string& given, const fs::path& out) {
  const fs::path out_dir = fs::absolute(out).parent_path();
  if (given.find("://") != std::string::npos) return given.back() == '/' ? given : given + "/";
  std::optional<fs::path> proofs;
  if (!given.empty()) {
    if (!fs::is_directory(given)) throw InputError("--proofs: " + given + " is not a directory");
    proofs = fs::weakly_canonical(fs::absolute(given));
  }
  if (!proofs) proofs = proofs_above(out_dir);
  if (!proofs) proofs = proofs_above(fs::current_path());
  if (!proofs) {
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) proofs = proofs_above(self.parent_path());
  }
  if (!proofs) {
    std::cerr << "jlattn explain: note: no proofs/ directory found; links point at proofs/ next to the output "
                 "(pass --proofs DIR or URL)\n";
    return "proofs/";
  }
  const fs::path relative = proofs->lexically_relative(fs::weakly_canonical(out_dir));
  return (relative.empty() ? proofs->generic_string() : relative.generic_string()) + "/";
}

struct Options {
  ConstructionParameters parameters;
  ResourcePolicy policy;
  // The walkthrough follows Theorem 1's proof, so its d is Theorem 1's d* unless --d says otherwise.
  std::string projection = "gaussian", dimension = "dstar", target_path, out, proofs, mathjax = kDefaultMathJax;
  std::size_t demo_L = 0;
  double gap_Delta = 0.0;
  CLI::Option* gap = nullptr;
};

// " --gap-Delta X" when one was given, for the commands the page prints.
std::string gap_argument(const Options& o) {
  return o.parameters.gap_Delta ? " --gap-Delta " + format_shortest(*o.parameters.gap_Delta) : "";
}

std::string regenerate_command(const Options& o) {
  std::string command = "jlattn explain";
  if (!o.target_path.empty()) command += " --target " + shell_word(o.target_path);
  else command += " --demo " + std::to_string(o.demo_L);
  command += " --eps " + format_shortest(o.parameters.eps) + " --gamma " + format_shortest(o.parameters.gamma) + " --delta " +
             format_shortest(o.parameters.delta) + " --seed " + std::to_string(o.parameters.seed) + " --d " + shell_word(o.dimension) +
             " --projection " + shell_word(o.projection) + gap_argument(o);
  if (!o.proofs.empty()) command += " --proofs " + shell_word(o.proofs);
  if (o.mathjax != kDefaultMathJax) command += " --mathjax " + shell_word(o.mathjax);
  return command + " --out " + shell_word(o.out);
}

// Which d the walkthrough used, when it has a name: " = d*", " = d_pair", ...
std::string dimension_name(const Construction& c) {
  if (!c.bound_label.empty()) return " = " + c.bound_label;
  return c.d == c.d_star && !c.trivial ? " = d*" : "";
}

// Rebuilds the walkthrough's X with `construct` (or `demo`) at the d it used
// and certifies it, so a reader can check the certificate section.
std::string check_command(const Options& o, const Construction& c) {
  const std::string d = c.trivial ? "trivial" : std::to_string(c.d);
  const std::string common = " --eps " + format_shortest(o.parameters.eps) + " --gamma " + format_shortest(o.parameters.gamma);
  const std::string draw = " --delta " + format_shortest(o.parameters.delta) + " --seed " + std::to_string(o.parameters.seed) +
                           " --d " + d + " --projection " + shell_word(o.projection) + gap_argument(o);
  if (o.target_path.empty()) return "jlattn demo --L " + std::to_string(o.demo_L) + common + draw;
  const std::string target = shell_word(o.target_path);
  return "jlattn construct --target " + target + common + draw + " --no-weights --out explain-check/\n"
         "jlattn certify --target " + target + " --x explain-check/X.npy --lemma4" + common;
}

int run_explain(Options o) {
  const bool has_target = !o.target_path.empty();
  if (has_target == (o.demo_L != 0)) throw InputError("explain needs exactly one of --target A.mtx and --demo L");
  const fs::path out(o.out);
  const std::string extension = out.extension().string();
  const bool html = extension == ".html" || extension == ".htm";
  if (!html && extension != ".md") throw InputError("--out must end in .md (Markdown) or .html, got '" + o.out + "'");

  o.parameters.projection = parse_projection(o.projection);
  parse_dimension(o.dimension, "auto", o.parameters);
  if (o.gap->count() > 0) o.parameters.gap_Delta = o.gap_Delta;  // checked by the library (validate)
  // No --max-memory here: what is available bounds what a .npz may inflate to.
  const Target A = has_target ? io::read_target_file(o.target_path, memory_limit_bytes(0))
                              : window_global_target(o.demo_L, o.parameters.seed);

  WalkthroughOptions options;
  options.target_name = has_target ? "`" + o.target_path + "`"
                                   : "the built-in demo target (L = " + std::to_string(o.demo_L) +
                                         ": a window of width 3 and a global token)";
  options.command = regenerate_command(o);
  options.proofs_prefix = proofs_prefix(o.proofs, out);
  options.mathjax_url = o.mathjax;
  if (html && o.mathjax.rfind("file://", 0) == 0 && !fs::is_regular_file(o.mathjax.substr(7)))
    std::cerr << "jlattn explain: note: " << o.mathjax.substr(7)
              << " does not exist, so the formulas will show as TeX; install Debian's libjs-mathjax or pass --mathjax\n";

  const Walkthrough w = explain(A, o.parameters, o.policy);
  options.check_command = check_command(o, w.construction);
  const std::string text = html ? walkthrough_html(w, options) : walkthrough_markdown(w, options);

  // Write next to the destination, then rename: never a half-written page.
  const fs::path staging = out.string() + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream file(staging, std::ios::binary);
    if (!(file << text) || !file.flush()) {
      std::error_code ignored;
      fs::remove(staging, ignored);
      throw InputError("cannot write " + staging.string());
    }
  }
  std::error_code ec;
  fs::rename(staging, out, ec);
  if (ec) {
    fs::remove(staging, ec);
    throw InputError("cannot write " + o.out);
  }
  const Construction& c = w.construction;
  std::cout << "jlattn explain: " << (has_target ? o.target_path : "demo target") << " -> " << o.out << " (L = " << c.L
            << ", d = " << c.d << dimension_name(c) << "; "
            << "certificate: " << to_string(w.verdict.certificate.verdict) << ")\n";
  return kExitOk;
}

}  // namespace

Command add_explain_command(CLI::App& root) {
  auto o = std::make_shared<Options>();
  CLI::App* explain = root.add_subcommand(
      "explain", "write a walkthrough of the proof on one small target (L <= 32) with its real numbers (.md or .html)");
  auto* target = explain->add_option("--target", o->target_path, kTargetFileHelp);
  auto* demo = add_count_option(*explain, "--demo", o->demo_L,
                                   "use the built-in demo target (window of width 3 + a global token) with L tokens");
  target->excludes(demo);
  add_real_option(*explain, "--eps", o->parameters.eps, "ratio tolerance eps > 0 (Definition 2, R1)")->capture_default_str();
  add_real_option(*explain, "--gamma", o->parameters.gamma, "off-support ratio bound gamma in (0, 1) (Definition 2, R2)")
      ->capture_default_str();
  add_real_option(*explain, "--delta", o->parameters.delta, "failure probability delta in (0, 1) of Theorem 1")
      ->capture_default_str();
  explain->add_option("--d", o->dimension,
                      std::string(kDimensionHelp) + "; the default follows Theorem 1's proof, and a small N keeps R "
                                                    "readable")
      ->capture_default_str();
  o->gap = add_real_option(*explain, "--gap-Delta", o->gap_Delta, kGapDeltaHelp);
  explain->add_option("--projection", o->projection, "entry law of R (Lemma 3): gaussian, rademacher or achlioptas")
      ->capture_default_str();
  add_count_option(*explain, "--seed", o->parameters.seed, "seed of the counter-based generator (same seed, same bits)")
      ->capture_default_str();
  explain->add_option("--out", o->out, "the walkthrough: FILE.md (GitHub-style math) or FILE.html (local MathJax)")
      ->required();
  explain->add_option("--proofs", o->proofs,
                      "proofs/ directory or URL the section links point at (default: the source tree's proofs/)");
  explain->add_option("--mathjax", o->mathjax, "MathJax 2 script the HTML loads (default: Debian's libjs-mathjax)")
      ->capture_default_str();
  explain->footer("Exit codes: 0 written (whatever the verdict in it); 2 bad input or usage (e.g. L > 32); "
                  "1 internal error.");
  return {explain, [o] { return run_explain(*o); }};
}

}  // namespace jlattn::cli
