// Typed decimals mean what they say, through the command line of every
// subcommand: each real-valued option reads decimals crafted beside the
// midpoint of two doubles (where CLI11's own strtold-then-cast conversion
// lands one ulp off) as their nearest double, observed in what the program
// prints or writes; certify and audit agree; the reported counterexample is
// refuted; integer options take decimal digits only.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "jlattn/io/npy.hpp"
#include "support/binary64.hpp"
#include "support/cli.hpp"
#include "support/decimals.hpp"
#include "support/files.hpp"
#include "support/mpfr.hpp"

namespace jlattn {
namespace {

namespace fs = std::filesystem;

using testing::bits;
using testing::CliRun;
using testing::crafted_decimals;
using testing::CraftedDecimal;
using testing::slurp;

/// Crafted decimals of an option's range: 4 midpoints, both sides of each.
std::vector<CraftedDecimal> crafted(double lo, double hi, std::uint64_t seed) {
  return crafted_decimals(lo, hi, 4, seed);
}

/// How many of them the double-rounding conversion gets wrong: the tests
/// below only bite if this is positive (by construction it is half).
int misread_by_double_rounding(const std::vector<CraftedDecimal>& decimals) {
  int n = 0;
  for (const CraftedDecimal& c : decimals) n += c.rounds_twice_wrong;
  return n;
}

/// The token after `key` in printed text, up to a comma, space or line end.
std::string token_after(const std::string& text, const std::string& key) {
  const auto at = text.find(key);
  if (at == std::string::npos) return "";
  const auto start = at + key.size();
  return text.substr(start, text.find_first_of(", \n", start) - start);
}

/// stem, n and suffix as one name ("out3", "w0.md"): appended piecewise, as
/// "literal" + std::string trips GCC 12's false -Wrestrict.
std::string numbered(const char* stem, std::size_t n, const char* suffix = "") {
  return std::string(stem).append(std::to_string(n)).append(suffix);
}

/// A printed decimal read by the C library (glibc's strtod is correctly
/// rounded): the double the program printed.
double printed(const std::string& text) { return std::strtod(text.c_str(), nullptr); }

class DecimalOptions : public testing::ScratchDirTest {
 protected:
  DecimalOptions() : ScratchDirTest("jlattn_decimals_") {}

  CliRun jlattn(std::vector<std::string> args) const { return testing::run_jlattn_direct(args, dir_); }

  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return (dir_ / name).string();
  }

  std::string write_npy(const std::string& name, const Matrix& M) const {
    std::ofstream out(dir_ / name, std::ios::binary);
    io::write_npy(out, M);
    return (dir_ / name).string();
  }

  std::string small_target() const {
    return write("A.mtx", "%%MatrixMarket matrix coordinate real general\n3 3 4\n1 1 1\n2 1 1\n2 2 2\n3 3 1\n");
  }

