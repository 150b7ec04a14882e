// fuzz_push_state_record.cpp — libFuzzer target for the state files read at
// start (WAL segments, snapshots): records are decoded and replayed into a
// store until the first torn one; the restored store must encode and decode
// back to itself. An input whose first byte is odd is taken as one record's
// payload and framed with its true length and CRC, so mutations reach the
// payload decoder instead of stopping at the checksum.
#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "store/metric_store.hpp"
#include "store/state_record.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string framed;
  if (size > 0 && (data[0] & 1)) {
    const auto len = static_cast<uint32_t>(size - 1);
    const auto crc = static_cast<uint32_t>(crc32(0L, data + 1, len));
    for (int i = 0; i < 4; ++i) framed.push_back(static_cast<char>((len >> (8 * i)) & 0xff));
    for (int i = 0; i < 4; ++i) framed.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
    framed.append(reinterpret_cast<const char*>(data + 1), len);
    in = framed;
  }
  pe::push::MetricStore store({}, pe::push::HelpPolicy::last, {});
  pe::push::StateRecord rec;
  std::string error;
  std::size_t offset = 0;
  while (pe::push::decode_record(in, offset, rec, error) == pe::push::DecodeOutcome::ok)
    store.restore(rec);
  // Round trip of what was restored.
  std::string bytes;
  std::size_t groups = 0, series = 0;
  for (const auto& g : store.snapshot(0)) {
    pe::push::encode_record(pe::push::full_state_record(*g), bytes);
    ++groups;
    series += g->series;
  }
  pe::push::MetricStore again({}, pe::push::HelpPolicy::last, {});
  offset = 0;
  while (pe::push::decode_record(bytes, offset, rec, error) == pe::push::DecodeOutcome::ok)
    again.restore(rec);
  if (offset != bytes.size()) std::abort();
  auto t = again.totals();
  if (t.groups != groups || t.series != series) std::abort();
  return 0;
}
