// fake_host_test.cpp — the SDK's fake host (plugin_exporter/testing/): that
// it answers like the host (configuration with key paths and unknown keys,
// the sink's rules, routes and HTTP answers) and that it catches ABI misuse.
#include "plugin_exporter/testing/fake_host.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "plugin_exporter/plugin.hpp"

namespace {

using pe::testing::CollectResult;
using pe::testing::FakeHost;

// A plugin on the raw C ABI whose calls each test scripts.
struct RawScript {
  std::function<pe_status(const pe_create_params*)> create;
  std::function<pe_status(const pe_host_api*, pe_sink*)> collect;
  std::function<pe_status(const pe_host_api*, pe_http_response*)> http;
  const pe_host_api* api = nullptr;
  pe_host* host = nullptr;
  const pe_config* config = nullptr;
};
RawScript g_script;

pe_status raw_create(const pe_create_params* p, pe_instance** out) {
  g_script.api = p->api;
  g_script.host = p->host;
  g_script.config = p->config;
  *out = reinterpret_cast<pe_instance*>(&g_script);
  return g_script.create ? g_script.create(p) : PE_OK;
}
pe_status raw_collect(pe_instance*, const pe_collect_request*, pe_sink* sink) {
  return g_script.collect ? g_script.collect(g_script.api, sink) : PE_OK;
}
void raw_destroy(pe_instance*) {}
pe_status raw_http(pe_instance*, const pe_http_request*, pe_http_response* r) {
  return g_script.http ? g_script.http(g_script.api, r) : PE_OK;
}

pe_plugin_descriptor raw_descriptor(uint64_t capabilities = 0) {
  g_script = RawScript{};
  pe_plugin_descriptor d{};
  d.struct_size = sizeof d;
  d.abi_major = PE_ABI_MAJOR;
  d.abi_minor = PE_ABI_MINOR;
  d.name = "raw";
  d.version = "1";
  d.create = raw_create;
  d.collect = raw_collect;
  d.destroy = raw_destroy;
  d.handle_http = (capabilities & PE_CAP_HTTP_ROUTES) ? raw_http : nullptr;
  d.capabilities = capabilities;
  return d;
}

pe::testing::HttpCall call(std::string method, std::string path, std::string body = {}) {
  pe::testing::HttpCall c;
  c.method = std::move(method);
  c.path = std::move(path);
  c.body = std::move(body);
  return c;
}

pe_status emit(const pe_host_api* api, pe_sink* sink, const char* family, const char* label_name,
               double value) {
  pe_family f{};
  f.struct_size = sizeof f;
  f.name = family;
  f.type = PE_TYPE_GAUGE;
  if (family) api->sink_family(sink, &f);
  pe_label label{label_name, "v"};
  pe_sample s{};
  s.struct_size = sizeof s;
  s.labels = &label;
  s.label_count = label_name ? 1 : 0;
  s.value = value;
  return api->sink_sample(sink, &s);
}

// Reads every kind of setting through the C++ layer and exports what it read.
class ConfigReader : public pe::PluginInstance {
 public:
  explicit ConfigReader(pe::CreateContext& ctx) {
    text_ = ctx.config.string("text");
    integer_ = ctx.config.integer("integer", 0);
    number_ = ctx.config.number("number", 0);
    flag_ = ctx.config.boolean("flag", false);
    timeout_ = ctx.config.duration("timeout", std::chrono::seconds(1));
    list_ = ctx.config.string_array("list");
    nested_ = ctx.config.get("sub").string("inner");
    for (const pe::ConfigView& q : ctx.config.array("queries"))
      queries_ += q.required_string("name");
    secret_ = ctx.config.secret("password").value_or("");
    ctx.log.info("collector " + ctx.collector_name + (ctx.check_only ? " checked" : " created"));
  }
  pe_status collect(const pe::CollectRequest& request, pe::MetricSink& sink) override {
    sink.family("read", pe::MetricType::gauge, "What the configuration gave.");
    sink.sample("",
                {{"text", text_},
                 {"list", list_.empty() ? "" : list_.back()},
                 {"nested", nested_},
                 {"queries", queries_},
                 {"secret", secret_},
                 {"param", request.param("p").value_or("")}},
                static_cast<double>(integer_) + number_ + (flag_ ? 1000 : 0));
    sink.gauge("timeout_seconds", "", std::chrono::duration<double>(timeout_).count());
    sink.stat("checked_things", 3, "Things checked.");
    return PE_OK;
  }

