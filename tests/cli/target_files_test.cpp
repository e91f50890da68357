// The command line with every kind of target file (GitHub issue 14): the same
// matrix as Matrix Market (coordinate, array, symmetric), dense .npy and SciPy
// .npz gives construct the same X bit for bit and certify the same verdict;
// a bad file of each kind gets one line and exit 2.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/cli.hpp"
#include "support/files.hpp"

namespace jlattn {
namespace {

namespace fs = std::filesystem;

using testing::CliRun;
using testing::slurp;

const fs::path kFixtures = fs::path(JLATTN_SOURCE_DIR) / "tests" / "io" / "fixtures";

class TargetFiles : public testing::ScratchDirTest {
 protected:
  TargetFiles() : ScratchDirTest("jlattn_target_files_") {}

  CliRun jlattn(const std::string& args) const { return testing::run_jlattn(args, dir_); }

  fs::path write(const std::string& name, const std::string& bytes) const {
    std::ofstream(dir_ / name, std::ios::binary) << bytes;
    return dir_ / name;
  }

  /// construct on `target` at a fixed d and seed, into dir_/<out>; X.npy's bytes.
  std::string construct_x(const fs::path& target, const std::string& out) const {
    const CliRun r = jlattn("construct --target " + target.string() + " --eps 1 --gamma 0.1 --d 64 --seed 7 --no-weights --out " +
                            (dir_ / out).string());
    EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 3) << target << ": " << r.err;
    return slurp(dir_ / out / "X.npy");
  }
};

// N (tests/io/fixtures) in five files of three kinds: one X, one certificate.
TEST_F(TargetFiles, ConstructAndCertifyAgreeAcrossEveryKindOfFile) {
  const std::vector<std::string> files = {"N.mtx", "N_array.mtx", "N.npy", "N_csr.npz", "N_csc_stored.npz"};
  const std::string x = construct_x(kFixtures / files[0], "out0");
  ASSERT_FALSE(x.empty());
  std::string first_certificate;
  for (std::size_t n = 0; n < files.size(); ++n) {
    SCOPED_TRACE(files[n]);
    if (n > 0) {
      EXPECT_EQ(construct_x(kFixtures / files[n], std::string("out").append(std::to_string(n))), x);
    }
    const CliRun c = jlattn("certify --target " + (kFixtures / files[n]).string() + " --x " + (dir_ / "out0" / "X.npy").string() +
                            " --lemma4 --eps 1 --gamma 0.1 --json");
    EXPECT_TRUE(c.exit_code == 0 || c.exit_code == 3) << c.err;
    if (n == 0) first_certificate = c.out;
    EXPECT_EQ(c.out, first_certificate);
  }
}

// A symmetric file and the general file of the same matrix: the same X.
TEST_F(TargetFiles, SymmetricFilesMeanBothTriangles) {
  const fs::path general = write("S_general.mtx",
                                 "%%MatrixMarket matrix coordinate real general\n3 3 7\n"
                                 "1 1 2\n1 2 1\n2 1 1\n2 2 3\n2 3 4\n3 2 4\n3 3 1\n");
  const fs::path symmetric = write("S.mtx",
                                   "%%MatrixMarket matrix coordinate real symmetric\n3 3 5\n"
                                   "1 1 2\n2 1 1\n2 2 3\n3 2 4\n3 3 1\n");
  const fs::path array = write("S_array.mtx",
                               "%%MatrixMarket matrix array real symmetric\n3 3\n2\n1\n0\n3\n4\n1\n");
  const std::string x = construct_x(general, "general");
  ASSERT_FALSE(x.empty());
  EXPECT_EQ(construct_x(symmetric, "symmetric"), x);
  EXPECT_EQ(construct_x(array, "array"), x);
}

// One bad file of each kind: exit 2, one line naming the file, no output.
TEST_F(TargetFiles, BadFilesOfEachKindGetOneLine) {
  std::string npz = slurp(kFixtures / "N_csc_stored.npz");
  npz[npz.size() / 3] = static_cast<char>(npz[npz.size() / 3] ^ 0x10);  // inside a stored member: its CRC fails
  std::string npy = slurp(kFixtures / "N.npy");
  npy[npy.size() - 1] = npy[npy.size() - 2] = static_cast<char>(0xff);  // the last double's top 16 bits: a NaN
  struct Case {
    std::string file, bytes, message;
  };
  const std::vector<Case> cases = {
      {"bad.npz", npz, "CRC-32 mismatch"},
      {"bad.npy", npy, "entry [5, 5] (0-based) is NaN"},
      {"skew.mtx", "%%MatrixMarket matrix coordinate real skew-symmetric\n2 2 1\n2 1 1\n", "skew-symmetric"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.file);
    const fs::path path = write(c.file, c.bytes);
    const CliRun r = jlattn("construct --target " + path.string() + " --eps 1 --gamma 0.1 --out " + (dir_ / "out").string());
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_EQ(r.err.rfind("jlattn: error: " + path.string() + ":", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_FALSE(fs::exists(dir_ / "out" / "X.npy"));
  }
}

// audit's file: family reads every kind: the same matrix, the same cell.
TEST_F(TargetFiles, AuditFileFamilyTakesEveryKind) {
  const CliRun r = jlattn("audit --L 8 --k 1 --eps 2 --trials 2 --max-d 256 --no-plots --quiet --target-family file:" +
                          (kFixtures / "N.mtx").string() + ",file:" + (kFixtures / "N_csr.npz").string() +
                          ",file:" + (kFixtures / "N.npy").string() + " --out " + (dir_ / "audit").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json results = nlohmann::json::parse(slurp(dir_ / "audit" / "results.json"));
  ASSERT_EQ(results.at("cells").size(), 3U);
  for (const auto& c : results.at("cells")) {
    EXPECT_EQ(c.at("cell").at("L").get<unsigned>(), 6U);
    EXPECT_EQ(c.at("cell").at("k").get<unsigned>(), 4U);  // rows 2-4: column 0 and a window of 3
    EXPECT_EQ(c.at("cell").at("rho"), results.at("cells")[0].at("cell").at("rho"));
  }
}

// --max-memory bounds what a compressed archive may make the reader allocate.
TEST_F(TargetFiles, MaxMemoryBoundsTheNpzReader) {
  const CliRun r = jlattn("construct --target " + (kFixtures / "N_csr.npz").string() +
                          " --eps 1 --gamma 0.1 --max-memory 1K --out " + (dir_ / "out").string());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("stored entries need about 1432 bytes, more than the memory limit of 1024 bytes"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace jlattn
