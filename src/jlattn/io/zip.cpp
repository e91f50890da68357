#include "jlattn/io/zip.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <istream>
#include <new>
#include <numeric>
#include <optional>
#include <set>
#include <stdexcept>
#include <streambuf>
#include <utility>

#include "jlattn/core/errors.hpp"

namespace jlattn::io {

namespace {

// Record signatures and fixed sizes (PKWARE's APPNOTE.TXT, sections 4.3.7-4.3.16).
constexpr std::uint32_t kLocalSignature = 0x04034b50;
constexpr std::uint32_t kCentralSignature = 0x02014b50;
constexpr std::uint32_t kEndSignature = 0x06054b50;
constexpr std::uint32_t kZip64EndSignature = 0x06064b50;
constexpr std::uint32_t kZip64LocatorSignature = 0x07064b50;
constexpr std::uint32_t kDescriptorSignature = 0x08074b50;
constexpr std::uint64_t kLocalBytes = 30;
constexpr std::uint64_t kCentralBytes = 46;
constexpr std::uint64_t kEndBytes = 22;
constexpr std::uint64_t kLocatorBytes = 20;
constexpr std::uint64_t kZip64EndBytes = 56;
constexpr std::uint64_t kMaxCommentBytes = 65535;
constexpr std::uint16_t kZip64ExtraId = 0x0001;
constexpr std::uint32_t kMax32 = 0xffffffff;
constexpr std::uint16_t kMax16 = 0xffff;

constexpr std::size_t kMaxMembers = 16;
constexpr std::uint16_t kMaxVersionNeeded = 45;  // 4.5: zip64
constexpr std::uint16_t kFlagEncrypted = 0x0001;
constexpr std::uint16_t kFlagDescriptor = 0x0008;
// Deflate options (bits 1-2), data descriptor (bit 3), UTF-8 names (bit 11).
constexpr std::uint16_t kFlagsAllowed = 0x0002 | 0x0004 | kFlagDescriptor | 0x0800;
constexpr std::uint16_t kStored = 0;
constexpr std::uint16_t kDeflate = 8;
// Deflate emits at most 258 bytes per length-distance pair of at least 2
// bits (RFC 1951: a lone distance code still takes 1 bit), so at most 1032
// bytes per input byte; block headers only lower the ratio.
constexpr std::uint64_t kDeflateMaxRatio = 1032;
constexpr std::size_t kChunk = std::size_t{1} << 16;

/// Little-endian fields of a byte buffer; the caller checks the bounds.
std::uint64_t field(const std::vector<unsigned char>& bytes, std::size_t at, std::size_t width) {
  std::uint64_t value = 0;
  for (std::size_t n = 0; n < width; ++n) value |= std::uint64_t{bytes[at + n]} << (8 * n);
  return value;
}
std::uint16_t u16(const std::vector<unsigned char>& bytes, std::size_t at) {
  return static_cast<std::uint16_t>(field(bytes, at, 2));
}
std::uint32_t u32(const std::vector<unsigned char>& bytes, std::size_t at) {
  return static_cast<std::uint32_t>(field(bytes, at, 4));
}
std::uint64_t u64(const std::vector<unsigned char>& bytes, std::size_t at) { return field(bytes, at, 8); }

std::string hex32(std::uint32_t value) {
  std::array<char, 16> text{};
  std::snprintf(text.data(), text.size(), "0x%08x", value);
  return text.data();
}

/// A compression method's number, and its name when zip writers commonly use it.
std::string method_name(std::uint16_t method) {
  const char* name = method == 9    ? "deflate64"
                     : method == 12 ? "bzip2"
                     : method == 14 ? "LZMA"
                     : method == 93 ? "Zstandard"
                     : method == 95 ? "xz"
                                    : nullptr;
  return std::to_string(method) + (name != nullptr ? std::string(" (") + name + ")" : "");
}

/// A member name as it may appear in a message: printable ASCII only.
std::string quoted_name(const std::string& name) {
  std::string out = "'";
  for (const char c : name) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out + "'";
}

/// Reads exactly `count` bytes at `offset` of a seekable stream of `size` bytes.
std::vector<unsigned char> read_at(std::istream& in, std::uint64_t size, std::uint64_t offset, std::uint64_t count,
                                   const std::string& source) {
  if (offset > size || count > size - offset)
    throw InputError(source + ": truncated archive (a record at byte " + std::to_string(offset) +
                     " runs past the end of the file)");
  std::vector<unsigned char> bytes(static_cast<std::size_t>(count));
  in.clear();
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(count));
  if (static_cast<std::uint64_t>(in.gcount()) != count) throw InputError(source + ": read error");
  return bytes;
}

/// The zip64 extended information of an extra field: the 64-bit values that
/// replace the 32-bit (or 16-bit) fields set to all ones, in their order.
struct Zip64Extra {
  bool present = false;
  std::vector<std::uint64_t> values;  // up to three 8-byte values, then a 4-byte disk number
  std::size_t bytes = 0;
};

/// The extra field's records must tile it exactly; returns the zip64 one.
Zip64Extra zip64_extra(const std::vector<unsigned char>& bytes, std::size_t begin, std::size_t length,
                       const std::string& where) {
  Zip64Extra extra;
  std::size_t at = begin;
  const std::size_t end = begin + length;
  while (at < end) {
    if (end - at < 4) throw InputError(where + ": malformed extra field");
    const std::uint16_t id = u16(bytes, at);
    const std::uint16_t size = u16(bytes, at + 2);
    if (size > end - at - 4) throw InputError(where + ": malformed extra field");
    if (id == kZip64ExtraId) {
      if (extra.present) throw InputError(where + ": two zip64 extra fields");
      extra.present = true;
      extra.bytes = size;
      for (std::size_t n = 0; n + 8 <= size; n += 8) extra.values.push_back(u64(bytes, at + 4 + n));
    }
    at += 4 + size;
  }
  return extra;
}

class Parser {
 public:
  Parser(std::istream& in, const std::string& source) : in_(in), source_(source) {}

