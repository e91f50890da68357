#include "support/zip_writer.hpp"

#include <zlib.h>

#include <stdexcept>

namespace jlattn::testing {

std::uint32_t crc32_of(const std::string& bytes) {
  std::uint32_t crc = 0xffffffffu;
  for (const char c : bytes) {
    crc ^= static_cast<unsigned char>(c);
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return crc ^ 0xffffffffu;
}

std::string deflate_raw(const std::string& bytes) {
  z_stream z{};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("deflateInit2");
  std::string out(deflateBound(&z, static_cast<uLong>(bytes.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z.avail_in = static_cast<uInt>(bytes.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int status = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (status != Z_STREAM_END) throw std::runtime_error("deflate");
  return out;
}

std::string le_bytes(std::uint64_t bits, std::size_t width) {
  std::string out;
  for (std::size_t n = 0; n < width; ++n) out += static_cast<char>((bits >> (8 * n)) & 0xff);
  return out;
}

void put_le(std::string& bytes, std::size_t at, std::uint64_t value, std::size_t width) {
  for (std::size_t n = 0; n < width; ++n) bytes[at + n] = static_cast<char>((value >> (8 * n)) & 0xff);
}

BuiltZip build_zip(const std::vector<ZipInput>& members, const ZipLayout& layout) {
  BuiltZip zip;
  std::string directory;
  for (const ZipInput& m : members) {
    const std::string stored = !m.deflate ? m.data : !m.deflated.empty() ? m.deflated : deflate_raw(m.data);
    const std::uint32_t crc = crc32_of(m.data);
    const std::uint16_t method = m.deflate ? 8 : 0;
    const std::uint16_t flags = layout.data_descriptor ? 0x0008 : 0;
    const std::string extra =
        layout.zip64_local_extra ? le_bytes(1, 2) + le_bytes(16, 2) + le_bytes(layout.data_descriptor ? 0 : m.data.size(), 8) +
                                       le_bytes(layout.data_descriptor ? 0 : stored.size(), 8)
                                 : "";
    const std::size_t offset = zip.bytes.size();
    zip.local.push_back(offset);
    std::string& b = zip.bytes;
    b += le_bytes(0x04034b50, 4) + le_bytes(20, 2) + le_bytes(flags, 2) + le_bytes(method, 2) + le_bytes(0, 2) + le_bytes(0x21, 2);  // 1980-01-01 00:00, as numpy
    if (layout.data_descriptor) {
      b += le_bytes(0, 4) + le_bytes(0, 4) + le_bytes(0, 4);
    } else {
      b += le_bytes(crc, 4) + le_bytes(stored.size(), 4) + le_bytes(m.data.size(), 4);
    }
    b += le_bytes(m.name.size(), 2) + le_bytes(extra.size(), 2) + m.name + extra;
    zip.data.push_back(b.size());
    b += stored;
    if (layout.data_descriptor) {
      const std::size_t width = layout.zip64_local_extra ? 8 : 4;
      b += le_bytes(0x08074b50, 4) + le_bytes(crc, 4) + le_bytes(stored.size(), width) +
           le_bytes(m.data.size(), width);
    }
    directory += le_bytes(0x02014b50, 4) + le_bytes(0x0314, 2) + le_bytes(20, 2) +
                 le_bytes(flags, 2) + le_bytes(method, 2) + le_bytes(0, 2) + le_bytes(0x21, 2) + le_bytes(crc, 4) +
                 le_bytes(stored.size(), 4) + le_bytes(m.data.size(), 4) + le_bytes(m.name.size(), 2) +
                 le_bytes(0, 2) + le_bytes(0, 2) + le_bytes(0, 2) + le_bytes(0, 2) + le_bytes(0x01800000, 4) +
                 le_bytes(offset, 4) + m.name;
  }
  const std::size_t directory_offset = zip.bytes.size();
  std::size_t at = directory_offset;
  for (std::size_t n = 0; n < members.size(); ++n) {
    zip.central.push_back(at);
    at += 46 + members[n].name.size();
  }
  zip.bytes += directory;
  if (layout.zip64_end_records) {
    const std::size_t record = zip.bytes.size();
    zip.bytes += le_bytes(0x06064b50, 4) + le_bytes(44, 8) + le_bytes(45, 2) + le_bytes(45, 2) + le_bytes(0, 4) +
                 le_bytes(0, 4) + le_bytes(members.size(), 8) + le_bytes(members.size(), 8) +
                 le_bytes(directory.size(), 8) + le_bytes(directory_offset, 8);
    zip.bytes += le_bytes(0x07064b50, 4) + le_bytes(0, 4) + le_bytes(record, 8) + le_bytes(1, 4);
  }
  zip.end = zip.bytes.size();
  zip.bytes += le_bytes(0x06054b50, 4) + le_bytes(0, 2) + le_bytes(0, 2) + le_bytes(members.size(), 2) +
               le_bytes(members.size(), 2) + le_bytes(directory.size(), 4) +
               le_bytes(layout.zip64_end_records ? 0xffffffff : directory_offset, 4) +
               le_bytes(layout.comment.size(), 2) + layout.comment;
  return zip;
}

std::string npy_file(const std::string& descr, const std::vector<std::uint64_t>& shape, const std::string& data,
                     bool fortran_order) {
  std::string shape_text = "(";
  for (std::size_t n = 0; n < shape.size(); ++n) shape_text += (n ? ", " : "") + std::to_string(shape[n]);
  shape_text += shape.size() == 1 ? ",)" : ")";
  std::string dict = "{'descr': '" + descr + "', 'fortran_order': " + (fortran_order ? "True" : "False") +
                     ", 'shape': " + shape_text + ", }";
  while ((10 + dict.size() + 1) % 64 != 0) dict += ' ';
  dict += '\n';
  return std::string("\x93NUMPY\x01\x00", 8) + le_bytes(dict.size(), 2) + dict + data;
}

}  // namespace jlattn::testing
