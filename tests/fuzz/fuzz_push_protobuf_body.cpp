// fuzz_push_protobuf_body.cpp — libFuzzer target for the varint-delimited
// protobuf MetricFamily stream Go clients push.
#include "fuzz_push_body.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz_push_body(std::string_view(reinterpret_cast<const char*>(data), size),
                 "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; "
                 "encoding=delimited",
                 false);
  return 0;
}