  std::vector<ZipMember> parse() {
    size_ = stream_size();
    if (size_ == 0) fail("empty file (not a .npz archive)");
    const auto head = read(0, std::min<std::uint64_t>(size_, 4));
    if (head.size() < 4 || (u32(head, 0) != kLocalSignature && u32(head, 0) != kEndSignature))
      fail("not a .npz file (a zip archive starts with PK\\x03\\x04)");
    read_end_records();
    std::vector<ZipMember> members = read_central_directory();
    check_local_headers(members);
    return members;
  }

 private:
  struct Local {
    std::uint64_t offset;  // of the local header
    std::uint16_t flags;
  };

  [[noreturn]] void fail(const std::string& problem) const { throw InputError(source_ + ": " + problem); }
  [[noreturn]] void fail_member(const std::string& name, const std::string& problem) const {
    fail("member " + quoted_name(name) + ": " + problem);
  }

  std::vector<unsigned char> read(std::uint64_t offset, std::uint64_t count) const {
    return read_at(in_, size_, offset, count, source_);
  }

  std::uint64_t stream_size() {
    in_.clear();
    in_.seekg(0, std::ios::end);
    const auto end = in_.tellg();
    if (!in_ || end < 0) fail("cannot seek in the input; a .npz archive must be a regular file");
    return static_cast<std::uint64_t>(end);
  }

