// fuzz_accept_header.cpp — content negotiation on arbitrary Accept and
// Content-Type headers: never crashes, always picks one of the two formats.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "plugin_exporter/exposition/exposition_format.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view header(reinterpret_cast<const char*>(data), size);
  const pe::ExpositionFormat a = pe::negotiate_format(header);
  const pe::ExpositionFormat b = pe::format_from_content_type(header);
  if (a != pe::ExpositionFormat::text && a != pe::ExpositionFormat::openmetrics) std::abort();
  if (b != pe::ExpositionFormat::text && b != pe::ExpositionFormat::openmetrics) std::abort();
  if (pe::content_type(a).empty()) std::abort();
  return 0;
}
