// runner_protocol.hpp — the framed binary protocol between the host and a
// collector-runner child (isolation = "process"): frame types, the encoder
// and a bounds-checked decoder, shared by both sides. A frame is
// u32 length (little-endian, of what follows) | u8 type | fields; fields are
// fixed-width little-endian integers, doubles (IEEE bits) and strings as
// u32 length + bytes + a NUL (so a decoded string is a C string in place).
// Sample records, the bulk of a collect, are compact instead: varint
// lengths and counts, no NULs, label names sent once per collect and then
// as a code (LabelNameCodes), so the host checks each name once, and label
// values gathered at the end of their collect_part (see begin_part), so the
// host checks and copies them once per part.
// The host reads a child as hostile: every length is checked against what is
// left and against hard caps; a decode failure kills that child.
//
// Thread-safety: FrameWriter/FrameReader are values; one per thread.
// write_all is safe from several threads on one fd only when the writers
// serialise themselves (each frame must reach the socket whole).
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "plugin_exporter/plugin.h"

namespace pe::host::isolation {

enum class FrameType : uint8_t {
  hello = 1,          // child → host: descriptor (name, version, description, capabilities)
  create = 2,         // host → child: collector name, state_dir, check_only
  create_done = 3,    // child → host: status
  config_call = 4,    // child → host: one pe_host_api config_* call during create
  config_reply = 5,   // host → child: its answer
  route = 6,          // child → host: register_route during create
  log = 7,            // child → host: a log line (any time)
  collect = 8,        // host → child: id, deadline, parameters
  collect_done = 9,   // child → host: id, status (its records came in collect_part frames)
  http = 10,          // host → child: id, a pe_http_request
  http_done = 11,     // child → host: id, status, response code, headers, body
  destroy = 12,       // host → child: destroy the instance and exit
  destroy_done = 13,  // child → host
  collect_part = 14,  // child → host: id, sink records so far (begin_part; while collect runs)
};

// Hard limits the decoder enforces (a frame beyond them is a protocol error).
inline constexpr uint32_t kMaxFrameBytes = 512u << 20;  // one collect's batch at most
inline constexpr uint32_t kMaxLabels = 1u << 16;        // labels of one sample / headers

// Sink records inside a collect_done batch.
enum class SinkRecord : uint8_t { family = 1, sample = 2, text = 3, error = 4, stat = 5 };

// Config calls (pe_host_api config_* entries) a child may forward.
enum class ConfigOp : uint8_t {
  kind = 1,
  get = 2,
  size = 3,
  at = 4,
  key_at = 5,
  string = 6,
  integer = 7,
  floating = 8,
  boolean = 9,
  duration = 10,
  secret = 11,
  error = 12,
};

namespace detail {
// Little-endian fixed-width stores and loads: one move on a little-endian host.
template <typename T>
inline void store_le(char* p, T v) noexcept {
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(p, &v, sizeof v);
  } else {
    for (std::size_t i = 0; i < sizeof v; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  }
}
template <typename T>
inline T load_le(const char* p) noexcept {
  T v = 0;
  if constexpr (std::endian::native == std::endian::little) {
    // One load (for the loop below g++ 12 kept a byte loop). g++ 12 takes
    // a std::string's bytes, read through it after the string was moved,
    // for maybe uninitialized: a false report, silenced for this load only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
    std::memcpy(&v, p, sizeof v);
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
  } else {
    for (std::size_t i = sizeof v; i-- > 0;)
      v = static_cast<T>(v << 8 | static_cast<unsigned char>(p[i]));
  }
  return v;
}
}  // namespace detail

// Encodes one frame into a buffer it owns and keeps (reset() reuses it).
// The field writers are inline: the child encodes every sink record with
// them, so they must cost a few stores, not a call per field.
class FrameWriter {
 public:
  explicit FrameWriter(FrameType type) { reset(type); }
  // Starts a new frame of `type` in the same buffer (its capacity kept).
  void reset(FrameType type) {
    size_ = 0;
    u32(0);  // the length, filled by finish()
    u8(static_cast<uint8_t>(type));
  }
  void u8(uint8_t v) { *room(1) = static_cast<char>(v), size_ += 1; }
  void u32(uint32_t v) { detail::store_le(room(4), v), size_ += 4; }
  void u64(uint64_t v) { detail::store_le(room(8), v), size_ += 8; }
  void i32(int32_t v) { u32(static_cast<uint32_t>(v)); }
  void i64(int64_t v) { u64(static_cast<uint64_t>(v)); }
  void f64(double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    u64(bits);
  }
  void str(std::string_view s) {
    char* p = room(s.size() + 5);
    detail::store_le(p, static_cast<uint32_t>(s.size()));
    if (!s.empty()) std::memcpy(p + 4, s.data(), s.size());
    p[4 + s.size()] = '\0';
    size_ += s.size() + 5;
  }
  // A nullable C string: a presence byte, then the string.
  void opt_str(const char* s) {
    u8(s ? 1 : 0);
    if (s) str(s);
  }
  // An unsigned LEB128 integer: one byte below 128.
  void varint(uint32_t v) {
    char* p = room(5);
    std::size_t n = 0;
    for (; v >= 0x80; v >>= 7) p[n++] = static_cast<char>((v & 0x7f) | 0x80);
    p[n++] = static_cast<char>(v);
    size_ += n;
  }
  // Bytes of a compact record: varint length, the bytes, no NUL.
  void vbytes(std::string_view s) {
    varint(static_cast<uint32_t>(s.size()));
    raw(s);
  }
  // Bytes as they are (no length).
  void raw(std::string_view s) {
    if (!s.empty()) std::memcpy(room(s.size()), s.data(), s.size());
    size_ += s.size();
  }
  // Overwrites the u32 written at `at` (from the frame's start).
  void patch_u32(std::size_t at, uint32_t v) { detail::store_le(data_.get() + at, v); }
  // The finished frame, length filled in; valid until the next write.
  std::string_view finish() {
    detail::store_le(data_.get(), static_cast<uint32_t>(size_ - 4));
    return {data_.get(), size_};
  }
  std::size_t size() const noexcept { return size_; }
  std::size_t capacity() const noexcept { return cap_; }

