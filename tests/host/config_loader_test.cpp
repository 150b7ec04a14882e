// config_loader_test.cpp — strict configuration: every kind of error with its
// exact file:line:column and key path, and the values a valid file yields.
#include "config/config_loader.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "collect/collector_factory.hpp"
#include "config/config_document.hpp"
#include "in_process_host.hpp"

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

using pe::test::config_errors;  // load + check-only create: what --check-config reports

const std::string kTestSource = std::string(PE_TEST_PLUGIN_DIR) + "/test_source.so";

}  // namespace

TEST(ConfigLoader, ValidFileGivesTheConfiguredValues) {
  LoadResult r = load_config_text(R"(
[web]
listen_addresses = ["127.0.0.1:9999", "[::1]:9999"]
telemetry_path = "/m"
max_concurrent_scrapes = 3
scrape_timeout_offset = "250ms"

[auth]
bearer_tokens = ["0123456789abcdef"]
open_health_endpoints = false

[[collector]]
name = "one"
plugin = "hello"
timeout = "2s"
labels = { zone = "b", app = "a" }
honor_labels = true

[[collector]]
name = "two"
plugin = "hello"
[collector.config]
greeting = "hi"
)",
                                  "t.toml", overrides());
  ASSERT_TRUE(r.config) << (r.errors.empty() ? "" : r.errors[0].to_string());
  const ExporterConfig& c = *r.config;
  EXPECT_EQ(c.web.listen_addresses, (std::vector<std::string>{"127.0.0.1:9999", "[::1]:9999"}));
  ASSERT_EQ(c.web.listeners.size(), 2u);
  EXPECT_EQ(c.web.listeners[1].address, "[::1]:9999");
  EXPECT_FALSE(c.web.listeners[1].tls);
  EXPECT_EQ(c.web.telemetry_path, "/m");
  EXPECT_EQ(c.web.max_concurrent_scrapes, 3);
  EXPECT_EQ(c.web.scrape_timeout_offset, 250ms);
  ASSERT_EQ(c.auth.tokens.size(), 1u);
  EXPECT_EQ(c.auth.tokens[0].token, "0123456789abcdef");
  EXPECT_EQ(c.auth.tokens[0].name, "bearer#1");
  EXPECT_EQ(c.auth.tokens[0].roles.to_string(), "scrape,push,admin");
  EXPECT_FALSE(c.auth.open_health_endpoints);
  ASSERT_EQ(c.collectors.size(), 2u);
  EXPECT_EQ(c.collectors[0].name, "one");
  EXPECT_EQ(c.collectors[0].timeout, 2s);
  EXPECT_TRUE(c.collectors[0].honor_labels);
  // Labels keep file order.
  ASSERT_EQ(c.collectors[0].labels.size(), 2u);
  EXPECT_EQ(c.collectors[0].labels[0].first, "zone");
  EXPECT_EQ(c.collectors[0].labels[1].first, "app");
  EXPECT_EQ(c.collectors[0].plugin_path, std::string(PE_PLUGIN_DIR) + "/hello.so");
  EXPECT_EQ(c.collectors[1].timeout, 10s);
  EXPECT_NE(c.collectors[1].plugin_table, nullptr);
  EXPECT_TRUE(config_errors(R"([[collector]]
name = "two"
plugin = "hello"
[collector.config]
greeting = "hi"
value = 3
)")
                  .empty());
}

TEST(ConfigLoader, TomlSyntaxErrorIsLocated) {
  auto e = load_errors("[web]\nlisten_addresses = [\":1\"\n");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].rfind("t.toml:2:", 0), 0u) << e[0];
  EXPECT_NE(e[0].find("TOML syntax error"), std::string::npos);
}

TEST(ConfigLoader, UnknownKeysAnywhereAreErrors) {
  auto e = load_errors(
      "bogus = 1\n[web]\ntelemetry_pat = \"/x\"\n[[collector]]\nname = \"a\"\n"
      "plugin = \"hello\"\ntimout = \"1s\"\n");
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0], "t.toml:1:9: bogus: unknown key");
  EXPECT_EQ(e[1], "t.toml:3:17: web.telemetry_pat: unknown key");
  EXPECT_EQ(e[2], "t.toml:7:10: collector[0].timout: unknown key");
}

