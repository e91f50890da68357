// Checks the command line end to end: the demo, construct's outputs (read
// back by our .npy reader and by NumPy), and that bad input gets one clear
// message and a non-zero exit without partial outputs.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <utility>

#include "jlattn/io/matrix_market.hpp"
#include "jlattn/io/npy.hpp"
#include "jlattn/proof/lemma4_adaptive_input.hpp"
#include "support/cli.hpp"
#include "support/files.hpp"

namespace jlattn {
namespace {

namespace fs = std::filesystem;

using testing::CliRun;
using testing::slurp;

class CommandLine : public testing::ScratchDirTest {
 protected:
  CommandLine() : ScratchDirTest("jlattn_cli_") {}

  CliRun jlattn(const std::string& args) const { return testing::run_jlattn(args, dir_); }

  fs::path write(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return dir_ / name;
  }

  // A small valid target: a window of width 2 plus a global column.
  fs::path small_target() const {
    return write("A.mtx",
                 "%%MatrixMarket matrix coordinate real general\n"
                 "6 6 11\n"
                 "1 1 1\n1 2 2\n2 1 3\n2 2 1\n3 1 1\n3 3 4\n4 1 2\n4 4 1\n5 1 1\n5 5 1\n6 1 1\n");
  }
};

// The demo runs the construction at the smallest proved bound on the
// built-in target and the certifier proves the result.
TEST_F(CommandLine, DemoIsCertified) {
  const CliRun r = jlattn("demo");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("result        certified"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("d* = 16236"), std::string::npos) << r.out;
}

// The demo's verdict is not fixed: at d = 4 it is refuted, with a witness and exit 3.
TEST_F(CommandLine, DemoIsRefutedFarBelowDStar) {
  const CliRun r = jlattn("demo --d 4 --seed 1");
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.out.find("result        refuted"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("witness       condition"), std::string::npos) << r.out;
}

TEST_F(CommandLine, VersionAndHelp) {
  const CliRun v = jlattn("--version");
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_NE(v.out.find(JLATTN_VERSION), std::string::npos) << v.out;
  for (const char* sub : {"demo", "construct", "certify"}) {
    const CliRun h = jlattn(std::string(sub) + " --help");
    EXPECT_EQ(h.exit_code, 0) << sub;
    EXPECT_NE(h.out.find("--eps"), std::string::npos) << sub << ": " << h.out;
    EXPECT_NE(h.out.find("Exit codes"), std::string::npos) << sub;
  }
}

// construct writes the four files; reading them back and re-evaluating
// Definition 2 from X, W_Q, W_K reproduces the report's eps_hat.
TEST_F(CommandLine, ConstructWritesFilesThatReproduceTheReport) {
  const fs::path target = small_target();
  const CliRun r = jlattn("construct --target " + target.string() + " --eps 1 --gamma 0.1 --d 200 --seed 5 --out " +
                       (dir_ / "out").string());
  ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 3) << r.err;
  const Matrix X = io::read_npy_file((dir_ / "out" / "X.npy").string());
  const Matrix W_Q = io::read_npy_file((dir_ / "out" / "W_Q.npy").string());
  const Matrix W_K = io::read_npy_file((dir_ / "out" / "W_K.npy").string());
  EXPECT_EQ(X.rows(), 6);
  EXPECT_EQ(X.cols(), 400);
  EXPECT_TRUE(W_Q == query_weights(200));
  EXPECT_TRUE(W_K == key_weights(200));
  const nlohmann::json report = nlohmann::json::parse(slurp(dir_ / "out" / "report.json"));
  const Target A = io::read_matrix_market_file(target.string());
  const ApproximationEvaluation e = evaluate_approximation(scores(X, W_Q, W_K), A, 1.0, 0.1);
  EXPECT_NEAR(e.eps_hat, report["evaluation"]["eps_hat"].get<double>(), 1e-12);
  EXPECT_EQ(report["dimensions"]["d"].get<std::size_t>(), 200u);
  EXPECT_EQ(report["parameters"]["seed"].get<std::uint64_t>(), 5u);
  EXPECT_EQ(report["evaluation"]["approximates"].get<bool>(), r.exit_code == 0);
  // No temporary file is left behind.
  for (const auto& entry : fs::directory_iterator(dir_ / "out"))
    EXPECT_EQ(entry.path().filename().string().find(".partial"), std::string::npos) << entry.path();
}

// The README's NumPy check: numpy.load reads the files, and eps_hat
// recomputed by NumPy matches report.json.
TEST_F(CommandLine, NumPyRecomputesTheReportedEpsHat) {
  if (std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "/usr/bin/python3 with numpy (Debian python3-numpy) is not installed";
  const fs::path target = small_target();
  const fs::path out = dir_ / "out";
  const CliRun r = jlattn("construct --target " + target.string() + " --eps 0.5 --gamma 0.1 --d 300 --out " + out.string());
  ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 3) << r.err;
  const fs::path script = fs::path(JLATTN_SOURCE_DIR) / "tools" / "check_construction.py";
  const std::string command = "/usr/bin/python3 " + script.string() + " " + target.string() + " " + out.string() +
                              " >" + (dir_ / "py.out").string() + " 2>&1";
  EXPECT_EQ(std::system(command.c_str()), 0) << slurp(dir_ / "py.out");
  EXPECT_NE(slurp(dir_ / "py.out").find("agrees"), std::string::npos) << slurp(dir_ / "py.out");
}

struct BadInput {
  std::string name, file_text, args, message;
};

// Every kind of bad input: exit 2, one line on stderr naming the problem,
// nothing on stdout, and no output files under their final names.
TEST_F(CommandLine, BadInputGetsOneClearMessage) {
  const std::string ok_header = "%%MatrixMarket matrix coordinate real general\n";
  const std::string ok = ok_header + "2 2 2\n1 1 1\n2 2 1\n";
  const std::vector<BadInput> cases = {
      {"missing file", "", "--target /nonexistent/A.mtx --eps 1 --gamma 0.1", "/nonexistent/A.mtx"},
      {"malformed header", "%%MatrixMarket matrix array pattern general\n2 2\n1\n0\n0\n1\n", "--eps 1 --gamma 0.1",
       "pattern field is not allowed with the array format"},
      {"truncated", ok_header + "2 2 3\n1 1 1\n2 2 1\n", "--eps 1 --gamma 0.1", "entries"},
      {"index out of range", ok_header + "2 2 2\n1 1 1\n2 3 1\n", "--eps 1 --gamma 0.1", "range"},
      {"duplicate entry", ok_header + "2 2 3\n1 1 1\n2 2 1\n1 1 2\n", "--eps 1 --gamma 0.1", "duplicate"},
      {"negative entry", ok_header + "2 2 2\n1 1 -1\n2 2 1\n", "--eps 1 --gamma 0.1", "negative"},
      {"NaN entry", ok_header + "2 2 2\n1 1 nan\n2 2 1\n", "--eps 1 --gamma 0.1", "NaN"},
      {"Inf entry", ok_header + "2 2 2\n1 1 inf\n2 2 1\n", "--eps 1 --gamma 0.1", "not finite"},
      {"all-zero row", ok_header + "2 2 2\n1 1 1\n2 2 0\n", "--eps 1 --gamma 0.1", "row 2"},
      {"eps <= 0", ok, "--eps 0 --gamma 0.1", "eps"},
      {"eps NaN", ok, "--eps nan --gamma 0.1", "eps"},
      {"gamma = 1", ok, "--eps 1 --gamma 1", "gamma"},
      {"gamma <= 0", ok, "--eps 1 --gamma -0.5", "gamma"},
      {"delta = 0", ok, "--eps 1 --gamma 0.1 --delta 0", "delta"},
      {"delta > 1", ok, "--eps 1 --gamma 0.1 --delta 2", "delta"},
      {"d not a number", ok, "--eps 1 --gamma 0.1 --d lots", "--d"},
      {"d = 0", ok, "--eps 1 --gamma 0.1 --d 0", "--d"},
      {"d too large for memory", ok, "--eps 1 --gamma 0.1 --d 4294967295", "needs about"},
      {"unknown projection", ok, "--eps 1 --gamma 0.1 --projection orthogonal", "orthogonal"},
  };
  for (const BadInput& c : cases) {
    SCOPED_TRACE(c.name);
    std::string args = c.args;
    if (args.find("--target") == std::string::npos) args += " --target " + write("bad.mtx", c.file_text).string();
    const fs::path out = dir_ / "out_bad";
    const CliRun r = jlattn("construct " + args + " --out " + out.string());
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_FALSE(fs::exists(out / "X.npy"));
    EXPECT_FALSE(fs::exists(out / "report.json"));
  }
}

TEST_F(CommandLine, MissingRequiredOptionIsAUsageError) {
  const CliRun r = jlattn("construct --eps 1 --gamma 0.1 --out " + (dir_ / "o").string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--target"), std::string::npos) << r.err;
}

// A .npy file written byte by byte, so malformed variants can be made.
std::string npy_file(const std::string& descr, bool fortran, std::size_t rows, std::size_t cols,
                     const std::vector<double>& values, std::size_t drop_bytes = 0) {
  std::string header = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") +
                       ", 'shape': (" + std::to_string(rows) + ", " + std::to_string(cols) + "), }";
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  out += header;
  for (double v : values) {
    std::uint64_t bits;
    std::memcpy(&bits, &v, 8);
    for (int b = 0; b < 8; ++b) out += static_cast<char>((bits >> (8 * b)) & 0xff);
  }
  out.resize(out.size() - drop_bytes);
  return out;
}

// certify proves what construct emitted: the same verdict from the files
// (W_Q.npy, W_K.npy) and from --lemma4, and the same as report.json's.
TEST_F(CommandLine, CertifyAgreesWithConstructReport) {
  const fs::path target = small_target();
  const fs::path out = dir_ / "out";
  const CliRun c = jlattn("construct --target " + target.string() + " --eps 1 --gamma 0.1 --d 300 --out " + out.string());
  ASSERT_TRUE(c.exit_code == 0 || c.exit_code == 3) << c.err;
  const nlohmann::json report = nlohmann::json::parse(slurp(out / "report.json"));
  const std::string expected = report["certificate"]["verdict"].get<std::string>();
  const std::string common = " --target " + target.string() + " --x " + (out / "X.npy").string() + " --eps 1 --gamma 0.1";
  const CliRun files = jlattn("certify" + common + " --wq " + (out / "W_Q.npy").string() + " --wk " +
                              (out / "W_K.npy").string() + " --json");
  const CliRun lemma4 = jlattn("certify" + common + " --lemma4");
  EXPECT_EQ(files.exit_code, c.exit_code) << files.err;
  EXPECT_EQ(lemma4.exit_code, c.exit_code) << lemma4.err;
  const nlohmann::json cert = nlohmann::json::parse(files.out);
  EXPECT_EQ(cert["verdict"].get<std::string>(), expected);
  EXPECT_NE(lemma4.out.find("verdict       " + expected), std::string::npos) << lemma4.out;
  EXPECT_LE(cert["eps_hat"]["lower"].get<double>(), report["evaluation"]["eps_hat"].get<double>() + 1e-9);
  EXPECT_GE(cert["eps_hat"]["upper"].get<double>(), report["evaluation"]["eps_hat"].get<double>() - 1e-9);
}

// The same X against a target whose weight (1,2) is moved by a factor 100
// (ln 100 > 2 eps + eps_hat) is refuted in row 0, with a witness and exit 3.
TEST_F(CommandLine, CertifyRefutesAPerturbedTarget) {
  const fs::path target = small_target();
  const fs::path out = dir_ / "out";
  const CliRun c = jlattn("construct --target " + target.string() + " --eps 1 --gamma 0.1 --out " + out.string() +
                          " --no-weights");
  ASSERT_EQ(c.exit_code, 0) << c.out << c.err;
  const fs::path moved = write("moved.mtx",
                               "%%MatrixMarket matrix coordinate real general\n"
                               "6 6 11\n"
                               "1 1 1\n1 2 200\n2 1 3\n2 2 1\n3 1 1\n3 3 4\n4 1 2\n4 4 1\n5 1 1\n5 5 1\n6 1 1\n");
  const CliRun r = jlattn("certify --target " + moved.string() + " --x " + (out / "X.npy").string() +
                          " --lemma4 --eps 1 --gamma 0.1 --json");
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  const nlohmann::json cert = nlohmann::json::parse(r.out);
  EXPECT_EQ(cert["verdict"].get<std::string>(), "refuted");
  EXPECT_EQ(cert["witness"]["i"].get<std::size_t>(), 0u);
  EXPECT_EQ(cert["witness"]["condition"].get<std::string>(), "R1");
  EXPECT_GT(cert["witness"]["margin"]["lower"].get<double>(), 0.0);
}

// Malformed or inconsistent matrices: one line naming the problem, exit 2.
TEST_F(CommandLine, CertifyBadInputGetsOneClearMessage) {
  const fs::path target = write("A.mtx", "%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1\n2 2 1\n");
  const std::vector<double> x = {0, 0, 1, 0, 0, 0, 0, 1};  // X = [S | I], S = 0, 2 x 4
  const double nan = std::numeric_limits<double>::quiet_NaN();
  struct Case {
    std::string name, x_file, extra, message;
  };
  const std::vector<Case> cases = {
      {"wrong dtype", npy_file("<f4", false, 2, 4, x), "--lemma4", "<f4"},
      {"Fortran order", npy_file("<f8", true, 2, 4, x), "--lemma4", "Fortran"},
      {"big-endian", npy_file(">f8", false, 2, 4, x), "--lemma4", ">f8"},
      {"truncated", npy_file("<f8", false, 2, 4, x, 5), "--lemma4", "truncated"},
      {"NaN in X", npy_file("<f8", false, 2, 4, {nan, 0, 1, 0, 0, 0, 0, 1}), "--lemma4", "NaN"},
      {"X rows differ from L", npy_file("<f8", false, 1, 4, {0, 0, 1, 0}), "--lemma4", "rows"},
      {"odd columns with --lemma4", npy_file("<f8", false, 2, 3, {0, 0, 1, 0, 0, 0}), "--lemma4", "2d columns"},
      {"neither --wq nor --lemma4", npy_file("<f8", false, 2, 4, x), "", "--lemma4"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const fs::path x_path = write("X.npy", c.x_file);
    const CliRun r = jlattn("certify --target " + target.string() + " --x " + x_path.string() + " " + c.extra +
                            " --eps 1 --gamma 0.1");
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  // W_Q whose rows do not match X's columns.
  const fs::path x_path = write("X.npy", npy_file("<f8", false, 2, 4, x));
  const fs::path wq = write("WQ.npy", npy_file("<f8", false, 3, 2, {1, 0, 0, 1, 0, 0}));
  const CliRun r = jlattn("certify --target " + target.string() + " --x " + x_path.string() + " --wq " + wq.string() +
                          " --wk " + wq.string() + " --eps 1 --gamma 0.1");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("W_Q is 3 x 2"), std::string::npos) << r.err;
}

// `--d` is read by one parser and means the same in every subcommand: `auto`
// is the smallest proved bound for the projection in construct, demo and
// explain alike, a bound's name is that bound, and `--bound` (kept for
// compatibility) agrees; explain's default is the explicitly named dstar.
TEST_F(CommandLine, DimensionAutoMeansTheSameInEverySubcommand) {
  const fs::path target = write("R.mtx", "%%MatrixMarket matrix coordinate real general\n4 4 7\n"
                                         "1 1 1\n1 2 2\n2 2 1\n3 1 1\n3 3 3\n4 1 1\n4 4 1\n");
  const auto constructed = [&](const std::string& dimension, const std::string& out) {
    const CliRun r = jlattn("construct --target " + target.string() + " --eps 1 --gamma 0.1 " + dimension +
                            " --no-weights --out " + (dir_ / out).string());
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    const nlohmann::json report = nlohmann::json::parse(slurp(dir_ / out / "report.json"));
    return std::make_pair(report.at("dimensions").at("d").get<std::uint64_t>(),
                          report.at("dimensions").at("d_from_bound").at("name").get<std::string>());
  };
  const auto explained = [&](const std::string& dimension) {
    const CliRun r = jlattn("explain --target " + target.string() + " " + dimension + " --out " +
                            (dir_ / "walk.md").string());
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    return r.out;
  };
  const auto [d_auto, auto_name] = constructed("--d auto", "auto");
  EXPECT_EQ(auto_name, "d_pair");  // the smallest bound proved for Gaussian R
  EXPECT_EQ(constructed("--d pair", "pair"), std::make_pair(d_auto, std::string("d_pair")));
  EXPECT_EQ(constructed("--bound pair", "bound_pair"), std::make_pair(d_auto, std::string("d_pair")));
  const auto [d_star, star_name] = constructed("--d dstar", "dstar");
  EXPECT_EQ(star_name, "d_star");
  EXPECT_EQ(constructed("--d auto --bound dstar", "bound_dstar"), std::make_pair(d_star, std::string("d_star")));
  EXPECT_GT(d_star, d_auto);

  EXPECT_NE(explained("--d auto").find("d = " + std::to_string(d_auto) + " = d_pair;"), std::string::npos);
  EXPECT_NE(explained("").find("d = " + std::to_string(d_star) + " = d*;"), std::string::npos);
  EXPECT_NE(explained("--d dstar").find("d = " + std::to_string(d_star) + " = d*;"), std::string::npos);
  const CliRun demo = jlattn("demo --L 8 --d pair");
  EXPECT_EQ(demo.exit_code, 0) << demo.out << demo.err;
  EXPECT_NE(demo.out.find("bound         d = d_pair = "), std::string::npos) << demo.out;

  const CliRun both = jlattn("construct --target " + target.string() + " --eps 1 --gamma 0.1 --d pair --bound dstar "
                             "--out " + (dir_ / "both").string());
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_NE(both.err.find("--d pair and --bound dstar name two different bounds"), std::string::npos) << both.err;
  EXPECT_FALSE(fs::exists(dir_ / "both" / "report.json"));
}

}  // namespace
}  // namespace jlattn
