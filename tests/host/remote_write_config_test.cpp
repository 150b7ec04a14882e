// remote_write_config_test.cpp — [[remote_write]] sections: the documented
// defaults, every value read, secrets from files and the environment, and
// each kind of error located at file:line:column with its key path.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "config/config_loader.hpp"

using namespace pe::host;
using namespace std::chrono_literals;

namespace {

ConfigOverrides overrides() {
  return ConfigOverrides{{}, PE_PLUGIN_DIR};
}

std::vector<std::string> load_errors(const std::string& text) {
  LoadResult r = load_config_text(text, "t.toml", overrides());
  std::vector<std::string> out;
  for (const auto& e : r.errors) out.push_back(e.to_string());
  return out;
}

const std::string kCollectors =
    "[[collector]]\nname = \"a\"\nplugin = \"hello\"\n"
    "[[collector]]\nname = \"b\"\nplugin = \"hello\"\n";

}  // namespace

TEST(RemoteWriteConfig, DefaultsAreTheDocumentedOnes) {
  LoadResult r = load_config_text(
      kCollectors + "[[remote_write]]\nurl = \"http://127.0.0.1:9090/api/v1/write\"\n", "t.toml",
      overrides());
  ASSERT_TRUE(r.config) << r.errors[0].to_string();
  ASSERT_EQ(r.config->remote_writes.size(), 1u);
  const RemoteWriteConfig& rw = r.config->remote_writes[0];
  EXPECT_EQ(rw.url, "http://127.0.0.1:9090/api/v1/write");
  EXPECT_EQ(rw.name.size(), 8u);  // derived from the url
  EXPECT_EQ(rw.interval, 15s);
  EXPECT_EQ(rw.timeout, 30s);
  EXPECT_EQ(rw.min_backoff, 30ms);
  EXPECT_EQ(rw.max_backoff, 5s);
  EXPECT_EQ(rw.max_samples_per_send, 2000u);
  EXPECT_EQ(rw.protocol, RemoteWriteProtocol::v1);
  EXPECT_EQ(rw.queue_capacity_bytes, 256ull << 20);
  EXPECT_TRUE(rw.collectors.empty());
  EXPECT_TRUE(rw.queue_dir.empty());  // no state_dir: memory queue
  EXPECT_FALSE(rw.has_basic_auth);
  EXPECT_TRUE(rw.bearer_token.empty());
}

TEST(RemoteWriteConfig, EveryValueIsRead) {
  auto dir = std::filesystem::temp_directory_path() / ("rwcfg" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::string pw = (dir / "pw").string();
  std::ofstream(pw) << "s3cret\n";
  ::chmod(pw.c_str(), 0600);
  ::setenv("RW_TEST_TOKEN", "tok", 1);
  LoadResult r = load_config_text("state_dir = \"" + dir.string() + "\"\n" + kCollectors + R"(
[[remote_write]]
name = "mimir"
url = "https://127.0.0.1:9009/api/v1/push"
headers = { X-Scope-OrgID = "tenant1" }
interval = "5s"
timeout = "3s"
min_backoff = "10ms"
max_backoff = "1s"
collectors = ["b", "plugin_exporter"]
external_labels = { cluster = "eu1", replica = "a" }
max_samples_per_send = 500
queue_capacity_bytes = 1048576
protocol = "2.0"
[remote_write.basic_auth]
username = "u"
password_file = ")" + pw + R"("
[remote_write.tls]
insecure_skip_verify = true
server_name = "mimir.local"
[[remote_write.write_relabel]]
action = "drop"
source_labels = ["__name__"]
regex = "go_.*"

[[remote_write]]
url = "http://127.0.0.1:9090/api/v1/write"
bearer_token_env = "RW_TEST_TOKEN"
)",
                                  "t.toml", overrides());
  ASSERT_TRUE(r.config) << r.errors[0].to_string();
  ASSERT_EQ(r.config->remote_writes.size(), 2u);
  const RemoteWriteConfig& a = r.config->remote_writes[0];
  EXPECT_EQ(a.name, "mimir");
  EXPECT_EQ(a.headers,
            (std::vector<std::pair<std::string, std::string>>{{"X-Scope-OrgID", "tenant1"}}));
  EXPECT_EQ(a.interval, 5s);
  EXPECT_EQ(a.timeout, 3s);
  EXPECT_EQ(a.min_backoff, 10ms);
  EXPECT_EQ(a.max_backoff, 1s);
  EXPECT_EQ(a.collectors, (std::vector<std::string>{"b", "plugin_exporter"}));
  EXPECT_EQ(a.external_labels.size(), 2u);
  EXPECT_EQ(a.max_samples_per_send, 500u);
  EXPECT_EQ(a.protocol, RemoteWriteProtocol::v2);
  EXPECT_EQ(a.queue_capacity_bytes, 1048576u);
  EXPECT_TRUE(a.has_basic_auth);
  EXPECT_EQ(a.basic_auth_username, "u");
  EXPECT_EQ(a.basic_auth_password, "s3cret");
  EXPECT_TRUE(a.tls.insecure_skip_verify);
  EXPECT_EQ(a.tls.server_name, "mimir.local");
  ASSERT_EQ(a.write_relabel.size(), 1u);
  EXPECT_EQ(a.write_relabel[0].regex, "go_.*");
  EXPECT_EQ(a.queue_dir, (dir / "remote_write" / "mimir").string());
  EXPECT_EQ(r.config->remote_writes[1].bearer_token, "tok");
  EXPECT_NE(a.fingerprint, r.config->remote_writes[1].fingerprint);
  std::filesystem::remove_all(dir);
}

