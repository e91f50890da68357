// Tests of the memory guard (src/jlattn/memory_guard, GitHub issue 7):
// --max-memory parsing, the estimates (known answers, monotonicity,
// saturation, and an upper bound on the peak memory measured in a child
// process), the refusal message, the .npy reader's shape limit, and the
// command line: construct, demo and certify refuse with one line and exit 2
// before allocating, and write nothing.
#include "jlattn/pipeline/memory_guard.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "jlattn/pipeline/construction.hpp"
#include "jlattn/core/errors.hpp"
#include "jlattn/io/matrix_market.hpp"
#include "jlattn/io/npy.hpp"
#include "support/cli.hpp"
#include "support/files.hpp"

namespace jlattn {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr std::size_t kMaxSize = std::numeric_limits<std::size_t>::max();
constexpr std::size_t KiB = std::size_t{1} << 10, MiB = std::size_t{1} << 20, GiB = std::size_t{1} << 30;

std::string error_of(const std::string& text) {
  try {
    parse_memory_size(text);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(accepted)";
}

// ---- --max-memory ---------------------------------------------------------

TEST(MemoryGuardParse, BytesAndBinarySuffixes) {
  EXPECT_EQ(parse_memory_size("1"), 1u);
  EXPECT_EQ(parse_memory_size("123456789"), 123456789u);
  EXPECT_EQ(parse_memory_size("512B"), 512u);
  EXPECT_EQ(parse_memory_size("1K"), KiB);
  EXPECT_EQ(parse_memory_size("1k"), KiB);
  EXPECT_EQ(parse_memory_size("1KB"), KiB);
  EXPECT_EQ(parse_memory_size("1KiB"), KiB);
  EXPECT_EQ(parse_memory_size("512M"), 512 * MiB);
  EXPECT_EQ(parse_memory_size("2G"), 2 * GiB);
  EXPECT_EQ(parse_memory_size("2gib"), 2 * GiB);
  EXPECT_EQ(parse_memory_size("3T"), 3 * (GiB << 10));
  EXPECT_EQ(parse_memory_size("18446744073709551615"), kMaxSize);
}

TEST(MemoryGuardParse, RefusesAnythingElseNamingTheText) {
  for (const std::string text : {"", "M", "-1", "+5", "1.5G", "1 G", " 1G", "1G ", "1X", "1GG", "1Gb2", "0x10", "1e9",
                                 "5Bib", "1iB"}) {
    SCOPED_TRACE(text);
    EXPECT_THAT(error_of(text), StartsWith("--max-memory must be a number of bytes with an optional K, M, G or T "
                                           "suffix (e.g. 512M), got '" + text + "'"));
  }
  EXPECT_THAT(error_of("0"), HasSubstr("the limit has to be positive"));
  EXPECT_THAT(error_of("0G"), HasSubstr("the limit has to be positive"));
  EXPECT_THAT(error_of("18446744073709551616"), HasSubstr("too large"));
  EXPECT_THAT(error_of("16777216T"), HasSubstr("too large"));  // 2^24 TiB = 2^64 bytes
}

// Every decimal count with every suffix parses to count * 2^shift, or is
// refused as too large exactly when that does not fit in 64 bits.
RC_GTEST_PROP(MemoryGuardParse, SuffixesScaleExactlyOrOverflowIsRefused, ()) {
  const auto count = *rc::gen::oneOf(rc::gen::inRange<std::uint64_t>(1, 5000),
                                     rc::gen::inRange<std::uint64_t>(1, std::numeric_limits<std::uint64_t>::max()));
  const auto which = *rc::gen::inRange(0, 5);
  const char* const suffixes[] = {"", "K", "M", "G", "T"};
  const int shift = 10 * which;
  const std::string text = std::to_string(count) + suffixes[which];
  RC_CLASSIFY(shift > 0 && count > (kMaxSize >> shift), "overflows");
  if (count > (kMaxSize >> shift)) {
    RC_ASSERT(error_of(text).find("too large") != std::string::npos);
  } else {
    RC_ASSERT(parse_memory_size(text) == (count << shift));
  }
}

TEST(MemoryGuardFormat, KnownAnswers) {
  EXPECT_EQ(format_memory_size(0), "0 bytes");
  EXPECT_EQ(format_memory_size(1023), "1023 bytes");
  EXPECT_EQ(format_memory_size(1024), "1.0 KiB");
  EXPECT_EQ(format_memory_size(1536), "1.5 KiB");
  EXPECT_EQ(format_memory_size(MiB), "1.0 MiB");
  EXPECT_EQ(format_memory_size(100 * MiB + 300 * KiB), "100.3 MiB");
  EXPECT_EQ(format_memory_size(GiB + GiB / 2), "1.50 GiB");
}

// ---- the estimates ----------------------------------------------------------

TEST(MemoryGuardEstimate, CertificationKnownAnswer) {
  // L = 1000, m = 200, d = 100, dense weights, 2 threads.
  const CertificationMemory m = certification_memory(1000, 200, 100, false, 2);
  EXPECT_EQ(m.input, 8u * 1000 * 200);
  EXPECT_EQ(m.weights, 16u * 200 * 100);
  EXPECT_EQ(m.products, 16u * 1000 * 100 + 4u * 1000 * 100);
  // Per thread: 256-row blocks of 1000 scores and the block of Q, each in
  // binary32 and binary64, and one product's packed K^T and Q block.
  EXPECT_EQ(m.score_blocks, 2u * (12 * 256 * 1000 + 8 * (1000 + 256) * 100 + 12 * 256 * 100));
  EXPECT_EQ(m.rows, 256u * 1000);
  EXPECT_EQ(m.exact, 0u);
  EXPECT_EQ(m.total(), m.input + m.weights + m.products + m.score_blocks + m.rows);
  EXPECT_EQ(certification_memory_bytes(1000, 200, 100, false, 2), m.total());
  // Lemma 4's selectors hold no dense weights.
  EXPECT_EQ(certification_memory(1000, 200, 100, true, 2).weights, 0u);
  // Large L: blocks of 2^22 / L rows, at least one row.
  EXPECT_EQ(certification_memory(std::size_t{1} << 20, 2, 1, true, 1).score_blocks,
            12 * (std::size_t{1} << 22) + 8 * ((std::size_t{1} << 20) + 256) + 12 * 4);
  EXPECT_EQ(certification_memory(std::size_t{1} << 24, 2, 1, true, 1).score_blocks,
            12 * (std::size_t{1} << 24) + 8 * ((std::size_t{1} << 24) + 256) + 12 * 1);
  // Small L, wide X: the packed block of Q has at most L rows.
  EXPECT_EQ(certification_memory(2, std::size_t{1} << 28, std::size_t{1} << 27, true, 1).score_blocks,
            12 * 2 * 2 + 8 * (2 + 2) * (std::size_t{1} << 27) + 12 * 2 * (std::size_t{1} << 27));
  // --exact-only: no filter blocks, the exact pass's rows of K instead.
  const CertificationMemory exact = certification_memory(1000, 200, 100, true, 2, true);
  EXPECT_EQ(exact.score_blocks, 0u);
  EXPECT_EQ(exact.exact, 80u * 1000 * 100);
  EXPECT_EQ(certification_memory_bytes(1000, 200, 100, true, 2, true), exact.total());
}

TEST(MemoryGuardEstimate, SaturatesInsteadOfWrapping) {
  EXPECT_EQ(certification_memory_bytes(kMaxSize / 2, kMaxSize / 2, 2, false, 1), kMaxSize);
  EXPECT_EQ(certification_memory_bytes(std::size_t{1} << 40, std::size_t{1} << 30, 1, true, 1), kMaxSize);
  EXPECT_EQ(construct_and_certify_memory_bytes(std::size_t{1} << 31, (std::size_t{1} << 32) - 1, 1), kMaxSize);
  EXPECT_EQ(construct_and_certify_memory_bytes(kMaxSize, kMaxSize, 1), kMaxSize);
}

TEST(MemoryGuardEstimate, ConstructCountsTheLargerOfConstructionAndCertification) {
  for (const auto& [L, d] : {std::pair<std::size_t, std::size_t>{64, 10}, {1000, 300}, {100000, 2000}}) {
    const std::size_t both = construct_and_certify_memory_bytes(L, d, 2);
    EXPECT_EQ(both, std::max(construction_memory_bytes(L, d), certification_memory_bytes(L, 2 * d, d, true, 2)));
  }
}

// More of anything never needs less memory.
RC_GTEST_PROP(MemoryGuardEstimate, MonotoneInEverySize, ()) {
  const auto size = [] { return *rc::gen::oneOf(rc::gen::inRange<std::size_t>(1, 5000),
                                                 rc::gen::inRange<std::size_t>(1, std::size_t{1} << 40)); };
  const std::size_t L = size(), m = size(), d = size();
  const auto threads = *rc::gen::inRange(1u, 65u);
  const bool selectors = *rc::gen::arbitrary<bool>();
  const std::size_t base = certification_memory_bytes(L, m, d, selectors, threads);
  RC_ASSERT(certification_memory_bytes(L + 1, m, d, selectors, threads) >= base);
  RC_ASSERT(certification_memory_bytes(L, m + 1, d, selectors, threads) >= base);
  RC_ASSERT(certification_memory_bytes(L, m, d + 1, selectors, threads) >= base);
  RC_ASSERT(certification_memory_bytes(L, m, d, selectors, threads + 1) >= base);
  RC_ASSERT(certification_memory_bytes(L, m, d, false, threads) >= certification_memory_bytes(L, m, d, true, threads));
  RC_ASSERT(certification_memory_bytes(L, m, d, selectors, threads) >= 8 * std::min(L * m, kMaxSize / 8));
}

// ---- the refusal -------------------------------------------------------------

TEST(MemoryGuardRequire, RefusesAboveTheLimitWithBothFiguresOnOneLine) {
  EXPECT_NO_THROW(require_memory(10 * MiB, 10 * MiB, "x"));
  try {
    require_memory(10 * MiB + 1, 10 * MiB, "certify", "X 10.0 MiB");
    FAIL() << "expected MemoryLimitError";
  } catch (const MemoryLimitError& e) {
    EXPECT_EQ(std::string(e.what()),
              "certify needs about 10.0 MiB (X 10.0 MiB), more than the --max-memory limit of 10.0 MiB");
  }
  try {
    require_memory(kMaxSize, 0, "d = 5");
    FAIL() << "expected MemoryLimitError";
  } catch (const MemoryLimitError& e) {
    // Without --max-memory the limit is the memory available now.
    EXPECT_THAT(std::string(e.what()), StartsWith("d = 5 needs more than 2^64 bytes, more than the "));
    EXPECT_THAT(std::string(e.what()), HasSubstr(" available (MemAvailable; --max-memory sets a limit)"));
  }
}

// certify's check: the estimate's parts in the breakdown, the dense
// weights only when they are not selectors, the exact rows only without the
// filter; the limit itself is allowed.
TEST(MemoryGuardRequire, CertificationNamesThePartsOfItsEstimate) {
  const CertificationMemory m = certification_memory(1000, 200, 100, false, 1, false);
  EXPECT_NO_THROW(require_certification_memory(1000, 200, 100, false, 1, false, m.total()));
  try {
    require_certification_memory(1000, 200, 100, false, 1, false, m.total() - 1);
    FAIL() << "expected MemoryLimitError";
  } catch (const MemoryLimitError& e) {
    EXPECT_EQ(std::string(e.what()), "certify needs about " + format_memory_size(m.total()) + " (X " +
                                         format_memory_size(m.input) + ", W_Q and W_K " +
                                         format_memory_size(m.weights) + ", Q and K " +
                                         format_memory_size(m.products) + ", score blocks " +
                                         format_memory_size(m.score_blocks) + "), more than the --max-memory limit of " +
                                         format_memory_size(m.total() - 1));
  }
  const CertificationMemory exact = certification_memory(1000, 200, 100, true, 1, true);
  try {
    require_certification_memory(1000, 200, 100, true, 1, true, 1);
    FAIL() << "expected MemoryLimitError";
  } catch (const MemoryLimitError& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("(X " + format_memory_size(exact.input) + ", Q and K "));
    EXPECT_THAT(std::string(e.what()), HasSubstr(", exact rows of K " + format_memory_size(exact.exact) + ")"));
  }
}

TEST(MemoryGuardRequire, DefaultLimitIsTheMemoryAvailable) {
  EXPECT_EQ(memory_limit_bytes(12345), 12345u);
  EXPECT_EQ(memory_limit_bytes(0), available_memory_bytes());
  EXPECT_GT(available_memory_bytes(), 0u);  // Linux: /proc/meminfo has MemAvailable
}

// The library's memory check counts what the call will do: construct()
// the construction, construct_and_certify() the construction and the
// certification (at L = 20000, d = 1 the certifier's score blocks need more
// than the construction, so a limit between the two tells them apart).
TEST(MemoryGuardConstruct, PolicyLimitIsEnforcedBeforeAllocating) {
  const Target A = window_global_target(64, 1);
  ConstructionParameters parameters;
  parameters.rule = DimensionRule::given;
  parameters.d = 100;
  ResourcePolicy policy;
  policy.max_memory_bytes = construction_memory_bytes(64, 100);
  EXPECT_NO_THROW(construct(A, parameters, policy));
  policy.max_memory_bytes = construction_memory_bytes(64, 100) - 1;
  EXPECT_THROW(construct(A, parameters, policy), MemoryLimitError);

  const std::size_t L = 20000;
  const Target big = window_global_target(L, 1);
  parameters.d = 1;
  policy.threads = 1;
  ASSERT_GT(construct_and_certify_memory_bytes(L, 1, 1), construction_memory_bytes(L, 1));
  policy.max_memory_bytes = construct_and_certify_memory_bytes(L, 1, 1) - 1;
  try {
    construct_and_certify(big, parameters, policy);
    FAIL() << "expected MemoryLimitError";
  } catch (const MemoryLimitError& e) {
    EXPECT_THAT(std::string(e.what()), StartsWith("d = 1 for L = 20000 (construction and certification) needs about "));
    EXPECT_THAT(std::string(e.what()), HasSubstr("more than the --max-memory limit of "));
  }
}

// ---- .npy: the shape is checked against the limit before allocating -------

std::string npy_header_only(std::size_t rows, std::size_t cols) {
  std::string dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (" + std::to_string(rows) + ", " +
                     std::to_string(cols) + "), }\n";
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(dict.size() & 0xff);
  out += static_cast<char>(dict.size() >> 8);
  return out + dict;
}

TEST(MemoryGuardNpy, ShapeAboveTheLimitIsRefusedBeforeReadingData) {
  // A header promising 2^20 x 2^10 doubles (8 GiB) and no data at all: with a
  // limit the message is about the limit, not about truncation.
  std::istringstream in(npy_header_only(std::size_t{1} << 20, 1024));
  try {
    io::read_npy(in, "X.npy", 64 * MiB);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              "X.npy: shape (1048576, 1024) needs 8589934592 bytes, more than the memory limit of 67108864 bytes "
              "(--max-memory)");
  }
  Matrix M = Matrix::Constant(3, 4, 1.5);
  std::ostringstream out;
  io::write_npy(out, M);
  std::istringstream exact(out.str());
  EXPECT_EQ(io::read_npy(exact, "X.npy", 96), M);  // 3 * 4 * 8 = 96 bytes: at the limit is fine
  std::istringstream over(out.str());
  EXPECT_THROW(io::read_npy(over, "X.npy", 95), InputError);
}

TEST(MemoryGuardNpy, ShapeIsReadFromTheHeaderAlone) {
  std::istringstream in(npy_header_only(5, 7));  // no data: the shape is still known
  const io::NpyShape shape = io::read_npy_shape(in, "X.npy");
  EXPECT_EQ(shape.rows, 5u);
  EXPECT_EQ(shape.cols, 7u);
  std::istringstream bad(npy_header_only(std::size_t{1} << 40, std::size_t{1} << 40));
  try {
    io::read_npy_shape(bad, "X.npy");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("rows*cols*8 bytes overflows"));
  }
}

