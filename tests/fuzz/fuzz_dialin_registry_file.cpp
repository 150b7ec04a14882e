// fuzz_dialin_registry_file.cpp — the hub's registry file decoder (the
// state file read at start; docs in host/dialin/registry_file.hpp): never
// crashes, refuses with a message, and what it accepts encodes to a file
// that decodes and encodes again to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "dialin/registry_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace pe::host::dialin;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string error;
  auto agents = decode_registry_file(text, error);
  if (!agents) {
    if (error.empty()) std::abort();
    return 0;
  }
  const std::string once = encode_registry_file(*agents);
  auto again = decode_registry_file(once, error);
  if (!again || encode_registry_file(*again) != once) std::abort();
  return 0;
}
