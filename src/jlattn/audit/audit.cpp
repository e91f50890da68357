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
#include <stdexcept>
#include <thread>
#include <tuple>
#include <utility>

#include "jlattn/audit/audit_output.hpp"
#include "jlattn/audit/one_pass.hpp"
#include "jlattn/core/decimal.hpp"
#include "jlattn/core/enclosure.hpp"
#include "jlattn/core/format.hpp"
#include "jlattn/core/random_streams.hpp"
#include "jlattn/bounds/rigorous_bounds.hpp"
#include "jlattn/certify/certificate.hpp"
#include "jlattn/core/errors.hpp"
#include "jlattn/core/fnv1a.hpp"
#include "jlattn/core/reproducible_random.hpp"
#include "jlattn/io/target_file.hpp"
#include "jlattn/pipeline/construction.hpp"
#include "jlattn/proof/corollary0_leakage.hpp"
#include "jlattn/proof/lemma4_adaptive_input.hpp"

namespace jlattn::audit {

namespace {

constexpr std::uint64_t kMaxL = std::uint64_t{1} << 20;
constexpr double kMaxRho = 100.0;
constexpr double kMaxGapFactor = 100.0;

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

// ---------------------------------------------------------------------------
// Families

std::string FamilySpec::name() const {
  switch (family) {
    case Family::random: return "random";
    case Family::window: return "window";
    case Family::window_global: return "window+global";
    case Family::permutation: return "permutation";
    case Family::file: return "file:" + path;
    case Family::bigbird: {
      const BigBirdBlocks standard;
      if (blocks.window == standard.window && blocks.global == standard.global && blocks.random == standard.random)
        return "bigbird";
      return "bigbird:" + std::to_string(blocks.window) + "+" + std::to_string(blocks.global) + "+" +
             std::to_string(blocks.random);
    }
    case Family::extremal: return "extremal";
    case Family::vertical_slash: return "vertical-slash";
  }
  return "?";
}

namespace {

// "W+G+R" of `bigbird:W+G+R`: three counts, w >= 1, each at most 2^20.
BigBirdBlocks parse_bigbird_blocks(const std::string& text) {
  BigBirdBlocks b;
  std::array<unsigned*, 3> parts = {&b.window, &b.global, &b.random};
  std::size_t start = 0;
  for (std::size_t n = 0; n < 3; ++n) {
    const std::size_t end = n < 2 ? text.find('+', start) : text.size();
    const CountReading r = end == std::string::npos ? CountReading{0, NumberProblem::not_an_integer}
                                                    : read_count(text.substr(start, end - start), kMaxL);
    if (r.problem != NumberProblem::none || (n == 2 && text.find('+', start) != std::string::npos))
      throw InputError("target family 'bigbird:" + text +
                       "' is not bigbird:W+G+R (window, global and random blocks per row, e.g. bigbird:3+2+3)");
    *parts[n] = static_cast<unsigned>(r.value);
    start = end + 1;
  }
  if (b.window < 1) throw InputError("target family 'bigbird:" + text + "' needs at least one window block (W >= 1)");
  return b;
}

}  // namespace

FamilySpec parse_family(const std::string& text) {
  FamilySpec f;
  if (text == "random") f.family = Family::random;
  else if (text == "window") f.family = Family::window;
  else if (text == "window+global") f.family = Family::window_global;
  else if (text == "permutation") f.family = Family::permutation;
  else if (text == "bigbird") f.family = Family::bigbird;
  else if (text.rfind("bigbird:", 0) == 0) {
    f.family = Family::bigbird;
    f.blocks = parse_bigbird_blocks(text.substr(8));
  } else if (text == "extremal") f.family = Family::extremal;
  else if (text == "vertical-slash") f.family = Family::vertical_slash;
  else if (text.rfind("file:", 0) == 0 && text.size() > 5) {
    f.family = Family::file;
    f.path = text.substr(5);
  } else {
    throw InputError("unknown target family '" + text +
                     "': use random, window, window+global, permutation, bigbird, bigbird:W+G+R, extremal, "
                     "vertical-slash or file:PATH (a target file)");
  }
  return f;
}

// ---------------------------------------------------------------------------
// Parameters

std::string Parameters::key() const { return fnv1a_hex(parameters_json(*this).dump()); }

namespace {

// The lists that a grid and each part have of their own; `where` prefixes
// the messages of a part ("--part 2: ").
void validate_grid(const std::string& where, const std::vector<std::uint64_t>& Ls, const std::vector<std::uint64_t>& ks,
                   const std::vector<double>& rhos, const std::vector<FamilySpec>& families, unsigned trials) {
  require_list(!Ls.empty(), (where + "--L").c_str());
  require_list(!ks.empty(), (where + "--k").c_str());
  require_list(!rhos.empty(), (where + "--rho").c_str());
  require_list(!families.empty(), (where + "--target-family").c_str());
  for (std::uint64_t L : Ls)
    if (L < 2 || L > kMaxL)
      throw InputError(where + "--L " + std::to_string(L) + " is out of range: it has to be in [2, 2^20]");
  for (std::uint64_t k : ks)
    if (k < 1 || k > kMaxL)
      throw InputError(where + "--k " + std::to_string(k) + " is out of range: it has to be in [1, 2^20]");
  for (double r : rhos)
    if (!(r >= 0 && r <= kMaxRho))
      throw InputError(where + "--rho " + format_shortest(r) + " is out of range: it has to be in [0, 100]");
  if (trials < 1 || trials > 10000)
    throw InputError(where + "--trials " + std::to_string(trials) + " is out of range: it has to be in [1, 10000]");
}

}  // namespace

void validate(const Parameters& p) {
  require_list(!p.eps.empty(), "--eps");
  require_list(!p.gamma.empty(), "--gamma");
  require_list(!p.projections.empty(), "--projection");
  validate_grid("", p.L, p.k, p.rho, p.families, p.trials);
  for (double e : p.eps)
    if (!(std::isfinite(e) && e > 0))
      throw InputError("--eps " + format_shortest(e) + " is out of range: it has to be > 0");
  for (double g : p.gamma)
    if (!(g > 0 && g < 1))
      throw InputError("--gamma " + format_shortest(g) + " is out of range: it has to be in (0, 1)");
  for (std::size_t n = 0; n < p.parts.size(); ++n) {
    const Part& part = p.parts[n];
    validate_grid("--part " + std::to_string(n + 1) + ": ", part.L, part.k, part.rho, part.families, part.trials);
  }
  if (!(p.delta > 0 && p.delta < 1))
    throw InputError("--delta " + format_shortest(p.delta) + " is out of range: it has to be in (0, 1)");
  if (p.steps_per_octave < 1 || p.steps_per_octave > 64)
    throw InputError("--d-steps-per-octave " + std::to_string(p.steps_per_octave) + " is out of range: it has to be in [1, 64]");
  if (p.max_d < 1 || p.max_d >= (std::uint64_t{1} << 31))
    throw InputError("--max-d " + std::to_string(p.max_d) + " is out of range: it has to be in [1, 2^31)");
  if (!(p.leakage > 0 && p.leakage < 1))
    throw InputError("--leakage " + format_shortest(p.leakage) + " is out of range: it has to be in (0, 1)");
  if (!(p.gap_Delta_factor >= 1 && p.gap_Delta_factor <= kMaxGapFactor))
    throw InputError("--gap-Delta-factor " + format_shortest(p.gap_Delta_factor) +
                     " is out of range: it has to be in [1, 100] (1: the gap ln(1/gamma) + eps)");
  if (!(std::isfinite(p.max_work) && p.max_work >= 0))
    throw InputError("--max-work " + format_shortest(p.max_work) + " is out of range: it has to be >= 0 (0: no limit)");
}

std::string to_string(MeasureBounds which) {
  switch (which) {
    case MeasureBounds::all: return "all";
    case MeasureBounds::smallest: return "smallest";
    case MeasureBounds::none: return "none";
  }
  return "?";
}

MeasureBounds parse_measure_bounds(const std::string& text) {
  for (const MeasureBounds which : {MeasureBounds::all, MeasureBounds::smallest, MeasureBounds::none})
    if (text == to_string(which)) return which;
  throw InputError("--measure-bounds '" + text + "': use all, smallest or none");
}

Parameters sweep_preset(const std::string& name) {
  Parameters p;
  if (name == "quick") return p;
  const std::vector<std::uint64_t> to_4096 = {64, 128, 256, 512, 1024, 2048, 4096};
  auto family = [](const char* f) { return std::vector<FamilySpec>{parse_family(f)}; };
  if (name == "paper") {
    p.L = to_4096;
    p.k = {1, 2, 4};
    p.trials = 50;
    p.steps_per_octave = 16;
    p.max_work = 0;
    p.measure_bounds = MeasureBounds::none;
    p.parts = {Part{{8192, 16384}, {1, 2, 4}, p.rho, family("random"), 20},
               Part{to_4096, {1}, p.rho, family("permutation"), 50},
               Part{to_4096, {2, 4}, p.rho, {parse_family("extremal"), parse_family("window+global")}, 50},
               Part{to_4096, {8}, p.rho, family("bigbird"), 50},
               Part{to_4096, {4}, p.rho, family("vertical-slash"), 50}};
    return p;
  }
  if (name == "large") {
    p.L = {4096, 8192, 16384, 32768, 65536};
    p.k = {1};
    p.trials = 10;
    p.parts = {Part{{4096, 8192, 16384, 32768}, {2}, p.rho, family("random"), 10}};
    p.steps_per_octave = 16;
    p.max_d = 4096;
    p.max_work = 0;
    p.measure_bounds = MeasureBounds::none;
    return p;
  }
  throw InputError("unknown sweep '" + name + "': use quick, paper or large");
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
    case Family::bigbird:
      family_slug = "bigbird";
      if (family.name() != "bigbird")
        family_slug += "_" + std::to_string(family.blocks.window) + "_" + std::to_string(family.blocks.global) + "_" +
                       std::to_string(family.blocks.random);
      break;
    case Family::extremal: family_slug = "extremal"; break;
    case Family::vertical_slash: family_slug = "vertical_slash"; break;
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

unsigned trials_of(const Parameters& p, const Cell& cell) { return cell.trials ? cell.trials : p.trials; }

std::vector<Cell> cells(const Parameters& p) {
  validate(p);
  std::vector<Cell> out;
  std::map<std::string, unsigned> seen;  // key -> T
  auto add = [&](Cell c) {
    c.gap_Delta_factor = p.gap_Delta_factor;
    const auto [it, inserted] = seen.emplace(c.key(), c.trials);
    if (inserted) out.push_back(c);
    else if (it->second != c.trials)
      throw InputError("cell " + c.id() + " is in two grids with different --trials (" + std::to_string(it->second) +
                       " and " + std::to_string(c.trials) + ")");
  };
  std::vector<Part> grids = {Part{p.L, p.k, p.rho, p.families, p.trials}};
  grids.insert(grids.end(), p.parts.begin(), p.parts.end());
  for (const Part& grid : grids)
    for (const FamilySpec& family : grid.families) {
      std::optional<Target> file_target;
      double file_rho = 0.0;
      if (family.family == Family::file) {
        file_target = io::read_target_file(family.path);
        file_rho = file_target->k() == 1 ? 0.0 : target_range_upper(*file_target);
      }
      if (family.family == Family::permutation && std::find(grid.k.begin(), grid.k.end(), 1) == grid.k.end())
        throw InputError("--target-family permutation needs 1 in --k (a permutation has one entry per row)");
      const unsigned blocks = family.blocks.count();
      if (family.family == Family::bigbird &&
          std::none_of(grid.k.begin(), grid.k.end(), [&](std::uint64_t k) { return k % blocks == 0; }))
        throw InputError("--target-family " + family.name() + " needs a multiple of " + std::to_string(blocks) +
                         " in --k (k = " + std::to_string(blocks) + " blocks times the block size)");
      for (Projection projection : p.projections)
        for (double eps : p.eps)
          for (double gamma : p.gamma) {
            if (file_target) {
              add(Cell{family, file_target->L(), file_target->k(), file_rho, eps, gamma, projection, grid.trials});
              continue;
            }
            for (std::uint64_t k : grid.k)
              for (double rho : grid.rho)
                for (std::uint64_t L : grid.L) {
                  if (family.family == Family::permutation && k != 1) continue;
                  if (family.family == Family::bigbird && k % blocks != 0) continue;
                  const std::string where =
                      "cell " + family.name() + " L = " + std::to_string(L) + ", k = " + std::to_string(k) + ": ";
                  if (k > L) throw InputError(where + "k has to be at most L");
                  if (family.family == Family::bigbird && (L % (k / blocks) != 0 || L / (k / blocks) < blocks))
                    throw InputError(where + "L has to be a multiple of the block size " + std::to_string(k / blocks) +
                                     " with at least " + std::to_string(blocks) + " blocks");
                  add(Cell{family, L, k, k == 1 ? 0.0 : rho, eps, gamma, projection, grid.trials});
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
                               std::vector<std::optional<unsigned>>& probed, const std::vector<std::size_t>& also) {
  const std::size_t n = grid.size();
  probed.resize(n);
  auto probe = [&](std::size_t j) {
    if (!probed[j]) probed[j] = count_at(j);
    return *probed[j];
  };
  // Doubling: the powers of two of the grid, the indices of `also` (the
  // cell's hint) and its last point, upwards.
  for (std::size_t j = 0; j < n; ++j) {
    const bool power_of_two = (grid[j] & (grid[j] - 1)) == 0;
    if (!power_of_two && j + 1 != n && std::find(also.begin(), also.end(), j) == also.end()) continue;
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

namespace {

// Floyd's algorithm: a uniformly random k-subset of [0, n), in increasing
// order, from the draws at counters (a, step, attempt, tag of the stream).
std::vector<std::uint32_t> random_subset(std::uint64_t seed, std::uint32_t a, Stream stream, std::uint32_t k,
                                         std::uint32_t n) {
  std::set<std::uint32_t> chosen;
  for (std::uint32_t j = n - k, step = 0; j < n; ++j, ++step) {
    const std::uint32_t r = uniform_below(seed, a, step, stream, j + 1);
    chosen.insert(chosen.count(r) ? j : r);
  }
  return {chosen.begin(), chosen.end()};
}

// BigBird: with block size b = k / (w + g + r) and nb = L / b blocks, query
// block q attends to the global blocks 0..g-1, the w consecutive blocks of
// g..nb-1 centred on q (shifted at the edges), and r blocks drawn uniformly
// among the nb - g - w others (the same for every query of the block).
std::vector<std::vector<std::uint32_t>> bigbird_supports(const Cell& cell, std::uint64_t seed) {
  const BigBirdBlocks& blocks = cell.family.blocks;
  const auto L = static_cast<std::uint32_t>(cell.L);
  const auto b = static_cast<std::uint32_t>(cell.k / blocks.count());
  const std::uint32_t nb = L / b, g = blocks.global, w = blocks.window;
  std::vector<std::vector<std::uint32_t>> supports(L);
  for (std::uint32_t q = 0; q < nb; ++q) {
    const std::int64_t centred = static_cast<std::int64_t>(q) - static_cast<std::int64_t>(w - 1) / 2;
    const auto start = static_cast<std::uint32_t>(std::clamp<std::int64_t>(centred, g, nb - w));
    std::vector<std::uint32_t> chosen;
    for (std::uint32_t B = 0; B < g; ++B) chosen.push_back(B);
    for (std::uint32_t B = start; B < start + w; ++B) chosen.push_back(B);
    // The a-th free block: [g, start) first, then [start + w, nb).
    for (std::uint32_t a : random_subset(seed, q, Stream::audit_bigbird_random, blocks.random, nb - g - w))
      chosen.push_back(a < start - g ? g + a : start + w + (a - (start - g)));
    std::sort(chosen.begin(), chosen.end());
    std::vector<std::uint32_t> columns;
    for (std::uint32_t B : chosen)
      for (std::uint32_t c = 0; c < b; ++c) columns.push_back(B * b + c);
    for (std::uint32_t i = q * b; i < (q + 1) * b; ++i) supports[i] = columns;
  }
  return supports;
}

// Vertical-slash: v = ceil(k/2) columns every row attends to (column 0, the
// "attention sink", and v - 1 drawn from 1..L-1) and s = k - v diagonals
// j = i - o (mod L) (offset 0, the token itself, and s - 1 offsets drawn
// from 1..L-1). A diagonal entry that falls on a column the row already has
// moves left (cyclically) to the nearest free column, so every row has k.
std::vector<std::vector<std::uint32_t>> vertical_slash_supports(const Cell& cell, std::uint64_t seed) {
  const auto L = static_cast<std::uint32_t>(cell.L);
  const auto k = static_cast<std::uint32_t>(cell.k);
  const std::uint32_t v = (k + 1) / 2, s = k - v;
  std::vector<std::uint32_t> verticals = {0}, offsets;
  for (std::uint32_t c : random_subset(seed, 0, Stream::audit_vertical_slash, v - 1, L - 1)) verticals.push_back(c + 1);
  if (s > 0) {
    offsets.push_back(0);
    for (std::uint32_t o : random_subset(seed, 1, Stream::audit_vertical_slash, s - 1, L - 1)) offsets.push_back(o + 1);
  }
  std::vector<std::vector<std::uint32_t>> supports(L);
  for (std::uint32_t i = 0; i < L; ++i) {
    std::set<std::uint32_t> row(verticals.begin(), verticals.end());
    for (std::uint32_t o : offsets) {
      std::uint32_t j = (i + L - o) % L;
      while (row.count(j)) j = (j + L - 1) % L;
      row.insert(j);
    }
    supports[i].assign(row.begin(), row.end());
  }
  return supports;
}

}  // namespace

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
      for (std::uint32_t i = 0; i < L; ++i) supports[i] = random_subset(target_seed, i, Stream::audit_support, k, L);
      break;
    case Family::extremal:
      for (std::uint32_t i = 0; i < L; ++i)
        supports[i] = random_subset(target_seed, i, Stream::audit_extremal_support, k, L);
      break;
    case Family::bigbird: supports = bigbird_supports(cell, target_seed); break;
    case Family::vertical_slash: supports = vertical_slash_supports(cell, target_seed); break;
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
  // extremal: the largest double whose logarithm is at most rho (MPFR's
  // correctly rounded e^rho, rounded down), so ln(w) <= rho exactly and the
  // next double above w has ln > rho.
  const double extremal_top = exp_enclosure({cell.rho, cell.rho}).lower;
  std::vector<TargetEntry> entries;
  for (std::uint32_t i = 0; i < L; ++i) {
    const auto& s = supports[i];
    for (std::size_t c = 0; c < s.size(); ++c) {
      double w = 1.0;
      if (s.size() >= 2 && cell.rho > 0 && c > 0) {
        if (cell.family.family == Family::extremal) {
          w = extremal_top;
        } else if (c + 1 == s.size()) {
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
  if (p.measure_bounds == MeasureBounds::none) return false;
  return p.measure_bounds == MeasureBounds::all || b.name == smallest.name || b.name == BoundName::trivial;
}

// The bound query of a cell: its class (L, k, rho), (eps, gamma), its gap and
// the run's delta; at another gamma (Corollary 0's second reading) when given.
BoundQuery cell_query(const Parameters& p, const Cell& cell, std::optional<double> gamma = std::nullopt) {
  const double g = gamma.value_or(cell.gamma);
  return BoundQuery{.L = cell.L,
                    .k = cell.k,
                    .eps = cell.eps,
                    .gamma = g,
                    .rho = cell.rho,
                    .delta = p.delta,
                    .gap_Delta = scaled_gap_Delta(cell.eps, g, cell.gap_Delta_factor)};
}

// The smallest ratio of the best proved bound to the measured d_(1-delta) in
// the first checked-in sweep: without Theorem 3's bound, the search's hint.
constexpr double kBestBoundOverMeasured = 1.7;
// The hint's second point over its first: above the largest measured
// d_(1-delta) / d_chernoff at L >= 1024 in docs/audit (1.08, random, k = 2,
// L = 16384); a measurement above it costs a second pass, never a result.
constexpr double kHintMargin = 1.1;

// The d the hint starts from (search_hint()).
double hint_d(const BoundReport& report, Projection projection) {
  for (const DimensionBound& b : report.bounds)
    if (b.name == BoundName::d_chernoff && b.computed && !b.exceeds_2_64 && is_valid_for(b, projection))
      return static_cast<double>(b.d);
  return static_cast<double>(smallest_valid_bound(report, projection).d) / kBestBoundOverMeasured;
}

}  // namespace

std::vector<std::size_t> search_hint(const std::vector<std::uint64_t>& grid, const BoundReport& report,
                                     Projection projection) {
  const double h = hint_d(report, projection);
  std::vector<std::size_t> hint;
  for (const double at : {h, h * kHintMargin}) {
    const auto it = std::find_if(grid.begin(), grid.end(), [&](std::uint64_t g) { return static_cast<double>(g) >= at; });
    const auto j = static_cast<std::size_t>(it - grid.begin());
    if (it != grid.end() && (hint.empty() || hint.back() != j)) hint.push_back(j);
  }
  return hint;
}

namespace {

// What the two work estimates need from a cell's bounds: half the smallest
// proved bound (capped at max_d), the sum of the measured bounds' d, and the
// largest d a trial's one pass has to reach: the largest measured bound up to
// max_d other than the trivial one, and at least the search's hint
// (search_hint(): 1.1 d_chernoff), capped at max_d.
struct WorkShape {
  double guess = 0.0, bounds = 0.0, top = 0.0, trivial = 0.0;
};

WorkShape work_shape(const Parameters& p, const Cell& cell) {
  BoundQuery q = cell_query(p, cell);
  q.crossovers = false;
  q.exact_tails = false;
  const BoundReport report = rigorous_bounds(q);
  const DimensionBound& smallest = smallest_valid_bound(report, cell.projection);
  WorkShape w;
  w.guess = std::min<double>(static_cast<double>(smallest.d) / 2.0, static_cast<double>(p.max_d));
  w.top = std::min(hint_d(report, cell.projection) * kHintMargin, static_cast<double>(p.max_d));
  for (const DimensionBound& b : report.bounds)
    if (b.computed && !b.exceeds_2_64 && b.d <= p.max_d && is_measured(p, b, smallest)) {
      w.bounds += static_cast<double>(b.d);
      if (b.name == BoundName::trivial) w.trivial = static_cast<double>(b.d);
      else w.top = std::max(w.top, static_cast<double>(b.d));
    }
  return w;
}

double trials_times_L2(const Parameters& p, const Cell& cell) {
  return static_cast<double>(trials_of(p, cell)) * static_cast<double>(cell.L) * static_cast<double>(cell.L);
}

}  // namespace

double estimated_work(const Parameters& p, const Cell& cell) {
  const WorkShape w = work_shape(p, cell);
  return trials_times_L2(p, cell) * (8.0 * w.guess + w.bounds);
}

double one_pass_work(const Parameters& p, const Cell& cell) {
  const WorkShape w = work_shape(p, cell);
  return trials_times_L2(p, cell) * (w.top + w.trivial);
}

double one_pass_memory_bytes(const Parameters& p, const Cell& cell) {
  const WorkShape w = work_shape(p, cell);
  const auto L = static_cast<double>(cell.L), D = std::ceil(w.top);
  return 24.0 * L * D + 16.0 * 1048576.0 + 16.0 * L * D + (w.trivial > 0 ? 16.0 * L * L : 0.0);
}

ConstructionParameters trial_parameters(const Cell& cell, std::uint64_t projection_seed, double delta) {
  ConstructionParameters parameters;
  parameters.eps = cell.eps;
  parameters.gamma = cell.gamma;
  parameters.gap_Delta = scaled_gap_Delta(cell.eps, cell.gamma, cell.gap_Delta_factor);
  parameters.delta = delta;
  parameters.seed = projection_seed;
  parameters.projection = cell.projection;
  return parameters;
}

namespace {

// The dimension the audit probes: a grid d with the trial's R, or the trivial d = L with R = I.
ChosenDimension probed_dimension(std::uint64_t d, bool trivial) {
  ChosenDimension dimension;
  dimension.d = static_cast<std::size_t>(d);
  dimension.trivial = trivial;
  return dimension;
}

}  // namespace

Matrix trial_input(const Cell& cell, const Target& A, std::uint64_t projection_seed, std::uint64_t d) {
  if (A.L() != cell.L) throw InputError("trial_input: the target's L differs from the cell's");
  ConstructionParameters parameters = trial_parameters(cell, projection_seed);
  parameters.rule = DimensionRule::given;
  parameters.d = static_cast<std::size_t>(d);
  return emit_input(prepare(A, parameters), probed_dimension(d, false), 1);
}

namespace {

// The T trials of one cell: their targets, prepared once (B of Lemma 1),
// and their certificates at each d: from one pass per trial over the listed
// dimensions (one_pass.hpp), or, when the hooks ask for the exact pass only,
// by certify_emitted() at each d. In parallel over trials.
class Trials {
 public:
  Trials(const Parameters& p, const Cell& cell, const Target* file_target, unsigned threads, const Hooks& hooks)
      : cell_(cell), hooks_(hooks), threads_(threads ? static_cast<int>(threads) : omp_get_max_threads()) {
    targets_.reserve(p.trials);  // B keeps a pointer to its target: no reallocation after this
    for (unsigned t = 0; t < p.trials; ++t)
      targets_.push_back(draw_target(cell, trial_seed(p.seed, cell, t, Stream::audit_trial_target), file_target));
    // Stage 1 of the pipeline once per trial; each probe then says its own d.
    for (unsigned t = 0; t < p.trials; ++t)
      prepared_.push_back(
          prepare(targets_[t], trial_parameters(cell, trial_seed(p.seed, cell, t, Stream::audit_trial_projection), p.delta)));
    if (hooks_.adjust_limits) hooks_.adjust_limits(policy_.certification);
    policy_.threads = 1;
  }

  const std::vector<Target>& targets() const { return targets_; }

  // Whether the trials' verdicts at d are known from the last one pass.
  bool passed(std::uint64_t d) const { return passed_.count(d) != 0; }

  // One pass per trial over `dimensions` (increasing): the verdicts at each.
  void one_pass(const std::vector<std::uint64_t>& dimensions) {
    std::vector<OnePassResult> per_trial(targets_.size());
    const double work = static_cast<double>(cell_.L) * static_cast<double>(cell_.L) * static_cast<double>(dimensions.back());
    for_each_trial(work, [&](std::size_t t) {
      per_trial[t] = one_pass_certificates(prepared_[t], dimensions, policy_);
    });
    // Kept from earlier passes too: a verdict does not depend on the pass's reach.
    for (std::size_t m = 0; m < dimensions.size(); ++m) {
      std::vector<std::pair<Verdict, double>>& at = passed_[dimensions[m]];
      if (!at.empty()) continue;
      for (const OnePassResult& r : per_trial) at.emplace_back(r.verdicts[m], r.max_input_row_norm[m]);
    }
  }

  // trivial: the baseline X = [B | I] (d = L, no randomness). A random-R d
  // is read from the last one pass unless the hooks ask for the exact pass only.
  Probe evaluate(std::uint64_t d, bool trivial) {
    const std::size_t T = targets_.size();
    std::vector<Verdict> verdicts(T, Verdict::undecided);
    std::vector<double> norms(T, 0.0);
    const bool per_d = !one_pass_enabled();
    if (!trivial && !per_d && !passed(d)) throw std::logic_error("audit: d = " + std::to_string(d) + " was not in the pass");
    const double work = static_cast<double>(cell_.L) * static_cast<double>(cell_.L) *
                        (trivial && !per_d ? 1.0 : (per_d ? static_cast<double>(d) : 0.0));
    const ChosenDimension dimension = probed_dimension(d, trivial);
    if (!trivial && !per_d) {
      for (std::size_t t = 0; t < T; ++t) std::tie(verdicts[t], norms[t]) = passed_.at(d)[t];
    } else {
      for_each_trial(work, [&](std::size_t t) {
        // The pipeline's stage 3 (construction.hpp): X = [B R | R], its row norms.
        const Matrix X = emit_input(prepared_[t], dimension, 1);
        const std::vector<double> row_norms = input_row_norms(X);
        norms[t] = row_norms.empty() ? 0.0 : *std::max_element(row_norms.begin(), row_norms.end());
        // Stage 5: its certificate.
        verdicts[t] = per_d ? certify_emitted(prepared_[t], X, policy_).verdict : trivial_certificate(prepared_[t], policy_);
      });
    }
    Probe probe;
    probe.at.d = d;
    for (std::size_t t = 0; t < T; ++t) {
      switch (verdicts[t]) {
        case Verdict::certified: ++probe.at.counts.certified; break;
        case Verdict::refuted: ++probe.at.counts.refuted; break;
        case Verdict::undecided: ++probe.at.counts.undecided; break;
      }
      probe.max_input_row_norm = std::max(probe.max_input_row_norm, norms[t]);
    }
    return probe;
  }

  // Whether the verdicts come from one pass per trial (not the hooks' exact pass at each d).
  bool one_pass_enabled() const { return !hooks_.each_d && !policy_.certification.exact_only; }

 private:
  // Runs job(t) for every trial on the worker threads; `work` (multiply-adds
  // per trial, for the progress hook) is reported after each.
  void for_each_trial(double work, const std::function<void(std::size_t)>& job) {
    const std::size_t T = targets_.size();
    std::exception_ptr failure;
    std::mutex mutex;
    bool stopped = false;
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
          job(t);
          std::lock_guard<std::mutex> lock(mutex);
          if (hooks_.on_work && work > 0) hooks_.on_work(work);
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
  }

  const Cell& cell_;
  const Hooks& hooks_;
  int threads_;
  ResourcePolicy policy_;
  std::vector<Target> targets_;
  std::vector<PreparedTarget> prepared_;
  // The last one pass: d -> per trial, the verdict and the largest input row norm.
  std::map<std::uint64_t, std::vector<std::pair<Verdict, double>>> passed_;
};

}  // namespace

CellResult run_cell(const Parameters& run, const Cell& cell, const Target* file_target, unsigned threads,
                    const Hooks& hooks) {
  validate(run);
  if (cell.gap_Delta_factor != run.gap_Delta_factor)
    throw InputError("run_cell: the cell's gap factor " + format_shortest(cell.gap_Delta_factor) +
                     " is not the run's " + format_shortest(run.gap_Delta_factor) + " (take the cell from cells())");
  // The run's parameters with the cell's T (its grid's or part's).
  Parameters p = run;
  p.trials = trials_of(run, cell);
  const BoundReport report = rigorous_bounds(cell_query(p, cell));
  CellResult result;
  result.run_key = run.key();
  result.cell = cell;
  result.trials = p.trials;
  result.estimated_work = estimated_work(p, cell);
  result.skipped = p.max_work > 0 && result.estimated_work > p.max_work;
  const std::string skip_reason = "skipped: estimated work " + format_digits(result.estimated_work, 3) +
                                  " multiply-adds is above --max-work " + format_digits(p.max_work, 3);
  if (result.skipped) result.skip_reason = skip_reason;

  // A skipped cell still draws its first target (Corollary 0 needs its row counts).
  Parameters p_trials = p;
  if (result.skipped) p_trials.trials = 1;
  Trials trials(p_trials, cell, file_target, threads, hooks);
  const unsigned T = p.trials;
  const unsigned t50 = (T + 1) / 2;
  const auto thi = static_cast<unsigned>(T - floor_product(p.delta, T));
  const unsigned stop = std::max(t50, thi);

  const std::vector<std::uint64_t> grid = dimension_grid(p.max_d, p.steps_per_octave);

  // One pass per trial decides, up to its reach D, the d the search can ask
  // for (one_pass.hpp): the powers of two, the hint, every grid point from
  // D/8 on (the bisections' brackets) and the measured bounds' d. D starts at
  // the hint's last point (search_hint()) and the largest measured bound; a
  // probe above D extends it (to twice D at least) by a new pass, one below D
  // that the pass skipped repeats the pass with every grid point up to D, so
  // that it happens at most once. The verdicts do not depend on D or on which
  // d a pass lists.
  const DimensionBound& smallest_bound = smallest_valid_bound(report, cell.projection);
  const std::vector<std::size_t> hint = search_hint(grid, report, cell.projection);
  std::set<std::uint64_t> required;  // the measured bounds' d, the hint and any d asked for
  for (const DimensionBound& b : report.bounds)
    if (b.name != BoundName::trivial && b.computed && !b.exceeds_2_64 && b.d <= p.max_d &&
        is_measured(p, b, smallest_bound))
      required.insert(b.d);
  for (std::size_t j : hint) required.insert(grid[j]);
  std::uint64_t reach = 0;
  auto pass_to = [&](std::uint64_t D, bool every_grid_point) {
    std::set<std::uint64_t> ds;
    for (std::uint64_t d : required)
      if (d <= D && !trials.passed(d)) ds.insert(d);
    for (std::uint64_t g : grid)
      if (g <= D && !trials.passed(g) && (every_grid_point || (g & (g - 1)) == 0 || 8 * g >= D)) ds.insert(g);
    if (!ds.empty()) trials.one_pass({ds.begin(), ds.end()});
    reach = D;
  };
  auto first_reach = [&] {
    std::uint64_t D = hint.empty() ? p.max_d : grid[hint.back()];
    for (std::uint64_t d : required) D = std::max(D, d);
    return std::min(D, p.max_d);
  };

  std::map<std::uint64_t, Probe> evaluated;  // random R, by d
  auto at = [&](std::uint64_t d) -> const Probe& {
    auto it = evaluated.find(d);
    if (it == evaluated.end()) {
      if (trials.one_pass_enabled() && !trials.passed(d)) {
        required.insert(d);
        if (reach == 0) pass_to(std::max(d, first_reach()), false);
        else if (d <= reach) pass_to(reach, true);
        else pass_to(std::min(p.max_d, std::max(d, 2 * reach)), false);
      }
      it = evaluated.emplace(d, trials.evaluate(d, false)).first;
    }
    return it->second;
  };
  std::vector<std::optional<unsigned>> probed;
  const std::function<unsigned(std::size_t)> count_at = [&](std::size_t j) {
    return at(grid[j]).at.counts.certified;
  };
  QuantileResult r_hi, r_50;
  r_hi.threshold = thi;
  r_50.threshold = t50;
  if (!result.skipped) {
    r_hi = search_quantile(grid, thi, stop, count_at, probed, hint);
    r_50 = search_quantile(grid, t50, stop, count_at, probed, hint);
  }

  auto quantile = [&](const QuantileResult& r) {
    QuantileMeasurement q;
    q.threshold = r.threshold;
    q.found = r.found;
    if (!r.found) {
      q.status = result.skipped ? skip_reason : "not reached at d <= max_d = " + std::to_string(p.max_d);
      return q;
    }
    q.status = "found";
    q.at = at(grid[r.index]).at;
    if (r.below) q.step_below = at(grid[*r.below]).at;
    return q;
  };
  result.d_1_minus_delta = quantile(r_hi);
  result.d_50 = quantile(r_50);

  // Every bound up to max_d, measured with the same trials.
  const DimensionBound& smallest = smallest_bound;
  for (const DimensionBound& b : report.bounds) {
    MeasuredBound m;
    m.bound = b;
    m.proved_for_projection = b.name == BoundName::trivial || is_valid_for(b, cell.projection);
    const bool usable = b.computed && !b.exceeds_2_64;
    const bool wanted = is_measured(p, b, smallest);
    if (usable && b.d <= p.max_d && !result.skipped && wanted) {
      m.measured = b.name == BoundName::trivial ? trials.evaluate(b.d, true).at.counts : at(b.d).at.counts;
      m.measured_with = b.name == BoundName::trivial ? "the trivial construction X = [B | I] (R = I)"
                                                      : "random R of the cell's projection at this d";
    } else {
      m.measured_with = result.skipped ? skip_reason
                        : !wanted      ? "not measured: --measure-bounds " + to_string(p.measure_bounds)
                        : usable       ? "not measured: d > max_d = " + std::to_string(p.max_d)
                                       : std::string("not measured");
    }
    result.bounds.push_back(m);
  }
  result.smallest_proved_name = smallest.name;
  result.smallest_proved_d = smallest.d;
  if (report.d_lower.computed) result.lower_bound = report.d_lower;

  // Probes in increasing d, and whether the count ever decreased.
  std::optional<unsigned> previous;
  for (const auto& [d, probe] : evaluated) {
    result.probes.push_back(probe);
    if (previous && probe.at.counts.certified < *previous) result.non_monotone = true;
    previous = probe.at.counts.certified;
  }
  if (r_hi.found) result.max_input_row_norm_at_d_1_minus_delta = at(grid[r_hi.index]).max_input_row_norm;

  // Corollary 0: the worst row has the smallest k_i.
  result.min_k_i = cell.L;
  for (const Target& A : trials.targets()) {
    for (std::size_t i = 0; i < A.L(); ++i) result.min_k_i = std::min(result.min_k_i, A.k_i(i));
    result.max_column_count = std::max(result.max_column_count, A.max_column_count());
  }
  LeakageReading& leak = result.corollary0;
  leak.leakage_upper_at_gamma = leakage_share_upper(cell.L, result.min_k_i, cell.gamma);
  leak.lambda = p.leakage;
  leak.gamma_for_lambda = std::min(cell.gamma, gamma_for_leakage_upper(cell.L, result.min_k_i, p.leakage));
  {
    BoundQuery ql = cell_query(p, cell, leak.gamma_for_lambda);
    ql.crossovers = false;
    const BoundReport rl = rigorous_bounds(ql);
    const DimensionBound& bl = smallest_valid_bound(rl, cell.projection);
    leak.smallest_proved_name = bl.name;
    leak.smallest_proved_d = bl.d;
  }

  result.eta_upper = report.eta.upper;
  result.Delta_upper = report.gap_Delta.upper;
  result.beta_sharp_upper = report.beta_sharp.upper;
  result.row_norm_reference = std::sqrt(result.beta_sharp_upper * result.beta_sharp_upper + 1.0);
  return result;
}

}  // namespace jlattn::audit
