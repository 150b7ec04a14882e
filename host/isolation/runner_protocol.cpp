// runner_protocol.cpp — encoding, bounds-checked decoding and fd I/O of the
// collector-runner frames (reading: isolation/frame_stream.cpp).
#include "isolation/runner_protocol.hpp"

#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace pe::host::isolation {

FrameWriter::FrameWriter(FrameType type) {
  buf_.reserve(256);
  reset(type);
}

void FrameWriter::reset(FrameType type) {
  buf_.clear();
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

bool write_all(int fd, std::string_view first, std::string_view second) noexcept {
  iovec v[2] = {{const_cast<char*>(first.data()), first.size()},
                {const_cast<char*>(second.data()), second.size()}};
  iovec* at = v;
  int count = 2;
  while (count > 0) {
    ssize_t w = ::writev(fd, at, count);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    auto n = static_cast<std::size_t>(w);
    for (; count > 0 && n >= at->iov_len; --count, ++at) n -= at->iov_len;
    if (count > 0) {
      at->iov_base = static_cast<char*>(at->iov_base) + n;
      at->iov_len -= n;
    }
  }
  return true;
}

}  // namespace pe::host::isolation
