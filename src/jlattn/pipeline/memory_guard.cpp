#include "jlattn/pipeline/memory_guard.hpp"

#include <omp.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <limits>
#include <string_view>

#include "jlattn/core/decimal.hpp"
#include "jlattn/core/errors.hpp"
#include "jlattn/core/format.hpp"

namespace jlattn {

namespace {

constexpr std::size_t kMaxSize = std::numeric_limits<std::size_t>::max();

/// a + b, or SIZE_MAX when it would wrap.
std::size_t add_saturating(std::size_t a, std::size_t b) { return a > kMaxSize - b ? kMaxSize : a + b; }

/// The product of the factors, or SIZE_MAX when it would wrap.
std::size_t product_saturating(std::initializer_list<std::size_t> factors) {
  std::size_t p = 1;
  for (const std::size_t f : factors) {
    if (f == 0) return 0;
    if (p > kMaxSize / f) p = kMaxSize;
    else p *= f;
  }
  return p;
}

}  // namespace

std::size_t parse_memory_size(const std::string& text) {
  const auto bad = [&text](const std::string& why) -> InputError {
    return InputError("--max-memory must be a number of bytes with an optional K, M, G or T suffix (e.g. 512M), got '" +
                      text + "'" + why);
  };
  const std::size_t pos = std::min(text.find_first_not_of("0123456789"), text.size());
  if (pos == 0) throw bad("");
  const CountReading digits = read_count(std::string_view(text).substr(0, pos), kMaxSize);
  if (digits.problem != NumberProblem::none) throw bad(": too large");
  const std::size_t value = digits.value;
  std::string suffix = text.substr(pos);
  for (char& c : suffix) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  int shift = 0;
  if (!suffix.empty()) {
    const std::string unit = suffix.substr(1);
    if (unit != "" && unit != "b" && unit != "ib") throw bad("");
    switch (suffix[0]) {
      case 'k': shift = 10; break;
      case 'm': shift = 20; break;
      case 'g': shift = 30; break;
      case 't': shift = 40; break;
      case 'b': if (unit.empty()) break; throw bad("");  // "512B": plain bytes
      default: throw bad("");
    }
  }
  if (value == 0) throw bad(": the limit has to be positive");
  if (value > (kMaxSize >> shift)) throw bad(": too large");
  return value << shift;
}

std::string format_memory_size(std::size_t bytes) {
  const double b = static_cast<double>(bytes);
  if (bytes < (std::size_t{1} << 10)) return std::to_string(bytes) + " bytes";
  if (bytes < (std::size_t{1} << 20)) return format_fixed(b / 1024.0, 1) + " KiB";
  if (bytes < (std::size_t{1} << 30)) return format_fixed(b / 1048576.0, 1) + " MiB";
  return format_fixed(b / 1073741824.0, 2) + " GiB";
}

std::size_t construction_memory_bytes(std::size_t L, std::size_t d) {
  // X (L x 2d) and R (L x d) live together while X is filled; one block of
  // score rows (at most 32 MiB) during the evaluation.
  return add_saturating(product_saturating({8, 3, L, d}), std::size_t{32} << 20);
}

std::size_t available_memory_bytes() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  std::size_t kib = 0;
  std::string unit;
  while (meminfo >> key >> kib >> unit)
    if (key == "MemAvailable:") return kib * 1024;
  return 0;
}

std::size_t CertificationMemory::total() const {
  std::size_t sum = 0;
  for (const std::size_t part : {input, weights, products, score_blocks, rows, exact}) sum = add_saturating(sum, part);
  return sum;
}

CertificationMemory certification_memory(std::size_t L, std::size_t m, std::size_t d, bool weights_are_selectors,
                                         unsigned threads, bool exact_only) {
  const std::size_t workers =
      threads > 0 ? threads : static_cast<std::size_t>(std::max(1, omp_get_max_threads()));
  CertificationMemory memory;
  memory.input = product_saturating({8, L, m});
  memory.weights = weights_are_selectors ? 0 : product_saturating({16, m, d});
  memory.products = product_saturating({16, L, d});
  if (!exact_only) {
    // The filter's float32 stage keeps K in binary32 (4 L d).
    memory.products = add_saturating(memory.products, product_saturating({4, L, d}));
    // certify() computes blocks of max(1, min(256, 2^22 / L)) rows (at most
    // L) of L scores per thread, in binary32 and in binary64 (12 bytes per
    // score); a product packs K^T (L x d) and a block of at most
    // min(L, 256) rows of Q (8 bytes per entry: the binary32 and binary64
    // products run one after the other); the float32 stage rounds the block
    // of Q and the double stage gathers the rows it left open (12 bytes per
    // entry of the block).
    const std::size_t rows_per_2_22 = (std::size_t{1} << 22) / std::max<std::size_t>(L, 1);
    const std::size_t block_rows = std::min(L, std::clamp<std::size_t>(rows_per_2_22, 1, 256));
    const std::size_t block_scores = product_saturating({block_rows, L});
    const std::size_t packed = product_saturating({add_saturating(L, std::min<std::size_t>(L, 256)), d});
    const std::size_t block_of_Q = product_saturating({block_rows, d});
    memory.score_blocks = product_saturating(
        {workers, add_saturating(add_saturating(product_saturating({12, block_scores}), product_saturating({8, packed})),
                                 product_saturating({12, block_of_Q}))});
  }
  memory.rows = product_saturating({256, L});
  memory.exact = exact_only ? product_saturating({80, L, d}) : 0;
  return memory;
}

std::size_t certification_memory_bytes(std::size_t L, std::size_t m, std::size_t d, bool weights_are_selectors,
                                       unsigned threads, bool exact_only) {
  return certification_memory(L, m, d, weights_are_selectors, threads, exact_only).total();
}

std::size_t construct_and_certify_memory_bytes(std::size_t L, std::size_t d, unsigned threads) {
  return std::max(construction_memory_bytes(L, d),
                  certification_memory_bytes(L, product_saturating({2, d}), d, true, threads));
}

std::size_t memory_limit_bytes(std::size_t max_memory_bytes) {
  return max_memory_bytes != 0 ? max_memory_bytes : available_memory_bytes();
}

void require_memory(std::size_t need, std::size_t max_memory_bytes, const std::string& what,
                    const std::string& breakdown) {
  const std::size_t limit = memory_limit_bytes(max_memory_bytes);
  if (limit == 0 || need <= limit) return;
  const std::string need_text = need == kMaxSize ? "more than 2^64 bytes" : "about " + format_memory_size(need);
  throw MemoryLimitError(what + " needs " + need_text + (breakdown.empty() ? "" : " (" + breakdown + ")") +
                   (max_memory_bytes != 0 ? ", more than the --max-memory limit of " + format_memory_size(limit)
                                          : ", more than the " + format_memory_size(limit) +
                                                " available (MemAvailable; --max-memory sets a limit)"));
}

void require_certification_memory(std::size_t L, std::size_t m, std::size_t d, bool weights_are_selectors,
                                  unsigned threads, bool exact_only, std::size_t max_memory_bytes) {
  const CertificationMemory memory = certification_memory(L, m, d, weights_are_selectors, threads, exact_only);
  require_memory(memory.total(), max_memory_bytes, "certify",
                 "X " + format_memory_size(memory.input) +
                     (weights_are_selectors ? "" : ", W_Q and W_K " + format_memory_size(memory.weights)) +
                     ", Q and K " + format_memory_size(memory.products) +
                     (exact_only ? ", exact rows of K " + format_memory_size(memory.exact)
                                 : ", score blocks " + format_memory_size(memory.score_blocks)));
}

}  // namespace jlattn
