// http_response_parser_test.cpp — framing of backend responses: every way a
// body can be delimited, fed whole and one byte at a time, and every way a
// backend can get it wrong or stop early.
#include <gtest/gtest.h>

#include <string>

#include "http_response_parser.hpp"

using pe::proxy::HttpResponseParser;
using pe::proxy::ResponseLimits;

namespace {

struct Parsed {
  HttpResponseParser parser;
  std::string body;
  std::size_t consumed = 0;
};

// Feeds `wire` in pieces of `step` bytes (0 = all at once); `eof` closes after.
Parsed parse(std::string_view wire, std::size_t step = 0, bool eof = false,
             ResponseLimits limits = ResponseLimits{}) {
  Parsed p{HttpResponseParser(limits), {}, 0};
  if (step == 0) step = wire.size() ? wire.size() : 1;
  for (std::size_t i = 0; i < wire.size(); i += step) {
    std::string_view piece = wire.substr(i, step);
    std::size_t used = p.parser.feed(piece, p.body);
    p.consumed += used;
    if (used < piece.size()) break;
  }
  if (eof) p.parser.end_of_stream();
  return p;
}

const std::string kChunked =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
    "Transfer-Encoding: chunked\r\n\r\n"
    "5\r\nhello\r\n"
    "7;name=value\r\n, world\r\n"
    "0\r\nX-Trailer: yes\r\n\r\n";

}  // namespace

TEST(HttpResponseParser, ContentLengthBody) {
  std::string wire = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello";
  for (std::size_t step : {0, 1, 2, 7}) {
    Parsed p = parse(wire, step);
    ASSERT_TRUE(p.parser.complete()) << step << " " << p.parser.error();
    EXPECT_EQ(p.body, "hello");
    EXPECT_EQ(p.parser.head().status, 200);
    EXPECT_EQ(p.parser.head().reason, "OK");
    EXPECT_EQ(p.parser.head().content_type, "text/plain");
    EXPECT_TRUE(p.parser.reusable());
    EXPECT_EQ(p.consumed, wire.size());
  }
}

TEST(HttpResponseParser, ChunkedBodyWithExtensionsAndTrailers) {
  for (std::size_t step = 0; step < 20; ++step) {
    Parsed p = parse(kChunked, step);
    ASSERT_TRUE(p.parser.complete()) << step << " " << p.parser.error();
    EXPECT_EQ(p.body, "hello, world");
    EXPECT_EQ(p.parser.body_bytes(), 12u);
    EXPECT_TRUE(p.parser.reusable());
  }
}

TEST(HttpResponseParser, BareLineFeedsAreAccepted) {
  Parsed p = parse("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n3\nabc\n0\n\n");
  ASSERT_TRUE(p.parser.complete()) << p.parser.error();
  EXPECT_EQ(p.body, "abc");
}

TEST(HttpResponseParser, BodyUntilCloseIsCompleteOnlyAtEndOfStream) {
  std::string wire = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nsome body";
  Parsed open = parse(wire);
  EXPECT_EQ(open.parser.state(), HttpResponseParser::State::body);
  Parsed closed = parse(wire, 3, true);
  ASSERT_TRUE(closed.parser.complete());
  EXPECT_EQ(closed.body, "some body");
  EXPECT_FALSE(closed.parser.reusable());
}

TEST(HttpResponseParser, TruncatedContentLengthBodyFails) {
  Parsed p = parse("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this", 0, true);
  ASSERT_TRUE(p.parser.failed());
  EXPECT_EQ(p.parser.error(), "connection closed after 9 of 100 body bytes");
}

TEST(HttpResponseParser, TruncatedChunkedBodyFailsAtEveryCut) {
  // Cutting the stream anywhere before the final blank line must fail.
  for (std::size_t cut = 0; cut + 1 < kChunked.size(); ++cut) {
    Parsed p = parse(std::string_view(kChunked).substr(0, cut), 0, true);
    EXPECT_TRUE(p.parser.failed()) << "cut at " << cut;
    EXPECT_FALSE(p.parser.error().empty());
  }
  Parsed p = parse(std::string_view(kChunked).substr(0, kChunked.find("0\r\n")), 0, true);
  EXPECT_EQ(p.parser.error(), "connection closed inside the chunked body after 12 bytes");
  Parsed none = parse("", 0, true);
  EXPECT_EQ(none.parser.error(), "connection closed before a response arrived");
}

TEST(HttpResponseParser, ContentLengthOverTheLimitFailsBeforeTheBody) {
  Parsed p = parse("HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n", 0, false,
                   ResponseLimits{1024, 1000});
  ASSERT_TRUE(p.parser.failed());
  EXPECT_EQ(p.parser.failure(), HttpResponseParser::Failure::too_large);
  EXPECT_NE(p.parser.error().find("exceeds the limit of 1000 bytes"), std::string::npos);
}

