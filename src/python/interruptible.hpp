// Long library calls from Python: run with the GIL released, and stopped by
// Ctrl-C. The call runs on a worker thread with a StopRequest
// (core/cancellation.hpp); the calling thread waits for it with the GIL
// released and, every 50 ms, takes the GIL to let Python run its signal
// handlers (PyErr_CheckSignals). When a handler raises (Ctrl-C's
// KeyboardInterrupt, or whatever a user's handler raises), the request says
// stop, the library abandons the call at its next poll (Cancelled), and the
// handler's exception is raised in Python. Python runs signal handlers in
// its main thread only, so a call made from another Python thread is not
// interrupted, as in Python itself.
#pragma once

#include <pybind11/pybind11.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "jlattn/certify/certificate.hpp"
#include "jlattn/core/cancellation.hpp"

namespace jlattn::python {

/// Runs work(stop) on a worker thread as described above and returns its
/// result, or rethrows its exception; a Python exception raised by a signal
/// handler meanwhile takes precedence (the work's own outcome is dropped).
template <typename Work>
auto run_interruptible(Work&& work) -> decltype(work(StopRequest{})) {
  using Result = decltype(work(StopRequest{}));
  std::atomic<bool> stop{false};
  const StopRequest request = [&stop] { return stop.load(std::memory_order_relaxed); };
  std::optional<Result> result;
  std::exception_ptr failure;
  std::optional<pybind11::error_already_set> raised;
  std::mutex mutex;
  std::condition_variable finished;
  bool done = false;
  {
    pybind11::gil_scoped_release release;
    std::thread worker([&] {
      try {
        result.emplace(work(request));
      } catch (...) {
        failure = std::current_exception();
      }
      // MPFR's per-thread caches (the exact pass, the rigorous bounds).
      release_thread_multiprecision_caches();
      std::lock_guard<std::mutex> lock(mutex);
      done = true;
      finished.notify_one();
    });
    std::unique_lock<std::mutex> lock(mutex);
    while (!finished.wait_for(lock, std::chrono::milliseconds(50), [&done] { return done; })) {
      if (raised) continue;  // stopping: wait for the worker
      lock.unlock();
      {
        pybind11::gil_scoped_acquire gil;
        if (PyErr_CheckSignals() != 0) raised.emplace();  // takes the pending Python exception
      }
      if (raised) stop.store(true, std::memory_order_relaxed);
      lock.lock();
    }
    lock.unlock();
    worker.join();
  }
  if (raised) throw std::move(*raised);
  if (failure) std::rethrow_exception(failure);
  return std::move(*result);
}

}  // namespace jlattn::python
