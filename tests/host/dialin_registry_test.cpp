// dialin_registry_test.cpp — the hub's registry (alias bound to its token,
// replacement by the same token, expiry after a disconnect, max_agents) and
// its token check (constant-time, unknown ids and wrong secrets alike).
#include <gtest/gtest.h>

#include "auth/sha256.hpp"
#include "dialin/agent_registry.hpp"
#include "dialin/agent_tokens.hpp"

namespace pe::host::dialin {
namespace {

using namespace std::chrono_literals;

struct FakeLink : AgentLink {
  int replaced_count = 0;
  void replaced() override { ++replaced_count; }
  void scrape(ScrapeRequest, std::function<void(ScrapeReply)> done) override { done({}); }
};

Hello hello(const std::string& alias) {
  Hello h;
  h.alias = alias;
  h.hostname = "host";
  return h;
}

TEST(AgentRegistry, AliasIsBoundToItsToken) {
  AgentRegistry reg(10min, 100);
  auto now = AgentRegistry::Clock::now();
  auto a = std::make_shared<FakeLink>();
  auto b = std::make_shared<FakeLink>();
  EXPECT_EQ(reg.claim(hello("edge"), "t1", "p", a, now), AgentRegistry::ClaimResult::accepted);
  EXPECT_EQ(reg.claim(hello("edge"), "t2", "p", b, now), AgentRegistry::ClaimResult::alias_taken);
  // Still bound while listed disconnected.
  reg.disconnected("edge", a.get(), now);
  EXPECT_EQ(reg.claim(hello("edge"), "t2", "p", b, now + 1min),
            AgentRegistry::ClaimResult::alias_taken);
  // After the expiry another token may have it.
  EXPECT_EQ(reg.claim(hello("edge"), "t2", "p", b, now + 11min),
            AgentRegistry::ClaimResult::accepted);
}

TEST(AgentRegistry, SameTokenReplacesTheOldConnection) {
  AgentRegistry reg(10min, 100);
  auto now = AgentRegistry::Clock::now();
  auto a = std::make_shared<FakeLink>();
  auto b = std::make_shared<FakeLink>();
  reg.claim(hello("edge"), "t1", "p", a, now);
  EXPECT_EQ(reg.claim(hello("edge"), "t1", "p", b, now), AgentRegistry::ClaimResult::accepted);
  EXPECT_EQ(a->replaced_count, 1);
  EXPECT_EQ(reg.connected(), 1u);
  // The replaced connection closing later changes nothing.
  reg.disconnected("edge", a.get(), now);
  bool known = false;
  EXPECT_EQ(reg.link_of("edge", known, now), b);
  EXPECT_EQ(reg.connected(), 1u);
}

TEST(AgentRegistry, DisconnectedAgentsStayListedUntilExpiry) {
  AgentRegistry reg(5min, 100);
  auto now = AgentRegistry::Clock::now();
  auto a = std::make_shared<FakeLink>();
  reg.claim(hello("edge"), "t1", "p", a, now);
  reg.disconnected("edge", a.get(), now);
  bool known = false;
  EXPECT_EQ(reg.link_of("edge", known, now + 1min), nullptr);
  EXPECT_TRUE(known);
  ASSERT_EQ(reg.snapshot(now + 1min).size(), 1u);
  EXPECT_FALSE(reg.snapshot(now + 1min)[0].connected);
  EXPECT_EQ(reg.connected(), 0u);
  EXPECT_TRUE(reg.snapshot(now + 5min).empty());
  reg.link_of("edge", known, now + 5min);
  EXPECT_FALSE(known);
}

TEST(AgentRegistry, CountsScrapesPerAgentWithoutAListedChange) {
  AgentRegistry reg(5min, 100);
  auto now = AgentRegistry::Clock::now();
  auto a = std::make_shared<FakeLink>();
  reg.claim(hello("edge"), "t1", "p", a, now);
  const uint64_t version = reg.version();
  reg.scraped("edge", 200, "");
  reg.scraped("edge", 504, "HTTP 504: timeout");
  reg.scraped("nobody", 200, "");     // unknown: nothing happens
  EXPECT_EQ(reg.version(), version);  // the state file is not rewritten per scrape
  auto entries = reg.snapshot(now);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].scrapes_ok, 1u);
  EXPECT_EQ(entries[0].scrapes_failed, 1u);
  EXPECT_EQ(entries[0].last_scrape_status, 504);
  EXPECT_EQ(entries[0].last_scrape_error, "HTTP 504: timeout");
  EXPECT_NE(entries[0].last_scrape, std::chrono::system_clock::time_point{});
  reg.scraped("edge", 200, "ignored on success");
  entries = reg.snapshot(now);
  EXPECT_EQ(entries[0].last_scrape_error, "");
  EXPECT_EQ(entries[0].last_scrape_status, 200);
  // The counts outlive a reconnect of the same agent.
  reg.claim(hello("edge"), "t1", "p", std::make_shared<FakeLink>(), now);
  EXPECT_EQ(reg.snapshot(now)[0].scrapes_ok, 2u);
}

