// fuzz_push_body.hpp — the body of the push body fuzzers: decodes the input
// as a push (format and gzip chosen by the caller) with small limits; a
// PushError is an expected refusal, anything else escaping is a bug; an
// accepted push must hold distinct series within each family.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "body/push_body.hpp"
#include "store/push_error.hpp"

inline void fuzz_push_body(std::string_view body, std::string_view content_type, bool gzip) {
  static const pe::push::GroupingKey key = [] {
    pe::push::GroupingKey k;
    k.labels = {{"job", "fuzz"}, {"instance", "i"}};
    k.seal();
    return k;
  }();
  pe::push::BodyLimits limits;
  limits.rules.max_series_per_push = 10000;
  limits.max_decompressed_bytes = 1 << 20;
  pe::push::PushedFamilies out;
  try {
    pe::push::decode_push_body(body, content_type, gzip ? "gzip" : "", key, limits, out);
  } catch (const pe::push::PushError& e) {
    if (e.status() != 400 && e.status() != 413 && e.status() != 415) std::abort();
    return;
  }
  std::size_t series = 0;
  for (const auto& f : out.families) {
    series += f->size();
    for (const auto& s : f->series())
      if (f->find(s.hash) < 0) std::abort();
  }
  if (series != out.series) std::abort();
}
