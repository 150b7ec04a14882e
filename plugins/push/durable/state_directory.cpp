// state_directory.cpp — locking, recovery and compaction of the state files.
#include "durable/state_directory.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "durable/file_io.hpp"
#include "store/state_record.hpp"

namespace pe::push {
namespace fs = std::filesystem;
namespace {

constexpr const char* kSnapshot = "snapshot.bin";
constexpr const char* kSnapshotTmp = "snapshot.bin.tmp";

}  // namespace

int64_t system_realtime_ms() noexcept {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

StateDirectory::StateDirectory(std::string dir, Durability durability, HostLog log,
                               pe::RealtimeClock clock)
    : dir_(std::move(dir)), durability_(durability), log_(log), clock_(clock) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) throw std::runtime_error("cannot create state directory " + dir_ + ": " + ec.message());
  const std::string lock_path = dir_ + "/LOCK";
  lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (lock_fd_ < 0)
    throw std::runtime_error("cannot open " + lock_path + ": " + std::strerror(errno));
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(lock_fd_);
    lock_fd_ = -1;
    throw std::runtime_error("state directory " + dir_ + " is in use by another process");
  }
}

StateDirectory::~StateDirectory() {
  wal_.reset();
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

std::vector<std::pair<uint64_t, std::string>> StateDirectory::segments() const {
  std::vector<std::pair<uint64_t, std::string>> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    const std::string name = e.path().filename().string();
    if (!name.starts_with("wal-") || !name.ends_with(".log")) continue;
    const std::string digits = name.substr(4, name.size() - 8);
    if (digits.empty() || !std::all_of(digits.begin(), digits.end(), ::isdigit)) continue;
    out.emplace_back(std::stoull(digits), e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

RecoveryReport StateDirectory::recover(MetricStore& store) {
  RecoveryReport report;
  std::error_code ec;
  fs::remove(dir_ + "/" + kSnapshotTmp, ec);  // an interrupted compaction
  uint64_t first_segment = 0;                 // segments below are covered by the snapshot
  std::string data;
  StateRecord rec;
  std::string error;

  auto replay = [&](const std::string& path, std::string_view magic) -> std::optional<uint64_t> {
    if (!read_file(path, data)) {
      report.problems.push_back(path + ": cannot be read");
      return std::nullopt;
    }
    if (data.empty() && magic == kWalMagic) {
      fs::remove(path, ec);  // created but never started (disk full, crash): holds nothing
      return std::nullopt;
    }
    auto seq = decode_file_header(data, magic);
    if (!seq) {
      report.problems.push_back(path + ": not a state file (bad header); ignored");
      report.discarded_bytes += data.size();
      fs::rename(path, path + ".corrupt", ec);
      return std::nullopt;
    }
    std::size_t offset = kFileHeaderSize;
    uint64_t n = 0;
    for (;;) {
      DecodeOutcome o = decode_record(data, offset, rec, error);
      if (o == DecodeOutcome::end) break;
      if (o == DecodeOutcome::torn) {
        report.problems.push_back(path + ": " + error + " at byte " + std::to_string(offset) +
                                  " after " + std::to_string(n) + " records; the last " +
                                  std::to_string(data.size() - offset) +
                                  " bytes are discarded (torn write)");
        report.discarded_bytes += data.size() - offset;
        break;
      }
      store.restore(rec);
      ++n;
    }
    report.records += n;
    return seq;
  };

  const std::string snapshot = dir_ + "/" + kSnapshot;
  if (fs::exists(snapshot, ec))
    if (auto seq = replay(snapshot, kSnapshotMagic)) first_segment = *seq;
  uint64_t highest = first_segment;
  for (const auto& [seq, path] : segments()) {
    highest = std::max(highest, seq);
    if (seq < first_segment) {
      fs::remove(path, ec);  // covered by the snapshot: left by an interrupted compaction
      continue;
    }
    replay(path, kWalMagic);
  }
  next_segment_ = highest + 1;
  return report;
}

void StateDirectory::start(MetricStore& store) {
  wal_ = std::make_unique<WriteAheadLog>(dir_, durability_, next_segment_, log_);
  store.set_log(wal_.get());
  std::string error;
  if (!compact(store, error)) log_.error("initial compaction failed: " + error);
}

bool StateDirectory::compact(MetricStore& store, std::string& error) {
  std::lock_guard guard(compaction_mu_);
  const bool ok = compact_locked(store, error);
  std::lock_guard lock(failure_mu_);
  if (ok) {
    compaction_error_.clear();
    failed_attempts_ = 0;
    next_retry_ms_ = 0;
  } else {
    compaction_error_ = error;
    const int64_t backoff =
        std::min<int64_t>(int64_t{1000} << std::min<uint32_t>(failed_attempts_, 6), 60000);
    ++failed_attempts_;
    next_retry_ms_ = clock_() + backoff;
  }
  return ok;
}

bool StateDirectory::durable() const {
  return wal_ && wal_->failure().empty();
}

std::string StateDirectory::last_error() const {
  std::lock_guard lock(failure_mu_);
  if (!compaction_error_.empty()) return compaction_error_;
  return wal_ ? wal_->failure() : std::string();
}

bool StateDirectory::retry_due(int64_t now) const {
  const bool wal_failed = !durable();
  std::lock_guard lock(failure_mu_);
  return (wal_failed || !compaction_error_.empty()) && now >= next_retry_ms_;
}

bool StateDirectory::compact_locked(MetricStore& store, std::string& error) {
  uint64_t covers = 0;
  std::vector<GroupPtr> groups = store.snapshot_with([&] { covers = wal_->rotate(); });
  wal_->wait_segment_started(covers);

  const std::string tmp = dir_ + "/" + kSnapshotTmp;
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) {
    error = "cannot create " + tmp + ": " + std::strerror(errno);
    return false;
  }
  std::string buf = encode_file_header(kSnapshotMagic, covers);
  uint64_t total = 0;
  bool ok = true;
  for (const GroupPtr& g : groups) {
    encode_record(full_state_record(*g), buf);
    if (buf.size() >= (1u << 20)) {
      ok = ok && write_all(fd, buf, error);
      total += buf.size();
      buf.clear();
    }
  }
  ok = ok && write_all(fd, buf, error);
  total += buf.size();
  if (ok && durability_ == Durability::fsync && ::fsync(fd) != 0) {
    ok = false;
    error = std::string("fsync: ") + std::strerror(errno);
  }
  ::close(fd);
  if (!ok) {
    error = "cannot write " + tmp + ": " + error;
    std::error_code rm;
    fs::remove(tmp, rm);
    return false;
  }
  std::error_code ec;
  fs::rename(tmp, dir_ + "/" + kSnapshot, ec);
  if (ec) {
    error = "cannot rename " + tmp + ": " + ec.message();
    fs::remove(tmp, ec);
    return false;
  }
  if (durability_ == Durability::fsync && !sync_directory(dir_, error)) return false;
  for (const auto& [seq, path] : segments())
    if (seq < covers) fs::remove(path, ec);
  wal_->clear_failure();
  ++compactions_;
  last_compaction_ms_ = clock_();
  snapshot_bytes_ = total;
  return true;
}

}  // namespace pe::push
