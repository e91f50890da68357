/// \file audit_output.cpp
/// \brief The audit's tables: results.json, results.csv and results.md, each a
/// pure function of the run's parameters and the cells' results (audit.hpp).
///
/// Proof page: proofs/theorem1-one-target.md
#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iterator>
#include <sstream>

#include "jlattn/audit/audit_output.hpp"
#include "jlattn/core/errors.hpp"
#include "jlattn/core/fnv1a.hpp"
#include "jlattn/core/format.hpp"

namespace jlattn::audit {

namespace {

using Json = nlohmann::json;

// The bounds in the order of `jlattn bound` (to_string(BoundName)).
const std::array<const char*, 8> kBounds = {"d_star", "d_star_paper", "d_star_exact", "d_pair",
                                            "d_polar", "d_star_u", "d_star_u_exact", "trivial"};

// A JSON scalar as a CSV/Markdown field: numbers as the shortest decimal that
// reads back exactly, null as empty.
std::string field(const Json& v) {
  if (v.is_null()) return "";
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_unsigned()) return std::to_string(v.get<std::uint64_t>());
  if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
  if (v.is_number_float()) return format_shortest(v.get<double>());
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

std::string csv_quote(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

const Json& bound_of(const Json& cell, const std::string& name) {
  for (const Json& b : cell.at("bounds"))
    if (b.at("name") == name) return b;
  throw InputError("cell " + cell.at("cell").at("id").get<std::string>() + " lacks bound " + name);
}

Json ratio(const Json& numerator, const Json& denominator) {
  if (numerator.is_null() || denominator.is_null()) return nullptr;
  return static_cast<double>(numerator.get<std::uint64_t>()) / static_cast<double>(denominator.get<std::uint64_t>());
}

Json at_path(const Json& j, std::initializer_list<const char*> path) {
  const Json* p = &j;
  for (const char* key : path) {
    if (p->is_null() || !p->contains(key)) return nullptr;
    p = &p->at(key);
  }
  return *p;
}

struct Column {
  std::string name, meaning;
  std::function<Json(const Json&)> value;
};

std::vector<Column> columns() {
  std::vector<Column> c;
  auto cell = [](const char* key) { return [key](const Json& j) { return j.at("cell").at(key); }; };
  c.push_back({"cell_id", "file name of the cell's result under cells/", cell("id")});
  c.push_back({"family", "target family", cell("family")});
  c.push_back({"L", "number of tokens", cell("L")});
  c.push_back({"k", "row sparsity of the class (every drawn row has k entries)", cell("k")});
  c.push_back({"rho", "dynamic range of the class (0 when k = 1)", cell("rho")});
  c.push_back({"eps", "ratio tolerance (Definition 2, R1)", cell("eps")});
  c.push_back({"gamma", "off-support ratio bound (Definition 2, R2)", cell("gamma")});
  c.push_back({"projection", "entry law of R", cell("projection")});
  c.push_back({"status", "measured, or skipped (estimated work above --max-work; the bounds are still proved and listed)",
               [](const Json& j) { return j.at("status"); }});
  for (const char* q : {"d_50", "d_1_minus_delta"}) {
    const std::string Q = q;
    const std::string what = Q == "d_50" ? "at least half" : "at least a fraction 1 - delta";
    c.push_back({Q + "_threshold", "certified trials the quantile needs (" + what + " of T)",
                 [q](const Json& j) { return j.at("search").at(q).at("threshold"); }});
    c.push_back({Q, "measured: smallest grid d with " + what + " of the T trials certified (empty: not reached at max_d)",
                 [q](const Json& j) { return j.at("search").at(q).at("d"); }});
    for (const char* kind : {"certified", "refuted", "undecided"})
      c.push_back({Q + "_" + kind, std::string("trials ") + kind + " at " + Q,
                   [q, kind](const Json& j) { return at_path(j.at("search").at(q), {"counts", kind}); }});
    c.push_back({Q + "_step_below", "the grid d one step below " + Q,
                 [q](const Json& j) { return at_path(j.at("search").at(q), {"step_below", "d"}); }});
    for (const char* kind : {"certified", "refuted", "undecided"})
      c.push_back({Q + "_step_below_" + kind, std::string("trials ") + kind + " one grid step below " + Q,
                   [q, kind](const Json& j) { return at_path(j.at("search").at(q), {"step_below", "counts", kind}); }});
    c.push_back({Q + "_below_L", "whether " + Q + " < L (the trivial baseline needs d = L)",
                 [q](const Json& j) { return at_path(j.at("search").at(q), {"below_L"}); }});
  }
  c.push_back({"non_monotone", "true when the certified count decreased somewhere along the probed d (the search assumes it does not)",
               [](const Json& j) { return j.at("search").at("non_monotone"); }});
  for (const char* b : kBounds) {
    const std::string B = b;
    c.push_back({B, "proved dimension " + B + " (jlattn bound; empty when not computed or >= 2^64)",
                 [b](const Json& j) { return bound_of(j, b).at("d"); }});
    c.push_back({B + "_proved_for_projection", "whether the proof of " + B + " covers the cell's projection",
                 [b](const Json& j) { return bound_of(j, b).at("proved_for_projection"); }});
    c.push_back({B + "_over_d_1_minus_delta", B + " / d_1_minus_delta (how loose the bound is against measurement)",
                 [b](const Json& j) { return ratio(bound_of(j, b).at("d"), j.at("search").at("d_1_minus_delta").at("d")); }});
    for (const char* kind : {"certified", "refuted", "undecided"})
      c.push_back({B + "_" + kind, std::string("trials ") + kind + " at d = " + B + " (empty: not measured, d > max_d)",
                   [b, kind](const Json& j) { return at_path(bound_of(j, b), {"measured", kind}); }});
    if (B != "trivial")
      c.push_back({B + "_falls_below_L_from", "smallest L at which " + B + " < L, other parameters fixed (proved for the closed forms)",
                   [b](const Json& j) { return bound_of(j, b).at("falls_below_L_from"); }});
  }
  c.push_back({"smallest_proved", "the smallest bound proved for the projection (what construct --bound auto uses)",
               [](const Json& j) { return j.at("smallest_proved").at("name"); }});
  c.push_back({"smallest_proved_d", "its dimension", [](const Json& j) { return j.at("smallest_proved").at("d"); }});
  c.push_back({"smallest_proved_over_d_1_minus_delta", "smallest proved bound / d_1_minus_delta",
               [](const Json& j) { return ratio(j.at("smallest_proved").at("d"), j.at("search").at("d_1_minus_delta").at("d")); }});
  c.push_back({"max_input_row_norm", "largest ||x_i|| over the T inputs at d_1_minus_delta (double-precision evaluation)",
               [](const Json& j) { return j.at("max_input_row_norm_at_d_1_minus_delta"); }});
  c.push_back({"row_norm_reference", "sqrt(beta_sharp^2 + 1), what Lemma 4 says ||x_i|| is about",
               [](const Json& j) { return j.at("derived").at("row_norm_reference"); }});
  c.push_back({"leakage_upper_at_gamma", "Corollary 0: bound on the off-support share of the worst row at the cell's gamma",
               [](const Json& j) { return j.at("corollary0").at("leakage_upper_at_gamma"); }});
  c.push_back({"leakage_lambda", "the total leakage the second reading asks for",
               [](const Json& j) { return j.at("corollary0").at("lambda"); }});
  c.push_back({"gamma_for_leakage", "min(gamma, the gamma Corollary 0 needs for leakage <= lambda)",
               [](const Json& j) { return j.at("corollary0").at("gamma_for_lambda"); }});
  c.push_back({"d_for_leakage_bound", "smallest bound proved for the projection at gamma_for_leakage",
               [](const Json& j) { return j.at("corollary0").at("smallest_proved_at_gamma_for_lambda").at("name"); }});
  c.push_back({"d_for_leakage", "its dimension",
               [](const Json& j) { return j.at("corollary0").at("smallest_proved_at_gamma_for_lambda").at("d"); }});
  return c;
}

// A bound as "d (ratio x)" against d_(1-delta); "-" when not computed.
std::string bound_cell(const Json& cell, const char* name) {
  const Json& b = bound_of(cell, name);
  if (b.at("d").is_null()) return b.at("computed").get<bool>() ? ">= 2^64" : "-";
  std::string s = field(b.at("d"));
  const Json r = ratio(b.at("d"), cell.at("search").at("d_1_minus_delta").at("d"));
  if (!r.is_null()) s += " (" + format_digits(r.get<double>(), 3) + "×)";
  if (!b.at("proved_for_projection").get<bool>()) s += " †";
  return s;
}

std::string counts_text(const Json& q, unsigned T) {
  if (!q.at("found").get<bool>()) return "-";
  std::string s = field(q.at("counts").at("certified")) + "/" + std::to_string(T);
  if (!q.at("step_below").is_null())
    s += "; " + field(q.at("step_below").at("counts").at("certified")) + "/" + std::to_string(T) + " at " +
         field(q.at("step_below").at("d"));
  return s;
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("--target-family file:" + path + ": cannot open the file");
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Json counts_json(const Counts& c) {
  return {{"certified", c.certified}, {"refuted", c.refuted}, {"undecided", c.undecided}};
}

Json crossover_json(const Crossover& c) {
  switch (c.status) {
    case Crossover::Status::found: return c.L;
    case Crossover::Status::not_below_2_64: return "not below 2^64";
    case Crossover::Status::not_computed: break;
  }
  return nullptr;
}

Json quantile_json(const QuantileMeasurement& q, std::uint64_t L) {
  Json j = {{"threshold", q.threshold}, {"found", q.found}};
  if (!q.found) {
    j["d"] = nullptr;
    j["status"] = q.status;
    return j;
  }
  j["d"] = q.at.d;
  j["status"] = q.status;
  j["counts"] = counts_json(q.at.counts);
  j["below_L"] = q.at.d < L;
  j["step_below"] = q.step_below ? Json{{"d", q.step_below->d}, {"counts", counts_json(q.step_below->counts)}}
                                 : Json(nullptr);
  return j;
}

Json bound_json(const MeasuredBound& m, std::uint64_t L) {
  const DimensionBound& b = m.bound;
  Json j = {{"name", to_string(b.name)},
            {"label", b.label},
            {"theorem", b.theorem},
            {"proved_for_projection", m.proved_for_projection},
            {"computed", b.computed}};
  const bool usable = b.computed && !b.exceeds_2_64;
  j["d"] = usable ? Json(b.d) : Json(nullptr);
  if (!b.computed) j["note"] = b.note;
  j["below_L"] = usable ? Json(b.d < L) : Json(nullptr);
  j["falls_below_L_from"] = b.name == BoundName::trivial ? Json(nullptr) : crossover_json(b.below_L);
  j["measured"] = m.measured ? counts_json(*m.measured) : Json(nullptr);
  j["measured_with"] = m.measured_with;
  return j;
}

}  // namespace

namespace {

Json families_json(const std::vector<FamilySpec>& families) {
  Json j = Json::array();
  for (const FamilySpec& f : families) {
    if (f.family == Family::file)
      j.push_back({{"name", f.name()}, {"fnv1a", fnv1a_hex(read_bytes(f.path))}});
    else
      j.push_back({{"name", f.name()}});
  }
  return j;
}

std::vector<FamilySpec> families_from_json(const Json& j) {
  std::vector<FamilySpec> families;
  for (const auto& f : j) {
    // Not parse_family for files: a file need not exist where results are merged.
    const std::string name = f.at("name").get<std::string>();
    FamilySpec spec;
    if (name.rfind("file:", 0) == 0) {
      spec.family = Family::file;
      spec.path = name.substr(5);
    } else {
      spec = parse_family(name);
    }
    families.push_back(spec);
  }
  return families;
}

}  // namespace

Json parameters_json(const Parameters& p) {
  Json projections_json = Json::array();
  for (const Projection law : p.projections) projections_json.push_back(to_string(law));
  Json j = {{"L", p.L},
            {"k", p.k},
            {"eps", p.eps},
            {"gamma", p.gamma},
            {"rho", p.rho},
            {"projection", projections_json},
            {"target_family", families_json(p.families)},
            {"trials", p.trials},
            {"delta", p.delta},
            {"seed", p.seed},
            {"steps_per_octave", p.steps_per_octave},
            {"max_d", p.max_d},
            {"leakage", p.leakage},
            {"max_work", p.max_work},
            {"measure_bounds", p.measure_bounds == MeasureBounds::all ? "all" : "smallest"},
            {"version", JLATTN_VERSION}};
  if (!p.parts.empty()) {  // absent for a single grid, so that its run key stays what it was
    Json parts = Json::array();
    for (const Part& part : p.parts)
      parts.push_back({{"L", part.L},
                       {"k", part.k},
                       {"rho", part.rho},
                       {"target_family", families_json(part.families)},
                       {"trials", part.trials}});
    j["parts"] = parts;
  }
  return j;
}

Parameters parameters_from_json(const Json& j) {
  try {
    Parameters p;
    p.L = j.at("L").get<std::vector<std::uint64_t>>();
    p.k = j.at("k").get<std::vector<std::uint64_t>>();
    p.eps = j.at("eps").get<std::vector<double>>();
    p.gamma = j.at("gamma").get<std::vector<double>>();
    p.rho = j.at("rho").get<std::vector<double>>();
    p.projections.clear();
    for (const auto& name : j.at("projection")) p.projections.push_back(parse_projection(name.get<std::string>()));
    p.families = families_from_json(j.at("target_family"));
    if (j.contains("parts"))
      for (const Json& part : j.at("parts"))
        p.parts.push_back(Part{part.at("L").get<std::vector<std::uint64_t>>(),
                               part.at("k").get<std::vector<std::uint64_t>>(),
                               part.at("rho").get<std::vector<double>>(), families_from_json(part.at("target_family")),
                               part.at("trials").get<unsigned>()});
    p.trials = j.at("trials").get<unsigned>();
    p.delta = j.at("delta").get<double>();
    p.seed = j.at("seed").get<std::uint64_t>();
    p.steps_per_octave = j.at("steps_per_octave").get<unsigned>();
    p.max_d = j.at("max_d").get<std::uint64_t>();
    p.leakage = j.at("leakage").get<double>();
    p.max_work = j.at("max_work").get<double>();
    const std::string measure = j.at("measure_bounds").get<std::string>();
    if (measure != "all" && measure != "smallest") throw InputError("malformed audit parameters: measure_bounds");
    p.measure_bounds = measure == "all" ? MeasureBounds::all : MeasureBounds::smallest;
    return p;
  } catch (const Json::exception& e) {
    throw InputError(std::string("malformed audit parameters: ") + e.what());
  }
}

Json cell_json(const CellResult& r) {
  const Cell& cell = r.cell;
  Json bounds = Json::array();
  for (const MeasuredBound& m : r.bounds) bounds.push_back(bound_json(m, cell.L));
  Json probes = Json::array();
  for (const Probe& probe : r.probes)
    probes.push_back({{"d", probe.at.d},
                      {"certified", probe.at.counts.certified},
                      {"refuted", probe.at.counts.refuted},
                      {"undecided", probe.at.counts.undecided},
                      {"max_input_row_norm", probe.max_input_row_norm}});
  const LeakageReading& leak = r.corollary0;
  Json j;
  j["format"] = "jlattn-audit-cell/1";
  j["run_key"] = r.run_key;
  j["status"] = r.skipped ? "skipped" : "measured";
  if (r.skipped) j["skip_reason"] = r.skip_reason;
  j["estimated_work"] = r.estimated_work;
  j["trials"] = r.trials;
  j["cell"] = {{"id", cell.id()},
               {"key", cell.key()},
               {"series", cell.series()},
               {"family", cell.family.name()},
               {"L", cell.L},
               {"k", cell.k},
               {"rho", cell.rho},
               {"eps", cell.eps},
               {"gamma", cell.gamma},
               {"projection", to_string(cell.projection)}};
  j["targets"] = {{"min_k_i", r.min_k_i}, {"max_column_count", r.max_column_count}};
  j["derived"] = {{"eta", r.eta_upper},
                  {"Delta_upper", r.Delta_upper},
                  {"beta_sharp_upper", r.beta_sharp_upper},
                  {"row_norm_reference", r.row_norm_reference}};
  j["bounds"] = bounds;
  j["smallest_proved"] = {{"name", to_string(r.smallest_proved_name)}, {"d", r.smallest_proved_d}};
  j["search"] = {{"d_50", quantile_json(r.d_50, cell.L)},
                 {"d_1_minus_delta", quantile_json(r.d_1_minus_delta, cell.L)},
                 {"probes", probes},
                 {"non_monotone", r.non_monotone}};
  j["max_input_row_norm_at_d_1_minus_delta"] =
      r.max_input_row_norm_at_d_1_minus_delta ? Json(*r.max_input_row_norm_at_d_1_minus_delta) : Json(nullptr);
  j["corollary0"] = {{"leakage_upper_at_gamma", leak.leakage_upper_at_gamma},
                     {"lambda", leak.lambda},
                     {"gamma_for_lambda", leak.gamma_for_lambda},
                     {"smallest_proved_at_gamma_for_lambda",
                      {{"name", to_string(leak.smallest_proved_name)}, {"d", leak.smallest_proved_d}}}};
  return j;
}

std::string method_text(const Parameters& p) {
  std::ostringstream s;
  s << "Each cell runs T = " << p.trials << " trials. Trial t draws a target of the cell's family and a projection R "
    << "from seeds derived with Philox4x32-10 from (seed = " << p.seed << ", the cell's key, t), so a cell's results "
    << "do not depend on sharding, order or thread count. At a dimension d the trial builds Lemma 4's input "
    << "X = [B R | R] and runs the certifier (certify() with Lemma 4's selectors, unscaled scores); the trial is a "
    << "success only when the verdict is certified (a proof for that instance); refuted and undecided are counted "
    << "apart and are never successes. d_50 and d_1_minus_delta are the smallest d of the grid round(2^(j/"
    << p.steps_per_octave << ")), j = 0, 1, ..., up to max_d = " << p.max_d << ", at which at least ceil(T/2), "
    << "respectively ceil((1 - delta) T) with delta = " << format_shortest(p.delta)
    << ", of the T trials are certified. "
    << "Search: the powers of two of the grid upwards until the larger threshold is reached, then bisection between "
    << "the last grid point below the threshold and the first at or above it. That the result is the smallest such "
    << "grid d ASSUMES the certified count is non-decreasing in d (not proved; the column non_monotone flags a cell "
    << "whose probes contradict it). Without the assumption it holds that the count reaches the threshold at the "
    << "reported d and does not at the grid point one step below; both counts are recorded. Trial t uses the same R "
    << "seed at every d: R at d is the first d columns of one array of unscaled draws, times the d-dependent scale "
    << "(common random numbers across d); the T trials at one d are independent. Every trial draws its own target; "
    << "for a deterministic family (window or window+global with k = 1 or rho = 0, a file) the T targets are the "
    << "same and only R differs. Weights: 1 when k = 1; otherwise each row's first support entry 1, its last "
    << "e^(rho (1 - 2^-20)), the others e^(rho u), u uniform on [0, 1). The bounds are those of jlattn bound for the "
    << "class (L, k, rho, eps, gamma, delta), every integer proved from enclosures; "
    << (p.measure_bounds == MeasureBounds::all ? "each bound" : "the smallest bound proved for the projection")
    << " with d <= max_d is measured with the same T trials, and so is the trivial d = L (with R = I, X = [B | I]). "
    << "Corollary 0 is read twice: the "
    << "off-support share the cell's gamma allows in the worst row, and the smallest proved dimension at the gamma "
    << "that caps that share at lambda = " << format_shortest(p.leakage) << "."
    << (p.max_work > 0 ? " Cells whose estimated work (T L^2 (8 d_g + the bounds measured), d_g half the smallest "
                         "proved bound; it depends on the parameters only) exceeds --max-work = " +
                             format_shortest(p.max_work) + " multiply-adds are not measured; their bounds are listed."
                       : std::string());
  return s.str();
}

std::vector<std::pair<std::string, std::string>> csv_columns() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const Column& c : columns()) out.emplace_back(c.name, c.meaning);
  return out;
}

Json results_json(const Json& parameters, const std::vector<Json>& cell_results, std::size_t expected) {
  const Parameters p = parameters_from_json(parameters);
  Json columns_json = Json::array();
  for (const auto& [name, meaning] : csv_columns()) columns_json.push_back({{"name", name}, {"meaning", meaning}});
  Json j;
  j["format"] = "jlattn-audit-results/1";
  j["program"] = {{"name", "jlattn"}, {"version", JLATTN_VERSION}, {"command", "audit"}};
  j["parameters"] = parameters;
  j["run_key"] = fnv1a_hex(parameters.dump());
  j["method"] = method_text(p);
  j["levels"] = "bounds: proved (about an ideal R; enclosures, jlattn bound); per-trial verdicts: certified (proofs "
                "about the emitted matrices); d_50, d_1_minus_delta, success counts, row norms: measurements over T "
                "draws (row norms evaluated in double precision)";
  j["columns"] = columns_json;
  j["cells_expected"] = expected;
  j["cells_present"] = cell_results.size();
  j["complete"] = cell_results.size() == expected;
  j["cells"] = cell_results;
  return j;
}

std::string results_csv(const Json& results) {
  const std::vector<Column> cs = columns();
  std::ostringstream out;
  for (std::size_t i = 0; i < cs.size(); ++i) out << (i ? "," : "") << cs[i].name;
  out << "\n";
  for (const Json& cell : results.at("cells")) {
    for (std::size_t i = 0; i < cs.size(); ++i) out << (i ? "," : "") << csv_quote(field(cs[i].value(cell)));
    out << "\n";
  }
  return out.str();
}

std::string results_markdown(const Json& results) {
  const Parameters p = parameters_from_json(results.at("parameters"));
  const unsigned T = p.trials;
  std::ostringstream out;
  out << "# Audit results\n\n"
      << "Measured against proved: T = " << T << " trials per cell, delta = " << format_shortest(p.delta)
      << " (so `d_(1-δ)` needs " << T << " - floor(δT) certified trials), seed " << p.seed << ". "
      << results.at("cells_present").get<std::size_t>() << " of " << results.at("cells_expected").get<std::size_t>()
      << " cells" << (results.at("complete").get<bool>() ? "" : " (incomplete)") << ".\n\n";
  out << "| family | R | L | k | ρ | ε | γ | `d_50` | `d_(1-δ)` | certified at `d_(1-δ)`; one step below | d_pair | "
         "d*_exact | d_polar | d* | d*_u | `d_(1-δ)` < L | max ‖x_i‖ | leakage ≤ |\n";
  out << "|---|---|--:|--:|--:|--:|--:|--:|--:|---|--:|--:|--:|--:|--:|---|--:|--:|\n";
  for (const Json& cell : results.at("cells")) {
    const Json& c = cell.at("cell");
    const Json& q50 = cell.at("search").at("d_50");
    const Json& qhi = cell.at("search").at("d_1_minus_delta");
    const bool skipped = cell.at("status") != "measured";
    auto measured = [&](const Json& q) {
      return skipped ? std::string("skipped") : q.at("found").get<bool>() ? field(q.at("d")) : "> " + std::to_string(p.max_d);
    };
    const Json& norm = cell.at("max_input_row_norm_at_d_1_minus_delta");
    out << "| " << field(c.at("family")) << " | " << field(c.at("projection")) << " | " << field(c.at("L")) << " | "
        << field(c.at("k")) << " | " << format_digits(c.at("rho").get<double>(), 4) << " | " << field(c.at("eps"))
        << " | "
        << field(c.at("gamma")) << " | " << measured(q50) << " | " << measured(qhi) << " | " << counts_text(qhi, T)
        << " | " << bound_cell(cell, "d_pair") << " | " << bound_cell(cell, "d_star_exact") << " | "
        << bound_cell(cell, "d_polar") << " | " << bound_cell(cell, "d_star") << " | " << bound_cell(cell, "d_star_u")
        << " | " << (qhi.at("found").get<bool>() ? (qhi.at("below_L").get<bool>() ? "yes" : "no") : "-") << " | "
        << (norm.is_null() ? std::string("-") : format_digits(norm.get<double>(), 3)) << " | "
        << format_digits(cell.at("corollary0").at("leakage_upper_at_gamma").get<double>(), 3) << " |\n";
  }
  out << "\nReading the table. `d_50` and `d_(1-δ)` are measured: the smallest d of the search grid at which at least "
         "half, respectively a fraction 1 - δ, of the T trials were certified by the certifier (a proof per instance; "
         "refuted and undecided never count). The column after them gives the certified count at `d_(1-δ)` and at "
         "the grid point one step below. Each bound is proved (about an ideal R) and shown as d (bound / `d_(1-δ)`); "
         "† marks a bound whose proof does not cover the cell's projection (d_pair and d*_exact are proved for "
         "Gaussian R only). \"leakage ≤\" is Corollary 0's bound on the attention share off the support in the "
         "worst row at the cell's γ. max ‖x_i‖ is the largest input row norm at `d_(1-δ)` (a double-precision "
         "evaluation). \"skipped\": the cell's estimated work was above --max-work, so it was not measured; its "
         "bounds are proved all the same. The trivial baseline d = L is exact for every cell. Method: "
      << method_text(p) << "\n";
  return out.str();
}

}  // namespace jlattn::audit
