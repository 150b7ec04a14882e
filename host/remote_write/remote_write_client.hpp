// remote_write_client.hpp — one HTTP(S) connection to a remote write
// receiver (Poco's client, kept out of this header): POSTs an encoded body
// with the spec's headers, the section's auth and extra headers, and reports
// the status, Retry-After and the start of an error answer. The connection
// is kept alive between requests and re-opened after a failure.
//
// Thread-safety: none; one sender thread owns it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "config/remote_write_config.hpp"

namespace pe::host::remote_write {

struct SendResult {
  int status = 0;     // HTTP status; 0 = no answer (connect, TLS, timeout)
  std::string error;  // transport error, or the first bytes of an error answer
  std::optional<std::chrono::milliseconds> retry_after;
  std::optional<uint64_t> samples_written;  // a 2.0 receiver's count (kSamplesWrittenHeader)
};

class RemoteWriteClient {
 public:
  explicit RemoteWriteClient(const RemoteWriteConfig& config);
  ~RemoteWriteClient();
  RemoteWriteClient(const RemoteWriteClient&) = delete;
  RemoteWriteClient& operator=(const RemoteWriteClient&) = delete;

  // POSTs `body`, encoded with `protocol`, with that protocol's headers.
  SendResult send(const std::string& body, RemoteWriteProtocol protocol);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pe::host::remote_write
