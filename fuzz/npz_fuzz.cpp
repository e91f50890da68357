// libFuzzer target for the SciPy .npz reader's own checks (GitHub issue 14).
//
// Mutating an archive's bytes mostly breaks its CRC-32s, so the fuzzer would
// rarely get past the zip layer (target_file_fuzz covers that layer). Here the
// input is a list of members instead, and a valid archive is built around
// them (tests/support/zip_writer, the tests' own writer), so the mutations
// reach the .npy headers, the shapes, the index arrays and the values:
//
//   repeated: 1 byte: the member's name, an index into kNames (modulo)
//             2 bytes: its length n (little-endian)
//             n bytes: its content (fewer if the input ends)
//
// Contract under test (src/jlattn/io/npz.hpp): read_npz_target either returns
// a Definition 1 target or throws jlattn::InputError with a one-line message;
// a crash, a sanitizer finding, another exception or an allocation beyond
// -malloc_limit_mb (the reader runs under a 64 MiB memory limit) is a bug.
// The same members stored and deflated must give the same target or the
// same message (the zip reader's two paths must not change what npz sees).
//
// Build and run: tools/fuzz.sh (seed corpus in fuzz/corpus/npz_fuzz).

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "jlattn/core/errors.hpp"
#include "jlattn/io/npz.hpp"
#include "target_checks.hpp"
#include "support/zip_writer.hpp"

namespace {

constexpr std::size_t kMaxBytes = std::size_t{64} << 20;
constexpr std::array<const char*, 10> kNames = {"format.npy", "shape.npy", "data.npy",   "indices.npy",   "indptr.npy",
                                                "row.npy",    "col.npy",   "coords.npy", "_is_array.npy", "other.npy"};

[[noreturn]] void bug(const char* what) {
  std::fprintf(stderr, "npz_fuzz: %s\n", what);
  std::abort();
}

std::variant<jlattn::Target, std::string> read(const std::string& archive) {
  std::istringstream in(archive);
  try {
    return jlattn::io::read_npz_target(in, "fuzz.npz", kMaxBytes);
  } catch (const jlattn::InputError& e) {
    std::string message = e.what();
    if (message.empty() || message.find('\n') != std::string::npos) bug("InputError message is empty or not one line");
    return message;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<jlattn::testing::ZipInput> members;
  for (std::size_t at = 0; at + 3 <= size;) {
    const std::string name = kNames[data[at] % kNames.size()];
    const std::size_t length = std::min<std::size_t>(data[at + 1] | (data[at + 2] << 8), size - at - 3);
    members.push_back({name, std::string(reinterpret_cast<const char*>(data + at + 3), length), false, ""});
    at += 3 + length;
  }
  if (members.empty()) return 0;
  const auto stored = read(jlattn::testing::build_zip(members).bytes);
  for (auto& m : members) m.deflate = true;
  const auto deflated = read(jlattn::testing::build_zip(members).bytes);
  if (stored.index() != deflated.index()) bug("stored and deflated members disagree on acceptance");
  if (const auto* message = std::get_if<std::string>(&stored)) {
    // A repeated name is the zip layer's refusal, the same for both.
    if (*message != std::get<std::string>(deflated)) bug("stored and deflated members give different messages");
    return 0;
  }
  const jlattn::Target& A = std::get<jlattn::Target>(stored);
  const jlattn::Target& B = std::get<jlattn::Target>(deflated);
  if (!jlattn::fuzz::same_target(A, B)) bug("stored and deflated members give different targets");
  for (std::size_t i = 0; i < A.L(); ++i)
    if (A.k_i(i) == 0) bug("accepted a row without a positive entry");
  return 0;
}
