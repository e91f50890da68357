// Benchmark for issue 3/7: the certifier against a plain double GEMM of the
// same shape (L x d times d x L), in one run, on a constructed instance.
// Also reports the share of rows the exact pass needed, and peak memory.
//
//   build/bin/bench_certify_vs_gemm [L] [d] [repeats]
//   build/bin/bench_certify_vs_gemm exact-share [targets] [L]
//   build/bin/bench_certify_vs_gemm gemm-eigen X.npy
//   build/bin/bench_certify_vs_gemm gemm-openblas X.npy
//
// The second form constructs random sparse targets (k_i in 1..4, weights
// 1..4, sometimes a global column) at the default dimension (the smallest
// proved bound) and at Theorem 1's d*, certifies each, and counts the rows
// that needed the exact pass.
//
// The gemm-* forms read X = [Q | K] (Lemma 4's input, L x 2d) and time the
// plain DGEMM S = Q K^T, the practical limit of any evaluation, with Eigen or
// with OpenBLAS's cblas_dgemm (when the build found OpenBLAS); run as separate
// processes by tools/bench-scale.sh so that /usr/bin/time -v reports each
// one's peak memory.
//
// Prints one line per measurement and a final ratio line. Timings are
// measurements of this machine at this moment; nothing here asserts them.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#if defined(JLATTN_BENCH_OPENBLAS)
#include <cblas.h>
#endif

#include "jlattn/certify/certificate.hpp"
#include "jlattn/pipeline/construction.hpp"
#include "jlattn/io/npy.hpp"
#include "jlattn/core/random_streams.hpp"
#include "jlattn/core/reproducible_random.hpp"
#include "jlattn/core/weights.hpp"

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

}  // namespace

int exact_share(std::size_t targets, std::size_t L) {
  for (const jlattn::BoundChoice bound : {jlattn::BoundChoice::smallest, jlattn::BoundChoice::d_star}) {
    std::size_t rows = 0, exact = 0, certified = 0;
    for (std::size_t t = 0; t < targets; ++t) {
      std::vector<jlattn::TargetEntry> entries;
      const bool global = t % 4 == 0;
      for (std::size_t i = 0; i < L; ++i) {
        const auto w =
            jlattn::philox4x32(t, {static_cast<std::uint32_t>(i), 0, 0, jlattn::stream_tag(jlattn::Stream::bench_target)});
        const std::size_t k_i = 1 + w[0] % 4;
        for (std::size_t n = 0; n < k_i; ++n) {
          const std::size_t j = (i + n * (1 + w[1] % 7)) % L;
          if (std::any_of(entries.begin(), entries.end(), [&](const auto& e) { return e.row == i && e.col == j; })) continue;
          entries.push_back({i, j, 1.0 + static_cast<double>((w[2] >> (2 * n)) % 4)});
        }
        if (global && i != 0 && std::none_of(entries.begin(), entries.end(), [&](const auto& e) { return e.row == i && e.col == 0; }))
          entries.push_back({i, 0, 1.0});
      }
      const jlattn::Target A = jlattn::Target::from_entries(L, entries);
      jlattn::ConstructionParameters parameters;
      parameters.bound = bound;
      parameters.seed = t;
      const jlattn::Construction c = jlattn::construct(A, parameters);
      const jlattn::Certificate cert = jlattn::certify(A, c.X, jlattn::Weights::lemma4_query(c.d),
                                                       jlattn::Weights::lemma4_key(c.d), 1.0, 0.1, false);
      rows += cert.rows;
      exact += cert.rows_exact;
      certified += cert.verdict == jlattn::Verdict::certified;
    }
    std::printf("%-9s %zu targets (L = %zu): %zu certified; rows needing the exact pass: %zu of %zu (%.4f%%)\n",
                bound == jlattn::BoundChoice::smallest ? "smallest" : "d*", targets, L, certified, exact, rows,
                100.0 * static_cast<double>(exact) / static_cast<double>(rows));
  }
  return 0;
}