TEST(RemoteWriteConfig, ErrorsAreLocated) {
  auto e = load_errors(kCollectors + R"([[remote_write]]
url = "ftp://x"
headers = { Content-Type = "text/plain", Authorization = "x" }
interval = "0s"
collectors = ["nope"]
max_samples_per_send = 0
external_labels = { __x = "y" }
bogus = 1
[[remote_write.write_relabel]]
action = "explode"
[[remote_write]]
bearer_token = "x"
[remote_write.basic_auth]
username = "u"
)");
  ASSERT_EQ(e.size(), 12u);
  EXPECT_EQ(e[0], "t.toml:8:7: remote_write[0].url: must be an http:// or https:// URL");
  EXPECT_EQ(e[1],
            "t.toml:9:11: remote_write[0].headers: header \"Content-Type\" is set by the sender "
            "and cannot be overridden");
  EXPECT_NE(e[2].find("\"Authorization\" is set by the sender"), std::string::npos) << e[2];
  EXPECT_EQ(e[3], "t.toml:10:12: remote_write[0].interval: must be positive");
  EXPECT_EQ(e[4].rfind("t.toml:11:14: remote_write[0].collectors: unknown collector \"nope\"", 0),
            0u)
      << e[4];
  EXPECT_EQ(e[5],
            "t.toml:12:24: remote_write[0].max_samples_per_send: must be between 1 and 1000000");
  EXPECT_EQ(e[6], "t.toml:13:19: remote_write[0].external_labels: invalid label name \"__x\"");
  EXPECT_EQ(e[7], "t.toml:14:9: remote_write[0].bogus: unknown key");
  EXPECT_EQ(e[8].rfind("t.toml:16:10: remote_write[0].write_relabel[0].action: unknown relabel "
                       "action \"explode\"",
                       0),
            0u)
      << e[8];
  EXPECT_EQ(e[9], "t.toml:17:1: remote_write[1].url: missing required key");
  EXPECT_NE(e[10].find("basic_auth: missing password"), std::string::npos) << e[10];
  EXPECT_NE(e[11].find("give basic_auth or a bearer_token, not both"), std::string::npos) << e[11];
}

TEST(RemoteWriteConfig, DuplicateNamesAndUnsupportedProtocolAreErrors) {
  auto e = load_errors(kCollectors +
                       "[[remote_write]]\nurl = \"http://127.0.0.1:1/w\"\n"
                       "[[remote_write]]\nurl = \"http://127.0.0.1:1/w\"\nprotocol = \"9\"\n");
  ASSERT_EQ(e.size(), 2u);
  EXPECT_NE(e[0].find("remote_write[1].url: two [[remote_write]] sections named"),
            std::string::npos)
      << e[0];
  EXPECT_NE(e[1].find("remote_write[1].protocol: unsupported protocol"), std::string::npos) << e[1];
}
