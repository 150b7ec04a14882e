// remote_write_protocol.hpp — the two versions of the remote write wire
// protocol: 1.0 (prometheus.WriteRequest) and 2.0
// (io.prometheus.write.v2.Request).
#pragma once

#include <cstdint>
#include <string_view>

namespace pe::host {

enum class RemoteWriteProtocol : uint8_t { v1 = 1, v2 = 2 };

inline std::string_view to_string(RemoteWriteProtocol p) noexcept {
  return p == RemoteWriteProtocol::v2 ? "2.0" : "1.0";
}

}  // namespace pe::host
