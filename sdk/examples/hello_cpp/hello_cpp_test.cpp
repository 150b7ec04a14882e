// hello_cpp_test.cpp — unit tests of the hello_cpp plugin with the SDK's fake
// host (plugin_exporter/testing/fake_host.hpp): no exporter, no sockets, the
// plugin's source linked into the test. Copy it with the plugin.
#include <gtest/gtest.h>

#include <chrono>

#include "plugin_exporter/testing/fake_host.hpp"

namespace {

using pe::testing::FakeHost;

TEST(HelloCpp, ExportsItsConfiguration) {
  FakeHost host;
  host.config().set("greeting", "hi").set("value", 7).set_array("names", {"ann", "bob"});
  auto inst = host.create(plugin_exporter_entry());
  ASSERT_TRUE(inst) << (inst.errors.empty() ? "" : inst.errors[0].to_string());

  pe::testing::CollectResult r = host.collect(inst);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.value("hello_cpp_info", {{"greeting", "hi"}}), 1.0);
  EXPECT_EQ(r.value("hello_cpp_value"), 7.0);
  EXPECT_EQ(r.find("hello_cpp_greeting").size(), 2u);
  EXPECT_EQ(r.value("hello_cpp_greeting", {{"name", "bob"}}), 1.0);
  ASSERT_NE(r.family("hello_cpp_collects_total"), nullptr);
  EXPECT_EQ(r.family("hello_cpp_collects_total")->type, PE_TYPE_COUNTER);
  EXPECT_TRUE(r.dropped.empty());
  host.destroy(inst);
}

TEST(HelloCpp, CountsCollectsAndUsesTheHostClock) {
  FakeHost host;
  auto inst = host.create(plugin_exporter_entry());
  ASSERT_TRUE(inst);
  host.clock().advance(std::chrono::seconds(90));
  host.collect(inst);
  pe::testing::CollectResult r = host.collect(inst);
  EXPECT_EQ(r.value("hello_cpp_collects_total"), 2.0);
  EXPECT_EQ(r.value("hello_cpp_uptime_seconds"), 90.0);
  EXPECT_EQ(r.value("hello_cpp_value"), 42.0);  // the default
}

TEST(HelloCpp, RefusesABadConfigurationWithTheKeyPath) {
  FakeHost host;
  host.config().set("value", -1).set("greting", "typo").set_array("names", {"ok", 3});
  auto inst = host.create(plugin_exporter_entry());
  EXPECT_FALSE(inst);
  std::vector<std::string> errors;
  for (const auto& e : inst.errors) errors.push_back(e.to_string());
  EXPECT_EQ(errors,
            (std::vector<std::string>{"names[1]: expected a string, got an integer",
                                      "value: must not be negative", "greting: unknown key"}));
}

TEST(HelloCpp, StopsAtTheSampleLimit) {
  FakeHost host;
  host.set_sample_limit(2);
  auto inst = host.create(plugin_exporter_entry());
  ASSERT_TRUE(inst);
  pe::testing::CollectResult r = host.collect(inst);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status, PE_ERROR);
  EXPECT_EQ(r.error, "sample limit reached");
}

}  // namespace
