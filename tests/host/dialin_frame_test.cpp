// dialin_frame_test.cpp — the dial-in frame codec: every frame round-trips,
// responses carry binary bodies unchanged, and malformed or oversized input
// is refused with a message saying what is wrong.
#include "dialin/dialin_frame.hpp"

#include <gtest/gtest.h>

namespace pe::host::dialin {
namespace {

Frame round_trip(const Frame& f) {
  EncodedFrame e = encode_frame(f);
  std::string error;
  auto back = decode_frame(e.bytes, e.binary, error);
  EXPECT_TRUE(back) << error;
  return back ? *back : Frame{};
}

TEST(DialinFrame, HelloWithoutATokenLeavesItOut) {
  // An agent identified by its client certificate sends no token.
  Hello h;
  h.alias = "box-7";
  EncodedFrame e = encode_frame(h);
  EXPECT_EQ(e.bytes.find("token"), std::string::npos) << e.bytes;
  auto back = std::get<Hello>(round_trip(h));
  EXPECT_EQ(back.token, "");
  EXPECT_EQ(back.alias, "box-7");
}

TEST(DialinFrame, HelloRoundTrips) {
  Hello h;
  h.token = "a1.s3cr3t";
  h.alias = "edge-1";
  h.hostname = "box.example";
  h.service = "node";
  h.labels = {{"rack", "r\"1"}, {"zone", "eu"}};
  EncodedFrame e = encode_frame(h);
  EXPECT_FALSE(e.binary);
  auto back = std::get<Hello>(round_trip(h));
  EXPECT_EQ(back.token, h.token);
  EXPECT_EQ(back.alias, h.alias);
  EXPECT_EQ(back.hostname, h.hostname);
  EXPECT_EQ(back.service, h.service);
  EXPECT_EQ(back.labels, h.labels);
}

TEST(DialinFrame, ScrapeAndReplyRoundTrip) {
  ScrapeRequest s;
  s.id = 42;
  s.timeout_s = 9.5;
  s.accept = "application/openmetrics-text";
  s.accept_encoding = "gzip";
  s.collectors = {"db", "node"};
  auto back = std::get<ScrapeRequest>(round_trip(s));
  EXPECT_EQ(back.id, 42u);
  EXPECT_DOUBLE_EQ(back.timeout_s, 9.5);
  EXPECT_EQ(back.accept, s.accept);
  EXPECT_EQ(back.collectors, s.collectors);

  ScrapeReply r;
  r.id = 42;
  r.status = 200;
  r.headers = {{"Content-Encoding", "gzip"}, {"Content-Type", "text/plain"}};
  r.body = std::string("\x1f\x8b\0\xff binary", 11);
  EncodedFrame e = encode_frame(r);
  EXPECT_TRUE(e.binary);
  auto reply = std::get<ScrapeReply>(round_trip(r));
  EXPECT_EQ(reply.body, r.body);
  EXPECT_EQ(reply.headers, r.headers);
  EXPECT_EQ(reply.status, 200);
}

TEST(DialinFrame, AcceptedAndRefusedRoundTrip) {
  EXPECT_EQ(std::get<Accepted>(round_trip(Accepted{"x"})).alias, "x");
  auto r = std::get<Refused>(round_trip(Refused{409, "alias_taken", "bound to another token"}));
  EXPECT_EQ(r.code, 409);
  EXPECT_EQ(r.reason, "alias_taken");
}

std::string error_of(std::string_view message, bool binary, FrameLimits limits = {}) {
  std::string error;
  EXPECT_FALSE(decode_frame(message, binary, error, limits));
  return error;
}

TEST(DialinFrame, RefusesBadInputWithAReason) {
  EXPECT_NE(error_of("[1]", false).find("JSON object"), std::string::npos);
  EXPECT_NE(error_of("{", false).find("not JSON"), std::string::npos);
  EXPECT_NE(error_of(R"({"type":"nope"})", false).find("unknown frame type"), std::string::npos);
  EXPECT_NE(error_of(R"({"type":"hello","version":1,"token":7,"alias":"a"})", false).find("token"),
            std::string::npos);
  EXPECT_NE(
      error_of(R"({"type":"hello","version":1,"token":"t","alias":"../x"})", false).find("alias"),
      std::string::npos);
  EXPECT_NE(
      error_of(R"({"type":"hello","version":1,"token":"t","alias":"a","labels":{"instance":"x"}})",
               false)
          .find("reserved"),
      std::string::npos);
  EXPECT_NE(
      error_of(R"({"type":"hello","version":1,"token":"t","alias":"a","labels":{"k":"1","k":"2"}})",
               false)
          .find("twice"),
      std::string::npos);
  EXPECT_NE(error_of(R"({"type":"scrape","id":-1,"timeout_s":1})", false).find("id must be"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"type":"scrape","id":1,"timeout_s":0})", false).find("timeout_s"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"type":"scrape","id":9007199254740992,"timeout_s":1})", false)
                .find("id must be"),
            std::string::npos);
  // A response must be binary, everything else text.
  EXPECT_NE(error_of(R"({"type":"response","id":1,"status":200})", false).find("binary"),
            std::string::npos);
  EXPECT_NE(error_of(std::string("\0\0\0\x05{}", 6), true).find("exceeds the message"),
            std::string::npos);
  EXPECT_NE(error_of("ab", true).find("shorter"), std::string::npos);
  FrameLimits small;
  small.max_message_bytes = 10;
  EXPECT_NE(error_of(std::string(11, ' '), false, small).find("exceeds the limit"),
            std::string::npos);
}

TEST(DialinFrame, NamesTheProtocolRestricts) {
  EXPECT_TRUE(valid_alias("edge-1.example_2"));
  EXPECT_FALSE(valid_alias(""));
  EXPECT_FALSE(valid_alias(".hidden"));
  EXPECT_FALSE(valid_alias("a/b"));
  EXPECT_FALSE(valid_alias(std::string(129, 'a')));
  EXPECT_TRUE(valid_agent_label_name("rack"));
  EXPECT_FALSE(valid_agent_label_name("__meta"));
  EXPECT_FALSE(valid_agent_label_name("instance"));
  EXPECT_FALSE(valid_agent_label_name("1abc"));
}

}  // namespace
}  // namespace pe::host::dialin
