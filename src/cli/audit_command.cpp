// `jlattn audit` and `jlattn audit-merge`: the theorem's bounds against the
// dimension measured to work, over a grid of cells (src/jlattn/audit/audit.hpp),
// with resumable per-cell results, shards, a progress bar and figures.
//
// Output directory layout:
//   run.json            the parameters (the run key) and the list of cell ids
//   cells/<id>.json     one finished cell (written atomically; deterministic)
//   cells/<id>.timing.json  its wall time (kept apart: results never hold a time)
//   results.json, results.csv, results.md, summary.md, timings.json,
//   plot_audit.py, d_vs_L.{svg,png}, success_vs_d.{svg,png}, norm_vs_d.{svg,png}

#include <fcntl.h>
#include <omp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli/audit_plot_script.hpp"
#include "cli/commands.hpp"
#include "jlattn/audit/audit.hpp"
#include "jlattn/audit/audit_output.hpp"
#include "jlattn/pipeline/construction.hpp"
#include "jlattn/core/decimal.hpp"
#include "jlattn/core/errors.hpp"
#include "jlattn/core/format.hpp"
#include "jlattn/io/target_file.hpp"
#include "jlattn/io/staged_output.hpp"
#include "jlattn/pipeline/memory_guard.hpp"

extern char** environ;

namespace jlattn::cli {

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr int kExitInterrupted = 130;  // 128 + SIGINT, the shell's convention

// docs/audit/plot_audit.py, embedded at build time (CMakeLists.txt).
const char* const kPlotScript = kAuditPlotScript;

// ---------------------------------------------------------------------------
// Lists on the command line: "64,128,256".

std::vector<std::string> split_list(const std::string& option, const std::string& text) {
  std::vector<std::string> items;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, ',')) items.push_back(item);
  if (text.empty() || text.back() == ',') items.push_back("");
  for (const std::string& s : items)
    if (s.empty() || s.find_first_of(" \t") != std::string::npos)
      throw InputError(option + " '" + text + "' is not a comma-separated list without spaces or empty items (e.g. 64,128,256)");
  std::set<std::string> seen;
  for (const std::string& s : items)
    if (!seen.insert(s).second) throw InputError(option + " lists '" + s + "' twice");
  return items;
}

// A list item that is not a number: the problem, and an example of a list.
[[noreturn]] void bad_item(const std::string& option, const std::string& item, NumberProblem problem,
                           const char* example) {
  throw InputError(option + " " + quoted_for_message(item) + " " + std::string(describe(problem)) +
                   " (expected a list such as " + example + ")");
}

std::vector<std::uint64_t> integer_list(const std::string& option, const std::string& text) {
  std::vector<std::uint64_t> out;
  for (const std::string& s : split_list(option, text)) {
    const CountReading r = read_count(s);
    if (r.problem != NumberProblem::none) bad_item(option, s, r.problem, "64,128,256");
    out.push_back(r.value);
  }
  return out;
}

std::vector<double> real_list(const std::string& option, const std::string& text) {
  std::vector<double> out;
  for (const std::string& s : split_list(option, text)) {
    const RealReading r = read_real(s);
    if (r.problem != NumberProblem::none) bad_item(option, s, r.problem, "0.5,1");
    out.push_back(r.value);
  }
  return out;
}

// A list as --help shows its default; reals in their shortest exact form.
std::string join(const std::vector<std::uint64_t>& values) {
  std::string s;
  for (const std::uint64_t v : values) s.append(s.empty() ? "" : ",").append(std::to_string(v));
  return s;
}

std::string join(const std::vector<double>& values) {
  std::string s;
  for (const double v : values) s.append(s.empty() ? "" : ",").append(format_shortest(v));
  return s;
}

// ---------------------------------------------------------------------------
// Files

Json read_json(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path.string() + ": cannot open");
  try {
    return Json::parse(in);
  } catch (const Json::exception& e) {
    throw InputError(path.string() + ": not valid JSON (" + e.what() + ")");
  }
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_files(const fs::path& directory, const std::vector<std::pair<std::string, std::string>>& files) {
  io::StagedOutput out(directory);
  for (const auto& [name, text] : files) out.open(name) << text;
  out.commit();
}

