#include "jlattn/core/cancellation.hpp"

namespace jlattn {

Cancelled::Cancelled() : std::runtime_error("stopped on request") {}

void stop_point(const StopRequest& stop) {
  if (stop && stop()) throw Cancelled();
}

bool StopLatch::poll() {
  if (stopped_.load(std::memory_order_relaxed)) return true;
  if (!stop_ || !stop_()) return false;
  stopped_.store(true, std::memory_order_relaxed);
  return true;
}

void StopLatch::rethrow() const {
  if (stopped_.load(std::memory_order_relaxed)) throw Cancelled();
}

}  // namespace jlattn
