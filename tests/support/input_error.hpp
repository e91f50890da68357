// Catching the one kind of error the library reports for bad input.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "jlattn/core/errors.hpp"

namespace jlattn::testing {

/// The message of the jlattn::InputError that f throws; a test failure (and an
/// empty string) if it throws nothing or something else.
template <typename F>
std::string input_error_message(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  } catch (...) {
    ADD_FAILURE() << "threw something other than jlattn::InputError";
    return {};
  }
  ADD_FAILURE() << "did not throw jlattn::InputError";
  return {};
}

}  // namespace jlattn::testing
