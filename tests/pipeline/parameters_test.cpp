// Checks the parameters of one construction (src/jlattn/pipeline/parameters.hpp):
// validate() names the first bad field in one line, and parse_dimension() is
// the one reading of `--d` (and `--bound`) for every subcommand.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "jlattn/core/errors.hpp"
#include "jlattn/pipeline/parameters.hpp"
#include "support/input_error.hpp"

namespace jlattn {
namespace {

using testing::input_error_message;

ConstructionParameters parsed(const std::string& d_text, const std::string& bound_text = "auto") {
  ConstructionParameters p;
  parse_dimension(d_text, bound_text, p);
  return p;
}

// Every spelling of --d and what it means.
TEST(ParseDimension, EveryFormAndItsMeaning) {
  EXPECT_EQ(parsed("auto").rule, DimensionRule::proved_bound);
  EXPECT_EQ(parsed("auto").bound, BoundChoice::smallest);
  const std::pair<const char*, BoundChoice> named[] = {{"dstar", BoundChoice::d_star},
                                                      {"exact", BoundChoice::d_star_exact},
                                                      {"pair", BoundChoice::d_pair},
                                                      {"polar", BoundChoice::d_polar},
                                                      {"chernoff", BoundChoice::d_chernoff},
                                                      {"theorems12", BoundChoice::smallest_theorems_1_and_2}};
  for (const auto& [text, bound] : named) {
    EXPECT_EQ(parsed(text).rule, DimensionRule::proved_bound) << text;
    EXPECT_EQ(parsed(text).bound, bound) << text;
    // --bound is kept: `--d auto --bound X` is `--d X`, and naming X twice is fine.
    EXPECT_EQ(parsed("auto", text).rule, DimensionRule::proved_bound) << text;
    EXPECT_EQ(parsed("auto", text).bound, bound) << text;
    EXPECT_EQ(parsed(text, text).bound, bound) << text;
  }
  EXPECT_EQ(parsed("trivial").rule, DimensionRule::trivial);
  EXPECT_EQ(parsed("1").rule, DimensionRule::given);
  EXPECT_EQ(parsed("1").d, 1U);
  EXPECT_EQ(parsed("4294967295").d, 4294967295U);
  EXPECT_EQ(parsed("0000000016").d, 16U);
}

// Anything else is refused with one line naming the text and the allowed forms.
TEST(ParseDimension, RefusesEverythingElseNamingTheText) {
  for (const char* bad : {"lots", "", "0", "4294967296", "99999999999", "-1", "+5", " 5", "5 ", "1e3", "0x10", "Auto",
                          "d_pair", "dpair"}) {
    const std::string message = input_error_message([&] { parsed(bad); });
    EXPECT_EQ(message, std::string("--d must be auto, theorems12, dstar, exact, pair, polar, chernoff, trivial or an "
                                   "integer in [1, 2^32), got '") + bad + "'")
        << bad;
  }
  // Two different bounds named at once: refused rather than one silently winning.
  EXPECT_EQ(input_error_message([] { parsed("pair", "dstar"); }),
            "--d pair and --bound dstar name two different bounds; give one");
  // --bound is always read, whatever --d says.
  EXPECT_EQ(input_error_message([] { parsed("100", "best"); }),
            "unknown bound 'best': use auto, theorems12, dstar, exact, pair, polar or chernoff");
  EXPECT_EQ(input_error_message([] { parsed("trivial", "best"); }),
            "unknown bound 'best': use auto, theorems12, dstar, exact, pair, polar or chernoff");
}

// Property: every integer in [1, 2^32) written in decimal is read back as that d.
RC_GTEST_PROP(ParseDimension, DecimalIntegersAreReadExactly, ()) {
  const auto d = *rc::gen::inRange<std::uint64_t>(1, std::uint64_t{1} << 32);
  const ConstructionParameters p = parsed(std::to_string(d));
  RC_ASSERT(p.rule == DimensionRule::given);
  RC_ASSERT(p.d == d);
}

TEST(BoundChoiceNames, RoundTripAndRefusal) {
  for (const BoundChoice c : {BoundChoice::smallest, BoundChoice::d_star, BoundChoice::d_star_exact,
                              BoundChoice::d_pair, BoundChoice::d_polar})
    EXPECT_EQ(parse_bound_choice(to_string(c)), c);
  EXPECT_EQ(to_string(BoundChoice::smallest), "auto");
  EXPECT_THROW(parse_bound_choice("dpair"), InputError);
}

// validate() accepts the defaults and names the first field out of range.
TEST(ValidateParameters, NamesTheFirstBadField) {
  EXPECT_NO_THROW(validate(ConstructionParameters{}));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  struct Case {
    ConstructionParameters p;
    std::string starts_with;
  };
  std::vector<Case> cases;
  for (const double eps : {0.0, -1.0, nan, inf}) cases.push_back({{.eps = eps}, "eps must be a finite number > 0"});
  for (const double gamma : {0.0, 1.0, -0.5, 2.0, nan}) cases.push_back({{.gamma = gamma}, "gamma must be in (0, 1)"});
  for (const double delta : {0.0, 1.0, nan}) cases.push_back({{.delta = delta}, "delta must be in (0, 1)"});
  cases.push_back({{.rule = DimensionRule::given, .d = 0}, "d must be in [1, 2^32), got 0"});
  cases.push_back({{.rule = DimensionRule::given, .d = std::size_t{1} << 32}, "d must be in [1, 2^32), got 4294967296"});
  // The first bad field is named when several are bad.
  cases.push_back({{.eps = 0.0, .gamma = 2.0, .delta = 0.0}, "eps must be"});
  cases.push_back({{.gamma = 2.0, .delta = 0.0}, "gamma must be"});
  cases.push_back({{.delta = 0.0, .rule = DimensionRule::given, .d = 0}, "delta must be"});
  for (const Case& c : cases) {
    const std::string message = input_error_message([&] { validate(c.p); });
    EXPECT_EQ(message.rfind(c.starts_with, 0), 0U) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
  // The dimension of the other rules is not read.
  EXPECT_NO_THROW(validate({.rule = DimensionRule::trivial, .d = 0}));
  EXPECT_NO_THROW(validate({.rule = DimensionRule::proved_bound, .d = 0}));
}

// A given projection replaces d; it has to be finite.
TEST(ValidateParameters, GivenProjectionHasToBeFinite) {
  Matrix R = Matrix::Ones(4, 3);
  ConstructionParameters p;
  p.rule = DimensionRule::given;  // d = 0 is not read: R's columns are the dimension
  p.given_projection = &R;
  EXPECT_NO_THROW(validate(p));
  R(2, 1) = std::numeric_limits<double>::infinity();
  EXPECT_EQ(input_error_message([&] { validate(p); }), "the given projection R has a NaN or infinite entry");
}

// The policy's thread count is the certifier's: one thread count, never two.
TEST(ResourcePolicyLimits, ThreadCountComesFromThePolicy) {
  ResourcePolicy policy;
  policy.threads = 3;
  policy.certification.threads = 7;
  policy.certification.max_precision_bits = 512;
  const CertificationLimits limits = certification_limits(policy);
  EXPECT_EQ(limits.threads, 3U);
  EXPECT_EQ(limits.max_precision_bits, 512U);
}

}  // namespace
}  // namespace jlattn
