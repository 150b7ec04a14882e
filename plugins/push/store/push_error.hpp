// push_error.hpp — why a request was refused: the HTTP status to answer and
// a message that says what and where. Thrown inside the push path, turned
// into the answer at the HTTP edge.
#pragma once

#include <stdexcept>
#include <string>

namespace pe::push {

class PushError : public std::runtime_error {
 public:
  PushError(int http_status, const std::string& message, std::string limit = {})
      : std::runtime_error(message), status_(http_status), limit_(std::move(limit)) {}
  int status() const noexcept { return status_; }
  // The configuration key of the limit that refused it ("" if none).
  const std::string& limit() const noexcept { return limit_; }

 private:
  int status_;
  std::string limit_;
};

}  // namespace pe::push
