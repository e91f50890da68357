/// \file audit_output.hpp
/// \brief Writing the audit (audit.hpp) out: a cell's result and the run's
/// parameters as JSON, and the tables results.json, results.csv and
/// results.md, each a pure function of the run's parameters and the cells'
/// results. The measuring is in audit.hpp and returns plain structs; JSON
/// lives here and in the command line.
///
/// Proof page: proofs/theorem1-one-target.md
/// Proof page: proofs/audit-statistics.md
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "jlattn/audit/audit.hpp"

namespace jlattn::audit {

/// The canonical JSON form of the parameters (what run.json stores and
/// Parameters::key() hashes); files of family `file:` are identified by path
/// and by the FNV-1a hash of their bytes.
/// \pre none.
/// \throws InputError when a file of family `file:` cannot be read.
/// Guarantee: a pure function of the parameters and the files' bytes.
nlohmann::json parameters_json(const Parameters& parameters);

/// Parses the parameters back from run.json's form.
/// \pre none: malformed input is what it reports.
/// \throws InputError naming what is missing or malformed.
/// Guarantee: the inverse of parameters_json() (files are not read again).
Parameters parameters_from_json(const nlohmann::json& j);

/// A cell's result as JSON (cells/ID.json, where ID is the cell's id(); format "jlattn-audit-cell/1").
/// \pre result from run_cell().
/// Guarantee: a pure function of its argument (same bytes).
nlohmann::json cell_json(const CellResult& result);

/// The results as CSV (one row per cell, in the order given; the columns are
/// listed in the first line and explained in results.json's "columns").
/// Guarantee: a pure function of its arguments (same bytes).
std::string results_csv(const nlohmann::json& results);

/// The results as a Markdown table to paste into a paper, with a legend.
/// Guarantee: a pure function of its arguments.
std::string results_markdown(const nlohmann::json& results);

/// Assembles results.json from the run's parameters (parameters_json(), as
/// run.json stores them) and the cells' JSON (cell_json(), in the order of
/// cells()); `expected` is the number of cells of the full grid.
/// \throws InputError when the parameters are malformed.
/// Guarantee: a pure function of its arguments (no time, no thread count).
nlohmann::json results_json(const nlohmann::json& parameters, const std::vector<nlohmann::json>& cell_results,
                            std::size_t expected);

/// The audit's search method and its assumption, in one paragraph (written
/// into results.json and results.md).
std::string method_text(const Parameters& parameters);

/// The CSV columns with one line of explanation each: the fixed columns,
/// then the statistics, then one group per bound that the cells of `results`
/// carry beyond the fixed ones (bounds added to `jlattn bound` appear without
/// a change here), then the lower bound when the cells carry one, as a
/// member `"lower_bound": {"name": ..., "d": ..., "norm_product": ...}` of
/// the cell's JSON (absent while the bound report has no lower bound).
std::vector<std::pair<std::string, std::string>> csv_columns(const nlohmann::json& results);

/// The statistics of results.json (proofs/audit-statistics.md), from the
/// run's parameters and the cells' JSON: per cell the Clopper–Pearson
/// interval of every probe's success fraction and the range of grid d
/// consistent with the counts for \f$d_{50}\f$ and \f$d_{1-\delta}\f$ (all at
/// confidence 0.95); per series (all cell parameters but L) the fit
/// \f$d_{1-\delta} \approx a + b \ln L\f$ with its interval for b, and the
/// crossover: the smallest L of the sweep from which the measured
/// \f$d_{1-\delta}\f$, each proved bound and the lower bound are below L.
/// \pre parameters as parameters_json() writes them; cells as cell_json() writes them.
/// Guarantee: a pure function of its arguments.
nlohmann::json statistics_json(const nlohmann::json& parameters, const std::vector<nlohmann::json>& cell_results);

/// The audit's command line for the parameters: every option spelled out,
/// with `--out DIR` (what results.md and the command line print as the
/// regenerating command).
/// Guarantee: a pure function of the parameters; reading it back gives the same run key.
std::string regenerating_command(const Parameters& parameters);

/// The one-screen summary of results.json (summary.md; docs/audit/README.md
/// holds a copy between markers, checked by the ctest audit_readme_summary):
/// per series, the largest L measured, the measured \f$d_{1-\delta}\f$ there
/// against L and the smallest proved bound, where each falls below L, and the
/// fitted slope.
/// Guarantee: a pure function of its argument.
std::string summary_markdown(const nlohmann::json& results);

}  // namespace jlattn::audit
