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
  // Not a hub: no agents section.
  EXPECT_EQ(html.find("Dial-in agents"), std::string::npos);
  EXPECT_EQ(html.find("id=\"agent-table\""), std::string::npos);
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
  EXPECT_EQ(bad.find("isolation")->text, "in_process");
  EXPECT_EQ(collectors->items[0].find("samples")->text, "4");
  const JsonValue* push = v.find("push");
  ASSERT_TRUE(push && push->items.size() == 1);
  EXPECT_EQ(push->items[0].find("status")->find("series")->text, "2");
  const JsonValue* rw = v.find("remote_write");
  ASSERT_TRUE(rw && rw->items.size() == 1);
  EXPECT_EQ(rw->items[0].find("queue_bytes")->text, "1234");
  EXPECT_EQ(rw->items[0].find("oldest_unsent_age_seconds")->text, "60");
  EXPECT_EQ(v.find("agents")->kind, JsonValue::Kind::null);  // not a hub
  EXPECT_EQ(v.find("hubs")->kind, JsonValue::Kind::null);    // not an agent
  EXPECT_FALSE(v.find("not_available")->find("agents"));
}

namespace {

StatusSnapshot hub_snapshot() {
  StatusSnapshot s = sample_snapshot();
  AgentStatus up;
  up.alias = "edge-1";
  up.hostname = "box<script>document.title='pwned'</script>";
  up.service = "node";
  up.labels = {{"site", kInjected}};
  up.connected = true;
  up.last_seen_unix_ms = 1700000000000;  // connected a minute before now
  up.last_scrape_unix_ms = 1700000055000;
  up.last_scrape_status = 200;
  up.scrapes_ok = 7;
  AgentStatus gone;
  gone.alias = "edge-2";
  gone.hostname = "box2";
  gone.last_seen_unix_ms = 1700000030000;
  gone.last_scrape_unix_ms = 1700000050000;
  gone.last_scrape_status = 503;
  gone.last_scrape_error = "HTTP 503: " + kInjected;
  gone.scrapes_ok = 2;
  gone.scrapes_failed = 1;
  AgentStatus fresh;
  fresh.alias = "edge-3";
  fresh.connected = true;
  fresh.last_seen_unix_ms = 1700000059000;
  s.agents = std::vector<AgentStatus>{up, gone, fresh};
  return s;
}

}  // namespace

TEST(StatusPage, HubShowsItsAgentsEscaped) {
  const std::string html = status_page_html(hub_snapshot());
  EXPECT_EQ(html.find("<script>document"), std::string::npos) << html;
  std::size_t scripts = 0;
  for (std::size_t p = html.find("<script"); p != std::string::npos;
       p = html.find("<script", p + 1))
    ++scripts;
  EXPECT_EQ(scripts, 1u);
  EXPECT_NE(html.find("<h2 id=\"agents\">Dial-in agents</h2>"), std::string::npos);
  EXPECT_NE(html.find("3 agents: 2 connected, 1 disconnected"), std::string::npos);
  // Rows carry their state as class and data-health (the filter's key), and
  // every text a remote agent controls is escaped, in cells and in attributes.
  EXPECT_NE(html.find("<tr class=\"connected\" data-name=\"edge-1\" "
                      "data-hostname=\"box&lt;script&gt;document.title=&#39;pwned&#39;&lt;/"
                      "script&gt;\""),
            std::string::npos);
  EXPECT_NE(html.find("<td>box&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;</td>"),
            std::string::npos);
  EXPECT_NE(html.find("{site=&quot;&lt;script&gt;document"), std::string::npos);
  EXPECT_NE(html.find("<tr class=\"disconnected\" data-name=\"edge-2\""), std::string::npos);
  EXPECT_NE(html.find("<div class=\"err\">HTTP 503: &lt;script&gt;"), std::string::npos);
  EXPECT_NE(html.find("href=\"/agents/edge-1/metrics\""), std::string::npos);
  // Last seen with age; a connected agent is seen now.
  EXPECT_NE(html.find("now; connected since 2023-11-14 22:13:20Z <span class=\"age\">(1m 0s "
                      "ago)</span>"),
            std::string::npos);
  EXPECT_NE(html.find("2023-11-14 22:13:50Z <span class=\"age\">(30s ago)</span>"),
            std::string::npos);
  EXPECT_NE(html.find("<td>7 / 0</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>2 / 1</td>"), std::string::npos);
  // The agent table names its controls, so the collector table's script wires it too.
  EXPECT_NE(html.find("<table id=\"agent-table\" data-filter=\"agent-filter\" "
                      "data-search=\"agent-search\" data-page-size=\"agent-page-size\" "
                      "data-pager=\"agent-pager\""),
            std::string::npos);
  for (const char* id : {"agent-filter", "agent-search", "agent-page-size", "agent-pager"})
    EXPECT_NE(html.find(std::string("id=\"") + id + "\""), std::string::npos) << id;
}

