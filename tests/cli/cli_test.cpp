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
#include <regex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

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
// is the smallest proved bound for the projection and the target in
// construct, demo and explain alike (for Gaussian R Theorem 3's d_chernoff of
// the target), a bound's name is that bound, and `--bound` (kept for
// compatibility) agrees; explain's default is the explicitly named dstar,
// demo's the explicitly named theorems12.
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
  EXPECT_EQ(auto_name, "d_chernoff");  // the smallest bound proved for Gaussian R and this target
  EXPECT_EQ(constructed("--d chernoff", "chernoff"), std::make_pair(d_auto, std::string("d_chernoff")));
  EXPECT_EQ(constructed("--bound chernoff", "bound_chernoff"), std::make_pair(d_auto, std::string("d_chernoff")));
  const auto [d_pair, pair_name] = constructed("--d pair", "pair");
  EXPECT_EQ(pair_name, "d_pair");
  EXPECT_EQ(constructed("--d theorems12", "theorems12"), std::make_pair(d_pair, std::string("d_pair")));
  EXPECT_EQ(constructed("--bound pair", "bound_pair"), std::make_pair(d_pair, std::string("d_pair")));
  EXPECT_GT(d_pair, d_auto);
  const auto [d_star, star_name] = constructed("--d dstar", "dstar");
  EXPECT_EQ(star_name, "d_star");
  EXPECT_EQ(constructed("--d auto --bound dstar", "bound_dstar"), std::make_pair(d_star, std::string("d_star")));
  EXPECT_GT(d_star, d_auto);

  EXPECT_NE(explained("--d auto").find("d = " + std::to_string(d_auto) + " = d_chernoff;"), std::string::npos);
  EXPECT_NE(explained("").find("d = " + std::to_string(d_star) + " = d*;"), std::string::npos);
  EXPECT_NE(explained("--d dstar").find("d = " + std::to_string(d_star) + " = d*;"), std::string::npos);
  const CliRun demo = jlattn("demo --L 8 --d pair");
  EXPECT_EQ(demo.exit_code, 0) << demo.out << demo.err;
  EXPECT_NE(demo.out.find("bound         d = d_pair = "), std::string::npos) << demo.out;
  const CliRun demo_auto = jlattn("demo --L 8 --d auto");
  EXPECT_EQ(demo_auto.exit_code, 0) << demo_auto.out << demo_auto.err;
  EXPECT_NE(demo_auto.out.find("bound         d = d_chernoff = "), std::string::npos) << demo_auto.out;

  const CliRun both = jlattn("construct --target " + target.string() + " --eps 1 --gamma 0.1 --d pair --bound dstar "
                             "--out " + (dir_ / "both").string());
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_NE(both.err.find("--d pair and --bound dstar name two different bounds"), std::string::npos) << both.err;
  EXPECT_FALSE(fs::exists(dir_ / "both" / "report.json"));
}

// The lines of a run without its timing ("in 0.1 s").
std::string without_timing(std::string text) {
  return std::regex_replace(text, std::regex(R"(, in [0-9.e+-]+ s)"), ", in ... s");
}

// The demo's default dimension is the rule `auto` followed before Theorem 3
// (theorems12, named on the bound line), so the demo prints what it printed;
// `--bound NAME` alone still names the bound, as before.
TEST_F(CommandLine, DemoKeepsItsDefaultDimensionRule) {
  const CliRun by_default = jlattn("demo --L 16");
  const CliRun named = jlattn("demo --L 16 --d theorems12");
  ASSERT_EQ(by_default.exit_code, 0) << by_default.out << by_default.err;
  EXPECT_EQ(without_timing(by_default.out), without_timing(named.out));
  EXPECT_NE(by_default.out.find("(Theorem 1', --bound theorems12, valid for gaussian;"), std::string::npos)
      << by_default.out;
  EXPECT_EQ(by_default.out.find("lower bound"), std::string::npos) << by_default.out;
  const CliRun bound_alone = jlattn("demo --L 16 --bound dstar");
  EXPECT_EQ(bound_alone.exit_code, 0) << bound_alone.err;
  EXPECT_NE(bound_alone.out.find("bound         d = d* = "), std::string::npos) << bound_alone.out;
}

