/// \file audit.cpp
/// \brief The audit's grid, target families, d search and per-cell run
/// (audit.hpp). Tables and JSON assembly are in audit_output.cpp.
///
/// Proof page: proofs/theorem1-one-target.md
#include "jlattn/audit/audit.hpp"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "jlattn/certify/certificate.hpp"
#include "jlattn/proof/corollary0_leakage.hpp"
#include "jlattn/core/decimal.hpp"
#include "jlattn/core/errors.hpp"
#include "jlattn/core/format.hpp"
#include "jlattn/io/matrix_market.hpp"
#include "jlattn/proof/lemma1_log_transform.hpp"
#include "jlattn/proof/lemma2_score_error.hpp"
#include "jlattn/proof/lemma4_adaptive_input.hpp"
#include "jlattn/core/random_streams.hpp"
#include "jlattn/core/reproducible_random.hpp"
#include "jlattn/bounds/rigorous_bounds.hpp"
#include "jlattn/core/weights.hpp"

namespace jlattn::audit {

namespace {

constexpr std::uint64_t kMaxL = std::uint64_t{1} << 20;
constexpr double kMaxRho = 100.0;

std::uint64_t fnv1a(const std::string& bytes) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::string hex16(std::uint64_t h) {
  static const char* digits = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) s[static_cast<std::size_t>(i)] = digits[h & 15];
  return s;
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("--target-family file:" + path + ": cannot open the file");
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A uniform integer in [0, n) from Philox words (Lemire's multiply-shift with
// rejection, so exactly uniform), counters (a, b, attempt, tag of the stream).
std::uint32_t uniform_below(std::uint64_t seed, std::uint32_t a, std::uint32_t b, Stream stream, std::uint32_t n) {
  const std::uint32_t threshold = static_cast<std::uint32_t>(0U - n) % n;
  std::uint64_t m = 0;
  for (std::uint32_t attempt = 0; attempt < 64; ++attempt) {
    for (std::uint32_t w : philox4x32(seed, {a, b, attempt, stream_tag(stream)})) {
      m = static_cast<std::uint64_t>(w) * n;
      if (static_cast<std::uint32_t>(m) >= threshold) return static_cast<std::uint32_t>(m >> 32);
    }
  }
  return static_cast<std::uint32_t>(m >> 32);  // probability below 2^-256n: never
}

// e^x for x in [0, kMaxRho] by a fixed sequence of IEEE operations: x/n with
// n = ceil(4x), a 20-term Taylor polynomial (Horner), then the n-th power by
// repeated squaring. Same bits on every platform in scope; accurate to a few
// ulp, which is all a target weight needs.
double fixed_exp(double x) {
  const auto n = static_cast<std::uint64_t>(std::ceil(4.0 * x));
  if (n == 0) return 1.0;
  const double y = x / static_cast<double>(n);
  double s = 1.0;
  for (int m = 20; m >= 1; --m) s = 1.0 + y / static_cast<double>(m) * s;
  double result = 1.0, base = s;
  for (std::uint64_t e = n; e != 0; e >>= 1) {
    if (e & 1) result *= base;
    base *= base;
  }
  return result;
}

void require_list(bool nonempty, const char* name) {
  if (!nonempty) throw InputError(std::string(name) + " needs at least one value");
}

// floor(delta * T) exactly (fma gives the sign of delta*T - f exactly).
std::uint64_t floor_product(double delta, unsigned T) {
  const double t = static_cast<double>(T);
  double f = std::floor(delta * t);
  if (std::fma(delta, t, -f) < 0) f -= 1;
  if (std::fma(delta, t, -(f + 1)) >= 0) f += 1;
  return static_cast<std::uint64_t>(std::max(0.0, f));
}

}  // namespace

std::string fnv1a_hex(const std::string& bytes) { return hex16(fnv1a(bytes)); }

// ---------------------------------------------------------------------------
// Families

std::string FamilySpec::name() const {
  switch (family) {
    case Family::random: return "random";
    case Family::window: return "window";
    case Family::window_global: return "window+global";
    case Family::permutation: return "permutation";
    case Family::file: return "file:" + path;
  }
  return "?";
}

FamilySpec parse_family(const std::string& text) {
  FamilySpec f;
  if (text == "random") f.family = Family::random;
  else if (text == "window") f.family = Family::window;
  else if (text == "window+global") f.family = Family::window_global;
  else if (text == "permutation") f.family = Family::permutation;
  else if (text.rfind("file:", 0) == 0 && text.size() > 5) {
    f.family = Family::file;
    f.path = text.substr(5);
  } else {
    throw InputError("unknown target family '" + text +
                     "': use random, window, window+global, permutation or file:PATH.mtx");
  }
  return f;
}

// ---------------------------------------------------------------------------
// Parameters

nlohmann::json Parameters::to_json() const {
  nlohmann::json families_json = nlohmann::json::array();
  for (const FamilySpec& f : families) {
    if (f.family == Family::file)
      families_json.push_back({{"name", f.name()}, {"fnv1a", hex16(fnv1a(read_bytes(f.path)))}});
    else
      families_json.push_back({{"name", f.name()}});
  }
  nlohmann::json projections_json = nlohmann::json::array();
  for (Projection p : projections) projections_json.push_back(to_string(p));
  return {{"L", L},
          {"k", k},
          {"eps", eps},
          {"gamma", gamma},
          {"rho", rho},
          {"projection", projections_json},
          {"target_family", families_json},
          {"trials", trials},
          {"delta", delta},
          {"seed", seed},
          {"steps_per_octave", steps_per_octave},
          {"max_d", max_d},
          {"leakage", leakage},
          {"max_work", max_work},
          {"measure_bounds", measure_bounds == MeasureBounds::all ? "all" : "smallest"},
          {"version", JLATTN_VERSION}};
}

std::string Parameters::key() const { return hex16(fnv1a(to_json().dump())); }

Parameters parameters_from_json(const nlohmann::json& j) {
  try {
    Parameters p;
    p.L = j.at("L").get<std::vector<std::uint64_t>>();
    p.k = j.at("k").get<std::vector<std::uint64_t>>();
    p.eps = j.at("eps").get<std::vector<double>>();
    p.gamma = j.at("gamma").get<std::vector<double>>();
    p.rho = j.at("rho").get<std::vector<double>>();
    p.projections.clear();
    for (const auto& name : j.at("projection")) p.projections.push_back(parse_projection(name.get<std::string>()));
    p.families.clear();
    for (const auto& f : j.at("target_family")) {
      // Not parse_family: a file need not exist where results are merged.
      const std::string name = f.at("name").get<std::string>();
      FamilySpec spec;
      if (name.rfind("file:", 0) == 0) {
        spec.family = Family::file;
        spec.path = name.substr(5);
      } else {
        spec = parse_family(name);
      }
      p.families.push_back(spec);
    }
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
  } catch (const nlohmann::json::exception& e) {
    throw InputError(std::string("malformed audit parameters: ") + e.what());
  }
}

void validate(const Parameters& p) {
  require_list(!p.L.empty(), "--L");
  require_list(!p.k.empty(), "--k");
  require_list(!p.eps.empty(), "--eps");
  require_list(!p.gamma.empty(), "--gamma");
  require_list(!p.rho.empty(), "--rho");
  require_list(!p.projections.empty(), "--projection");
  require_list(!p.families.empty(), "--target-family");
  for (std::uint64_t L : p.L)
    if (L < 2 || L > kMaxL) throw InputError("--L " + std::to_string(L) + " is out of range: it has to be in [2, 2^20]");
  for (std::uint64_t k : p.k)
    if (k < 1 || k > kMaxL) throw InputError("--k " + std::to_string(k) + " is out of range: it has to be in [1, 2^20]");
  for (double e : p.eps)
    if (!(std::isfinite(e) && e > 0))
      throw InputError("--eps " + format_shortest(e) + " is out of range: it has to be > 0");
  for (double g : p.gamma)
    if (!(g > 0 && g < 1))
      throw InputError("--gamma " + format_shortest(g) + " is out of range: it has to be in (0, 1)");
  for (double r : p.rho)
    if (!(r >= 0 && r <= kMaxRho))
      throw InputError("--rho " + format_shortest(r) + " is out of range: it has to be in [0, 100]");
  if (p.trials < 1 || p.trials > 10000)
    throw InputError("--trials " + std::to_string(p.trials) + " is out of range: it has to be in [1, 10000]");
  if (!(p.delta > 0 && p.delta < 1))
    throw InputError("--delta " + format_shortest(p.delta) + " is out of range: it has to be in (0, 1)");
  if (p.steps_per_octave < 1 || p.steps_per_octave > 64)
    throw InputError("--d-steps-per-octave " + std::to_string(p.steps_per_octave) + " is out of range: it has to be in [1, 64]");
  if (p.max_d < 1 || p.max_d >= (std::uint64_t{1} << 31))
    throw InputError("--max-d " + std::to_string(p.max_d) + " is out of range: it has to be in [1, 2^31)");
  if (!(p.leakage > 0 && p.leakage < 1))
    throw InputError("--leakage " + format_shortest(p.leakage) + " is out of range: it has to be in (0, 1)");
  if (!(std::isfinite(p.max_work) && p.max_work >= 0))
    throw InputError("--max-work " + format_shortest(p.max_work) + " is out of range: it has to be >= 0 (0: no limit)");
}

// ---------------------------------------------------------------------------
// Cells

std::string Cell::series() const {
  std::string s = "family=" + family.name() + ";k=" + std::to_string(k) + ";rho=" + format_shortest(rho) +
                  ";eps=" + format_shortest(eps) + ";gamma=" + format_shortest(gamma) +
                  ";projection=" + to_string(projection);
  return s;
}

std::string Cell::key() const {
  return "family=" + family.name() + ";L=" + std::to_string(L) + ";k=" + std::to_string(k) +
         ";rho=" + format_shortest(rho) + ";eps=" + format_shortest(eps) + ";gamma=" + format_shortest(gamma) +
         ";projection=" + to_string(projection);
}

std::string Cell::id() const {
  std::string family_slug;
  switch (family.family) {
    case Family::random: family_slug = "random"; break;
    case Family::window: family_slug = "window"; break;
    case Family::window_global: family_slug = "window_global"; break;
    case Family::permutation: family_slug = "permutation"; break;
    case Family::file: {
      std::string stem;
      for (char c : std::filesystem::path(family.path).stem().string())
        stem += (std::isalnum(static_cast<unsigned char>(c)) || c == '_') ? c : '_';
      family_slug = "file_" + stem.substr(0, 32) + "_" + hex16(fnv1a(family.path)).substr(0, 8);
      break;
    }
  }
  return family_slug + "-L" + std::to_string(L) + "-k" + std::to_string(k) + "-rho" + format_shortest(rho) + "-eps" +
         format_shortest(eps) + "-g" + format_shortest(gamma) + "-" + to_string(projection);
}

std::vector<Cell> cells(const Parameters& p) {
  validate(p);
  std::vector<Cell> out;
  std::set<std::string> seen;
  auto add = [&](const Cell& c) {
    if (seen.insert(c.key()).second) out.push_back(c);
  };
  for (const FamilySpec& family : p.families) {
    std::optional<Target> file_target;
    double file_rho = 0.0;
    if (family.family == Family::file) {
      file_target = io::read_matrix_market_file(family.path);
      file_rho = file_target->k() == 1 ? 0.0 : target_range_upper(*file_target);
    }
    if (family.family == Family::permutation && std::find(p.k.begin(), p.k.end(), 1) == p.k.end())
      throw InputError("--target-family permutation needs 1 in --k (a permutation has one entry per row)");
    for (Projection projection : p.projections)
      for (double eps : p.eps)
        for (double gamma : p.gamma) {
          if (file_target) {
            Cell c{family, file_target->L(), file_target->k(), file_rho, eps, gamma, projection};
            add(c);
            continue;
          }
          for (std::uint64_t k : p.k)
            for (double rho : p.rho)
              for (std::uint64_t L : p.L) {
                if (family.family == Family::permutation && k != 1) continue;
                if (k > L)
                  throw InputError("cell " + family.name() + " L = " + std::to_string(L) + ", k = " + std::to_string(k) +
                                   ": k has to be at most L");
                add(Cell{family, L, k, k == 1 ? 0.0 : rho, eps, gamma, projection});
              }
        }
  }
  return out;
}

Shard parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  auto parse = [&](const std::string& part, unsigned& value) {
    const CountReading r = read_count(part, std::numeric_limits<unsigned>::max());
    value = static_cast<unsigned>(r.value);
    return r.problem == NumberProblem::none;
  };
  Shard s;
  if (slash == std::string::npos || !parse(text.substr(0, slash), s.index) || !parse(text.substr(slash + 1), s.count) ||
      s.count < 1 || s.index < 1 || s.index > s.count)
    throw InputError("--shard '" + text + "' is not i/N with 1 <= i <= N (e.g. 2/4)");
  return s;
}

bool in_shard(std::size_t position, Shard shard) { return position % shard.count == shard.index - 1; }

// ---------------------------------------------------------------------------
// The d grid and the search

std::vector<std::uint64_t> dimension_grid(std::uint64_t max_d, unsigned steps_per_octave) {
  if (max_d < 1 || steps_per_octave < 1) throw InputError("dimension_grid: max_d and steps_per_octave have to be >= 1");
  std::vector<std::uint64_t> grid;
  for (std::uint64_t j = 0;; ++j) {
    // round(2^(j/s)): the integer part from the octave, so powers of two are exact.
    const std::uint64_t octave = j / steps_per_octave, step = j % steps_per_octave;
    if (octave >= 63) break;
    const double value = std::ldexp(std::exp2(static_cast<double>(step) / steps_per_octave), static_cast<int>(octave));
    const auto d = static_cast<std::uint64_t>(std::llround(value));
    if (d > max_d) break;
    if (grid.empty() || d > grid.back()) grid.push_back(d);
  }
  if (grid.back() != max_d) grid.push_back(max_d);
  return grid;
}

QuantileResult search_quantile(const std::vector<std::uint64_t>& grid, unsigned threshold, unsigned stop_threshold,
                               const std::function<unsigned(std::size_t)>& count_at,
                               std::vector<std::optional<unsigned>>& probed) {
  const std::size_t n = grid.size();
  probed.resize(n);
  auto probe = [&](std::size_t j) {
    if (!probed[j]) probed[j] = count_at(j);
    return *probed[j];
  };
  // Doubling: the powers of two of the grid (and its last point), upwards.
  for (std::size_t j = 0; j < n; ++j) {
    const bool power_of_two = (grid[j] & (grid[j] - 1)) == 0;
    if (!power_of_two && j + 1 != n) continue;
    if (probe(j) >= stop_threshold) break;
  }
  QuantileResult r;
  r.threshold = threshold;
  for (;;) {
    std::optional<std::size_t> hi, lo;
    for (std::size_t j = 0; j < n; ++j)
      if (probed[j] && *probed[j] >= threshold) {
        hi = j;
        break;
      }
    if (!hi) return r;  // not reached on the grid
    for (std::size_t j = *hi; j-- > 0;)
      if (probed[j]) {
        lo = j;
        break;
      }
    if (!lo) {  // hi == 0: the doubling always probes the first grid point
      r.found = true;
      r.index = *hi;
      return r;
    }
    if (*hi - *lo == 1) {
      r.found = true;
      r.index = *hi;
      r.below = *lo;
      return r;
    }
    probe(*lo + (*hi - *lo) / 2);
  }
}

std::uint64_t trial_seed(std::uint64_t seed, const Cell& cell, std::uint32_t trial, Stream stream) {
  const std::uint64_t h = fnv1a(cell.key());
  const auto w =
      philox4x32(seed, {static_cast<std::uint32_t>(h), static_cast<std::uint32_t>(h >> 32), trial, stream_tag(stream)});
  return (static_cast<std::uint64_t>(w[1]) << 32) | w[0];
}

// ---------------------------------------------------------------------------
// Targets

Target draw_target(const Cell& cell, std::uint64_t target_seed, const Target* file_target) {
  if (cell.family.family == Family::file) {
    if (!file_target) throw InputError("draw_target: a file family needs its target");
    return *file_target;
  }
  const auto L = static_cast<std::uint32_t>(cell.L);
  const auto k = static_cast<std::uint32_t>(cell.k);
  std::vector<std::vector<std::uint32_t>> supports(L);
  switch (cell.family.family) {
    case Family::random:
      for (std::uint32_t i = 0; i < L; ++i) {
        // Floyd's algorithm: a uniformly random k-subset of [0, L).
        std::set<std::uint32_t> chosen;
        for (std::uint32_t j = L - k, step = 0; j < L; ++j, ++step) {
          const std::uint32_t r = uniform_below(target_seed, i, step, Stream::audit_support, j + 1);
          chosen.insert(chosen.count(r) ? j : r);
        }
        supports[i].assign(chosen.begin(), chosen.end());
      }
      break;
    case Family::window:
      for (std::uint32_t i = 0; i < L; ++i) {
        const std::int64_t start =
            std::clamp<std::int64_t>(static_cast<std::int64_t>(i) - (static_cast<std::int64_t>(k) - 1) / 2, 0, L - k);
        for (std::uint32_t c = 0; c < k; ++c) supports[i].push_back(static_cast<std::uint32_t>(start) + c);
      }
      break;
    case Family::window_global:
      for (std::uint32_t i = 0; i < L; ++i) {
        supports[i].push_back(0);
        const std::int64_t w = static_cast<std::int64_t>(k) - 1;  // window over columns 1..L-1
        if (w == 0) continue;
        const std::int64_t p = i == 0 ? 0 : static_cast<std::int64_t>(i) - 1;
        const std::int64_t start = std::clamp<std::int64_t>(p - (w - 1) / 2, 0, static_cast<std::int64_t>(L) - 1 - w);
        for (std::int64_t c = 0; c < w; ++c) supports[i].push_back(static_cast<std::uint32_t>(1 + start + c));
      }
      break;
    case Family::permutation: {
      std::vector<std::uint32_t> pi(L);
      for (std::uint32_t i = 0; i < L; ++i) pi[i] = i;
      for (std::uint32_t p = L - 1; p >= 1; --p) std::swap(pi[p], pi[uniform_below(target_seed, p, 0, Stream::audit_permutation, p + 1)]);
      for (std::uint32_t i = 0; i < L; ++i) supports[i] = {pi[i]};
      break;
    }
    case Family::file: break;
  }
  const double top = cell.rho * (1.0 - std::ldexp(1.0, -20));
  std::vector<TargetEntry> entries;
  for (std::uint32_t i = 0; i < L; ++i) {
    const auto& s = supports[i];
    for (std::size_t c = 0; c < s.size(); ++c) {
      double w = 1.0;
      if (s.size() >= 2 && cell.rho > 0 && c > 0) {
        if (c + 1 == s.size()) {
          w = fixed_exp(top);
        } else {
          const auto words = philox4x32(target_seed, {i, s[c], 0, stream_tag(Stream::audit_weight)});
          w = fixed_exp(cell.rho * uniform53(words[0], words[1]));
        }
      }
      entries.push_back({i, s[c], w});
    }
  }
  Target A = Target::from_entries(cell.L, std::move(entries));
  if (cell.k >= 2 && cell.rho > 0 && target_range_upper(A) > cell.rho)
    throw InputError("internal: a drawn target's range exceeds rho = " + format_shortest(cell.rho));
  return A;
}

// ---------------------------------------------------------------------------
// One cell

namespace {
bool is_measured(const Parameters& p, const DimensionBound& b, const DimensionBound& smallest) {
  return p.measure_bounds == MeasureBounds::all || b.name == smallest.name || b.name == BoundName::trivial;
}

// The bound query of a cell: its class (L, k, rho), (eps, gamma) and the run's delta.
BoundQuery cell_query(const Parameters& p, const Cell& cell) {
  return BoundQuery{.L = cell.L, .k = cell.k, .eps = cell.eps, .gamma = cell.gamma, .rho = cell.rho, .delta = p.delta};
}

}  // namespace

double estimated_work(const Parameters& p, const Cell& cell) {
  BoundQuery q = cell_query(p, cell);
  q.crossovers = false;
  q.exact_tails = false;
  const BoundReport report = rigorous_bounds(q);
  const DimensionBound& smallest = smallest_valid_bound(report, cell.projection);
  const double guess = std::min<double>(static_cast<double>(smallest.d) / 2.0, static_cast<double>(p.max_d));
  double bounds = 0.0;
  for (const DimensionBound& b : report.bounds)
    if (b.computed && !b.exceeds_2_64 && b.d <= p.max_d && is_measured(p, b, smallest))
      bounds += static_cast<double>(b.d);
  const double L2 = static_cast<double>(cell.L) * static_cast<double>(cell.L);
  return static_cast<double>(p.trials) * L2 * (8.0 * guess + bounds);
}

namespace {

// X = [B R | R] for a trial (shared by trial_input and the cell's trials, which keep B).
Matrix input_with(const Cell& cell, const LogTransform& B, std::uint64_t projection_seed, std::uint64_t d) {
  const Matrix R = projection_matrix(cell.projection, cell.L, d, projection_seed, 1);
  return adaptive_input(B, R);
}

}  // namespace

Matrix trial_input(const Cell& cell, const Target& A, std::uint64_t projection_seed, std::uint64_t d) {
  if (A.L() != cell.L) throw InputError("trial_input: the target's L differs from the cell's");
  const LogTransform B = log_transform(A, score_error_budget(cell.eps, cell.gamma).gap_Delta);
  return input_with(cell, B, projection_seed, d);
}

namespace {

struct Probe {
  Counts counts;
  double max_row_norm = 0.0;  // over the T trials
};

nlohmann::json counts_json(const Counts& c) {
  return {{"certified", c.certified}, {"refuted", c.refuted}, {"undecided", c.undecided}};
}

// The T trials of one cell: their targets, B's, seeds, and the evaluation of
// all of them at one d (in parallel over trials).
class Trials {
 public:
  Trials(const Parameters& p, const Cell& cell, const Target* file_target, unsigned threads, const Hooks& hooks)
      : cell_(cell), hooks_(hooks), threads_(threads ? static_cast<int>(threads) : omp_get_max_threads()) {
    budget_ = score_error_budget(cell.eps, cell.gamma);
    targets_.reserve(p.trials);  // B keeps a pointer to its target: no reallocation after this
    for (unsigned t = 0; t < p.trials; ++t) {
      targets_.push_back(draw_target(cell, trial_seed(p.seed, cell, t, Stream::audit_trial_target), file_target));
      projection_seeds_.push_back(trial_seed(p.seed, cell, t, Stream::audit_trial_projection));
    }
    for (const Target& A : targets_) B_.push_back(log_transform(A, budget_.gap_Delta));
  }

