// status_page_test.cpp — the status page's builders: the JSON reader of
// plugin status documents, the JSON twin and the HTML page, above all that
// every text a collector, a pusher or a receiver controls is escaped.
#include "http/status_page.hpp"

#include <gtest/gtest.h>

#include "http/json_value.hpp"
#include "http/status_json.hpp"
#include "plugin_exporter/text.hpp"

using namespace pe::host;

namespace {

const std::string kInjected = "<script>document.title='pwned'</script>";

JsonValue parsed(std::string_view text) {
  std::string error;
  auto v = parse_json(text, error);
  EXPECT_TRUE(v) << error << " in " << text;
  return v ? *v : JsonValue{};
}

StatusSnapshot sample_snapshot() {
  StatusSnapshot s;
  s.now_unix_ms = 1700000060000;
  s.version = "1.2.3";
  s.revision = "abc1234";
  s.abi = "1.0";
  s.started_unix_ms = 1700000000000;
  s.config_file = "/etc/pe/<cfg>.toml";
  s.listeners = {"127.0.0.1:9777"};
  s.last_reload = {1700000030000, true, "hello", "", "broken"};
  CollectorStatus ok{"hello", "hello", {}, 3, {}};
  ok.health.collected = ok.health.last_ok = true;
  ok.health.last_collect_unix_ms = 1700000059000;
  ok.health.last_duration_seconds = 0.25;
  ok.health.last_samples = 4;
  ok.health.scrapes_ok = 3;
  CollectorStatus bad{"broken\"<b>", "script", {}, 2, {}};
  bad.health.collected = true;
  bad.health.last_error = "exit 1: " + kInjected;
  bad.health.last_error_unix_ms = 1700000058000;
  bad.health.scrapes_failed = 2;
  CollectorStatus fresh{"fresh", "hello", {}, 0, {}};
  s.collectors = {ok, bad, fresh};
  PluginStatusDocument push{"pushgw", "push", "/api/v1/status", std::nullopt, {}};
  push.document = parsed(
      R"({"groups":1,"series":2,"durability":"fsync","durable":true,"limits":{"max_groups":10},)"
      R"("recent_pushes":[{"labels":{"job":"j","instance":"<script>document.title='pwned'</script>"},)"
      R"("push_time_unix_ms":1700000050000,"series":2}]})");
  s.plugin_documents = {push};
  RemoteWriteStatus rw;
  rw.name = "central";
  rw.url = "http://127.0.0.1:9/api/v1/write";
  rw.queue_bytes = 1234;
  rw.oldest_unsent_unix_ms = 1700000000000;
  rw.last_error = "HTTP 500: " + kInjected;
  rw.last_error_unix_ms = 1700000059000;
  s.remote_writes = {rw};
  return s;
}

}  // namespace

TEST(JsonValue, ParsesAndDumpsDocuments) {
  JsonValue v =
      parsed(R"( {"a": [1, -2.5e3, true, null, "x\"\\\/\u00e9\ud83d\ude00\n"], "b": {}} )");
  ASSERT_EQ(v.kind, JsonValue::Kind::object);
  const JsonValue* a = v.find("a");
  ASSERT_TRUE(a);
  ASSERT_EQ(a->items.size(), 5u);
  EXPECT_EQ(a->items[1].text, "-2.5e3");
  EXPECT_EQ(a->items[4].text, "x\"\\/\xC3\xA9\xF0\x9F\x98\x80\n");
  EXPECT_EQ(v.dump(), R"({"a":[1,-2.5e3,true,null,"x\"\\/)"
                      "\xC3\xA9\xF0\x9F\x98\x80"
                      R"(\n"],"b":{}})");
}