// The first top-level parameter whose value differs, for error messages.
std::string first_difference(const Json& a, const Json& b) {
  for (const auto& [key, value] : a.items())
    if (!b.contains(key) || b.at(key) != value) return key;
  for (const auto& [key, value] : b.items())
    if (!a.contains(key)) return key;
  return "(none)";
}

// ---------------------------------------------------------------------------
// Python with matplotlib, for the figures.

int spawn_wait(const std::vector<std::string>& argv, bool quiet) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (quiet) {
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  }
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::optional<std::string> python_with_matplotlib() {
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("JLATTN_PYTHON"); env && *env) candidates.push_back(env);
  candidates.push_back("python3");
  candidates.push_back("/usr/bin/python3");
  for (const std::string& python : candidates)
    if (spawn_wait({python, "-c", "import matplotlib"}, true) == 0) return python;
  return std::nullopt;
}

// ---------------------------------------------------------------------------
// Aggregation: results.{json,csv,md}, timings.json, plot_audit.py, figures.

struct Aggregate {
  std::size_t present = 0, expected = 0;
};

Aggregate write_aggregate(const fs::path& dir, const Json& run, bool plots) {
  std::vector<Json> cell_results;
  Json timings = Json::array();
  double total = 0.0;
  const std::string key = run.at("run_key").get<std::string>();
  for (const Json& id_json : run.at("cells")) {
    const std::string id = id_json.get<std::string>();
    const fs::path file = dir / "cells" / (id + ".json");
    if (!fs::exists(file)) continue;
    Json cell = read_json(file);
    if (cell.value("run_key", "") != key) throw InputError(file.string() + " belongs to a different run (run_key)");
    cell_results.push_back(std::move(cell));
    const fs::path timing = dir / "cells" / (id + ".timing.json");
    if (fs::exists(timing)) {
      Json t = read_json(timing);
      total += t.value("wall_seconds", 0.0);
      timings.push_back(std::move(t));
    }
  }
  const Json results = audit::results_json(run.at("parameters"), cell_results, run.at("cells").size());
  const Json timing_json = {{"note", "wall times of the cells as they were run (not part of the results, which are "
                                     "deterministic); a resumed or sharded run lists each cell's own run"},
                            {"total_cell_seconds", total},
                            {"cells", timings}};
  write_files(dir, {{"results.json", results.dump(2) + "\n"},
                    {"results.csv", audit::results_csv(results)},
                    {"results.md", audit::results_markdown(results)},
                    {"summary.md", audit::summary_markdown(results)},
                    {"timings.json", timing_json.dump(2) + "\n"},
                    {"plot_audit.py", kPlotScript}});
  Aggregate a{cell_results.size(), run.at("cells").size()};
  if (plots && a.present > 0) {
    const std::optional<std::string> python = python_with_matplotlib();
    if (!python) {
      std::cerr << "jlattn: warning: no python3 with matplotlib (Debian: apt-get install python3-matplotlib, or set "
                   "JLATTN_PYTHON); figures skipped: run python3 "
                << (dir / "plot_audit.py").string() << " " << dir.string() << " later\n";
    } else if (spawn_wait({*python, (dir / "plot_audit.py").string(), dir.string()}, false) != 0) {
      throw std::runtime_error("the figure script " + (dir / "plot_audit.py").string() + " failed");
    }
  }
  return a;
}

// ---------------------------------------------------------------------------
// Progress on stderr: a bar with ETA on a terminal, plain lines otherwise.

std::string duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto s = static_cast<long long>(seconds + 0.5);
  char buffer[48];
  if (s >= 3600)
    std::snprintf(buffer, sizeof buffer, "%lldh%02lldm", s / 3600, (s / 60) % 60);
  else if (s >= 60)
    std::snprintf(buffer, sizeof buffer, "%lldm%02llds", s / 60, s % 60);
  else
    std::snprintf(buffer, sizeof buffer, "%llds", s);
  return buffer;
}

class Progress {
 public:
  Progress(std::size_t cells, double estimated_total, bool enabled)
      : tty_(enabled && isatty(STDERR_FILENO)), enabled_(enabled), cells_(cells), estimate_left_(estimated_total),
        start_(std::chrono::steady_clock::now()), last_(start_) {}

