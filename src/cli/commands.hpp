// The subcommands of `jlattn`, one file each. A subcommand registers its
// options on the root app and returns how to run it once parsed; main.cpp
// owns parsing, error reporting and exit codes.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "jlattn/certify/certificate.hpp"

namespace jlattn::cli {

/// Exit codes shared by every subcommand (also printed by --help).
enum ExitCode : int {
  kExitOk = 0,           ///< done; for a verdict: certified / approximates
  kExitInternal = 1,     ///< a bug: please report it
  kExitBadInput = 2,     ///< bad input or usage: one line names the problem
  kExitNegative = 3,     ///< done, and the verdict is negative (fails / refuted)
  kExitUndecided = 4,    ///< done, but a stated resource limit left it undecided
};

/// The --help footer that lists the exit codes.
extern const char* const kExitCodesHelp;

/// The --help text of `--target` (every subcommand reads it with
/// io::read_target_file: Matrix Market, .npy or .npz).
extern const char* const kTargetFileHelp;

/// A registered subcommand: its CLI11 app and the action to run when parsed.
struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

/// The help of `--d`, the same in every subcommand that constructs
/// (parse_dimension in src/jlattn/pipeline/parameters.hpp parses it).
extern const char* const kDimensionHelp;

/// The exit code of a verdict: certified 0, refuted 3, undecided 4.
int exit_code(jlattn::Verdict verdict);

/// Formats a double with `digits` significant digits.
std::string num(double x, int digits = 6);
/// Formats a double as a decimal that is >= x (num_up) or <= x (num_down),
/// with about `digits` significant digits: printed bounds stay bounds.
std::string num_up(double x, int digits = 9);
std::string num_down(double x, int digits = 9);

/// Registers `--max-memory SIZE` (bytes, optional K/M/G/T suffix;
/// memory_guard.hpp) on a subcommand; the text is parsed when the command runs.
void add_max_memory_option(CLI::App& app, std::string& max_memory);

Command add_demo_command(CLI::App& root);
Command add_construct_command(CLI::App& root);
Command add_certify_command(CLI::App& root);
Command add_certify_projection_command(CLI::App& root);
Command add_bound_command(CLI::App& root);
Command add_explain_command(CLI::App& root);
Command add_audit_command(CLI::App& root);
Command add_audit_merge_command(CLI::App& root);

}  // namespace jlattn::cli
