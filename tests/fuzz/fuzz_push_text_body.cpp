// fuzz_push_text_body.cpp — libFuzzer target for push bodies in text 0.0.4
// and OpenMetrics (first byte picks the Content-Type and gzip), through the
// same path a PUT takes.
#include "fuzz_push_body.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  const char* type =
      (mode & 1) ? "application/openmetrics-text; version=1.0.0" : "text/plain; version=0.0.4";
  fuzz_push_body(body, type, (mode & 2) != 0);
  return 0;
}