  void begin_cell(std::size_t number, const std::string& label, double estimate) {
    std::lock_guard<std::mutex> lock(mutex_);
    number_ = number;
    label_ = label;
    cell_estimate_ = estimate;
    cell_work_ = 0.0;
    draw(true);
  }

  void work(double amount) {
    std::lock_guard<std::mutex> lock(mutex_);
    cell_work_ += amount;
    work_done_ += amount;
    draw(false);
  }

  void end_cell(const std::string& summary) {
    std::lock_guard<std::mutex> lock(mutex_);
    estimate_done_ += cell_estimate_;
    estimate_left_ -= cell_estimate_;
    work_finished_ += cell_work_;
    cell_estimate_ = cell_work_ = 0.0;
    ++finished_;
    if (!enabled_) return;
    if (tty_) std::cerr << "\r\033[K";
    std::cerr << "jlattn audit: [" << finished_ << "/" << cells_ << "] " << summary << "  (elapsed "
              << duration(elapsed()) << ", ETA " << duration(eta()) << ")\n";
    draw(true);
  }

  void note(const std::string& line) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!enabled_) return;
    if (tty_) std::cerr << "\r\033[K";
    std::cerr << "jlattn audit: " << line << "\n";
  }

  void clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (tty_) std::cerr << "\r\033[K" << std::flush;
  }

 private:
  double elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  // Remaining work = the estimates left, scaled by how estimates compared
  // with the work of finished cells; time per unit of work measured so far.
  double eta() const {
    if (work_done_ <= 0) return -1;
    const double scale = estimate_done_ > 0 ? work_finished_ / estimate_done_ : 1.0;
    const double left = std::max(0.0, (estimate_left_ - cell_estimate_) * scale) +
                        std::max(0.0, cell_estimate_ * scale - cell_work_);
    return elapsed() / work_done_ * left;
  }
  void draw(bool force) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (tty_) {
      if (!force && now - last_ < std::chrono::milliseconds(200)) return;
      last_ = now;
      const double scale = estimate_done_ > 0 ? work_finished_ / estimate_done_ : 1.0;
      const double cell_fraction = cell_estimate_ > 0 ? std::min(0.99, cell_work_ / (cell_estimate_ * scale)) : 0.0;
      const double fraction = cells_ ? (static_cast<double>(finished_) + cell_fraction) / static_cast<double>(cells_) : 1.0;
      const int width = 24, filled = static_cast<int>(fraction * width);
      std::string bar = "[" + std::string(static_cast<std::size_t>(filled), '#') +
                        std::string(static_cast<std::size_t>(width - filled), '.') + "]";
      std::string line = bar + " " + std::to_string(static_cast<int>(fraction * 100)) + "% cell " +
                         std::to_string(number_) + "/" + std::to_string(cells_) + " " + label_ + "  elapsed " +
                         duration(elapsed()) + " ETA " + duration(eta());
      if (line.size() > 150) line.resize(150);
      std::cerr << "\r\033[K" << line << std::flush;
    } else if (now - last_ >= std::chrono::seconds(60)) {  // plain lines: at most one a minute within a cell
      last_ = now;
      std::cerr << "jlattn audit: working on cell " << number_ << "/" << cells_ << " " << label_ << " (elapsed "
                << duration(elapsed()) << ", ETA " << duration(eta()) << ")\n";
    }
  }

  bool tty_, enabled_;
  std::size_t cells_, number_ = 0, finished_ = 0;
  double estimate_left_, estimate_done_ = 0.0, cell_estimate_ = 0.0;
  double cell_work_ = 0.0, work_done_ = 0.0, work_finished_ = 0.0;
  std::string label_;
  std::chrono::steady_clock::time_point start_, last_{};
  std::mutex mutex_;
};

// ---------------------------------------------------------------------------
// Ctrl-C: finish nothing more, keep what is written.

std::atomic<bool> g_interrupted{false};
extern "C" void on_sigint(int) { g_interrupted.store(true); }

class SigintGuard {
 public:
  SigintGuard() {
    g_interrupted.store(false);
    struct sigaction action {};
    action.sa_handler = on_sigint;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESETHAND;  // a second Ctrl-C ends the program at once
    sigaction(SIGINT, &action, &previous_);
  }
  ~SigintGuard() { sigaction(SIGINT, &previous_, nullptr); }
  SigintGuard(const SigintGuard&) = delete;
  SigintGuard& operator=(const SigintGuard&) = delete;

