// The subcommands of `jlattn`, one file each. A subcommand registers its
// options on the root app and returns how to run it once parsed; main.cpp
// owns parsing, error reporting and exit codes.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <type_traits>

#include "jlattn/certify/certificate.hpp"
#include "jlattn/core/decimal.hpp"
#include "jlattn/pipeline/construction.hpp"

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

/// The help of `--gap-Delta`, the same in every subcommand that constructs
/// and in `certify-projection` (check_gap_Delta in
/// src/jlattn/bounds/rigorous_bounds.hpp checks the value).
extern const char* const kGapDeltaHelp;

/// The lower bound d_lower at the norms of given matrices, in one line of a
/// summary: the integer, the budget N and the two norms (N carries a factor
/// 1/sqrt(d) for `scaled` scores), or why it is missing.
std::string lower_bound_text(const jlattn::LowerBoundAtNorms& at, bool scaled);

/// The exit code of a verdict: certified 0, refuted 3, undecided 4.
int exit_code(jlattn::Verdict verdict);

/// Registers `--max-memory SIZE` (bytes, optional K/M/G/T suffix;
/// memory_guard.hpp) on a subcommand; the text is parsed when the command runs.
void add_max_memory_option(CLI::App& app, std::string& max_memory);

/// Registers an option whose one value CLI11 keeps as text and hands to
/// `read` (which throws jlattn::InputError on bad text; main reports it);
/// `shown_default` gives the default that --help shows (capture_default_str).
/// No number ever goes through CLI11's own conversion: its floating-point
/// path rounds twice (strtold, then a cast) and its integer path accepts
/// octal, hexadecimal, signs and out-of-range values.
CLI::Option* add_text_option(CLI::App& app, const std::string& name, std::function<void(const std::string&)> read,
                             std::function<std::string()> shown_default, const std::string& type_name,
                             const std::string& description);

/// Registers a real-valued option read by jlattn::parse_real: `value` becomes
/// the double nearest to the typed decimal (decimal.hpp).
CLI::Option* add_real_option(CLI::App& app, const std::string& name, double& value, const std::string& description);

/// Registers a non-negative integer option read by jlattn::parse_count:
/// decimal digits only, at most the largest value of T.
template <typename T>
CLI::Option* add_count_option(CLI::App& app, const std::string& name, T& value, const std::string& description) {
  static_assert(std::is_unsigned_v<T> && sizeof(T) <= sizeof(std::uint64_t));
  return add_text_option(
      app, name,
      [&value, name](const std::string& text) {
        value = static_cast<T>(jlattn::parse_count(text, name, std::numeric_limits<T>::max()));
      },
      [&value] { return std::to_string(value); }, "UINT", description);
}

Command add_demo_command(CLI::App& root);
Command add_construct_command(CLI::App& root);
Command add_certify_command(CLI::App& root);
Command add_certify_projection_command(CLI::App& root);
Command add_bound_command(CLI::App& root);
Command add_explain_command(CLI::App& root);
Command add_audit_command(CLI::App& root);
Command add_audit_merge_command(CLI::App& root);

}  // namespace jlattn::cli
