// fuzz_dialin_frame.cpp — the dial-in frame decoder (what a hub reads from an
// agent and an agent from a hub): never crashes, refuses with a message, and
// every frame it accepts encodes to a message that decodes to the same frame.
// The first input byte chooses text or binary message.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "dialin/dialin_frame.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace pe::host::dialin;
  if (size == 0) return 0;
  const bool binary = data[0] & 1;
  const std::string_view message(reinterpret_cast<const char*>(data + 1), size - 1);
  FrameLimits limits;
  limits.max_message_bytes = 1 << 16;
  limits.max_control_bytes = 1 << 12;
  std::string error;
  auto frame = decode_frame(message, binary, error, limits);
  if (!frame) {
    if (error.empty()) std::abort();
    return 0;
  }
  EncodedFrame once = encode_frame(*frame);
  if (once.binary != binary) std::abort();
  FrameLimits roomy;  // re-encoding may grow the JSON (escapes)
  auto again = decode_frame(once.bytes, once.binary, error, roomy);
  if (!again || encode_frame(*again).bytes != once.bytes) std::abort();
  return 0;
}