  const std::vector<Target>& targets() const { return targets_; }

  // trivial: the baseline X = [B | I] (d = L, no randomness).
  Probe evaluate(std::uint64_t d, bool trivial) {
    const std::size_t T = targets_.size();
    std::vector<Verdict> verdicts(T, Verdict::undecided);
    std::vector<double> norms(T, 0.0);
    std::exception_ptr failure;
    std::mutex mutex;
    bool stopped = false;
    const double work = static_cast<double>(cell_.L) * static_cast<double>(cell_.L) * static_cast<double>(d);
    // Plain threads pulling trial numbers (not an OpenMP team: its idle
    // workers would spin between probes, taking CPU from a shared machine).
    std::atomic<std::size_t> next{0};
    auto worker = [&] {
      // Each certification runs on this one thread: OpenMP regions inside
      // (the certifier, Eigen's products) get one thread.
      omp_set_num_threads(1);
      // The exact pass leaves MPFR's per-thread caches behind; free them
      // however the worker ends (the main thread's are freed at exit).
      struct ReleaseCaches {
        bool pooled;
        ~ReleaseCaches() {
          if (pooled) release_thread_multiprecision_caches();
        }
      } release_caches{threads_ > 1};
      for (std::size_t t = next++; t < T; t = next++) {
        {
          std::lock_guard<std::mutex> lock(mutex);
          if (failure || stopped) return;
          if (hooks_.stop && hooks_.stop()) {
            stopped = true;
            return;
          }
        }
        try {
          const Matrix X =
              trivial ? adaptive_input(B_[t], Matrix::Identity(static_cast<Eigen::Index>(cell_.L),
                                                               static_cast<Eigen::Index>(cell_.L)))
                      : input_with(cell_, B_[t], projection_seeds_[t], d);
          const std::vector<double> row_norms = input_row_norms(X);
          norms[t] = row_norms.empty() ? 0.0 : *std::max_element(row_norms.begin(), row_norms.end());
          CertificationLimits limits;
          limits.threads = 1;
          if (hooks_.adjust_limits) hooks_.adjust_limits(limits);
          const auto dd = static_cast<std::size_t>(d);
          verdicts[t] = certify(targets_[t], X, Weights::lemma4_query(dd), Weights::lemma4_key(dd), cell_.eps,
                                cell_.gamma, false, limits)
                            .verdict;
          std::lock_guard<std::mutex> lock(mutex);
          if (hooks_.on_work) hooks_.on_work(work);
        } catch (...) {
          std::lock_guard<std::mutex> lock(mutex);
          if (!failure) failure = std::current_exception();
        }
      }
    };
    const auto n = static_cast<std::size_t>(std::max(1, threads_));
    if (n == 1) {
      const int saved = omp_get_max_threads();
      worker();
      omp_set_num_threads(saved);
    } else {
      std::vector<std::thread> pool;
      for (std::size_t w = 0; w < std::min(n, T); ++w) pool.emplace_back(worker);
      for (std::thread& th : pool) th.join();
    }
    if (failure) std::rethrow_exception(failure);
    if (stopped) throw Interrupted{};
    Probe probe;
    for (std::size_t t = 0; t < T; ++t) {
      switch (verdicts[t]) {
        case Verdict::certified: ++probe.counts.certified; break;
        case Verdict::refuted: ++probe.counts.refuted; break;
        case Verdict::undecided: ++probe.counts.undecided; break;
      }
      probe.max_row_norm = std::max(probe.max_row_norm, norms[t]);
    }
    return probe;
  }

