// fuzz_remote_write_body.cpp — the remote write body decoders (1.0 and 2.0)
// and the 2.0 → 1.0 downgrade on arbitrary bytes. Never crashes; whatever
// the 2.0 decoder accepts downgrades, and the 1.0 body it becomes decodes
// to the same samples.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "remote_write/write_request_encoder.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace pe::host::remote_write;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  std::vector<DecodedSample> v1, v2;
  std::string error;
  decode_write_request(body, v1, error, Protocol::v1);
  if (!decode_write_request(body, v2, error, Protocol::v2)) return 0;
  std::string downgraded;
  if (!downgrade_to_v1(body, downgraded, error)) std::abort();
  std::vector<DecodedSample> back;
  if (!decode_write_request(downgraded, back, error, Protocol::v1)) std::abort();
  if (back.size() != v2.size()) std::abort();
  for (std::size_t i = 0; i < back.size(); ++i)
    if (back[i].labels != v2[i].labels || back[i].timestamp_ms != v2[i].timestamp_ms) std::abort();
  return 0;
}
