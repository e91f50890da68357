// The reports (src/jlattn/io/report.hpp) print every double so that it reads
// back as the same double: nlohmann's dump, checked here for every kind of
// finite double with the project's reader and the C library's.
#include "jlattn/io/report.hpp"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "jlattn/core/decimal.hpp"
#include "support/binary64.hpp"
#include "support/decimals.hpp"

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
  const std::string text = jlattn::io::certificate_report(cert).dump(2);
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
    const std::string printed = number_after(jlattn::io::certificate_report(cert).dump(2), "gamma");
    EXPECT_EQ(bits(jlattn::read_real(printed).value), bits(c.nearest)) << printed;
  }
}

}  // namespace
