// batch_queue.cpp — memory and directory-backed queue of encoded batches.
//
// On disk: <dir>/<seq, 20 digits>.batch = header (magic "PERWB00" + the
// body's protocol, '1' for a 1.0 body or '2' for 2.0; samples u64, oldest_ms
// i64, newest_ms i64, body length u64, CRC-32 of the body u32, little endian)
// + body; <dir>/sent = the last acknowledged seq as text.
#include "remote_write/batch_queue.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "base/durable_file.hpp"

namespace pe::host::remote_write {
namespace fs = std::filesystem;
namespace {

constexpr char kMagic[7] = {'P', 'E', 'R', 'W', 'B', '0', '0'};  // + '1' or '2'
constexpr std::size_t kMagicSize = 8;
constexpr std::size_t kHeaderSize = 8 + 8 + 8 + 8 + 8 + 4;

template <typename T>
void put(std::string& out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.append(b, sizeof(T));
}

template <typename T>
T get(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

uint32_t crc_of(std::string_view body) {
  return static_cast<uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size())));
}

bool read_all(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

// Parses a batch file; false if torn or corrupt.
bool parse_batch(const std::string& data, QueuedBatch& b) {
  if (data.size() < kHeaderSize || std::memcmp(data.data(), kMagic, sizeof kMagic) != 0)
    return false;
  if (data[7] == '1')
    b.protocol = Protocol::v1;
  else if (data[7] == '2')
    b.protocol = Protocol::v2;
  else
    return false;
  const char* p = data.data() + kMagicSize;
  b.samples = get<uint64_t>(p);
  b.oldest_ms = get<int64_t>(p + 8);
  b.newest_ms = get<int64_t>(p + 16);
  uint64_t len = get<uint64_t>(p + 24);
  uint32_t crc = get<uint32_t>(p + 32);
  if (len != data.size() - kHeaderSize) return false;
  b.body.assign(data, kHeaderSize, std::string::npos);
  return crc_of(b.body) == crc;
}

}  // namespace

BatchQueue::BatchQueue(std::string dir, uint64_t capacity_bytes)
    : dir_(std::move(dir)), capacity_(capacity_bytes) {}

std::string BatchQueue::file_of(uint64_t seq) const {
  char name[40];
  std::snprintf(name, sizeof name, "%020" PRIu64 ".batch", seq);
  return (fs::path(dir_) / name).string();
}

bool BatchQueue::open(QueueOpenStats& stats, std::string& error) {
  if (dir_.empty()) return true;
  std::lock_guard lock(mu_);
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec || !fs::is_directory(dir_, ec)) {
    error = "cannot create the queue directory " + dir_ + ": " + ec.message();
    return false;
  }
  uint64_t sent = 0;
  std::string text;
  if (read_all((fs::path(dir_) / "sent").string(), text))
    sent = std::strtoull(text.c_str(), nullptr, 10);
  std::vector<uint64_t> seqs;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    std::string name = entry.path().filename().string();
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".tmp") == 0) {
      fs::remove(entry.path(), ec);  // a write a crash interrupted
      continue;
    }
    if (name.size() != 26 || name.compare(20, 6, ".batch") != 0) continue;
    seqs.push_back(std::strtoull(name.substr(0, 20).c_str(), nullptr, 10));
  }
  if (ec) {
    error = "cannot list the queue directory " + dir_ + ": " + ec.message();
    return false;
  }
  std::sort(seqs.begin(), seqs.end());
  next_seq_ = sent + 1;
  for (uint64_t seq : seqs) {
    next_seq_ = std::max(next_seq_, seq + 1);
    std::string path = file_of(seq);
    if (seq <= sent) {  // acknowledged; the crash came before the unlink
      fs::remove(path, ec);
      continue;
    }
    QueuedBatch b;
    std::string data;
    if (!read_all(path, data) || !parse_batch(data, b)) {
      ++stats.corrupt_batches;
      if (data.size() >= 16) stats.corrupt_samples += get<uint64_t>(data.data() + 8);
      fs::remove(path, ec);
      continue;
    }
    entries_.push_back(
        Entry{seq, data.size(), b.samples, b.oldest_ms, b.newest_ms, b.protocol, {}});
    bytes_ += data.size();
    ++stats.batches;
    stats.samples += b.samples;
  }
  return true;
}