 private:
  struct sigaction previous_ {};
};

// ---------------------------------------------------------------------------
// jlattn audit

struct AuditOptions {
  std::string L, k, eps, gamma, rho, projection, family, shard, out, measure_bounds, sweep;
  std::vector<std::string> parts;
  unsigned trials = 0, steps = 0, threads = 0;
  double delta = 0, leakage = 0, max_work = 0, gap_Delta_factor = 1.0;
  std::uint64_t seed = 0, max_d = 0;
  bool no_plots = false, quiet = false, estimate = false, each_d = false;
  std::vector<CLI::Option*> grid_options;  // what --sweep sets: given together with it, they are refused
};

// One --part: "KEY=VALUE;..." with the keys L, k, rho, target-family and
// trials; a key not given takes the main grid's value.
audit::Part parse_part(const std::string& text, const audit::Parameters& main, std::size_t number) {
  audit::Part part{main.L, main.k, main.rho, main.families, main.trials};
  const std::string where = "--part " + std::to_string(number);
  std::set<std::string> seen;
  std::istringstream items(text);
  for (std::string item; std::getline(items, item, ';');) {
    const auto equals = item.find('=');
    const std::string key = item.substr(0, equals);
    if (equals == std::string::npos || !seen.insert(key).second ||
        (key != "L" && key != "k" && key != "rho" && key != "target-family" && key != "trials"))
      throw InputError(where + " '" + text +
                       "' is not KEY=VALUE;... with each of L, k, rho, target-family, trials at most once (e.g. "
                       "'L=8192,16384;trials=20')");
    const std::string value = item.substr(equals + 1);
    if (key == "L") part.L = integer_list(where + " L", value);
    if (key == "k") part.k = integer_list(where + " k", value);
    if (key == "rho") part.rho = real_list(where + " rho", value);
    if (key == "target-family") {
      part.families.clear();
      for (const std::string& f : split_list(where + " target-family", value)) part.families.push_back(audit::parse_family(f));
    }
    if (key == "trials") {
      const CountReading r = read_count(value, 10000);
      if (r.problem != NumberProblem::none) throw InputError(where + " trials " + quoted_for_message(value) + " " + std::string(describe(r.problem)));
      part.trials = static_cast<unsigned>(r.value);
    }
  }
  return part;
}

// The grid the options give: a named sweep, or the grid options and parts.
audit::Parameters grid_of(const AuditOptions& o) {
  if (!o.sweep.empty()) {
    for (const CLI::Option* option : o.grid_options)
      if (option->count() > 0)
        throw InputError("--sweep " + o.sweep + " sets the grid; drop " + option->get_name() +
                         " (or give every option yourself: jlattn audit --sweep " + o.sweep +
                         " --estimate prints them)");
    return audit::sweep_preset(o.sweep);
  }
  audit::Parameters p;
  p.L = integer_list("--L", o.L);
  p.k = integer_list("--k", o.k);
  p.eps = real_list("--eps", o.eps);
  p.gamma = real_list("--gamma", o.gamma);
  p.rho = real_list("--rho", o.rho);
  p.projections.clear();
  for (const std::string& s : split_list("--projection", o.projection)) p.projections.push_back(parse_projection(s));
  p.families.clear();
  for (const std::string& s : split_list("--target-family", o.family)) p.families.push_back(audit::parse_family(s));
  p.trials = o.trials;
  p.delta = o.delta;
  p.seed = o.seed;
  p.steps_per_octave = o.steps;
  p.max_d = o.max_d;
  p.leakage = o.leakage;
  p.max_work = o.max_work;
  p.measure_bounds = audit::parse_measure_bounds(o.measure_bounds);
  for (std::size_t n = 0; n < o.parts.size(); ++n) p.parts.push_back(parse_part(o.parts[n], p, n + 1));
  return p;
}

// The parameters the options give: the grid, at the gap --gap-Delta-factor (with a named sweep too).
audit::Parameters parameters_of(const AuditOptions& o) {
  audit::Parameters p = grid_of(o);
  p.gap_Delta_factor = o.gap_Delta_factor;
  return p;
}