  nlohmann::json json_file(const std::string& name) const { return nlohmann::json::parse(slurp(dir_ / name)); }
};

// ---- the reported counterexample --------------------------------------------

// X = [[1, 0], [1, -c]] with Lemma 4's selectors (d = 1) and the target with
// entries (1,1), (2,1), (2,2): row 1's off-support ratio is exp(-c), and R2
// asks exp(-c) <= gamma. For the typed gamma it fails (checked here with
// MPFR at 200 bits), so the only right answers are refuted or undecided;
// reading gamma one ulp high made certify say certified.
TEST_F(DecimalOptions, CertifyRefutesTheReportedExample) {
  const double c = 0.8443054150391065;
  const std::string typed = "0.4298558259351902";
  const testing::Real ratio = boost::multiprecision::exp(testing::Real(-c));
  const testing::Rational gamma = testing::exact_decimal(typed);
  ASSERT_GT(ratio, testing::Real(boost::multiprecision::numerator(gamma)) /
                       testing::Real(boost::multiprecision::denominator(gamma)));  // R2 fails
  const double nearest = 0x1.b82c20298bfddp-2, one_ulp_high = 0x1.b82c20298bfdep-2;
  ASSERT_GT(ratio, testing::Real(nearest));        // fails for the nearest double as well
  ASSERT_LE(ratio, testing::Real(one_ulp_high));   // and holds one ulp higher: the old misreading

  Matrix X(2, 2);
  X << 1.0, 0.0, 1.0, -c;
  const std::string x = write_npy("X.npy", X);
  const std::string A = write("A.mtx", "%%MatrixMarket matrix coordinate real general\n2 2 3\n1 1 1\n2 1 1\n2 2 1\n");
  const CliRun r = jlattn({"certify", "--target", A, "--x", x, "--lemma4", "--eps", "1", "--gamma", typed});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.out.find("verdict       refuted"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("R2 fails"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("gamma = " + typed + "\n"), std::string::npos) << r.out;  // the header echoes what was used
  const CliRun j = jlattn({"certify", "--target", A, "--x", x, "--lemma4", "--eps", "1", "--gamma", typed, "--json"});
  EXPECT_EQ(bits(nlohmann::json::parse(j.out).at("gamma").get<double>()), bits(nearest));
}

// ---- every real-valued option of every subcommand -------------------------

TEST_F(DecimalOptions, Certify) {
  Matrix X(3, 2);
  X << 1.0, 0.5, 0.25, -1.0, 2.0, 0.0;
  const std::string x = write_npy("X.npy", X), A = small_target();
  const auto eps = crafted(0.5, 4.0, 1), gamma = crafted(0.05, 0.95, 2);
  ASSERT_GT(misread_by_double_rounding(eps) * misread_by_double_rounding(gamma), 0);
  for (std::size_t n = 0; n < eps.size(); ++n) {
    const CliRun r = jlattn({"certify", "--target", A, "--x", x, "--lemma4", "--eps", eps[n].text, "--gamma",
                             gamma[n].text, "--json"});
    ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 3) << r.err;
    const nlohmann::json j = nlohmann::json::parse(r.out);
    EXPECT_EQ(bits(j.at("eps").get<double>()), bits(eps[n].nearest)) << eps[n].text;
    EXPECT_EQ(bits(j.at("gamma").get<double>()), bits(gamma[n].nearest)) << gamma[n].text;
    // The text header prints the same doubles, in a form that reads back.
    const CliRun t = jlattn({"certify", "--target", A, "--x", x, "--lemma4", "--eps", eps[n].text, "--gamma",
                             gamma[n].text});
    EXPECT_EQ(bits(printed(token_after(t.out, "eps = "))), bits(eps[n].nearest)) << t.out;
    EXPECT_EQ(bits(printed(token_after(t.out, "gamma = "))), bits(gamma[n].nearest)) << t.out;
  }
}

TEST_F(DecimalOptions, CertifyProjection) {
  const auto rho = crafted(0.01, 3.0, 3), eps = crafted(0.5, 4.0, 4), gamma = crafted(0.05, 0.95, 5);
  for (std::size_t n = 0; n < eps.size(); ++n) {
    const CliRun r = jlattn({"certify-projection", "--L", "4", "--d", "2", "--k", "2", "--rho", rho[n].text, "--eps",
                             eps[n].text, "--gamma", gamma[n].text, "--json"});
    ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 3) << r.err;
    const nlohmann::json j = nlohmann::json::parse(r.out);
    EXPECT_EQ(bits(j.at("rho").get<double>()), bits(rho[n].nearest)) << rho[n].text;
    EXPECT_EQ(bits(j.at("eps").get<double>()), bits(eps[n].nearest)) << eps[n].text;
    EXPECT_EQ(bits(j.at("gamma").get<double>()), bits(gamma[n].nearest)) << gamma[n].text;
  }
}

