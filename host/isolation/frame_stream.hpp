// frame_stream.hpp — buffered reading of runner-protocol frames
// (isolation/runner_protocol.hpp) from a socket. One read() takes whatever
// the peer has written so far — often several frames, or a whole collect
// part with the collect_done behind it — where reading frame by frame took
// three reads per frame, and the buffer is kept between frames, so a frame
// costs no allocation. A payload is a view into the buffer. The peer may be
// hostile: a length of 0 or above kMaxFrameBytes is an error, and the
// buffer grows only as bytes arrive (a length alone commits no memory).
//
// Thread-safety: none; one reader at a time (the supervisor's reader thread,
// the runner's leader thread).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "isolation/runner_protocol.hpp"

namespace pe::host::isolation {

class FrameStream {
 public:
  explicit FrameStream(int fd) noexcept : fd_(fd) {}

  // Reads the next frame: its type and payload (without length and type).
  // The payload stays valid until the next call. False at EOF or on an error
  // (then `error` says which; empty at a clean EOF between frames).
  bool next(FrameType& type, std::string_view& payload, std::string& error);

  // Bytes buffered beyond the frames returned so far (for tests).
  std::size_t buffered() const noexcept { return end_ - begin_ - consumed_; }

 private:
  // Until `want` bytes from begin_ are buffered: 1 when they are, 0 at EOF
  // with nothing buffered, -1 at EOF inside or on a read error (errno_ set).
  int fill(std::size_t want);
  void release_consumed();

  int fd_;
  int errno_ = 0;
  std::vector<char> buf_;
  std::size_t begin_ = 0, end_ = 0;  // buffered bytes: [begin_, end_)
  std::size_t consumed_ = 0;         // the frame returned last, released on the next call
};

}  // namespace pe::host::isolation