// S = Q K^T for X = [Q | K], timed without the reading of X.
int plain_gemm(const std::string& library, const std::string& x_path) {
  const jlattn::Matrix X = jlattn::io::read_npy_file(x_path);
  if (X.cols() % 2 != 0) {
    std::fprintf(stderr, "bench_certify_vs_gemm: %s has an odd number of columns\n", x_path.c_str());
    return 2;
  }
  const Eigen::Index L = X.rows(), d = X.cols() / 2;
  jlattn::Matrix S(L, L);
  const auto t0 = std::chrono::steady_clock::now();
  if (library == "eigen") {
    S.noalias() = X.leftCols(d) * X.rightCols(d).transpose();
  } else {
#if defined(JLATTN_BENCH_OPENBLAS)
    // Row-major: S (L x L) = X[:, :d] (ld 2d) times X[:, d:]^T.
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(L), static_cast<int>(L),
                static_cast<int>(d), 1.0, X.data(), static_cast<int>(2 * d), X.data() + d,
                static_cast<int>(2 * d), 0.0, S.data(), static_cast<int>(L));
#else
    std::fprintf(stderr, "bench_certify_vs_gemm: built without OpenBLAS (install libopenblas-dev and reconfigure)\n");
    return 2;
#endif
  }
  const double seconds = seconds_since(t0);
  volatile double sink = S(L - 1, L - 1);
  (void)sink;
  std::string kernel = "eigen";
#if defined(JLATTN_BENCH_OPENBLAS)
  if (library != "eigen") kernel = std::string("openblas-") + openblas_get_corename();
#endif
  std::printf("gemm-%s L=%ld d=%ld seconds=%.3f gflops=%.2f kernel=%s\n", library.c_str(), static_cast<long>(L),
              static_cast<long>(d), seconds,
              2.0 * static_cast<double>(L) * static_cast<double>(L) * static_cast<double>(d) / seconds / 1e9,
              kernel.c_str());
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 3 && (std::string(argv[1]) == "gemm-eigen" || std::string(argv[1]) == "gemm-openblas"))
    return plain_gemm(std::string(argv[1]).substr(5), argv[2]);
  if (argc > 1 && std::string(argv[1]) == "exact-share")
    return exact_share(argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 100,
                       argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 64);
  const std::size_t L = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 4096;
  const std::size_t d = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1024;
  const int repeats = argc > 3 ? std::atoi(argv[3]) : 3;

  // A constructed instance (window + global target) at the given d.
  const jlattn::Target A = jlattn::window_global_target(L, 2106037642);
  jlattn::ConstructionParameters parameters;
  parameters.rule = jlattn::DimensionRule::given;
  parameters.d = d;
  auto t0 = std::chrono::steady_clock::now();
  const jlattn::Construction c = jlattn::construct(A, parameters);
  std::printf("construct      L = %zu, d = %zu: %.3f s (includes its own double-precision evaluation)\n", L, d,
              seconds_since(t0));
  const auto Li = static_cast<Eigen::Index>(L), di = static_cast<Eigen::Index>(d);

  std::vector<double> gemm, cert;
  jlattn::Certificate last;
  for (int r = 0; r < repeats; ++r) {
    // (a) Plain DGEMM of the same shape: S = Q K^T with Q, K the two blocks of X.
    t0 = std::chrono::steady_clock::now();
    const jlattn::Matrix S = c.X.leftCols(di) * c.X.rightCols(di).transpose();
    gemm.push_back(seconds_since(t0));
    volatile double sink = S(Li - 1, Li - 1);
    (void)sink;
    // (b) The certifier on the same matrices (selectors, never materialised).
    t0 = std::chrono::steady_clock::now();
    last = jlattn::certify(A, c.X, jlattn::Weights::lemma4_query(d), jlattn::Weights::lemma4_key(d), 1.0, 0.1, false);
    cert.push_back(seconds_since(t0));
  }
  std::sort(gemm.begin(), gemm.end());
  std::sort(cert.begin(), cert.end());
  std::printf("plain DGEMM    min %.3f s, median %.3f s (%d runs; Eigen, %d threads)\n", gemm.front(),
              gemm[gemm.size() / 2], repeats, Eigen::nbThreads());
  std::printf("certify        min %.3f s, median %.3f s: %s, %zu rows by the filter, %zu by the exact pass\n",
              cert.front(), cert[cert.size() / 2], jlattn::to_string(last.verdict).c_str(), last.rows_filter,
              last.rows_exact);
  std::printf("ratio          certify / DGEMM = %.2f (medians)\n", cert[cert.size() / 2] / gemm[gemm.size() / 2]);
  std::printf("peak RSS       %.0f MiB (X alone: %.0f MiB; the plain DGEMM's L x L result: %.0f MiB)\n", peak_rss_mib(),
              8.0 * static_cast<double>(L) * 2 * static_cast<double>(d) / (1 << 20),
              8.0 * static_cast<double>(L) * static_cast<double>(L) / (1 << 20));
  return 0;
}