TEST(StatusPage, HubJsonListsItsAgents) {
  const std::string text = status_json(hub_snapshot());
  EXPECT_EQ(text.find("<script>"), std::string::npos);
  JsonValue v = parsed(text);
  const JsonValue* agents = v.find("agents");
  ASSERT_TRUE(agents);
  ASSERT_EQ(agents->items.size(), 3u);
  const JsonValue& up = agents->items[0];
  EXPECT_EQ(up.find("alias")->text, "edge-1");
  EXPECT_EQ(up.find("hostname")->text, "box" + kInjected);
  EXPECT_EQ(up.find("labels")->find("site")->text, kInjected);
  EXPECT_EQ(up.find("state")->text, "connected");
  EXPECT_EQ(up.find("connected_since_unix_ms")->text, "1700000000000");
  EXPECT_EQ(up.find("last_seen_unix_ms")->text, "1700000060000");
  EXPECT_EQ(up.find("scrapes")->find("ok")->text, "7");
  EXPECT_EQ(up.find("metrics_path")->text, "/agents/edge-1/metrics");
  const JsonValue& gone = agents->items[1];
  EXPECT_EQ(gone.find("state")->text, "disconnected");
  EXPECT_EQ(gone.find("connected_since_unix_ms")->text, "0");
  EXPECT_EQ(gone.find("last_seen_unix_ms")->text, "1700000030000");
  EXPECT_EQ(gone.find("last_scrape_status")->text, "503");
  EXPECT_EQ(gone.find("last_scrape_error")->text, "HTTP 503: " + kInjected);
  EXPECT_EQ(gone.find("scrapes")->find("failed")->text, "1");
  EXPECT_EQ(agents->items[2].find("last_scrape_unix_ms")->text, "0");
}

TEST(StatusPage, HubWithoutAgentsShowsAnEmptyTable) {
  StatusSnapshot s = sample_snapshot();
  s.agents = std::vector<AgentStatus>{};
  EXPECT_NE(status_page_html(s).find("0 agents: 0 connected, 0 disconnected"), std::string::npos);
  EXPECT_TRUE(parsed(status_json(s)).find("agents")->items.empty());
}

TEST(StatusPage, AgentModeShowsTheHubsItDials) {
  StatusSnapshot s = sample_snapshot();
  EXPECT_EQ(status_page_html(s).find("id=\"hubs\""), std::string::npos);
  s.hubs =
      std::vector<HubLinkStatus>{{"wss://hub.example:9443/agents/connect", true, 1700000000000, ""},
                                 {"wss://other.example/agents/connect", false, 1700000050000,
                                  "refused (409 alias_taken): " + kInjected},
                                 {"ws://127.0.0.1:1/agents/connect", false, 0, ""}};
  const std::string html = status_page_html(s);
  EXPECT_EQ(html.find("<script>document"), std::string::npos);
  EXPECT_NE(html.find("<h2 id=\"hubs\">Hubs this agent dials</h2>"), std::string::npos);
  EXPECT_NE(html.find("<tr class=\"connected\"><td>wss://hub.example:9443/agents/connect</td>"),
            std::string::npos);
  EXPECT_NE(html.find("(1m 0s ago)"), std::string::npos);
  EXPECT_NE(html.find("<div class=\"err\">refused (409 alias_taken): &lt;script&gt;"),
            std::string::npos);
  EXPECT_NE(html.find("<td>connecting</td>"), std::string::npos);
  JsonValue v = parsed(status_json(s));
  const JsonValue* hubs = v.find("hubs");
  ASSERT_TRUE(hubs && hubs->items.size() == 3);
  EXPECT_EQ(hubs->items[0].find("state")->text, "connected");
  EXPECT_EQ(hubs->items[0].find("since_unix_ms")->text, "1700000000000");
  EXPECT_EQ(hubs->items[1].find("state")->text, "disconnected");
  EXPECT_EQ(hubs->items[1].find("last_error")->text, "refused (409 alias_taken): " + kInjected);
}

TEST(StatusBoard, AgentsComeFromTheProviderUntilItIsCleared) {
  StatusBoard board("", nullptr);
  EXPECT_FALSE(board.agents());
  board.set_agents([] {
    AgentStatus a;
    a.alias = "x";
    return std::vector<AgentStatus>{a};
  });
  ASSERT_TRUE(board.agents());
  EXPECT_EQ(board.agents()->at(0).alias, "x");
  board.set_agents(nullptr);
  EXPECT_FALSE(board.agents());
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
