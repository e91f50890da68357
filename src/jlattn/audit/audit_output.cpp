/// \file audit_output.cpp
/// \brief The audit's tables: results.json, results.csv and results.md, each a
/// pure function of the run's parameters and the cells' results (audit.hpp).
///
/// Proof page: proofs/theorem1-one-target.md
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <sstream>

#include "jlattn/audit/audit_output.hpp"
#include "jlattn/audit/statistics.hpp"
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

// Every bound name the cells carry, in the order of first appearance.
std::vector<std::string> bound_names(const Json& cells) {
  std::vector<std::string> names;
  for (const Json& cell : cells)
    for (const Json& b : cell.at("bounds")) {
      const std::string name = b.at("name").get<std::string>();
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
  return names;
}

// The bounds beyond the fixed columns of the CSV (those `jlattn bound` gained later).
std::vector<std::string> extra_bounds(const Json& cells) {
  std::vector<std::string> extra;
  for (const std::string& name : bound_names(cells))
    if (std::find(kBounds.begin(), kBounds.end(), name) == kBounds.end()) extra.push_back(name);
  return extra;
}

// Whether a cell of the run was built at a gap other than the default (--gap-Delta-factor).
bool any_gap_factor(const Json& cells) {
  return std::any_of(cells.begin(), cells.end(), [](const Json& c) { return c.at("cell").contains("gap_Delta_factor"); });
}

bool any_lower_bound(const Json& cells) {
  return std::any_of(cells.begin(), cells.end(), [](const Json& c) { return c.contains("lower_bound"); });
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

// The columns of a bound: its d, whether its proof covers the projection,
// its ratio to d_1_minus_delta, the counts at its d, where it falls below L.
void add_bound_columns(std::vector<Column>& c, const std::string& B) {
  c.push_back({B, "proved dimension " + B + " (jlattn bound; empty when not computed or >= 2^64)",
               [B](const Json& j) { return bound_of(j, B).at("d"); }});
  c.push_back({B + "_proved_for_projection", "whether the proof of " + B + " covers the cell's projection",
               [B](const Json& j) { return bound_of(j, B).at("proved_for_projection"); }});
  c.push_back({B + "_over_d_1_minus_delta", B + " / d_1_minus_delta (how loose the bound is against measurement)",
               [B](const Json& j) { return ratio(bound_of(j, B).at("d"), j.at("search").at("d_1_minus_delta").at("d")); }});
  for (const char* kind : {"certified", "refuted", "undecided"})
    c.push_back({B + "_" + kind, std::string("trials ") + kind + " at d = " + B + " (empty: not measured, d > max_d)",
                 [B, kind](const Json& j) { return at_path(bound_of(j, B), {"measured", kind}); }});
  if (B != "trivial")
    c.push_back({B + "_falls_below_L_from", "smallest L at which " + B + " < L, other parameters fixed (proved for the closed forms)",
                 [B](const Json& j) { return bound_of(j, B).at("falls_below_L_from"); }});
}

std::vector<Column> columns(const Json& cells) {
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
  for (const char* b : kBounds) add_bound_columns(c, b);
  c.push_back({"smallest_proved", "the smallest bound proved for the projection (what construct --d theorems12 uses; --d auto may take the target's own d_chernoff below it)",
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
  // Added after the columns above, which keep their bytes: the statistics
  // (results.json "statistics", proofs/audit-statistics.md).
  c.push_back({"trials", "T, the trials of the cell (each d, each bound)",
               [](const Json& j) { return j.at("statistics").at("trials"); }});
  for (const char* q : {"d_50", "d_1_minus_delta"}) {
    const std::string Q = q;
    c.push_back({Q + "_cp_lower", "Clopper-Pearson 95% interval of the certified fraction at " + Q + ": lower end (enclosed outward)",
                 [q](const Json& j) { return at_path(j.at("statistics").at(q), {"cp_at_d", "lower"}); }});
    c.push_back({Q + "_cp_upper", "the same interval's upper end",
                 [q](const Json& j) { return at_path(j.at("statistics").at(q), {"cp_at_d", "upper"}); }});
    c.push_back({Q + "_range_from", "smallest grid d consistent with the counts for the true " + Q +
                                        " at 95% (assuming p(d) non-decreasing; empty: every grid d excluded)",
                 [q](const Json& j) { return at_path(j.at("statistics").at(q), {"from"}); }});
    c.push_back({Q + "_range_to", "largest grid d consistent with the counts for the true " + Q +
                                      " (empty: not bounded by the probes)",
                 [q](const Json& j) { return at_path(j.at("statistics").at(q), {"to"}); }});
  }
  for (const std::string& B : extra_bounds(cells)) add_bound_columns(c, B);
  if (any_gap_factor(cells)) {
    c.push_back({"gap_Delta_factor", "f of --gap-Delta-factor: Lemma 1's gap is f (ln(1/gamma) + eps), rounded up",
                 [](const Json& j) { return j.at("cell").at("gap_Delta_factor"); }});
    c.push_back({"Delta_upper", "Lemma 1's gap Delta of the cell's B and bounds (upper end of its enclosure)",
                 [](const Json& j) { return j.at("derived").at("Delta_upper"); }});
  }
  if (any_lower_bound(cells)) {
    c.push_back({"d_lower", "proved lower bound on d for any input within the norm budget (empty: not computed)",
                 [](const Json& j) { return at_path(j, {"lower_bound", "d"}); }});
    c.push_back({"d_lower_norm_budget", "the norm budget N (largest query norm times largest key norm) of d_lower",
                 [](const Json& j) { return at_path(j, {"lower_bound", "norm_product"}); }});
  }
  return c;
}

// A bound as "d (ratio x)" against d_(1-delta); "-" when not computed.
std::string bound_cell(const Json& cell, const std::string& name) {
  const Json& b = bound_of(cell, name);
  if (b.at("d").is_null()) return b.at("computed").get<bool>() ? ">= 2^64" : "-";
  std::string s = field(b.at("d"));
  const Json r = ratio(b.at("d"), cell.at("search").at("d_1_minus_delta").at("d"));
  if (!r.is_null()) s += " (" + format_digits(r.get<double>(), 3) + "×)";
  if (!b.at("proved_for_projection").get<bool>()) s += " †";
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
            {"measure_bounds", to_string(p.measure_bounds)},
            {"version", JLATTN_VERSION}};
  if (p.gap_Delta_factor != 1.0) j["gap_Delta_factor"] = p.gap_Delta_factor;  // absent at the default gap, as parts
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
    p.measure_bounds = parse_measure_bounds(j.at("measure_bounds").get<std::string>());
    p.gap_Delta_factor = j.value("gap_Delta_factor", 1.0);
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
  if (cell.gap_Delta_factor != 1.0) j["cell"]["gap_Delta_factor"] = cell.gap_Delta_factor;  // absent at the default gap
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
  if (r.lower_bound)
    j["lower_bound"] = {{"name", to_string(BoundName::d_lower)},
                        {"d", r.lower_bound->infeasible ? Json(nullptr) : Json(r.lower_bound->d)},
                        {"infeasible", r.lower_bound->infeasible},
                        {"norm_product", r.lower_bound->norm_product},
                        {"source", r.lower_bound->source},
                        {"method", r.lower_bound->method}};
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
    << "X = [B R | R] and runs the certifier (certify() with Lemma 4's selectors, unscaled scores; computed for every "
    << "probed d in one pass over nested projections, scores accumulated in binary32 with a proved error bound, a row "
    << "it leaves open rescored in binary64, a d where a row stays open certified on its emitted X: the verdicts of "
    << "certifying each d on its own, proofs/audit-one-pass.md); the trial is a "
    << "success only when the verdict is certified (a proof for that instance); refuted and undecided are counted "
    << "apart and are never successes. d_50 and d_1_minus_delta are the smallest d of the grid round(2^(j/"
    << p.steps_per_octave << ")), j = 0, 1, ..., up to max_d = " << p.max_d << ", at which at least ceil(T/2), "
    << "respectively ceil((1 - delta) T) with delta = " << format_shortest(p.delta)
    << ", of the T trials are certified. "
    << "Search: the powers of two of the grid, its last point and the first grid points at or above h and 1.1 h "
    << "(h: Theorem 3's d_chernoff where it is proved for the projection, else the smallest proved bound over 1.7), "
    << "upwards until the larger threshold is reached, then bisection between "
    << "the last grid point below the threshold and the first at or above it. That the result is the smallest such "
    << "grid d ASSUMES the certified count is non-decreasing in d (not proved; the column non_monotone flags a cell "
    << "whose probes contradict it). Without the assumption it holds that the count reaches the threshold at the "
    << "reported d and does not at the grid point one step below; both counts are recorded. Trial t uses the same R "
    << "seed at every d: R at d is the first d columns of one array of unscaled draws, times the d-dependent scale "
    << "(common random numbers across d); the T trials at one d are independent. Every trial draws its own target; "
    << "for a deterministic family (window or window+global with k = 1 or rho = 0, a file) the T targets are the "
    << "same and only R differs. Weights: 1 when k = 1; otherwise each row's first support entry 1, its last "
    << "e^(rho (1 - 2^-20)), the others e^(rho u), u uniform on [0, 1). The bounds are those of jlattn bound for the "
    << "class (L, k, rho, eps, gamma, delta"
    << (p.gap_Delta_factor != 1.0
            ? ", and the gap Delta = " + format_shortest(p.gap_Delta_factor) +
                  " (ln(1/gamma) + eps), rounded up, that B and every bound of the cell use; Corollary 0's "
                  "second reading takes the same factor at its own gamma"
            : std::string())
    << "), every integer proved from enclosures; "
    << (p.measure_bounds == MeasureBounds::none
            ? "no bound is measured (--measure-bounds none), not even the trivial d = L. "
            : std::string(p.measure_bounds == MeasureBounds::all ? "each bound"
                                                                 : "the smallest bound proved for the projection") +
                  " with d <= max_d is measured with the same T trials, and so is the trivial d = L (with R = I, "
                  "X = [B | I]). ")
    << "Corollary 0 is read twice: the "
    << "off-support share the cell's gamma allows in the worst row, and the smallest proved dimension at the gamma "
    << "that caps that share at lambda = " << format_shortest(p.leakage) << "."
    << (p.max_work > 0 ? " Cells whose estimated work (T L^2 (8 d_g + the bounds measured), d_g half the smallest "
                         "proved bound; it depends on the parameters only) exceeds --max-work = " +
                             format_shortest(p.max_work) + " multiply-adds are not measured; their bounds are listed."
                       : std::string());
  return s.str();
}

// ---------------------------------------------------------------------------
// Statistics (proofs/audit-statistics.md)

namespace {

constexpr double kConfidence = 0.95;

Json interval_json(const ProbabilityInterval& r) { return {{"lower", r.lower}, {"upper", r.upper}}; }

// The statistics of one quantile of a cell: the range of grid d consistent
// with the counts, and the Clopper-Pearson intervals at d and one step below.
Json quantile_statistics(const Json& q, const std::vector<std::uint64_t>& grid, const std::vector<CountAtD>& probes,
                         unsigned T, double level) {
  const ConsistentRange r = consistent_range(grid, probes, T, level, 1.0 - kConfidence);
  Json j = {{"q", level},
            {"from", r.from ? Json(*r.from) : Json(nullptr)},
            {"to", r.to ? Json(*r.to) : Json(nullptr)},
            {"contradictory", r.contradictory},
            {"tests", r.tests},
            {"alpha_per_test", r.alpha_per_test}};
  j["cp_at_d"] = q.at("found").get<bool>()
                     ? interval_json(clopper_pearson(q.at("counts").at("certified").get<unsigned>(), T, 1.0 - kConfidence))
                     : Json(nullptr);
  j["cp_step_below"] =
      q.value("step_below", Json(nullptr)).is_null()
          ? Json(nullptr)
          : interval_json(clopper_pearson(q.at("step_below").at("counts").at("certified").get<unsigned>(), T,
                                          1.0 - kConfidence));
  return j;
}

Json cell_statistics(const Parameters& p, const Json& cell, const std::vector<std::uint64_t>& grid) {
  const unsigned T = cell.value("trials", p.trials);
  Json j = {{"trials", T}};
  if (cell.at("status") != "measured") {
    j["probes"] = Json::array();
    j["d_50"] = j["d_1_minus_delta"] = nullptr;
    return j;
  }
  std::vector<CountAtD> probes;
  Json probes_json = Json::array();
  for (const Json& probe : cell.at("search").at("probes")) {
    const auto certified = probe.at("certified").get<unsigned>();
    probes.push_back({probe.at("d").get<std::uint64_t>(), certified});
    const ProbabilityInterval cp = clopper_pearson(certified, T, 1.0 - kConfidence);
    probes_json.push_back({{"d", probes.back().d}, {"certified", certified}, {"cp_lower", cp.lower}, {"cp_upper", cp.upper}});
  }
  j["probes"] = probes_json;
  j["d_50"] = quantile_statistics(cell.at("search").at("d_50"), grid, probes, T, 0.5);
  j["d_1_minus_delta"] = quantile_statistics(cell.at("search").at("d_1_minus_delta"), grid, probes, T, 1.0 - p.delta);
  return j;
}

// The smallest L of a series from which a curve is below L at every larger L
// where it is known (null when it is not below at the largest known L).
Json below_L_from(const std::vector<std::pair<std::uint64_t, std::optional<double>>>& curve) {
  Json from = nullptr;
  for (auto it = curve.rbegin(); it != curve.rend(); ++it) {
    if (!it->second) continue;
    if (*it->second < static_cast<double>(it->first)) from = it->first;
    else break;
  }
  return from;
}

std::optional<double> number(const Json& v) {
  if (v.is_number()) return v.get<double>();
  return std::nullopt;
}

// Series (all cell parameters but L) in the order of first appearance, each with its cells by increasing L.
std::vector<std::vector<const Json*>> series_of(const std::vector<Json>& cells) {
  std::vector<std::vector<const Json*>> out;
  std::map<std::string, std::size_t> index;
  for (const Json& c : cells) {
    const std::string key = c.at("cell").at("series").get<std::string>();
    const auto [it, inserted] = index.emplace(key, out.size());
    if (inserted) out.emplace_back();
    out[it->second].push_back(&c);
  }
  for (auto& group : out)
    std::stable_sort(group.begin(), group.end(), [](const Json* a, const Json* b) {
      return a->at("cell").at("L").get<std::uint64_t>() < b->at("cell").at("L").get<std::uint64_t>();
    });
  return out;
}

Json series_json(const Json& cell) {
  const Json& c = cell.at("cell");
  return {{"series", c.at("series")}, {"family", c.at("family")},   {"k", c.at("k")},
          {"rho", c.at("rho")},       {"eps", c.at("eps")},         {"gamma", c.at("gamma")},
          {"projection", c.at("projection")}};
}

Json fit_json(const std::vector<const Json*>& group) {
  Json j = series_json(*group.front());
  std::vector<std::pair<double, double>> points;
  Json points_json = Json::array();
  for (const Json* c : group) {
    const Json& q = c->at("search").at("d_1_minus_delta");
    if (c->at("status") != "measured" || !q.at("found").get<bool>()) continue;
    points.emplace_back(c->at("cell").at("L").get<double>(), q.at("d").get<double>());
    points_json.push_back({c->at("cell").at("L"), q.at("d")});
  }
  j["points"] = points_json;
  j["n"] = points.size();
  const std::optional<LogLineFit> fit = fit_log_line(points, kConfidence);
  j["a"] = fit ? Json(fit->a) : Json(nullptr);
  j["b"] = fit ? Json(fit->b) : Json(nullptr);
  j["b_lower"] = fit && fit->b_lower ? Json(*fit->b_lower) : Json(nullptr);
  j["b_upper"] = fit && fit->b_upper ? Json(*fit->b_upper) : Json(nullptr);
  j["residual_sd"] = fit && fit->b_lower ? Json(fit->residual_sd) : Json(nullptr);
  return j;
}

Json crossover_table_json(const std::vector<const Json*>& group, const Json& statistics) {
  Json j = series_json(*group.front());
  Json Ls = Json::array();
  std::vector<std::pair<std::uint64_t, std::optional<double>>> measured, range;
  for (const Json* c : group) {
    const std::uint64_t L = c->at("cell").at("L").get<std::uint64_t>();
    Ls.push_back(L);
    if (c->at("status") != "measured") continue;
    const Json& q = c->at("search").at("d_1_minus_delta");
    measured.emplace_back(L, q.at("found").get<bool>() ? std::optional<double>(q.at("d").get<double>())
                                                       : std::optional<double>(std::numeric_limits<double>::infinity()));
    const Json& s = statistics.at(c->at("cell").at("id").get<std::string>()).at("d_1_minus_delta");
    range.emplace_back(L, s.at("to").is_null() ? std::numeric_limits<double>::infinity() : s.at("to").get<double>());
  }
  j["L"] = Ls;
  j["measured_d_1_minus_delta"] = below_L_from(measured);
  j["range_d_1_minus_delta"] = below_L_from(range);
  Json bounds = Json::array();
  for (const std::string& name : bound_names(Json(std::vector<Json>{*group.front()}))) {
    if (name == "trivial") continue;
    std::vector<std::pair<std::uint64_t, std::optional<double>>> curve;
    for (const Json* c : group) curve.emplace_back(c->at("cell").at("L").get<std::uint64_t>(), number(bound_of(*c, name).at("d")));
    const Json& first = bound_of(*group.front(), name);
    bounds.push_back({{"name", name},
                      {"label", first.at("label")},
                      {"theorem", first.at("theorem")},
                      {"proved_for_projection", first.at("proved_for_projection")},
                      {"below_L_from", below_L_from(curve)},
                      {"falls_below_L_from", first.at("falls_below_L_from")}});
  }
  j["bounds"] = bounds;
  if (std::any_of(group.begin(), group.end(), [](const Json* c) { return c->contains("lower_bound"); })) {
    std::vector<std::pair<std::uint64_t, std::optional<double>>> curve;
    for (const Json* c : group)
      curve.emplace_back(c->at("cell").at("L").get<std::uint64_t>(), number(at_path(*c, {"lower_bound", "d"})));
    j["lower_bound"] = below_L_from(curve);
  } else {
    j["lower_bound"] = nullptr;
  }
  return j;
}

}  // namespace

Json statistics_json(const Json& parameters, const std::vector<Json>& cell_results) {
  const Parameters p = parameters_from_json(parameters);
  const std::vector<std::uint64_t> grid = dimension_grid(p.max_d, p.steps_per_octave);
  Json cells = Json::object();
  for (const Json& c : cell_results) cells[c.at("cell").at("id").get<std::string>()] = cell_statistics(p, c, grid);
  Json fits = Json::array(), crossovers = Json::array();
  for (const auto& group : series_of(cell_results)) {
    fits.push_back(fit_json(group));
    crossovers.push_back(crossover_table_json(group, cells));
  }
  return {{"confidence", kConfidence},
          {"cells", cells},
          {"fits", fits},
          {"crossovers", crossovers},
          {"method",
           "Per probe, the Clopper-Pearson interval of the certified fraction at confidence 0.95 (exact; the binomial "
           "tails decided in MPFI, the interval enclosed outward). Per quantile d_q (q = 1/2, 1 - delta), the range "
           "of grid d consistent with the counts: one-sided binomial tests of p(d) against q at level 0.05/m each, m "
           "the number of d that may be probed (the grid and the measured bounds), so that the true d_q lies in "
           "[from, to] with probability >= 0.95 if p(d), the chance that one trial is certified at d, is "
           "non-decreasing in d (an assumption, not proved); to is empty when no count shows p(d) >= q (with T trials "
           "that needs q^T <= 0.05/m). Per series, the least-squares fit d_(1-delta) = a + b ln L over the cells where "
           "d_(1-delta) was found, with the Student-t interval b +- t_(n-2)(0.95) s / sqrt(Sxx) (exact for "
           "independent Gaussian errors of equal variance around a line, which the grid-rounded measurements only "
           "approximate). Crossover: per series, the smallest L of the sweep from which the curve is below L at "
           "every larger L of the sweep where it is known. Proofs: proofs/audit-statistics.md."}};
}

std::vector<std::pair<std::string, std::string>> csv_columns(const Json& results) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const Column& c : columns(results.at("cells"))) out.emplace_back(c.name, c.meaning);
  return out;
}

Json results_json(const Json& parameters, const std::vector<Json>& cell_results, std::size_t expected) {
  const Parameters p = parameters_from_json(parameters);
  Json columns_json = Json::array();
  for (const auto& [name, meaning] : csv_columns(Json{{"cells", cell_results}}))
    columns_json.push_back({{"name", name}, {"meaning", meaning}});
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
  j["statistics"] = statistics_json(parameters, cell_results);
  return j;
}

std::string results_csv(const Json& results) {
  const std::vector<Column> cs = columns(results.at("cells"));
  const Json& statistics = results.at("statistics").at("cells");
  std::ostringstream out;
  for (std::size_t i = 0; i < cs.size(); ++i) out << (i ? "," : "") << cs[i].name;
  out << "\n";
  for (const Json& cell : results.at("cells")) {
    Json row = cell;  // the cell with its statistics, what the columns read
    row["statistics"] = statistics.at(cell.at("cell").at("id").get<std::string>());
    for (std::size_t i = 0; i < cs.size(); ++i) out << (i ? "," : "") << csv_quote(field(cs[i].value(row)));
    out << "\n";
  }
  return out.str();
}

namespace {

// Markdown helpers: a probability to three decimals, a count with its
// Clopper-Pearson interval, a range of grid d, a crossover L.
std::string probability(double x) { return format_fixed(x, 3); }

// "[a, b]" (built by appending: GCC 12 warns falsely on "[" + a + ...).
std::string bracket(const std::string& a, const std::string& b) {
  std::string s = "[";
  s.append(a).append(", ").append(b).append("]");
  return s;
}

// " (x)", or nothing for null.
std::string parenthesised(const Json& x) {
  if (x.is_null()) return {};
  std::string s = " (";
  s.append(field(x)).append(")");
  return s;
}

std::string count_with_interval(const Json& counts, const Json& cp, unsigned T) {
  return field(counts.at("certified")) + "/" + std::to_string(T) + " " +
         bracket(probability(cp.at("lower").get<double>()), probability(cp.at("upper").get<double>()));
}

std::string range_text(const Json& statistics) {
  if (statistics.is_null()) return "-";
  if (statistics.at("from").is_null()) return "none on the grid";
  const std::string from = field(statistics.at("from"));
  std::string s = statistics.at("to").is_null() ? "≥ " + from : bracket(from, field(statistics.at("to")));
  if (statistics.at("contradictory").get<bool>()) s += " (contradictory)";
  return s;
}

std::string from_text(const Json& L) { return L.is_null() ? std::string("-") : "L ≥ " + field(L); }

std::string label_of(const Json& results, const std::string& name) {
  for (const Json& c : results.at("cells"))
    for (const Json& b : c.at("bounds"))
      if (b.at("name") == name) return b.at("label").get<std::string>();
  return name;
}

// The bounds a table shows: every bound of the cells but the trivial d = L.
std::vector<std::string> shown_bounds(const Json& results) {
  std::vector<std::string> names = bound_names(results.at("cells"));
  names.erase(std::remove(names.begin(), names.end(), "trivial"), names.end());
  return names;
}

std::string series_cells(const Json& s) {
  const std::string rho = s.at("k").get<std::uint64_t>() == 1 ? "0" : format_digits(s.at("rho").get<double>(), 4);
  return field(s.at("family")) + " | " + field(s.at("projection")) + " | " + field(s.at("k")) + " | " + rho;
}

std::string header(const std::vector<std::string>& titles, const std::vector<bool>& right) {
  std::string line = "|", rule = "|";
  for (std::size_t i = 0; i < titles.size(); ++i) {
    line += " " + titles[i] + " |";
    rule += right[i] ? "--:|" : "---|";
  }
  return line + "\n" + rule + "\n";
}

// The distinct T of the cells, for the header ("T = 20" or "T = 50 or 20 trials per cell").
std::string trials_text(const Json& results) {
  std::vector<unsigned> Ts;
  for (const auto& [id, s] : results.at("statistics").at("cells").items()) {
    const auto T = s.at("trials").get<unsigned>();
    if (std::find(Ts.begin(), Ts.end(), T) == Ts.end()) Ts.push_back(T);
  }
  std::sort(Ts.rbegin(), Ts.rend());
  if (Ts.size() <= 1) return "T = " + std::to_string(Ts.empty() ? 0 : Ts[0]) + " trials per cell";
  std::string s = "T = ";
  for (std::size_t i = 0; i < Ts.size(); ++i) s += (i ? (i + 1 == Ts.size() ? " or " : ", ") : "") + std::to_string(Ts[i]);
  return s + " trials per cell (column T)";
}

}  // namespace

std::string regenerating_command(const Parameters& p) {
  auto list = [](const auto& values, auto format) {
    std::string s;
    for (const auto& v : values) {
      if (!s.empty()) s += ',';
      s += format(v);
    }
    return s;
  };
  auto integer = [](std::uint64_t v) { return std::to_string(v); };
  auto real = [](double v) { return format_shortest(v); };
  auto family = [](const FamilySpec& f) { return f.name(); };
  auto law = [](Projection law) { return to_string(law); };
  std::ostringstream s;
  s << "jlattn audit --L " << list(p.L, integer) << " --k " << list(p.k, integer) << " --eps " << list(p.eps, real)
    << " --gamma " << list(p.gamma, real) << " --rho " << list(p.rho, real) << " --projection "
    << list(p.projections, law) << " --target-family " << list(p.families, family) << " --trials " << p.trials
    << " --delta " << format_shortest(p.delta) << " --seed " << p.seed << " --max-d " << p.max_d
    << " --d-steps-per-octave " << p.steps_per_octave << " --leakage " << format_shortest(p.leakage)
    << " --max-work " << format_shortest(p.max_work) << " --measure-bounds "
    << to_string(p.measure_bounds);
  if (p.gap_Delta_factor != 1.0) s << " --gap-Delta-factor " << format_shortest(p.gap_Delta_factor);
  for (const Part& part : p.parts)
    s << " --part 'L=" << list(part.L, integer) << ";k=" << list(part.k, integer) << ";rho=" << list(part.rho, real)
      << ";target-family=" << list(part.families, family) << ";trials=" << part.trials << "'";
  s << " --out DIR";
  return s.str();
}

std::string results_markdown(const Json& results) {
  const Parameters p = parameters_from_json(results.at("parameters"));
  const Json& statistics = results.at("statistics");
  const std::vector<std::string> bounds = shown_bounds(results);
  const bool lower = any_lower_bound(results.at("cells"));
  std::ostringstream out;
  out << "# Audit results\n\n"
      << "Measured against proved: " << trials_text(results) << ", delta = " << format_shortest(p.delta)
      << " (so `d_(1-δ)` needs T - floor(δT) certified trials), seed " << p.seed << ", run key "
      << results.at("run_key").get<std::string>() << ". "
      << (p.gap_Delta_factor != 1.0 ? "Lemma 1's gap is " + format_shortest(p.gap_Delta_factor) +
                                          " (ln(1/γ) + ε) in every cell (`--gap-Delta-factor`), not the default. "
                                    : std::string())
      << results.at("cells_present").get<std::size_t>() << " of "
      << results.at("cells_expected").get<std::size_t>() << " cells"
      << (results.at("complete").get<bool>() ? "" : " (incomplete)") << ". Regenerate (from the repository root, "
      << "DIR the output directory; `--threads` and `--shard` do not change a result):\n\n```sh\n"
      << regenerating_command(p) << "\n```\n\n";

  out << "## Measured dimensions\n\n";
  std::vector<std::string> titles = {"family", "R", "L", "k", "ρ", "T", "`d_50`", "95% range", "`d_(1-δ)`", "95% range",
                                     "certified at `d_(1-δ)` [95% CP]", "one step below [95% CP]", "`d_(1-δ)` < L",
                                     "max ‖x_i‖"};
  std::vector<bool> right = {false, false, true, true, true, true, true, false, true, false, false, false, false, true};
  if (lower) {
    titles.push_back("d_lower");
    right.push_back(true);
  }
  titles.push_back("leakage ≤");
  right.push_back(true);
  out << header(titles, right);
  for (const Json& cell : results.at("cells")) {
    const Json& c = cell.at("cell");
    const Json& st = statistics.at("cells").at(c.at("id").get<std::string>());
    const auto T = st.at("trials").get<unsigned>();
    const Json& q50 = cell.at("search").at("d_50");
    const Json& qhi = cell.at("search").at("d_1_minus_delta");
    const bool skipped = cell.at("status") != "measured";
    auto measured = [&](const Json& q) {
      return skipped ? std::string("skipped") : q.at("found").get<bool>() ? field(q.at("d")) : "> " + std::to_string(p.max_d);
    };
    std::string at_d = "-", below = "-";
    if (!skipped && qhi.at("found").get<bool>()) {
      at_d = count_with_interval(qhi.at("counts"), st.at("d_1_minus_delta").at("cp_at_d"), T);
      if (!qhi.at("step_below").is_null())
        below = count_with_interval(qhi.at("step_below").at("counts"), st.at("d_1_minus_delta").at("cp_step_below"), T) +
                " at " + field(qhi.at("step_below").at("d"));
    }
    const Json& norm = cell.at("max_input_row_norm_at_d_1_minus_delta");
    out << "| " << field(c.at("family")) << " | " << field(c.at("projection")) << " | " << field(c.at("L")) << " | "
        << field(c.at("k")) << " | " << format_digits(c.at("rho").get<double>(), 4) << " | " << T << " | "
        << measured(q50) << " | " << range_text(st.at("d_50")) << " | " << measured(qhi) << " | "
        << range_text(st.at("d_1_minus_delta")) << " | " << at_d << " | " << below << " | "
        << (qhi.at("found").get<bool>() ? (qhi.at("below_L").get<bool>() ? "yes" : "no") : "-") << " | "
        << (norm.is_null() ? std::string("-") : format_digits(norm.get<double>(), 3)) << " | ";
    if (lower) out << (cell.contains("lower_bound") ? field(at_path(cell, {"lower_bound", "d"})) : "-") << " | ";
    out << format_digits(cell.at("corollary0").at("leakage_upper_at_gamma").get<double>(), 3) << " |\n";
  }

  out << "\n## Proved bounds against the measurement\n\nEach bound as d (bound / `d_(1-δ)`); † its proof does not "
         "cover the cell's projection.\n\n";
  titles = {"family", "R", "L", "k", "ρ"};
  right = {false, false, true, true, true};
  for (const std::string& b : bounds) {
    titles.push_back(label_of(results, b));
    right.push_back(true);
  }
  out << header(titles, right);
  for (const Json& cell : results.at("cells")) {
    const Json& c = cell.at("cell");
    out << "| " << field(c.at("family")) << " | " << field(c.at("projection")) << " | " << field(c.at("L")) << " | "
        << field(c.at("k")) << " | " << format_digits(c.at("rho").get<double>(), 4) << " |";
    for (const std::string& b : bounds) out << " " << bound_cell(cell, b) << " |";
    out << "\n";
  }

  out << "\n## Growth in ln L\n\nLeast-squares fit `d_(1-δ)` ≈ a + b ln L over the cells of each series where "
         "`d_(1-δ)` was found, with the Student-t 95% interval for b (method below).\n\n";
  out << header({"family", "R", "k", "ρ", "cells", "a", "b", "95% interval for b", "residual s"},
                {false, false, true, true, true, true, true, false, true});
  for (const Json& f : statistics.at("fits")) {
    out << "| " << series_cells(f) << " | " << field(f.at("n")) << " | "
        << (f.at("a").is_null() ? std::string("-") : format_digits(f.at("a").get<double>(), 4)) << " | "
        << (f.at("b").is_null() ? std::string("-") : format_digits(f.at("b").get<double>(), 4)) << " | "
        << (f.at("b_lower").is_null()
                ? std::string("-")
                : bracket(format_digits(f.at("b_lower").get<double>(), 4), format_digits(f.at("b_upper").get<double>(), 4)))
        << " | " << (f.at("residual_sd").is_null() ? std::string("-") : format_digits(f.at("residual_sd").get<double>(), 3))
        << " |\n";
  }

  out << "\n## Where each curve falls below L\n\nPer series, the smallest L of the sweep from which the curve is "
         "below L at every larger L of the sweep where it is known (\"-\": not below L at the largest such L); for "
         "the bounds, in parentheses, the smallest L at which the bound is below L, proved for the closed forms "
         "(`jlattn bound`), whether or not it is in the sweep.\n\n";
  titles = {"family", "R", "k", "ρ", "L of the sweep", "measured `d_(1-δ)`", "`d_(1-δ)`, 95% range below L"};
  right = {false, false, true, true, false, false, false};
  for (const std::string& b : bounds) {
    titles.push_back(label_of(results, b));
    right.push_back(false);
  }
  if (lower) {
    titles.push_back("d_lower");
    right.push_back(false);
  }
  out << header(titles, right);
  for (const Json& x : statistics.at("crossovers")) {
    const Json& Ls = x.at("L");
    out << "| " << series_cells(x) << " | " << field(Ls.front()) << "–" << field(Ls.back()) << " | "
        << from_text(x.at("measured_d_1_minus_delta")) << " | " << from_text(x.at("range_d_1_minus_delta")) << " |";
    for (const Json& b : x.at("bounds")) {
      const Json& proved = b.at("falls_below_L_from");
      out << " " << from_text(b.at("below_L_from")) << parenthesised(proved) << " |";
    }
    if (lower) out << " " << from_text(x.at("lower_bound")) << " |";
    out << "\n";
  }

  out << "\n## Legend and method\n\n`d_50` and `d_(1-δ)` are measured: the smallest d of the search grid at which "
         "at least half, respectively a fraction 1 - δ, of the T trials were certified by the certifier (a proof per "
         "instance; refuted and undecided never count). \"95% range\": the grid d consistent with the counts for the "
         "true quantile (≥ x: not bounded above by the probes); \"[95% CP]\": the Clopper-Pearson interval of the "
         "certified fraction. Each bound is proved (about an ideal R). \"leakage ≤\" is Corollary 0's bound on the "
         "attention share off the support in the worst row at the cell's γ. max ‖x_i‖ is the largest input row norm "
         "at `d_(1-δ)` (a double-precision evaluation). \"skipped\": the cell's estimated work was above "
         "--max-work, so it was not measured; its bounds are proved all the same. The trivial baseline d = L is "
         "exact for every cell."
      << (lower ? " d_lower is proved: no input X and no W_Q, W_K whose (largest query norm) x (largest key norm) "
                  "stays within the norm budget that Lemma 4's construction keeps for the class approximate a "
                  "permutation pattern below that d (proofs/lower-bound.md; the budget is in the cell's JSON, "
                  "lower_bound)."
                : "")
      << "\n\nMethod: " << method_text(p) << "\n\nStatistics: " << statistics.at("method").get<std::string>() << "\n";
  return out.str();
}

std::string summary_markdown(const Json& results) {
  const Json& statistics = results.at("statistics");
  std::ostringstream out;
  out << "| family | k | largest L measured | measured `d_(1-δ)` (95% range) | `d_(1-δ)` / L | smallest proved bound "
         "(× measured) | measured < L from | smallest bound < L from (proved) | slope b per unit ln L [95%] |\n"
      << "|---|--:|--:|--:|--:|---|---|---|---|\n";
  const std::vector<Json> cells(results.at("cells").begin(), results.at("cells").end());
  const auto groups = series_of(cells);  // pointers into `cells`
  for (std::size_t n = 0; n < groups.size(); ++n) {
    const auto& group = groups[n];
    const Json* last = nullptr;
    for (const Json* c : group)
      if (c->at("status") == "measured" && c->at("search").at("d_1_minus_delta").at("found").get<bool>()) last = c;
    const Json& x = statistics.at("crossovers").at(n);
    const Json& f = statistics.at("fits").at(n);
    out << "| " << field(x.at("family")) << " | " << field(x.at("k")) << " | ";
    if (!last) {
      out << "- | - | - | - | - | - | - |\n";
      continue;
    }
    const Json& q = last->at("search").at("d_1_minus_delta");
    const Json& st = statistics.at("cells").at(last->at("cell").at("id").get<std::string>());
    const double L = last->at("cell").at("L").get<double>(), d = q.at("d").get<double>();
    const Json& smallest = last->at("smallest_proved");
    std::string smallest_from = "-";
    for (const Json& b : x.at("bounds"))
      if (b.at("name") == smallest.at("name"))
        smallest_from = from_text(b.at("below_L_from")) + parenthesised(b.at("falls_below_L_from"));
    out << field(last->at("cell").at("L")) << " | " << field(q.at("d")) << " (" << range_text(st.at("d_1_minus_delta"))
        << ") | " << format_digits(d / L, 3) << " | " << label_of(results, smallest.at("name").get<std::string>()) << " = "
        << field(smallest.at("d")) << " (" << format_digits(smallest.at("d").get<double>() / d, 3) << "×) | "
        << from_text(x.at("measured_d_1_minus_delta")) << " | " << smallest_from << " | "
        << (f.at("b").is_null() ? std::string("-") : format_digits(f.at("b").get<double>(), 3))
        << (f.at("b_lower").is_null() ? "" : " ")
        << (f.at("b_lower").is_null() ? std::string()
                                      : bracket(format_digits(f.at("b_lower").get<double>(), 3),
                                                format_digits(f.at("b_upper").get<double>(), 3)))
        << " |\n";
  }
  // How tight each bound is: its ratio to the measured d_(1-delta) over the measured cells.
  out << "\n| bound | proved for | bound / measured `d_(1-δ)` over the measured cells |\n|---|---|---|\n";
  for (const std::string& name : shown_bounds(results)) {
    double lo = std::numeric_limits<double>::infinity(), hi = 0.0;
    std::string theorem;
    for (const Json& c : results.at("cells")) {
      const Json& b = bound_of(c, name);
      theorem = b.at("theorem").get<std::string>();
      const Json r = ratio(b.at("d"), c.at("search").at("d_1_minus_delta").at("d"));
      if (r.is_null() || !b.at("proved_for_projection").get<bool>()) continue;
      lo = std::min(lo, r.get<double>());
      hi = std::max(hi, r.get<double>());
    }
    if (hi == 0.0) continue;
    out << "| " << label_of(results, name) << " | " << theorem << " | " << format_digits(lo, 3) << "–"
        << format_digits(hi, 3) << " |\n";
  }
  return out.str();
}

}  // namespace jlattn::audit
