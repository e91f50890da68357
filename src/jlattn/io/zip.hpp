/// \file zip.hpp
/// \brief A strict reader of zip archives as NumPy writes them (`numpy.savez`,
/// `numpy.savez_compressed`, and so `scipy.sparse.save_npz`): members stored
/// or deflated, every field bounds-checked, every member's CRC-32 verified,
/// and the inflated size capped by what the archive declares, so a crafted
/// archive can neither read outside the file nor inflate without bound.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace jlattn::io {

/// One member of an archive, as its central directory describes it (and its
/// local header repeats).
struct ZipMember {
  std::string name;
  std::uint16_t method = 0;  ///< 0 stored, 8 deflate
  std::uint32_t crc32 = 0;
  std::uint64_t compressed_size = 0;
  std::uint64_t uncompressed_size = 0;
  std::uint64_t data_offset = 0;  ///< of the member's first (compressed) byte
};

/// The members of a zip archive read from a seekable stream.
///
/// Accepted: the end of central directory record at the end of the stream
/// (an archive comment is allowed), with zip64 end records when present; one
/// disk; at most 16 members, each with a distinct name, compression method 0
/// (stored) or 8 (deflate), no encryption, no feature beyond zip 4.5 (zip64
/// extra fields are read; a data descriptor after the data, which a writer
/// on a stream that cannot seek adds, is accepted and checked). Every local
/// header must agree with its central directory entry (name, method, flags,
/// CRC-32 and sizes), and the members must follow one another from byte 0
/// and end where the central directory starts, as numpy writes them; a gap,
/// an overlap or unexplained bytes are refused. A deflated member may declare
/// at most 1032 uncompressed bytes per compressed byte (deflate cannot do
/// more: a length-distance pair of 258 bytes costs at least 2 bits), which
/// refuses most zip bombs from the directory alone.
///
/// \throws InputError "\<source\>: \<problem\>" (one line) from the
///   constructor for any of the above, for a stream that cannot seek, an empty
///   or non-zip stream, or a field pointing outside the stream.
class ZipArchive {
 public:
  /// Reads and checks the end records, the central directory and every
  /// local header. Reads at most a few MiB, whatever the archive declares.
  ZipArchive(std::istream& in, std::string source_name);

  const std::vector<ZipMember>& members() const { return members_; }
  /// The member named `name`, or nullptr.
  const ZipMember* find(std::string_view name) const;
  const std::string& source_name() const { return source_; }
  std::istream& stream() const { return in_; }

 private:
  std::istream& in_;
  std::string source_;
  std::vector<ZipMember> members_;
};

/// The uncompressed bytes of one member, as a stream.
///
/// stream() yields exactly member.uncompressed_size bytes, inflated (deflate)
/// or copied (stored) in chunks of 64 KiB from the archive's stream, which it
/// reads by seeking (several members may be open at once). A problem found
/// while reading (corrupt deflate data, data ending early, more data than
/// declared) is thrown as InputError from the read that meets it. Memory
/// O(64 KiB) whatever the member's size.
class ZipMemberReader {
 public:
  /// \pre `member` is one of `archive`'s members; archive outlives this reader.
  ZipMemberReader(const ZipArchive& archive, const ZipMember& member);
  ~ZipMemberReader();
  ZipMemberReader(const ZipMemberReader&) = delete;
  ZipMemberReader& operator=(const ZipMemberReader&) = delete;

  /// The member's bytes; reads past the end fail as at the end of a file.
  std::istream& stream();

  /// After every byte has been read: checks that the deflate stream ends
  /// there, with no compressed byte left over, and that the CRC-32 of the
  /// bytes is the one the archive stores.
  /// \throws InputError "\<source\>: member '\<name\>': \<problem\>".
  /// \throws std::logic_error if not every byte has been read.
  void finish();

 private:
  class Buffer;
  std::unique_ptr<Buffer> buffer_;
  std::unique_ptr<std::istream> stream_;
};

}  // namespace jlattn::io
