// Checks the JSON writers (src/jlattn/io/report.hpp): each is valid JSON
// ending in a newline and holds the numbers it was given; the projection
// certificate has one form for `certify-projection --json` and for the file
// of `construct --uniform`, and a stored one is matched to its R and class.
#include <gtest/gtest.h>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cmath>
#include <limits>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "jlattn/certify/certificate.hpp"
#include "jlattn/core/errors.hpp"
#include "jlattn/io/report.hpp"
#include "jlattn/pipeline/construction.hpp"
#include "jlattn/core/decimal.hpp"
#include "support/binary64.hpp"
#include "support/decimals.hpp"
#include "support/input_error.hpp"
#include "support/parameters.hpp"

namespace jlattn {
namespace {

using testing::input_error_message;

ProjectionCertificate sample_projection_certificate() {
  ProjectionCertificate pc;
  pc.verdict = Verdict::refuted;
  pc.L = 8;
  pc.d = 50;
  pc.k = 2;
  pc.rho = 1.25;
  pc.eps = 1.0;
  pc.gamma = 0.1;
  pc.gap_Delta = 4.5;
  pc.Delta = Enclosure::point(4.5);
  pc.mu = {0.375, 0.5};
  pc.tau_u = {0.0625, 0.125};
  pc.witness = std::make_pair(std::size_t{3}, std::size_t{5});
  pc.entries_exact = 7;
  return pc;
}

nlohmann::json parsed(const std::string& text) {
  EXPECT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  return nlohmann::json::parse(text);
}

TEST(ReportJson, ProjectionCertificateHoldsItsNumbers) {
  const ProjectionCertificate pc = sample_projection_certificate();
  const nlohmann::json j = parsed(io::projection_certificate_json(pc));
  EXPECT_EQ(j.at("verdict"), "refuted");
  EXPECT_EQ(j.at("L"), 8);
  EXPECT_EQ(j.at("d"), 50);
  EXPECT_EQ(j.at("k"), 2);
  EXPECT_EQ(j.at("rho").get<double>(), 1.25);
  EXPECT_EQ(j.at("gap_Delta").get<double>(), 4.5);
  EXPECT_EQ(j.at("Delta").at("lower").get<double>(), 4.5);
  EXPECT_EQ(j.at("mu").at("lower").get<double>(), 0.375);
  EXPECT_EQ(j.at("tau_u").at("upper").get<double>(), 0.125);
  EXPECT_EQ(j.at("witness").at("l"), 3);
  EXPECT_EQ(j.at("witness").at("j"), 5);
  EXPECT_EQ(j.at("entries_exact"), 7);
  EXPECT_FALSE(j.contains("R_fnv1a"));
  // The --uniform file is the same certificate with R's identity added.
  nlohmann::json with_r = parsed(io::projection_certificate_json(pc, "0123456789abcdef"));
  EXPECT_EQ(with_r.at("R_fnv1a"), "0123456789abcdef");
  with_r.erase("R_fnv1a");
  EXPECT_EQ(with_r, j);
}

// A stored certificate is reused only for the R, the class and the gap it
// certifies (Theorem 2's tau_u depends on the gap of B).
TEST(ReportJson, StoredProjectionCertificateIsMatchedToItsRAndClass) {
  const ProjectionCertificate pc = sample_projection_certificate();
  const std::string text = io::projection_certificate_json(pc, "00000000000000aa");
  const io::ProjectionIdentity same{"00000000000000aa", 8, 50, 2, 1.25, 1.0, 0.1, 4.5};
  EXPECT_EQ(io::projection_certificate_verdict(text, same, "R.json"), std::optional<std::string>("refuted"));
  for (int field = 0; field < 9; ++field) {
    io::ProjectionIdentity other = same;
    switch (field) {
      case 0: other.r_fnv1a = "00000000000000ab"; break;
      case 1: other.L = 9; break;
      case 2: other.d = 51; break;
      case 3: other.k = 3; break;
      case 4: other.rho = std::nextafter(1.25, 2.0); break;
      case 5: other.eps = 0.5; break;
      case 6: other.gamma = 0.2; break;
      case 7: other.gap_Delta = std::nextafter(4.5, 5.0); break;
      case 8: other.gap_Delta = std::nullopt; break;
    }
    EXPECT_FALSE(io::projection_certificate_verdict(text, other, "R.json").has_value()) << "field " << field;
  }
  // A file that records no gap is not taken for one at Lemma 2's gap.
  nlohmann::json without_gap = nlohmann::json::parse(text);
  without_gap.erase("gap_Delta");
  io::ProjectionIdentity lemma2 = same;
  lemma2.gap_Delta = std::nullopt;
  EXPECT_FALSE(io::projection_certificate_verdict(without_gap.dump(), lemma2, "R.json").has_value());
  EXPECT_EQ(input_error_message([&] { io::projection_certificate_verdict("{not json", same, "R.json"); }),
            "R.json is not a projection certificate (invalid JSON)");
  EXPECT_EQ(input_error_message([&] { io::projection_certificate_verdict("[1, 2]", same, "R.json"); }),
            "R.json is not a projection certificate (not a JSON object)");
}

// report.json: the parameters, the certificate beside the evaluation, and
// Theorem 2's projection with its file when there is one.
TEST(ReportJson, ConstructionReportHoldsTheRunAndItsCertificate) {
  const Target A = window_global_target(8, 1);
  const CertifiedConstruction run = construct_and_certify(A, testing::at_dimension(64));
  const nlohmann::json j = parsed(io::construction_report_json(run.construction, run.certificate));
  EXPECT_EQ(j.at("parameters").at("d_rule"), "given");
  EXPECT_EQ(j.at("parameters").at("bound"), "-");
  EXPECT_EQ(j.at("dimensions").at("d"), 64);
  EXPECT_EQ(j.at("certificate").at("verdict"), to_string(run.certificate.verdict));
  EXPECT_EQ(j.at("certificate").at("eps_hat").at("upper").get<double>(), run.certificate.eps_hat.upper);
  EXPECT_EQ(j.at("evaluation").at("eps_hat").get<double>(), run.construction.evaluation.eps_hat);
  EXPECT_EQ(j.at("certificate"), parsed(io::certificate_json(run.certificate)));
  EXPECT_FALSE(j.contains("uniform_projection"));

  io::UniformProjectionRecord record{io::projection_certificate_json(sample_projection_certificate(), "ab"),
                                     "cert.json", true};
  const nlohmann::json u = parsed(io::construction_report_json(run.construction, run.certificate, &record));
  EXPECT_EQ(u.at("uniform_projection").at("file"), "cert.json");
  EXPECT_TRUE(u.at("uniform_projection").at("reused").get<bool>());
  EXPECT_EQ(u.at("uniform_projection").at("R_fnv1a"), "ab");
  record.certificate_json = "{";
  EXPECT_EQ(input_error_message([&] { io::construction_report_json(run.construction, run.certificate, &record); }),
            "cert.json is not a projection certificate (invalid JSON)");
}

}  // namespace
}  // namespace jlattn

