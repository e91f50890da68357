#include "support/files.hpp"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <system_error>

namespace jlattn::testing {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TemporaryFile::TemporaryFile(const std::string& prefix, const std::string& name)
    : path_(std::filesystem::temp_directory_path() / (prefix + std::to_string(::getpid()) + "_" + name)) {}

TemporaryFile::~TemporaryFile() {
  std::error_code ignored;
  std::filesystem::remove(path_, ignored);
}

void ScratchDirTest::SetUp() {
  dir_ = std::filesystem::temp_directory_path() / (prefix_ + std::to_string(::getpid()) + "_" +
                                                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir_);
  std::filesystem::create_directories(dir_);
}

void ScratchDirTest::TearDown() { std::filesystem::remove_all(dir_); }

}  // namespace jlattn::testing
