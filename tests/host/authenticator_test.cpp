// authenticator_test.cpp — identities and their roles: bearer tokens
// (constant time, every token compared), basic auth against bcrypt hashes
// as htpasswd writes them (cached), unknown users, client certificate SANs,
// and authentication off when nothing is configured.
#include "auth/authenticator.hpp"

#include <gtest/gtest.h>

#include "auth/constant_time.hpp"

using namespace pe::host;

namespace {

// htpasswd -nbBC 4 "" test-password
const char* kHash = "$2y$04$ZY73JOs4OjzUghby7OWNBuMUygjOvD5CUkbfBcVlOfp9sTJcbLuGS";

std::string basic(const std::string& user_password) {
  static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  const auto& s = user_password;
  for (; i + 2 < s.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(s[i]) << 16) |
                 (static_cast<unsigned char>(s[i + 1]) << 8) | static_cast<unsigned char>(s[i + 2]);
    for (int k = 18; k >= 0; k -= 6) out += table[(v >> k) & 63];
  }
  if (i < s.size()) {
    unsigned v = static_cast<unsigned char>(s[i]) << 16;
    if (i + 1 < s.size()) v |= static_cast<unsigned char>(s[i + 1]) << 8;
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += i + 1 < s.size() ? table[(v >> 6) & 63] : '=';
    out += '=';
  }
  return "Basic " + out;
}

AuthConfig config() {
  AuthConfig c;
  c.tokens.push_back({"scraper", "scrape-token-0123456789", RoleSet().with(Role::scrape)});
  c.tokens.push_back({"ci", "push-token-0123456789ab", RoleSet().with(Role::push)});
  c.users.push_back({"prometheus", kHash, RoleSet().with(Role::scrape)});
  c.certificates.push_back({"admin.example", RoleSet::all()});
  return c;
}

}  // namespace

TEST(Authenticator, OffWhenNothingIsConfigured) {
  Authenticator auth(AuthConfig{});
  EXPECT_FALSE(auth.enabled());
  auto id = auth.authenticate("", {});
  ASSERT_TRUE(id);
  EXPECT_TRUE(id->roles.has(Role::admin));
}

TEST(Authenticator, BearerTokensCarryTheirRoles) {
  Authenticator auth(config());
  auto scraper = auth.authenticate("Bearer scrape-token-0123456789", {});
  ASSERT_TRUE(scraper);
  EXPECT_EQ(scraper->name, "token:scraper");
  EXPECT_TRUE(scraper->roles.has(Role::scrape));
  EXPECT_FALSE(scraper->roles.has(Role::push));
  auto ci = auth.authenticate("bearer   push-token-0123456789ab ", {});
  ASSERT_TRUE(ci);
  EXPECT_EQ(ci->roles.to_string(), "push");
  for (const char* bad : {"", "Bearer", "Bearer push-token-0123456789a",
                          "Bearerpush-token-0123456789ab", "Token push-token-0123456789ab"})
    EXPECT_FALSE(auth.authenticate(bad, {})) << bad;
}

TEST(Authenticator, BasicAuthAgainstBcrypt) {
  Authenticator auth(config());
  auto id = auth.authenticate(basic("prometheus:test-password"), {});
  ASSERT_TRUE(id);
  EXPECT_EQ(id->name, "user:prometheus");
  EXPECT_EQ(id->roles.to_string(), "scrape");
  EXPECT_TRUE(auth.authenticate(basic("prometheus:test-password"), {}));  // cached path
  EXPECT_FALSE(auth.authenticate(basic("prometheus:wrong"), {}));
  EXPECT_FALSE(auth.authenticate(basic("nobody:test-password"), {}));
  EXPECT_FALSE(auth.authenticate(basic("prometheus"), {}));  // no colon
  EXPECT_FALSE(auth.authenticate("Basic !!!notbase64", {}));
  EXPECT_EQ(auth.challenge(), "Basic realm=\"plugin_exporter\", charset=\"UTF-8\"");
}

TEST(Authenticator, ClientCertificateSans) {
  Authenticator auth(config());
  auto id = auth.authenticate("", {"other.example", "admin.example"});
  ASSERT_TRUE(id);
  EXPECT_EQ(id->name, "cert:admin.example");
  EXPECT_TRUE(id->roles.has(Role::admin));
  EXPECT_FALSE(auth.authenticate("", {"unknown.example"}));
}

TEST(BcryptVerifier, RecognisesHashes) {
  EXPECT_TRUE(BcryptVerifier::valid_hash(kHash));
  EXPECT_EQ(BcryptVerifier::cost_of(kHash), 4);
  EXPECT_FALSE(BcryptVerifier::valid_hash("$1$abc$def"));
  EXPECT_FALSE(BcryptVerifier::valid_hash("plain"));
  BcryptVerifier v;
  EXPECT_TRUE(v.verify("u", kHash, "test-password"));
  EXPECT_FALSE(v.verify("u", kHash, "test-passwore"));
  EXPECT_FALSE(v.reject_unknown("x", 4));
}

TEST(ConstantTime, IsEquality) {
  EXPECT_TRUE(constant_time_equals("", ""));
  EXPECT_TRUE(constant_time_equals("abc", "abc"));
  EXPECT_FALSE(constant_time_equals("abc", "abd"));
  EXPECT_FALSE(constant_time_equals("abc", "ab"));
  EXPECT_FALSE(constant_time_equals(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
}
