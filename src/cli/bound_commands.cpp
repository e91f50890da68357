// `jlattn bound`: the dimension bounds of Theorems 1, 1', 2 and 3 for one
// parameter set, every integer proved from MPFR/MPFI enclosures
// (src/jlattn/bounds/rigorous_bounds.hpp), the lower bound d_lower at a norm
// budget, the gap trade-off (--gap-Delta, --gap-Delta-sweep), and the classic
// Johnson-Lindenstrauss dimension as an independent cross-check (--jl-points,
// --jl-eps).

#include <chrono>
#include <cstdint>
#include <iomanip>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "jlattn/core/errors.hpp"
#include "jlattn/core/format.hpp"
#include "jlattn/proof/lemma3_jl_projection.hpp"
#include "jlattn/bounds/chernoff_bound.hpp"
#include "jlattn/io/target_file.hpp"
#include "jlattn/pipeline/memory_guard.hpp"
#include "jlattn/bounds/rigorous_bounds.hpp"
#include "jlattn/core/errors.hpp"
#include "jlattn/io/matrix_market.hpp"
#include "jlattn/io/report.hpp"
#include "jlattn/proof/lemma3_jl_projection.hpp"

namespace jlattn::cli {

namespace {

const std::vector<jlattn::Projection> kLaws = {jlattn::Projection::gaussian, jlattn::Projection::rademacher,
                                               jlattn::Projection::achlioptas};

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

std::string mid(const jlattn::Enclosure& e) { return format_digits((e.lower + e.upper) / 2, 9); }

std::string lower_text(const jlattn::DimensionLowerBound& b) {
  if (!b.computed) return "not computed";
  if (b.infeasible) return "no d at all";
  return std::to_string(b.d);
}

void print_lower_bounds(const jlattn::BoundReport& r, std::ostream& out) {
  out << "\n  lower bound (any X, W_Q, W_K with (largest query norm) x (largest key norm) <= N; a permutation pattern)\n";
  if (r.d_lower.computed) {
    const jlattn::NormBudget& n = r.lemma4_budget;
    out << "    d_lower " << std::right << std::setw(19) << lower_text(r.d_lower) << "   at N = " << format_upper(n.product, 6)
        << ": Lemma 4's queries <= " << format_upper(n.query_norm, 6) << ", keys <= " << format_upper(n.key_norm, 6)
        << " at d = d_chernoff = " << n.d << "\n"
        << "                                with probability >= 1 - delta (beta_sharp sqrt(1 + tau), tau = "
        << format_digits(n.tau) << ")\n";
  } else {
    out << "    d_lower at Lemma 4's budget: " << r.d_lower.method << "\n";
  }
  if (r.d_lower_at_budget)
    out << "    d_lower " << std::right << std::setw(19) << lower_text(*r.d_lower_at_budget)
        << "   at N = " << format_shortest(r.d_lower_at_budget->norm_product) << " (--norm-budget)\n";
}

void print_report(const jlattn::BoundReport& r, const std::vector<jlattn::Projection>& laws, double milliseconds,
                  std::ostream& out) {
  const jlattn::BoundQuery& q = r.query;
  out << "jlattn bound: dimension bounds for L = " << q.L << ", k = " << q.k << ", eps = " << format_shortest(q.eps)
      << ", gamma = " << format_shortest(q.gamma) << ", rho = " << format_shortest(q.rho)
      << ", delta = " << format_shortest(q.delta) << "\n";
  out << "  rigour        every integer below is proved from enclosures (MPFR/MPFI interval arithmetic with\n"
      << "                outward rounding, up to " << r.max_precision_bits
      << " bits; --json prints them); the theorems are about an ideal R\n";
  out << "  Lemma 2       eta = eps/2 = " << mid(r.eta) << ", Delta = "
      << (q.gap_Delta ? std::string("--gap-Delta") : std::string("ln(1/gamma) + eps rounded up")) << " = " << mid(r.gap_Delta)
      << "\n";
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
                      : group == "Theorem 3" ? "Theorem 3 (exact-law Chernoff; d_chernoff: every target of the class, "
                                               "one draw each; d_chernoff,u: one draw for all)"
                                             : "trivial baseline (R = I, exact)")
          << "\n";
    }
    out << "    " << std::left << std::setw(18) << b.label << std::right << std::setw(14) << dimension_text(b)
        << "   " << std::left << std::setw(36) << valid_for_text(b)
        << (b.name == jlattn::BoundName::trivial ? "never (d = L)" : crossover_text(b.below_L)) << "\n";
  }
  print_lower_bounds(r, out);
  out << "\n  smallest theorem bound valid for each projection (the trivial d = L = " << q.L
      << " aside); construct --d auto\n  takes it, for gaussian the smaller of it and d_chernoff of the target itself "
         "(bound --target):\n";
  for (jlattn::Projection p : laws) {
    const jlattn::DimensionBound& b = jlattn::smallest_valid_bound(r, p, jlattn::BoundFamilies::all_theorems);
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
      << "    d_chernoff, d_chernoff,u: the exact-law Chernoff union bound (with its density factor) is proved <= delta at\n"
      << "      d and > delta at d - 1; it is PROVED non-increasing in d, so d is the exact minimum of that bound and\n"
      << "      every larger d works; \"falls below L at\" assumes the condition at d = L - 1 monotone in L. Gaussian R only.\n"
      << "    d_lower: a lower bound for ANY input and parameters whose (largest query norm) x (largest key norm) is at\n"
      << "      most N, from a permutation pattern (packing); proved.\n"
      << "    formulas: proofs/theorem1-one-target.md, proofs/theorem2-all-targets.md, proofs/chernoff-bound.md,\n"
      << "      proofs/lower-bound.md, proofs/rigorous-bounds.md\n"
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

/// `bound --target A.mtx`: Theorem 3 for this target, beside the class bounds of its (L, k, rho).
void print_target(const std::string& path, const jlattn::ChernoffTargetBound& t, const jlattn::BoundReport& cls,
                  double milliseconds, bool json, std::ostream& out) {
  const jlattn::BoundQuery& q = cls.query;
  const jlattn::DimensionBound& dc = jlattn::find_bound(cls, jlattn::BoundName::d_chernoff);
  const jlattn::DimensionBound& dp = jlattn::find_bound(cls, jlattn::BoundName::d_pair);
  if (json) {
    out << nlohmann::json{{"program", {{"name", "jlattn"}, {"version", JLATTN_VERSION}, {"command", "bound"}}},
                          {"target", path},
                          {"parameters",
                           {{"L", q.L}, {"k", q.k}, {"rho_upper", q.rho}, {"eps", q.eps}, {"gamma", q.gamma},
                            {"delta", q.delta}, {"gap_Delta", io::optional_json(q.gap_Delta)}}},
                          {"per_target", io::bound_json(t.bound)},
                          {"events", t.events},
                          {"boxes", t.groups},
                          {"class", {{"d_chernoff", io::bound_json(dc)}, {"d_pair", io::bound_json(dp)}}},
                          {"elapsed_ms", milliseconds}}
                .dump(2)
        << "\n";
    return;
  }
  out << "jlattn bound: Theorem 3 for the target " << path << " (L = " << q.L << ", k = " << q.k
      << ", rho <= " << format_shortest(q.rho) << "), eps = " << format_shortest(q.eps) << ", gamma = " << format_shortest(q.gamma)
      << ", delta = " << format_shortest(q.delta) << "\n"
      << "  d_chernoff for this target   " << dimension_text(t.bound) << "   (Gaussian R; " << format_digits(t.events, 6)
      << " events of R1 and R2 in " << t.groups << " boxes)\n"
      << "  for its class (L, k, rho):    d_chernoff = " << dimension_text(dc) << ", d_pair = " << dimension_text(dp)
      << "\n"
      << "  how: " << (t.bound.computed ? t.bound.method : t.bound.note) << "\n"
      << "  computed in " << format_digits(milliseconds, 3) << " ms; proofs/chernoff-bound.md\n";
}

const std::vector<double> kSweepFactors = {1.0, 1.25, 1.5, 2.0, 3.0, 4.0};

void print_sweep(const std::vector<jlattn::GapDeltaRow>& rows, const jlattn::BoundQuery& q, bool json,
                 std::ostream& out) {
  if (json) {
    nlohmann::json a = nlohmann::json::array();
    for (const jlattn::GapDeltaRow& row : rows) {
      nlohmann::json j = {{"gap_Delta", io::enclosure_json(row.Delta)},
                          {"beta_sharp", io::enclosure_json(row.beta_sharp)},
                          {"d_chernoff", io::bound_json(row.d_chernoff)},
                          {"d_pair", io::bound_json(row.d_pair)},
                          {"d_lower", io::lower_bound_json(row.d_lower)}};
      if (row.d_lower.computed) j["lemma4_norm_budget"] = io::norm_budget_json(row.budget);
      a.push_back(j);
    }
    out << nlohmann::json{{"program", {{"name", "jlattn"}, {"version", JLATTN_VERSION}, {"command", "bound"}}},
                          {"parameters",
                           {{"L", q.L}, {"k", q.k}, {"eps", q.eps}, {"gamma", q.gamma}, {"rho", q.rho}, {"delta", q.delta}}},
                          {"gap_Delta_sweep", a}}
                .dump(2)
        << "\n";
    return;
  }
  out << "jlattn bound: d against the gap Delta for L = " << q.L << ", k = " << q.k << ", eps = " << format_shortest(q.eps)
      << ", gamma = " << format_shortest(q.gamma) << ", rho = " << format_shortest(q.rho) << ", delta = " << format_shortest(q.delta) << "\n"
      << "  a larger Delta widens R2's tolerance (d_chernoff falls, for k >= 2 only up to a point) and costs norm:\n"
      << "  Lemma 4's rows have E||x_i||^2 <= beta_sharp^2 + 1 (proofs/chernoff-bound.md, \"The gap Delta\")\n\n"
      << "  " << std::right << std::setw(10) << "Delta" << std::setw(12) << "beta_sharp" << std::setw(14)
      << "d_chernoff" << std::setw(10) << "d_pair" << std::setw(14) << "budget N" << std::setw(10) << "d_lower"
      << "\n";
  for (const jlattn::GapDeltaRow& row : rows)
    out << "  " << std::setw(10) << mid(row.Delta) << std::setw(12) << mid(row.beta_sharp) << std::setw(14)
        << dimension_text(row.d_chernoff) << std::setw(10) << dimension_text(row.d_pair) << std::setw(14)
        << (row.d_lower.computed ? format_upper(row.budget.product, 6) : std::string("-")) << std::setw(10)
        << lower_text(row.d_lower) << "\n";
  out << "\n  budget N: Lemma 4's (largest query norm) x (largest key norm) at d = d_chernoff, kept with probability\n"
      << "  >= 1 - delta; d_lower: the least d any input needs at that budget (proofs/lower-bound.md).\n"
      << "  Every integer is proved (MPFR/MPFI); Gaussian R.\n";
}

void print_jl(std::uint64_t n, double eps, const jlattn::JlMinDim& jl, bool json, std::ostream& out) {
  if (json) {
    out << nlohmann::json{{"program", {{"name", "jlattn"}, {"version", JLATTN_VERSION}, {"command", "bound"}}},
                          {"jl_points", n},
                          {"jl_eps", eps},
                          {"value", io::enclosure_json(jl.value)},
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
    bool sweep = false;
    double gap_Delta = 0.0, norm_budget = 0.0;
    std::string target;
    CLI::Option *gap = nullptr, *budget = nullptr, *rho = nullptr, *target_option = nullptr;
    std::uint64_t jl_points = 0;
    double jl_eps = 0.0;
    CLI::Option *L = nullptr, *k = nullptr, *eps = nullptr, *gamma = nullptr, *points = nullptr, *jl_eps_option = nullptr;
  };
  auto o = std::make_shared<Options>();
  CLI::App* bound = root.add_subcommand(
      "bound",
      "print the dimension bounds of Theorems 1, 1', 2 and 3 and the lower bound d_lower for one parameter set, every "
      "integer proved");
  o->L = add_count_option(*bound, "--L", o->query.L, "number of tokens L >= 2");
  o->k = add_count_option(*bound, "--k", o->query.k, "row sparsity k in [1, L]");
  o->eps = add_real_option(*bound, "--eps", o->query.eps, "ratio tolerance eps > 0 (Definition 2, R1)");
  o->gamma = add_real_option(*bound, "--gamma", o->query.gamma, "off-support ratio bound gamma in (0, 1) (Definition 2, R2)");
  o->rho = add_real_option(*bound, "--rho", o->query.rho, "dynamic range rho >= 0 of the class (Definition 1)")
               ->capture_default_str();
  add_real_option(*bound, "--delta", o->query.delta, "failure probability delta in (0, 1)")->capture_default_str();
  o->gap = add_real_option(*bound, "--gap-Delta", o->gap_Delta,
                             "Lemma 1's gap Delta >= ln(1/gamma) + eps (default: that value rounded up to a double); every "
                             "bound uses it");
  o->budget = add_real_option(
      *bound, "--norm-budget", o->norm_budget,
      "also print d_lower for inputs with (largest query norm) x (largest key norm) <= this N > 0");
  bound->add_flag("--gap-Delta-sweep", o->sweep,
                  "instead: d_chernoff, d_pair and d_lower against Delta = f (ln(1/gamma) + eps), f = 1, 1.25, 1.5, 2, "
                  "3, 4, with the norm each Delta costs");
  o->target_option = bound->add_option(
      "--target", o->target,
      std::string("instead: d_chernoff for this target (Theorem 3 per target), beside its class's bounds; ") + kTargetFileHelp);
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
            if (o->target_option->count() > 0) {
              if (o->L->count() + o->k->count() + o->rho->count() > 0 || o->sweep)
                throw jlattn::InputError("--target takes L, k and rho from the file: drop --L, --k, --rho, --gap-Delta-sweep");
              if (o->eps->count() == 0 || o->gamma->count() == 0)
                throw jlattn::InputError("bound --target needs --eps and --gamma");
              const jlattn::Target A = jlattn::io::read_target_file(o->target, jlattn::memory_limit_bytes(0));
              jlattn::ChernoffTargetQuery tq;
              tq.eps = o->query.eps;
              tq.gamma = o->query.gamma;
              tq.delta = o->query.delta;
              if (o->gap->count() > 0) tq.gap_Delta = o->gap_Delta;
              const auto start = std::chrono::steady_clock::now();
              const jlattn::ChernoffTargetBound t = jlattn::chernoff_target_bound(A, tq);
              jlattn::BoundQuery cq = o->query;
              cq.L = A.L();
              cq.k = std::max<std::uint64_t>(1, A.k());
              cq.rho = jlattn::target_range_upper(A);
              cq.gap_Delta = tq.gap_Delta;
              cq.crossovers = false;
              cq.exact_tails = false;
              const jlattn::BoundReport cls = jlattn::rigorous_bounds(cq);
              const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
              print_target(o->target, t, cls, ms, o->json, std::cout);
              return static_cast<int>(kExitOk);
            }
            std::string missing;
            if (o->L->count() == 0) missing += " --L";
            if (o->k->count() == 0) missing += " --k";
            if (o->eps->count() == 0) missing += " --eps";
            if (o->gamma->count() == 0) missing += " --gamma";
            if (!missing.empty())
              throw jlattn::InputError("bound needs" + missing + " (or --target, or --jl-points and --jl-eps)");
            if (o->gap->count() > 0) o->query.gap_Delta = o->gap_Delta;
            if (o->budget->count() > 0) o->query.norm_budget = o->norm_budget;
            if (o->sweep) {
              if (o->gap->count() > 0) throw jlattn::InputError("--gap-Delta-sweep sets Delta itself; drop --gap-Delta");
              print_sweep(jlattn::gap_Delta_sweep(o->query, kSweepFactors), o->query, o->json, std::cout);
              return static_cast<int>(kExitOk);
            }
            std::vector<jlattn::Projection> laws = kLaws;
            if (!o->projection.empty()) laws = {jlattn::parse_projection(o->projection)};
            const auto start = std::chrono::steady_clock::now();
            const jlattn::BoundReport report = jlattn::rigorous_bounds(o->query);
            const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
            if (o->json)
              std::cout << io::bound_report_json(report, laws, ms).dump(2) << "\n";
            else
              print_report(report, laws, ms, std::cout);
            return static_cast<int>(kExitOk);
          }};
}

}  // namespace jlattn::cli
