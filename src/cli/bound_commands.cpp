// `jlattn bound`: the dimension bounds of Theorems 1, 2 and 1' for one
// parameter set, every integer proved from MPFR/MPFI enclosures
// (src/jlattn/bounds/rigorous_bounds.hpp), and the classic Johnson-Lindenstrauss
// dimension as an independent cross-check (--jl-points, --jl-eps).

#include <chrono>
#include <cstdint>
#include <iomanip>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "jlattn/core/errors.hpp"
#include "jlattn/core/format.hpp"
#include "jlattn/proof/lemma3_jl_projection.hpp"
#include "jlattn/bounds/rigorous_bounds.hpp"

namespace jlattn::cli {

namespace {

const std::vector<jlattn::Projection> kLaws = {jlattn::Projection::gaussian, jlattn::Projection::rademacher,
                                               jlattn::Projection::achlioptas};

nlohmann::json enclosure_json(const jlattn::Enclosure& e) { return {{"lower", e.lower}, {"upper", e.upper}}; }

std::string valid_for_text(const jlattn::DimensionBound& b) {
  if (b.name == jlattn::BoundName::trivial) return "any (R = I)";
  std::string s;
  for (jlattn::Projection p : b.valid_for) s += (s.empty() ? "" : ", ") + jlattn::to_string(p);
  return s;
}

std::string crossover_text(const jlattn::Crossover& c) {
  switch (c.status) {
    case jlattn::Crossover::Status::found: return "L >= " + std::to_string(c.L);
    case jlattn::Crossover::Status::not_below_2_64: return "not below 2^64";
    case jlattn::Crossover::Status::not_computed: break;
  }
  return "-";
}

std::string dimension_text(const jlattn::DimensionBound& b) {
  if (!b.computed) return "not computed";
  if (b.exceeds_2_64) return ">= 2^64";
  return std::to_string(b.d);
}

nlohmann::json bound_json(const jlattn::DimensionBound& b) {
  nlohmann::json valid = nlohmann::json::array();
  if (b.name == jlattn::BoundName::trivial) valid.push_back("any (R = I)");
  for (jlattn::Projection p : b.valid_for) valid.push_back(jlattn::to_string(p));
  nlohmann::json j = {{"name", jlattn::to_string(b.name)},
                      {"label", b.label},
                      {"theorem", b.theorem},
                      {"formula", b.formula},
                      {"valid_for", valid},
                      {"computed", b.computed}};
  if (b.computed) {
    j["d"] = b.exceeds_2_64 ? nlohmann::json(nullptr) : nlohmann::json(b.d);
    j["exceeds_2_64"] = b.exceeds_2_64;
    j["tight"] = b.tight;
    j[b.name == jlattn::BoundName::d_star_exact || b.name == jlattn::BoundName::d_star_u_exact
          ? "union_bound_over_delta_at_d"
          : "value"] = enclosure_json(b.value);
    j["method"] = b.method;
  }
  if (!b.note.empty()) j["note"] = b.note;
  nlohmann::json below = {{"method", b.below_L.method}};
  switch (b.below_L.status) {
    case jlattn::Crossover::Status::found: below["status"] = "found"; below["L"] = b.below_L.L; break;
    case jlattn::Crossover::Status::not_below_2_64: below["status"] = "not below 2^64"; break;
    case jlattn::Crossover::Status::not_computed: below["status"] = "not computed"; break;
  }
  j["smallest_L_below_L"] = below;
  return j;
}

nlohmann::json report_json(const jlattn::BoundReport& r, const std::vector<jlattn::Projection>& laws,
                           double milliseconds) {
  const jlattn::BoundQuery& q = r.query;
  nlohmann::json j;
  j["program"] = {{"name", "jlattn"}, {"version", JLATTN_VERSION}, {"command", "bound"}};
  j["parameters"] = {{"L", q.L}, {"k", q.k}, {"eps", q.eps}, {"gamma", q.gamma}, {"rho", q.rho}, {"delta", q.delta}};
  j["rigour"] = "every integer is proved from enclosures computed with MPFR/MPFI interval arithmetic (outward "
                "rounding, up to " + std::to_string(r.max_precision_bits) +
                " bits); the exact-tail minima and their crossovers assume p(d, tau) non-increasing in d, as "
                "each entry's method says; the statements are about an ideal R (Theorems 1, 2, 1')";
  j["derived"] = {{"eta", enclosure_json(r.eta)},
                  {"Delta", enclosure_json(r.gap_Delta)},
                  {"beta_sharp", enclosure_json(r.beta_sharp)},
                  {"beta_paper", enclosure_json(r.beta_paper)},
                  {"l1_upper", enclosure_json(r.l1_upper)},
                  {"tau", enclosure_json(r.tau)},
                  {"tau_paper", enclosure_json(r.tau_paper)},
                  {"tau_u", enclosure_json(r.tau_u)},
                  {"tau_pair", enclosure_json(r.tau_pair)}};
  nlohmann::json bounds = nlohmann::json::array();
  for (const jlattn::DimensionBound& b : r.bounds) bounds.push_back(bound_json(b));
  j["bounds"] = bounds;
  nlohmann::json smallest;
  for (jlattn::Projection p : laws) {
    const jlattn::DimensionBound& b = jlattn::smallest_valid_bound(r, p);
    smallest[jlattn::to_string(p)] = {{"name", jlattn::to_string(b.name)}, {"d", b.d}};
  }
  j["smallest_valid"] = smallest;
  j["elapsed_ms"] = milliseconds;
  return j;
}

std::string mid(const jlattn::Enclosure& e) { return format_digits((e.lower + e.upper) / 2, 9); }

void print_report(const jlattn::BoundReport& r, const std::vector<jlattn::Projection>& laws, double milliseconds,
                  std::ostream& out) {
  const jlattn::BoundQuery& q = r.query;
  out << "jlattn bound: dimension bounds for L = " << q.L << ", k = " << q.k << ", eps = " << format_shortest(q.eps)
      << ", gamma = " << format_shortest(q.gamma) << ", rho = " << format_shortest(q.rho)
      << ", delta = " << format_shortest(q.delta) << "\n";
  out << "  rigour        every integer below is proved from enclosures (MPFR/MPFI interval arithmetic with\n"
      << "                outward rounding, up to " << r.max_precision_bits
      << " bits; --json prints them); the theorems are about an ideal R\n";
  out << "  Lemma 2       eta = eps/2 = " << mid(r.eta) << ", Delta = ln(1/gamma) + eps = " << mid(r.gap_Delta) << "\n";
  out << "  Lemma 1       beta_sharp = sqrt(Delta^2 + (k-1)(Delta+rho)^2) = " << mid(r.beta_sharp)
      << ", paper-style sqrt(k)(Delta+rho) = " << mid(r.beta_paper) << "\n";
  out << "  thresholds    tau = eta/beta_sharp = " << mid(r.tau) << ", tau_u = eta/(k Delta + (k-1) rho) = "
      << mid(r.tau_u) << ",\n"
      << "                tau' = eps/(sqrt 2 beta_sharp) = " << mid(r.tau_pair) << " (Theorem 1')\n";
  out << "\n  " << std::left << std::setw(20) << "bound" << std::right << std::setw(14) << "d" << "   "
      << std::left << std::setw(36) << "valid for" << "falls below L at\n";
  std::string theorem;
  for (const jlattn::DimensionBound& b : r.bounds) {
    const std::string group = b.name == jlattn::BoundName::trivial ? "trivial baseline"
                              : b.theorem == "Theorem 1'"          ? "Theorem 1"
                                                                   : b.theorem;
    if (group != theorem) {
      theorem = group;
      out << "  " << (group == "Theorem 1"   ? "Theorem 1 and 1' (one target, one draw)"
                      : group == "Theorem 2" ? "Theorem 2 (one draw for all targets of the class)"
                                             : "trivial baseline (R = I, exact)")
          << "\n";
    }
    out << "    " << std::left << std::setw(18) << b.label << std::right << std::setw(14) << dimension_text(b)
        << "   " << std::left << std::setw(36) << valid_for_text(b)
        << (b.name == jlattn::BoundName::trivial ? "never (d = L)" : crossover_text(b.below_L)) << "\n";
  }
  out << "\n  smallest theorem bound valid for each projection (the trivial d = L = " << q.L << " aside):\n";
  for (jlattn::Projection p : laws) {
    const jlattn::DimensionBound& b = jlattn::smallest_valid_bound(r, p);
    out << "    " << std::left << std::setw(12) << jlattn::to_string(p);
    if (b.name == jlattn::BoundName::trivial)
      out << "none below 2^64 (only the trivial d = L)\n";
    else
      out << b.label << " = " << dimension_text(b) << (b.d < q.L ? " (below L)" : "") << "\n";
  }
  out << "\n  how each number is established\n"
      << "    d*, d* (paper beta), d_pair, d_polar, d*_u: the ceiling of an enclosure of the real value, proved;\n"
      << "      \"falls below L at\" is proved too (L - 1 - value(L) is convex in L, so bisection is exact).\n"
      << "    d*_exact, d*_u,exact: the condition (2 L^2 resp. L^2) p(d, tau) <= delta is proved at d and refuted\n"
      << "      at d - 1 with rigorous enclosures of the chi-square tail p; that no smaller d works ASSUMES p(d, tau)\n"
      << "      non-increasing in d (true in every computation, not proved), and \"falls below L at\" also assumes\n"
      << "      the condition at d = L - 1 monotone in L. Gaussian R only (Lemma 3a).\n"
      << "    formulas: proofs/theorem1-one-target.md, proofs/theorem2-all-targets.md, proofs/rigorous-bounds.md\n"
      << "  computed in " << format_digits(milliseconds, 3) << " ms\n";
  bool header = false;
  for (const jlattn::DimensionBound& b : r.bounds) {
    const bool unusual = !b.computed || !b.tight || !b.note.empty() ||
                         (b.name != jlattn::BoundName::trivial &&
                          b.below_L.status == jlattn::Crossover::Status::not_computed && q.crossovers);
    if (!unusual) continue;
    if (!header) { out << "  notes\n"; header = true; }
    out << "    " << b.label << ": " << (b.note.empty() ? b.method : b.note) << "\n";
    if (b.computed && b.below_L.status == jlattn::Crossover::Status::not_computed && q.crossovers &&
        b.name != jlattn::BoundName::trivial)
      out << "      falls below L: " << b.below_L.method << "\n";
  }
}

void print_jl(std::uint64_t n, double eps, const jlattn::JlMinDim& jl, bool json, std::ostream& out) {
  if (json) {
    out << nlohmann::json{{"program", {{"name", "jlattn"}, {"version", JLATTN_VERSION}, {"command", "bound"}}},
                          {"jl_points", n},
                          {"jl_eps", eps},
                          {"value", enclosure_json(jl.value)},
                          {"sklearn_johnson_lindenstrauss_min_dim", jl.floor},
                          {"ceil", jl.ceil},
                          {"decided", jl.decided}}
                .dump(2)
        << "\n";
    return;
  }
  out << "jlattn bound: the classic Johnson-Lindenstrauss dimension for N = " << n
      << " points, eps = " << format_shortest(eps) << "\n"
      << "  4 ln N / (eps^2/2 - eps^3/3) in [" << format_lower(jl.value.lower, 17) << ", "
      << format_upper(jl.value.upper, 17) << "] (MPFR/MPFI enclosure, rounded outward)\n"
      << "  scikit-learn's johnson_lindenstrauss_min_dim (truncates to an integer): " << jl.floor << "\n"
      << "  smallest d >= the value (what the union bound over the N(N-1)/2 pairs needs): " << jl.ceil << "\n"
      << (jl.decided ? "  both integers are proved from the enclosure\n"
                     : "  the enclosure straddles an integer at 4096 bits: the integers are those of its upper end\n");
}

}  // namespace

Command add_bound_command(CLI::App& root) {
  struct Options {
    jlattn::BoundQuery query;
    std::string projection;
    bool json = false;
    std::uint64_t jl_points = 0;
    double jl_eps = 0.0;
    CLI::Option *L = nullptr, *k = nullptr, *eps = nullptr, *gamma = nullptr, *points = nullptr, *jl_eps_option = nullptr;
  };
  auto o = std::make_shared<Options>();
  CLI::App* bound = root.add_subcommand(
      "bound", "print the dimension bounds of Theorems 1, 2 and 1' for one parameter set, every integer proved");
  o->L = add_count_option(*bound, "--L", o->query.L, "number of tokens L >= 2");
  o->k = add_count_option(*bound, "--k", o->query.k, "row sparsity k in [1, L]");
  o->eps = add_real_option(*bound, "--eps", o->query.eps, "ratio tolerance eps > 0 (Definition 2, R1)");
  o->gamma =
      add_real_option(*bound, "--gamma", o->query.gamma, "off-support ratio bound gamma in (0, 1) (Definition 2, R2)");
  add_real_option(*bound, "--rho", o->query.rho, "dynamic range rho >= 0 of the class (Definition 1)")->capture_default_str();
  add_real_option(*bound, "--delta", o->query.delta, "failure probability delta in (0, 1)")->capture_default_str();
  bound->add_option("--projection", o->projection,
                    "only report the smallest bound valid for this entry law: gaussian, rademacher or achlioptas");
  bound->add_flag("--json", o->json, "print JSON instead of text");
  o->points = add_count_option(
      *bound, "--jl-points", o->jl_points,
      "instead: the classic JL dimension 4 ln N / (eps^2/2 - eps^3/3) for N points (with --jl-eps)");
  o->jl_eps_option = add_real_option(*bound, "--jl-eps", o->jl_eps, "the distortion eps in (0, 1) of --jl-points");
  bound->footer(kExitCodesHelp);
  return {bound, [o] {
            const bool jl_mode = o->points->count() > 0 || o->jl_eps_option->count() > 0;
            if (jl_mode) {
              if (o->points->count() == 0 || o->jl_eps_option->count() == 0)
                throw jlattn::InputError("--jl-points and --jl-eps go together (N >= 1, eps in (0, 1))");
              if (o->L->count() + o->k->count() + o->eps->count() + o->gamma->count() > 0)
                throw jlattn::InputError("--jl-points/--jl-eps cannot be combined with --L, --k, --eps, --gamma");
              print_jl(o->jl_points, o->jl_eps, jlattn::jl_min_dim(o->jl_points, o->jl_eps), o->json, std::cout);
              return static_cast<int>(kExitOk);
            }
            std::string missing;
            if (o->L->count() == 0) missing += " --L";
            if (o->k->count() == 0) missing += " --k";
            if (o->eps->count() == 0) missing += " --eps";
            if (o->gamma->count() == 0) missing += " --gamma";
            if (!missing.empty())
              throw jlattn::InputError("bound needs" + missing + " (or --jl-points and --jl-eps)");
            std::vector<jlattn::Projection> laws = kLaws;
            if (!o->projection.empty()) laws = {jlattn::parse_projection(o->projection)};
            const auto start = std::chrono::steady_clock::now();
            const jlattn::BoundReport report = jlattn::rigorous_bounds(o->query);
            const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
            if (o->json)
              std::cout << report_json(report, laws, ms).dump(2) << "\n";
            else
              print_report(report, laws, ms, std::cout);
            return static_cast<int>(kExitOk);
          }};
}

}  // namespace jlattn::cli
