// fuzz_push_state_record.cpp — libFuzzer target for the state files read at
// start (WAL segments, snapshots): records are decoded and replayed into a
// store until the first torn one; the restored store must encode and decode
// back to itself.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "metric_store.hpp"
#include "state_record.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  pe::push::MetricStore store({}, pe::push::HelpPolicy::last, {});
  pe::push::StateRecord rec;
  std::string error;
  std::size_t offset = 0;
  while (pe::push::decode_record(in, offset, rec, error) == pe::push::DecodeOutcome::ok) store.restore(rec);
  // Round trip of what was restored.
  std::string bytes;
  std::size_t groups = 0, series = 0;
  for (const auto& g : store.snapshot(0)) {
    pe::push::StateRecord r;
    r.key = *g->key;
    r.push_time_ms = g->push_time_ms;
    r.failure_time_ms = g->failure_time_ms;
    r.ttl_ms = g->ttl_ms;
    r.aggregate = g->aggregate;
    r.replace_all = true;
    r.families = g->families;
    r.pushers = g->pushers;
    pe::push::encode_record(r, bytes);
    ++groups;
    series += g->series;
  }
  pe::push::MetricStore again({}, pe::push::HelpPolicy::last, {});
  offset = 0;
  while (pe::push::decode_record(bytes, offset, rec, error) == pe::push::DecodeOutcome::ok) again.restore(rec);
  if (offset != bytes.size()) std::abort();
  auto t = again.totals();
  if (t.groups != groups || t.series != series) std::abort();
  return 0;
}
