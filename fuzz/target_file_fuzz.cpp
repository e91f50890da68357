// libFuzzer target for the one entry point of target files (GitHub issue 14):
// io::read_target, which sends bytes to the Matrix Market reader, the dense
// .npy target reader or the SciPy .npz reader (and so the zip reader), by
// their first bytes.
//
// Contract under test (src/jlattn/io/target_file.hpp): on any bytes,
// read_target either returns a Definition 1 target or throws
// jlattn::InputError with a one-line message. Anything else is a bug the
// fuzzer reports: another exception type (uncaught, so the process aborts),
// a crash, a sanitizer finding, or an allocation beyond -malloc_limit_mb (the
// readers run under a 64 MiB memory limit, and a deflated member cannot
// declare more than 1032 bytes per byte).
//
// Each input is read twice, from a seekable stream and from one that cannot
// seek (read whole first, as from a pipe): both must give the same target or
// the same message. When the bytes are a zip archive, every member is also
// read through the zip reader directly. An accepted target survives
// write_matrix_market and a second read bit for bit.
//
// Build and run: tools/fuzz.sh (seed corpus in fuzz/corpus/target_file_fuzz).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <istream>
#include <sstream>
#include <streambuf>
#include <string>
#include <variant>

#include "jlattn/core/errors.hpp"
#include "jlattn/io/target_file.hpp"
#include "jlattn/io/zip.hpp"
#include "target_checks.hpp"

namespace {

constexpr std::size_t kMaxBytes = std::size_t{64} << 20;

[[noreturn]] void bug(const char* what) {
  std::fprintf(stderr, "target_file_fuzz: %s\n", what);
  std::abort();
}

std::string one_line(const jlattn::InputError& e) {
  std::string message = e.what();
  if (message.empty() || message.find('\n') != std::string::npos) bug("InputError message is empty or not one line");
  return message;
}

/// The target, or the message of the refusal.
std::variant<jlattn::Target, std::string> read(std::istream& in) {
  try {
    return jlattn::io::read_target(in, "fuzz.target", kMaxBytes);
  } catch (const jlattn::InputError& e) {
    return one_line(e);
  }
}

using jlattn::fuzz::same_target;
using jlattn::fuzz::UnseekableBuffer;

/// Every member of an archive through the zip reader alone.
void read_members(const std::string& bytes) {
  std::istringstream in(bytes);
  try {
    const jlattn::io::ZipArchive archive(in, "fuzz.zip");
    for (const jlattn::io::ZipMember& m : archive.members()) {
      jlattn::io::ZipMemberReader reader(archive, m);
      char chunk[4096];
      std::uint64_t total = 0;
      while (reader.stream().read(chunk, sizeof chunk) || reader.stream().gcount() > 0)
        total += static_cast<std::uint64_t>(reader.stream().gcount());
      if (total != m.uncompressed_size) bug("a member yielded another number of bytes than it declares");
      reader.finish();
    }
  } catch (const jlattn::InputError& e) {
    one_line(e);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  std::istringstream seekable(bytes);
  const auto first = read(seekable);
  UnseekableBuffer buffer(data, size);
  std::istream pipe(&buffer);
  const auto second = read(pipe);
  if (first.index() != second.index()) bug("a seekable stream and a pipe disagree on acceptance");
  if (bytes.starts_with("PK")) read_members(bytes);

  if (const auto* message = std::get_if<std::string>(&first)) {
    if (*message != std::get<std::string>(second)) bug("a seekable stream and a pipe give different messages");
    return 0;
  }
  const jlattn::Target& A = std::get<jlattn::Target>(first);
  if (!same_target(A, std::get<jlattn::Target>(second))) bug("a seekable stream and a pipe give different targets");
  if (A.L() < 2) bug("accepted a target with L < 2");
  for (std::size_t i = 0; i < A.L(); ++i) {
    if (A.k_i(i) == 0) bug("accepted a row without a positive entry");
    for (const double w : A.weights(i))
      if (!(w > 0.0) || w > 1.7976931348623157e308) bug("accepted a weight that is not finite and positive");
  }
  if (const char* problem = jlattn::fuzz::matrix_market_round_trip_problem(A)) bug(problem);
  return 0;
}
