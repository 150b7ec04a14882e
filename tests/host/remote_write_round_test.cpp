// remote_write_round_test.cpp — one round's samples: stamps, external
// labels (the series' own label wins), write_relabel, _created left out,
// duplicates dropped, and a staleness marker exactly once for a series that
// disappears.
#include <gtest/gtest.h>

#include <map>

#include "remote_write/round_builder.hpp"
#include "remote_write/series_key.hpp"

using namespace pe;
using namespace pe::host::remote_write;

namespace {

std::map<std::string, std::string> labels_of(std::string_view key) {
  std::map<std::string, std::string> m;
  for_each_label(key, [&](std::string_view n, std::string_view v) { m[std::string(n)] = v; });
  return m;
}

MetricSet make_set(bool with_b) {
  MetricSet s;
  s.add_family("a_total", MetricType::counter, "", false);
  Label l[] = {{"job", "own"}};
  s.add_sample("a_total", l, 1);
  s.add_sample("a_created", {}, 123);
  if (with_b) {
    s.add_family("b", MetricType::gauge);
    s.add_sample("b", {}, 2).has_timestamp = true;
    s.samples.back().timestamp_ms = 5000;
    s.add_family("drop_me", MetricType::gauge);
    s.add_sample("drop_me", {}, 3);
  }
  return s;
}

}  // namespace

TEST(RemoteWriteRound, StampsLabelsRelabelsAndMarksStaleOnce) {
  RelabelRule drop;
  drop.action = RelabelAction::drop;
  drop.source_labels = {"__name__"};
  drop.regex = "drop_me";
  RoundBuilder builder({{"job", "ext"}, {"cluster", "c1"}}, {drop});

  MetricSet first = make_set(true);
  const MetricSet* sources[] = {&first, &first};  // the second copy is all duplicates
  RoundStats stats;
  auto out = builder.build(sources, 1000, stats);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(stats.duplicates, 2u);
  EXPECT_EQ(stats.relabel_dropped, 2u);
  EXPECT_EQ(stats.stale_markers, 0u);
  auto a = labels_of(out[0].series);
  EXPECT_EQ(a["__name__"], "a_total");
  EXPECT_EQ(a["job"], "own");  // the series' own label wins over the external one
  EXPECT_EQ(a["cluster"], "c1");
  EXPECT_EQ(out[0].value, 1);
  EXPECT_EQ(out[0].timestamp_ms, 1000);
  auto b = labels_of(out[1].series);
  EXPECT_EQ(b["job"], "ext");
  EXPECT_EQ(out[1].timestamp_ms, 5000);  // its own timestamp

  MetricSet second = make_set(false);
  const MetricSet* only_a[] = {&second};
  RoundStats stats2;
  out = builder.build(only_a, 2000, stats2);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(stats2.stale_markers, 1u);
  EXPECT_EQ(labels_of(out[1].series)["__name__"], "b");
  EXPECT_TRUE(is_stale_nan(out[1].value));
  EXPECT_EQ(out[1].timestamp_ms, 2000);

  RoundStats stats3;
  out = builder.build(only_a, 3000, stats3);
  ASSERT_EQ(out.size(), 1u);  // no second marker
  EXPECT_EQ(stats3.stale_markers, 0u);
  EXPECT_EQ(builder.active_series(), 1u);
}

TEST(RemoteWriteRound, EmptyLabelValuesAreNotSent) {
  RoundBuilder builder({}, {});
  MetricSet s;
  s.add_family("x", MetricType::gauge);
  Label l[] = {{"empty", ""}, {"full", "v"}};
  s.add_sample("x", l, 1);
  const MetricSet* sources[] = {&s};
  RoundStats stats;
  auto out = builder.build(sources, 1, stats);
  ASSERT_EQ(out.size(), 1u);
  auto m = labels_of(out[0].series);
  EXPECT_EQ(m.size(), 2u);
  EXPECT_FALSE(m.count("empty"));
}