 private:
  char* room(std::size_t n) {
    if (cap_ - size_ < n) grow(n);
    return data_.get() + size_;
  }
  void grow(std::size_t n);
  std::unique_ptr<char[]> data_;
  std::size_t size_ = 0, cap_ = 0;
};

// A collect_part frame: u64 id | u32 records_bytes | records | strings.
// `strings` holds the label values of the part's sample records one after
// the other, in the order the records give their lengths: the host checks
// the whole block (UTF-8, no NUL) and copies it into the collect's
// MetricSet once, and then each value is a view into that copy (a value
// that does not start and end on a character boundary is checked alone).
inline constexpr std::size_t kPartRecordsAt = 4 + 1 + 8 + 4;  // in the frame
// Starts a collect_part of collect `id` in `w`.
inline void begin_part(FrameWriter& w, uint64_t id) {
  w.reset(FrameType::collect_part);
  w.u64(id);
  w.u32(0);  // records_bytes, filled by finish_part()
}
// The finished part: the records written since begin_part, then `strings`
// (emptied for the next part).
inline std::string_view finish_part(FrameWriter& w, std::string& strings) {
  w.patch_u32(kPartRecordsAt - 4, static_cast<uint32_t>(w.size() - kPartRecordsAt));
  w.raw(strings);
  strings.clear();
  return w.finish();
}

// A sample record: u8 SinkRecord::sample | u8 flags | [name: vbytes] |
// varint label count | per label: varint name code [+ vbytes name], varint
// value length (the bytes go to the part's strings) | f64 value | [i64
// timestamp]. A null string is sent as empty (an in-process sink reads a
// null label name or value as ""), except the sample name, whose absence
// (the family's name) is a flag.
inline constexpr uint8_t kSampleHasName = 1, kSampleHasTimestamp = 2;
// Label name codes: the name follows and is not remembered; the name
// follows and becomes the next entry of the collect's table; entry i is
// code kFirstLabelNameIndex + i. A collect remembers kMaxLabelNameCodes.
inline constexpr uint32_t kInlineLabelName = 0, kNewLabelName = 1, kFirstLabelNameIndex = 2;
inline constexpr uint32_t kMaxLabelNameCodes = 4096;

// The child's side of one collect's label name table.
// Thread-safety: one collect's; not shared.
class LabelNameCodes {
 public:
  // Writes the code of the label name at `position` in its sample (and the
  // name itself the first time). Most samples repeat the label names of the
  // last one in the same order: that is one comparison per label.
  void write(FrameWriter& w, std::size_t position, const char* name) {
    if (position < last_.size() && equals(last_[position].first, name)) {
      w.varint(last_[position].second);
      return;
    }
    write_looked_up(w, position, name);
  }
  void write(FrameWriter& w, std::size_t position, const std::string& name) {
    write(w, position, name.c_str());
  }