TEST(AgentRegistry, MaxAgents) {
  AgentRegistry reg(1min, 2);
  auto now = AgentRegistry::Clock::now();
  auto a = std::make_shared<FakeLink>();
  EXPECT_EQ(reg.claim(hello("a"), "t", "p", a, now), AgentRegistry::ClaimResult::accepted);
  EXPECT_EQ(reg.claim(hello("b"), "t", "p", a, now), AgentRegistry::ClaimResult::accepted);
  EXPECT_EQ(reg.claim(hello("c"), "t", "p", a, now), AgentRegistry::ClaimResult::too_many_agents);
  reg.disconnected("a", a.get(), now);
  EXPECT_EQ(reg.claim(hello("c"), "t", "p", a, now + 2min), AgentRegistry::ClaimResult::accepted);
}

TEST(AgentTokens, VerifiesIdAndSecret) {
  DialinToken t{"edge", sha256("s3cret-s3cret-s3cret"), {"*"}};
  AgentTokens tokens({t});
  ASSERT_NE(tokens.verify("edge.s3cret-s3cret-s3cret"), nullptr);
  EXPECT_EQ(tokens.verify("edge.s3cret-s3cret-s3creT"), nullptr);
  EXPECT_EQ(tokens.verify("other.s3cret-s3cret-s3cret"), nullptr);
  EXPECT_EQ(tokens.verify("s3cret-s3cret-s3cret"), nullptr);
  EXPECT_EQ(tokens.verify("edge."), nullptr);
  EXPECT_EQ(tokens.verify(""), nullptr);
}

TEST(AgentTokens, ClientCertificatesAreIdentitiesWithoutASecret) {
  DialinToken t{"edge", sha256("s3cret-s3cret-s3cret"), {"edge-*"}};
  AgentTokens tokens({t}, {DialinClient{"box-7.example", {"box-7"}, true},
                           DialinClient{"box-8.example", {"box-8"}, false}});
  // The first configured entry whose SAN the certificate carries.
  const DialinToken* c = tokens.verify_certificate({"other.example", "box-8.example"});
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->id, "cert:box-8.example");
  EXPECT_TRUE(token_allows_alias(*c, "box-8"));
  EXPECT_FALSE(token_allows_alias(*c, "box-7"));
  EXPECT_EQ(tokens.verify_certificate({"box-8.example", "box-7.example"})->id,
            "cert:box-7.example");
  EXPECT_EQ(tokens.verify_certificate({}), nullptr);
  EXPECT_EQ(tokens.verify_certificate({"edge"}), nullptr);  // a token id is no SAN
  EXPECT_TRUE(tokens.any_merge());
  // The registry file names clients by their id; a token never proves one.
  ASSERT_NE(tokens.find("cert:box-7.example"), nullptr);
  EXPECT_EQ(tokens.verify("cert:box-7.example"), nullptr);
  EXPECT_EQ(tokens.verify("cert:box-7.x"), nullptr);
  EXPECT_EQ(tokens.verify(""), nullptr);
}

TEST(AgentRegistry, CertificateAndTokenCannotTakeEachOthersAlias) {
  AgentRegistry reg(10min, 100);
  auto now = AgentRegistry::Clock::now();
  auto a = std::make_shared<FakeLink>(), b = std::make_shared<FakeLink>();
  EXPECT_EQ(reg.claim(hello("box-7"), "cert:box-7.example", "p", a, now),
            AgentRegistry::ClaimResult::accepted);
  EXPECT_EQ(reg.claim(hello("box-7"), "edge", "p", b, now),
            AgentRegistry::ClaimResult::alias_taken);
  EXPECT_EQ(reg.claim(hello("edge-1"), "edge", "p", b, now), AgentRegistry::ClaimResult::accepted);
  EXPECT_EQ(reg.claim(hello("edge-1"), "cert:box-7.example", "p", a, now),
            AgentRegistry::ClaimResult::alias_taken);
}

TEST(AgentTokens, AliasPatterns) {
  DialinToken t{"x", "", {"edge-*", "box"}};
  EXPECT_TRUE(token_allows_alias(t, "edge-1"));
  EXPECT_TRUE(token_allows_alias(t, "box"));
  EXPECT_FALSE(token_allows_alias(t, "box2"));
  EXPECT_FALSE(token_allows_alias(t, "edg"));
  EXPECT_TRUE(token_allows_alias(DialinToken{"y", "", {"*"}}, "anything"));
}

}  // namespace
}  // namespace pe::host::dialin
