// Tests of the strict zip reader (src/jlattn/io/zip): archives written by the
// tests' own writer (support/zip_writer) and by Python's zipfile, then
// malformed one field at a time.
#include "jlattn/io/zip.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstdint>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <streambuf>
#include <string>
#include <vector>

#include "jlattn/core/errors.hpp"
#include "support/files.hpp"
#include "support/input_error.hpp"
#include "support/mutation.hpp"
#include "support/python.hpp"
#include "support/zip_writer.hpp"

namespace {

using jlattn::InputError;
using jlattn::io::ZipArchive;
using jlattn::io::ZipMember;
using jlattn::io::ZipMemberReader;
using jlattn::testing::build_zip;
using jlattn::testing::BuiltZip;
using jlattn::testing::crc32_of;
using jlattn::testing::deflate_raw;
using jlattn::testing::put_le;
using jlattn::testing::ZipInput;
using jlattn::testing::ZipLayout;
using testing::HasSubstr;
using testing::StartsWith;

constexpr const char* kSource = "A.npz";

/// Every member's bytes, each checked by finish().
std::vector<std::pair<std::string, std::string>> read_all(const std::string& bytes) {
  std::istringstream in(bytes);
  const ZipArchive archive(in, kSource);
  std::vector<std::pair<std::string, std::string>> out;
  for (const ZipMember& m : archive.members()) {
    ZipMemberReader reader(archive, m);
    std::string data(m.uncompressed_size, '\0');
    reader.stream().read(data.data(), static_cast<std::streamsize>(data.size()));
    EXPECT_EQ(static_cast<std::size_t>(reader.stream().gcount()), data.size());
    EXPECT_EQ(reader.stream().get(), std::char_traits<char>::eof());  // nothing beyond the declared size
    reader.finish();
    out.emplace_back(m.name, data);
  }
  return out;
}

/// The one-line InputError of reading every member of `bytes`.
std::string error_of(const std::string& bytes) {
  const std::string message = jlattn::testing::input_error_message([&] { read_all(bytes); });
  EXPECT_THAT(message, StartsWith(std::string(kSource) + ": "));
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  return message;
}

/// A text that deflates well and spans several 64 KiB chunks.
std::string long_text(std::size_t size) {
  std::string text;
  for (std::size_t n = 0; text.size() < size; ++n) text += "row " + std::to_string(n % 977) + " of the target; ";
  text.resize(size);
  return text;
}

/// "m<n>.npy", built by append: "m" + std::to_string(n) trips GCC 12's false
/// -Wrestrict (bug 105329) under -Werror.
std::string member_name(int n) { return std::string("m").append(std::to_string(n)).append(".npy"); }

std::vector<ZipInput> two_members() {
  return {{"format.npy", "stored bytes", false, ""}, {"data.npy", long_text(200000), true, ""}};
}

// ---- accepted archives ---------------------------------------------------------

TEST(ZipRead, StoredAndDeflatedMembersReadBackExactly) {
  const auto members = two_members();
  const auto read = read_all(build_zip(members).bytes);
  ASSERT_EQ(read.size(), 2u);
  EXPECT_EQ(read[0], std::make_pair(members[0].name, members[0].data));
  EXPECT_EQ(read[1], std::make_pair(members[1].name, members[1].data));
}

TEST(ZipRead, EmptyMembersStoredAndDeflated) {
  const auto read = read_all(build_zip({{"a.npy", "", false, ""}, {"b.npy", "", true, ""}}).bytes);
  ASSERT_EQ(read.size(), 2u);
  EXPECT_EQ(read[0].second, "");
  EXPECT_EQ(read[1].second, "");
}

TEST(ZipRead, DataDescriptorsZip64EndRecordsCommentsAndNoZip64Extra) {
  const auto members = two_members();
  for (const ZipLayout& layout : {ZipLayout{true, true, false, ""}, ZipLayout{false, true, false, ""},
                                 ZipLayout{true, false, true, ""}, ZipLayout{false, false, false, "a comment PK"}}) {
    const auto read = read_all(build_zip(members, layout).bytes);
    ASSERT_EQ(read.size(), 2u);
    EXPECT_EQ(read[1].second, members[1].data);
  }
}

TEST(ZipRead, MembersMayBeOpenTogetherAndFindFindsThem) {
  std::istringstream in(build_zip(two_members()).bytes);
  const ZipArchive archive(in, kSource);
  ASSERT_NE(archive.find("data.npy"), nullptr);
  EXPECT_EQ(archive.find("indices.npy"), nullptr);
  ZipMemberReader first(archive, *archive.find("data.npy"));
  ZipMemberReader second(archive, *archive.find("format.npy"));
  std::string a(5, '\0'), b(6, '\0');
  first.stream().read(a.data(), 5);
  second.stream().read(b.data(), 6);
  EXPECT_EQ(a, "row 0");
  EXPECT_EQ(b, "stored");
  EXPECT_THROW(second.finish(), std::logic_error);  // not every byte was read
}

TEST(ZipRead, WhatPythonZipfileWrites) {
  if (!jlattn::testing::python_has("zipfile")) GTEST_SKIP() << jlattn::testing::kPython << " is not available";
  jlattn::testing::TemporaryFile seekable("jlattn_zip_test_", "seekable.zip"), piped("jlattn_zip_test_", "piped.zip");
  const std::string script =
      "import sys, zipfile\n"
      "def fill(f):\n"
      "    with zipfile.ZipFile(f, 'w') as z:\n"
      "        z.writestr(zipfile.ZipInfo('stored.npy'), b'0123456789' * 1000, compress_type=zipfile.ZIP_STORED)\n"
      "        with z.open('deflated.npy', 'w', force_zip64=True) as m:\n"
      "            m.write(bytes(range(256)) * 500)\n"
      "if sys.argv[1] == '-':\n"
      "    fill(sys.stdout.buffer)\n"
      "else:\n"
      "    fill(sys.argv[1])\n";
  const std::string python = std::string(jlattn::testing::kPython) + " -c \"" + script + "\" ";
  ASSERT_TRUE(jlattn::testing::run_command(python + seekable.path()).second);
  // Written to a pipe, zipfile cannot seek back: it adds data descriptors.
  ASSERT_TRUE(jlattn::testing::run_command(python + "- | cat > " + piped.path()).second);
  std::string expected_deflated;
  for (int n = 0; n < 500; ++n)
    for (int b = 0; b < 256; ++b) expected_deflated += static_cast<char>(b);
  for (const std::string& path : {seekable.path(), piped.path()}) {
    const auto read = read_all(jlattn::testing::slurp(path));
    ASSERT_EQ(read.size(), 2u) << path;
    EXPECT_EQ(read[0].second.size(), 10000u);
    EXPECT_EQ(read[1].second, expected_deflated) << path;
  }
}

// ---- refused archives: the directory and the headers ---------------------------

TEST(ZipReject, EmptyNotAZipAndNoEndRecord) {
  EXPECT_EQ(error_of(""), "A.npz: empty file (not a .npz archive)");
  EXPECT_EQ(error_of("hello, world"), "A.npz: not a .npz file (a zip archive starts with PK\\x03\\x04)");
  std::string truncated = build_zip(two_members()).bytes;
  truncated.pop_back();
  EXPECT_EQ(error_of(truncated), "A.npz: no end of central directory record (not a zip archive, or truncated)");
  EXPECT_EQ(error_of(truncated.substr(0, 10)),
            "A.npz: truncated archive (no end of central directory record)");
}

TEST(ZipReject, NoMembersOrTooMany) {
  EXPECT_EQ(error_of(std::string("PK\x05\x06", 4) + std::string(18, '\0')), "A.npz: the archive has no members");
  std::vector<ZipInput> many;
  for (int n = 0; n < 17; ++n) many.push_back({member_name(n), "x", false, ""});
  EXPECT_EQ(error_of(build_zip(many).bytes), "A.npz: the archive has 17 members; a SciPy .npz has at most 6");
}

TEST(ZipReject, MultiDiskArchives) {
  BuiltZip zip = build_zip(two_members());
  put_le(zip.bytes, zip.end + 4, 1, 2);
  EXPECT_EQ(error_of(zip.bytes), "A.npz: multi-disk (split) archives are not supported");
}

TEST(ZipReject, DirectoryNotEndingAtTheEndRecord) {
  BuiltZip zip = build_zip(two_members());
  put_le(zip.bytes, zip.end + 16, zip.central[0] - 1, 4);
  EXPECT_THAT(error_of(zip.bytes), HasSubstr("does not end where the end record starts"));
}

TEST(ZipReject, Zip64EndRecordsThatDisagree) {
  BuiltZip zip = build_zip(two_members(), {true, false, true, ""});
  put_le(zip.bytes, zip.end + 12, 1, 4);  // the directory size, not all ones, differs from the zip64 one
  EXPECT_EQ(error_of(zip.bytes), "A.npz: the end record and the zip64 end record disagree");
}

TEST(ZipReject, EncryptionFlagsMethodsAndVersions) {
  const auto patched = [](std::size_t field, std::uint64_t value, std::size_t width, bool local_too) {
    BuiltZip zip = build_zip(two_members());
    put_le(zip.bytes, zip.central[1] + field, value, width);
    if (local_too) put_le(zip.bytes, zip.local[1] + field - 2, value, width);
    return error_of(zip.bytes);
  };
  EXPECT_EQ(patched(8, 0x0001, 2, true), "A.npz: member 'data.npy': is encrypted");
  EXPECT_EQ(patched(8, 0x0040, 2, true),
            "A.npz: member 'data.npy': uses zip features this reader does not support (flags 0x00000040)");
  EXPECT_EQ(patched(10, 12, 2, true),
            "A.npz: member 'data.npy': uses compression method 12 (bzip2); only stored (0) and deflate (8) are "
            "supported, as numpy writes");
  EXPECT_EQ(patched(10, 7, 2, true),
            "A.npz: member 'data.npy': uses compression method 7; only stored (0) and deflate (8) are supported, as "
            "numpy writes");
  EXPECT_EQ(patched(6, 63, 2, false), "A.npz: member 'data.npy': needs zip version 6.3 to extract (supported: up to 4.5)");
}

TEST(ZipReject, DuplicateNames) {
  EXPECT_EQ(error_of(build_zip({{"a.npy", "1", false, ""}, {"a.npy", "2", false, ""}}).bytes),
            "A.npz: member 'a.npy': appears twice in the archive");
}

TEST(ZipReject, StoredSizesThatDiffer) {
  BuiltZip zip = build_zip(two_members());
  put_le(zip.bytes, zip.central[0] + 20, 11, 4);
  EXPECT_EQ(error_of(zip.bytes), "A.npz: member 'format.npy': is stored but declares 11 compressed and 12 uncompressed bytes");
}

TEST(ZipReject, DeclaredSizesDeflateCannotProduce) {
  // The zip bomb's tell: more than 1032 bytes out per byte in.
  BuiltZip zip = build_zip({{"data.npy", std::string(100000, '\0'), true, ""}});
  const std::string compressed = deflate_raw(std::string(100000, '\0'));
  put_le(zip.bytes, zip.central[0] + 24, 1032 * compressed.size() + 1, 4);
  EXPECT_EQ(error_of(zip.bytes), "A.npz: member 'data.npy': declares " + std::to_string(1032 * compressed.size() + 1) +
                                     " bytes from " + std::to_string(compressed.size()) +
                                     " deflated bytes, more than deflate can produce (1032 per byte)");
}

TEST(ZipReject, LocalHeadersThatDisagreeWithTheDirectory) {
  BuiltZip crc = build_zip(two_members());
  put_le(crc.bytes, crc.local[1] + 14, 0, 4);
  EXPECT_EQ(error_of(crc.bytes),
            "A.npz: member 'data.npy': its local header and the central directory disagree (CRC-32 or sizes)");
  BuiltZip name = build_zip(two_members());
  name.bytes[name.local[1] + 30] = 'D';
  EXPECT_EQ(error_of(name.bytes), "A.npz: member 'data.npy': its local header names it 'Data.npy'");
  BuiltZip method = build_zip(two_members());
  put_le(method.bytes, method.local[1] + 8, 0, 2);
  EXPECT_EQ(error_of(method.bytes),
            "A.npz: member 'data.npy': its local header and the central directory disagree (flags or method)");
  BuiltZip extra = build_zip(two_members());
  put_le(extra.bytes, extra.local[1] + 30 + 8 + 4, 7, 8);  // the zip64 field's uncompressed size
  EXPECT_EQ(error_of(extra.bytes), "A.npz: member 'data.npy': its local zip64 sizes disagree with the central directory");
  BuiltZip missing = build_zip(two_members());
  put_le(missing.bytes, missing.central[1] + 42, missing.central[0], 4);  // points at the directory itself
  EXPECT_THAT(error_of(missing.bytes), HasSubstr("A.npz: member 'data.npy': "));
}

TEST(ZipReject, GapsAndOverlapsBetweenMembers) {
  BuiltZip overlap = build_zip(two_members());
  put_le(overlap.bytes, overlap.central[1] + 42, 0, 4);
  EXPECT_THAT(error_of(overlap.bytes), HasSubstr("starts at byte 0, not at byte "));
  EXPECT_THAT(error_of(overlap.bytes), HasSubstr("where the previous one ends (a gap or an overlap)"));

  BuiltZip gap = build_zip({{"a.npy", "abc", false, ""}});
  gap.bytes.insert(gap.central[0], "?");
  put_le(gap.bytes, gap.end + 1 + 16, gap.central[0] + 1, 4);
  EXPECT_EQ(error_of(gap.bytes), "A.npz: 1 unexplained bytes between the last member and the central directory");
}

TEST(ZipReject, DataRunningPastTheDirectory) {
  BuiltZip zip = build_zip({{"a.npy", "abc", false, ""}});
  put_le(zip.bytes, zip.central[0] + 20, 1000, 4);
  put_le(zip.bytes, zip.central[0] + 24, 1000, 4);
  put_le(zip.bytes, zip.local[0] + 18, 1000, 4);
  put_le(zip.bytes, zip.local[0] + 22, 1000, 4);
  put_le(zip.bytes, zip.local[0] + 30 + 5 + 4, 1000, 8);
  put_le(zip.bytes, zip.local[0] + 30 + 5 + 12, 1000, 8);
  EXPECT_EQ(error_of(zip.bytes), "A.npz: member 'a.npy': its data runs past the central directory (truncated archive?)");
}

TEST(ZipReject, DataDescriptorsThatDisagree) {
  BuiltZip zip = build_zip(two_members(), {true, true, false, ""});
  // The last member's descriptor ends where the directory starts: its CRC is 24 bytes before.
  put_le(zip.bytes, zip.central[0] - 20, 0, 4);
  EXPECT_EQ(error_of(zip.bytes), "A.npz: member 'data.npy': its data descriptor and the central directory disagree");
}

TEST(ZipReject, AStreamThatCannotSeek) {
  struct ForwardOnly : std::streambuf {
    explicit ForwardOnly(std::string& bytes) { setg(bytes.data(), bytes.data(), bytes.data() + bytes.size()); }
  };
  std::string bytes = build_zip(two_members()).bytes;
  ForwardOnly buffer(bytes);
  std::istream in(&buffer);
  EXPECT_EQ(jlattn::testing::input_error_message([&] { ZipArchive archive(in, kSource); }),
            "A.npz: cannot seek in the input; a .npz archive must be a regular file");
}

// ---- refused archives: the data -------------------------------------------------

TEST(ZipReject, CorruptDeflateData) {
  // 0x07: a final block of the reserved type 3.
  EXPECT_EQ(error_of(build_zip({{"a.npy", "abc", true, std::string("\x07\x00\x00", 3)}}).bytes),
            "A.npz: member 'a.npy': corrupt deflate data (invalid block type)");
}

TEST(ZipReject, DeflateDataThatStopsEarlyEndsEarlyOrRunsOn) {
  const std::string data = long_text(100000);
  const std::string full = deflate_raw(data);
  EXPECT_EQ(error_of(build_zip({{"a.npy", data, true, full.substr(0, full.size() / 2)}}).bytes),
            "A.npz: member 'a.npy': the deflate data is truncated (it stops inside a block)");

  // Declares one byte more than the stream holds.
  BuiltZip longer = build_zip({{"a.npy", data, true, full}});
  put_le(longer.bytes, longer.central[0] + 24, data.size() + 1, 4);
  put_le(longer.bytes, longer.local[0] + 22, data.size() + 1, 4);
  put_le(longer.bytes, longer.local[0] + 30 + 5 + 4, data.size() + 1, 8);
  EXPECT_EQ(error_of(longer.bytes),
            "A.npz: member 'a.npy': the deflate data ends after 100000 of the 100001 bytes declared");

  // Declares one byte fewer: every declared byte comes out, then the stream goes on.
  BuiltZip shorter = build_zip({{"a.npy", data, true, full}});
  put_le(shorter.bytes, shorter.central[0] + 24, data.size() - 1, 4);
  put_le(shorter.bytes, shorter.local[0] + 22, data.size() - 1, 4);
  put_le(shorter.bytes, shorter.local[0] + 30 + 5 + 4, data.size() - 1, 8);
  EXPECT_EQ(error_of(shorter.bytes), "A.npz: member 'a.npy': the deflate data holds more than the 99999 bytes declared");

  EXPECT_EQ(error_of(build_zip({{"a.npy", data, true, full + std::string(2, '\0')}}).bytes),
            "A.npz: member 'a.npy': 2 compressed bytes follow the end of the deflate data");
}

TEST(ZipReject, CrcMismatchStoredAndDeflated) {
  for (const bool deflate : {false, true}) {
    BuiltZip zip = build_zip({{"a.npy", "some bytes", deflate, ""}});
    const std::uint32_t wrong = crc32_of("some bytes") ^ 1u;
    put_le(zip.bytes, zip.central[0] + 16, wrong, 4);
    put_le(zip.bytes, zip.local[0] + 14, wrong, 4);
    EXPECT_THAT(error_of(zip.bytes), StartsWith("A.npz: member 'a.npy': CRC-32 mismatch (stored 0x"));
    EXPECT_THAT(error_of(zip.bytes), HasSubstr("): the archive is corrupt"));
  }
}

// ---- properties -------------------------------------------------------------------

rc::Gen<std::vector<ZipInput>> gen_members() {
  return rc::gen::exec([] {
    const auto count = *rc::gen::inRange(1, 7);
    std::vector<ZipInput> members;
    for (int n = 0; n < count; ++n) {
      const auto size = *rc::gen::inRange<std::size_t>(0, 3000);
      std::string data(size, '\0');
      // Mostly small symbols, so deflate has something to find.
      for (char& c : data) c = static_cast<char>(*rc::gen::inRange(0, *rc::gen::element(4, 256)));
      members.push_back({member_name(n), data, *rc::gen::arbitrary<bool>(), ""});
    }
    return members;
  });
}

RC_GTEST_PROP(ZipProperty, WrittenArchivesReadBackExactly, ()) {
  const auto members = *gen_members();
  const ZipLayout layout{*rc::gen::arbitrary<bool>(), *rc::gen::arbitrary<bool>(), *rc::gen::arbitrary<bool>(),
                         *rc::gen::element(std::string(), std::string("comment"))};
  const auto read = read_all(build_zip(members, layout).bytes);
  RC_ASSERT(read.size() == members.size());
  for (std::size_t n = 0; n < members.size(); ++n) {
    RC_ASSERT(read[n].first == members[n].name);
    RC_ASSERT(read[n].second == members[n].data);
  }
}

RC_GTEST_PROP(ZipProperty, MutatedArchivesReadOrThrowOneInputError, ()) {
  std::string bytes = build_zip(*gen_members()).bytes;
  const auto mutations = *rc::gen::container<std::vector<jlattn::testing::Mutation>>(
      *rc::gen::inRange(1, 4), jlattn::testing::gen_mutation(rc::gen::element('\0', '\x01', '\xff', 'P', 'K')));
  for (const auto& m : mutations) jlattn::testing::apply_mutation(m, bytes);
  try {
    read_all(bytes);
    RC_TAG("accepted");
  } catch (const InputError& e) {
    const std::string message = e.what();
    RC_ASSERT(message.rfind("A.npz: ", 0) == 0);
    RC_ASSERT(message.find('\n') == std::string::npos);
  }
}

}  // namespace
