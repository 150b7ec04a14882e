// grouping_key_test.cpp — decoding of pushgateway grouping-key paths
// (plain, percent-encoded, @base64, errors) and the URL helpers.
#include "store/grouping_key.hpp"

#include <gtest/gtest.h>

#include "store/url_codec.hpp"

namespace pe::push {
namespace {

GroupingKey decode_ok(std::string_view path) {
  GroupingKey k;
  std::string error;
  EXPECT_TRUE(decode_grouping_path(path, k, error)) << path << ": " << error;
  return k;
}

std::string decode_error(std::string_view path) {
  GroupingKey k;
  std::string error;
  EXPECT_FALSE(decode_grouping_path(path, k, error)) << path;
  return error;
}

TEST(GroupingKey, JobAndLabels) {
  GroupingKey k = decode_ok("/job/backup/instance/db1/zone/eu");
  ASSERT_EQ(k.labels.size(), 3u);
  EXPECT_EQ(k.job(), "backup");
  EXPECT_EQ(*k.find("instance"), "db1");
  EXPECT_EQ(*k.find("zone"), "eu");
  EXPECT_EQ(k.describe(), "{instance=\"db1\",job=\"backup\",zone=\"eu\"}");
}

TEST(GroupingKey, OrderDoesNotMatter) {
  EXPECT_EQ(decode_ok("/job/j/a/1/b/2").canonical, decode_ok("/job/j/b/2/a/1").canonical);
  EXPECT_NE(decode_ok("/job/j/a/1").canonical, decode_ok("/job/j/a/2").canonical);
  EXPECT_NE(decode_ok("/job/j").canonical, decode_ok("/job/j/instance/").canonical);
}

TEST(GroupingKey, Base64ValuesAndJob) {
  // Python's prometheus_client: a value with '/' is sent as name@base64/<urlsafe b64>.
  GroupingKey k = decode_ok("/job/j/path@base64/L3Zhci90bXA=");
  EXPECT_EQ(*k.find("path"), "/var/tmp");
  EXPECT_EQ(decode_ok("/job@base64/Zm9vL2Jhcg").job(), "foo/bar");
  EXPECT_EQ(*decode_ok("/job/j/empty@base64/=").find("empty"), "");
  EXPECT_EQ(*decode_ok("/job/j/x@base64/Pz4_").find("x"), "?>?");  // URL-safe alphabet
}

TEST(GroupingKey, PercentDecodingPerSegment) {
  EXPECT_EQ(*decode_ok("/job/j/path/a%2Fb").find("path"), "a/b");
  EXPECT_EQ(decode_ok("/job/my%20job").job(), "my job");
}

TEST(GroupingKey, Errors) {
  EXPECT_EQ(decode_error("/job/j/a"), "odd number of components in label string \"/a\"");
  EXPECT_EQ(decode_error("/job/"), "job name is required");
  EXPECT_EQ(decode_error("/job"), "job name is required");
  EXPECT_EQ(decode_error("/job/j/__x/1"), "improper label name \"__x\"");
  EXPECT_EQ(decode_error("/job/j/1a/1"), "improper label name \"1a\"");
  EXPECT_NE(decode_error("/job/j/a@base64/!!").find("invalid base64"), std::string::npos);
  EXPECT_NE(decode_error("/job/j/a/%zz").find("percent-encoding"), std::string::npos);
  EXPECT_NE(decode_error("/job/j/a/%ff").find("UTF-8"), std::string::npos);
  EXPECT_NE(decode_error("/jobs/x").find("/job/"), std::string::npos);
}

TEST(GroupingKey, LaterRepeatWinsAndJobSegmentWins) {
  GroupingKey k = decode_ok("/job/real/a/1/a/2/job/fake");
  EXPECT_EQ(*k.find("a"), "2");
  EXPECT_EQ(k.job(), "real");
}

TEST(GroupingKey, EncodeRoundTrip) {
  for (const char* p :
       {"/job/j/instance/x", "/job/j/path@base64/L3Zhcg", "/job@base64/YS9i/empty@base64/="}) {
    GroupingKey k = decode_ok(p);
    EXPECT_EQ(decode_ok(encode_grouping_path(k)).canonical, k.canonical) << p;
  }
}

TEST(UrlCodec, Base64AndQuery) {
  EXPECT_EQ(*base64url_decode("aGVsbG8"), "hello");
  EXPECT_EQ(*base64url_decode("aGVsbG8="), "hello");
  EXPECT_FALSE(base64url_decode("a"));
  EXPECT_FALSE(base64url_decode("aGVsbG9"));  // non-zero leftover bits
  EXPECT_EQ(base64url_encode("\xff\xef"), "_-8");
  std::vector<std::pair<std::string, std::string>> q;
  std::string error;
  ASSERT_TRUE(parse_query("a=1&b=x%20y+z&&c", q, error));
  ASSERT_EQ(q.size(), 3u);
  EXPECT_EQ(q[1].second, "x y z");
  EXPECT_EQ(q[2].first, "c");
  EXPECT_FALSE(parse_query("a=%4", q, error));
}

}  // namespace
}  // namespace pe::push
