/// \file memory_guard.hpp
/// \brief Refuse before allocating: what a command will hold at its peak,
/// compared with a `--max-memory` limit or with the memory available now
/// (GitHub issue 7, docs/robustness.md).
///
/// Every estimate here is an upper bound on the large allocations (matrices
/// and per-row arrays; not the program's fixed overhead of a few MiB), and
/// saturates at SIZE_MAX instead of wrapping around, so an absurd size is
/// refused rather than slipping through.
#pragma once

#include <cstddef>
#include <string>

namespace jlattn {

/// Parses a memory size as given to `--max-memory`: decimal digits with an
/// optional binary suffix K, M, G or T (also k, m, g, t, and with a trailing
/// `iB` or `B`, e.g. `512M`, `2GiB`); plain digits are bytes.
/// \throws InputError naming the text, for anything else, 0, or a size that
///   does not fit in size_t.
std::size_t parse_memory_size(const std::string& text);

/// A size for messages: `"512 bytes"`, `"12.0 KiB"`, `"763.4 MiB"`, `"1.50 GiB"`.
std::string format_memory_size(std::size_t bytes);

/// Bytes the construction (construct() in construction.hpp) holds at its
/// peak for (L, d): X (L x 2d) and R (L x d) while X is filled, and one block
/// of score rows (at most 32 MiB) during the evaluation: 24 L d + 32 MiB.
std::size_t construction_memory_bytes(std::size_t L, std::size_t d);

/// Bytes of memory available now (MemAvailable of /proc/meminfo; 0 if unknown).
std::size_t available_memory_bytes();

/// The parts of certify()'s peak memory (certificate.hpp) for X of L x m
/// and W_Q, W_K of m x d, each in bytes.
struct CertificationMemory {
  std::size_t input = 0;         ///< X: 8 L m
  std::size_t weights = 0;       ///< dense W_Q and W_K: 16 m d (0 for Lemma 4's selectors)
  std::size_t products = 0;      ///< Q = X W_Q and K = X W_K: 16 L d (an upper bound: the
                                 ///< certifier reads contiguous selectors' products in place),
                                 ///< and K in binary32 for the filter's float32 stage, 4 L d
  std::size_t score_blocks = 0;  ///< per filter thread, one block of computed scores in
                                 ///< binary32 and binary64, 12 r L with
                                 ///< r = min(L, max(1, min(256, 2^22 / L))) rows, a
                                 ///< matrix product's packed copies of K^T and of a block
                                 ///< of Q, 8 (L + min(L, 256)) d, and the block of Q in
                                 ///< binary32 and the rows gathered for the double stage, 12 r d
  std::size_t rows = 0;          ///< per-row bookkeeping of the filter and the exact pass: 256 L
  std::size_t exact = 0;         ///< with --exact-only, the exact pass's cache of exact rows
                                 ///< of K: 80 L d (about 56 bytes per entry measured for
                                 ///< doubles; more when a row's entries span a very wide
                                 ///< exponent range). 0 otherwise: with the filter, the exact
                                 ///< pass sees only the few rows and columns it leaves open
  std::size_t total() const;     ///< the sum, saturating
};

/// certify()'s peak memory for (L, m, d), with `threads` filter threads (0:
/// OpenMP's default, as certify uses). `weights_are_selectors` when W_Q and
/// W_K are Lemma 4's [I_d; 0] and [0; I_d] (no dense weights are held);
/// `exact_only` when the filter is skipped (CertificationLimits::exact_only).
/// The target itself (read and validated first, memory proportional to its
/// file) is not counted. Checked against the peak resident memory of real
/// runs by tests/pipeline/memory_guard_test.cpp.
CertificationMemory certification_memory(std::size_t L, std::size_t m, std::size_t d, bool weights_are_selectors,
                                         unsigned threads = 0, bool exact_only = false);

/// certification_memory(L, m, d, weights_are_selectors, threads, exact_only).total().
std::size_t certification_memory_bytes(std::size_t L, std::size_t m, std::size_t d, bool weights_are_selectors,
                                       unsigned threads = 0, bool exact_only = false);

/// What construct_and_certify() (construction.hpp; `jlattn construct`, `jlattn
/// demo`) holds at its peak for (L, d): the larger of the construction
/// (construction_memory_bytes) and the certification of the emitted X
/// (L x 2d) with Lemma 4's selectors.
std::size_t construct_and_certify_memory_bytes(std::size_t L, std::size_t d, unsigned threads = 0);

/// The limit a command works under: `max_memory_bytes` when non-zero, else
/// what /proc/meminfo calls MemAvailable (0 when that is unknown: no limit).
std::size_t memory_limit_bytes(std::size_t max_memory_bytes);

/// Refuses `need` bytes above the limit, before anything is allocated.
/// \throws MemoryLimitError (an InputError), one line: "\<what\> needs about \<need\> (\<breakdown\>),
///   more than the --max-memory limit of \<limit\>" (or "... more than the
///   \<limit\> available", when max_memory_bytes is 0; no parentheses when
///   the breakdown is empty).
void require_memory(std::size_t need, std::size_t max_memory_bytes, const std::string& what,
                    const std::string& breakdown = "");

/// Refuses, before anything large is read or allocated, a certify() of X
/// (L x m) with W_Q, W_K (m x d) whose certification_memory() is above the
/// limit: require_memory() with "certify" and the parts of the estimate
/// (X, the dense weights unless they are selectors, Q and K, the score
/// blocks or the exact rows) as its breakdown. What `jlattn certify` and the
/// Python module's certify() check.
/// \throws MemoryLimitError as require_memory().
void require_certification_memory(std::size_t L, std::size_t m, std::size_t d, bool weights_are_selectors,
                                  unsigned threads, bool exact_only, std::size_t max_memory_bytes);

}  // namespace jlattn
