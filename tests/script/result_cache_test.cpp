// result_cache_test.cpp — mode = "cached": an outcome is fresh for
// min_interval after its run started, refusals (nothing ran) are not kept,
// and the cache stays within its entry and byte bounds, oldest runs first out.
#include "result_cache.hpp"

#include <gtest/gtest.h>

using namespace pe::script;

namespace {
SharedOutcome run_at(int64_t started_ns, std::size_t output_bytes = 1, bool ran = true) {
  auto o = std::make_shared<RunOutcome>();
  o->status = PE_OK;
  o->ran = ran;
  o->started_ns = started_ns;
  o->finished_ns = started_ns + 1;
  o->output.assign(output_bytes, 'x');
  return o;
}
}  // namespace

TEST(ResultCache, FreshForMinIntervalAfterTheRunStarted) {
  ResultCache cache(100, 8, 1 << 20);
  cache.store("k", run_at(1000));
  EXPECT_NE(cache.fresh("k", 1000), nullptr);
  EXPECT_NE(cache.fresh("k", 1099), nullptr);
  EXPECT_EQ(cache.fresh("k", 1100), nullptr);
  EXPECT_EQ(cache.fresh("other", 1000), nullptr);
}

TEST(ResultCache, RefusalsAreNotKept) {
  ResultCache cache(100, 8, 1 << 20);
  cache.store("k", run_at(1000, 1, false));
  EXPECT_EQ(cache.fresh("k", 1000), nullptr);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(ResultCache, BoundedByEntriesOldestRunFirstOut) {
  ResultCache cache(1'000'000, 3, 1 << 20);
  cache.store("a", run_at(10));
  cache.store("b", run_at(20));
  cache.store("c", run_at(30));
  cache.store("d", run_at(40));
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.fresh("a", 50), nullptr);
  EXPECT_NE(cache.fresh("d", 50), nullptr);
}

TEST(ResultCache, BoundedByBytes) {
  ResultCache cache(1'000'000, 64, 1000);
  cache.store("a", run_at(10, 400));
  cache.store("b", run_at(20, 400));
  EXPECT_EQ(cache.bytes(), 800u);
  cache.store("c", run_at(30, 400));
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.bytes(), 800u);
  EXPECT_EQ(cache.fresh("a", 40), nullptr);
  cache.store("b", run_at(50, 100));  // replacing an entry updates the count
  EXPECT_EQ(cache.bytes(), 500u);
  cache.store("huge", run_at(60, 5000));  // alone over the bound: kept, the rest goes
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_NE(cache.fresh("huge", 70), nullptr);
}
