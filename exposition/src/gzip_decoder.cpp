// gzip_decoder.cpp — bounded streaming decompression (gzip, zlib or raw
// deflate, detected from the first bytes) over zlib, and gzip compression for
// responses. Concatenated gzip members are decoded as one stream, as Go's
// gzip reader does.
#include "plugin_exporter/exposition/gzip_decoder.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace pe {
namespace {

constexpr std::size_t kStep = 64 * 1024;

enum class Wrapper { unknown, gzip, zlib, raw };

Wrapper detect(unsigned char b0, unsigned char b1) noexcept {
  if (b0 == 0x1f && b1 == 0x8b) return Wrapper::gzip;
  if ((b0 & 0x0f) == 8 && ((b0 << 8) | b1) % 31 == 0) return Wrapper::zlib;
  return Wrapper::raw;
}

int window_bits(Wrapper w) noexcept {
  switch (w) {
    case Wrapper::gzip:
      return 15 + 16;
    case Wrapper::zlib:
      return 15;
    case Wrapper::raw:
    case Wrapper::unknown:
      break;
  }
  return -15;
}

}  // namespace

struct GzipDecoder::Impl {
  z_stream zs{};
  bool initialized = false;
  bool stream_end = false;  // the current member ended
  bool failed = false;
  Wrapper wrapper = Wrapper::unknown;
  unsigned char pending[2]{};  // first byte held back until the wrapper is known
  std::size_t pending_size = 0;
  std::size_t limit = 0;
  std::size_t produced = 0;

  ~Impl() {
    if (initialized) inflateEnd(&zs);
  }
};

GzipDecoder::GzipDecoder(std::size_t max_output_bytes) : impl_(std::make_unique<Impl>()) {
  impl_->limit = max_output_bytes;
}

GzipDecoder::~GzipDecoder() = default;

bool GzipDecoder::feed(std::string_view chunk, std::string& out) {
  Impl& s = *impl_;
  if (s.failed) return false;
  auto fail = [&](std::string message) {
    s.failed = true;
    error_ = std::move(message);
    return false;
  };
  if (!s.initialized) {
    // Need two bytes to tell gzip from zlib from raw deflate.
    if (s.pending_size + chunk.size() < 2) {
      for (char c : chunk) s.pending[s.pending_size++] = static_cast<unsigned char>(c);
      return true;
    }
    const unsigned char b0 =
        s.pending_size > 0 ? s.pending[0] : static_cast<unsigned char>(chunk[0]);
    const unsigned char b1 = s.pending_size > 1    ? s.pending[1]
                             : s.pending_size == 1 ? static_cast<unsigned char>(chunk[0])
                                                   : static_cast<unsigned char>(chunk[1]);
    s.wrapper = detect(b0, b1);
    if (inflateInit2(&s.zs, window_bits(s.wrapper)) != Z_OK)
      return fail("zlib initialisation failed");
    s.initialized = true;
    if (s.pending_size > 0) {
      unsigned char held[2];
      std::memcpy(held, s.pending, s.pending_size);
      const std::size_t n = s.pending_size;
      s.pending_size = 0;
      if (!feed(std::string_view(reinterpret_cast<const char*>(held), n), out)) return false;
    }
  }
  const auto* in = reinterpret_cast<const unsigned char*>(chunk.data());
  std::size_t in_left = chunk.size();
  while (in_left > 0) {
    if (s.stream_end) {
      // Another gzip member may follow; anything else is trailing garbage.
      if (s.wrapper != Wrapper::gzip) return fail("trailing data after the compressed stream");
      if (inflateReset(&s.zs) != Z_OK) return fail("zlib reset failed");
      s.stream_end = false;
    }
    s.zs.next_in = const_cast<unsigned char*>(in);
    s.zs.avail_in = static_cast<uInt>(std::min<std::size_t>(in_left, 1u << 30));
    const std::size_t fed = s.zs.avail_in;
    int rc = Z_OK;
    do {
      std::size_t room = kStep;
      if (s.limit != 0) {
        if (s.produced > s.limit) break;
        room = std::min(room, s.limit - s.produced + 1);  // one byte more detects overflow
      }
      const std::size_t old = out.size();
      out.resize(old + room);
      s.zs.next_out = reinterpret_cast<unsigned char*>(out.data() + old);
      s.zs.avail_out = static_cast<uInt>(room);
      rc = inflate(&s.zs, Z_NO_FLUSH);
      const std::size_t got = room - s.zs.avail_out;
      out.resize(old + got);
      s.produced += got;
      if (s.limit != 0 && s.produced > s.limit)
        return fail("decompressed size exceeds the limit of " + std::to_string(s.limit) + " bytes");
      if (rc == Z_STREAM_END) {
        s.stream_end = true;
        break;
      }
      if (rc == Z_BUF_ERROR && s.zs.avail_in == 0) break;  // needs more input
      if (rc != Z_OK && rc != Z_BUF_ERROR) {
        return fail(std::string("corrupt compressed data: ") +
                    (s.zs.msg ? s.zs.msg : "inflate error"));
      }
    } while (s.zs.avail_in > 0 || s.zs.avail_out == 0);
    const std::size_t consumed = fed - s.zs.avail_in;
    in += consumed;
    in_left -= consumed;
    if (!s.stream_end && s.zs.avail_in > 0) continue;
  }
  return true;
}

bool GzipDecoder::finish() {
  Impl& s = *impl_;
  if (s.failed) return false;
  if (!s.initialized || !s.stream_end) {
    error_ = "truncated compressed stream";
    return false;
  }
  return true;
}

bool gunzip(std::string_view compressed, std::string& out, std::size_t max_output_bytes,
            std::string& error) {
  GzipDecoder decoder(max_output_bytes);
  if (!decoder.feed(compressed, out) || !decoder.finish()) {
    error = decoder.error();
    return false;
  }
  return true;
}

void gzip_compress(std::string_view data, std::string& out, int level) {
  z_stream zs{};
  level = std::clamp(level, 1, 9);
  if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return;
  const std::size_t start = out.size();
  out.resize(start + deflateBound(&zs, static_cast<uLong>(data.size())) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data() + start);
  zs.avail_out = static_cast<uInt>(out.size() - start);
  deflate(&zs, Z_FINISH);
  out.resize(start + zs.total_out);
  deflateEnd(&zs);
}

}  // namespace pe