// construct --d auto for Gaussian R takes Theorem 3's d_chernoff of the
// target itself when it is the smallest, says which bound it took on the
// bound line and in report.json, and agrees with `bound --target` (the
// per-target bound printed by the bound command). Other laws keep the class
// bounds; --d chernoff is refused for them.
TEST_F(CommandLine, ConstructAutoNamesTheBoundItTook) {
  const fs::path target = small_target();
  const CliRun r = jlattn("construct --target " + target.string() + " --eps 1 --gamma 0.1 --no-weights --out " +
                          (dir_ / "auto").string());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const nlohmann::json report = nlohmann::json::parse(slurp(dir_ / "auto" / "report.json"));
  const auto& dims = report.at("dimensions");
  const std::uint64_t d = dims.at("d").get<std::uint64_t>();
  EXPECT_EQ(dims.at("d_from_bound").at("name"), "d_chernoff");
  EXPECT_EQ(dims.at("d_from_bound").at("scope"), "per target");
  EXPECT_EQ(dims.at("d_chernoff_target").get<std::uint64_t>(), d);
  EXPECT_NE(r.out.find("bound         d = d_chernoff = " + std::to_string(d) +
                       " (Theorem 3 (this target), --bound auto, valid for gaussian;"),
            std::string::npos)
      << r.out;

  const CliRun b = jlattn("bound --target " + target.string() + " --eps 1 --gamma 0.1 --json");
  ASSERT_EQ(b.exit_code, 0) << b.err;
  const nlohmann::json bound = nlohmann::json::parse(b.out);
  EXPECT_EQ(bound.at("per_target").at("d").get<std::uint64_t>(), d);
  EXPECT_LT(d, bound.at("class").at("d_pair").at("d").get<std::uint64_t>());

  const CliRun rad = jlattn("construct --target " + target.string() + " --eps 1 --gamma 0.1 --projection rademacher "
                            "--no-weights --out " + (dir_ / "rad").string());
  ASSERT_EQ(rad.exit_code, 0) << rad.out << rad.err;
  const nlohmann::json rad_report = nlohmann::json::parse(slurp(dir_ / "rad" / "report.json"));
  EXPECT_NE(rad_report.at("dimensions").at("d_from_bound").at("name"), "d_chernoff");
  EXPECT_FALSE(rad_report.at("dimensions").contains("d_chernoff_target"));
  const CliRun refused = jlattn("construct --target " + target.string() + " --eps 1 --gamma 0.1 --d chernoff "
                                "--projection rademacher --out " + (dir_ / "refused").string());
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_EQ(refused.err, "jlattn: error: --bound chernoff (d_chernoff) is proved for Gaussian R only, not for "
                         "rademacher; use dstar, polar or auto\n");
  EXPECT_FALSE(fs::exists(dir_ / "refused" / "report.json"));
}

