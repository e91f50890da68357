/// \file cancellation.hpp
/// \brief Stopping a long computation on request: the one mechanism by which
/// a front end interrupts the library (the Python module turns Ctrl-C into
/// it). The caller passes a StopRequest; the library polls it between blocks
/// of rows, between the stages of the pipeline and inside the bounds' series
/// of a rigorous_bounds() call given one (`jlattn bound`; the bound steps
/// inside construct do not take one yet), and abandons the computation with
/// Cancelled when it says stop. Nothing is returned then: a call either
/// finishes exactly as it would have without the request, or throws.
/// Stopping never changes a bit of a result that is returned.
#pragma once

#include <atomic>
#include <functional>
#include <stdexcept>
#include <utility>

namespace jlattn {

/// A caller's request to stop: returns true once the computation should be
/// abandoned. It may be called from worker threads, concurrently, so it has
/// to be thread-safe and cheap (an atomic load); an empty function never stops.
using StopRequest = std::function<bool()>;

/// Thrown when a StopRequest said stop: the computation was abandoned and
/// returned nothing.
class Cancelled : public std::runtime_error {
 public:
  Cancelled();
};

/// Polls `stop` and throws Cancelled when it says stop.
/// \pre none (an empty request never stops).
/// \throws Cancelled.
/// Guarantee: exact.
void stop_point(const StopRequest& stop);

/// A stop request seen inside a parallel loop, where no exception may leave
/// the loop: poll() asks the request and remembers a yes for every thread,
/// which then skip their remaining blocks; after the loop, rethrow() throws
/// Cancelled if any thread saw one.
class StopLatch {
 public:
  explicit StopLatch(StopRequest stop) : stop_(std::move(stop)) {}
  /// True once any thread's poll() saw the request say stop. Thread-safe.
  /// Guarantee: exact.
  bool poll();
  /// \throws Cancelled when a poll() returned true.
  void rethrow() const;

 private:
  const StopRequest stop_;
  std::atomic<bool> stopped_{false};
};

}  // namespace jlattn
