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

#include "jlattn/audit/audit_output.hpp"
#include "jlattn/core/decimal.hpp"
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
                     "': use random, window, window+global, permutation or file:PATH (a target file)");
  }
  return f;
}

// ---------------------------------------------------------------------------
// Parameters

std::string Parameters::key() const { return fnv1a_hex(parameters_json(*this).dump()); }

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
      file_target = io::read_target_file(family.path);
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

ConstructionParameters trial_parameters(const Cell& cell, std::uint64_t projection_seed, double delta) {
  ConstructionParameters parameters;
  parameters.eps = cell.eps;
  parameters.gamma = cell.gamma;
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
// and the certification of all of them at one d (in parallel over trials).
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
    const ChosenDimension dimension = probed_dimension(d, trivial);
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
          // The pipeline's stages 3 and 5 (construction.hpp): X = [B R | R], its certificate.
          const Matrix X = emit_input(prepared_[t], dimension, 1);
          const std::vector<double> row_norms = input_row_norms(X);
          norms[t] = row_norms.empty() ? 0.0 : *std::max_element(row_norms.begin(), row_norms.end());
          ResourcePolicy policy;
          policy.threads = 1;
          if (hooks_.adjust_limits) hooks_.adjust_limits(policy.certification);
          verdicts[t] = certify_emitted(prepared_[t], X, policy).verdict;
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

 private:
  const Cell& cell_;
  const Hooks& hooks_;
  int threads_;
  std::vector<Target> targets_;
  std::vector<PreparedTarget> prepared_;
};

}  // namespace

CellResult run_cell(const Parameters& p, const Cell& cell, const Target* file_target, unsigned threads,
                    const Hooks& hooks) {
  validate(p);
  const BoundReport report = rigorous_bounds(cell_query(p, cell));
  CellResult result;
  result.run_key = p.key();
  result.cell = cell;
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

  std::map<std::uint64_t, Probe> evaluated;  // random R, by d
  auto at = [&](std::uint64_t d) -> const Probe& {
    auto it = evaluated.find(d);
    if (it == evaluated.end()) it = evaluated.emplace(d, trials.evaluate(d, false)).first;
    return it->second;
  };

  const std::vector<std::uint64_t> grid = dimension_grid(p.max_d, p.steps_per_octave);
  std::vector<std::optional<unsigned>> probed;
  const std::function<unsigned(std::size_t)> count_at = [&](std::size_t j) {
    return at(grid[j]).at.counts.certified;
  };
  QuantileResult r_hi, r_50;
  r_hi.threshold = thi;
  r_50.threshold = t50;
  if (!result.skipped) {
    r_hi = search_quantile(grid, thi, stop, count_at, probed);
    r_50 = search_quantile(grid, t50, stop, count_at, probed);
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
  const DimensionBound& smallest = smallest_valid_bound(report, cell.projection);
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
                        : !wanted      ? std::string("not measured: --measure-bounds smallest")
                        : usable       ? "not measured: d > max_d = " + std::to_string(p.max_d)
                                       : std::string("not measured");
    }
    result.bounds.push_back(m);
  }
  result.smallest_proved_name = smallest.name;
  result.smallest_proved_d = smallest.d;

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
    BoundQuery ql = cell_query(p, cell);
    ql.gamma = leak.gamma_for_lambda;
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