TEST(HttpResponseParser, EndlessBodyIsCutAtTheLimit) {
  HttpResponseParser parser(ResponseLimits{1024, 10'000});
  std::string body;
  ASSERT_EQ(parser.feed("HTTP/1.1 200 OK\r\n\r\n", body), 19u);
  std::string block(1000, 'x');
  int blocks = 0;
  while (!parser.failed() && blocks < 100) {
    parser.feed(block, body);
    ++blocks;
  }
  EXPECT_EQ(parser.failure(), HttpResponseParser::Failure::too_large);
  EXPECT_EQ(blocks, 11);
  EXPECT_LE(body.size(), 10'000u);
}

TEST(HttpResponseParser, ChunkLargerThanTheLimitFailsAtItsSizeLine) {
  Parsed p = parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFF\r\n", 0, false,
                   ResponseLimits{1024, 1 << 20});
  EXPECT_EQ(p.parser.failure(), HttpResponseParser::Failure::too_large);
}

TEST(HttpResponseParser, OversizedHeaderSectionFails) {
  std::string wire = "HTTP/1.1 200 OK\r\nX-Big: " + std::string(5000, 'a') + "\r\n\r\n";
  Parsed p = parse(wire, 100, false, ResponseLimits{4096, 0});
  ASSERT_TRUE(p.parser.failed());
  EXPECT_EQ(p.parser.failure(), HttpResponseParser::Failure::too_large);
}

TEST(HttpResponseParser, InterimResponsesAreSkipped) {
  Parsed p = parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  ASSERT_TRUE(p.parser.complete()) << p.parser.error();
  EXPECT_EQ(p.parser.head().status, 200);
  EXPECT_EQ(p.body, "ok");
}

TEST(HttpResponseParser, ConnectionCloseAndHttp10KeepAlive) {
  EXPECT_FALSE(parse("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
                   .parser.reusable());
  EXPECT_FALSE(parse("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").parser.reusable());
  EXPECT_TRUE(parse("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n")
                  .parser.reusable());
}

TEST(HttpResponseParser, BytesAfterTheResponseAreNotConsumed) {
  std::string wire = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA";
  Parsed p = parse(wire);
  ASSERT_TRUE(p.parser.complete());
  EXPECT_EQ(p.consumed, wire.size() - 5);
}

TEST(HttpResponseParser, HeadersAreReadCaseInsensitively) {
  Parsed p = parse("HTTP/1.1 404 Not Found\r\ncontent-TYPE: text/html\r\nCONTENT-ENCODING: GZip\r\n"
                   "location: /else\r\ncontent-length: 0\r\n\r\n");
  ASSERT_TRUE(p.parser.complete()) << p.parser.error();
  EXPECT_EQ(p.parser.head().status, 404);
  EXPECT_EQ(p.parser.head().content_type, "text/html");
  EXPECT_EQ(p.parser.head().content_encoding, "gzip");
  EXPECT_EQ(p.parser.head().location, "/else");
}

TEST(HttpResponseParser, MalformedResponsesFailWithAReason) {
  struct Case {
    const char* wire;
    const char* error_part;
  } cases[] = {
      {"garbage\r\n\r\n", "not an HTTP/1.x response"},
      {"HTTP/2 200 OK\r\n\r\n", "not an HTTP/1.x response"},
      {"HTTP/1.1 2x0 OK\r\n\r\n", "invalid status code"},
      {"HTTP/1.1 200OK\r\n\r\n", "invalid status code"},
      {"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "malformed header line"},
      {"HTTP/1.1 200 OK\r\n: empty name\r\n\r\n", "malformed header line"},
      {"HTTP/1.1 200 OK\r\nX: a\r\n folded\r\n\r\n", "folded"},
      {"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "invalid Content-Length"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", "conflicting"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", "invalid Content-Length"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", "unsupported Transfer-Encoding"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", "unsupported Transfer-Encoding"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", "both"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "invalid chunk size"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcdef\r\n", "longer than"},
      {"HTTP/1.1 101 Switching Protocols\r\n\r\n", "switched protocols"},
  };
  for (const Case& c : cases) {
    Parsed p = parse(c.wire);
    ASSERT_TRUE(p.parser.failed()) << c.wire;
    EXPECT_NE(p.parser.error().find(c.error_part), std::string::npos)
        << c.wire << " -> " << p.parser.error();
  }
}

TEST(HttpResponseParser, NoBodyStatuses) {
  Parsed p = parse("HTTP/1.1 204 No Content\r\n\r\n");
  EXPECT_TRUE(p.parser.complete());
  EXPECT_TRUE(p.parser.reusable());
}
