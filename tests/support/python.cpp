#include "support/python.hpp"

#include <unistd.h>

#include <cstdio>

namespace jlattn::testing {

namespace {

/// A child process whose standard output is read; closed on destruction.
class ReadPipe {
 public:
  explicit ReadPipe(const std::string& command) : file_(::popen(command.c_str(), "r")) {}
  ~ReadPipe() {
    if (file_ != nullptr) ::pclose(file_);
  }
  ReadPipe(const ReadPipe&) = delete;
  ReadPipe& operator=(const ReadPipe&) = delete;

  std::string read_all() {
    std::string output;
    if (file_ == nullptr) return output;
    char buffer[4096];
    std::size_t got = 0;
    while ((got = std::fread(buffer, 1, sizeof buffer, file_)) > 0) output.append(buffer, got);
    return output;
  }

  /// Waits for the child; true if it exited with status 0.
  bool succeeded() {
    if (file_ == nullptr) return false;
    const int status = ::pclose(file_);
    file_ = nullptr;
    return status == 0;
  }

 private:
  FILE* file_;
};

}  // namespace

bool python_has(const std::string& module) {
  if (::access(kPython, X_OK) != 0) return false;
  return run_command(std::string(kPython) + " -c 'import " + module + "' >/dev/null 2>&1").second;
}

std::pair<std::string, bool> run_command(const std::string& command) {
  ReadPipe pipe(command);
  std::string output = pipe.read_all();
  return {std::move(output), pipe.succeeded()};
}

}  // namespace jlattn::testing
