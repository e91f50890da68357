#include "jlattn/io/npz.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <istream>
#include <limits>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "jlattn/core/errors.hpp"
#include "jlattn/io/npy.hpp"
#include "jlattn/io/target_assembly.hpp"
#include "jlattn/io/zip.hpp"

namespace jlattn::io {

namespace {

constexpr std::uint64_t kMaxL = std::uint64_t{1} << 31;  // Target requires L < 2^31
constexpr std::size_t kMaxFormatChars = 16;

enum class SparseFormat { csr, csc, coo };

const char* format_name(SparseFormat format) {
  switch (format) {
    case SparseFormat::csr: return "csr";
    case SparseFormat::csc: return "csc";
    case SparseFormat::coo: return "coo";
  }
  return "?";
}

/// The members each format holds (besides the optional _is_array.npy).
const char* members_of(SparseFormat format) {
  return format == SparseFormat::coo ? "format, shape, data, row and col (or coords)"
                                     : "format, shape, data, indices and indptr";
}

std::string position(std::uint64_t row, std::uint64_t col) {
  // Appended piecewise: "[" + std::to_string(...) trips GCC 12's false
  // -Wrestrict positive (GCC bug 105329) under -Werror.
  std::string text = "[";
  text.append(std::to_string(row)).append(", ").append(std::to_string(col)).append("] (0-based)");
  return text;
}

/// Saturating a * b + c, for memory estimates.
std::uint64_t saturating_multiply_add(std::uint64_t a, std::uint64_t b, std::uint64_t c) {
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  if (a != 0 && b > kMax / a) return kMax;
  return a * b > kMax - c ? kMax : a * b + c;
}

/// One member opened as an .npy array: its header checked against the
/// archive, the stream positioned at its data.
struct MemberArray {
  std::string where;  // "<source>: <member>", the prefix of its messages
  std::unique_ptr<ZipMemberReader> reader;
  NpyHeader header;
  NpyElementType type{};
  std::uint64_t count = 0;
};

/// Reads the rest of a member and checks it: its deflate data ends where it
/// should and its CRC-32 is right (ZipMemberReader::finish).
void drain_and_finish(ZipMemberReader& reader) {
  std::istream& in = reader.stream();
  in.clear();
  std::array<char, 4096> sink{};
  while (in.read(sink.data(), sink.size()) || in.gcount() > 0) {
  }
  reader.finish();
}

/// Runs `read` on a member's content and then checks the member. When `read`
/// refuses the content, the member is checked first: a corrupt member (its
/// deflate data or CRC-32) is reported as such, since its content cannot be
/// trusted; otherwise the content's refusal stands.
template <typename Read>
auto content_of(ZipMemberReader& reader, Read&& read) {
  try {
    auto result = read();
    reader.finish();
    return result;
  } catch (const InputError&) {
    drain_and_finish(reader);  // throws the member's own problem, if it has one
    throw;
  }
}

class NpzReader {
 public:
  NpzReader(std::istream& in, const std::string& source, std::size_t max_bytes)
      : zip_(in, source), source_(source), max_bytes_(max_bytes) {}

  Target read() {
    const SparseFormat format = read_format();
    check_members(format);
    read_shape();
    if (zip_.find("_is_array.npy") != nullptr) read_is_array();
    return format == SparseFormat::coo ? read_coo() : read_compressed(format);
  }

 private:
  [[noreturn]] void fail(const std::string& problem) const { throw InputError(source_ + ": " + problem); }

  enum class Role { values, indices };

