// Benchmark for issue 3/7: the certifier against a plain double GEMM of the
// same shape (L x d times d x L), in one run, on a constructed instance.
// Also reports the share of rows the exact pass needed, and peak memory.
//
//   build/bin/bench_certify_vs_gemm [L] [d] [repeats]
//
// Prints one line per measurement and a final ratio line. Timings are
// measurements of this machine at this moment; nothing here asserts them.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "jlattn/certificate.hpp"
#include "jlattn/construction.hpp"
#include "jlattn/weights.hpp"

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

int main(int argc, char** argv) {
  const std::size_t L = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 4096;
  const std::size_t d = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1024;
  const int repeats = argc > 3 ? std::atoi(argv[3]) : 3;

  // A constructed instance (window + global target) at the given d.
  const jlattn::Target A = jlattn::window_global_target(L, 2106037642);
  jlattn::ConstructionRequest request;
  request.rule = jlattn::DimensionRule::given;
  request.d = d;
  auto t0 = std::chrono::steady_clock::now();
  const jlattn::Construction c = jlattn::construct(A, request);
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
              cert.front(), cert[cert.size() / 2], jlattn::to_string(last.verdict).c_str(), last.rows_fast,
              last.rows_exact);
  std::printf("ratio          certify / DGEMM = %.2f (medians)\n", cert[cert.size() / 2] / gemm[gemm.size() / 2]);
  std::printf("peak RSS       %.0f MiB (X alone: %.0f MiB; the plain DGEMM's L x L result: %.0f MiB)\n", peak_rss_mib(),
              8.0 * static_cast<double>(L) * 2 * static_cast<double>(d) / (1 << 20),
              8.0 * static_cast<double>(L) * static_cast<double>(L) / (1 << 20));
  return 0;
}