// --estimate: the sweep's command, run key and work, per series, on stdout.
int print_estimate(const audit::Parameters& p, const std::vector<audit::Cell>& all) {
  std::map<std::string, std::pair<double, double>> work;  // series -> (today, one pass)
  std::vector<std::string> order;
  std::map<std::string, std::string> Ls;
  double today = 0.0, one_pass = 0.0;
  for (const audit::Cell& c : all) {
    const std::string series = c.family.name() + ", k = " + std::to_string(c.k) + ", T = " + std::to_string(audit::trials_of(p, c));
    if (!work.count(series)) order.push_back(series);
    const double w = audit::estimated_work(p, c), w1 = audit::one_pass_work(p, c);
    const bool skipped = p.max_work > 0 && w > p.max_work;
    work[series].first += skipped ? 0.0 : w;
    work[series].second += skipped ? 0.0 : w1;
    today += skipped ? 0.0 : w;
    one_pass += skipped ? 0.0 : w1;
    Ls[series] += (Ls[series].empty() ? "" : ",") + std::to_string(c.L) + (skipped ? " (skipped)" : "");
  }
  std::cout << "run key " << p.key() << ", " << all.size() << " cells\n"
            << "regenerate: " << audit::regenerating_command(p) << "\n\n"
            << "| series | L | estimated work today (multiply-adds) | with one pass per trial |\n|---|---|--:|--:|\n";
  for (const std::string& series : order)
    std::cout << "| " << series << " | " << Ls[series] << " | " << format_digits(work[series].first, 3) << " | "
              << format_digits(work[series].second, 3) << " |\n";
  std::cout << "| total | | " << format_digits(today, 3) << " | " << format_digits(one_pass, 3) << " |\n";
  return kExitOk;
}

std::string summary(const Json& cell) {
  if (cell.at("status") != "measured")
    return cell.at("cell").at("id").get<std::string>() + ": " + cell.at("skip_reason").get<std::string>();
  auto q = [&](const char* name) {
    const Json& r = cell.at("search").at(name);
    return r.at("found").get<bool>() ? std::to_string(r.at("d").get<std::uint64_t>()) : std::string("not reached");
  };
  return cell.at("cell").at("id").get<std::string>() + ": d_50 = " + q("d_50") + ", d_(1-delta) = " +
         q("d_1_minus_delta") + ", smallest proved = " + std::to_string(cell.at("smallest_proved").at("d").get<std::uint64_t>());
}

