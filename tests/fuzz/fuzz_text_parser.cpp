// fuzz_text_parser.cpp — text 0.0.4 parsing in strict and lenient mode (the
// first byte picks the options); accepted input must round-trip through the
// writer.
#include <cstddef>
#include <cstdint>

#include "round_trip_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const uint8_t flags = data[0];
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  pe::ParseOptions o;
  o.format = pe::ExpositionFormat::text;
  o.strict = (flags & 1) != 0;
  o.reference_input = (flags & 2) != 0;
  o.skip_invalid_lines = (flags & 4) != 0;
  if ((flags & 8) != 0) o.max_samples = flags >> 4;
  pe::MetricSet set;
  const pe::ParseResult r = pe::parse_exposition(input, set, o);
  if (r.ok) pe::fuzz::check_round_trip(set, o);
  return 0;
}
