// dialin_persistence_test.cpp — the hub's registry across restarts: the
// registry file round-trips every field and refuses what an agent could not
// have registered; restore() lists saved agents as disconnected with the
// expiry running from when they were lost; RegistryPersistence writes the
// state file and the file_sd file only when the registry changed, drops
// entries whose token no longer claims them, and survives a damaged file.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "auth/sha256.hpp"
#include "dialin/agent_registry.hpp"
#include "dialin/registry_file.hpp"
#include "dialin/registry_persistence.hpp"
#include "http/json_value.hpp"

namespace pe::host::dialin {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct FakeLink : AgentLink {
  void replaced() override {}
  void scrape(ScrapeRequest, std::function<void(ScrapeReply)> done) override { done({}); }
};

AgentEntry entry(const std::string& alias, bool connected,
                 std::chrono::system_clock::time_point seen) {
  AgentEntry e;
  e.alias = alias;
  e.token_id = "t1";
  e.hostname = "host-" + alias;
  e.service = "pos";
  e.labels = {{"rack", "r7"}, {"site", "berlin \"<north>\""}};
  e.connected = connected;
  e.last_seen = seen;
  return e;
}

std::string read(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class TempDir {
 public:
  TempDir()
      : path_(fs::temp_directory_path() /
              ("pe-dialin-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++))) {
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

TEST(RegistryFile, RoundTripsEveryField) {
  const auto seen = std::chrono::system_clock::time_point(1796512345250ms);
  std::vector<AgentEntry> agents = {entry("edge-1", true, seen), entry("edge-2", false, seen)};
  const std::string text = encode_registry_file(agents);
  EXPECT_EQ(text.find("secret"), std::string::npos);
  std::string error;
  auto back = decode_registry_file(text, error);
  ASSERT_TRUE(back) << error;
  ASSERT_EQ(back->size(), 2u);
  const AgentEntry& a = (*back)[0];
  EXPECT_EQ(a.alias, "edge-1");
  EXPECT_EQ(a.token_id, "t1");
  EXPECT_EQ(a.hostname, "host-edge-1");
  EXPECT_EQ(a.service, "pos");
  EXPECT_EQ(a.labels, agents[0].labels);
  EXPECT_TRUE(a.connected);
  EXPECT_FALSE((*back)[1].connected);
  EXPECT_EQ(a.last_seen, seen);
  EXPECT_EQ(encode_registry_file(*back), text);
}

TEST(RegistryFile, RefusesWhatAnAgentCouldNotRegister) {
  const std::string good_agent =
      R"({"alias":"a","token_id":"t","hostname":"","service":"","labels":{},"connected":false,"last_seen":1})";
  std::string error;
  ASSERT_TRUE(decode_registry_file(R"({"version":1,"agents":[)" + good_agent + "]}", error))
      << error;
  for (
      const std::string& bad : {
          std::string(R"({"version":2,"agents":[]})"),
          std::string(R"({"version":1})"),
          std::string(R"([1])"),
          std::string(R"({"version":1,"agents":[)") + good_agent + "," + good_agent + "]}",
          std::string(
              R"({"version":1,"agents":[{"alias":"../x","token_id":"t","connected":false,"last_seen":1}]})"),
          std::string(
              R"({"version":1,"agents":[{"alias":"a","token_id":"t","labels":{"instance":"x"},"connected":false,"last_seen":1}]})"),
          std::string(
              R"({"version":1,"agents":[{"alias":"a","token_id":"","connected":false,"last_seen":1}]})"),
          std::string(
              R"({"version":1,"agents":[{"alias":"a","token_id":"t","connected":1,"last_seen":1}]})"),
          std::string(
              R"({"version":1,"agents":[{"alias":"a","token_id":"t","connected":false,"last_seen":-5}]})"),
          // Beyond system_clock's range (a fuzzer found the overflow).
          std::string(
              R"({"version":1,"agents":[{"alias":"a","token_id":"t","connected":true,"last_seen":17496512345.25}]})"),
          std::string(R"({"version":1,"agents":[)"),
      }) {
    error.clear();
    EXPECT_FALSE(decode_registry_file(bad, error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

TEST(AgentRegistry, RestoreListsSavedAgentsDisconnectedAndExpiresThem) {
  AgentRegistry reg(10min, 100);
  const auto now = AgentRegistry::Clock::now();
  const auto wall = std::chrono::system_clock::now();
  const uint64_t v0 = reg.version();
  EXPECT_EQ(reg.restore(
                {entry("was-connected", true, wall - 1h), entry("lost-4m-ago", false, wall - 4min),
                 entry("lost-11m-ago", false, wall - 11min)},
                now, wall),
            2u);
  EXPECT_NE(reg.version(), v0);
  EXPECT_EQ(reg.connected(), 0u);
  auto listed = reg.snapshot(now);
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].alias, "lost-4m-ago");
  EXPECT_FALSE(listed[1].connected);
  EXPECT_EQ(listed[1].last_seen, wall);  // lost at the restart, as far as the hub knows
  bool known = false;
  EXPECT_EQ(reg.link_of("was-connected", known, now), nullptr);
  EXPECT_TRUE(known);  // 503, not 404: Prometheus records up 0
  // The alias stays bound to its token.
  Hello h;
  h.alias = "was-connected";
  EXPECT_EQ(reg.claim(h, "t2", "p", std::make_shared<FakeLink>(), now),
            AgentRegistry::ClaimResult::alias_taken);
  // lost-4m-ago expires 6 minutes after the restart, was-connected after 10.
  EXPECT_EQ(reg.snapshot(now + 7min).size(), 1u);
  EXPECT_EQ(reg.snapshot(now + 10min).size(), 0u);
}

TEST(AgentRegistry, VersionCountsChangesOnly) {
  AgentRegistry reg(10min, 100);
  auto now = AgentRegistry::Clock::now();
  auto link = std::make_shared<FakeLink>();
  Hello h;
  h.alias = "edge";
  uint64_t v = reg.version();
  reg.claim(h, "t1", "p", link, now);
  EXPECT_GT(reg.version(), v);
  v = reg.version();
  reg.snapshot(now);
  reg.sweep(now + 1h);  // connected: nothing expires
  EXPECT_EQ(reg.version(), v);
  reg.disconnected("edge", link.get(), now);
  EXPECT_GT(reg.version(), v);
  v = reg.version();
  EXPECT_EQ(reg.sweep(now + 11min), 1u);
  EXPECT_GT(reg.version(), v);
}

DialinToken token(const std::string& id, std::vector<std::string> aliases) {
  DialinToken t;
  t.id = id;
  t.secret_sha256 = sha256("a-secret-of-sixteen-bytes");
  t.aliases = std::move(aliases);
  return t;
}

TEST(RegistryPersistence, WritesStateAndFileSdWhenTheRegistryChanged) {
  TempDir dir;
  const fs::path state = dir.path() / "dialin" / "agents.json";  // created by publish
  const fs::path sd = dir.path() / "agents-sd.json";
  HubMetrics metrics;
  RegistryPersistence p(state.string(), sd.string(), "hub.example:9443", metrics);
  const auto wall = std::chrono::system_clock::now();
  p.publish({entry("edge-1", true, wall)}, 1);
  std::string error;
  auto saved = decode_registry_file(read(state), error);
  ASSERT_TRUE(saved) << error;
  ASSERT_EQ(saved->size(), 1u);
  EXPECT_EQ((*saved)[0].alias, "edge-1");
  EXPECT_FALSE(fs::exists(state.string() + ".tmp"));
  struct stat st {};
  ASSERT_EQ(::stat(state.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(sd.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);

  auto doc = parse_json(read(sd), error);
  ASSERT_TRUE(doc) << error;
  ASSERT_EQ(doc->kind, JsonValue::Kind::array);
  ASSERT_EQ(doc->items.size(), 1u);
  const JsonValue& t = doc->items[0];
  EXPECT_EQ(t.find("targets")->items.at(0).text, "hub.example:9443");
  const JsonValue* labels = t.find("labels");
  EXPECT_EQ(labels->find("__metrics_path__")->text, "/agents/edge-1/metrics");
  EXPECT_EQ(labels->find("instance")->text, "edge-1");
  EXPECT_EQ(labels->find("site")->text, "berlin \"<north>\"");

  // The same version again: no write (the file stays what it was).
  fs::remove(sd);
  p.publish({}, 1);
  EXPECT_FALSE(fs::exists(sd));
  p.publish({}, 2);
  EXPECT_EQ(read(sd), "[]\n");
  EXPECT_EQ(read(state), "{\"version\":1,\"agents\":[]}\n");
}

TEST(RegistryPersistence, LoadKeepsOnlyEntriesTheirTokenStillClaims) {
  TempDir dir;
  const fs::path state = dir.path() / "agents.json";
  HubMetrics metrics;
  RegistryPersistence p(state.string(), "", "", metrics);
  AgentTokens tokens({token("t1", {"edge-*"})});
  EXPECT_TRUE(p.load(tokens).empty());  // no file yet: the first start
  const auto wall = std::chrono::system_clock::now();
  AgentEntry other = entry("edge-3", false, wall);
  other.token_id = "gone";
  p.publish({entry("edge-1", true, wall), entry("kiosk", false, wall), other}, 7);
  auto loaded = p.load(tokens);
  ASSERT_EQ(loaded.size(), 1u);
  EXPECT_EQ(loaded[0].alias, "edge-1");
  // A damaged file is ignored (and replaced at the next publish).
  std::ofstream(state) << "{\"version\":1,\"agents\":[{";
  EXPECT_TRUE(p.load(tokens).empty());
}

TEST(RegistryPersistence, AFailedWriteIsCountedAndRetried) {
  TempDir dir;
  const fs::path sd = dir.path() / "missing-dir" / "sd.json";
  HubMetrics metrics;
  RegistryPersistence p("", sd.string(), "hub:1", metrics);
  p.publish({}, 1);
  EXPECT_TRUE(p.stale(1));  // not written: the next tick tries again
  fs::create_directories(sd.parent_path());
  p.publish({}, 1);
  EXPECT_FALSE(p.stale(1));
  EXPECT_EQ(read(sd), "[]\n");
  MetricSet set;
  metrics.export_to(set, {}, 0);
  // One failure counted.
  bool found = false;
  for (const Family& f : set.families)
    if (f.name == "plugin_exporter_agent_registry_write_errors_total") {
      found = true;
      ASSERT_EQ(f.sample_count, 1u);
      EXPECT_EQ(set.samples_of(f)[0].value, 1);
    }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace pe::host::dialin