  /// Opens a member and reads its .npy header (a dtype for values, or an
  /// integer dtype for indices; `dims` dimensions); the size the archive
  /// declares must be the one the header implies, before any data is read.
  MemberArray open(const std::string& name, Role role, std::size_t dims) {
    const ZipMember* member = zip_.find(name);
    MemberArray array;
    array.where = source_ + ": " + name;
    array.reader = std::make_unique<ZipMemberReader>(zip_, *member);
    try {
      array.header = read_npy_header(array.reader->stream(), array.where);
      if (role == Role::values) {
        array.type = target_value_type(array.header.descr, array.where);
      } else {
        const auto type = npy_element_type(array.header.descr);
        if (!type || type->kind == NpyKind::floating || type->kind == NpyKind::boolean)
          throw InputError(array.where + ": dtype '" + array.header.descr +
                           "' is not an integer type (SciPy writes int32 or int64)");
        array.type = *type;
      }
      require_dims(array, dims);
      const auto bytes = npy_data_bytes(array.header.shape, array.type.bytes);
      if (!bytes) throw InputError(array.where + ": its shape is too large (the byte count overflows)");
      if (array.header.header_bytes + *bytes != member->uncompressed_size)
        throw InputError(array.where + ": its .npy header implies " +
                         std::to_string(array.header.header_bytes + *bytes) + " bytes, but the archive declares " +
                         std::to_string(member->uncompressed_size));
      array.count = *bytes / array.type.bytes;
    } catch (const InputError&) {
      drain_and_finish(*array.reader);  // a corrupt member is reported as such
      throw;
    }
    return array;
  }

  void require_dims(const MemberArray& array, std::size_t dims) const {
    const auto& shape = array.header.shape;
    if (shape.size() != dims)
      throw InputError(array.where + ": expected a " + std::to_string(dims) + "-D array, but 'shape' has " +
                       std::to_string(shape.size()) + " dimension" + (shape.size() == 1 ? "" : "s"));
    if (dims > 1 && array.header.fortran_order)
      throw InputError(array.where + ": Fortran order is not supported; save a C-order array");
  }

  SparseFormat read_format() {
    const ZipMember* member = zip_.find("format.npy");
    if (member == nullptr)
      fail("no format.npy: not a file of scipy.sparse.save_npz (a dense target belongs in a .npy file)");
    ZipMemberReader reader(zip_, *member);
    const std::string where = source_ + ": format.npy";
    const std::string name = content_of(reader, [&] { return format_name_of(reader, *member, where); });
    if (name == "csr") return SparseFormat::csr;
    if (name == "csc") return SparseFormat::csc;
    if (name == "coo") return SparseFormat::coo;
    if (name == "bsr" || name == "dia")
      throw InputError(where + ": sparse format '" + name + "' is not supported; save A.tocsr() instead");
    throw InputError(where + ": unknown sparse format '" + name + "' (expected csr, csc or coo)");
  }

