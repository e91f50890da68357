// jlattn: the command line of the reference implementation.
//
// Subcommands mirror the uses of the project, one file each (commands.hpp).
// This file owns parsing, the single-line error report and the exit codes.

#include <CLI/CLI.hpp>
#include <algorithm>
#include <exception>
#include <functional>
#include <iostream>
#include <new>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "jlattn/core/decimal.hpp"
#include "jlattn/core/errors.hpp"
#include "jlattn/core/format.hpp"

namespace jlattn::cli {

const char* const kExitCodesHelp =
    "Exit codes: 0 done (certified / approximates); 3 done, negative verdict (refuted / does not approximate); "
    "4 undecided (a stated resource limit was hit); 2 bad input or usage; 1 internal error.";

const char* const kDimensionHelp =
    "query/key dimension: auto (the smallest dimension proved for the projection and this target: for Gaussian R "
    "Theorem 3's d_chernoff of the target included), a proved bound by name (theorems12: the smallest of Theorems "
    "1, 1' and 2; dstar: Theorem 1's d*; exact: d*_exact, Gaussian; pair: d_pair, Gaussian; polar: d_polar; "
    "chernoff: Theorem 3's d_chernoff for this target, Gaussian), trivial (d = L, X = [B | I]) or an integer N";

const char* const kGapDeltaHelp =
    "Lemma 1's gap Delta >= ln(1/gamma) + eps (default: that value rounded up to a double); B, every bound, tau_u and d use it. A larger gap "
    "raises the input norms; d_chernoff falls with it for k = 1 and has a minimum in Delta for k >= 2 "
    "(proofs/chernoff-bound.md, the gap Delta; `jlattn bound --gap-Delta-sweep`)";

const char* const kTargetFileHelp =
    "target A: a Matrix Market file (coordinate or array; real, integer or pattern; general or symmetric), "
    "a dense L x L .npy array, or a SciPy sparse .npz (scipy.sparse.save_npz: csr, csc or coo)";

void add_max_memory_option(CLI::App& app, std::string& max_memory) {
  app.add_option("--max-memory", max_memory,
                 "refuse, before allocating, a run estimated to need more memory than this (bytes, or with a K, M, G "
                 "or T suffix, e.g. 2G; default: the memory available now)");
}

CLI::Option* add_text_option(CLI::App& app, const std::string& name, std::function<void(const std::string&)> read,
                             std::function<std::string()> shown_default, const std::string& type_name,
                             const std::string& description) {
  CLI::Option* option = app.add_option(
      name,
      [read = std::move(read)](const CLI::results_t& results) {
        if (results.size() != 1) return false;
        read(results.front());
        return true;
      },
      description, false, std::move(shown_default));
  option->type_name(type_name);
  option->type_size(1);
  option->expected(1);
  return option;
}

CLI::Option* add_real_option(CLI::App& app, const std::string& name, double& value, const std::string& description) {
  return add_text_option(
      app, name, [&value, name](const std::string& text) { value = jlattn::parse_real(text, name); },
      [&value] { return jlattn::format_shortest(value); }, "FLOAT", description);
}

int exit_code(jlattn::Verdict verdict) {
  switch (verdict) {
    case jlattn::Verdict::certified: return kExitOk;
    case jlattn::Verdict::refuted: return kExitNegative;
    case jlattn::Verdict::undecided: return kExitUndecided;
  }
  return kExitInternal;
}

std::string lower_bound_text(const jlattn::LowerBoundAtNorms& lower, bool scaled) {
  const jlattn::DimensionLowerBound& b = lower.d_lower;
  const jlattn::ScoreNorms& norms = lower.norms;
  if (!norms.computed || !b.computed) return "d_lower " + (norms.computed ? b.method : norms.note);
  const std::string scale = scaled ? " / sqrt(d)" : "";
  const std::string at = " at these matrices' norms, N = " + format_upper(norms.product, 6) +
                         " >= max ||x_i W_Q|| x max ||x_j W_K||" + scale + " (<= " + format_upper(norms.query, 6) +
                         " x " + format_upper(norms.key, 6) + scale + ")";
  return (b.infeasible ? "no d at all" : "d_lower = " + std::to_string(b.d)) + at +
         " (proved: no input within N serves a permutation pattern of L tokens in fewer dimensions)";
}

}  // namespace jlattn::cli

int main(int argc, char** argv) {
  using namespace jlattn::cli;
  CLI::App app{"jlattn: fixed W_Q, W_K with d = O(log L) approximate every sparse attention pattern "
               "(Likhosherstov, Choromanski & Weller, arXiv 2106.03764), step by step."};
  app.set_version_flag("--version", std::string("jlattn ") + JLATTN_VERSION);
  app.footer(kExitCodesHelp);
  app.require_subcommand(1);
  const std::vector<Command> commands = {add_demo_command(app), add_construct_command(app), add_certify_command(app),
                                         add_certify_projection_command(app),
                                         add_bound_command(app),
                                         add_explain_command(app), add_audit_command(app),
                                         add_audit_merge_command(app)};

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version print and succeed; a usage error is one line on
    // stderr with exit 2, like any other bad input (docs/bad-input.md).
    if (e.get_exit_code() == 0) return app.exit(e) == 0 ? kExitOk : kExitBadInput;
    std::string message = e.what();
    std::replace(message.begin(), message.end(), '\n', ' ');
    std::cerr << "jlattn: error: " << message << " (--help lists the options)\n";
    return kExitBadInput;
  } catch (const jlattn::InputError& e) {  // an option's value, read while parsing (add_text_option)
    std::cerr << "jlattn: error: " << e.what() << "\n";
    return kExitBadInput;
  }

  try {
    for (const Command& command : commands)
      if (command.app->parsed()) return command.run();
    return kExitInternal;
  } catch (const jlattn::InputError& e) {
    std::cerr << "jlattn: error: " << e.what() << "\n";
    return kExitBadInput;
  } catch (const std::bad_alloc&) {
    std::cerr << "jlattn: error: out of memory (try a smaller --d)\n";
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::cerr << "jlattn: internal error: " << e.what() << "\n";
    return kExitInternal;
  }
}
