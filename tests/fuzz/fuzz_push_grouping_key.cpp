// fuzz_push_grouping_key.cpp — libFuzzer target for the push URL decoding:
// grouping-key paths (percent-encoding, @base64, label names) and query
// strings. Invariant: a decoded key encodes to a path that decodes to the
// same key.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "store/grouping_key.hpp"
#include "store/url_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  pe::push::GroupingKey key;
  std::string error;
  if (pe::push::decode_grouping_path(in, key, error)) {
    pe::push::GroupingKey again;
    if (!pe::push::decode_grouping_path(pe::push::encode_grouping_path(key), again, error) ||
        again.canonical != key.canonical)
      std::abort();
  }
  std::vector<std::pair<std::string, std::string>> params;
  pe::push::parse_query(in, params, error);
  if (auto b = pe::push::base64url_decode(in)) {
    if (pe::push::base64url_decode(pe::push::base64url_encode(*b)) != b) std::abort();
  }
  return 0;
}
