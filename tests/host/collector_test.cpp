// collector_test.cpp — the scrape orchestration with real plugins:
// single-flight (concurrent scrapes share one collect), deadlines from the
// collector timeout and the scraper's header, a hanging collector that is
// not called again and never blocks the others, exceptions, invalid output,
// a million samples, the sample limit, parameters and 400s.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>

#include "collect/collector_factory.hpp"
#include "collect/scrape_orchestrator.hpp"
#include "collect/self_metrics.hpp"
#include "collect/worker_pool.hpp"
#include "config/config_loader.hpp"
#include "in_process_host.hpp"
#include "plugin/host_api.hpp"

using namespace pe::host;
using namespace std::chrono_literals;

namespace {

using Host = pe::test::InProcessHost;

std::string collector(const std::string& name, const std::string& behaviour,
                      const std::string& extra_config = "", const std::string& timeout = "5s",
                      const std::string& extra = "") {
  return "[[collector]]\nname = \"" + name + "\"\nplugin = \"" + PE_TEST_PLUGIN_DIR +
         "/test_source.so\"\ntimeout = \"" + timeout + "\"\n" + extra +
         "[collector.config]\nbehaviour = \"" + behaviour + "\"\n" + extra_config + "\n";
}

const std::string kHello = "[[collector]]\nname = \"hello\"\nplugin = \"hello\"\n";

double value_of(const CollectOutcome& o, std::string_view sample_name) {
  if (!o.metrics) return NAN;
  for (const pe::Sample& s : o.metrics->samples)
    if (s.name == sample_name) return s.value;
  return NAN;
}

}  // namespace

