// dialin_config_test.cpp — [dialin] and [agent]: defaults, every value read,
// and errors located at file:line:column with their key path.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "auth/sha256.hpp"
#include "config/config_loader.hpp"

using namespace pe::host;
using namespace std::chrono_literals;

namespace {

LoadResult load(const std::string& text) {
  return load_config_text("[web]\nlisten_addresses = [\"127.0.0.1:0\"]\n" + text, "t.toml",
                          ConfigOverrides{{}, PE_PLUGIN_DIR});
}

std::string all_errors(const LoadResult& r) {
  std::string out;
  for (const auto& e : r.errors) out += e.to_string() + "\n";
  return out;
}

const std::string kHash(64, 'a');

}  // namespace

TEST(DialinConfig, ReadsTokensAndDefaults) {
  LoadResult r = load("[dialin]\n[[dialin.token]]\nid = \"t1\"\nsecret_sha256 = \"" + kHash +
                      "\"\naliases = [\"edge-*\"]\n[[dialin.token]]\nid = \"t2\"\n"
                      "secret = \"0123456789abcdef\"\naliases = [\"*\"]\n");
  ASSERT_TRUE(r.config) << all_errors(r);
  ASSERT_TRUE(r.config->dialin);
  const DialinConfig& d = *r.config->dialin;
  EXPECT_EQ(d.agent_expiry, 10min);
  EXPECT_EQ(d.max_in_flight, 16u);
  ASSERT_EQ(d.tokens.size(), 2u);
  EXPECT_EQ(d.tokens[0].secret_sha256, std::string(32, '\xaa'));
  EXPECT_EQ(d.tokens[1].secret_sha256, sha256("0123456789abcdef"));
}

TEST(DialinConfig, LocatedErrors) {
  std::string e =
      all_errors(load("[dialin]\nagent_expiry = \"-1s\"\n[[dialin.token]]\nid = \"t 1\"\n"
                      "secret_sha256 = \"xyz\"\naliases = [\"../x\"]\nbogus = 1\n"));
  EXPECT_NE(e.find("t.toml:6:6: dialin.token[0].id"), std::string::npos) << e;
  EXPECT_NE(e.find("dialin.token[0].secret_sha256: must be 64 hex digits"), std::string::npos) << e;
  EXPECT_NE(e.find("dialin.token[0].aliases"), std::string::npos) << e;
  EXPECT_NE(e.find("dialin.token[0].bogus: unknown key"), std::string::npos) << e;
  e = all_errors(load("[dialin]\n"));
  EXPECT_NE(e.find("at least one [[dialin.token]]"), std::string::npos) << e;
  e = all_errors(
      load("[dialin]\n[[dialin.token]]\nid = \"a\"\nsecret = \"short\"\naliases = [\"*\"]\n"
           "[[dialin.token]]\nid = \"a\"\nsecret_sha256 = \"" +
           kHash + "\"\naliases = [\"*\"]\n"));
  EXPECT_NE(e.find("at least 16 characters"), std::string::npos) << e;
  EXPECT_NE(e.find("used twice"), std::string::npos) << e;
}

TEST(DialinConfig, StateFileAndFileSd) {
  const std::string token =
      "[[dialin.token]]\nid = \"t1\"\nsecret_sha256 = \"" + kHash + "\"\naliases = [\"*\"]\n";
  const std::string dir = testing::TempDir();
  // No state_dir, no file_sd_path: nothing is written (the defaults).
  LoadResult r = load("[dialin]\n" + token);
  ASSERT_TRUE(r.config) << all_errors(r);
  EXPECT_EQ(r.config->dialin->state_file, "");
  EXPECT_EQ(r.config->dialin->file_sd_path, "");
  r = load_config_text(
      "state_dir = \"/var/lib/pe\"\n[web]\nlisten_addresses = [\"127.0.0.1:0\"]\n"
      "[dialin]\nsd_target = \"hub:9443\"\nfile_sd_path = \"" +
          dir + "/agents.json\"\n" + token,
      "t.toml", ConfigOverrides{{}, PE_PLUGIN_DIR});
  ASSERT_TRUE(r.config) << all_errors(r);
  EXPECT_EQ(r.config->dialin->state_file, "/var/lib/pe/dialin/agents.json");
  EXPECT_EQ(r.config->dialin->file_sd_path, dir + "/agents.json");
  std::string e = all_errors(load("[dialin]\nfile_sd_path = \"" + dir + "/sd.json\"\n" + token));
  EXPECT_NE(e.find("dialin.file_sd_path: needs sd_target"), std::string::npos) << e;
  e = all_errors(load("[dialin]\nsd_target = \"h:1\"\nfile_sd_path = \"" + dir +
                      "/no/such/dir/sd.json\"\n" + token));
  EXPECT_NE(e.find("does not exist"), std::string::npos) << e;
}

