// frame_stream.cpp — FrameStream: whole-buffer reads, bounds checks, growth
// and shrinking of the buffer.
#include "isolation/frame_stream.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace pe::host::isolation {
namespace {

constexpr std::size_t kInitialBytes = 256u << 10;  // a few collect parts
constexpr std::size_t kGrowBytes = 1u << 20;       // at most this beyond what has arrived

}  // namespace

void FrameStream::release_consumed() {
  begin_ += consumed_;
  consumed_ = 0;
  if (begin_ == end_) begin_ = end_ = 0;
  // After a rare huge frame (sink_text), give the memory back.
  if (buf_.size() > 4 * kInitialBytes && end_ - begin_ <= kInitialBytes) {
    if (end_ > begin_) std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
    buf_.resize(kInitialBytes);
    buf_.shrink_to_fit();
  }
}

int FrameStream::fill(std::size_t want) {
  while (end_ - begin_ < want) {
    if (buf_.size() - begin_ < want || end_ == buf_.size()) {
      if (end_ > begin_) std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
      if (buf_.size() < want)
        buf_.resize(std::max(kInitialBytes, std::min(want, end_ + kGrowBytes)));
    }
    const ssize_t r = ::read(fd_, buf_.data() + end_, buf_.size() - end_);
    if (r < 0) {
      if (errno == EINTR) continue;
      errno_ = errno;
      return -1;
    }
    if (r == 0) {
      errno_ = 0;
      return end_ == begin_ ? 0 : -1;
    }
    end_ += static_cast<std::size_t>(r);
  }
  return 1;
}

bool FrameStream::next(FrameType& type, std::string_view& payload, std::string& error) {
  error.clear();
  release_consumed();
  auto failed = [&](const char* where) {
    error = errno_ ? std::string("cannot read the socket: ") + std::strerror(errno_)
                   : std::string("connection closed inside a frame") + where;
    return false;
  };
  const int r = fill(4);
  if (r <= 0) return r < 0 ? failed(" header") : false;
  const uint32_t len = frame_length(buf_.data() + begin_);
  if (len == 0 || len > kMaxFrameBytes) {
    error = "frame length " + std::to_string(len) + " out of bounds";
    return false;
  }
  if (fill(std::size_t{4} + len) != 1) return failed("");
  type = static_cast<FrameType>(buf_[begin_ + 4]);
  payload = std::string_view(buf_.data() + begin_ + 5, len - 1);
  consumed_ = std::size_t{4} + len;
  return true;
}

}  // namespace pe::host::isolation