TEST(ConfigLoader, WrongTypesAreErrors) {
  auto e = load_errors("[web]\nmax_concurrent_scrapes = \"10\"\nlisten_addresses = \":1\"\n");
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0], "t.toml:2:26: web.max_concurrent_scrapes: expected an integer, got a string");
  EXPECT_EQ(e[1], "t.toml:3:20: web.listen_addresses: expected an array of strings, got a string");
}

TEST(ConfigLoader, BadDurationsAreErrors) {
  auto e = load_errors(
      "[[collector]]\nname = \"a\"\nplugin = \"hello\"\ntimeout = \"10 seconds\"\n"
      "[web]\nread_timeout = 5\n");
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].rfind("t.toml:4:11: collector[0].timeout: bad duration \"10 seconds\"", 0), 0u)
      << e[0];
  EXPECT_EQ(e[1].rfind("t.toml:6:16: web.read_timeout: expected a duration string", 0), 0u) << e[1];
}

TEST(ConfigLoader, MissingRequiredFieldsAreErrors) {
  auto e = load_errors("[[collector]]\nname = \"a\"\n\n[[collector]]\nplugin = \"hello\"\n");
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0], "t.toml:1:1: collector[0].plugin: missing required key");
  EXPECT_EQ(e[1], "t.toml:4:1: collector[1].name: missing required key");
}

TEST(ConfigLoader, UnknownPluginIsAnError) {
  auto e = load_errors("[[collector]]\nname = \"a\"\nplugin = \"nosuchplugin\"\n");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0], std::string("t.toml:3:10: collector[0].plugin: unknown plugin \"nosuchplugin\": "
                              "no file ") +
                      PE_PLUGIN_DIR + "/nosuchplugin.so");
}

TEST(ConfigLoader, DuplicateCollectorNamesAreErrors) {
  auto e = load_errors(
      "[[collector]]\nname = \"a\"\nplugin = \"hello\"\n"
      "[[collector]]\nname = \"a\"\nplugin = \"hello\"\n");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0], "t.toml:5:8: collector[1].name: duplicate collector name \"a\"");
}

TEST(ConfigLoader, InvalidLabelsAndRelabelRulesAreErrors) {
  auto e = load_errors(R"([[collector]]
name = "a"
plugin = "hello"
labels = { "bad-name" = "x" }
[[collector.relabel]]
action = "explode"
)");
  ASSERT_EQ(e.size(), 2u) << (e.empty() ? "" : e[0]);
  EXPECT_EQ(e[0], "t.toml:4:10: collector[0].labels: invalid label name \"bad-name\"");
  EXPECT_EQ(e[1].rfind("t.toml:6:10: collector[0].relabel[0].action: unknown relabel action", 0),
            0u)
      << e[1];
  e = load_errors(R"([[collector]]
name = "a"
plugin = "hello"
[[collector.relabel]]
action = "drop"
regex = "go_.*"
source_labels = ["__name__"]
[[collector.relabel]]
action = "replace"
regex = "(unclosed"
target_label = "x"
)");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].rfind("t.toml:8:1: collector[0].relabel[1]: invalid regex \"(unclosed\"", 0), 0u)
      << e[0];
}

TEST(ConfigLoader, PluginSpecificErrorsAreLocatedInThePluginTable) {
  auto e =
      config_errors("[[collector]]\nname = \"a\"\nplugin = \"" + kTestSource +
                    "\"\n[collector.config]\nbehaviour = \"dance\"\ndelay = 5\nextra = true\n");
  ASSERT_EQ(e.size(), 3u) << (e.empty() ? "" : e[0]);
  EXPECT_EQ(e[0], "t.toml:5:13: collector[0].config.behaviour: unknown behaviour \"dance\"");
  EXPECT_EQ(e[1].rfind("t.toml:6:9: collector[0].config.delay: expected a duration string", 0), 0u)
      << e[1];
  EXPECT_EQ(e[2], "t.toml:7:9: collector[0].config.extra: unknown key");
}

TEST(ConfigLoader, HelloPluginValidatesItsTable) {
  auto e = config_errors(
      "[[collector]]\nname = \"a\"\nplugin = \"hello\"\n[collector.config]\n"
      "value = \"high\"\n");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0], "t.toml:5:9: collector[0].config.value: expected a number, got a string");
}

