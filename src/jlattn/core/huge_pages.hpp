/// \file huge_pages.hpp
/// \brief A performance hint for the large arrays (X, R, the Lemma 4 input, the float32 keys): on
/// Linux, ask for transparent huge pages (2 MiB) before the array is first
/// written, so that filling it and every later pass over it take a few
/// hundred page faults and TLB misses instead of one per 4 KiB page. On the
/// project's virtual machine this halved the time `certify` spends reading
/// an 8192 x 2048 X. It changes no value: without it (another system, or
/// huge pages disabled) the same bits are computed, more slowly.
#pragma once

#include <cstddef>
#include <cstdint>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace jlattn {

/// Advises huge pages for the whole 2 MiB pages inside [data, data + bytes).
/// \pre the memory is not yet written (the hint applies to later faults).
inline void advise_huge_pages(const void* data, std::size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr std::uintptr_t kHuge = std::uintptr_t{1} << 21;
  const auto first = reinterpret_cast<std::uintptr_t>(data);
  const std::uintptr_t begin = (first + kHuge - 1) & ~(kHuge - 1);
  const std::uintptr_t end = (first + bytes) & ~(kHuge - 1);
  if (end > begin) (void)madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
  (void)data;
  (void)bytes;
#endif
}

/// advise_huge_pages() for a freshly allocated Eigen matrix.
template <typename Dense>
void advise_huge_pages(const Dense& M) {
  advise_huge_pages(M.data(), static_cast<std::size_t>(M.size()) * sizeof(typename Dense::Scalar));
}

}  // namespace jlattn
