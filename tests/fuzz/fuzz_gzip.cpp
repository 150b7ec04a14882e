// fuzz_gzip.cpp — bounded decompression of arbitrary bytes, fed in chunks
// whose sizes come from the input; whatever decodes must survive a
// compress/decompress round trip.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "plugin_exporter/exposition/gzip_decoder.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t limit = 1u << (10 + data[0] % 11);  // 1 KiB .. 1 MiB
  const std::size_t chunk = 1 + data[1];
  const std::string_view input(reinterpret_cast<const char*>(data + 2), size - 2);
  pe::GzipDecoder decoder(limit);
  std::string out;
  bool ok = true;
  for (std::size_t pos = 0; ok && pos < input.size(); pos += chunk)
    ok = decoder.feed(input.substr(pos, chunk), out);
  ok = ok && decoder.finish();
  if (!ok && decoder.error().empty()) std::abort();
  if (out.size() > limit + 1) std::abort();  // the cap holds
  if (ok) {
    std::string gz, back, err;
    pe::gzip_compress(out, gz, 1 + data[0] % 9);
    if (!pe::gunzip(gz, back, 0, err) || back != out) std::abort();
  }
  return 0;
}
