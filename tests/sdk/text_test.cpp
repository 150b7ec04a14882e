// text_test.cpp — the SDK's text helpers (plugin_exporter/text.hpp): ASCII
// case folding, trimming, one-line quoting, media type parameters.
#include "plugin_exporter/text.hpp"

#include <gtest/gtest.h>

#include "plugin_exporter/exposition/utf8.hpp"

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

TEST(Text, JsonQuotedIsValidJsonAndInertInHtml) {
  EXPECT_EQ(json_quoted("a\"b\\c\n\t\x01\x7f"), R"("a\"b\\c\n\t\u0001\u007f")");
  EXPECT_EQ(json_quoted("</script>&"), R"("\u003c/script\u003e\u0026")");
  EXPECT_EQ(json_quoted("\xC3\xA9 \xFF \xED\xA0\x80"),
            "\"\xC3\xA9 \\ufffd \\ufffd\\ufffd\\ufffd\"");
}

TEST(Text, PercentEncodeKeepsOnlyUnreserved) {
  EXPECT_EQ(percent_encode("aZ09-._~"), "aZ09-._~");
  EXPECT_EQ(percent_encode("a b/c?d=\"\xC3\xA9"), "a%20b%2Fc%3Fd%3D%22%C3%A9");
}

TEST(Utf8, SequenceLengthAgreesWithValidity) {
  EXPECT_EQ(utf8_sequence_length("a", 0), 1u);
  EXPECT_EQ(utf8_sequence_length("\xC3\xA9", 0), 2u);
  EXPECT_EQ(utf8_sequence_length("\xF0\x9F\x98\x80", 0), 4u);
  EXPECT_EQ(utf8_sequence_length("\xC3", 0), 0u);          // truncated
  EXPECT_EQ(utf8_sequence_length("\xC0\xAF", 0), 0u);      // overlong
  EXPECT_EQ(utf8_sequence_length("\xED\xA0\x80", 0), 0u);  // surrogate
  EXPECT_TRUE(is_valid_utf8("plain ascii, then \xC3\xA9 and \xF0\x9F\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("12345678\xC3"));
}

}  // namespace
}  // namespace pe