TEST(ConfigLoader, SecretsComeInlineFromFilesOrEnvironment) {
  std::string dir = testing::TempDir();
  std::string file = dir + "/pe_secret_test";
  { std::ofstream(file) << "from-file-secret\n"; }
  ASSERT_EQ(::chmod(file.c_str(), 0600), 0);
  ::setenv("PE_TEST_SECRET_VAR", "from-env", 1);
  auto cfg = [&](const std::string& secret_line) {
    return "[[collector]]\nname = \"a\"\nplugin = \"" + kTestSource + "\"\n[collector.config]\n" +
           secret_line + "\n";
  };
  EXPECT_TRUE(config_errors(cfg("password = \"inline\"")).empty());
  EXPECT_TRUE(config_errors(cfg("password_file = \"" + file + "\"")).empty());
  EXPECT_TRUE(config_errors(cfg("password_env = \"PE_TEST_SECRET_VAR\"")).empty());

  auto unset = config_errors(cfg("password_env = \"PE_TEST_NO_SUCH_VAR\""));
  ASSERT_EQ(unset.size(), 1u);
  EXPECT_EQ(unset[0],
            "t.toml:5:16: collector[0].config.password_env: environment variable "
            "PE_TEST_NO_SUCH_VAR is not set");
  auto both = config_errors(cfg("password = \"x\"\npassword_env = \"PE_TEST_SECRET_VAR\""));
  ASSERT_EQ(both.size(), 1u);
  EXPECT_NE(both[0].find("give the secret one way only"), std::string::npos);

  ASSERT_EQ(::chmod(file.c_str(), 0644), 0);
  auto open = config_errors(cfg("password_file = \"" + file + "\""));
  ASSERT_EQ(open.size(), 1u);
  EXPECT_NE(open[0].find("readable by everyone"), std::string::npos) << open[0];
}

TEST(ConfigLoader, AuthTokensFromFilesAndEnvironment) {
  std::string file = testing::TempDir() + "/pe_tokens_test";
  { std::ofstream(file) << "# comment\ntoken-from-file-1\n\ntoken-from-file-2\n"; }
  ::setenv("PE_TEST_TOKEN", "token-from-env-1", 1);
  LoadResult r = load_config_text(
      "[auth]\nbearer_token_files = [\"" + file + "\"]\nbearer_token_env = [\"PE_TEST_TOKEN\"]\n",
      "t.toml", overrides());
  ASSERT_TRUE(r.config);
  std::vector<std::string> tokens;
  for (const auto& t : r.config->auth.tokens) tokens.push_back(t.token);
  EXPECT_EQ(tokens, (std::vector<std::string>{"token-from-file-1", "token-from-file-2",
                                              "token-from-env-1"}));
  auto short_token = load_errors("[auth]\nbearer_tokens = [\"short\"]\n");
  ASSERT_EQ(short_token.size(), 1u);
  EXPECT_NE(short_token[0].find("shorter than 16"), std::string::npos);
}

// Issue 16 item 6: errors in the host's part do not hide the plugins' checks
// of their sections, and an unknown plugin does not hide another collector's.
TEST(ConfigLoader, AllProblemsInOnePass) {
  auto e = config_errors(R"([[collector]]
name = "a"
plugin = "hello"
timout = "1s"
[collector.config]
value = "x"

[[collector]]
name = "b"
plugin = "nosuchplugin"

[[collector]]
name = "c"
plugin = "script"
[collector.config]
command = ["/bin/true"]
[[collector.config.parameter]]
name = "p"
regex = "(unclosed"
env = "P"
)");
  ASSERT_EQ(e.size(), 4u) << ::testing::PrintToString(e);
  EXPECT_EQ(e[0], "t.toml:4:10: collector[0].timout: unknown key");
  EXPECT_EQ(e[1], "t.toml:6:9: collector[0].config.value: expected a number, got a string");
  EXPECT_EQ(e[2].rfind("t.toml:10:10: collector[1].plugin: unknown plugin", 0), 0u) << e[2];
  // Item 11: at the regex key, not at the [[collector.config.parameter]] header.
  EXPECT_EQ(e[3].rfind("t.toml:19:9: collector[2].config.parameter[0].regex: invalid regex", 0), 0u)
      << e[3];
}

