// jlattn: the command line of the reference implementation.
//
// Subcommands mirror the uses of the project, one file each (commands.hpp).
// This file owns parsing, the single-line error report and the exit codes.

#include <CLI/CLI.hpp>
#include <algorithm>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <new>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "jlattn/core/errors.hpp"

namespace jlattn::cli {

const char* const kExitCodesHelp =
    "Exit codes: 0 done (certified / approximates); 3 done, negative verdict (refuted / does not approximate); "
    "4 undecided (a stated resource limit was hit); 2 bad input or usage; 1 internal error.";

const char* const kDimensionHelp =
    "query/key dimension: auto (the smallest dimension proved for the projection), a proved bound by name "
    "(dstar: Theorem 1's d*; exact: d*_exact, Gaussian; pair: d_pair, Gaussian; polar: d_polar), "
    "trivial (d = L, X = [B | I]) or an integer N";

const char* const kTargetFileHelp =
    "target A: a Matrix Market file (coordinate or array; real, integer or pattern; general or symmetric), "
    "a dense L x L .npy array, or a SciPy sparse .npz (scipy.sparse.save_npz: csr, csc or coo)";

std::string num(double x, int digits) {
  char buffer[128];
  std::snprintf(buffer, sizeof buffer, "%.*g", std::clamp(digits, 1, 80), x);
  return buffer;
}

void add_max_memory_option(CLI::App& app, std::string& max_memory) {
  app.add_option("--max-memory", max_memory,
                 "refuse, before allocating, a run estimated to need more memory than this (bytes, or with a K, M, G "
                 "or T suffix, e.g. 2G; default: the memory available now)");
}

namespace {

// The shortest decimal with `digits` digits on the requested side of x: the
// decimal is read back and nudged outward until it lies strictly beyond x.
std::string directed(double x, int digits, double direction) {
  if (!std::isfinite(x)) return num(x, digits);
  // %g drops trailing zeros, so fewer than 60 significant digits at
  // precision 60 means the decimal is x exactly (glibc prints exact digits).
  const std::string exact = num(x, 60);
  if (std::count_if(exact.begin(), exact.end(), [](char c) { return c >= '0' && c <= '9'; }) <= digits + 1 &&
      exact.find('e') == std::string::npos)
    return exact;
  double y = x;
  for (int step = 0; step < 64; ++step) {
    const std::string s = num(y, digits);
    const double back = std::strtod(s.c_str(), nullptr);
    if (direction > 0 ? back > x : back < x) return s;
    y = std::nextafter(y + direction * std::abs(y) * std::pow(10.0, -digits), direction * HUGE_VAL);
  }
  return num(x, 17);  // exact round trip
}

}  // namespace

int exit_code(jlattn::Verdict verdict) {
  switch (verdict) {
    case jlattn::Verdict::certified: return kExitOk;
    case jlattn::Verdict::refuted: return kExitNegative;
    case jlattn::Verdict::undecided: return kExitUndecided;
  }
  return kExitInternal;
}

std::string num_up(double x, int digits) { return directed(x, digits, 1.0); }
std::string num_down(double x, int digits) { return directed(x, digits, -1.0); }

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
