/// \file errors.hpp
/// \brief The one exception type for bad input, so every entry point can turn
/// it into a single clear message and a non-zero exit (docs/contract.md).
#pragma once

#include <stdexcept>
#include <string>

namespace jlattn {

/// Input that violates a documented precondition (a malformed file, a
/// parameter out of range, a target that is not a Definition 1 target ...).
/// The message names the problem; it never ends with a newline.
class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& what) : std::runtime_error(what) {}
};

/// Bad input of one kind: a run that would need more memory than the limit
/// allows, refused before anything large is allocated (memory_guard.hpp).
/// The command line reports it as any InputError; the Python module raises
/// MemoryError instead of ValueError.
class MemoryLimitError : public InputError {
 public:
  explicit MemoryLimitError(const std::string& what) : InputError(what) {}
};

}  // namespace jlattn
