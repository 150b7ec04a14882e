// openssl_error.hpp — OpenSSL's last queued error as text, for the messages
// of the TLS contexts (server and agent client).
#pragma once

#include <string>

namespace pe::host {

// The first (root-cause) error on this thread's OpenSSL error queue, as OpenSSL
// words it ("unknown OpenSSL error" when the queue is empty); clears the queue.
std::string openssl_error();

}  // namespace pe::host
