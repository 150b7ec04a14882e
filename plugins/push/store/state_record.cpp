// state_record.cpp — binary encoding of StateRecord.
#include "store/state_record.hpp"

#include <zlib.h>

#include <cstring>
#include <stdexcept>

namespace pe::push {
namespace {

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void varint(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void svarint(int64_t v) {
    varint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
  }
  void fixed64(uint64_t v) {
    char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
    out_.append(b, 8);
  }
  void f64(double d) {
    uint64_t v;
    std::memcpy(&v, &d, 8);
    fixed64(v);
  }
  void str(std::string_view s) {
    varint(s.size());
    out_.append(s);
  }

 private:
  std::string& out_;
};

struct Truncated : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  uint8_t u8() {
    need(1);
    return static_cast<uint8_t>(in_[pos_++]);
  }
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b = u8();
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    throw Truncated("overlong varint");
  }
  int64_t svarint() {
    uint64_t v = varint();
    return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
  }
  uint64_t fixed64() {
    need(8);
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i)
      v |= static_cast<uint64_t>(static_cast<uint8_t>(in_[pos_ + i])) << (8 * i);
    pos_ += 8;
    return v;
  }
  double f64() {
    uint64_t v = fixed64();
    double d;
    std::memcpy(&d, &v, 8);
    return d;
  }
  std::string_view str() {
    uint64_t n = varint();
    need(n);
    std::string_view s = in_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  // A count of items each at least `min_bytes` long: bounded by what is left.
  std::size_t count(std::size_t min_bytes) {
    uint64_t n = varint();
    if (n > (in_.size() - pos_) / (min_bytes ? min_bytes : 1)) throw Truncated("impossible count");
    return n;
  }
  bool done() const { return pos_ == in_.size(); }

 private:
  void need(uint64_t n) {
    if (n > in_.size() - pos_) throw Truncated("record shorter than its content");
  }
  std::string_view in_;
  std::size_t pos_ = 0;
};

void write_key(Writer& w, const GroupingKey& key) {
  w.varint(key.labels.size());
  for (const auto& [k, v] : key.labels) {
    w.str(k);
    w.str(v);
  }
}

void read_key(Reader& r, GroupingKey& key) {
  key.labels.clear();
  std::size_t n = r.count(2);
  for (std::size_t i = 0; i < n; ++i) {
    std::string k(r.str());
    std::string v(r.str());
    key.labels.emplace_back(std::move(k), std::move(v));
  }
  key.seal();
}

void write_family(Writer& w, const StoredFamily& f) {
  w.str(f.name());
  w.u8(static_cast<uint8_t>(f.type()));
  w.u8(f.has_help() ? 1 : 0);
  w.str(f.help());
  w.str(f.unit());
  w.varint(f.size());
  for (const auto& s : f.series()) {
    w.str(f.str(s.name));
    auto labels = f.labels_of(s);
    w.varint(labels.size());
    for (const auto& l : labels) {
      w.str(f.str(l.name));
      w.str(f.str(l.value));
    }
    w.f64(s.value);
    w.u8(s.has_timestamp ? 1 : 0);
    if (s.has_timestamp) w.svarint(s.timestamp_ms);
  }
}

FamilyPtr read_family(Reader& r) {
  std::string_view name = r.str();
  uint8_t type = r.u8();
  if (type > static_cast<uint8_t>(MetricType::stateset)) throw Truncated("unknown metric type");
  bool has_help = r.u8() != 0;
  std::string_view help = r.str();
  std::string_view unit = r.str();
  auto f =
      std::make_shared<StoredFamily>(name, static_cast<MetricType>(type), help, has_help, unit);
  std::size_t n = r.count(10);
  std::vector<LabelPairView> labels;
  for (std::size_t i = 0; i < n; ++i) {
    std::string_view sample = r.str();
    std::size_t nl = r.count(2);
    labels.clear();
    for (std::size_t j = 0; j < nl; ++j) {
      std::string_view k = r.str();
      std::string_view v = r.str();
      labels.push_back(LabelPairView{k, v});
    }
    double value = r.f64();
    bool has_ts = r.u8() != 0;
    int64_t ts = has_ts ? r.svarint() : 0;
    f->append(sample, labels, value, has_ts, ts);
  }
  f->finish();
  return f;
}

}  // namespace

StateRecord full_state_record(const GroupState& group) {
  StateRecord rec;
  rec.key = *group.key;
  rec.push_time_ms = group.push_time_ms;
  rec.failure_time_ms = group.failure_time_ms;
  rec.ttl_ms = group.ttl_ms;
  rec.aggregate = group.aggregate;
  rec.replace_all = true;
  rec.families = group.families;
  rec.pushers = group.pushers;
  return rec;
}