// ---------------------------------------------------------------------------
// Every double a report prints reads back as the same double (nlohmann's
// dump), checked with the project's reader and the C library's.
namespace {
using jlattn::testing::bits;

/// The text of the number after `"key": ` in a dumped JSON object.
std::string number_after(const std::string& json, const std::string& key) {
  const auto at = json.find("\"" + key + "\": ");
  if (at == std::string::npos) return "";
  const auto start = at + key.size() + 4;
  return json.substr(start, json.find_first_of(",\n}", start) - start);
}

rc::Gen<double> finite_double() {
  return rc::gen::map(rc::gen::resize(rc::kNominalSize, rc::gen::inRange<std::uint64_t>(0, 0x7ff0000000000000ULL)),
                      [](std::uint64_t pattern) { return std::bit_cast<double>(pattern); });
}

RC_GTEST_PROP(Report, CertificateNumbersReadBackBitForBit, ()) {
  jlattn::Certificate cert;
  cert.eps = *finite_double();
  cert.gamma = *finite_double();
  cert.eps_hat = {*finite_double(), *finite_double()};
  const std::string text = jlattn::io::certificate_json(cert);
  for (const auto& [key, value] : {std::pair<std::string, double>{"eps", cert.eps}, {"gamma", cert.gamma}}) {
    const std::string printed = number_after(text, key);
    const jlattn::RealReading r = jlattn::read_real(printed);
    RC_ASSERT(r.problem == jlattn::NumberProblem::none);
    RC_ASSERT(bits(r.value) == bits(value));
    RC_ASSERT(bits(std::strtod(printed.c_str(), nullptr)) == bits(value));
  }
  const nlohmann::json back = nlohmann::json::parse(text);
  RC_ASSERT(bits(back.at("eps_hat").at("lower").get<double>()) == bits(cert.eps_hat.lower));
  RC_ASSERT(bits(back.at("eps_hat").at("upper").get<double>()) == bits(cert.eps_hat.upper));
}

// The doubles of crafted decimals (beside a midpoint) survive the report too.
TEST(Report, CraftedParametersReadBack) {
  for (const auto& c : jlattn::testing::crafted_decimals(0.01, 0.99, 50, 7)) {
    jlattn::Certificate cert;
    cert.gamma = c.nearest;
    const std::string printed = number_after(jlattn::io::certificate_json(cert), "gamma");
    EXPECT_EQ(bits(jlattn::read_real(printed).value), bits(c.nearest)) << printed;
  }
}

}  // namespace
