// gzip_decoder_test.cpp — bounded decompression: round trips, chunked input,
// gzip/zlib/raw deflate detection, concatenated members, corrupt and
// truncated input, and a gzip bomb stopped at the limit.
#include "plugin_exporter/exposition/gzip_decoder.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>

namespace pe {
namespace {

std::string sample_text(std::size_t n) {
  std::string s;
  while (s.size() < n)
    s += "http_requests_total{code=\"200\",method=\"get\"} " + std::to_string(s.size()) + "\n";
  return s;
}

std::string deflate_with(std::string_view data, int window_bits) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, static_cast<uLong>(data.size())) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

TEST(Gzip, RoundTrip) {
  const std::string text = sample_text(300000);
  std::string gz;
  gzip_compress(text, gz, 6);
  EXPECT_LT(gz.size(), text.size() / 4);
  std::string out, err;
  ASSERT_TRUE(gunzip(gz, out, 0, err)) << err;
  EXPECT_EQ(out, text);
}

TEST(Gzip, ByteByByteFeeding) {
  const std::string text = sample_text(20000);
  std::string gz;
  gzip_compress(text, gz);
  GzipDecoder d(0);
  std::string out;
  for (char c : gz) ASSERT_TRUE(d.feed(std::string_view(&c, 1), out)) << d.error();
  EXPECT_TRUE(d.finish()) << d.error();
  EXPECT_EQ(out, text);
}

TEST(Gzip, DetectsZlibAndRawDeflate) {
  const std::string text = sample_text(5000);
  for (int bits : {15, -15}) {
    std::string out, err;
    ASSERT_TRUE(gunzip(deflate_with(text, bits), out, 0, err)) << bits << ": " << err;
    EXPECT_EQ(out, text);
  }
}

TEST(Gzip, ConcatenatedMembers) {
  std::string gz;
  gzip_compress("a 1\n", gz);
  gzip_compress("b 2\n", gz);
  std::string out, err;
  ASSERT_TRUE(gunzip(gz, out, 0, err)) << err;
  EXPECT_EQ(out, "a 1\nb 2\n");
}

TEST(Gzip, BombStopsAtLimit) {
  const std::string zeros(64 << 20, '\0');  // 64 MiB of zeros compress to ~64 KiB
  std::string gz;
  gzip_compress(zeros, gz, 9);
  ASSERT_LT(gz.size(), 200u << 10);
  std::string out, err;
  EXPECT_FALSE(gunzip(gz, out, 1 << 20, err));
  EXPECT_NE(err.find("exceeds the limit of 1048576 bytes"), std::string::npos) << err;
  EXPECT_LE(out.size(), (1u << 20) + 1);
}

TEST(Gzip, ExactlyAtLimitIsFine) {
  const std::string text(1000, 'x');
  std::string gz, out, err;
  gzip_compress(text, gz);
  EXPECT_TRUE(gunzip(gz, out, 1000, err)) << err;
  out.clear();
  EXPECT_FALSE(gunzip(gz, out, 999, err));
}

TEST(Gzip, CorruptAndTruncatedInput) {
  std::string gz;
  gzip_compress(sample_text(10000), gz);
  std::string bad = gz;
  for (std::size_t i = 20; i < 60; ++i) bad[i] = static_cast<char>(bad[i] ^ 0x5a);
  std::string out, err;
  EXPECT_FALSE(gunzip(bad, out, 0, err));
  EXPECT_NE(err.find("corrupt"), std::string::npos) << err;

  out.clear();
  EXPECT_FALSE(gunzip(std::string_view(gz).substr(0, gz.size() / 2), out, 0, err));
  EXPECT_NE(err.find("truncated"), std::string::npos) << err;

  out.clear();
  EXPECT_FALSE(gunzip("", out, 0, err));
  std::string trailing = deflate_with("a 1\n", 15) + "garbage";
  out.clear();
  EXPECT_FALSE(gunzip(trailing, out, 0, err));
  EXPECT_NE(err.find("trailing"), std::string::npos) << err;
}

TEST(Gzip, FailureIsSticky) {
  GzipDecoder d(10);
  std::string gz, out;
  gzip_compress(std::string(100, 'a'), gz);
  EXPECT_FALSE(d.feed(gz, out));
  EXPECT_FALSE(d.feed("more", out));
  EXPECT_FALSE(d.finish());
  EXPECT_FALSE(d.error().empty());
}

}  // namespace
}  // namespace pe