  /// The end of central directory record (the last one that reaches the end
  /// of the stream with its comment), and the zip64 records when present.
  void read_end_records() {
    const std::uint64_t tail_length = std::min(size_, kEndBytes + kMaxCommentBytes);
    if (tail_length < kEndBytes) fail("truncated archive (no end of central directory record)");
    const auto tail = read(size_ - tail_length, tail_length);
    std::optional<std::size_t> at;
    for (std::size_t p = static_cast<std::size_t>(tail_length - kEndBytes) + 1; p-- > 0;) {
      if (u32(tail, p) == kEndSignature && p + kEndBytes + u16(tail, p + 20) == tail_length) {
        at = p;
        break;
      }
    }
    if (!at) fail("no end of central directory record (not a zip archive, or truncated)");
    const std::uint64_t end_offset = size_ - tail_length + *at;
    std::uint64_t disk = u16(tail, *at + 4), directory_disk = u16(tail, *at + 6);
    std::uint64_t entries_here = u16(tail, *at + 8), entries = u16(tail, *at + 10);
    std::uint64_t directory_size = u32(tail, *at + 12), directory_offset = u32(tail, *at + 16);
    directory_end_ = end_offset;

    if (end_offset >= kLocatorBytes) {
      const auto locator = read(end_offset - kLocatorBytes, kLocatorBytes);
      if (u32(locator, 0) == kZip64LocatorSignature) {
        if (u32(locator, 4) != 0 || u32(locator, 16) != 1) fail("multi-disk (split) archives are not supported");
        const std::uint64_t record_offset = u64(locator, 8);
        const std::uint64_t locator_offset = end_offset - kLocatorBytes;
        if (record_offset > locator_offset || locator_offset - record_offset < kZip64EndBytes)
          fail("the zip64 end record lies outside the archive");
        const auto record = read(record_offset, kZip64EndBytes);
        if (u32(record, 0) != kZip64EndSignature) fail("no zip64 end record where its locator points");
        // The record's size field counts the bytes after itself (12 in).
        if (u64(record, 4) != locator_offset - record_offset - 12)
          fail("the zip64 end record does not end where its locator starts");
        const auto agree = [this](std::uint64_t narrow, std::uint64_t max, std::uint64_t wide) {
          if (narrow != max && narrow != wide) fail("the end record and the zip64 end record disagree");
          return wide;
        };
        disk = agree(disk, kMax16, u32(record, 16));
        directory_disk = agree(directory_disk, kMax16, u32(record, 20));
        entries_here = agree(entries_here, kMax16, u64(record, 24));
        entries = agree(entries, kMax16, u64(record, 32));
        directory_size = agree(directory_size, kMax32, u64(record, 40));
        directory_offset = agree(directory_offset, kMax32, u64(record, 48));
        directory_end_ = record_offset;
      }
    }
    if (disk != 0 || directory_disk != 0 || entries_here != entries)
      fail("multi-disk (split) archives are not supported");
    if (entries == 0) fail("the archive has no members");
    if (entries > kMaxMembers)
      fail("the archive has " + std::to_string(entries) + " members; a SciPy .npz has at most 6");
    if (directory_offset > directory_end_ || directory_size != directory_end_ - directory_offset)
      fail("the central directory (" + std::to_string(directory_size) + " bytes at byte " +
           std::to_string(directory_offset) + ") does not end where the end record starts (byte " +
           std::to_string(directory_end_) + ")");
    entries_ = static_cast<std::size_t>(entries);
    directory_offset_ = directory_offset;
  }