// construct and certify print d_lower at the largest query and key norms of
// the matrices at hand, as a proved statement about those norms, and put it
// in their JSON; certify --lemma4 on construct's X gives the same norms and
// the same d_lower, and a certified permutation pattern never has d below it.
TEST_F(CommandLine, ConstructAndCertifyPrintTheLowerBoundAtTheirNorms) {
  const fs::path target = write("P.mtx", "%%MatrixMarket matrix coordinate pattern general\n8 8 8\n"
                                         "1 3\n2 1\n3 2\n4 8\n5 4\n6 5\n7 7\n8 6\n");
  const CliRun c = jlattn("construct --target " + target.string() + " --eps 1 --gamma 0.1 --no-weights --out " +
                          (dir_ / "out").string());
  ASSERT_EQ(c.exit_code, 0) << c.out << c.err;
  const nlohmann::json report = nlohmann::json::parse(slurp(dir_ / "out" / "report.json"));
  const auto& lower = report.at("dimensions").at("d_lower");
  ASSERT_TRUE(lower.at("computed").get<bool>()) << lower.dump();
  const std::uint64_t d_lower = lower.at("d").get<std::uint64_t>();
  EXPECT_LE(d_lower, report.at("dimensions").at("d").get<std::uint64_t>());
  EXPECT_GE(d_lower, 2U);
  EXPECT_NE(c.out.find("  lower bound   d_lower = " + std::to_string(d_lower) + " at these matrices' norms, N = "), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("(proved: no input within N serves a permutation pattern of L tokens in fewer dimensions)"),
            std::string::npos)
      << c.out;

  const std::string certify = "certify --target " + target.string() + " --x " + (dir_ / "out" / "X.npy").string() +
                              " --lemma4 --eps 1 --gamma 0.1";
  const CliRun text = jlattn(certify);
  EXPECT_EQ(text.exit_code, 0) << text.out << text.err;
  EXPECT_NE(text.out.find("  lower bound   d_lower = " + std::to_string(d_lower) + " at these matrices' norms, N = "), std::string::npos)
      << text.out;
  const CliRun json = jlattn(certify + " --json");
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const nlohmann::json cert = nlohmann::json::parse(json.out);
  EXPECT_EQ(cert.at("d_lower").at("d").get<std::uint64_t>(), d_lower);
  EXPECT_EQ(cert.at("d_lower").at("norm_budget").get<double>(), lower.at("norm_budget").get<double>());
  EXPECT_GE(cert.at("d_lower").at("norm_budget").get<double>(),
            cert.at("d_lower").at("query_norm_upper").get<double>() * cert.at("d_lower").at("key_norm_upper").get<double>());
}

// --gap-Delta in construct, demo and explain: Lemma 1's gap everywhere (the
// summary, report.json, the walkthrough and the commands it prints), and one
// message for a gap below ln(1/gamma) + eps in each subcommand.
TEST_F(CommandLine, GapDeltaInEverySubcommandThatConstructs) {
  const fs::path target = small_target();
  const CliRun c = jlattn("construct --target " + target.string() + " --eps 1 --gamma 0.1 --gap-Delta 5 --d chernoff "
                          "--no-weights --out " + (dir_ / "gap").string());
  ASSERT_EQ(c.exit_code, 0) << c.out << c.err;
  EXPECT_NE(c.out.find("Delta = --gap-Delta (>= ln(1/gamma) + eps) = 5\n"), std::string::npos) << c.out;
  const nlohmann::json report = nlohmann::json::parse(slurp(dir_ / "gap" / "report.json"));
  EXPECT_EQ(report.at("parameters").at("gap_Delta").get<double>(), 5.0);
  // Theorem 3 at that gap, as `bound --target --gap-Delta` computes it.
  const CliRun b = jlattn("bound --target " + target.string() + " --eps 1 --gamma 0.1 --gap-Delta 5 --json");
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(report.at("dimensions").at("d").get<std::uint64_t>(),
            nlohmann::json::parse(b.out).at("per_target").at("d").get<std::uint64_t>());
  const CliRun plain = jlattn("construct --target " + target.string() + " --eps 1 --gamma 0.1 --d chernoff "
                              "--no-weights --out " + (dir_ / "plain").string());
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_TRUE(nlohmann::json::parse(slurp(dir_ / "plain" / "report.json")).at("parameters").at("gap_Delta").is_null());

  const CliRun demo = jlattn("demo --L 8 --gap-Delta 5 --d 40");
  EXPECT_NE(demo.out.find("Delta = --gap-Delta (>= ln(1/gamma) + eps) = 5\n"), std::string::npos) << demo.out;

  const CliRun e = jlattn("explain --demo 6 --gap-Delta 5 --d 12 --out " + (dir_ / "walk.md").string());
  ASSERT_EQ(e.exit_code, 0) << e.err;
  const std::string page = slurp(dir_ / "walk.md");
  EXPECT_NE(page.find("--gap-Delta 5"), std::string::npos);
  EXPECT_NE(page.find("\\Delta = 5 \\ge \\ln\\frac{1}{\\gamma} + \\varepsilon"), std::string::npos);

  const std::string message = "jlattn: error: gap-Delta has to be at least ln(1/gamma) + eps = 3.302585092994046, got 3\n";
  for (const std::string& command :
       {"construct --target " + target.string() + " --eps 1 --gamma 0.1 --gap-Delta 3 --out " + (dir_ / "bad").string(),
        std::string("demo --L 8 --gap-Delta 3"),
        "explain --demo 6 --gap-Delta 3 --out " + (dir_ / "bad.md").string()}) {
    const CliRun r = jlattn(command);
    EXPECT_EQ(r.exit_code, 2) << command;
    EXPECT_EQ(r.err, message) << command;
  }
  EXPECT_FALSE(fs::exists(dir_ / "bad" / "report.json"));
  EXPECT_FALSE(fs::exists(dir_ / "bad.md"));
}

