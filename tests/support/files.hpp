// Files and directories the tests write: reading a file whole, a temporary
// file removed when it goes out of scope, and a fixture with its own scratch
// directory.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <utility>

namespace jlattn::testing {

/// The whole content of the file at p, as bytes ("" if it cannot be read).
std::string slurp(const std::filesystem::path& p);

/// A file in the temporary directory, <tmp>/<prefix><pid>_<name>, removed
/// when the object is destroyed (the file need not exist).
class TemporaryFile {
 public:
  TemporaryFile(const std::string& prefix, const std::string& name);
  ~TemporaryFile();
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

/// A fixture whose every test gets a fresh, empty directory dir_ =
/// <tmp>/<prefix><pid>_<test name>, removed after the test.
class ScratchDirTest : public ::testing::Test {
 protected:
  explicit ScratchDirTest(std::string prefix) : prefix_(std::move(prefix)) {}
  void SetUp() override;
  void TearDown() override;

  std::filesystem::path dir_;

 private:
  std::string prefix_;
};

}  // namespace jlattn::testing
