// libFuzzer target for the .npy reader (GitHub issue 7).
//
// Contract under test (src/jlattn/io/npy.hpp): on any bytes, read_npy either
// returns a 2-D float64 matrix or throws jlattn::InputError with a one-line
// message. Anything else is a bug the fuzzer reports: another exception type
// (uncaught, so the process aborts), a crash, a sanitizer finding (built with
// address and undefined), or an allocation beyond libFuzzer's
// -malloc_limit_mb (a header promising a huge shape must fail as truncated
// before allocating).
//
// Each input is read twice, from a seekable stream and from one that cannot
// seek (the reader's two code paths, as for a file and a pipe); both must
// accept with the same bits or both refuse. An accepted matrix must survive
// write_npy and read_npy bit for bit.
//
// Build and run: tools/fuzz.sh (seed corpus in fuzz/corpus/npy_fuzz).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <istream>
#include <optional>
#include <sstream>
#include <streambuf>
#include <string>

#include "jlattn/core/errors.hpp"
#include "jlattn/io/npy.hpp"
#include "target_checks.hpp"

namespace {

[[noreturn]] void bug(const char* what) {
  std::fprintf(stderr, "npy_fuzz: %s\n", what);
  std::abort();
}

using jlattn::fuzz::UnseekableBuffer;

std::optional<jlattn::Matrix> read(std::istream& in, const char* name) {
  try {
    return jlattn::io::read_npy(in, name);
  } catch (const jlattn::InputError& e) {
    const std::string message = e.what();
    if (message.empty() || message.find('\n') != std::string::npos) bug("InputError message is empty or not one line");
    return std::nullopt;
  }
}

bool bit_equal(const jlattn::Matrix& a, const jlattn::Matrix& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         (a.size() == 0 || std::memcmp(a.data(), b.data(), static_cast<std::size_t>(a.size()) * sizeof(double)) == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream seekable(std::string(reinterpret_cast<const char*>(data), size));
  const std::optional<jlattn::Matrix> from_file = read(seekable, "fuzz.npy");

  UnseekableBuffer buffer(data, size);
  std::istream pipe(&buffer);
  const std::optional<jlattn::Matrix> from_pipe = read(pipe, "fuzz.npy");

  if (from_file.has_value() != from_pipe.has_value()) bug("seekable and unseekable streams disagree on acceptance");
  if (!from_file) return 0;
  if (!bit_equal(*from_file, *from_pipe)) bug("seekable and unseekable streams read different bits");

  std::ostringstream out;
  jlattn::io::write_npy(out, *from_file);
  std::istringstream again(out.str());
  const std::optional<jlattn::Matrix> round_trip = read(again, "round-trip.npy");
  if (!round_trip) bug("what write_npy wrote does not read back");
  if (!bit_equal(*from_file, *round_trip)) bug("round trip changed the bits");
  return 0;
}