  std::vector<ZipMember> read_central_directory() {
    const std::uint64_t directory_size = directory_end_ - directory_offset_;
    // Each entry holds at most three fields of 65535 bytes.
    if (directory_size > entries_ * (kCentralBytes + 3 * 65535))
      fail("the central directory is larger than its " + std::to_string(entries_) + " entries can be");
    const auto directory = read(directory_offset_, directory_size);
    std::vector<ZipMember> members;
    std::set<std::string> names;
    std::size_t at = 0;
    for (std::size_t n = 0; n < entries_; ++n) {
      const std::string entry = "central directory entry " + std::to_string(n + 1);
      if (directory.size() - at < kCentralBytes || u32(directory, at) != kCentralSignature)
        fail(entry + " is missing or truncated");
      const std::uint16_t version_needed = u16(directory, at + 6);
      const std::uint16_t flags = u16(directory, at + 8);
      ZipMember m;
      m.method = u16(directory, at + 10);
      m.crc32 = u32(directory, at + 16);
      std::uint64_t compressed = u32(directory, at + 20), uncompressed = u32(directory, at + 24);
      const std::size_t name_length = u16(directory, at + 28), extra_length = u16(directory, at + 30);
      const std::size_t comment_length = u16(directory, at + 32);
      std::uint64_t disk = u16(directory, at + 34), offset = u32(directory, at + 42);
      if (directory.size() - at - kCentralBytes < name_length + extra_length + comment_length)
        fail(entry + " is missing or truncated");
      m.name.assign(reinterpret_cast<const char*>(directory.data() + at + kCentralBytes), name_length);
      const std::string where = source_ + ": member " + quoted_name(m.name);

      // Zip64: the 64-bit values stand in, in this order, for the fields set to all ones.
      const Zip64Extra extra = zip64_extra(directory, at + kCentralBytes + name_length, extra_length, where);
      std::size_t next = 0;
      const auto widen = [&](std::uint64_t& value, std::uint64_t max) {
        if (value != max) return;
        if (next >= extra.values.size()) throw InputError(where + ": zip64 extra field missing or too short");
        value = extra.values[next++];
      };
      widen(uncompressed, kMax32);
      widen(compressed, kMax32);
      widen(offset, kMax32);
      if (disk == kMax16) {
        if (extra.bytes < 8 * next + 4) throw InputError(where + ": zip64 extra field missing or too short");
        disk = u32(directory, at + kCentralBytes + name_length + 4 + 8 * next);
      }
      m.compressed_size = compressed;
      m.uncompressed_size = uncompressed;
      m.data_offset = offset;  // the local header's, until check_local_headers

      if (m.name.empty()) fail(entry + " has an empty name");
      if (!names.insert(m.name).second) fail_member(m.name, "appears twice in the archive");
      if (flags & kFlagEncrypted) fail_member(m.name, "is encrypted");
      if (flags & ~kFlagsAllowed) fail_member(m.name, "uses zip features this reader does not support (flags " +
                                                          hex32(flags) + ")");
      if (m.method != kStored && m.method != kDeflate)
        fail_member(m.name, "uses compression method " + method_name(m.method) +
                                "; only stored (0) and deflate (8) are supported, as numpy writes");
      if (version_needed > kMaxVersionNeeded)
        fail_member(m.name, "needs zip version " + std::to_string(version_needed / 10) + "." +
                                std::to_string(version_needed % 10) + " to extract (supported: up to 4.5)");
      if (disk != 0) fail("multi-disk (split) archives are not supported");
      if (m.method == kStored && compressed != uncompressed)
        fail_member(m.name, "is stored but declares " + std::to_string(compressed) + " compressed and " +
                                std::to_string(uncompressed) + " uncompressed bytes");
      // uncompressed > 1032 * compressed, without overflow.
      if (m.method == kDeflate &&
          uncompressed / kDeflateMaxRatio + (uncompressed % kDeflateMaxRatio != 0 ? 1 : 0) > compressed)
        fail_member(m.name, "declares " + std::to_string(uncompressed) + " bytes from " + std::to_string(compressed) +
                                " deflated bytes, more than deflate can produce (1032 per byte)");
      members.push_back(std::move(m));
      locals_.push_back({offset, flags});
      at += kCentralBytes + name_length + extra_length + comment_length;
    }
    if (at != directory.size())
      fail(std::to_string(directory.size() - at) + " unexplained bytes at the end of the central directory");
    return members;
  }

  /// Every local header repeats its directory entry, and the members follow
  /// one another from byte 0 to the central directory.
  void check_local_headers(std::vector<ZipMember>& members) {
    std::vector<std::size_t> order(members.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(),
              [this](std::size_t a, std::size_t b) { return locals_[a].offset < locals_[b].offset; });
    std::uint64_t expected = 0;
    for (const std::size_t n : order) {
      ZipMember& m = members[n];
      const Local& local = locals_[n];
      if (local.offset != expected)
        fail_member(m.name, "starts at byte " + std::to_string(local.offset) + ", not at byte " +
                                std::to_string(expected) + " where the previous one ends (a gap or an overlap)");
      expected = check_local_header(m, local);
    }
    if (expected != directory_offset_)
      fail(std::to_string(directory_offset_ - expected) +
           " unexplained bytes between the last member and the central directory");
  }