// construct --uniform --gap-Delta: R's certificate is Theorem 2's at the
// user's gap (the gap of every B it serves), and a certificate file at
// another gap, or at Lemma 2's, is refused instead of reused. --d fixes R,
// so only the gap differs between the runs.
TEST_F(CommandLine, UniformProjectionIsCertifiedAtTheUsersGap) {
  const fs::path target = small_target();
  const std::string file = (dir_ / "R.cert.json").string();
  const auto construct = [&](const std::string& gap, const std::string& out) {
    return jlattn("construct --target " + target.string() + " --eps 1 --gamma 0.1 --uniform --d 20000 --seed 5 " +
                  gap + " --no-weights --projection-certificate " + file + " --out " + (dir_ / out).string());
  };
  const CliRun first = construct("--gap-Delta 5", "first");
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_NE(first.out.find("Theorem 2     one R for the class: certified (mu(R) <= tau_u), written to " + file),
            std::string::npos) << first.out;
  const nlohmann::json written = nlohmann::json::parse(slurp(file));
  EXPECT_EQ(written.at("gap_Delta").get<double>(), 5.0);
  EXPECT_EQ(written.at("Delta").at("lower").get<double>(), 5.0);
  EXPECT_EQ(written.at("Delta").at("upper").get<double>(), 5.0);
  // tau_u = (1/2) / (2 * 5 + 1 * rho) for the class k = 2, rho = the target's range rounded up.
  const double rho = written.at("rho").get<double>();
  EXPECT_LE(written.at("tau_u").at("lower").get<double>(), 0.5 / (10 + rho) * (1 + 1e-15));
  EXPECT_GE(written.at("tau_u").at("upper").get<double>(), 0.5 / (10 + rho) * (1 - 1e-15));
  EXPECT_EQ(nlohmann::json::parse(slurp(dir_ / "first" / "report.json")).at("uniform_projection"),
            [&] { nlohmann::json u = written; u["file"] = file; u["reused"] = false; return u; }());

  const std::string refusal = "jlattn: error: " + file + " certifies another R, class or gap; remove it or name another file\n";
  for (const std::string gap : {"--gap-Delta 6", ""}) {
    const CliRun other = construct(gap, "other");
    EXPECT_EQ(other.exit_code, 2) << gap;
    EXPECT_EQ(other.err, refusal) << gap;
    EXPECT_FALSE(fs::exists(dir_ / "other" / "report.json")) << gap;
  }
  const CliRun again = construct("--gap-Delta 5", "again");
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_NE(again.out.find("certified (mu(R) <= tau_u), reused from " + file), std::string::npos) << again.out;

  // At Lemma 2's gap the file records the point ln(1/gamma) + eps rounded up,
  // 3.302585092994046 here; a file whose Delta is another value (as files
  // written before that rule: an interval around the real gap) is refused.
  fs::remove(file);
  const CliRun lemma2 = construct("", "lemma2");
  ASSERT_EQ(lemma2.exit_code, 0) << lemma2.out << lemma2.err;
  nlohmann::json stored = nlohmann::json::parse(slurp(file));
  EXPECT_EQ(stored.at("Delta").at("lower").get<double>(), 3.302585092994046);
  EXPECT_EQ(stored.at("Delta").at("upper").get<double>(), 3.302585092994046);
  stored["Delta"]["lower"] = 3.302585092994045;
  stored["Delta"]["upper"] = 3.3025850929940463;
  std::ofstream(file) << stored.dump();
  const CliRun old = construct("", "old");
  EXPECT_EQ(old.exit_code, 2);
  EXPECT_EQ(old.err, refusal);
}