// ---- the command line ---------------------------------------------------------

using testing::CliRun;

class MemoryGuardCli : public testing::ScratchDirTest {
 protected:
  MemoryGuardCli() : ScratchDirTest("jlattn_memory_guard_") {}

  /// Runs jlattn directly (no shell), so wait4 reports its own peak RSS.
  CliRun jlattn(const std::vector<std::string>& args) const { return testing::run_jlattn_direct(args, dir_); }

  fs::path write_target(std::size_t L) const {
    const fs::path path = dir_ / ("A" + std::to_string(L) + ".mtx");
    std::ofstream out(path, std::ios::binary);
    io::write_matrix_market(out, window_global_target(L, 7));
    return path;
  }

  static void expect_refusal(const CliRun& r, const std::string& start) {
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_THAT(r.err, StartsWith("jlattn: error: " + start)) << r.err;
    EXPECT_THAT(r.err, HasSubstr("more than the --max-memory limit of "));
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
};

TEST_F(MemoryGuardCli, ConstructRefusesAndWritesNothing) {
  const fs::path target = write_target(64);
  const fs::path out = dir_ / "out";
  const CliRun r = jlattn({"construct", "--target", target.string(), "--eps", "1", "--gamma", "0.1", "--d", "300",
                        "--out", out.string(), "--max-memory", "100K"});
  expect_refusal(r, "d = 300 for L = 64 (construction and certification) needs about ");
  EXPECT_THAT(r.err, HasSubstr("more than the --max-memory limit of 100.0 KiB\n"));
  EXPECT_EQ(r.out, "");
  EXPECT_FALSE(fs::exists(out / "X.npy"));
  EXPECT_FALSE(fs::exists(out / "report.json"));
}

TEST_F(MemoryGuardCli, DemoRefusesAnAbsurdLBeforeBuildingTheTarget) {
  const CliRun huge = jlattn({"demo", "--L", "1000000000000", "--max-memory", "1G"});
  expect_refusal(huge, "the demo target for L = 1000000000000 needs about ");
  const CliRun d = jlattn({"demo", "--L", "64", "--d", "100000", "--max-memory", "64M"});
  expect_refusal(d, "d = 100000 for L = 64 (construction and certification) needs about ");
  const CliRun bad = jlattn({"demo", "--max-memory", "lots"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("--max-memory must be a number of bytes"));
  const CliRun ok = jlattn({"demo", "--L", "16", "--max-memory", "1G"});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
}

TEST_F(MemoryGuardCli, CertifyRefusesFromTheHeadersBeforeLoading) {
  const fs::path target = write_target(16);
  // X is a header only: certify must refuse before it would notice the
  // missing data, so nothing of X was read.
  const fs::path x = dir_ / "X.npy";
  std::ofstream(x, std::ios::binary) << npy_header_only(16, std::size_t{1} << 24);
  const CliRun r = jlattn({"certify", "--target", target.string(), "--x", x.string(), "--lemma4", "--eps", "1",
                        "--gamma", "0.1", "--max-memory", "1G"});
  expect_refusal(r, "certify needs about ");
  EXPECT_THAT(r.err, HasSubstr("(X 2.00 GiB, Q and K 2.50 GiB, score blocks "));
  EXPECT_THAT(r.err, HasSubstr("more than the --max-memory limit of 1.00 GiB\n"));
  // With dense weights, their share is named too.
  const fs::path w = dir_ / "W.npy";
  std::ofstream(w, std::ios::binary) << npy_header_only(std::size_t{1} << 24, 8);
  const CliRun dense = jlattn({"certify", "--target", target.string(), "--x", x.string(), "--wq", w.string(), "--wk",
                            w.string(), "--eps", "1", "--gamma", "0.1", "--max-memory", "1G"});
  expect_refusal(dense, "certify needs about ");
  EXPECT_THAT(dense.err, HasSubstr(", W_Q and W_K 2.00 GiB, "));
}

// The estimates are upper bounds: the peak resident memory a run adds over a
// tiny run of the same command stays below what the guard estimated for it.
// (Skipped under AddressSanitizer, whose shadow memory and quarantine inflate
// the resident set.)
TEST_F(MemoryGuardCli, EstimatesBoundTheMeasuredPeakMemory) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer inflates the resident set";
#endif
  const std::size_t L = 3000, d = 400;
  const fs::path small = write_target(8), big = write_target(L);
  const auto construct = [&](const fs::path& target, const std::string& dim, const std::string& out) {
    return jlattn({"construct", "--target", target.string(), "--eps", "1", "--gamma", "0.1", "--d", dim, "--out",
                   (dir_ / out).string(), "--threads", "2"});
  };
  const CliRun base = construct(small, "4", "small");
  const CliRun run = construct(big, std::to_string(d), "big");
  ASSERT_TRUE(base.exit_code == 0 || base.exit_code == 3) << base.err;
  ASSERT_TRUE(run.exit_code == 0 || run.exit_code == 3) << run.err;
  const std::size_t construct_need = construct_and_certify_memory_bytes(L, d, 2);
  const long construct_added = (run.max_rss_kib - base.max_rss_kib) * 1024;
  EXPECT_LE(construct_added, static_cast<long>(construct_need)) << "estimate " << construct_need;
  EXPECT_GE(construct_added, static_cast<long>(8 * L * 2 * d / 2)) << "the run should at least hold X";

  const auto certify = [&](const fs::path& target, const std::string& out, bool lemma4, bool exact_only) {
    std::vector<std::string> args = {"certify", "--target", target.string(), "--x", (dir_ / out / "X.npy").string(),
                                     "--eps", "1", "--gamma", "0.1", "--threads", "2"};
    if (exact_only) args.push_back("--exact-only");
    if (lemma4) {
      args.push_back("--lemma4");
    } else {
      for (const char* w : {"--wq", "--wk"}) {
        args.push_back(w);
        args.push_back((dir_ / out / (std::string(w) == "--wq" ? "W_Q.npy" : "W_K.npy")).string());
      }
    }
    return jlattn(args);
  };
  for (const auto& [lemma4, exact_only] : {std::pair{true, false}, {false, false}, {true, true}}) {
    SCOPED_TRACE(std::string(lemma4 ? "--lemma4" : "--wq, --wk") + (exact_only ? " --exact-only" : ""));
    const CliRun c_base = certify(small, "small", lemma4, exact_only);
    const CliRun c_run = certify(big, "big", lemma4, exact_only);
    ASSERT_TRUE(c_run.exit_code == 0 || c_run.exit_code == 3) << c_run.err;
    const std::size_t need = certification_memory_bytes(L, 2 * d, d, lemma4, 2, exact_only);
    const long added = (c_run.max_rss_kib - c_base.max_rss_kib) * 1024;
    EXPECT_LE(added, static_cast<long>(need)) << "estimate " << need;
  }
}

}  // namespace
}  // namespace jlattn
