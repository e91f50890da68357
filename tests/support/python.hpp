// Running Debian's Python (/usr/bin/python3, with numpy and scipy) from a
// test, for cross-checks against the libraries researchers use. Tests skip
// with a message when it or a module is missing.
#pragma once

#include <string>
#include <utility>

namespace jlattn::testing {

/// Debian's interpreter: the one with numpy and scipy (the python3 on PATH may lack them).
inline constexpr const char* kPython = "/usr/bin/python3";

/// True when kPython runs and can import `module` (e.g. "numpy", "scipy.sparse").
bool python_has(const std::string& module);

/// Standard output of a shell command, and whether it exited with status 0.
std::pair<std::string, bool> run_command(const std::string& command);

}  // namespace jlattn::testing