TEST(JsonValue, RefusesWhatIsNotJson) {
  for (std::string_view bad :
       {"", "{", "[1,]", "{\"a\" 1}", "01", "1.", "-", "tru", "\"\\x\"", "\"\\ud800\"", "\"a\nb\"",
        "\"\xC0\xAF\"", "[1] x", "{\"a\":1,}", "\"\xED\xA0\x80\""}) {
    std::string error;
    EXPECT_FALSE(parse_json(bad, error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

TEST(JsonValue, BoundsDepthAndSize) {
  std::string error;
  std::string deep = std::string(40, '[') + std::string(40, ']');
  EXPECT_FALSE(parse_json(deep, error));
  EXPECT_NE(error.find("deeply"), std::string::npos);
  EXPECT_TRUE(parse_json(deep, error, JsonLimits{64, 1 << 20}));
  EXPECT_FALSE(parse_json("[1,2,3]", error, JsonLimits{32, 4}));
}

TEST(JsonValue, QuoteKeepsJsonInertInsideHtml) {
  EXPECT_EQ(pe::json_quoted("</script>&\x01\xFF"), R"("\u003c/script\u003e\u0026\u0001\ufffd")");
}

TEST(StatusPage, EscapesEveryTextAndShowsHealth) {
  const std::string html = status_page_html(sample_snapshot());
  // No injected markup survives as markup; the texts are there, escaped.
  EXPECT_EQ(html.find("<script>document"), std::string::npos) << html;
  EXPECT_EQ(html.find("<b>"), std::string::npos);
  EXPECT_EQ(html.find("<cfg>"), std::string::npos);
  EXPECT_NE(html.find("exit 1: &lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;"),
            std::string::npos);
  EXPECT_NE(html.find("instance=\"&lt;script&gt;document"), std::string::npos);
  EXPECT_NE(html.find("HTTP 500: &lt;script&gt;"), std::string::npos);
  // The only script is the page's own, from its own route.
  EXPECT_NE(html.find("<script src=\"/-/status.js\" defer></script>"), std::string::npos);
  std::size_t scripts = 0;
  for (std::size_t p = html.find("<script"); p != std::string::npos;
       p = html.find("<script", p + 1))
    ++scripts;
  EXPECT_EQ(scripts, 1u);
  // A failing collector is red (class down) and links to its own output.
  EXPECT_NE(html.find("<tr class=\"down\" data-name=\"broken&quot;&lt;b&gt;\""), std::string::npos);
  EXPECT_NE(html.find("href=\"/metrics?collector=broken%22%3Cb%3E\""), std::string::npos);
  EXPECT_NE(html.find("<tr class=\"up\" data-name=\"hello\""), std::string::npos);
  // Durations for people in the cell, seconds for sorting in the attribute.
  EXPECT_NE(html.find("<td>250 ms</td>"), std::string::npos);
  EXPECT_NE(html.find("data-duration=\"0.25\""), std::string::npos);
  EXPECT_NE(html.find("<tr class=\"unknown\" data-name=\"fresh\""), std::string::npos);
  EXPECT_NE(html.find("3 collectors: 1 up, 1 down, 0 source down, 1 not collected yet"),
            std::string::npos);
  // Push counts and durability, remote write queue, and the parts not built yet.
  EXPECT_NE(html.find("durability</td><td>fsync"), std::string::npos);
  EXPECT_NE(html.find("<td>1234</td>"), std::string::npos);
  EXPECT_NE(html.find("Dial-in agents"), std::string::npos);
  EXPECT_NE(html.find(kAgentsUnavailable), std::string::npos);
  EXPECT_NE(html.find("started broken, stopped none, kept hello"), std::string::npos);
}

TEST(StatusPage, JsonTwinIsValidAndCarriesTheSameFacts) {
  const std::string text = status_json(sample_snapshot());
  EXPECT_EQ(text.find("<script>"), std::string::npos);
  JsonValue v = parsed(text);
  const JsonValue* exporter = v.find("exporter");
  ASSERT_TRUE(exporter);
  EXPECT_EQ(exporter->find("version")->text, "1.2.3");
  EXPECT_EQ(exporter->find("uptime_seconds")->text, "60");
  EXPECT_EQ(exporter->find("last_reload")->find("started")->items.at(0).text, "broken");
  EXPECT_TRUE(exporter->find("last_reload")->find("stopped")->items.empty());
  const JsonValue* collectors = v.find("collectors");
  ASSERT_TRUE(collectors);
  ASSERT_EQ(collectors->items.size(), 3u);
  const JsonValue& bad = collectors->items[1];
  EXPECT_EQ(bad.find("name")->text, "broken\"<b>");
  EXPECT_EQ(bad.find("health")->text, "down");
  EXPECT_EQ(bad.find("last_error")->text, "exit 1: " + kInjected);
  EXPECT_EQ(bad.find("scrapes")->find("failed")->text, "2");
  EXPECT_EQ(bad.find("isolation")->kind, JsonValue::Kind::null);
  EXPECT_EQ(collectors->items[0].find("samples")->text, "4");
  const JsonValue* push = v.find("push");
  ASSERT_TRUE(push && push->items.size() == 1);
  EXPECT_EQ(push->items[0].find("status")->find("series")->text, "2");
  const JsonValue* rw = v.find("remote_write");
  ASSERT_TRUE(rw && rw->items.size() == 1);
  EXPECT_EQ(rw->items[0].find("queue_bytes")->text, "1234");
  EXPECT_EQ(rw->items[0].find("oldest_unsent_age_seconds")->text, "60");
  EXPECT_EQ(v.find("agents")->kind, JsonValue::Kind::null);
  EXPECT_EQ(v.find("not_available")->find("agents")->text, kAgentsUnavailable);
}

TEST(StatusPage, QuarantinedCollectorIsARowWithItsReason) {
  StatusSnapshot s = sample_snapshot();
  s.collectors.push_back(
      {"crashy", "crasher", {}, 0, "crashed the exporter in collect with SIGSEGV at <then>"});
  const std::string html = status_page_html(s);
  EXPECT_NE(html.find("<tr class=\"quarantined\" data-name=\"crashy\""), std::string::npos);
  EXPECT_NE(html.find("<div class=\"err\">crashed the exporter in collect with SIGSEGV at "
                      "&lt;then&gt;</div>"),
            std::string::npos);
  EXPECT_NE(html.find("4 collectors: 1 up, 1 down, 0 source down, 1 not collected yet, "
                      "1 quarantined."),
            std::string::npos);
  JsonValue v = parsed(status_json(s));
  const JsonValue& row = v.find("collectors")->items.at(3);
  EXPECT_EQ(row.find("health")->text, "quarantined");
  EXPECT_EQ(row.find("quarantine")->text, "crashed the exporter in collect with SIGSEGV at <then>");
  EXPECT_EQ(v.find("collectors")->items.at(0).find("quarantine")->kind, JsonValue::Kind::null);
}

TEST(StatusPage, ConfigzPageEscapesTheConfiguration) {
  const std::string html = configz_html(R"({"labels":{"x":")" + kInjected + R"("}})");
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("<pre>{&quot;labels&quot;"), std::string::npos);
}
