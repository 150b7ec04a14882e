// script_fake_host_test.cpp — the script plugin on the SDK's fake host
// (plugin_exporter/testing/fake_host.hpp), whose clock only the test moves:
// the plugin measures its deadlines on the host's clock (api->monotonic_ns),
// so a collect on the fake clock runs the program and serves its metrics.
#include <gtest/gtest.h>

#include <string>

#include "plugin_exporter/testing/fake_host.hpp"

namespace {

using pe::testing::FakeHost;

TEST(ScriptOnFakeHost, RunsTheProgramWithinTheFakeClocksDeadline) {
  FakeHost host;
  host.config().set_array("command", {std::string(PE_SCRIPT_PROGRAMS) + "/metrics.sh"});
  auto inst = host.create(plugin_exporter_entry());
  ASSERT_TRUE(inst) << (inst.errors.empty() ? "" : inst.errors[0].to_string());
  pe::testing::CollectResult r = host.collect(inst);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.value("script_test_jobs_total"), 1027.0);
  EXPECT_EQ(r.value("script_test_queue_length", {{"queue", "mail"}}), 42.0);
  host.destroy(inst);
}

}  // namespace
