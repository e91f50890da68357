#include "support/cli.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include "support/files.hpp"

extern char** environ;

namespace jlattn::testing {

CliRun run_jlattn(const std::string& args, const std::filesystem::path& scratch, const ShellRun& how) {
  const auto quoted = [](const std::filesystem::path& p) {
    std::string q(1, '\'');  // (appending, not "'" + s: GCC 12's -Wrestrict false positive)
    q += p.string();
    q += '\'';
    return q;
  };
  std::string command;
  if (how.cwd) command = "cd " + quoted(*how.cwd) + " && ";
  command += std::string(JLATTN_CLI) + " " + args;
  command += " >" + (how.capture_stdout ? quoted(scratch / "stdout") : std::string("/dev/null"));
  command += " 2>" + quoted(scratch / "stderr");
  const int status = std::system(command.c_str());
  CliRun r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (how.capture_stdout) r.out = slurp(scratch / "stdout");
  r.err = slurp(scratch / "stderr");
  return r;
}

CliRun run_jlattn_direct(const std::vector<std::string>& args, const std::filesystem::path& scratch) {
  std::vector<std::string> argv_strings = {JLATTN_CLI};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  const std::string out_path = (scratch / "stdout").string(), err_path = (scratch / "stderr").string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = 0;
  CliRun r;
  if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) == 0) {
    int status = 0;
    struct rusage usage {};
    if (::wait4(pid, &status, 0, &usage) == pid) {
      r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      r.max_rss_kib = usage.ru_maxrss;
    }
  }
  posix_spawn_file_actions_destroy(&actions);
  r.out = slurp(out_path);
  r.err = slurp(err_path);
  return r;
}

CliRun jlattn_cli(const std::string& args) {
  const auto dir = std::filesystem::temp_directory_path() / ("jlattn_cli_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  CliRun r = run_jlattn(args, dir);
  std::filesystem::remove_all(dir);
  return r;
}

}  // namespace jlattn::testing
