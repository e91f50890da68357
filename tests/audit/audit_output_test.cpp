// Checks the audit's tables (src/jlattn/audit/audit_output.hpp): a bound the
// cells carry beyond the fixed ones, and a lower bound, appear in the CSV,
// the statistics and results.md without a change of code, while the columns
// that were there keep their bytes; the statistics of a cell agree with the
// functions of statistics.hpp on its own counts; the regenerating command
// reads back to the same run key.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "jlattn/audit/audit.hpp"
#include "jlattn/audit/audit_output.hpp"
#include "jlattn/audit/statistics.hpp"

namespace jlattn::audit {
namespace {

using Json = nlohmann::json;

// Two measured cells of one series (L = 8, 16) and their parameters.
struct TinyRun {
  Json parameters;
  std::vector<Json> cells;
};

const TinyRun& tiny_run() {
  static const TinyRun run = [] {
    Parameters p;
    p.L = {8, 16};
    p.k = {1};
    p.eps = {2.0};
    p.trials = 6;
    p.max_d = 256;
    TinyRun r{parameters_json(p), {}};
    for (const Cell& c : cells(p)) r.cells.push_back(cell_json(run_cell(p, c, nullptr, 2)));
    return r;
  }();
  return run;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// A bound named d_new and a lower bound added to every cell (as later
// versions of `jlattn bound` report them): new CSV columns after the old
// ones, whose bytes stay; the crossover table and results.md list them.
TEST(AuditOutput, NewBoundsAndALowerBoundAppearWithoutChangingTheOldColumns) {
  const TinyRun& run = tiny_run();
  // The run's cells carry the bound report's d_lower; without it they stand
  // for a run of a version that had none.
  std::vector<Json> base = run.cells;
  for (Json& c : base) {
    ASSERT_TRUE(c.contains("lower_bound")) << "run_cell() carries the report's d_lower";
    c.erase("lower_bound");
  }
  const Json before = results_json(run.parameters, base, base.size());
  std::vector<Json> cells = base;
  for (Json& c : cells) {
    Json extra = c.at("bounds").at(0);
    extra["name"] = "d_new";
    extra["label"] = "d_new";
    extra["d"] = 7;  // below L = 8 and 16: the crossover is the first L of the sweep
    c["bounds"].push_back(extra);
    c["lower_bound"] = {{"name", "d_lower"}, {"d", 3}, {"norm_product", 12.5}};
  }
  const Json after = results_json(run.parameters, cells, cells.size());
  const std::vector<std::string> old_csv = lines(results_csv(before)), new_csv = lines(results_csv(after));
  ASSERT_EQ(old_csv.size(), new_csv.size());
  for (std::size_t i = 0; i < old_csv.size(); ++i) {
    EXPECT_EQ(new_csv[i].rfind(old_csv[i] + ",", 0), 0U) << "line " << i << " keeps its old columns as a prefix";
  }
  EXPECT_NE(new_csv[0].find(",d_new,d_new_proved_for_projection,"), std::string::npos) << new_csv[0];
  EXPECT_NE(new_csv[0].find(",d_lower,d_lower_norm_budget"), std::string::npos) << new_csv[0];
  EXPECT_EQ(old_csv[0].find("d_lower"), std::string::npos) << "no lower-bound column while no cell carries one";

  const Json& crossover = after.at("statistics").at("crossovers").at(0);
  bool listed = false;
  for (const Json& b : crossover.at("bounds"))
    if (b.at("name") == "d_new") {
      listed = true;
      EXPECT_EQ(b.at("below_L_from").get<unsigned>(), 8U);
    }
  EXPECT_TRUE(listed);
  EXPECT_EQ(crossover.at("lower_bound").get<unsigned>(), 8U);
  EXPECT_TRUE(before.at("statistics").at("crossovers").at(0).at("lower_bound").is_null());
  const std::string md = results_markdown(after);
  EXPECT_NE(md.find("d_new"), std::string::npos);
  EXPECT_NE(md.find("d_lower"), std::string::npos);
  EXPECT_EQ(results_markdown(before).find("d_lower"), std::string::npos);
}

// What a run writes today: d_chernoff (a bound beyond the fixed columns) and
// d_lower in the CSV after the old columns, and d_lower in results.md.
TEST(AuditOutput, TheRunsTablesCarryDChernoffAndDLower) {
  const TinyRun& run = tiny_run();
  const Json results = results_json(run.parameters, run.cells, run.cells.size());
  const std::string header = lines(results_csv(results)).at(0);
  const std::size_t chernoff = header.find(",d_chernoff,"), lower = header.find(",d_lower,d_lower_norm_budget");
  EXPECT_NE(chernoff, std::string::npos) << header;
  EXPECT_NE(lower, std::string::npos) << header;
  EXPECT_GT(chernoff, header.find(",d_1_minus_delta_range_to")) << "after the old columns";
  for (const Json& c : run.cells) {
    EXPECT_FALSE(c.at("lower_bound").at("d").is_null());
    EXPECT_GE(c.at("lower_bound").at("d").get<std::uint64_t>(), 1U);
  }
  EXPECT_NE(results_markdown(results).find("d_lower"), std::string::npos);
}

// The statistics of a cell are those of statistics.hpp on the cell's own counts.
TEST(AuditOutput, CellStatisticsAreTheStatisticsOfItsCounts) {
  const TinyRun& run = tiny_run();
  const Json results = results_json(run.parameters, run.cells, run.cells.size());
  const Parameters p = parameters_from_json(run.parameters);
  for (const Json& cell : run.cells) {
    const Json& st = results.at("statistics").at("cells").at(cell.at("cell").at("id").get<std::string>());
    EXPECT_EQ(st.at("trials").get<unsigned>(), 6U);
    std::vector<CountAtD> counts;
    for (const Json& probe : cell.at("search").at("probes")) {
      counts.push_back({probe.at("d").get<std::uint64_t>(), probe.at("certified").get<unsigned>()});
      const ProbabilityInterval cp = clopper_pearson(counts.back().certified, 6, 0.05);
      bool found = false;
      for (const Json& s : st.at("probes"))
        if (s.at("d") == probe.at("d")) {
          found = true;
          EXPECT_EQ(s.at("cp_lower").get<double>(), cp.lower);
          EXPECT_EQ(s.at("cp_upper").get<double>(), cp.upper);
        }
      EXPECT_TRUE(found);
    }
    const ConsistentRange r = consistent_range(dimension_grid(p.max_d, p.steps_per_octave), counts, 6, 0.5, 0.05);
    EXPECT_EQ(st.at("d_50").at("from"), r.from ? Json(*r.from) : Json(nullptr));
    EXPECT_EQ(st.at("d_50").at("to"), r.to ? Json(*r.to) : Json(nullptr));
    EXPECT_EQ(st.at("d_50").at("tests").get<std::size_t>(), r.tests);
  }
  const Json& fit = results.at("statistics").at("fits").at(0);
  EXPECT_EQ(fit.at("n").get<unsigned>(), 2U);  // two L: a line, no interval
  EXPECT_TRUE(fit.at("b_lower").is_null());
  EXPECT_FALSE(summary_markdown(results).empty());
}

TEST(AuditOutput, RegeneratingCommandNamesEveryParameter) {
  Parameters p = sweep_preset("paper");
  const std::string command = regenerating_command(p);
  for (const char* option : {"--L ", "--k ", "--eps ", "--gamma ", "--rho ", "--projection ", "--target-family ",
                             "--trials ", "--delta ", "--seed ", "--max-d ", "--d-steps-per-octave ", "--leakage ",
                             "--max-work ", "--measure-bounds ", "--part ", "--out DIR"})
    EXPECT_NE(command.find(option), std::string::npos) << option;
  EXPECT_EQ(command.rfind("jlattn audit ", 0), 0U);
  EXPECT_EQ(command.find("--gap-Delta-factor"), std::string::npos) << "the default gap is not named";
  p.gap_Delta_factor = 1.5;
  EXPECT_NE(regenerating_command(p).find(" --gap-Delta-factor 1.5 "), std::string::npos);
}

}  // namespace
}  // namespace jlattn::audit
