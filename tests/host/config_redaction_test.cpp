// config_redaction_test.cpp — /configz shows the effective configuration with
// every secret redacted: plugin-declared secrets, secret-like key names,
// passwords inside URLs and conninfo strings.
#include "config/config_redaction.hpp"

#include <gtest/gtest.h>

#include "collect/collector_factory.hpp"
#include "config/config_document.hpp"
#include "config/config_loader.hpp"
#include "config/effective_config.hpp"

using namespace pe::host;

TEST(ConfigRedaction, SecretsNeverAppear) {
  std::string text = std::string(R"([auth]
bearer_tokens = ["super-secret-token-1"]

[[collector]]
name = "a"
plugin = ")") + PE_TEST_PLUGIN_DIR +
                     R"(/test_source.so"
[collector.config]
password = "plugin-secret-value"
behaviour = "ok"

[[collector]]
name = "b"
plugin = "hello"
labels = { dsn = "postgres://user:pw-in-url@db:5432/x", conn = "host=db password=pw-in-conninfo user=u" }
)";
  LoadResult r = load_config_text(text, "t.toml", ConfigOverrides{{}, PE_PLUGIN_DIR});
  ASSERT_TRUE(r.config);
  CreatedCollectors c = create_collectors(*r.config, true);
  ASSERT_TRUE(c.errors.empty()) << c.errors[0].to_string();
  std::string json = redacted_config_json(*r.config->document);
  for (const char* secret :
       {"super-secret-token-1", "plugin-secret-value", "pw-in-url", "pw-in-conninfo"})
    EXPECT_EQ(json.find(secret), std::string::npos) << secret << " in " << json;
  EXPECT_NE(json.find("<redacted>"), std::string::npos);
  EXPECT_NE(json.find("\"behaviour\""), std::string::npos) << json;
  EXPECT_NE(json.find("postgres://user:<redacted>@db:5432/x"), std::string::npos) << json;
}

// Issue 16 item 9: /configz shows the effective configuration — defaults the
// file left out, command-line overrides — with secrets still redacted.
TEST(ConfigRedaction, EffectiveConfigurationHasDefaultsAndOverrides) {
  std::string text = R"([web]
listen_addresses = ["127.0.0.1:1"]
[auth]
bearer_tokens = ["super-secret-token-1"]
[[collector]]
name = "a"
plugin = "hello"
)";
  LoadResult r =
      load_config_text(text, "t.toml", ConfigOverrides{{"127.0.0.1:2345"}, PE_PLUGIN_DIR});
  ASSERT_TRUE(r.config);
  std::string json = effective_config_json(*r.config);
  for (const char* expected :
       {"\"telemetry_path\" : \"/metrics\"", "\"header_timeout\" : \"10s\"",
        "\"scrape_timeout_offset\" : \"500ms\"", "\"shutdown_grace\" : \"10s\"",
        "\"timeout\" : \"10s\"", "\"max_samples\" : 5000000", "\"127.0.0.1:2345\"",
        "\"plugin_dir\" : \"" PE_PLUGIN_DIR "\"",
        "\"plugin_file\" : \"" PE_PLUGIN_DIR "/hello.so\""})
    EXPECT_NE(json.find(expected), std::string::npos) << expected << " not in " << json;
  EXPECT_EQ(json.find("127.0.0.1:1\""), std::string::npos) << "the flag replaces the file's";
  EXPECT_EQ(json.find("super-secret-token-1"), std::string::npos) << json;
  EXPECT_NE(json.find("<redacted>"), std::string::npos);
}
