// libFuzzer target for the Matrix Market reader (GitHub issue 7).
//
// Contract under test (src/jlattn/io/matrix_market.hpp): on any bytes,
// read_matrix_market either returns a Definition 1 target or throws
// jlattn::InputError with a one-line message. Anything else is a bug the
// fuzzer reports: another exception type (uncaught, so the process aborts),
// a crash, a sanitizer finding (built with address and undefined), or an
// allocation beyond libFuzzer's -malloc_limit_mb.
//
// On success the target must also survive a round trip through
// write_matrix_market bit for bit, and every row must have a positive entry.
//
// Build and run: tools/fuzz.sh (seed corpus in fuzz/corpus/matrix_market_fuzz).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <optional>
#include <sstream>
#include <string>

#include "jlattn/core/errors.hpp"
#include "jlattn/io/matrix_market.hpp"
#include "target_checks.hpp"

namespace {

[[noreturn]] void bug(const char* what) {
  std::fprintf(stderr, "matrix_market_fuzz: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  std::istringstream in(bytes);
  std::optional<jlattn::Target> read;
  try {
    read.emplace(jlattn::io::read_matrix_market(in, "fuzz.mtx"));
  } catch (const jlattn::InputError& e) {
    const std::string message = e.what();
    if (message.empty() || message.find('\n') != std::string::npos) bug("InputError message is empty or not one line");
    return 0;
  }
  const jlattn::Target& A = *read;

  if (A.L() < 2) bug("accepted a target with L < 2");
  for (std::size_t i = 0; i < A.L(); ++i) {
    bool positive = false;
    for (const double w : A.weights(i)) {
      if (!(w >= 0.0)) bug("accepted a negative or NaN weight");
      positive = positive || w > 0.0;
    }
    if (!positive) bug("accepted a row without a positive entry");
  }

  if (const char* problem = jlattn::fuzz::matrix_market_round_trip_problem(A)) bug(problem);
  return 0;
}
