// fuzz_json_value.cpp — the host's JSON reader (a plugin's status document
// for the status page): never crashes, stays within its depth limit, and
// what it accepts re-serialises to JSON that parses to the same document.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/json_value.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace pe::host;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string error;
  auto v = parse_json(text, error, JsonLimits{16, 1 << 16});
  if (!v) {
    if (error.empty()) std::abort();
    return 0;
  }
  const std::string once = v->dump();
  auto again = parse_json(once, error, JsonLimits{16, 1 << 20});
  if (!again || again->dump() != once) std::abort();
  return 0;
}
