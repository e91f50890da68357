// Runs a libFuzzer target on files without libFuzzer, so the seed corpora are
// a regression test of every build (ctest: fuzz_corpus_<target>), with g++,
// in the Release pass and under the sanitizers (tools/test-sanitizers.sh).
//
//   <target>_replay FILE_OR_DIRECTORY...
//
// Each file is passed once to LLVMFuzzerTestOneInput; a bug aborts, as under
// libFuzzer. Prints how many inputs ran.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  for (int n = 1; n < argc; ++n) {
    if (fs::is_directory(argv[n])) {
      for (const auto& entry : fs::directory_iterator(argv[n]))
        if (entry.is_regular_file()) files.push_back(entry.path());
    } else {
      files.emplace_back(argv[n]);
    }
  }
  if (files.empty()) {
    std::fprintf(stderr, "replay: no input files\n");
    return 2;
  }
  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "replay: cannot open %s\n", file.c_str());
      return 2;
    }
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  }
  std::printf("replay: %zu inputs, no finding\n", files.size());
  return 0;
}
