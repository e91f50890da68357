// Checks the stop request (src/jlattn/core/cancellation.hpp): an empty or a
// silent request never stops, a request that says stop throws Cancelled, and
// the latch of a parallel loop remembers a stop for every thread and asks
// the request no more once it has said stop. Where the library polls it is
// checked with the code that polls (tests/pipeline/construction_test.cpp,
// tests/certify/certificate_test.cpp).
#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "jlattn/core/cancellation.hpp"

namespace jlattn {
namespace {

TEST(Cancellation, StopPointThrowsOnlyWhenAsked) {
  EXPECT_NO_THROW(stop_point(StopRequest{}));
  EXPECT_NO_THROW(stop_point([] { return false; }));
  EXPECT_THROW(stop_point([] { return true; }), Cancelled);
  try {
    stop_point([] { return true; });
  } catch (const Cancelled& e) {
    EXPECT_STREQ(e.what(), "stopped on request");
  }
}

// A request that says stop at its 5th call, polled by every iteration of a
// parallel loop: once it has said stop, no thread asks it again, every
// later poll is true, and rethrow() throws; a silent request lets every
// iteration run and rethrow() returns.
TEST(Cancellation, LatchRemembersAStopForEveryThread) {
  std::atomic<int> calls{0};
  const StopRequest fifth = [&calls] { return ++calls >= 5; };
  StopLatch latch(fifth);
  std::vector<char> ran(1000, 0);
#pragma omp parallel for schedule(dynamic, 1) num_threads(2)
  for (int i = 0; i < 1000; ++i) {
    if (latch.poll()) continue;
    ran[static_cast<std::size_t>(i)] = 1;
  }
  int done = 0;
  for (char r : ran) done += r;
  EXPECT_GE(done, 4);
  EXPECT_LT(done, 1000);
  // Two threads may both have been asking when it said stop, no more.
  EXPECT_LE(calls.load(), 6);
  EXPECT_TRUE(latch.poll());
  EXPECT_LE(calls.load(), 6);
  EXPECT_THROW(latch.rethrow(), Cancelled);

  const StopRequest silent = [] { return false; };
  StopLatch quiet(silent);
  int all = 0;
#pragma omp parallel for reduction(+ : all) num_threads(2)
  for (int i = 0; i < 1000; ++i)
    if (!quiet.poll()) ++all;
  EXPECT_EQ(all, 1000);
  EXPECT_NO_THROW(quiet.rethrow());
  StopLatch none{StopRequest{}};
  EXPECT_FALSE(none.poll());
  EXPECT_NO_THROW(none.rethrow());
}

}  // namespace
}  // namespace jlattn
