#include "jlattn/io/target_file.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <fstream>
#include <istream>
#include <iterator>
#include <sstream>
#include <system_error>
#include <vector>

#include "jlattn/core/errors.hpp"
#include "jlattn/io/matrix_market.hpp"
#include "jlattn/io/npy.hpp"
#include "jlattn/io/npz.hpp"
#include "jlattn/io/target_assembly.hpp"

namespace jlattn::io {

namespace {

constexpr std::uint64_t kMaxL = std::uint64_t{1} << 31;  // Target requires L < 2^31
constexpr std::size_t kHeadBytes = 8;

bool has_extension(std::string_view name, std::string_view extension) {
  if (name.size() < extension.size()) return false;
  const std::string_view tail = name.substr(name.size() - extension.size());
  return std::equal(tail.begin(), tail.end(), extension.begin(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
  });
}

std::string shape_text(std::uint64_t rows, std::uint64_t cols) {
  std::string text = "(";
  text.append(std::to_string(rows)).append(", ").append(std::to_string(cols)).append(")");
  return text;
}

}  // namespace

TargetFileKind target_file_kind(std::string_view head, std::string_view name) {
  if (head.starts_with(std::string_view("\x93NUMPY", 6))) return TargetFileKind::npy;
  if (head.starts_with(std::string_view("PK\x03\x04", 4)) || head.starts_with(std::string_view("PK\x05\x06", 4)))
    return TargetFileKind::npz;
  if (head.starts_with('%') || head.starts_with("\xEF\xBB\xBF")) return TargetFileKind::matrix_market;
  if (has_extension(name, ".npy")) return TargetFileKind::npy;
  if (has_extension(name, ".npz")) return TargetFileKind::npz;
  return TargetFileKind::matrix_market;
}

Target read_npy_target(std::istream& in, const std::string& source_name, std::size_t max_bytes) {
  const auto fail = [&source_name](const std::string& problem) { throw InputError(source_name + ": " + problem); };
  const NpyHeader header = read_npy_header(in, source_name);
  const NpyElementType type = target_value_type(header.descr, source_name);
  if (header.shape.size() != 2)
    fail("a target is a 2-D array, but 'shape' has " + std::to_string(header.shape.size()) + " dimension" +
         (header.shape.size() == 1 ? "" : "s"));
  const std::uint64_t rows = header.shape[0], cols = header.shape[1];
  if (rows != cols)
    fail("matrix is not square (" + std::to_string(rows) + " x " + std::to_string(cols) + "); a target is L x L");
  if (rows < 2) fail("L = " + std::to_string(rows) + " is too small; a target needs L >= 2");
  if (rows >= kMaxL) fail("L = " + std::to_string(rows) + " is too large; a target needs L < 2^31");
  const std::uint64_t L = rows;

  std::vector<SourcedEntry> entries;
  read_npy_values(in, type, L * L, source_name, [&](std::uint64_t n, double value) {
    // Element n sits at [n / L, n % L] in C order, [n % L, n / L] in Fortran order.
    const std::uint64_t i = header.fortran_order ? n % L : n / L;
    const std::uint64_t j = header.fortran_order ? n / L : n % L;
    if (const char* why = value_problem(value))
      fail("entry [" + std::to_string(i) + ", " + std::to_string(j) + "] (0-based) " + why);
    if (value == 0.0) return;
    if (max_bytes != 0 && (entries.size() + 1) * kTargetBytesPerEntry > max_bytes)
      fail("more than " + std::to_string(entries.size()) + " nonzero entries, more than the memory limit of " +
           std::to_string(max_bytes) + " bytes allows (--max-memory)");
    entries.push_back({static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(j), value, n});
  });
  if (in.peek() != std::istream::traits_type::eof())
    fail("trailing bytes after the data of shape " + shape_text(rows, cols));
  if (in.bad()) fail("read error");

  if (sort_and_find_repeat(entries)) throw std::logic_error("read_npy_target: a dense array repeats a position");
  if (const auto row = first_row_without_positive_entry(entries, L))
    fail("row " + std::to_string(*row) + " (0-based) has no positive entry; every row of a target needs one");
  return assemble_target(L, std::move(entries), source_name);
}

Target read_target(std::istream& in, const std::string& source_name, std::size_t max_bytes) {
  const auto start = in.tellg();
  if (start == std::streampos(-1)) {
    // A pipe: read it whole (the .npz reader seeks), then dispatch.
    std::string bytes;
    std::array<char, 1 << 16> chunk{};
    while (in.read(chunk.data(), chunk.size()) || in.gcount() > 0) {
      bytes.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
      if (max_bytes != 0 && bytes.size() > max_bytes)
        throw InputError(source_name + ": the input is larger than the memory limit of " + std::to_string(max_bytes) +
                         " bytes (--max-memory)");
    }
    if (in.bad()) throw InputError(source_name + ": read error");
    std::istringstream whole(std::move(bytes));
    return read_target(whole, source_name, max_bytes);
  }
  std::string head(kHeadBytes, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  if (in.bad()) throw InputError(source_name + ": read error");
  in.clear();
  in.seekg(start);
  switch (target_file_kind(head, source_name)) {
    case TargetFileKind::npy: return read_npy_target(in, source_name, max_bytes);
    case TargetFileKind::npz: return read_npz_target(in, source_name, max_bytes);
    case TargetFileKind::matrix_market: break;
  }
  return read_matrix_market(in, source_name);
}

Target read_target_file(const std::string& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int error = errno;
    throw InputError(path + ": cannot open file (" + std::generic_category().message(error) + ")");
  }
  return read_target(in, path, max_bytes);
}

}  // namespace jlattn::io