int run_audit(const AuditOptions& o) {
  const audit::Parameters p = parameters_of(o);
  audit::validate(p);
  const audit::Shard shard = o.shard.empty() ? audit::Shard{} : audit::parse_shard(o.shard);
  if (o.estimate) return print_estimate(p, audit::cells(p));
  if (o.out.empty()) throw InputError("audit needs --out DIR");

  const std::vector<audit::Cell> all = audit::cells(p);
  std::map<std::string, Target> file_targets;
  for (const audit::FamilySpec& f : p.families)
    if (f.family == audit::Family::file) file_targets.emplace(f.path, io::read_target_file(f.path));

  const unsigned threads = o.threads ? o.threads : static_cast<unsigned>(omp_get_max_threads());
  // Memory: the cell that needs the most (audit::one_pass_memory_bytes();
  // skipped cells build nothing), once per thread.
  double per_thread = 0.0;
  std::string largest;
  for (const audit::Cell& c : all) {
    if (p.max_work > 0 && audit::estimated_work(p, c) > p.max_work) continue;
    const double bytes = audit::one_pass_memory_bytes(p, c);
    if (bytes > per_thread) {
      per_thread = bytes;
      largest = c.id();
    }
  }
  const double need = per_thread * static_cast<double>(threads);
  const std::size_t have = available_memory_bytes();
  if (have != 0 && need > static_cast<double>(have))
    throw InputError("the largest cell (" + largest + ") needs about " +
                     std::to_string(static_cast<std::uint64_t>(need / 1048576.0)) + " MiB with " +
                     std::to_string(threads) + " threads, more than the " + std::to_string(have >> 20) +
                     " MiB available: lower --max-d or --threads");

  // run.json: the run key; a directory holds one run.
  const fs::path dir = o.out;
  Json ids = Json::array();
  for (const audit::Cell& c : all) ids.push_back(c.id());
  const Json run = {{"format", "jlattn-audit-run/1"},
                    {"parameters", audit::parameters_json(p)},
                    {"run_key", p.key()},
                    {"command", audit::regenerating_command(p)},
                    {"cells", ids}};
  if (fs::exists(dir / "run.json")) {
    const Json old = read_json(dir / "run.json");
    if (old.value("run_key", "") != run.at("run_key"))
      throw InputError(dir.string() + " holds an audit with other parameters (first difference: " +
                       first_difference(old.value("parameters", Json::object()), run.at("parameters")) +
                       "); rerun that command to resume it, or use another --out");
  } else {
    write_files(dir, {{"run.json", run.dump(2) + "\n"}});
  }
  fs::create_directories(dir / "cells");

  std::vector<std::size_t> mine;
  for (std::size_t i = 0; i < all.size(); ++i)
    if (audit::in_shard(i, shard)) mine.push_back(i);
  std::vector<std::size_t> pending;
  for (std::size_t i : mine) {
    const fs::path file = dir / "cells" / (all[i].id() + ".json");
    if (fs::exists(file) && read_json(file).value("run_key", "") == run.at("run_key").get<std::string>()) continue;
    pending.push_back(i);
  }
  double estimate = 0.0;
  std::vector<double> estimates;
  for (std::size_t i : pending) {
    const double w = audit::estimated_work(p, all[i]);
    estimates.push_back(p.max_work > 0 && w > p.max_work ? 0.0 : w);
    estimate += estimates.back();
  }

  Progress progress(pending.size(), estimate, !o.quiet);
  progress.note("run key " + p.key() + (o.sweep.empty() ? std::string() : " (sweep " + o.sweep + ")") +
                "; the same results come from: " + audit::regenerating_command(p));
  progress.note(std::to_string(all.size()) + " cells" +
                (shard.count > 1 ? ", shard " + std::to_string(shard.index) + "/" + std::to_string(shard.count) +
                                       " has " + std::to_string(mine.size())
                                 : std::string()) +
                ", " + std::to_string(mine.size() - pending.size()) + " already finished in " + dir.string() + ", " +
                std::to_string(pending.size()) + " to run on " + std::to_string(threads) + " thread(s)");
  {
    SigintGuard guard;
    audit::Hooks hooks;
    hooks.on_work = [&](double w) { progress.work(w); };
    hooks.stop = [] { return g_interrupted.load(); };
    hooks.each_d = o.each_d;
    for (std::size_t n = 0; n < pending.size(); ++n) {
      const audit::Cell& cell = all[pending[n]];
      const Target* file_target =
          cell.family.family == audit::Family::file ? &file_targets.at(cell.family.path) : nullptr;
      progress.begin_cell(n + 1, cell.id(), estimates[n]);
      const auto start = std::chrono::steady_clock::now();
      Json result;
      try {
        result = audit::cell_json(audit::run_cell(p, cell, file_target, threads, hooks));
      } catch (const audit::Interrupted&) {
        progress.clear();
        std::cerr << "jlattn audit: interrupted; " << n << " cell(s) finished in this run"
                  << " are kept in " << (dir / "cells").string() << "; run the same command again to resume\n";
        return kExitInterrupted;
      }
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const Json timing = {{"id", cell.id()}, {"wall_seconds", seconds}, {"threads", threads}};
      write_files(dir / "cells", {{cell.id() + ".json", result.dump(2) + "\n"},
                                  {cell.id() + ".timing.json", timing.dump(2) + "\n"}});
      progress.end_cell(summary(result) + ", " + duration(seconds));
    }
  }
  progress.clear();
  const Aggregate a = write_aggregate(dir, run, !o.no_plots);
  std::cerr << "jlattn audit: " << a.present << " of " << a.expected << " cells in " << (dir / "results.csv").string()
            << (a.present < a.expected ? " (the other shards' cells are missing: jlattn audit-merge joins them)" : "")
            << "\n";
  return kExitOk;
}

// ---------------------------------------------------------------------------
// jlattn audit-merge

