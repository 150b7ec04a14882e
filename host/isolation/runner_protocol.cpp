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