  /// Checks one member's local header (and data descriptor); returns where the member ends.
  std::uint64_t check_local_header(ZipMember& m, const Local& local) {
    const std::uint64_t area = directory_offset_;  // members end where the directory starts
    if (local.offset > area || area - local.offset < kLocalBytes)
      fail_member(m.name, "its local header lies outside the members' area");
    const auto header = read(local.offset, kLocalBytes);
    if (u32(header, 0) != kLocalSignature) fail_member(m.name, "no local header where the directory points");
    const std::uint16_t flags = u16(header, 6);
    const std::uint16_t method = u16(header, 8);
    const std::size_t name_length = u16(header, 26), extra_length = u16(header, 28);
    if (area - local.offset - kLocalBytes < name_length + extra_length)
      fail_member(m.name, "its local header lies outside the members' area");
    const auto rest = read(local.offset + kLocalBytes, name_length + extra_length);
    const std::string name(reinterpret_cast<const char*>(rest.data()), name_length);
    if (name != m.name) fail_member(m.name, "its local header names it " + quoted_name(name));
    if (flags != local.flags || method != m.method)
      fail_member(m.name, "its local header and the central directory disagree (flags or method)");

    const std::string where = source_ + ": member " + quoted_name(m.name);
    const Zip64Extra extra = zip64_extra(rest, name_length, extra_length, where);
    if (!(flags & kFlagDescriptor)) {
      // In a local header the zip64 field, when present, holds both sizes
      // (zeros, like the 32-bit fields, when a data descriptor follows).
      if (extra.present && (extra.values.size() < 2 || extra.values[0] != m.uncompressed_size ||
                            extra.values[1] != m.compressed_size))
        fail_member(m.name, "its local zip64 sizes disagree with the central directory");
      const auto same = [&](std::uint64_t narrow, std::uint64_t wide) {
        return narrow == wide || (narrow == kMax32 && extra.present);
      };
      if (u32(header, 14) != m.crc32 || !same(u32(header, 18), m.compressed_size) ||
          !same(u32(header, 22), m.uncompressed_size))
        fail_member(m.name, "its local header and the central directory disagree (CRC-32 or sizes)");
    }

    m.data_offset = local.offset + kLocalBytes + name_length + extra_length;
    if (m.compressed_size > area - m.data_offset)
      fail_member(m.name, "its data runs past the central directory (truncated archive?)");
    std::uint64_t end = m.data_offset + m.compressed_size;
    if (flags & kFlagDescriptor) end += check_descriptor(m, end, extra.present);
    return end;
  }

  /// The data descriptor after the data: an optional signature, the CRC-32
  /// and both sizes (8 bytes each with zip64). Returns its length.
  std::uint64_t check_descriptor(const ZipMember& m, std::uint64_t at, bool zip64) {
    const std::uint64_t width = zip64 ? 8 : 4;
    const std::uint64_t room = directory_offset_ - at;
    const auto bytes = read(at, std::min<std::uint64_t>(room, 4 + 4 + 2 * width));
    std::size_t p = 0;
    if (bytes.size() >= 4 && u32(bytes, 0) == kDescriptorSignature) p = 4;
    if (bytes.size() < p + 4 + 2 * width) fail_member(m.name, "its data descriptor is truncated");
    if (u32(bytes, p) != m.crc32 || field(bytes, p + 4, width) != m.compressed_size ||
        field(bytes, p + 4 + width, width) != m.uncompressed_size)
      fail_member(m.name, "its data descriptor and the central directory disagree");
    return p + 4 + 2 * width;
  }

  std::istream& in_;
  const std::string& source_;
  std::uint64_t size_ = 0;
  std::uint64_t directory_offset_ = 0;
  std::uint64_t directory_end_ = 0;
  std::size_t entries_ = 0;
  std::vector<Local> locals_;
};

}  // namespace

ZipArchive::ZipArchive(std::istream& in, std::string source_name) : in_(in), source_(std::move(source_name)) {
  members_ = Parser(in_, source_).parse();
}

const ZipMember* ZipArchive::find(std::string_view name) const {
  for (const ZipMember& m : members_)
    if (m.name == name) return &m;
  return nullptr;
}