 private:
  const Cell& cell_;
  const Hooks& hooks_;
  int threads_;
  ScoreErrorBudget budget_;
  std::vector<Target> targets_;
  std::vector<LogTransform> B_;
  std::vector<std::uint64_t> projection_seeds_;
};

nlohmann::json crossover_json(const Crossover& c) {
  switch (c.status) {
    case Crossover::Status::found: return c.L;
    case Crossover::Status::not_below_2_64: return "not below 2^64";
    case Crossover::Status::not_computed: break;
  }
  return nullptr;
}

}  // namespace

nlohmann::json run_cell(const Parameters& p, const Cell& cell, const Target* file_target, unsigned threads,
                        const Hooks& hooks) {
  validate(p);
  const BoundReport report = rigorous_bounds(cell_query(p, cell));

  const double work = estimated_work(p, cell);
  const bool skipped = p.max_work > 0 && work > p.max_work;
  const std::string skip_reason =
      "skipped: estimated work " + format_digits(work, 3) + " multiply-adds is above --max-work " +
          format_digits(p.max_work, 3);

  // A skipped cell still draws its first target (Corollary 0 needs its row counts).
  Parameters p_trials = p;
  if (skipped) p_trials.trials = 1;
  Trials trials(p_trials, cell, file_target, threads, hooks);
  const unsigned T = p.trials;
  const unsigned t50 = (T + 1) / 2;
  const auto thi = static_cast<unsigned>(T - floor_product(p.delta, T));
  const unsigned stop = std::max(t50, thi);

  std::map<std::uint64_t, Probe> evaluated;  // random R, by d
  auto at = [&](std::uint64_t d) -> const Probe& {
    auto it = evaluated.find(d);
    if (it == evaluated.end()) it = evaluated.emplace(d, trials.evaluate(d, false)).first;
    return it->second;
  };

  const std::vector<std::uint64_t> grid = dimension_grid(p.max_d, p.steps_per_octave);
  std::vector<std::optional<unsigned>> probed;
  const std::function<unsigned(std::size_t)> count_at = [&](std::size_t j) { return at(grid[j]).counts.certified; };
  QuantileResult r_hi, r_50;
  r_hi.threshold = thi;
  r_50.threshold = t50;
  if (!skipped) {
    r_hi = search_quantile(grid, thi, stop, count_at, probed);
    r_50 = search_quantile(grid, t50, stop, count_at, probed);
  }

  auto quantile_json = [&](const QuantileResult& r) {
    nlohmann::json j = {{"threshold", r.threshold}, {"found", r.found}};
    if (!r.found) {
      j["d"] = nullptr;
      j["status"] = skipped ? skip_reason : "not reached at d <= max_d = " + std::to_string(p.max_d);
      return j;
    }
    const std::uint64_t d = grid[r.index];
    j["d"] = d;
    j["status"] = "found";
    j["counts"] = counts_json(at(d).counts);
    j["below_L"] = d < cell.L;
    if (r.below) {
      const std::uint64_t b = grid[*r.below];
      j["step_below"] = {{"d", b}, {"counts", counts_json(at(b).counts)}};
    } else {
      j["step_below"] = nullptr;
    }
    return j;
  };

  // Every bound up to max_d, measured with the same trials.
  nlohmann::json bounds = nlohmann::json::array();
  const DimensionBound& smallest = smallest_valid_bound(report, cell.projection);
  for (const DimensionBound& b : report.bounds) {
    nlohmann::json j = {{"name", to_string(b.name)},
                        {"label", b.label},
                        {"theorem", b.theorem},
                        {"proved_for_projection", b.name == BoundName::trivial || is_valid_for(b, cell.projection)},
                        {"computed", b.computed}};
    const bool usable = b.computed && !b.exceeds_2_64;
    j["d"] = usable ? nlohmann::json(b.d) : nlohmann::json(nullptr);
    if (!b.computed) j["note"] = b.note;
    j["below_L"] = usable ? nlohmann::json(b.d < cell.L) : nlohmann::json(nullptr);
    j["falls_below_L_from"] = b.name == BoundName::trivial ? nlohmann::json(nullptr) : crossover_json(b.below_L);
    const bool wanted = is_measured(p, b, smallest);
    if (usable && b.d <= p.max_d && !skipped && wanted) {
      const Counts c = b.name == BoundName::trivial ? trials.evaluate(b.d, true).counts : at(b.d).counts;
      j["measured"] = counts_json(c);
      j["measured_with"] = b.name == BoundName::trivial ? "the trivial construction X = [B | I] (R = I)"
                                                         : "random R of the cell's projection at this d";
    } else {
      j["measured"] = nullptr;
      j["measured_with"] = skipped  ? skip_reason
                           : !wanted ? std::string("not measured: --measure-bounds smallest")
                           : usable  ? "not measured: d > max_d = " + std::to_string(p.max_d)
                                     : std::string("not measured");
    }
    bounds.push_back(j);
  }

  // Probes in increasing d, and whether the count ever decreased.
  nlohmann::json probes = nlohmann::json::array();
  std::optional<unsigned> previous;
  bool non_monotone = false;
  for (const auto& [d, probe] : evaluated) {
    probes.push_back({{"d", d},
                      {"certified", probe.counts.certified},
                      {"refuted", probe.counts.refuted},
                      {"undecided", probe.counts.undecided},
                      {"max_input_row_norm", probe.max_row_norm}});
    if (previous && probe.counts.certified < *previous) non_monotone = true;
    previous = probe.counts.certified;
  }

  // Corollary 0: the worst row has the smallest k_i.
  std::size_t k_min = cell.L;
  std::size_t max_column_count = 0;
  for (const Target& A : trials.targets()) {
    for (std::size_t i = 0; i < A.L(); ++i) k_min = std::min(k_min, A.k_i(i));
    max_column_count = std::max(max_column_count, A.max_column_count());
  }
  const double gamma_leak = std::min(cell.gamma, gamma_for_leakage_upper(cell.L, k_min, p.leakage));
  nlohmann::json leak = {{"leakage_upper_at_gamma", leakage_share_upper(cell.L, k_min, cell.gamma)},
                         {"lambda", p.leakage},
                         {"gamma_for_lambda", gamma_leak}};
  {
    BoundQuery ql = cell_query(p, cell);
    ql.gamma = gamma_leak;
    ql.crossovers = false;
    const BoundReport rl = rigorous_bounds(ql);
    const DimensionBound& bl = smallest_valid_bound(rl, cell.projection);
    leak["smallest_proved_at_gamma_for_lambda"] = {{"name", to_string(bl.name)}, {"d", bl.d}};
  }

  const double eta = report.eta.upper, beta = report.beta_sharp.upper;
  nlohmann::json j;
  j["format"] = "jlattn-audit-cell/1";
  j["run_key"] = p.key();
  j["status"] = skipped ? "skipped" : "measured";
  if (skipped) j["skip_reason"] = skip_reason;
  j["estimated_work"] = work;
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
  j["targets"] = {{"min_k_i", k_min}, {"max_column_count", max_column_count}};
  j["derived"] = {{"eta", eta}, {"Delta_upper", report.gap_Delta.upper}, {"beta_sharp_upper", beta},
                  {"row_norm_reference", std::sqrt(beta * beta + 1.0)}};
  j["bounds"] = bounds;
  j["smallest_proved"] = {{"name", to_string(smallest.name)}, {"d", smallest.d}};
  j["search"] = {{"d_50", quantile_json(r_50)},
                 {"d_1_minus_delta", quantile_json(r_hi)},
                 {"probes", probes},
                 {"non_monotone", non_monotone}};
  j["max_input_row_norm_at_d_1_minus_delta"] =
      r_hi.found ? nlohmann::json(at(grid[r_hi.index]).max_row_norm) : nlohmann::json(nullptr);
  j["corollary0"] = leak;
  return j;
}

}  // namespace jlattn::audit