void BatchQueue::drop_front_locked() {
  const Entry& e = entries_.front();
  bytes_ -= e.bytes;
  if (!dir_.empty()) {
    std::error_code ec;
    fs::remove(file_of(e.seq), ec);
  }
  entries_.pop_front();
}

uint64_t BatchQueue::push(QueuedBatch batch, bool& stored, std::string& error) {
  std::string& body = batch.body;
  const uint64_t samples = batch.samples;
  std::unique_lock lock(mu_);
  stored = true;
  const uint64_t seq = next_seq_++;
  const uint64_t size = body.size() + (dir_.empty() ? 0 : kHeaderSize);
  uint64_t dropped = 0;
  if (size > capacity_) {
    stored = false;
    error = "a batch is larger than the queue capacity";
    return samples;
  }
  while (!entries_.empty() && bytes_ + size > capacity_) {
    dropped += entries_.front().samples;
    drop_front_locked();
  }
  Entry e{seq, size, samples, batch.oldest_ms, batch.newest_ms, batch.protocol, {}};
  if (!dir_.empty()) {
    std::string header(kMagic, sizeof kMagic);
    header.push_back(batch.protocol == Protocol::v2 ? '2' : '1');
    put<uint64_t>(header, samples);
    put<int64_t>(header, batch.oldest_ms);
    put<int64_t>(header, batch.newest_ms);
    put<uint64_t>(header, body.size());
    put<uint32_t>(header, crc_of(body));
    // Written under the lock so the sender never sees a batch before its file.
    if (!write_file_durably(file_of(seq), {header, body})) {
      stored = false;
      error = "cannot write " + file_of(seq) + ": " + std::strerror(errno);
      return dropped + samples;
    }
    sync_directory(dir_);
  } else {
    e.body = std::move(body);
  }
  entries_.push_back(std::move(e));
  bytes_ += size;
  cv_.notify_all();
  return dropped;
}

std::optional<QueuedBatch> BatchQueue::front(std::chrono::milliseconds wait) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, wait, [&] { return stopped_ || !entries_.empty(); });
  while (!stopped_ && !entries_.empty()) {
    const Entry& e = entries_.front();
    QueuedBatch b;
    b.seq = e.seq;
    b.samples = e.samples;
    b.oldest_ms = e.oldest_ms;
    b.newest_ms = e.newest_ms;
    b.protocol = e.protocol;
    if (dir_.empty()) {
      b.body = e.body;
      return b;
    }
    std::string data;
    QueuedBatch on_disk;
    if (read_all(file_of(e.seq), data) && parse_batch(data, on_disk)) {
      b.body = std::move(on_disk.body);
      return b;
    }
    drop_front_locked();  // vanished or damaged under us: nothing to send
  }
  return std::nullopt;
}

bool BatchQueue::contains(uint64_t seq) const {
  std::lock_guard lock(mu_);
  return std::any_of(entries_.begin(), entries_.end(),
                     [&](const Entry& e) { return e.seq == seq; });
}

bool BatchQueue::write_sent_record(uint64_t seq) {
  std::string text = std::to_string(seq) + "\n";
  return write_file_durably((fs::path(dir_) / "sent").string(), {text});
}

void BatchQueue::ack(uint64_t seq) {
  std::lock_guard lock(mu_);
  if (entries_.empty() || entries_.front().seq != seq) return;
  if (!dir_.empty()) write_sent_record(seq);
  drop_front_locked();
}

void BatchQueue::stop() {
  std::lock_guard lock(mu_);
  stopped_ = true;
  cv_.notify_all();
}

bool BatchQueue::sleep_for(std::chrono::nanoseconds d) {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, d, [&] { return stopped_; });
}

uint64_t BatchQueue::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

std::size_t BatchQueue::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

std::optional<int64_t> BatchQueue::oldest_unsent_ms() const {
  std::lock_guard lock(mu_);
  if (entries_.empty()) return std::nullopt;
  return entries_.front().oldest_ms;
}

}  // namespace pe::host::remote_write
