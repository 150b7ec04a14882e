// metric_store_test.cpp — the store's semantics: PUT/POST/DELETE as
// pushgateway, conflicts (types across groups, same series from two groups),
// failure timestamps, aggregation (counters add, gauge rules, cumulative
// pushers), limits, TTL expiry, selective deletes, and concurrent pushes
// with scrapes reading snapshots.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <thread>

#include "push_test_support.hpp"
#include "store/push_error.hpp"

namespace pe::push {
namespace {

using test::key;
using test::stored_value;
using test::text_push;

const GroupingKey A = key({{"job", "a"}});
const GroupingKey B = key({{"job", "b"}});

int push_status(MetricStore& s, const PushCommand& cmd) {
  try {
    s.push(cmd);
  } catch (const PushError& e) {
    return e.status();
  }
  return 200;
}

MetricStore make_store(StoreLimits limits = {}, AggregationRules rules = {}) {
  return MetricStore(limits, HelpPolicy::last, std::move(rules));
}

TEST(MetricStore, PutReplacesPostMergesDeleteRemoves) {
  MetricStore s = make_store();
  s.push(text_push(A, "x 1\ny 2\n"));
  s.push(text_push(A, "x 3\n", /*replace=*/true));
  EXPECT_EQ(stored_value(s, A, "x", "x"), 3);
  EXPECT_TRUE(std::isnan(stored_value(s, A, "y", "y")));
  s.push(text_push(A, "y 4\n", /*replace=*/false));
  EXPECT_EQ(stored_value(s, A, "x", "x"), 3);
  EXPECT_EQ(stored_value(s, A, "y", "y"), 4);
  // POST replaces a pushed family as a whole.
  s.push(text_push(A, "y{k=\"1\"} 5\n", false));
  EXPECT_TRUE(std::isnan(stored_value(s, A, "y", "y")));
  EXPECT_EQ(stored_value(s, A, "y", "y", {{"k", "1"}}), 5);
  uint64_t ticket = 0;
  EXPECT_TRUE(s.remove_group(A, 0, ticket));
  EXPECT_FALSE(s.remove_group(A, 0, ticket));
  EXPECT_EQ(s.totals().groups, 0u);
  EXPECT_EQ(s.totals().series, 0u);
}

TEST(MetricStore, TypeConflictAcrossGroupsRecordsFailureTime) {
  MetricStore s = make_store();
  s.push(text_push(A, "# TYPE x gauge\nx 1\n", true, 1000));
  PushCommand bad = text_push(B, "# TYPE x counter\nx 1\n", true, 2000);
  try {
    s.push(bad);
    FAIL();
  } catch (const PushError& e) {
    EXPECT_EQ(e.status(), 400);
    EXPECT_NE(std::string(e.what()).find("x pushed as counter but stored by other groups as gauge"),
              std::string::npos)
        << e.what();
  }
  // The refused push created group b with only its failure time (as pushgateway).
  auto groups = s.snapshot(0);
  ASSERT_EQ(groups.size(), 2u);
  for (auto& g : groups)
    if (g->key->job() == "b") {
      EXPECT_EQ(g->failure_time_ms, 2000);
      EXPECT_EQ(g->push_time_ms, 0);
      EXPECT_TRUE(g->families.empty());
    }
  // The same group may change the type of its own family with PUT.
  s.push(text_push(A, "# TYPE x counter\nx 1\n", true));
  // ... and now b can push a counter x.
  EXPECT_EQ(push_status(s, text_push(B, "# TYPE x counter\nx 1\n")), 200);
}

TEST(MetricStore, SuffixCollisions) {
  MetricStore s = make_store();
  s.push(text_push(A, "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n"));
  EXPECT_EQ(push_status(s, text_push(B, "# TYPE h_count gauge\nh_count 1\n")), 400);
  EXPECT_EQ(push_status(s, text_push(B, "# TYPE h_total counter\nh_total 1\n")),
            400);  // h is a histogram
  EXPECT_EQ(push_status(s, text_push(B, "# TYPE other_count gauge\nother_count 1\n")), 200);
}

TEST(MetricStore, SameSeriesFromTwoGroupsIsRefused) {
  MetricStore s = make_store();
  const GroupingKey narrow = key({{"job", "j"}});
  const GroupingKey wide = key({{"job", "j"}, {"zone", "eu"}});
  s.push(text_push(wide, "m 1\n"));
  // Group {job=j} pushing m{zone="eu"} would expose m{job="j",zone="eu",instance=""} twice.
  EXPECT_EQ(push_status(s, text_push(narrow, "m{zone=\"eu\"} 2\n")), 400);
  EXPECT_EQ(push_status(s, text_push(narrow, "m{zone=\"us\"} 2\n")), 200);
  // And the other way round.
  EXPECT_EQ(push_status(s, text_push(key({{"job", "j"}, {"zone", "us"}}), "m 3\n")), 400);
}

TEST(MetricStore, HelpMismatchPolicy) {
  MetricStore strict({}, HelpPolicy::reject, {});
  strict.push(text_push(A, "# HELP x one\nx 1\n"));
  EXPECT_EQ(push_status(strict, text_push(B, "# HELP x two\nx 1\n")), 400);
  MetricStore lenient = make_store();
  lenient.push(text_push(A, "# HELP x one\nx 1\n"));
  EXPECT_EQ(push_status(lenient, text_push(B, "# HELP x two\nx 1\n")), 200);
}

TEST(MetricStore, AggregatingGroupAddsCountersAndHistograms) {
  MetricStore s = make_store();
  auto add = [&](const std::string& text) {
    PushCommand c = text_push(A, text, true);
    c.group_aggregates = true;
    s.push(c);
  };
  const std::string body =
      "# TYPE runs_total counter\nruns_total 2\n# TYPE d histogram\nd_bucket{le=\"1\"} 1\n"
      "d_bucket{le=\"+Inf\"} 2\nd_sum 3\nd_count 2\n# TYPE q summary\nq{quantile=\"0.5\"} 7\nq_sum "
      "1\nq_count 1\n"
      "# TYPE last gauge\nlast 5\n";
  add(body);
  add(body);
  add("# TYPE runs_total counter\nruns_total 1\n# TYPE last gauge\nlast 9\n");
  EXPECT_EQ(stored_value(s, A, "runs_total", "runs_total"), 5);
  EXPECT_EQ(stored_value(s, A, "d", "d_bucket", {{"le", "+Inf"}}), 4);
  EXPECT_EQ(stored_value(s, A, "d", "d_sum"), 6);
  EXPECT_EQ(stored_value(s, A, "q", "q_count"), 2);
  EXPECT_EQ(stored_value(s, A, "q", "q", {{"quantile", "0.5"}}), 7);  // quantiles: last write
  EXPECT_EQ(stored_value(s, A, "last", "last"), 9);                   // gauges: last by default
  // A type change in an aggregating group is refused.
  PushCommand c = text_push(A, "# TYPE runs_total gauge\nruns_total 1\n");
  EXPECT_EQ(push_status(s, c), 400);
}

TEST(MetricStore, GaugeRules) {
  AggregationRules rules;
  rules.gauge_rules = {
      {"*_sum_me", GaugeRule::sum}, {"peak*", GaugeRule::max}, {"low*", GaugeRule::min}};
  MetricStore s = make_store({}, rules);
  for (const char* body : {"a_sum_me 2\npeak 3\nlow 3\n", "a_sum_me 5\npeak 1\nlow 1\n"}) {
    PushCommand c = text_push(A, body, false);
    c.add = true;
    s.push(c);
  }
  EXPECT_EQ(stored_value(s, A, "a_sum_me", "a_sum_me"), 7);
  EXPECT_EQ(stored_value(s, A, "peak", "peak"), 3);
  EXPECT_EQ(stored_value(s, A, "low", "low"), 1);
}

TEST(MetricStore, CumulativePushersAreNotDoubleCounted) {
  MetricStore s = make_store();
  auto push = [&](const std::string& pusher, double v) {
    PushCommand c =
        text_push(A, "# TYPE c_total counter\nc_total " + std::to_string(v) + "\n", false);
    c.pusher = pusher;
    c.add = true;
    s.push(c);
  };
  push("w1", 10);
  push("w2", 5);
  push("w1", 12);  // +2
  push("w2", 5);   // +0
  EXPECT_EQ(stored_value(s, A, "c_total", "c_total"), 17);
  push("w1", 3);  // w1 restarted: its 3 count whole
  EXPECT_EQ(stored_value(s, A, "c_total", "c_total"), 20);
}

TEST(MetricStore, Limits) {
  StoreLimits limits;
  limits.max_series_per_group = 3;
  limits.max_series_total = 5;
  limits.max_groups = 2;
  MetricStore s = make_store(limits);
  EXPECT_EQ(push_status(s, text_push(A, "a 1\nb 1\nc 1\nd 1\n")), 413);
  EXPECT_EQ(push_status(s, text_push(A, "a 1\nb 1\nc 1\n")), 200);
  EXPECT_EQ(push_status(s, text_push(B, "a 1\nb 1\nc 1\n")), 429);  // 6 > 5 total
  EXPECT_EQ(push_status(s, text_push(B, "a 1\nb 1\n")), 200);
  EXPECT_EQ(push_status(s, text_push(key({{"job", "c"}}), "a 1\n")), 429);  // 3 groups > 2
  try {
    s.push(text_push(key({{"job", "c"}}), "a 1\n"));
  } catch (const PushError& e) {
    EXPECT_EQ(e.limit(), "max_groups");
  }
  EXPECT_EQ(s.totals().series, 5u);
}

TEST(MetricStore, TtlExpiry) {
  MetricStore s = make_store();
  PushCommand c = text_push(A, "x 1\n", true, 1000);
  c.ttl_ms = 500;
  s.push(c);
  s.push(text_push(B, "y 1\n", true, 1000));
  EXPECT_EQ(s.snapshot(1400).size(), 2u);
  EXPECT_EQ(s.snapshot(1500).size(), 1u);  // hidden from a scrape at once...
  uint64_t ticket = 0;
  EXPECT_EQ(s.expire(1499, ticket), 0u);
  EXPECT_EQ(s.expire(1500, ticket), 1u);  // ...and removed
  EXPECT_EQ(s.expired_total(), 1u);
  EXPECT_EQ(s.totals().groups, 1u);
  // A new push restarts the clock.
  c.now_ms = 2000;
  s.push(c);
  c.now_ms = 2400;
  s.push(c);
  EXPECT_EQ(s.expire(2600, ticket), 0u);
  EXPECT_EQ(s.expire(2900, ticket), 1u);
}

TEST(MetricStore, DeleteByLabelSubsetAndByMetric) {
  MetricStore s = make_store();
  s.push(text_push(key({{"job", "x"}, {"instance", "1"}}), "m 1\nn 1\n"));
  s.push(text_push(key({{"job", "x"}, {"instance", "2"}}), "m 1\nn 1\n"));
  s.push(text_push(key({{"job", "y"}}), "m 1\n"));
  uint64_t ticket = 0;
  auto r = s.remove_matching({}, "n", 0, ticket);
  EXPECT_EQ(r.families, 2u);
  EXPECT_EQ(s.totals().series, 3u);
  r = s.remove_matching({{"job", "x"}}, {}, 0, ticket);
  EXPECT_EQ(r.groups, 2u);
  EXPECT_EQ(s.totals().groups, 1u);
  EXPECT_EQ(s.wipe(ticket), 1u);
  EXPECT_EQ(s.totals().groups, 0u);
  EXPECT_EQ(s.totals().families, 0u);
}

TEST(MetricStore, DeleteSeriesByLabelsIncludingGroupingLabels) {
  MetricStore s = make_store();
  const GroupingKey x1 = key({{"job", "x"}, {"instance", "1"}});
  const GroupingKey x2 = key({{"job", "x"}, {"instance", "2"}});
  s.push(text_push(
      x1, "# TYPE req_total counter\nreq_total{path=\"/a\"} 1\nreq_total{path=\"/b\"} 2\nm 1\n"));
  s.push(text_push(x2, "# TYPE req_total counter\nreq_total{path=\"/a\"} 3\n"));
  uint64_t ticket = 0;
  // A grouping label narrows to a group, an own label to series.
  auto r = s.remove_series("req_total", {{"instance", "1"}, {"path", "/a"}}, ticket);
  EXPECT_EQ(r.series, 1u);
  EXPECT_EQ(r.groups, 1u);
  EXPECT_TRUE(std::isnan(stored_value(s, x1, "req_total", "req_total", {{"path", "/a"}})));
  EXPECT_EQ(stored_value(s, x1, "req_total", "req_total", {{"path", "/b"}}), 2);
  EXPECT_EQ(stored_value(s, x2, "req_total", "req_total", {{"path", "/a"}}), 3);
  // No match: nothing changes, nothing is logged.
  ticket = 0;
  r = s.remove_series("req_total", {{"path", "/zzz"}}, ticket);
  EXPECT_EQ(r.series, 0u);
  EXPECT_EQ(ticket, 0u);
  // The stem names the counter family too; the last series takes the family with it.
  r = s.remove_series("req", {{"path", "/a"}}, ticket);
  EXPECT_EQ(r.series, 1u);
  r = s.remove_series("req_total", {}, ticket);
  EXPECT_EQ(r.series, 1u);
  EXPECT_EQ(s.totals().series, 1u);  // m
  EXPECT_EQ(s.totals().families, 1u);
  // A label no series has matches only the empty value.
  EXPECT_EQ(s.remove_series("m", {{"zone", "eu"}}, ticket).series, 0u);
  EXPECT_EQ(s.remove_series("m", {{"zone", ""}}, ticket).series, 1u);
  EXPECT_EQ(s.totals().series, 0u);
}

TEST(MetricStore, ConcurrentPushesAndSnapshots) {
  MetricStore s = make_store();
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop) {
      std::size_t series = 0;
      for (const GroupPtr& g : s.snapshot(0))
        for (const FamilyPtr& f : g->families) series += f->size();
      EXPECT_LE(series, 8u * 10u);
    }
  });
  std::vector<std::thread> writers;
  for (int w = 0; w < 8; ++w)
    writers.emplace_back([&, w] {
      const GroupingKey k = key({{"job", "w" + std::to_string(w)}});
      for (int i = 0; i < 200; ++i) {
        std::string body;
        for (int j = 0; j < 10; ++j)
          body += "m{i=\"" + std::to_string(j) + "\"} " + std::to_string(i) + "\n";
        s.push(text_push(k, body, i % 2 == 0));
      }
    });
  for (auto& t : writers) t.join();
  stop = true;
  reader.join();
  EXPECT_EQ(s.totals().groups, 8u);
  EXPECT_EQ(s.totals().series, 80u);
  EXPECT_EQ(stored_value(s, key({{"job", "w3"}}), "m", "m", {{"i", "4"}}), 199);
}

}  // namespace
}  // namespace pe::push
