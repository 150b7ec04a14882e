// runner_protocol.cpp — encoding, bounds-checked decoding and fd I/O of the
// collector-runner frames (reading: isolation/frame_stream.cpp).
#include "isolation/runner_protocol.hpp"

#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace pe::host::isolation {

void FrameWriter::grow(std::size_t n) {
  const std::size_t cap = std::max({cap_ * 2, size_ + n, std::size_t{256}});
  auto bigger = std::make_unique_for_overwrite<char[]>(cap);
  if (size_) std::memcpy(bigger.get(), data_.get(), size_);
  data_ = std::move(bigger);
  cap_ = cap;
}

uint32_t FrameReader::varint_slow() {
  uint32_t v = 0;
  for (int shift = 0; left_ > 0; shift += 7) {
    const auto b = static_cast<unsigned char>(*p_++);
    --left_;
    if (shift == 28 && (b & 0xf0)) break;  // beyond 32 bits (or a sixth byte)
    v |= uint32_t{b & 0x7fu} << shift;
    if (!(b & 0x80)) return v;
  }
  fail();
  return 0;
}

void LabelNameCodes::write_looked_up(FrameWriter& w, std::size_t position, std::string_view name) {
  auto it = codes_.find(name);
  if (it == codes_.end()) {
    if (codes_.size() >= kMaxLabelNameCodes) {
      w.varint(kInlineLabelName);
      w.vbytes(name);
      return;
    }
    const auto code = static_cast<uint32_t>(kFirstLabelNameIndex + codes_.size());
    it = codes_.emplace(std::string(name), code).first;
    w.varint(kNewLabelName);
    w.vbytes(name);
  } else {
    w.varint(it->second);
  }
  if (last_.size() <= position) last_.resize(position + 1);
  last_[position] = {it->first, it->second};
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