TEST_F(DecimalOptions, ConstructWritesTheDoublesItUsedToReportJson) {
  const std::string A = small_target();
  const auto eps = crafted(0.5, 4.0, 6), gamma = crafted(0.05, 0.95, 7), delta = crafted(0.01, 0.5, 8),
             class_rho = crafted(0.7, 3.0, 9);
  for (std::size_t n = 0; n < eps.size(); ++n) {
    const std::string out = (dir_ / numbered("out", n)).string();
    const CliRun r = jlattn({"construct", "--target", A, "--eps", eps[n].text, "--gamma", gamma[n].text, "--delta",
                             delta[n].text, "--d", "2", "--no-weights", "--uniform", "--class-rho",
                             class_rho[n].text, "--out", out});
    ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 3) << r.err;
    const nlohmann::json report = json_file(numbered("out", n, "/report.json"));
    EXPECT_EQ(bits(report.at("parameters").at("eps").get<double>()), bits(eps[n].nearest)) << eps[n].text;
    EXPECT_EQ(bits(report.at("parameters").at("gamma").get<double>()), bits(gamma[n].nearest)) << gamma[n].text;
    EXPECT_EQ(bits(report.at("parameters").at("delta").get<double>()), bits(delta[n].nearest)) << delta[n].text;
    EXPECT_EQ(bits(report.at("certificate").at("gamma").get<double>()), bits(gamma[n].nearest));
    const nlohmann::json projection = json_file(numbered("out", n, "/projection_certificate.json"));
    EXPECT_EQ(bits(projection.at("rho").get<double>()), bits(class_rho[n].nearest)) << class_rho[n].text;
    EXPECT_EQ(bits(printed(token_after(r.out, "request       eps = "))), bits(eps[n].nearest)) << r.out;
  }
}

TEST_F(DecimalOptions, DemoPrintsTheDoublesItUsed) {
  const auto eps = crafted(0.5, 4.0, 10), gamma = crafted(0.05, 0.95, 11), delta = crafted(0.01, 0.5, 12);
  for (std::size_t n = 0; n < eps.size(); ++n) {
    const CliRun r = jlattn({"demo", "--L", "3", "--d", "2", "--eps", eps[n].text, "--gamma", gamma[n].text,
                             "--delta", delta[n].text});
    ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 3) << r.err;
    EXPECT_EQ(bits(printed(token_after(r.out, "request       eps = "))), bits(eps[n].nearest)) << r.out;
    EXPECT_EQ(bits(printed(token_after(r.out, ", gamma = "))), bits(gamma[n].nearest)) << r.out;
    EXPECT_EQ(bits(printed(token_after(r.out, ", delta = "))), bits(delta[n].nearest)) << r.out;
  }
}

// explain's walkthrough prints the commands that regenerate and re-check it;
// their numbers read back as the doubles it used, and running the printed
// check command uses those doubles again.
TEST_F(DecimalOptions, ExplainPrintsCommandsThatReadBackExactly) {
  const auto eps = crafted(0.5, 4.0, 13), gamma = crafted(0.05, 0.95, 14), delta = crafted(0.01, 0.5, 15);
  for (std::size_t n = 0; n < eps.size(); ++n) {
    const std::string page = (dir_ / numbered("w", n, ".md")).string();
    const CliRun r = jlattn({"explain", "--demo", "3", "--d", "2", "--eps", eps[n].text, "--gamma", gamma[n].text,
                             "--delta", delta[n].text, "--out", page});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string text = slurp(page);
    const auto regenerate = text.find("jlattn explain --demo 3");
    const auto check = text.find("jlattn demo --L 3");
    ASSERT_NE(regenerate, std::string::npos);
    ASSERT_NE(check, std::string::npos);
    for (const auto at : {regenerate, check}) {
      const std::string command = text.substr(at, text.find('\n', at) - at);
      EXPECT_EQ(bits(printed(token_after(command, "--eps "))), bits(eps[n].nearest)) << command;
      EXPECT_EQ(bits(printed(token_after(command, "--gamma "))), bits(gamma[n].nearest)) << command;
      EXPECT_EQ(bits(printed(token_after(command, "--delta "))), bits(delta[n].nearest)) << command;
    }
    if (n == 0) {  // run the printed check command itself
      std::vector<std::string> words = {"demo"};
      std::string command = text.substr(check + 12, text.find('\n', check) - check - 12);
      for (std::size_t p = 0; p < command.size();) {
        const auto space = command.find(' ', p);
        words.push_back(command.substr(p, space - p));
        p = space == std::string::npos ? command.size() : space + 1;
      }
      const CliRun again = jlattn(words);
      ASSERT_TRUE(again.exit_code == 0 || again.exit_code == 3) << again.err;
      EXPECT_EQ(bits(printed(token_after(again.out, ", gamma = "))), bits(gamma[n].nearest)) << again.out;
    }
  }
}