void encode_record(const StateRecord& rec, std::string& out) {
  const std::size_t start = out.size();
  out.append(8, '\0');  // length + crc, filled below
  Writer w(out);
  w.u8(static_cast<uint8_t>(rec.op));
  if (rec.op != StateRecord::Op::wipe) write_key(w, rec.key);
  if (rec.op == StateRecord::Op::update) {
    w.svarint(rec.push_time_ms);
    w.svarint(rec.failure_time_ms);
    w.svarint(rec.ttl_ms);
    w.u8(static_cast<uint8_t>((rec.aggregate ? 1 : 0) | (rec.replace_all ? 2 : 0)));
    w.varint(rec.removed_families.size());
    for (const auto& n : rec.removed_families) w.str(n);
    w.varint(rec.families.size());
    for (const auto& f : rec.families) write_family(w, *f);
    w.varint(rec.pushers.size());
    for (const auto& p : rec.pushers) {
      w.str(p->id);
      w.svarint(p->last_seen_ms);
      w.varint(p->last.size());
      for (const auto& [h, v] : p->last) {
        w.fixed64(h);
        w.f64(v);
      }
    }
    w.varint(rec.removed_pushers.size());
    for (const auto& n : rec.removed_pushers) w.str(n);
  }
  const auto len = static_cast<uint32_t>(out.size() - start - 8);
  const auto crc =
      static_cast<uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(out.data() + start + 8), len));
  for (int i = 0; i < 4; ++i) {
    out[start + i] = static_cast<char>((len >> (8 * i)) & 0xff);
    out[start + 4 + i] = static_cast<char>((crc >> (8 * i)) & 0xff);
  }
}

DecodeOutcome decode_record(std::string_view data, std::size_t& offset, StateRecord& rec,
                            std::string& error) {
  if (offset >= data.size()) return DecodeOutcome::end;
  if (data.size() - offset < 8) {
    error = "incomplete record header (" + std::to_string(data.size() - offset) + " bytes)";
    return DecodeOutcome::torn;
  }
  uint32_t len = 0, crc = 0;
  for (int i = 0; i < 4; ++i) {
    len |= static_cast<uint32_t>(static_cast<uint8_t>(data[offset + i])) << (8 * i);
    crc |= static_cast<uint32_t>(static_cast<uint8_t>(data[offset + 4 + i])) << (8 * i);
  }
  if (len > data.size() - offset - 8) {
    error = "record of " + std::to_string(len) + " bytes but only " +
            std::to_string(data.size() - offset - 8) + " left";
    return DecodeOutcome::torn;
  }
  std::string_view payload = data.substr(offset + 8, len);
  if (static_cast<uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(payload.data()), len)) !=
      crc) {
    error = "checksum mismatch";
    return DecodeOutcome::torn;
  }
  try {
    Reader r(payload);
    rec = StateRecord{};
    uint8_t op = r.u8();
    if (op < 1 || op > 3) throw Truncated("unknown record type " + std::to_string(op));
    rec.op = static_cast<StateRecord::Op>(op);
    if (rec.op != StateRecord::Op::wipe) read_key(r, rec.key);
    if (rec.op == StateRecord::Op::update) {
      rec.push_time_ms = r.svarint();
      rec.failure_time_ms = r.svarint();
      rec.ttl_ms = r.svarint();
      uint8_t flags = r.u8();
      rec.aggregate = flags & 1;
      rec.replace_all = flags & 2;
      std::size_t n = r.count(1);
      for (std::size_t i = 0; i < n; ++i) rec.removed_families.emplace_back(r.str());
      n = r.count(6);
      for (std::size_t i = 0; i < n; ++i) rec.families.push_back(read_family(r));
      n = r.count(3);
      for (std::size_t i = 0; i < n; ++i) {
        auto p = std::make_shared<PusherState>();
        p->id = std::string(r.str());
        p->last_seen_ms = r.svarint();
        std::size_t m = r.count(16);
        for (std::size_t j = 0; j < m; ++j) {
          uint64_t h = r.fixed64();
          double v = r.f64();
          p->last.emplace_back(h, v);
        }
        rec.pushers.push_back(std::move(p));
      }
      n = r.count(1);
      for (std::size_t i = 0; i < n; ++i) rec.removed_pushers.emplace_back(r.str());
    }
    if (!r.done()) throw Truncated("trailing bytes in record");
  } catch (const Truncated& e) {
    error = std::string("malformed record: ") + e.what();
    return DecodeOutcome::torn;
  }
  offset += 8 + len;
  return DecodeOutcome::ok;
}

std::string encode_file_header(std::string_view magic, uint64_t sequence) {
  std::string out(magic);
  Writer w(out);
  w.fixed64(sequence);
  return out;
}

std::optional<uint64_t> decode_file_header(std::string_view data, std::string_view magic) {
  if (data.size() < kFileHeaderSize || data.substr(0, 8) != magic) return std::nullopt;
  Reader r(data.substr(8, 8));
  return r.fixed64();
}

}  // namespace pe::push