 private:
  std::string text_, nested_, queries_, secret_;
  int64_t integer_ = 0;
  double number_ = 0;
  bool flag_ = false;
  std::chrono::nanoseconds timeout_{};
  std::vector<std::string> list_;
};
constexpr pe_plugin_descriptor kConfigReader =
    pe::make_descriptor<ConfigReader>("config_reader", "1", "reads its configuration", 0);

TEST(FakeHostConfig, EveryKindReachesThePlugin) {
  FakeHost host;
  setenv("PE_FAKE_HOST_TEST_SECRET", "s3cret", 1);
  host.config()
      .set("text", "x")
      .set("integer", 40)
      .set("number", 1.5)
      .set("flag", true)
      .set("timeout", "1m30s")
      .set_array("list", {"a", "b"})
      .set("password_env", "PE_FAKE_HOST_TEST_SECRET");
  host.config().table("sub").set("inner", "deep");
  host.config().array("queries").push_table().set("name", "q1");
  host.config().array("queries").push_table().set("name", "q2");
  auto inst = host.create(&kConfigReader, {"main", false, ""});
  ASSERT_TRUE(inst) << inst.errors.at(0).to_string();
  CollectResult r = host.collect(inst, {{"p", "scrape-param"}});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.value("read", {{"text", "x"},
                             {"list", "b"},
                             {"nested", "deep"},
                             {"queries", "q1q2"},
                             {"secret", "s3cret"},
                             {"param", "scrape-param"}}),
            1041.5);
  EXPECT_EQ(r.value("timeout_seconds"), 90.0);
  EXPECT_EQ(r.stat("checked_things"), 3.0);
  EXPECT_TRUE(host.logged("collector main created"));
  EXPECT_EQ(host.logs().at(0).collector, "main");
}

TEST(FakeHostConfig, ErrorsCarryTheKeyPathAndUnreadKeysAreUnknown) {
  FakeHost host;
  host.config()
      .set("integer", "ten")
      .set("timeout", "1s1h")
      .set("password", "a")
      .set("password_file", "/nonexistent");
  host.config().table("sub").set("inner", 1).set("extra", true);
  host.config().array("queries").push_table().set("nam", "typo");
  host.config().set("stray", 1);
  auto inst = host.create(&kConfigReader, {"c", /*check_only=*/true, ""});
  EXPECT_FALSE(inst);
  std::vector<std::string> errors;
  for (const auto& e : inst.errors) errors.push_back(e.to_string());
  EXPECT_EQ(errors, (std::vector<std::string>{
                        "integer: expected an integer, got a string",
                        "timeout: bad duration \"1s1h\": use a number with a unit (ms, s, m, h, "
                        "d), e.g. \"1m30s\"",
                        "sub.inner: expected a string, got an integer",
                        "queries[0]: missing required key \"name\"",
                        "password: give the secret one way only: \"password\", \"password_file\" "
                        "or \"password_env\"",
                        "sub.extra: unknown key",
                        "queries[0].nam: unknown key",
                        "stray: unknown key",
                    }));
  EXPECT_TRUE(host.logged("collector c checked"));
}

constexpr pe_text_options kStrictText{sizeof(pe_text_options), PE_FORMAT_TEXT, 0};