TEST(AgentConfig, ReadsHubsAndNeedsNoListener) {
  LoadResult r = load_config_text(
      "[web]\nlisten_addresses = []\n[agent]\nhubs = [\"wss://hub.example:9443/agents/connect\", "
      "\"wss://[::1]\"]\ntoken = \"id.secret\"\nalias = \"edge-1\"\nlabels = { zone = \"b\", "
      "app = \"a\" }\nhub_pin = \"sha256:" +
          kHash + "\"\n",
      "t.toml", ConfigOverrides{{}, PE_PLUGIN_DIR});
  ASSERT_TRUE(r.config) << all_errors(r);
  const AgentConfig& a = *r.config->agent;
  ASSERT_EQ(a.hubs.size(), 2u);
  EXPECT_EQ(a.hubs[0].host, "hub.example");
  EXPECT_EQ(a.hubs[0].port, "9443");
  EXPECT_EQ(a.hubs[1].host, "::1");
  EXPECT_EQ(a.hubs[1].port, "443");
  EXPECT_EQ(a.hubs[1].path, "/agents/connect");
  EXPECT_FALSE(a.hostname.empty());          // gethostname()
  EXPECT_EQ(a.labels.front().first, "app");  // sorted
  EXPECT_EQ(a.hub_pin.size(), 32u);
  EXPECT_EQ(a.ping_interval, 20s);
}

TEST(AgentConfig, LocatedErrors) {
  std::string e =
      all_errors(load("[agent]\nhubs = [\"https://x\"]\ntoken = \"nodot\"\n"
                      "alias = \"a/b\"\nlabels = { instance = \"x\" }\n"
                      "hub_pin = \"md5:00\"\n"));
  EXPECT_NE(e.find("agent.hubs: hub URL \"https://x\" must be a wss:// URL"), std::string::npos)
      << e;
  EXPECT_NE(e.find("agent.token: must be <id>.<secret>"), std::string::npos) << e;
  EXPECT_NE(e.find("agent.alias"), std::string::npos) << e;
  EXPECT_NE(e.find("reserved"), std::string::npos) << e;
  EXPECT_NE(e.find("agent.hub_pin"), std::string::npos) << e;
  e = all_errors(load("[agent]\nhubs = [\"wss://h\", \"wss://h\"]\nalias = \"a\"\n"));
  EXPECT_NE(e.find("hub URL \"wss://h\" is listed twice"), std::string::npos) << e;
  EXPECT_NE(e.find("missing the agent's token"), std::string::npos) << e;
}

namespace {

// A self-signed certificate and key in a temporary directory (openssl CLI).
struct KeyPairFiles {
  std::string dir = testing::TempDir() + "pe_dialin_config_" + std::to_string(::getpid());
  std::string cert = dir + "/cert.pem", key = dir + "/key.pem", other_key = dir + "/other.pem";
  KeyPairFiles() {
    std::filesystem::create_directories(dir);
    const std::string req =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=a "
        "-addext subjectAltName=DNS:box-7.example -days 1 ";
    EXPECT_EQ(std::system((req + "-keyout " + key + " -out " + cert + " >/dev/null 2>&1").c_str()),
              0);
    EXPECT_EQ(std::system(("openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:P-256 -out " +
                           other_key + " >/dev/null 2>&1")
                              .c_str()),
              0);
  }
  ~KeyPairFiles() { std::filesystem::remove_all(dir); }
};

}  // namespace

