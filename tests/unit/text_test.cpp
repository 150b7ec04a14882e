// text_test.cpp — the SDK's text helpers (plugin_exporter/text.hpp): ASCII
// case folding, trimming, one-line quoting, media type parameters.
#include "plugin_exporter/text.hpp"

#include <gtest/gtest.h>

namespace pe {
namespace {

TEST(Text, CaseFoldingIsAsciiOnly) {
  EXPECT_EQ(ascii_lower("Content-Type \xC3\x84"), "content-type \xC3\x84");
  EXPECT_TRUE(iequals("Transfer-Encoding", "transfer-encoding"));
  EXPECT_FALSE(iequals("chunked", "chunkeD "));
  EXPECT_FALSE(iequals("\xC3\x84", "\xC3\xA4"));  // no locale folding
}

TEST(Text, TrimRemovesSpacesAndTabsOnly) {
  EXPECT_EQ(trim(" \t gzip \t"), "gzip");
  EXPECT_EQ(trim("\r\nx\r\n"), "\r\nx\r\n");
  EXPECT_EQ(trim("   "), "");
}

TEST(Text, QuotedStaysOnOneLine) {
  EXPECT_EQ(pe::quoted("plain"), "\"plain\"");
  EXPECT_EQ(pe::quoted("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(pe::quoted(std::string("x\ny\x7f\0", 5)), "\"x\\x0ay\\x7f\\x00\"");
}

TEST(Text, MediaTypeParameters) {
  MediaType m = parse_media_type("text/plain ; Version=\"0.0.4\";charset=utf-8; q = 0.5 ");
  EXPECT_EQ(m.type, "text/plain");
  EXPECT_EQ(m.parameter("version"), "0.0.4");
  EXPECT_EQ(m.parameter("CHARSET"), "utf-8");
  EXPECT_EQ(m.parameter("q"), "0.5");
  EXPECT_FALSE(m.parameter("escaping").has_value());
  EXPECT_EQ(parse_media_type("application/x-protobuf").type, "application/x-protobuf");
  EXPECT_FALSE(parse_media_type("application/x-protobuf").parameter("proto").has_value());
}

}  // namespace
}  // namespace pe