/// Inflates (or copies) a member on demand; see ZipMemberReader.
class ZipMemberReader::Buffer : public std::streambuf {
 public:
  Buffer(const ZipArchive& archive, const ZipMember& member)
      : in_(archive.stream()), source_(archive.source_name()), member_(member), out_(kChunk) {
    if (member_.method == kDeflate) {
      input_.resize(static_cast<std::size_t>(std::min<std::uint64_t>(member_.compressed_size, kChunk)));
      // Negative window bits: raw deflate, as zip stores it (no zlib header).
      if (inflateInit2(&z_, -15) != Z_OK) throw std::bad_alloc();
      inflating_ = true;
    }
  }
  ~Buffer() override {
    if (inflating_) inflateEnd(&z_);
  }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  void finish() {
    if (produced_ != member_.uncompressed_size || gptr() != egptr())
      throw std::logic_error("ZipMemberReader::finish before every byte was read");
    if (member_.method == kDeflate) {
      if (!stream_end_) {
        // Every declared byte is out: the deflate stream must end right here.
        unsigned char spare = 0;
        while (!stream_end_) {
          if (inflate_step(&spare, 1) != 0)
            fail("the deflate data holds more than the " + std::to_string(member_.uncompressed_size) +
                 " bytes declared");
        }
      }
      const std::uint64_t left = member_.compressed_size - consumed_ + z_.avail_in;
      if (left != 0) fail(std::to_string(left) + " compressed bytes follow the end of the deflate data");
    }
    if (crc_ != member_.crc32)
      fail("CRC-32 mismatch (stored " + hex32(member_.crc32) + ", computed " + hex32(crc_) + "): the archive is corrupt");
  }

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    if (produced_ == member_.uncompressed_size) return traits_type::eof();
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, member_.uncompressed_size - produced_));
    std::size_t got = 0;
    if (member_.method == kStored) {
      read_compressed(out_.data(), want);
      got = want;
    } else {
      while (got == 0) {
        if (stream_end_)
          fail("the deflate data ends after " + std::to_string(produced_) + " of the " +
               std::to_string(member_.uncompressed_size) + " bytes declared");
        got = inflate_step(out_.data(), want);
      }
    }
    crc_ = static_cast<std::uint32_t>(crc32(crc_, out_.data(), static_cast<uInt>(got)));
    produced_ += got;
    char* begin = reinterpret_cast<char*>(out_.data());
    setg(begin, begin, begin + got);
    return traits_type::to_int_type(*gptr());
  }

 private:
  [[noreturn]] void fail(const std::string& problem) const {
    throw InputError(source_ + ": member " + quoted_name(member_.name) + ": " + problem);
  }

  void read_compressed(unsigned char* out, std::size_t count) {
    in_.clear();
    in_.seekg(static_cast<std::streamoff>(member_.data_offset + consumed_));
    in_.read(reinterpret_cast<char*>(out), static_cast<std::streamsize>(count));
    if (static_cast<std::size_t>(in_.gcount()) != count) fail("read error");
    consumed_ += count;
  }

  /// One call of inflate into out[0, capacity), refilling the input first
  /// when it is used up; returns the bytes produced (possibly 0).
  std::size_t inflate_step(unsigned char* out, std::size_t capacity) {
    if (z_.avail_in == 0 && consumed_ < member_.compressed_size) {
      const auto count =
          static_cast<std::size_t>(std::min<std::uint64_t>(input_.size(), member_.compressed_size - consumed_));
      read_compressed(input_.data(), count);
      z_.next_in = input_.data();
      z_.avail_in = static_cast<uInt>(count);
    }
    z_.next_out = out;
    z_.avail_out = static_cast<uInt>(capacity);
    const int status = inflate(&z_, Z_NO_FLUSH);
    const std::size_t produced = capacity - z_.avail_out;
    switch (status) {
      case Z_OK:
        break;
      case Z_STREAM_END:
        stream_end_ = true;
        break;
      case Z_BUF_ERROR:  // no progress possible: only when the input is used up
        if (z_.avail_in == 0 && consumed_ == member_.compressed_size)
          fail("the deflate data is truncated (it stops inside a block)");
        fail("corrupt deflate data");
      case Z_MEM_ERROR:
        throw std::bad_alloc();
      default:
        fail(std::string("corrupt deflate data (") + (z_.msg != nullptr ? z_.msg : "zlib error") + ")");
    }
    return produced;
  }

  std::istream& in_;
  const std::string& source_;
  const ZipMember& member_;
  std::vector<unsigned char> out_;
  std::vector<unsigned char> input_;
  z_stream z_{};
  bool inflating_ = false;
  bool stream_end_ = false;
  std::uint64_t produced_ = 0;
  std::uint64_t consumed_ = 0;
  std::uint32_t crc_ = 0;  // crc32 of no bytes
};

ZipMemberReader::ZipMemberReader(const ZipArchive& archive, const ZipMember& member)
    : buffer_(std::make_unique<Buffer>(archive, member)), stream_(std::make_unique<std::istream>(buffer_.get())) {
  // A problem found while reading is an InputError thrown from inside the
  // buffer; with badbit in the mask the stream rethrows it instead of
  // swallowing it ([istream.unformatted]).
  stream_->exceptions(std::ios::badbit);
}

ZipMemberReader::~ZipMemberReader() = default;

std::istream& ZipMemberReader::stream() { return *stream_; }

void ZipMemberReader::finish() { buffer_->finish(); }

}  // namespace jlattn::io