TEST(FakeHostSink, RecordsStructuredAndTextAndDropsWhatTheHostDrops) {
  FakeHost host;
  auto d = raw_descriptor();
  g_script.collect = [](const pe_host_api* api, pe_sink* sink) {
    EXPECT_EQ(emit(api, sink, "good", "instance", 1), PE_OK);
    EXPECT_EQ(emit(api, sink, nullptr, "__reserved", 2), PE_ERROR);
    EXPECT_EQ(emit(api, sink, "bad-name", nullptr, 3), PE_ERROR);
    const char text[] = "# TYPE t counter\nt_total{a=\"b\"} 5 1700000000000\n";
    EXPECT_EQ(api->sink_text(sink, text, sizeof text - 1, &kStrictText), PE_OK);
    const char broken[] = "# TYPE u gauge\nu 1\nu{ 2\n";
    EXPECT_EQ(api->sink_text(sink, broken, sizeof broken - 1, &kStrictText), PE_ERROR);
    EXPECT_EQ(api->sink_stat(sink, "Bad", nullptr, 1), PE_ERROR);
    return PE_OK;
  };
  auto inst = host.create(&d);
  ASSERT_TRUE(inst);
  CollectResult r = host.collect(inst);
  EXPECT_EQ(r.value("good", {{"instance", "v"}}), 1.0);
  ASSERT_NE(r.family("t"), nullptr);
  EXPECT_TRUE(r.family("t")->from_text);
  ASSERT_EQ(r.find("t_total").size(), 1u);
  EXPECT_EQ(r.find("t_total")[0]->timestamp_ms, 1700000000000);
  EXPECT_EQ(r.family("u"), nullptr);  // a failed text adds nothing
  EXPECT_NE(r.error.find("invalid exposition text: 3:"), std::string::npos) << r.error;
  ASSERT_EQ(r.dropped.size(), 4u);
  EXPECT_EQ(r.dropped[0], "sample good: invalid label name \"__reserved\"");
  EXPECT_EQ(r.dropped[1], "invalid metric family name \"bad-name\"");
  EXPECT_EQ(r.dropped[2], "sample without an accepted family");  // the refused family's
  EXPECT_EQ(r.dropped[3], "invalid stat name \"Bad\" (want [a-z0-9_]+)");
  EXPECT_TRUE(host.misuses().empty());  // dropped data is not misuse
}

TEST(FakeHostMisuse, IsRecordedWithTheHostsAnswer) {
  FakeHost host;
  host.set_abort_on_misuse(false);
  auto d = raw_descriptor();
  g_script.collect = [](const pe_host_api* api, pe_sink* sink) {
    EXPECT_EQ(emit(api, sink, nullptr, nullptr, 1), PE_ERROR);  // no family yet
    pe_family f{};                                              // struct_size not set
    f.name = "x";
    EXPECT_EQ(api->sink_family(sink, &f), PE_ERROR);
    std::thread([&] { api->sink_error(sink, "from elsewhere"); }).join();
    return PE_OK;
  };
  auto inst = host.create(&d);
  ASSERT_TRUE(inst);
  host.collect(inst);
  // Configuration after create, a route without the capability.
  EXPECT_EQ(g_script.api->config_kind(g_script.config), PE_CONFIG_NONE);
  pe_route route{sizeof(pe_route), "PUT", "/x", "push", 0};
  EXPECT_EQ(g_script.api->register_route(g_script.host, &route), PE_ERROR);
  EXPECT_EQ(
      host.misuses(),
      (std::vector<std::string>{
          "sink_sample before any sink_family (a sample belongs to the family started last)",
          "sink_family: pe_family.struct_size is 0 (set it to sizeof(pe_family))",
          "sink_error from another thread than collect's",
          "config_kind outside create (plugin.h: configuration and routes only during create)",
          "register_route outside create (plugin.h: configuration and routes only during "
          "create)",
      }));
  d.abi_major = PE_ABI_MAJOR + 1;
  EXPECT_FALSE(host.create(&d));
  EXPECT_EQ(host.misuses().back(), "descriptor built for ABI 2.0, the SDK speaks 1.0");
}