TEST(Collector, ConcurrentScrapesShareOneCollect) {
  Host host(collector("slow", "slow", "delay = \"400ms\""));
  constexpr int kScrapes = 24;
  std::vector<std::thread> threads;
  std::vector<double> calls(kScrapes, 0);
  std::atomic<int> ok{0};
  for (int i = 0; i < kScrapes; ++i) {
    threads.emplace_back([&, i] {
      ScrapeResult r = host.scrape();
      if (r.collectors.size() == 1 && r.collectors[0].outcome.status == CollectStatus::ok) ++ok;
      if (!r.collectors.empty())
        calls[i] = value_of(r.collectors[0].outcome, "test_collect_calls_total");
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kScrapes);
  // Every scrape saw the same collect (call number 1), unless one arrived
  // after it finished and started the next (call 2).
  int first = 0;
  for (double c : calls) {
    EXPECT_TRUE(c == 1 || c == 2) << c;
    first += c == 1;
  }
  EXPECT_GE(first, kScrapes / 2);
  ScrapeResult after = host.scrape();
  EXPECT_GE(value_of(after.collectors[0].outcome, "test_collect_calls_total"), 2);
}

TEST(Collector, CollectorTimeoutIsTheDeadline) {
  Host host(collector("slow", "slow", "delay = \"3s\"", "200ms"));
  auto start = std::chrono::steady_clock::now();
  ScrapeResult r = host.scrape();
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(r.collectors.size(), 1u);
  EXPECT_EQ(r.collectors[0].outcome.status, CollectStatus::timeout);
  EXPECT_NE(r.collectors[0].outcome.reason.find("timed out after 0.200s"), std::string::npos)
      << r.collectors[0].outcome.reason;
  EXPECT_LT(took, 2s);  // bounded by the deadline, not by the plugin
}

TEST(Collector, ScrapeTimeoutHeaderMinusOffsetCapsTheDeadline) {
  Host host(collector("slow", "slow", "delay = \"3s\"", "10s"));
  ScrapeResult r = host.scrape({}, 0.8);  // 0.8s - 0.5s offset = 0.3s
  ASSERT_EQ(r.collectors.size(), 1u);
  EXPECT_EQ(r.collectors[0].outcome.status, CollectStatus::timeout);
  EXPECT_NE(r.collectors[0].outcome.reason.find("timed out after 0.300s"), std::string::npos)
      << r.collectors[0].outcome.reason;
}

TEST(Collector, HangingCollectorIsNotCalledAgainAndNeverBlocksOthers) {
  Host host(collector("stuck", "hang", "", "150ms") + kHello);
  ScrapeResult first = host.scrape();
  ASSERT_EQ(first.collectors.size(), 2u);
  EXPECT_EQ(first.collectors[0].outcome.status, CollectStatus::timeout);
  EXPECT_EQ(first.collectors[1].outcome.status, CollectStatus::ok);
  for (int i = 0; i < 5; ++i) {
    ScrapeResult again = host.scrape();
    EXPECT_EQ(again.collectors[0].outcome.status, CollectStatus::timeout);
    EXPECT_NE(again.collectors[0].outcome.reason.find("previous collect still running"),
              std::string::npos)
        << again.collectors[0].outcome.reason;
    EXPECT_EQ(again.collectors[1].outcome.status, CollectStatus::ok);
  }
  // One thread is stuck in the plugin; no more were spent on it.
  EXPECT_EQ(host.pool().busy(), 1u);
  EXPECT_FALSE(host.collectors()[0]->destroy(monotonic_now_ns()));
}

TEST(Collector, PluginStatsAreReportedEvenWhenTheCollectFails) {
  Host host(collector("thrower", "throw"));
  ScrapeResult r = host.scrape();
  const CollectOutcome& o = r.collectors[0].outcome;
  EXPECT_EQ(o.status, CollectStatus::error);
  ASSERT_EQ(o.stats.size(), 1u);
  EXPECT_EQ(o.stats[0].name, "test_calls");
  EXPECT_EQ(o.stats[0].value, 1);
  pe::MetricSet self;
  export_collector_metrics(r, self);
  bool found = false;
  for (const pe::Sample& s : self.samples)
    found |= s.name == "plugin_exporter_collector_test_calls";
  EXPECT_TRUE(found);
}

TEST(Collector, ExceptionsBecomeTheFailureReason) {
  Host host(collector("thrower", "throw") + kHello);
  ScrapeResult r = host.scrape();
  ASSERT_EQ(r.collectors.size(), 2u);
  EXPECT_EQ(r.collectors[0].outcome.status, CollectStatus::error);
  EXPECT_EQ(r.collectors[0].outcome.reason, "deliberate failure from C++");
  EXPECT_EQ(r.collectors[1].outcome.status, CollectStatus::ok);
  CollectorHealth h = r.collectors[0].collector->health();
  EXPECT_FALSE(h.last_ok);
  EXPECT_EQ(h.last_error, "deliberate failure from C++");
}

TEST(Collector, InvalidOutputIsDroppedAndSpecialValuesKept) {
  Host host(collector("bad", "invalid"));
  ScrapeResult r = host.scrape();
  const CollectOutcome& o = r.collectors[0].outcome;
  ASSERT_EQ(o.status, CollectStatus::ok) << o.reason;
  EXPECT_EQ(o.invalid_samples, 6u);
  int special = 0;
  for (const pe::Sample& s : o.metrics->samples) {
    if (s.name != "test_special_values") continue;
    ++special;
    EXPECT_TRUE(std::isnan(s.value) || std::isinf(s.value));
  }
  EXPECT_EQ(special, 3);
}

TEST(Collector, AMillionSamplesAreServed) {
  Host host(collector("huge", "huge", "samples = 1000000", "60s"));
  ScrapeResult r = host.scrape();
  const CollectOutcome& o = r.collectors[0].outcome;
  ASSERT_EQ(o.status, CollectStatus::ok) << o.reason;
  EXPECT_EQ(o.metrics->sample_count(), 1000001u);  // + test_collect_calls_total
}

TEST(Collector, SampleLimitFailsTheCollector) {
  Host host(collector("huge", "huge", "samples = 5000", "10s", "max_samples = 1000\n"));
  ScrapeResult r = host.scrape();
  EXPECT_EQ(r.collectors[0].outcome.status, CollectStatus::error);
  EXPECT_NE(r.collectors[0].outcome.reason.find("sample limit"), std::string::npos)
      << r.collectors[0].outcome.reason;
}

TEST(Collector, ParametersReachThePluginAndCanBeRejected) {
  Host host(collector("p", "params"));
  ScrapeResult r = host.scrape({{"target", "db1"}});
  ASSERT_EQ(r.collectors[0].outcome.status, CollectStatus::ok);
  bool seen = false;
  const auto& set = *r.collectors[0].outcome.metrics;
  for (const pe::Sample& s : set.samples)
    if (s.name == "test_param")
      for (const pe::Label& l : set.labels_of(s)) seen |= l.value == "db1";
  EXPECT_TRUE(seen);
  ScrapeResult bad = host.scrape({{"bad", "1"}});
  EXPECT_EQ(bad.collectors[0].outcome.status, CollectStatus::bad_request);
  EXPECT_EQ(bad.collectors[0].outcome.reason, "parameter bad is not allowed");
}

TEST(Collector, OtherParametersWhileOneRunsAreRefusedNotQueued) {
  Host host(collector("slow", "slow", "delay = \"500ms\""));
  std::thread t([&] { host.scrape({{"a", "1"}}); });
  std::this_thread::sleep_for(100ms);
  ScrapeResult r = host.scrape({{"a", "2"}});
  t.join();
  EXPECT_EQ(r.collectors[0].outcome.status, CollectStatus::busy);
  EXPECT_NE(r.collectors[0].outcome.reason.find("still running"), std::string::npos);
}

TEST(Collector, SelectsCollectorsByNameInConfigurationOrder) {
  Host host(collector("a", "ok") + collector("b", "ok") + collector("c", "ok"));
  ScrapeResult r = host.scrape({}, std::nullopt, {"c", "a"});
  ASSERT_EQ(r.collectors.size(), 2u);
  EXPECT_EQ(r.collectors[0].collector->name(), "a");
  EXPECT_EQ(r.collectors[1].collector->name(), "c");
  ScrapeResult unknown = host.scrape({}, std::nullopt, {"zzz"});
  EXPECT_EQ(unknown.unknown_collector, "zzz");
}

TEST(Collector, StaticLabelsAndRelabelRulesApplyToResults) {
  Host host(collector("a", "ok", "", "5s",
                      "labels = { exporter = \"node\" }\n"
                      "[[collector.relabel]]\naction = \"drop\"\nsource_labels = [\"__name__\"]\n"
                      "regex = \"test_collect_.*\"\n"));
  ScrapeResult r = host.scrape();
  const CollectOutcome& o = r.collectors[0].outcome;
  ASSERT_EQ(o.status, CollectStatus::ok) << o.reason;
  ASSERT_EQ(o.metrics->sample_count(), 1u);
  EXPECT_EQ(o.metrics->samples[0].name, "test_up");
  auto labels = o.metrics->labels_of(o.metrics->samples[0]);
  ASSERT_EQ(labels.size(), 1u);
  EXPECT_EQ(labels[0].name, "exporter");
  EXPECT_EQ(labels[0].value, "node");
  EXPECT_EQ(o.relabel_dropped, 1u);
}

// A collect no pool thread takes is answered at once; before, its flight
// stayed in flight and every later scrape of the key joined it and waited
// out its deadline.
TEST(Collector, ACollectNoThreadTakesIsAnsweredNotLeftInFlight) {
  Host host(kHello);
  Collector& c = *host.collectors().at(0);
  host.pool().shutdown(100);
  for (int i = 0; i < 2; ++i) {
    Collector::Ticket t = c.begin({}, monotonic_now_ns() + 5'000'000'000, host.pool());
    ASSERT_TRUE(t.flight) << i;
    EXPECT_FALSE(t.joined) << i;
    ASSERT_TRUE(t.flight->done()) << i;
    std::optional<CollectOutcome> r = t.flight->wait_until(0);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, CollectStatus::unavailable);
    EXPECT_NE(r->reason.find("no collector thread took the collect"), std::string::npos)
        << r->reason;
  }
  EXPECT_EQ(c.calls(), 0u);
}
