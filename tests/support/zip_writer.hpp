// A zip and .npy writer of the tests' own, independent of the readers under
// test (src/jlattn/io/zip, npz, npy): archives laid out as numpy.savez lays
// them out (local header with numpy's zip64 extra field, data, central
// directory, end record), members stored or deflated (by zlib's deflate; the
// reader inflates), CRC-32 computed bit by bit here. Tests patch the bytes at
// the recorded offsets to make malformed variants.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace jlattn::testing {

/// One member to write.
struct ZipInput {
  std::string name;
  std::string data;
  bool deflate = false;
  std::string deflated;  ///< with deflate: these bytes instead of deflate_raw(data) (to break them)
};

/// How to lay the archive out (numpy's layout by default).
struct ZipLayout {
  bool zip64_local_extra = true;  ///< numpy's local zip64 field holding both sizes
  bool data_descriptor = false;   ///< sizes and CRC after the data (a writer that cannot seek)
  bool zip64_end_records = false; ///< zip64 end record and locator before the end record
  std::string comment;            ///< the archive comment
};

/// An archive and where its records are.
struct BuiltZip {
  std::string bytes;
  std::vector<std::size_t> local;    ///< offset of each member's local header
  std::vector<std::size_t> data;     ///< offset of each member's data
  std::vector<std::size_t> central;  ///< offset of each member's central directory entry
  std::size_t end = 0;               ///< offset of the end of central directory record
};

/// CRC-32 (IEEE 802.3, reflected, as zip uses it), bit by bit.
std::uint32_t crc32_of(const std::string& bytes);

/// Raw deflate (no zlib header) of `bytes` at zlib's default level.
std::string deflate_raw(const std::string& bytes);

BuiltZip build_zip(const std::vector<ZipInput>& members, const ZipLayout& layout = {});

/// Writes `value` little-endian into bytes[at, at + width).
void put_le(std::string& bytes, std::size_t at, std::uint64_t value, std::size_t width);

/// An .npy file (version 1.0, header padded like numpy) with this descr,
/// shape and raw little-endian data.
std::string npy_file(const std::string& descr, const std::vector<std::uint64_t>& shape, const std::string& data,
                     bool fortran_order = false);

/// Little-endian bytes of the low `width` bytes of `bits`.
std::string le_bytes(std::uint64_t bits, std::size_t width);

}  // namespace jlattn::testing
