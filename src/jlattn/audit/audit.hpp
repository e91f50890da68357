/// \file audit.hpp
/// \brief The audit (`jlattn audit`): the theorem's dimension bounds against
/// the dimension that is measured to work, over a grid of cells
/// (L, k, rho, eps, gamma, projection, target family).
///
/// Per cell and per trial t = 0, ..., T-1 the audit draws a target of the
/// family and a projection R from seeds derived with Philox from
/// (seed, cell, t), builds Lemma 4's input \f$X = [BR \mid R]\f$ at a dimension d and
/// asks the certifier (certify() with Lemma 4's selectors) whether
/// \f$\mathrm{softmax}(S)\f$ \f$(\varepsilon, \gamma)\f$-approximates the target. A trial
/// counts as a success at d only when the verdict is **certified**, a proof for
/// that instance; refuted and undecided are counted separately and are never
/// successes.
///
/// The measured dimensions \f$d_{50}\f$ and \f$d_{1-\delta}\f$ are the smallest d of a
/// geometric grid at which at least \f$\lceil T/2 \rceil\f$, respectively
/// \f$\lceil (1-\delta) T \rceil\f$, of the T trials are certified, found by doubling
/// (over the powers of two and a hint near Theorem 3's bound, search_hint())
/// then bisection (search_quantile()). That this is the smallest such grid d
/// assumes that the count is non-decreasing in d (not proved); what holds
/// without the assumption is that the count reaches the threshold at the
/// returned d and does not at the grid point below, and both counts are
/// recorded. The three kinds of statement stay apart (docs/contract.md): the
/// bounds are **proved** (enclosures, rigorous_bounds()), the per-trial
/// verdicts are **certified**, and \f$d_{50}\f$, \f$d_{1-\delta}\f$, success rates and row
/// norms are **measurements** over T draws.
///
/// Proof page: proofs/theorem1-one-target.md
/// Proof page: proofs/rigorous-bounds.md
/// Proof page: proofs/certificate.md
/// Proof page: proofs/corollary0-leakage.md
/// Proof page: proofs/audit-one-pass.md
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "jlattn/bounds/rigorous_bounds.hpp"
#include "jlattn/certify/certificate.hpp"
#include "jlattn/pipeline/parameters.hpp"
#include "jlattn/proof/definition1_target.hpp"
#include "jlattn/proof/lemma3_jl_projection.hpp"
#include "jlattn/core/matrix.hpp"
#include "jlattn/core/random_streams.hpp"