TEST(DialinConfig, ClientCertificatesBindAliasesOnAVerifyingListener) {
  KeyPairFiles files;
  const std::string listener =
      "[web]\nlisten_addresses = []\n[[web.listener]]\naddress = \"127.0.0.1:0\"\n"
      "[web.listener.tls]\ncert_file = \"" +
      files.cert + "\"\nkey_file = \"" + files.key + "\"\n";
  const std::string verifying = listener + "client_auth_type = \"VerifyClientCertIfGiven\"\n" +
                                "client_ca_file = \"" + files.cert + "\"\n";
  const std::string clients =
      "[dialin]\n[[dialin.client]]\nsan = \"box-7.example\"\naliases = [\"box-7\"]\n"
      "merge = true\n[[dialin.client]]\nsan = \"box-8.example\"\naliases = [\"box-8\"]\n";
  LoadResult r = load_config_text(verifying + clients, "t.toml", {{}, PE_PLUGIN_DIR});
  ASSERT_TRUE(r.config) << all_errors(r);
  const DialinConfig& d = *r.config->dialin;
  EXPECT_TRUE(d.tokens.empty());  // clients alone are enough
  ASSERT_EQ(d.clients.size(), 2u);
  EXPECT_EQ(d.clients[0].san, "box-7.example");
  EXPECT_TRUE(d.clients[0].merge);
  EXPECT_EQ(d.clients[1].aliases, std::vector<std::string>{"box-8"});
  // A listener that verifies no client certificate names nobody.
  std::string e = all_errors(load_config_text(listener + clients, "t.toml", {{}, PE_PLUGIN_DIR}));
  EXPECT_NE(e.find("dialin.client: [[dialin.client]] needs a TLS listener that verifies"),
            std::string::npos)
      << e;
  e = all_errors(load_config_text(verifying +
                                      "[dialin]\n[[dialin.client]]\nsan = \"\"\naliases = []\n"
                                      "[[dialin.client]]\naliases = [\"x\"]\n",
                                  "t.toml", {{}, PE_PLUGIN_DIR}));
  EXPECT_NE(e.find("dialin.client[0].san: must be 1 to 1024 bytes"), std::string::npos) << e;
  EXPECT_NE(e.find("dialin.client[0].aliases: must name at least one alias"), std::string::npos)
      << e;
  EXPECT_NE(e.find("dialin.client[1].san: missing required key"), std::string::npos) << e;
}

TEST(AgentConfig, ClientCertificateMakesTheTokenOptional) {
  KeyPairFiles files;
  const std::string head = "[web]\nlisten_addresses = []\n[agent]\nalias = \"box-7\"\n";
  LoadResult r = load_config_text(head + "hubs = [\"wss://hub:9443\"]\ncert_file = \"" +
                                      files.cert + "\"\nkey_file = \"" + files.key + "\"\n",
                                  "t.toml", {{}, PE_PLUGIN_DIR});
  ASSERT_TRUE(r.config) << all_errors(r);
  EXPECT_EQ(r.config->agent->token, "");
  EXPECT_EQ(r.config->agent->cert_file, files.cert);
  EXPECT_EQ(r.config->agent->key_file, files.key);
  std::string e = all_errors(
      load_config_text(head + "hubs = [\"wss://hub:9443\"]\ncert_file = \"" + files.cert + "\"\n",
                       "t.toml", {{}, PE_PLUGIN_DIR}));
  EXPECT_NE(e.find("agent.cert_file: cert_file and key_file go together"), std::string::npos) << e;
  e = all_errors(load_config_text(head + "hubs = [\"wss://hub:9443\"]\ncert_file = \"" +
                                      files.cert + "\"\nkey_file = \"" + files.other_key + "\"\n",
                                  "t.toml", {{}, PE_PLUGIN_DIR}));
  EXPECT_NE(e.find("key_file " + files.other_key), std::string::npos)
      << e;  // OpenSSL: key values mismatch
  e = all_errors(load_config_text(head + "hubs = [\"ws://hub:80\"]\ncert_file = \"" + files.cert +
                                      "\"\nkey_file = \"" + files.key + "\"\n",
                                  "t.toml", {{}, PE_PLUGIN_DIR}));
  EXPECT_NE(e.find("a client certificate needs wss:// hubs"), std::string::npos) << e;
  e = all_errors(load_config_text(head + "hubs = [\"wss://hub:9443\"]\ncert_file = \"" + files.dir +
                                      "/none.pem\"\nkey_file = \"" + files.key + "\"\n",
                                  "t.toml", {{}, PE_PLUGIN_DIR}));
  EXPECT_NE(e.find("agent.cert_file: cert_file " + files.dir + "/none.pem"), std::string::npos)
      << e;
}

TEST(AgentConfig, SessionSettingsCompareEverythingButTheHubs) {
  AgentConfig a;
  a.alias = "edge-1";
  AgentConfig b = a;
  b.hubs.push_back(AgentHub{"wss://h/agents/connect", true, "h", "443", "/agents/connect"});
  EXPECT_TRUE(same_session_settings(a, b));
  b.alias = "edge-2";
  EXPECT_FALSE(same_session_settings(a, b));
  b = a;
  b.labels = {{"site", "x"}};
  EXPECT_FALSE(same_session_settings(a, b));
  b = a;
  b.cert_file = "c.pem";
  EXPECT_FALSE(same_session_settings(a, b));
}