// Issue 16 item 7: ports beyond 16 bits and non-numeric ports are refused at
// load, located; so is a malformed --web.listen-address.
TEST(ConfigLoader, ListenAddressesAreChecked) {
  auto e = load_errors(
      "[web]\nlisten_addresses = [\"127.0.0.1:9100\", \":85535\", \"[::1]:http\", \"::1:80\"]\n");
  ASSERT_EQ(e.size(), 3u) << ::testing::PrintToString(e);
  EXPECT_EQ(e[0],
            "t.toml:2:39: web.listen_addresses[1]: port 85535 of \":85535\" is out of range "
            "(0-65535)");
  EXPECT_EQ(e[1],
            "t.toml:2:49: web.listen_addresses[2]: port \"http\" of \"[::1]:http\" is not a "
            "number");
  EXPECT_EQ(e[2].rfind("t.toml:2:63: web.listen_addresses[3]: \"::1:80\" is not an address", 0), 0u)
      << e[2];
  e = load_errors("[[web.listener]]\naddress = \"localhost:99999\"\n");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].rfind("t.toml:2:11: web.listener[0].address: port 99999", 0), 0u) << e[0];
  LoadResult r = load_config_text("", "t.toml", ConfigOverrides{{":65536"}, PE_PLUGIN_DIR});
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].to_string(),
            "--web.listen-address: port 65536 of \":65536\" is out of range (0-65535)");
  EXPECT_TRUE(
      load_errors("[web]\nlisten_addresses = [\":0\", \"[::1]:65535\", \"h:1\"]\n").empty());
}

TEST(ConfigLoader, ConfigFileMustBeAFileOfBoundedSize) {
  std::string dir = testing::TempDir();
  LoadResult r = load_config_file(dir, overrides());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find("is a directory"), std::string::npos);
  EXPECT_FALSE(r.config);
  r = load_config_file("/dev/zero", overrides());  // endless: refused after 16 MiB
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].to_string(), "/dev/zero: the configuration file is larger than 16 MiB");
  std::string big = dir + "/pe_big_config.toml";
  {
    std::ofstream out(big);
    out << "# " << std::string(kMaxConfigFileBytes, 'x') << "\n";
  }
  r = load_config_file(big, overrides());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find("larger than 16 MiB"), std::string::npos);
  std::remove(big.c_str());
}

TEST(ConfigLoader, CollectorNamesCannotLeaveTheStateDirectory) {
  for (const char* name : {".", "..", "a/b"}) {
    auto e =
        load_errors(std::string("[[collector]]\nname = \"") + name + "\"\nplugin = \"hello\"\n");
    ASSERT_EQ(e.size(), 1u) << name;
    EXPECT_EQ(e[0].rfind("t.toml:2:8: collector[0].name: collector names use letters", 0), 0u)
        << e[0];
  }
  EXPECT_TRUE(load_errors("[[collector]]\nname = \"a.b\"\nplugin = \"hello\"\n").empty());
}

// With state_dir, <state_dir>/<collector name> must not be one of the
// exporter's own entries there.
TEST(ConfigLoader, CollectorNamesCannotTakeTheExportersStateEntries) {
  for (const char* name : {"dialin", "remote_write", "quarantine", "crash-record"}) {
    auto e = load_errors(std::string("state_dir = \"/tmp/s\"\n[[collector]]\nname = \"") + name +
                         "\"\nplugin = \"hello\"\n");
    ASSERT_EQ(e.size(), 1u) << name;
    EXPECT_NE(e[0].find("t.toml:3:8: collector[0].name: \"" + std::string(name) +
                        "\" is taken in state_dir"),
              std::string::npos)
        << e[0];
    // Without state_dir nothing is shared.
    EXPECT_TRUE(
        load_errors(std::string("[[collector]]\nname = \"") + name + "\"\nplugin = \"hello\"\n")
            .empty())
        << name;
  }
}

