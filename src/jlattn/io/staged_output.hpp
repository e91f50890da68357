/// \file staged_output.hpp
/// \brief Writes a set of output files so that either all of them appear
/// complete or none does: each is written to a temporary name in the target
/// directory and renamed only by commit().
#pragma once

#include <filesystem>
#include <fstream>
#include <string>
#include <deque>

namespace jlattn::io {

/// RAII staging of output files in one directory. Files opened with open()
/// get a temporary name; commit() flushes, checks and renames them all; the
/// destructor removes whatever was not committed (an error or an exception
/// leaves no partial output under a final name).
class StagedOutput {
 public:
  /// Creates the directory if needed. \throws InputError if it cannot.
  explicit StagedOutput(std::filesystem::path directory);
  ~StagedOutput();
  StagedOutput(const StagedOutput&) = delete;
  StagedOutput& operator=(const StagedOutput&) = delete;

  /// A binary stream for the file `name` (final name directory/name).
  /// \throws InputError if the temporary file cannot be created.
  std::ofstream& open(const std::string& name);

  /// Closes every stream, checks that each write succeeded, and renames
  /// the temporaries to their final names in the order they were opened
  /// (open the file that marks completeness, e.g. report.json, last).
  /// \throws InputError otherwise.
  void commit();

 private:
  struct File {
    std::filesystem::path temporary, final;
    std::ofstream stream;
  };
  std::filesystem::path directory_;
  std::deque<File> files_;  // a deque: streams handed out never move
  bool committed_ = false;
};

}  // namespace jlattn::io
