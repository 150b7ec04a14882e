// state_record.hpp — the unit of durable state: one change to one group (or
// a wipe), as the write-ahead log and the snapshot store it. A record says
// what the group becomes, not how it got there (aggregated values are
// logged as results), so replaying records in order rebuilds the store
// exactly, whatever the aggregation rules are at replay time.
//
// Framing: [u32 payload length][u32 CRC-32 of the payload][payload], little
// endian. Payload: varints, length-prefixed strings, IEEE doubles.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/group_state.hpp"
#include "store/grouping_key.hpp"

namespace pe::push {

struct StateRecord {
  enum class Op : uint8_t { update = 1, remove = 2, wipe = 3 };
  Op op = Op::update;
  GroupingKey key;
  // update only:
  int64_t push_time_ms = 0;
  int64_t failure_time_ms = 0;
  int64_t ttl_ms = 0;
  bool aggregate = false;
  bool replace_all = false;  // drop every family and pusher before applying
  std::vector<std::string> removed_families;
  std::vector<FamilyPtr> families;  // put (replacing same-named ones)
  std::vector<PusherPtr> pushers;   // put (replacing same-id ones)
  std::vector<std::string> removed_pushers;
};

// Appends the framed record to `out`.
void encode_record(const StateRecord& record, std::string& out);

// The record that recreates `group` whole (snapshots and compaction).
StateRecord full_state_record(const GroupState& group);

enum class DecodeOutcome { ok, end, torn };

// Decodes the framed record at `data[offset]`, advancing `offset`. `end`:
// nothing left; `torn`: an incomplete or corrupt record (the reason in
// `error`), offset unchanged.
DecodeOutcome decode_record(std::string_view data, std::size_t& offset, StateRecord& out,
                            std::string& error);

// The 8-byte magic + u64 sequence header of WAL segments and snapshots.
inline constexpr std::string_view kWalMagic = "PEPUSHW1";
inline constexpr std::string_view kSnapshotMagic = "PEPUSHS1";
std::string encode_file_header(std::string_view magic, uint64_t sequence);
std::optional<uint64_t> decode_file_header(std::string_view data, std::string_view magic);
inline constexpr std::size_t kFileHeaderSize = 16;

}  // namespace pe::push