// Two push collectors with the same routes fail --check-config, not the start.
TEST(ConfigLoader, RouteClashIsFoundByCheckConfig) {
  auto e = config_errors(
      "[[collector]]\nname = \"p1\"\nplugin = \"push\"\n"
      "[[collector]]\nname = \"p2\"\nplugin = \"push\"\n[collector.config]\n");
  ASSERT_EQ(e.size(), 1u) << ::testing::PrintToString(e);
  EXPECT_NE(e[0].find("collector[1].config: registers the HTTP route PUT /metrics/job, already "
                      "served by collector \"p1\""),
            std::string::npos)
      << e[0];
  EXPECT_TRUE(config_errors("[[collector]]\nname = \"p1\"\nplugin = \"push\"\n"
                            "[[collector]]\nname = \"p2\"\nplugin = \"push\"\n[collector.config]\n"
                            "path_prefix = \"/second\"\n")
                  .empty());
}

// Item 11: a missing password file is one error, not two.
TEST(ConfigLoader, MissingPasswordFileIsReportedOnce) {
  auto e = config_errors(
      "[[collector]]\nname = \"pg\"\nplugin = \"postgres\"\n[collector.config]\n"
      "host = \"127.0.0.1\"\npassword_file = \"/nonexistent/pe-password\"\n");
  ASSERT_EQ(e.size(), 1u) << ::testing::PrintToString(e);
  EXPECT_EQ(e[0].rfind("t.toml:6:17: collector[0].config.password_file: ", 0), 0u) << e[0];
}

// issue 16/8: a listener's max_connections = 0 means "no cap of its own", as
// documented; the serving core's settings are range-checked.
TEST(ConfigLoader, ConnectionSettingsAgreeWithTheDocs) {
  LoadResult r = load_config_text(
      "[web]\nmax_connections = 100\nmax_connections_per_client = 0\nmax_header_bytes = 4096\n"
      "[[web.listener]]\naddress = \"127.0.0.1:0\"\nmax_connections = 0\n",
      "t.toml", overrides());
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].to_string();
  EXPECT_EQ(r.config->web.max_connections, 100u);
  EXPECT_EQ(r.config->web.max_connections_per_client, 0u);
  EXPECT_EQ(r.config->web.max_header_bytes, 4096u);
  EXPECT_FALSE(r.config->web.max_body_bytes_explicit);
  auto e = load_errors("[web]\nmax_connections = 0\nmax_header_bytes = 10\n");
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].rfind("t.toml:2:19: web.max_connections: must be between 1 and 1000000", 0), 0u)
      << e[0];
  EXPECT_EQ(e[1].rfind("t.toml:3:20: web.max_header_bytes: must be between 1024", 0), 0u) << e[1];
}

TEST(ConfigLoader, OnCrashIsQuarantineOrIsolateWithADefault) {
  LoadResult r = load_config_text(
      "[defaults]\non_crash = \"isolate\"\n"
      "[[collector]]\nname = \"a\"\nplugin = \"hello\"\n"
      "[[collector]]\nname = \"b\"\nplugin = \"hello\"\non_crash = \"quarantine\"\n"
      "[[collector]]\nname = \"c\"\nplugin = \"hello\"\nisolation = \"process\"\n"
      "on_crash = \"isolate\"\n",
      "t.toml", overrides());
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].to_string();
  ASSERT_EQ(r.config->collectors.size(), 3u);
  EXPECT_TRUE(r.config->collectors[0].isolate_on_crash);   // from [defaults]
  EXPECT_FALSE(r.config->collectors[1].isolate_on_crash);  // its own key wins
  EXPECT_TRUE(r.config->collectors[2].isolate_on_crash);   // accepted isolated (no effect)
  EXPECT_FALSE(r.config->collectors[0].demoted);
  EXPECT_FALSE(load_config_text("[[collector]]\nname = \"a\"\nplugin = \"hello\"\n", "t.toml",
                                overrides())
                   .config->collectors[0]
                   .isolate_on_crash);  // default: quarantine

  auto e = load_errors(
      "[defaults]\non_crash = \"restart\"\n"
      "[[collector]]\nname = \"a\"\nplugin = \"hello\"\non_crash = 1\n");
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0],
            "t.toml:2:12: defaults.on_crash: is \"quarantine\" or \"isolate\", not \"restart\"");
  EXPECT_EQ(e[1].rfind("t.toml:6:12: collector[0].on_crash: expected a string", 0), 0u) << e[1];
}