namespace jlattn::audit {

/// The families of targets the audit draws (docs/audit/families.md says
/// what each models and why; every row has exactly k entries).
enum class Family {
  random,         ///< each row a uniformly random k-subset of the L columns
  window,         ///< each row k consecutive columns containing i (shifted at the edges)
  window_global,  ///< column 0 plus k-1 consecutive columns of 1..L-1 near i
  permutation,    ///< k = 1: row i attends to column pi(i), pi a random permutation
  file,           ///< one fixed target read from a target file (io::read_target_file)
  bigbird,        ///< BigBird's blocks: window, global and random blocks of size b = k / (w + g + r)
  extremal,       ///< random supports whose every row attains beta_sharp (weights 1 and about e^rho)
  vertical_slash  ///< long-context heads: shared "vertical" columns plus "slash" diagonals i - o (mod L)
};

/// Block counts of the `bigbird` family: per query block, w window blocks
/// (its own block and its neighbours), g global blocks (the first g blocks
/// of the sequence) and r random blocks. A row then has k = (w + g + r) b
/// keys, b the block size; the defaults are BigBird's (3, 2, 3).
struct BigBirdBlocks {
  unsigned window = 3, global = 2, random = 3;
  unsigned count() const { return window + global + random; }
};

/// A target family as given on the command line: `random`, `window`,
/// `window+global`, `permutation`, `bigbird` (or `bigbird:W+G+R`),
/// `extremal`, `vertical-slash` or `file:PATH`.
struct FamilySpec {
  Family family = Family::random;
  std::string path;     ///< Family::file only
  BigBirdBlocks blocks; ///< Family::bigbird only
  /// The command-line spelling (`bigbird` for the default block counts).
  std::string name() const;
};

/// Parses one family name. \throws InputError naming the unknown value and the allowed ones.
FamilySpec parse_family(const std::string& text);

/// Which bounds a cell measures (T trials at the bound's d, when d <= max_d).
enum class MeasureBounds {
  all,       ///< every computed bound
  smallest,  ///< the smallest bound proved for the projection, and the trivial d = L
  none       ///< none (not even d = L): the search for d_50 and d_(1-delta) only
};

/// "all", "smallest" or "none" (the spelling of --measure-bounds and of run.json).
std::string to_string(MeasureBounds which);
/// Parses "all", "smallest" or "none". \throws InputError naming the value and the allowed ones.
MeasureBounds parse_measure_bounds(const std::string& text);

/// A further grid of a sweep (Parameters::parts): its own token counts, row
/// sparsities, ranges, families and number of trials; eps, gamma, the
/// projections and the search are the sweep's. The checked-in "paper" sweep
/// uses parts to measure the random family to a larger L, with fewer trials,
/// than the other families (sweep_preset()).
struct Part {
  std::vector<std::uint64_t> L, k;   ///< ranges as Parameters::L and Parameters::k
  std::vector<double> rho;           ///< as Parameters::rho
  std::vector<FamilySpec> families;  ///< as Parameters::families
  unsigned trials = 20;              ///< T of the part's cells, as Parameters::trials
};

/// Everything that determines an audit's results (the run key): the grid,
/// the trials, the seed and the search. Threads, sharding and the output
/// directory are not part of it, so they never change a result. The
/// defaults are the sweep checked in under docs/audit/ (under 10 minutes on
/// 2 cores; the cells above max_work are listed with their bounds only).
struct Parameters {
  std::vector<std::uint64_t> L = {64, 128, 256, 512, 1024, 2048, 4096};  ///< each has to be in [2, 2^20]
  std::vector<std::uint64_t> k = {1, 2, 4};            ///< each has to be in [1, 2^20]
  std::vector<double> eps = {1.0};                     ///< each finite and > 0
  std::vector<double> gamma = {0.1};                   ///< each in (0, 1)
  std::vector<double> rho = {1.3862943611198906};      ///< each finite and >= 0 (ln 4 by default)
  std::vector<Projection> projections = {Projection::gaussian};
  std::vector<FamilySpec> families = {FamilySpec{}};
  unsigned trials = 20;            ///< T; has to be in [1, 10000]
  double delta = 0.05;             ///< has to be in (0, 1)
  std::uint64_t seed = 2106037642;
  unsigned steps_per_octave = 8;   ///< grid resolution of the d search; in [1, 64]
  std::uint64_t max_d = 8192;      ///< largest d the audit constructs; in [1, 2^31)
  double leakage = 0.1;            ///< lambda of Corollary 0's second reading; in (0, 1)
  /// Cells whose estimated_work() exceeds this many multiply-adds are not
  /// measured (their proved bounds are still reported); 0: no limit. The
  /// estimate depends on the parameters only, so the choice is deterministic.
  double max_work = 2.5e11;
  MeasureBounds measure_bounds = MeasureBounds::smallest;  ///< which bounds get a success count
  /// Lemma 1's gap \f$\Delta\f$ of every cell, as a factor f of Lemma 2's
  /// \f$\ln(1/\gamma) + \varepsilon\f$ (`--gap-Delta-factor`; proofs/chernoff-bound.md,
  /// "The gap Delta"): the trials' B and every bound of the cell use
  /// scaled_gap_Delta(eps, gamma, f). Has to be finite and in [1, 100]; 1 is
  /// the construction's default gap and keeps the run key of a run without it.
  double gap_Delta_factor = 1.0;
  /// More grids of the same sweep, after the one above (L, k, rho,
  /// families, trials); empty for a single grid. Part of the run key only
  /// when not empty, so a single-grid run keeps its key.
  std::vector<Part> parts;

