// Running the jlattn binary (the one this build made, JLATTN_CLI) from a test
// and capturing what it printed.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace jlattn::testing {

/// What one run of the jlattn binary left behind.
struct CliRun {
  int exit_code = -1;    ///< the exit status; -1 if it did not exit normally
  std::string out, err;  ///< its standard output (empty if discarded) and error
  long max_rss_kib = 0;  ///< the child's peak resident set (run_jlattn_direct only; 0 otherwise)
};

/// How run_jlattn runs the binary; the defaults run it in the test's working
/// directory and capture both streams.
struct ShellRun {
  std::optional<std::filesystem::path> cwd = std::nullopt;  ///< run in this directory (`cd cwd && jlattn ...`)
  bool capture_stdout = true;                                ///< false: standard output goes to /dev/null
};

/// Runs `jlattn <args>` through the shell (std::system; args are shell
/// words), with standard output and error redirected to the files `stdout`
/// and `stderr` of the existing directory `scratch`, and reads them back.
CliRun run_jlattn(const std::string& args, const std::filesystem::path& scratch, const ShellRun& how = {});

/// Runs jlattn with exactly these arguments, without a shell (posix_spawn),
/// so wait4 reports the child's own peak memory in CliRun::max_rss_kib;
/// standard output and error go to `stdout` and `stderr` in `scratch`.
CliRun run_jlattn_direct(const std::vector<std::string>& args, const std::filesystem::path& scratch);

/// `jlattn <args>` (through run_jlattn) in a scratch directory of its own
/// under the temporary directory, removed afterwards.
CliRun jlattn_cli(const std::string& args);

}  // namespace jlattn::testing