 private:
  // `known` (no NUL inside) against a C string, without measuring it first.
  static bool equals(std::string_view known, const char* s) noexcept {
    for (const char c : known)
      if (*s++ != c) return false;  // a shorter `s` stops at its NUL
    return *s == '\0';
  }
  void write_looked_up(FrameWriter& w, std::size_t position, std::string_view name);
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  std::unordered_map<std::string, uint32_t, Hash, std::equal_to<>> codes_;
  // The name (a key of codes_) and code last written at each position.
  std::vector<std::pair<std::string_view, uint32_t>> last_;
};

// The sink records of a plugin's sink_family and sink_sample as the child
// sends them (replay_collect_batch in isolation/reply_decoder reads them
// back). A sample's `labels` holds `label_count` labels: the caller checked.
inline void write_family_record(FrameWriter& w, const pe_family& f) {
  w.u8(static_cast<uint8_t>(SinkRecord::family));
  w.opt_str(f.name);
  w.opt_str(f.help);
  w.i32(f.type);
  w.opt_str(f.unit);
}
inline void write_sample_record(FrameWriter& w, LabelNameCodes& names, std::string& strings,
                                const pe_sample& s) {
  w.u8(static_cast<uint8_t>(SinkRecord::sample));
  w.u8(static_cast<uint8_t>((s.name ? kSampleHasName : 0) |
                            (s.has_timestamp ? kSampleHasTimestamp : 0)));
  if (s.name) w.vbytes(s.name);
  w.varint(static_cast<uint32_t>(s.label_count));
  for (size_t i = 0; i < s.label_count; ++i) {
    names.write(w, i, s.labels[i].name ? s.labels[i].name : "");
    const std::string_view value = s.labels[i].value ? s.labels[i].value : "";
    w.varint(static_cast<uint32_t>(value.size()));
    strings.append(value);
  }
  w.f64(s.value);
  if (s.has_timestamp) w.i64(s.timestamp_ms);
}

// Reads the fields of one frame's payload (after the type byte). Any read
// past the end, or a string without its NUL, sets failed() and returns
// zero values from then on. Inline, like the writer: the host decodes every
// record of a collect with it.
class FrameReader {
 public:
  FrameReader(const char* data, std::size_t size) : p_(data), left_(size) {}
  uint8_t u8() { return take<uint8_t>(); }
  uint32_t u32() { return take<uint32_t>(); }
  uint64_t u64() { return take<uint64_t>(); }
  int32_t i32() { return static_cast<int32_t>(u32()); }
  int64_t i64() { return static_cast<int64_t>(u64()); }
  double f64() {
    const uint64_t bits = u64();
    double v;
    std::memcpy(&v, &bits, sizeof v);
    return v;
  }
  // The string's bytes; data()[size()] is the NUL that followed it.
  std::string_view str() {
    const std::size_t n = u32();
    if (left_ < n + 1 || p_[n] != '\0') {
      fail();
      return {};
    }
    std::string_view s(p_, n);
    p_ += n + 1;
    left_ -= n + 1;
    return s;
  }
  // A nullable string: null when absent.
  const char* opt_str() {
    const uint8_t present = u8();
    if (present > 1) fail();
    if (!present || failed_) return nullptr;
    const char* s = str().data();
    return failed_ ? nullptr : s;
  }
  // A varint (FrameWriter::varint); more than 32 bits fails.
  uint32_t varint() {
    if (left_ && static_cast<unsigned char>(*p_) < 0x80) {  // the usual one byte
      --left_;
      return static_cast<unsigned char>(*p_++);
    }
    return varint_slow();
  }
  // FrameWriter::vbytes: a view of the bytes (data() non-null even when
  // empty, unless failed).
  std::string_view vbytes() {
    const uint32_t n = varint();
    if (left_ < n) {
      fail();
      return {};
    }
    const std::string_view s(p_, n);
    p_ += n;
    left_ -= n;
    return s;
  }
  // vbytes() read as the C string it stands for: up to its first NUL
  // (what a plugin's char* says, even when a hostile child put a NUL inside).
  std::string_view vcstr() {
    const std::string_view s = vbytes();
    return s.substr(0, s.find('\0'));  // npos: all of it
  }
  // A count of items that take at least `min_item_bytes` each, checked
  // against `max` and against what is left: a u32, or a varint.
  uint32_t count(uint32_t max, std::size_t min_item_bytes) {
    return checked_count(u32(), max, min_item_bytes);
  }
  uint32_t vcount(uint32_t max, std::size_t min_item_bytes) {
    return checked_count(varint(), max, min_item_bytes);
  }
  bool failed() const noexcept { return failed_; }
  bool at_end() const noexcept { return left_ == 0; }
  void fail() noexcept {
    failed_ = true;
    left_ = 0;
  }

 private:
  uint32_t varint_slow();
  uint32_t checked_count(uint32_t n, uint32_t max, std::size_t min_item_bytes) {
    if (failed_ || n > max || (min_item_bytes && n > left_ / min_item_bytes)) {
      fail();
      return 0;
    }
    return n;
  }
  // The next sizeof(T) bytes, little-endian; 0 (and failed) when fewer are
  // left. After a failure left_ is 0, so every later read fails too.
  template <typename T>
  T take() {
    if (left_ < sizeof(T)) {
      fail();
      return 0;
    }
    const T v = detail::load_le<T>(p_);
    p_ += sizeof(T);
    left_ -= sizeof(T);
    return v;
  }
  const char* p_;
  std::size_t left_;
  bool failed_ = false;
};

// The length field of the frame that starts at `p` (4 bytes there): what
// follows it, type included. Callers check it against kMaxFrameBytes.
inline uint32_t frame_length(const char* p) noexcept {
  return detail::load_le<uint32_t>(p);
}

// Writes a whole buffer (retrying on EINTR and short writes). False on error.
bool write_all(int fd, const char* data, std::size_t size) noexcept;
// Writes two buffers back to back with one writev (and more on short writes).
bool write_all(int fd, std::string_view first, std::string_view second) noexcept;

// Frames are read with isolation/frame_stream.hpp.

}  // namespace pe::host::isolation