  /// format.npy's string: SciPy writes it as bytes ('|S3'); before 1.0 as a
  /// str ('<U3', UTF-32).
  static std::string format_name_of(ZipMemberReader& reader, const ZipMember& member, const std::string& where) {
    const NpyHeader header = read_npy_header(reader.stream(), where);
    const std::string& descr = header.descr;
    const bool bytes = descr.starts_with("|S");
    std::size_t chars = 0;
    const bool number = descr.size() > 2 && descr.size() <= 4 &&
                        std::all_of(descr.begin() + 2, descr.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (number) chars = std::stoul(descr.substr(2));
    if (!(bytes || descr.starts_with("<U")) || !number || chars == 0 || chars > kMaxFormatChars ||
        !header.shape.empty())
      throw InputError(where + ": expected a 0-d string array (dtype '|S3') naming the sparse format, got dtype '" +
                       descr + "' with " + std::to_string(header.shape.size()) + " dimension(s)");
    const std::size_t width = bytes ? 1 : 4;
    if (header.header_bytes + chars * width != member.uncompressed_size)
      throw InputError(where + ": its .npy header implies " + std::to_string(header.header_bytes + chars * width) +
                       " bytes, but the archive declares " + std::to_string(member.uncompressed_size));
    std::array<unsigned char, kMaxFormatChars * 4> raw{};
    reader.stream().read(reinterpret_cast<char*>(raw.data()), static_cast<std::streamsize>(chars * width));
    std::string name;
    for (std::size_t n = 0; n < chars; ++n) {
      std::uint32_t code = 0;
      for (std::size_t b = 0; b < width; ++b) code |= std::uint32_t{raw[n * width + b]} << (8 * b);
      if (code >= 0x80 || (code != 0 && code < 0x20)) throw InputError(where + ": the format name is not ASCII");
      name += static_cast<char>(code);
    }
    // numpy drops trailing NULs of a fixed-width string.
    while (!name.empty() && name.back() == '\0') name.pop_back();
    if (name.find('\0') != std::string::npos) throw InputError(where + ": the format name is not ASCII");
    return name;
  }

  void check_members(SparseFormat format) {
    const bool coo = format == SparseFormat::coo;
    const std::vector<std::string_view> allowed =
        coo ? std::vector<std::string_view>{"format.npy", "shape.npy", "data.npy", "row.npy", "col.npy", "coords.npy",
                                            "_is_array.npy"}
            : std::vector<std::string_view>{"format.npy", "shape.npy", "data.npy", "indices.npy", "indptr.npy",
                                            "_is_array.npy"};
    const std::string layout = std::string("a '") + format_name(format) + "' .npz holds " + members_of(format);
    for (const ZipMember& m : zip_.members()) {
      if (std::find(allowed.begin(), allowed.end(), m.name) == allowed.end()) {
        std::string name;
        for (const char c : m.name) name += (c >= 0x20 && c < 0x7f) ? c : '?';
        fail("unexpected member '" + name + "' (" + layout + ")");
      }
    }
    std::vector<std::string_view> required = {"shape.npy", "data.npy"};
    if (!coo) {
      required.insert(required.end(), {"indices.npy", "indptr.npy"});
    } else if (zip_.find("coords.npy") != nullptr) {
      if (zip_.find("row.npy") != nullptr || zip_.find("col.npy") != nullptr)
        fail("both coords.npy and row.npy/col.npy: which one holds the positions? (" + layout + ")");
    } else {
      required.insert(required.end(), {"row.npy", "col.npy"});
    }
    for (const std::string_view name : required)
      if (zip_.find(name) == nullptr) fail("no " + std::string(name) + " (" + layout + ")");
  }

  void read_shape() {
    MemberArray shape = open("shape.npy", Role::indices, 1);
    if (shape.count != 2)
      throw InputError(shape.where + ": expected the 2 dimensions (rows, columns), found " +
                       std::to_string(shape.count) + " numbers");
    const auto dims = content_of(*shape.reader, [&shape] {
      std::array<std::int64_t, 2> read{};
      read_npy_integers(shape.reader->stream(), shape.type, 2, shape.where,
                        [&read](std::uint64_t n, std::int64_t v) { read[n] = v; });
      return read;
    });
    if (dims[0] < 0 || dims[1] < 0)
      throw InputError(shape.where + ": negative dimension (" + std::to_string(dims[0]) + ", " +
                       std::to_string(dims[1]) + ")");
    const auto rows = static_cast<std::uint64_t>(dims[0]), cols = static_cast<std::uint64_t>(dims[1]);
    if (rows != cols)
      fail("matrix is not square (" + std::to_string(rows) + " x " + std::to_string(cols) + "); a target is L x L");
    if (rows < 2) fail("L = " + std::to_string(rows) + " is too small; a target needs L >= 2");
    if (rows >= kMaxL) fail("L = " + std::to_string(rows) + " is too large; a target needs L < 2^31");
    L_ = rows;
  }

  void read_is_array() {
    MemberArray flag = open("_is_array.npy", Role::values, 0);
    content_of(*flag.reader, [&flag] {
      if (flag.type.kind != NpyKind::boolean) throw InputError(flag.where + ": expected a 0-d bool");
      read_npy_values(flag.reader->stream(), flag.type, 1, flag.where, [](std::uint64_t, double) {});
      return true;
    });
  }

  /// Refuses, before allocating, entries and pointers above the memory limit.
  void require_memory(std::uint64_t nnz, std::uint64_t pointers) const {
    // Entries, the csr/csc pointers, and Target's row starts and column counts.
    const std::uint64_t need =
        saturating_multiply_add(nnz, kTargetBytesPerEntry, saturating_multiply_add(pointers + 2 * L_, 8, 0));
    if (max_bytes_ != 0 && need > max_bytes_)
      fail("the target's " + std::to_string(nnz) + " stored entries need about " + std::to_string(need) +
           " bytes, more than the memory limit of " + std::to_string(max_bytes_) + " bytes (--max-memory)");
  }

  /// Reads an index array whole; `check(n, v)` returns a problem or "".
  template <typename Check, typename Store>
  void read_indices(MemberArray& array, std::uint64_t count, Check&& check, Store&& store) {
    content_of(*array.reader, [&] {
      read_npy_integers(array.reader->stream(), array.type, count, array.where, [&](std::uint64_t n, std::int64_t v) {
        const std::string problem = check(n, v);
        if (!problem.empty()) throw InputError(array.where + ": " + problem);
        store(n, v);
      });
      return true;
    });
  }

  std::string range_problem(const char* name, std::uint64_t n, std::int64_t v) const {
    if (v >= 0 && static_cast<std::uint64_t>(v) < L_) return "";
    return std::string(name) + "[" + std::to_string(n) + "] = " + std::to_string(v) + " is out of range [0, " +
           std::to_string(L_) + ")";
  }

  /// csr: rows are the major index (indptr), columns the minor (indices); csc the reverse.
  Target read_compressed(SparseFormat format) {
    MemberArray data = open("data.npy", Role::values, 1);
    MemberArray indices = open("indices.npy", Role::indices, 1);
    MemberArray indptr = open("indptr.npy", Role::indices, 1);
    const std::uint64_t nnz = data.count;
    if (indices.count != nnz)
      fail("indices.npy holds " + std::to_string(indices.count) + " indices but data.npy holds " +
           std::to_string(nnz) + " values");
    if (indptr.count != L_ + 1)
      fail("indptr.npy holds " + std::to_string(indptr.count) + " pointers; a " + format_name(format) +
           " matrix with L = " + std::to_string(L_) + " needs L + 1 = " + std::to_string(L_ + 1));
    require_memory(nnz, L_ + 1);

    std::vector<std::uint64_t> pointer(static_cast<std::size_t>(L_ + 1));
    read_indices(
        indptr, L_ + 1,
        [&](std::uint64_t n, std::int64_t v) -> std::string {
          if (n == 0 && v != 0) return "indptr[0] = " + std::to_string(v) + ", expected 0";
          if (n > 0 && v < static_cast<std::int64_t>(pointer[n - 1]))
            return "indptr[" + std::to_string(n) + "] = " + std::to_string(v) + " is less than indptr[" +
                   std::to_string(n - 1) + "] = " + std::to_string(pointer[n - 1]) + " (pointers never decrease)";
          if (static_cast<std::uint64_t>(v) > nnz)
            return "indptr[" + std::to_string(n) + "] = " + std::to_string(v) + " exceeds the " +
                   std::to_string(nnz) + " stored values";
          if (n == L_ && static_cast<std::uint64_t>(v) != nnz)
            return "indptr[" + std::to_string(n) + "] = " + std::to_string(v) + ", but data.npy holds " +
                   std::to_string(nnz) + " values";
          return "";
        },
        [&](std::uint64_t n, std::int64_t v) { pointer[n] = static_cast<std::uint64_t>(v); });

    std::vector<SourcedEntry> entries(static_cast<std::size_t>(nnz));
    for (std::uint64_t i = 0; i < L_; ++i)
      for (std::uint64_t n = pointer[i]; n < pointer[i + 1]; ++n) {
        entries[n].row = static_cast<std::uint32_t>(i);  // the major index, for now
        entries[n].origin = n;
      }
    std::vector<std::uint64_t>().swap(pointer);
    read_indices(
        indices, nnz, [&](std::uint64_t n, std::int64_t v) { return range_problem("indices", n, v); },
        [&](std::uint64_t n, std::int64_t v) { entries[n].col = static_cast<std::uint32_t>(v); });
    if (format == SparseFormat::csc)
      for (SourcedEntry& e : entries) std::swap(e.row, e.col);
    return build(data, std::move(entries));
  }

  Target read_coo() {
    MemberArray data = open("data.npy", Role::values, 1);
    const std::uint64_t nnz = data.count;
    std::vector<SourcedEntry> entries;
    if (zip_.find("coords.npy") != nullptr) {
      MemberArray coords = open("coords.npy", Role::indices, 2);
      if (coords.header.shape[0] != 2 || coords.header.shape[1] != nnz)
        fail("coords.npy has shape (" + std::to_string(coords.header.shape[0]) + ", " +
             std::to_string(coords.header.shape[1]) + "); with " + std::to_string(nnz) +
             " values it needs (2, " + std::to_string(nnz) + ")");
      require_memory(nnz, 0);
      entries.resize(static_cast<std::size_t>(nnz));
      read_indices(
          coords, 2 * nnz,
          [&](std::uint64_t n, std::int64_t v) {
            return range_problem(n < nnz ? "coords[0]" : "coords[1]", n < nnz ? n : n - nnz, v);
          },
          [&](std::uint64_t n, std::int64_t v) {
            if (n < nnz) {
              entries[n].row = static_cast<std::uint32_t>(v);
            } else {
              entries[n - nnz].col = static_cast<std::uint32_t>(v);
            }
          });
    } else {
      MemberArray row = open("row.npy", Role::indices, 1);
      MemberArray col = open("col.npy", Role::indices, 1);
      if (row.count != nnz || col.count != nnz)
        fail("row.npy and col.npy hold " + std::to_string(row.count) + " and " + std::to_string(col.count) +
             " indices but data.npy holds " + std::to_string(nnz) + " values");
      require_memory(nnz, 0);
      entries.resize(static_cast<std::size_t>(nnz));
      read_indices(
          row, nnz, [&](std::uint64_t n, std::int64_t v) { return range_problem("row", n, v); },
          [&](std::uint64_t n, std::int64_t v) { entries[n].row = static_cast<std::uint32_t>(v); });
      read_indices(
          col, nnz, [&](std::uint64_t n, std::int64_t v) { return range_problem("col", n, v); },
          [&](std::uint64_t n, std::int64_t v) { entries[n].col = static_cast<std::uint32_t>(v); });
    }
    for (std::uint64_t n = 0; n < nnz; ++n) entries[n].origin = n;
    return build(data, std::move(entries));
  }

  /// The values, then the checks every target reader makes.
  Target build(MemberArray& data, std::vector<SourcedEntry>&& entries) {
    content_of(*data.reader, [&] {
      read_npy_values(data.reader->stream(), data.type, entries.size(), data.where, [&](std::uint64_t n, double v) {
        if (const char* why = value_problem(v))
          throw InputError(data.where + ": data[" + std::to_string(n) + "] at " +
                           position(entries[n].row, entries[n].col) + " " + why);
        entries[n].value = v == 0.0 ? 0.0 : v;  // -0 is a zero
      });
      return true;
    });

    if (const auto repeat = sort_and_find_repeat(entries))
      fail("entry " + position(repeat->row, repeat->col) + " is stored twice, at data[" +
           std::to_string(repeat->first_origin) + "] and data[" + std::to_string(repeat->repeat_origin) +
           "] (SciPy would add them; call A.sum_duplicates() before save_npz to mean the sum)");
    if (const auto row = first_row_without_positive_entry(entries, L_))
      fail("row " + std::to_string(*row) + " (0-based) has no positive entry; every row of a target needs one");
    return assemble_target(L_, std::move(entries), source_);
  }

  ZipArchive zip_;
  const std::string& source_;
  std::size_t max_bytes_;
  std::uint64_t L_ = 0;
};

}  // namespace

Target read_npz_target(std::istream& in, const std::string& source_name, std::size_t max_bytes) {
  return NpzReader(in, source_name, max_bytes).read();
}

}  // namespace jlattn::io