TEST_F(DecimalOptions, Bound) {
  const auto eps = crafted(0.5, 4.0, 16), gamma = crafted(0.05, 0.95, 17), rho = crafted(0.01, 3.0, 18),
             delta = crafted(0.01, 0.5, 19), jl_eps = crafted(0.05, 0.95, 20);
  for (std::size_t n = 0; n < eps.size(); ++n) {
    const CliRun r = jlattn({"bound", "--L", "64", "--k", "2", "--eps", eps[n].text, "--gamma", gamma[n].text,
                             "--rho", rho[n].text, "--delta", delta[n].text, "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const nlohmann::json p = nlohmann::json::parse(r.out).at("parameters");
    EXPECT_EQ(bits(p.at("eps").get<double>()), bits(eps[n].nearest)) << eps[n].text;
    EXPECT_EQ(bits(p.at("gamma").get<double>()), bits(gamma[n].nearest)) << gamma[n].text;
    EXPECT_EQ(bits(p.at("rho").get<double>()), bits(rho[n].nearest)) << rho[n].text;
    EXPECT_EQ(bits(p.at("delta").get<double>()), bits(delta[n].nearest)) << delta[n].text;
    const CliRun jl = jlattn({"bound", "--jl-points", "1000", "--jl-eps", jl_eps[n].text, "--json"});
    ASSERT_EQ(jl.exit_code, 0) << jl.err;
    EXPECT_EQ(bits(nlohmann::json::parse(jl.out).at("jl_eps").get<double>()), bits(jl_eps[n].nearest));
  }
}

// The audit's lists, its scalars, and agreement with certify on every
// crafted gamma (the audit decides with certify(), so both must read the
// same double). --shard 1000/1000 leaves this shard no cell: run.json is
// written and nothing is measured.
TEST_F(DecimalOptions, AuditAgreesWithCertify) {
  const auto eps = crafted(0.5, 4.0, 21), gamma = crafted(0.05, 0.95, 22), rho = crafted(0.01, 3.0, 23);
  const auto scalars = crafted(0.01, 0.5, 24);  // --delta, --leakage
  const auto work = crafted(1e3, 1e12, 25);
  const auto list = [](const std::vector<CraftedDecimal>& decimals) {
    std::string s;
    for (const CraftedDecimal& c : decimals) s.append(s.empty() ? "" : ",").append(c.text);
    return s;
  };
  const CliRun r = jlattn({"audit", "--L", "8", "--k", "2", "--eps", list(eps), "--gamma", list(gamma), "--rho",
                           list(rho), "--delta", scalars[0].text, "--leakage", scalars[1].text, "--max-work",
                           work[0].text, "--shard", "1000/1000", "--no-plots", "--quiet", "--out",
                           (dir_ / "audit").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json p = json_file("audit/run.json").at("parameters");
  for (std::size_t n = 0; n < eps.size(); ++n) {
    EXPECT_EQ(bits(p.at("eps").at(n).get<double>()), bits(eps[n].nearest)) << eps[n].text;
    EXPECT_EQ(bits(p.at("gamma").at(n).get<double>()), bits(gamma[n].nearest)) << gamma[n].text;
    EXPECT_EQ(bits(p.at("rho").at(n).get<double>()), bits(rho[n].nearest)) << rho[n].text;
  }
  EXPECT_EQ(bits(p.at("delta").get<double>()), bits(scalars[0].nearest));
  EXPECT_EQ(bits(p.at("leakage").get<double>()), bits(scalars[1].nearest));
  EXPECT_EQ(bits(p.at("max_work").get<double>()), bits(work[0].nearest));

  Matrix X(3, 2);
  X << 1.0, 0.5, 0.25, -1.0, 2.0, 0.0;
  const std::string x = write_npy("X.npy", X), A = small_target();
  for (std::size_t n = 0; n < gamma.size(); ++n) {
    const CliRun c = jlattn({"certify", "--target", A, "--x", x, "--lemma4", "--eps", eps[n].text, "--gamma",
                             gamma[n].text, "--json"});
    const nlohmann::json j = nlohmann::json::parse(c.out);
    EXPECT_EQ(bits(j.at("gamma").get<double>()), bits(p.at("gamma").at(n).get<double>())) << gamma[n].text;
    EXPECT_EQ(bits(j.at("eps").get<double>()), bits(p.at("eps").at(n).get<double>())) << eps[n].text;
  }
}

// ---- text that is not a number ----------------------------------------------

TEST_F(DecimalOptions, BadRealTextGetsOneLineNamingTheOptionAndTheText) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<std::string> bound = {"bound", "--L", "8", "--k", "2", "--gamma", "0.1"};
  const auto with = [&](std::vector<std::string> tail) {
    std::vector<std::string> args = bound;
    args.insert(args.end(), tail.begin(), tail.end());
    return args;
  };
  for (const Case& c : std::vector<Case>{
           {with({"--eps", "0x1p-1"}), "--eps '0x1p-1' is not a number"},
           {with({"--eps", " 1"}), "--eps ' 1' is not a number"},
           {with({"--eps", "1,5"}), "--eps '1,5' is not a number"},
           {with({"--eps", "inf"}), "--eps 'inf' is not finite"},
           {with({"--eps", "nan"}), "--eps 'nan' is NaN"},
           {with({"--eps", "1e999"}), "--eps '1e999' overflows double"},
           {with({"--eps", "1e-999"}), "--eps '1e-999' underflows to zero in double"},
           {{"audit", "--gamma", "0.1,1e-999", "--out", (dir_ / "a").string()},
            "--gamma '1e-999' underflows to zero in double (expected a list such as 0.5,1)"}}) {
    const CliRun r = jlattn(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.message;
    EXPECT_EQ(r.err, "jlattn: error: " + c.message + "\n");
  }
  const CliRun plus = jlattn(with({"--eps", "+0.5", "--json"}));
  ASSERT_EQ(plus.exit_code, 0) << plus.err;
  EXPECT_EQ(nlohmann::json::parse(plus.out).at("parameters").at("eps").get<double>(), 0.5);
}

// CLI11 2.1 read integers with strtoull base 0: 010 as octal 8, 0x10 as 16,
// -1 as 2^64 - 1, overflow as 2^64 - 1. Now: decimal digits only, in range.
TEST_F(DecimalOptions, IntegerOptionsTakeDecimalDigitsOnly) {
  const CliRun octal = jlattn({"bound", "--L", "010", "--k", "2", "--eps", "1", "--gamma", "0.1", "--json"});
  ASSERT_EQ(octal.exit_code, 0) << octal.err;
  EXPECT_EQ(nlohmann::json::parse(octal.out).at("parameters").at("L").get<unsigned>(), 10U);
  const std::vector<std::string> projection = {"certify-projection", "--L", "4", "--d", "2", "--k", "1",
                                               "--eps", "1", "--gamma", "0.1"};
  struct Case {
    std::string option, value, message;
  };
  for (const Case& c : std::vector<Case>{
           {"--seed", "-1", "--seed '-1' is not a non-negative integer"},
           {"--seed", "1e3", "--seed '1e3' is not a non-negative integer"},
           {"--seed", "0x10", "--seed '0x10' is not a non-negative integer"},
           {"--seed", "+5", "--seed '+5' is not a non-negative integer"},
           {"--seed", " 5", "--seed ' 5' is not a non-negative integer"},
           {"--seed", "18446744073709551616", "--seed '18446744073709551616' is too large (at most 18446744073709551615)"}}) {
    std::vector<std::string> args = projection;
    args.push_back(c.option);
    args.push_back(c.value);
    const CliRun r = jlattn(args);
    EXPECT_EQ(r.exit_code, 2) << c.message;
    EXPECT_EQ(r.err, "jlattn: error: " + c.message + "\n");
  }
  // A 32-bit option: refused at parsing, before any file is read.
  const CliRun wide = jlattn({"certify", "--target", "A.mtx", "--x", "X.npy", "--eps", "1", "--gamma", "0.1",
                              "--max-precision", "4294967296"});
  EXPECT_EQ(wide.exit_code, 2);
  EXPECT_EQ(wide.err, "jlattn: error: --max-precision '4294967296' is too large (at most 4294967295)\n");
}

}  // namespace
}  // namespace jlattn