// certify-projection --gap-Delta: the option of construct (name, help,
// parsing), Theorem 2's tau_u at that gap, and one message with exit 2 for a
// gap below ln(1/gamma) + eps or not a number.
TEST_F(CommandLine, CertifyProjectionTakesTheGap) {
  const std::string projection = "certify-projection --L 4 --d 2 --k 2 --rho 0.5 --eps 1 --gamma 0.1";
  const CliRun help = jlattn("certify-projection --help");
  EXPECT_NE(help.out.find("--gap-Delta"), std::string::npos) << help.out;
  EXPECT_NE(help.out.find("Lemma 1's gap Delta >= ln(1/gamma) + eps"), std::string::npos) << help.out;
  const CliRun at_gap = jlattn(projection + " --gap-Delta 5 --json");
  ASSERT_EQ(at_gap.exit_code, 3) << at_gap.err;
  const nlohmann::json j = nlohmann::json::parse(at_gap.out);
  EXPECT_EQ(j.at("gap_Delta").get<double>(), 5.0);
  // tau_u = (1/2) / (2 * 5 + 1 * 0.5) = 1/21
  EXPECT_LE(j.at("tau_u").at("lower").get<double>(), 1.0 / 21);
  EXPECT_GE(j.at("tau_u").at("upper").get<double>(), 1.0 / 21);
  EXPECT_TRUE(nlohmann::json::parse(jlattn(projection + " --json").out).at("gap_Delta").is_null());
  const CliRun text = jlattn(projection + " --gap-Delta 5");
  EXPECT_NE(text.out.find("  Delta         --gap-Delta (>= ln(1/gamma) + eps) = 5\n"), std::string::npos) << text.out;

  for (const auto& [gap, message] : std::vector<std::pair<std::string, std::string>>{
           {"3", "gap-Delta has to be at least ln(1/gamma) + eps = 3.302585092994046, got 3"},
           {"3.3025850929940455", "gap-Delta has to be at least ln(1/gamma) + eps = 3.302585092994046, got 3.3025850929940455"},
           {"nan", "--gap-Delta 'nan' is NaN"}}) {
    const CliRun r = jlattn(projection + " --gap-Delta " + gap);
    EXPECT_EQ(r.exit_code, 2) << gap;
    EXPECT_EQ(r.err, "jlattn: error: " + message + "\n") << gap;
    EXPECT_EQ(r.out, "") << gap;
  }
}

// explain shows Theorem 3's d_chernoff of the target beside d*, and it is
// the d_chernoff that construct --d chernoff uses for the same target.
TEST_F(CommandLine, ExplainShowsDChernoffBesideDStar) {
  const fs::path target = small_target();
  const CliRun c = jlattn("construct --target " + target.string() + " --eps 1 --gamma 0.1 --d chernoff --no-weights "
                          "--out " + (dir_ / "c").string());
  ASSERT_EQ(c.exit_code, 0) << c.err;
  const nlohmann::json report = nlohmann::json::parse(slurp(dir_ / "c" / "report.json"));
  const std::string d_chernoff = std::to_string(report.at("dimensions").at("d").get<std::uint64_t>());
  const std::string d_star = std::to_string(report.at("dimensions").at("d_star_theorem1").get<std::uint64_t>());
  const CliRun e = jlattn("explain --target " + target.string() + " --out " + (dir_ / "walk.md").string());
  ASSERT_EQ(e.exit_code, 0) << e.err;
  const std::string page = slurp(dir_ / "walk.md");
  EXPECT_NE(page.find("$d_{\\rm chernoff} = " + d_chernoff + "$ (proved with MPFR/MPFI enclosures; Gaussian $R$ only), "
                      "against $d^* = " + d_star + "$"),
            std::string::npos);
}

}  // namespace
}  // namespace jlattn