int run_merge(const std::vector<std::string>& inputs, const std::string& out, bool no_plots) {
  if (inputs.empty()) throw InputError("audit-merge needs at least one DIR");
  if (out.empty()) throw InputError("audit-merge needs --out DIR");
  std::optional<Json> run;
  std::string first;
  std::map<std::string, std::pair<std::string, std::string>> cells;  // id -> (bytes, from)
  std::map<std::string, std::string> timings;
  for (const std::string& input : inputs) {
    const fs::path dir = input;
    if (!fs::exists(dir / "run.json")) throw InputError(input + " is not an audit directory (no run.json)");
    const Json r = read_json(dir / "run.json");
    if (!run) {
      run = r;
      first = input;
    } else if (r.value("run_key", "") != run->value("run_key", "") || r.value("cells", Json()) != run->at("cells")) {
      throw InputError(input + " comes from a different audit command than " + first + " (first difference: " +
                       first_difference(run->value("parameters", Json::object()), r.value("parameters", Json::object())) +
                       ")");
    }
    for (const Json& id_json : r.at("cells")) {
      const std::string id = id_json.get<std::string>();
      const fs::path file = dir / "cells" / (id + ".json");
      if (!fs::exists(file)) continue;
      const std::string bytes = read_text(file);
      const auto it = cells.find(id);
      if (it != cells.end() && it->second.first != bytes)
        throw InputError("cell " + id + " differs between " + it->second.second + " and " + input);
      cells.emplace(id, std::make_pair(bytes, input));
      const fs::path timing = dir / "cells" / (id + ".timing.json");
      if (fs::exists(timing) && !timings.count(id)) timings.emplace(id, read_text(timing));
    }
  }
  const fs::path dir = out;
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& [id, entry] : cells) files.emplace_back(id + ".json", entry.first);
  for (const auto& [id, bytes] : timings) files.emplace_back(id + ".timing.json", bytes);
  write_files(dir / "cells", files);
  write_files(dir, {{"run.json", run->dump(2) + "\n"}});
  const Aggregate a = write_aggregate(dir, *run, !no_plots);
  if (a.present < a.expected) {
    std::cerr << "jlattn audit-merge: warning: " << a.expected - a.present << " of " << a.expected
              << " cells are missing (results.json says complete = false)\n";
  } else {
    std::cerr << "jlattn audit-merge: all " << a.expected << " cells in " << (dir / "results.csv").string() << "\n";
  }
  return kExitOk;
}

}  // namespace

