// runner_protocol.cpp — encoding, bounds-checked decoding and fd I/O of the
// collector-runner frames.
#include "isolation/runner_protocol.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace pe::host::isolation {

FrameWriter::FrameWriter(FrameType type) {
  buf_.reserve(256);
  buf_.append(4, '\0');  // length, filled by finish()
  u8(static_cast<uint8_t>(type));
}

void FrameWriter::u32(uint32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  buf_.append(b, 4);
}

void FrameWriter::patch_u32(std::size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) buf_[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

void FrameWriter::u64(uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  buf_.append(b, 8);
}

void FrameWriter::f64(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  u64(bits);
}

void FrameWriter::str(std::string_view s) {
  u32(static_cast<uint32_t>(s.size()));
  buf_.append(s.data(), s.size());
  buf_.push_back('\0');
}

void FrameWriter::opt_str(const char* s) {
  u8(s ? 1 : 0);
  if (s) str(s);
}

const std::string& FrameWriter::finish() {
  const uint32_t len = static_cast<uint32_t>(buf_.size() - 4);
  for (int i = 0; i < 4; ++i) buf_[i] = static_cast<char>((len >> (8 * i)) & 0xff);
  return buf_;
}

bool FrameReader::take(void* out, std::size_t n) {
  if (failed_ || left_ < n) {
    fail();
    std::memset(out, 0, n);
    return false;
  }
  std::memcpy(out, p_, n);
  p_ += n;
  left_ -= n;
  return true;
}

uint8_t FrameReader::u8() {
  uint8_t v;
  take(&v, 1);
  return v;
}

uint32_t FrameReader::u32() {
  unsigned char b[4];
  if (!take(b, 4)) return 0;
  return uint32_t{b[0]} | uint32_t{b[1]} << 8 | uint32_t{b[2]} << 16 | uint32_t{b[3]} << 24;
}

uint64_t FrameReader::u64() {
  unsigned char b[8];
  if (!take(b, 8)) return 0;
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | b[i];
  return v;
}

double FrameReader::f64() {
  uint64_t bits = u64();
  double v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

std::string_view FrameReader::str() {
  const uint32_t n = u32();
  if (failed_ || left_ < std::size_t{n} + 1 || p_[n] != '\0') {
    fail();
    return {};
  }
  std::string_view s(p_, n);
  p_ += std::size_t{n} + 1;
  left_ -= std::size_t{n} + 1;
  return s;
}

const char* FrameReader::opt_str() {
  const uint8_t present = u8();
  if (present > 1) fail();
  if (failed_ || !present) return nullptr;
  std::string_view s = str();
  return failed_ ? nullptr : s.data();
}

uint32_t FrameReader::count(uint32_t max, std::size_t min_item_bytes) {
  const uint32_t n = u32();
  if (failed_ || n > max || (min_item_bytes && n > left_ / min_item_bytes)) {
    fail();
    return 0;
  }
  return n;
}

bool write_all(int fd, const char* data, std::size_t size) noexcept {
  while (size > 0) {
    ssize_t w = ::write(fd, data, size);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += w;
    size -= static_cast<std::size_t>(w);
  }
  return true;
}

namespace {

// 1: all read; 0: EOF before the first byte; -1: error or EOF inside.
int read_exact(int fd, char* out, std::size_t size) {
  std::size_t got = 0;
  while (got < size) {
    ssize_t r = ::read(fd, out + got, size - got);
    if (r < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (r == 0) return got == 0 ? 0 : -1;
    got += static_cast<std::size_t>(r);
  }
  return 1;
}

}  // namespace

bool read_frame(int fd, FrameType& type, std::string& payload, std::string& error) {
  error.clear();
  unsigned char head[5];
  int r = read_exact(fd, reinterpret_cast<char*>(head), 4);
  if (r <= 0) {
    if (r < 0) error = "connection closed inside a frame header";
    return false;
  }
  const uint32_t len = uint32_t{head[0]} | uint32_t{head[1]} << 8 | uint32_t{head[2]} << 16 |
                       uint32_t{head[3]} << 24;
  if (len == 0 || len > kMaxFrameBytes) {
    error = "frame length " + std::to_string(len) + " out of bounds";
    return false;
  }
  if (read_exact(fd, reinterpret_cast<char*>(head + 4), 1) != 1) {
    error = "connection closed inside a frame";
    return false;
  }
  type = static_cast<FrameType>(head[4]);
  // Grown as bytes arrive, so a length alone commits no memory.
  payload.clear();
  std::size_t want = len - 1;
  while (want > 0) {
    const std::size_t chunk = std::min<std::size_t>(want, 1u << 20);
    const std::size_t at = payload.size();
    payload.resize(at + chunk);
    if (read_exact(fd, payload.data() + at, chunk) != 1) {
      error = "connection closed inside a frame";
      return false;
    }
    want -= chunk;
  }
  return true;
}

}  // namespace pe::host::isolation