  /// A 16-hex-digit FNV-1a hash (fnv1a.hpp) of the canonical JSON form
  /// (parameters_json() in audit_output.hpp, what run.json stores): equal
  /// keys, equal results.
  std::string key() const;
};

/// Checks the documented ranges. \throws InputError naming the first violation in one line.
void validate(const Parameters& parameters);

/// The named sweeps (`jlattn audit --sweep NAME`; docs/audit/README.md):
/// - `quick`: the defaults of Parameters, the sweep checked in under
///   docs/audit/ (minutes on 2 cores);
/// - `paper`: the random family at k = 1, 2, 4 from L = 64 to 16384 (T = 50
///   up to L = 4096, T = 20 above), and permutation (k = 1), extremal and
///   window+global (k = 2, 4), bigbird (k = 8: block size 1) and
///   vertical-slash (k = 4) from L = 64 to 4096 with T = 50; 16 grid steps
///   per octave (4.4%), max_d = 8192, no work limit, no bound measured (the
///   quick sweep measures the smallest bound and d = L);
/// - `large`: the random family with T = 10 at k = 1 from L = 4096 to 65536
///   and at k = 2 from 4096 to 32768, 16 grid steps per octave, max_d = 4096,
///   no work limit, no bound measured.
/// All use eps = 1, gamma = 0.1, rho = ln 4, delta = 0.05, Gaussian R and the
/// default seed.
/// \throws InputError for another name, listing the names.
/// Guarantee: exact (fixed parameter sets; changing one changes its run key).
Parameters sweep_preset(const std::string& name);

/// One cell of the grid.
struct Cell {
  FamilySpec family;
  std::uint64_t L = 0, k = 0;
  double rho = 0.0;  ///< the class range; 0 when k = 1 (a single entry per row has range 0)
  double eps = 0.0, gamma = 0.0;
  Projection projection = Projection::gaussian;
  /// T of this cell (from its grid or part); 0: Parameters::trials. Not part
  /// of the key: trial t draws the same target and R whatever T is.
  unsigned trials = 0;
  /// Lemma 1's gap is this factor times \f$\ln(1/\gamma) + \varepsilon\f$
  /// (Parameters::gap_Delta_factor; scaled_gap_Delta()). Not part of the
  /// key: trial t draws the same target and R at every gap, so runs at two
  /// gaps compare the same draws.
  double gap_Delta_factor = 1.0;
  /// Canonical description, e.g. "family=random;L=64;k=2;rho=1.386;eps=1;gamma=0.1;projection=gaussian".
  std::string key() const;
  /// A file-name-safe identifier, e.g. "random-L64-k2-rho1.386-eps1-g0.1-gaussian".
  std::string id() const;
  /// The cell's series (all but L), for grouping in tables and figures.
  std::string series() const;
};

/// The cells of the grid in a fixed order (family, projection, eps, gamma,
/// k, rho, L), then those of each part in the same order (a cell already
/// listed is not listed again). Cells with k = 1 are listed once with
/// rho = 0; permutation contributes only k = 1 and bigbird only the k that
/// are multiples of its block count; a file target contributes one cell per
/// (eps, gamma, projection) with its own L, k and rho (an upper bound from
/// target_range_upper()). Each cell carries the T of its grid or part and
/// Parameters::gap_Delta_factor.
/// \pre validate(parameters) passes.
/// \throws InputError for a cell outside its family (k > L, permutation
///   without k = 1 in the list, bigbird without a multiple of its block
///   count or with L not a multiple of the block size or fewer blocks than
///   a row needs), a cell listed by two grids with different T, or an
///   unreadable file.
/// Guarantee: exact (a deterministic enumeration).
std::vector<Cell> cells(const Parameters& parameters);

/// T of a cell: cell.trials, or Parameters::trials when that is 0.
unsigned trials_of(const Parameters& parameters, const Cell& cell);

/// A shard "i/N" (1-based: i in [1, N]).
struct Shard {
  unsigned index = 1, count = 1;
};
/// Parses "i/N". \throws InputError unless \f$1 \le i \le N\f$.
Shard parse_shard(const std::string& text);
/// Whether cell number `position` (0-based, in the order of cells()) belongs
/// to the shard: round robin, so every shard gets small and large cells.
bool in_shard(std::size_t position, Shard shard);

/// The d grid: the distinct values \f$\mathrm{round}(2^{j/s})\f$, j = 0, 1, ...,
/// that are at most max_d, followed by max_d itself if it is not a grid value.
/// \pre steps_per_octave \f$\ge 1\f$; max_d \f$\ge 1\f$.
/// Guarantee: strictly increasing, starts at 1, ends at max_d; every power
/// of two up to max_d is in it.
std::vector<std::uint64_t> dimension_grid(std::uint64_t max_d, unsigned steps_per_octave);

/// Outcome counts of T trials at one d.
struct Counts {
  unsigned certified = 0;  ///< the only successes
  unsigned refuted = 0;
  unsigned undecided = 0;  ///< never a success
};

/// The result of one quantile search.
struct QuantileResult {
  unsigned threshold = 0;            ///< how many certified trials the quantile needs
  bool found = false;                ///< false: not reached on the grid (d > max_d)
  std::size_t index = 0;             ///< grid index of the answer (when found)
  std::optional<std::size_t> below;  ///< grid index one step below (absent when the answer is the first grid point)
};

/// Finds the smallest grid index whose count reaches `threshold`, assuming
/// the count is non-decreasing in the index: first the powers of two of the
/// grid and the indices listed in `also` (a hint where the answer lies: the
/// audit's is search_hint()), in increasing order, until the count reaches
/// `stop_threshold` (the largest threshold that will be asked), then
/// bisection between the last index below the threshold and the first at or
/// above it. `count_at` is called at most once per index over all calls that
/// share `probed`.
/// \pre grid from dimension_grid(); threshold \f$\le\f$ stop_threshold; probed
///      only holds counts previously returned by count_at; `also` holds
///      indices of the grid.
/// Guarantee: when found, count(index) \f$\ge\f$ threshold and, when below is set,
///   below = index - 1 with count(below) \f$<\f$ threshold, whether or not the
///   count is monotone; when it is monotone, index is the smallest grid index
///   with count \f$\ge\f$ threshold.
QuantileResult search_quantile(const std::vector<std::uint64_t>& grid, unsigned threshold,
                               unsigned stop_threshold, const std::function<unsigned(std::size_t)>& count_at,
                               std::vector<std::optional<unsigned>>& probed, const std::vector<std::size_t>& also = {});

/// Where the audit's search looks first (search_quantile()'s `also`): the
/// grid indices of the first points at or above \f$h\f$ and \f$1.1\,h\f$, where
/// \f$h\f$ is Theorem 3's \f$d_{\rm chernoff}\f$ when the report computes it for
/// this projection (in docs/audit the measured \f$d_{1-\delta}\f$ is between
/// 0.72 and 1.12 times it), otherwise the smallest proved bound
/// over 1.7; none above the grid. A trial's one pass reaches the second
/// point, so the search rarely needs a second pass and the pass stops near the
/// answer instead of at the next power of two. The answer does not depend on
/// the hint when the count is monotone (search_quantile()).
/// Guarantee: exact (a function of the report and the grid).
std::vector<std::size_t> search_hint(const std::vector<std::uint64_t>& grid, const BoundReport& report,
                                     Projection projection);

/// The seed of trial t of a cell for one purpose: the first two words of
/// philox4x32(seed, (h_lo, h_hi, t, stream_tag(stream))) with h the FNV-1a
/// hash of cell.key(), so a trial's draws depend on (seed, cell, t) only,
/// never on sharding, order or threads. trial_seed(seed, cell, t,
/// Stream::audit_trial_target) draws the target, trial_seed(seed, cell, t,
/// Stream::audit_trial_projection) the projection R (random_streams.hpp).
/// Guarantee: exact.
std::uint64_t trial_seed(std::uint64_t seed, const Cell& cell, std::uint32_t trial, Stream stream);

/// The pipeline's parameters of a trial (parameters.hpp): the cell's eps,
/// gamma, gap and projection, the trial's projection seed, and `delta`; the
/// dimension rule is left at its default, since every probe gives its d.
/// Guarantee: exact.
ConstructionParameters trial_parameters(const Cell& cell, std::uint64_t projection_seed, double delta = 0.05);

/// Lemma 4's input of one trial at dimension d, as the audit builds it: the
/// pipeline's stages prepare() (B of Lemma 1 for A at the cell's (eps,
/// gamma) and gap) and emit_input() at d (R = projection_matrix(cell.projection, L,
/// d, projection_seed), one thread), with trial_parameters().
/// \pre A.L() == cell.L; d in [1, 2^32).
/// Guarantee: the same bits as construct() with DimensionRule::given at this
///   d, seed = projection_seed, the cell's projection, eps and gamma, and
///   gap_Delta = scaled_gap_Delta(eps, gamma, cell.gap_Delta_factor).
/// Proof page: proofs/lemma4-adaptive-input.md
Matrix trial_input(const Cell& cell, const Target& A, std::uint64_t projection_seed, std::uint64_t d);

/// The target of trial t of a cell (`file_target` for Family::file, which must
/// be set then). Weights: 1 when k = 1; otherwise in every row the first
/// support entry (lowest column) has weight 1, the last \f$e^{\rho(1-2^{-20})}\f$
/// (so every row spans the class's range, up to a factor \f$1-2^{-20}\f$ that keeps it
/// inside after rounding), the others \f$e^{\rho u}\f$ with u uniform on [0, 1).
/// The exponential is a fixed sequence of IEEE operations (same bits everywhere).
/// \pre cell from cells(); for Family::file, file_target non-null.
/// \throws InputError if the drawn range exceeds the cell's rho (a bug).
/// Guarantee: same bits for the same (cell, target_seed).
Target draw_target(const Cell& cell, std::uint64_t target_seed, const Target* file_target = nullptr);

/// Hooks the command line uses to follow and stop a run.
struct Hooks {
  /// Called after each certification with its cost \f$L^2 d\f$ (multiply-adds of the
  /// score product); may be called from worker threads, one at a time.
  std::function<void(double)> on_work;
  /// Polled between certifications: true stops the cell (Interrupted is thrown).
  std::function<bool()> stop;
  /// Tests only (the command line never sets it, and it changes results):
  /// adjusts the certifier's limits, e.g. to force undecided verdicts.
  std::function<void(CertificationLimits&)> adjust_limits;
  /// Certify every probed d on its own (emit X at d, certify_emitted())
  /// instead of one pass per trial over all of them (one_pass.hpp); the same
  /// results unless a separate exact pass hits a limit (it is then undecided
  /// where the pass decides), more work (`jlattn audit --each-d`, and the
  /// tests that show it).
  /// Also the way when adjust_limits sets exact_only.
  bool each_d = false;
};

/// Thrown by run_cell() when Hooks::stop returned true.
struct Interrupted {};

/// The trials' outcomes at one d: how many certified, refuted, undecided.
struct CountsAt {
  std::uint64_t d = 0;
  Counts counts;
};

/// One probe of the search: the counts at d and the largest input row norm
/// over the T inputs (a double-precision evaluation).
struct Probe {
  CountsAt at;
  double max_input_row_norm = 0.0;
};

/// One quantile of the search (\f$d_{50}\f$ or \f$d_{1-\delta}\f$).
struct QuantileMeasurement {
  unsigned threshold = 0;             ///< certified trials it needs
  bool found = false;
  std::string status;                 ///< "found", or why not (skipped, not reached at max_d)
  CountsAt at;                        ///< when found: the grid d and its counts
  std::optional<CountsAt> step_below; ///< when found and not the first grid point: one grid step below
};

/// One proved bound of a cell, and the trials' outcomes at its d when measured.
struct MeasuredBound {
  DimensionBound bound;               ///< from rigorous_bounds()
  bool proved_for_projection = false; ///< its proof covers the cell's projection (always for trivial)
  std::optional<Counts> measured;     ///< absent: not measured (see measured_with)
  std::string measured_with;          ///< how it was measured, or why not
};

/// Corollary 0 read twice for a cell (corollary0_leakage.hpp): the
/// off-support share allowed at the cell's gamma, and the smallest proved
/// dimension at the gamma that caps it at lambda.
struct LeakageReading {
  double leakage_upper_at_gamma = 0.0;
  double lambda = 0.0;
  double gamma_for_lambda = 0.0;          ///< min(gamma, gamma_for_leakage_upper(L, min k_i, lambda))
  BoundName smallest_proved_name = BoundName::d_star;  ///< at gamma_for_lambda
  std::uint64_t smallest_proved_d = 0;
};

/// What run_cell() measured in one cell (written out by cell_json() in
/// audit_output.hpp). Proved, certified and measured stay apart: `bounds`
/// hold proved integers, the counts are certificates counted over T trials,
/// the quantiles and norms are measurements.
struct CellResult {
  std::string run_key;                 ///< Parameters::key()
  Cell cell;
  unsigned trials = 0;                 ///< T of the cell (trials_of())
  bool skipped = false;                ///< estimated work above --max-work: bounds only
  std::string skip_reason;             ///< when skipped
  double estimated_work = 0.0;         ///< estimated_work()
  std::size_t min_k_i = 0;             ///< over the drawn targets
  std::size_t max_column_count = 0;    ///< over the drawn targets
  double eta_upper = 0.0;              ///< enclosures' upper ends from rigorous_bounds()
  double Delta_upper = 0.0;
  double beta_sharp_upper = 0.0;
  double row_norm_reference = 0.0;     ///< \f$\sqrt{\beta_\sharp^2 + 1}\f$ (beta_sharp_upper), what Lemma 4 says ||x_i|| is about
  std::vector<MeasuredBound> bounds;   ///< in the order of BoundName
  BoundName smallest_proved_name = BoundName::d_star;  ///< the smallest bound proved for the projection
  std::uint64_t smallest_proved_d = 0;
  QuantileMeasurement d_50, d_1_minus_delta;
  std::vector<Probe> probes;           ///< in increasing d
  bool non_monotone = false;           ///< the certified count decreased somewhere along the probes
  std::optional<double> max_input_row_norm_at_d_1_minus_delta;
  LeakageReading corollary0;
  /// The proved lower bound \f$d_{\rm lower}\f$ (proofs/lower-bound.md) at the
  /// norm budget Lemma 4's construction keeps for the class: the bound
  /// report's d_lower; absent when the report has none.
  std::optional<DimensionLowerBound> lower_bound;
};

/// Runs one cell: the bounds of rigorous_bounds(), and unless the cell is
/// skipped (estimated_work() above Parameters::max_work) the search for
/// \f$d_{50}\f$ and \f$d_{1-\delta}\f$, the success counts at the bounds
/// (Parameters::measure_bounds) up to max_d, the input row norms at
/// \f$d_{1-\delta}\f$ and Corollary 0's readings. Each trial goes through
/// the pipeline's stages (construction.hpp): prepare() once (B of Lemma 1),
/// then the certificates of its inputs emit_input() at every probed d. Trial
/// t uses the same R seed at every d, so R at d' is the first d' columns of
/// one array of unscaled draws, rescaled (common random numbers across d);
/// the T trials at one d are independent. So one pass per trial decides
/// every grid d up to the largest it needs and the measured bounds' d
/// (one_pass_certificates(), proofs/audit-one-pass.md), with the verdicts of
/// certify_emitted() on each emitted input; Hooks::each_d (or exact_only in
/// the hooks' limits) certifies each probed d on its own instead, with the
/// same results unless a separate exact pass hits a limit. The baseline d = L is decided from its exact scores B
/// (trivial_certificate()). Trials run in parallel on `threads` worker
/// threads (0: omp_get_max_threads()), each trial on one thread; the result
/// does not depend on the thread count.
/// \pre validate(parameters); cell from cells(parameters); file_target set for Family::file.
/// \throws Interrupted when hooks.stop says so; InputError for bad input (also
///   for a cell whose gap factor is not the parameters').
/// Guarantee: the same result for the same (parameters, cell) whatever
///   `threads`; it holds no time.
CellResult run_cell(const Parameters& parameters, const Cell& cell, const Target* file_target, unsigned threads,
                    const Hooks& hooks = {});

/// A crude estimate of a cell's work in multiply-adds (for a progress bar's
/// ETA): T trials times \f$L^2\f$ times about eight probes at half the smallest
/// proved bound, plus the bounds that will be measured.
double estimated_work(const Parameters& parameters, const Cell& cell);

/// The same estimate for a measurement that decides every grid d of a trial
/// in one pass over nested projections (each trial's scores accumulated
/// column by column up to the largest d it needs): T times \f$L^2\f$ times
/// that largest d D (the largest measured bound up to max_d, and at least the
/// search's hint, 1.1 d_chernoff (search_hint()), capped at max_d, where the
/// search ends), plus \f$T L^3\f$ for the trivial baseline d = L when it is
/// measured. For planning sweeps (`jlattn audit --estimate`); it depends on
/// the parameters only.
double one_pass_work(const Parameters& parameters, const Cell& cell);

/// About the memory one worker needs for a trial of the cell, in bytes: the
/// one pass's draws G and queries P in binary64 and binary32 (24 L D bytes, D
/// as in one_pass_work()), a block of binary32 scores (16 MiB), the emitted
/// \f$X^{(D)}\f$ for a d whose rows go to the certifier (16 L D), and X = [B | I]
/// (16 \f$L^2\f$) where the trivial baseline is measured. What the memory guard
/// of `jlattn audit` multiplies by the thread count; it depends on the
/// parameters only. A pass extended beyond D needs more, in proportion.
/// \pre validate(parameters); cell from cells(parameters).
/// Guarantee: none (an estimate, like one_pass_work()).
double one_pass_memory_bytes(const Parameters& parameters, const Cell& cell);

}  // namespace jlattn::audit
