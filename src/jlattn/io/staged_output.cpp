#include "jlattn/io/staged_output.hpp"

#include <system_error>
#include <unistd.h>

#include "jlattn/core/errors.hpp"

namespace jlattn::io {

StagedOutput::StagedOutput(std::filesystem::path directory) : directory_(std::move(directory)) {
  std::error_code ec;
  std::filesystem::create_directories(directory_, ec);
  if (ec || !std::filesystem::is_directory(directory_))
    throw InputError("cannot create output directory " + directory_.string() + (ec ? ": " + ec.message() : ""));
}

StagedOutput::~StagedOutput() {
  if (committed_) return;
  for (File& f : files_) {
    f.stream.close();
    std::error_code ignored;
    std::filesystem::remove(f.temporary, ignored);
  }
}

std::ofstream& StagedOutput::open(const std::string& name) {
  File& f = files_.emplace_back();
  f.final = directory_ / name;
  f.temporary = directory_ / ("." + name + ".partial." + std::to_string(::getpid()));
  f.stream.open(f.temporary, std::ios::binary | std::ios::trunc);
  if (!f.stream) throw InputError("cannot write " + f.temporary.string());
  return f.stream;
}

void StagedOutput::commit() {
  for (File& f : files_) {
    f.stream.flush();
    const bool ok = static_cast<bool>(f.stream);
    f.stream.close();
    if (!ok || f.stream.fail()) throw InputError("writing " + f.final.string() + " failed (disk full?)");
  }
  for (File& f : files_) {
    std::error_code ec;
    std::filesystem::rename(f.temporary, f.final, ec);
    if (ec) throw InputError("cannot rename " + f.temporary.string() + " to " + f.final.string() + ": " + ec.message());
  }
  committed_ = true;
}

}  // namespace jlattn::io