Command add_audit_command(CLI::App& root) {
  auto o = std::make_shared<AuditOptions>();
  const audit::Parameters defaults;
  o->L = join(defaults.L);
  o->k = join(defaults.k);
  o->eps = join(defaults.eps);
  o->gamma = join(defaults.gamma);
  o->rho = join(defaults.rho);
  o->projection = "gaussian";
  o->family = "random";
  o->trials = defaults.trials;
  o->delta = defaults.delta;
  o->seed = defaults.seed;
  o->steps = defaults.steps_per_octave;
  o->max_d = defaults.max_d;
  o->leakage = defaults.leakage;
  o->max_work = defaults.max_work;
  o->measure_bounds = audit::to_string(defaults.measure_bounds);
  CLI::App* app = root.add_subcommand(
      "audit", "measure the smallest d that works (certified) against every proved bound, over a grid of cells");
  auto grid = [o](CLI::Option* option) {
    o->grid_options.push_back(option);
    return option;
  };
  grid(app->add_option("--L", o->L, "token counts, comma-separated"))->capture_default_str();
  grid(app->add_option("--k", o->k, "row sparsities, comma-separated"))->capture_default_str();
  grid(app->add_option("--eps", o->eps, "ratio tolerances eps > 0, comma-separated"))->capture_default_str();
  grid(app->add_option("--gamma", o->gamma, "off-support ratio bounds in (0, 1), comma-separated"))->capture_default_str();
  grid(app->add_option("--rho", o->rho, "dynamic ranges >= 0, comma-separated (k = 1 cells use rho = 0)"))
      ->capture_default_str();
  grid(app->add_option("--projection", o->projection, "entry laws of R: gaussian, rademacher, achlioptas (comma-separated)"))
      ->capture_default_str();
  grid(app->add_option("--target-family", o->family,
                       "target families: random, window, window+global, permutation (k = 1), bigbird (k a multiple of "
                       "8: window, global and random blocks of size k/8; bigbird:W+G+R for other block counts), "
                       "extremal (every row at beta_sharp), vertical-slash, file:PATH (a target file: .mtx, .npy or "
                       ".npz); comma-separated (docs/audit/families.md)"))
      ->capture_default_str();
  grid(add_count_option(*app, "--trials", o->trials, "T independent draws per cell and d"))->capture_default_str();
  grid(add_real_option(*app, "--delta", o->delta,
                       "d_(1-delta) needs ceil((1-delta) T) certified trials; also the bounds' delta"))
      ->capture_default_str();
  grid(add_count_option(*app, "--seed", o->seed, "seed of every draw (trial seeds derive from it, the cell and the trial)"))
      ->capture_default_str();
  grid(add_count_option(*app, "--max-d", o->max_d,
                        "largest d the audit constructs (search ceiling; bounds above it are not measured)"))
      ->capture_default_str();
  grid(add_count_option(*app, "--d-steps-per-octave", o->steps, "resolution of the d grid round(2^(j/s))"))
      ->capture_default_str();
  grid(add_real_option(*app, "--leakage", o->leakage, "lambda of Corollary 0's total-leakage reading"))
      ->capture_default_str();
  grid(add_real_option(*app, "--max-work", o->max_work,
                       "skip measuring cells whose estimated work exceeds this many multiply-adds (0: none; their "
                       "proved bounds are still reported)"))
      ->capture_default_str();
  grid(app->add_option("--measure-bounds", o->measure_bounds,
                       "which bounds get a success count (T trials at d = bound, if <= --max-d): all, smallest (the "
                       "smallest proved for the projection, and d = L), or none"))
      ->capture_default_str();
  add_real_option(*app, "--gap-Delta-factor", o->gap_Delta_factor,
                  "Lemma 1's gap Delta as this factor (in [1, 100]) times ln(1/gamma) + eps in every cell: B, the "
                  "trials and every bound use it (a larger gap: smaller d, larger norms; proofs/chernoff-bound.md); "
                  "also with --sweep")
      ->capture_default_str();
  grid(app->add_option("--part", o->parts,
                       "a further grid of the same sweep, 'KEY=VALUE;...' with L, k, rho, target-family and trials "
                       "(the others as above), e.g. 'L=8192,16384;trials=20'; repeatable"));
  app->add_option("--sweep", o->sweep,
                  "a named sweep instead of the grid options: quick (the defaults), paper or large "
                  "(docs/audit/README.md)");
  app->add_flag("--estimate", o->estimate,
                "print the sweep's command, run key and estimated work (today, and with one pass per trial), run nothing");
  app->add_option("--out", o->out, "output directory (rerun the same command on it to resume)");
  app->add_option("--shard", o->shard, "run only shard i of N (1-based, round robin over the cells), e.g. 2/4");
  add_count_option(*app, "--threads", o->threads, "worker threads (0: all cores); results do not depend on it")
      ->capture_default_str();
  app->add_flag("--each-d", o->each_d,
                "certify every probed d separately instead of one pass per trial over all of them (slower; the same "
                "results unless a separate exact pass hits a limit; a cross-check)");
  app->add_flag("--no-plots", o->no_plots, "write no figures");
  app->add_flag("--quiet", o->quiet, "no progress on stderr");
  app->footer(std::string("Results are deterministic: the same command gives the same results.csv whatever --threads "
                          "and --shard. Ctrl-C keeps finished cells (exit 130); rerunning resumes.\n") +
              kExitCodesHelp);
  return {app, [o] { return run_audit(*o); }};
}

Command add_audit_merge_command(CLI::App& root) {
  struct MergeOptions {
    std::vector<std::string> inputs;
    std::string out;
    bool no_plots = false;
  };
  auto o = std::make_shared<MergeOptions>();
  CLI::App* app = root.add_subcommand("audit-merge", "join the shards of one audit (same command, different --shard)");
  app->add_option("dirs", o->inputs, "the shards' output directories")->required();
  app->add_option("--out", o->out, "output directory of the joined results")->required();
  app->add_flag("--no-plots", o->no_plots, "write no figures");
  app->footer(kExitCodesHelp);
  return {app, [o] { return run_merge(o->inputs, o->out, o->no_plots); }};
}

}  // namespace jlattn::cli