TEST(FakeHostMisuseDeathTest, AbortsByDefault) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        FakeHost host;
        auto d = raw_descriptor();
        g_script.collect = [](const pe_host_api* api, pe_sink* sink) {
          return emit(api, sink, nullptr, nullptr, 1);
        };
        auto inst = host.create(&d);
        host.collect(inst);
      },
      "ABI misuse: sink_sample before any sink_family");
}

TEST(FakeHostHttp, RoutesAndAnswersLikeTheHost) {
  FakeHost host;
  auto d = raw_descriptor(PE_CAP_HTTP_ROUTES);
  g_script.create = [](const pe_create_params* p) {
    pe_route route{sizeof(pe_route), "PUT", "/push/", "push", 8};
    EXPECT_EQ(p->api->register_route(p->host, &route), PE_OK);
    pe_route bad{sizeof(pe_route), "PUT", "relative", "push", 0};
    EXPECT_EQ(p->api->register_route(p->host, &bad), PE_ERROR);
    return PE_OK;
  };
  g_script.http = [](const pe_host_api* api, pe_http_response* r) {
    api->http_status(r, 202);
    api->http_header(r, "Content-Type", "text/plain");
    api->http_header(r, "X-Bad", "a\r\nb");
    api->http_write(r, "ok", 2);
    return PE_OK;
  };
  auto inst = host.create(&d);
  ASSERT_TRUE(inst);
  ASSERT_EQ(host.routes(inst).size(), 1u);
  EXPECT_EQ(host.routes(inst)[0].path_prefix, "/push");
  EXPECT_TRUE(host.logged("invalid HTTP route"));

  pe::testing::HttpCall put = call("PUT", "/push/job/a", "body");
  put.headers = {{"Content-Type", "x"}};
  auto r = host.http(inst, put);
  EXPECT_EQ(r.code, 202);
  EXPECT_EQ(r.header("content-type"), "text/plain");
  EXPECT_EQ(r.body, "ok");
  EXPECT_EQ(r.dropped.size(), 1u);
  EXPECT_EQ(host.http(inst, call("GET", "/push")).code, 404);
  EXPECT_EQ(host.http(inst, call("PUT", "/pushx")).code, 404);
  EXPECT_EQ(host.http(inst, call("PUT", "/push", "a body too large")).code, 413);

  g_script.http = [](const pe_host_api*, pe_http_response*) { return PE_ERROR; };
  EXPECT_EQ(host.http(inst, call("PUT", "/push")).code, 500);
}

TEST(FakeHostClock, IsSetAndAdvancedByTheTest) {
  pe::testing::FakeClock::reset();
  FakeHost host;
  auto d = raw_descriptor();
  auto inst = host.create(&d);
  const int64_t t0 = g_script.api->monotonic_ns();
  host.clock().advance(std::chrono::milliseconds(1500));
  EXPECT_EQ(g_script.api->monotonic_ns() - t0, 1'500'000'000);
  EXPECT_EQ(g_script.api->realtime_ms(), pe::testing::FakeClock::kStartRealtimeMs + 1500);
  host.clock().set_realtime_ms(5);
  EXPECT_EQ(g_script.api->realtime_ms(), 5);
  pe::testing::FakeClock::reset();
}

TEST(FakeHostLog, LevelFiltersAndLogEnabledFollow) {
  FakeHost host;
  host.set_log_level(PE_LOG_WARN);
  auto d = raw_descriptor();
  auto inst = host.create(&d);
  EXPECT_EQ(g_script.api->log_enabled(g_script.host, PE_LOG_INFO), 0);
  EXPECT_EQ(g_script.api->log_enabled(g_script.host, PE_LOG_ERROR), 1);
  std::thread([] { g_script.api->log(g_script.host, PE_LOG_WARN, "from a plugin thread"); }).join();
  g_script.api->log(g_script.host, PE_LOG_DEBUG, "hidden");
  ASSERT_EQ(host.logs().size(), 1u);
  EXPECT_EQ(host.logs()[0].level, PE_LOG_WARN);
  EXPECT_EQ(host.logs()[0].message, "from a plugin thread");
}

}  // namespace
