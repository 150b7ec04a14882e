// write_ahead_log.cpp — segment files and the group-commit writer thread.
#include "durable/write_ahead_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "durable/file_io.hpp"
#include "store/push_error.hpp"
#include "store/state_record.hpp"

namespace pe::push {
namespace {

std::string errno_text(int e) {
  return std::strerror(e);
}

}  // namespace

std::string WriteAheadLog::segment_name(uint64_t seq) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "wal-%016llu.log", static_cast<unsigned long long>(seq));
  return buf;
}

WriteAheadLog::WriteAheadLog(std::string dir, Durability durability, uint64_t first_segment,
                             HostLog log)
    : dir_(std::move(dir)), durability_(durability), log_(log) {
  std::string error;
  if (!open_segment(first_segment, error)) throw std::runtime_error(error);
  current_segment_ = first_segment;
  next_segment_ = first_segment + 1;
  writer_ = std::thread([this] { run(); });
}

WriteAheadLog::~WriteAheadLog() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  work_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  if (fd_ >= 0) ::close(fd_);
}

bool WriteAheadLog::open_segment(uint64_t seq, std::string& error) {
  const std::string path = dir_ + "/" + segment_name(seq);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) {
    error = "cannot create " + path + ": " + errno_text(errno);
    return false;
  }
  std::string header = encode_file_header(kWalMagic, seq);
  if (!write_all(fd, header, error) ||
      (durability_ == Durability::fsync && ::fdatasync(fd) != 0 &&
       (error = "fdatasync: " + errno_text(errno), true)) ||
      (durability_ == Durability::fsync && !sync_directory(dir_, error))) {
    ::close(fd);
    ::unlink(path.c_str());  // no empty or headerless segment left behind (disk full)
    error = path + ": " + error;
    return false;
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  return true;
}

uint64_t WriteAheadLog::append(std::string_view framed_record) {
  uint64_t ticket;
  {
    std::lock_guard lock(mu_);
    pending_.append(framed_record);
    appended_ += framed_record.size();
    ticket = appended_;
    ++stats_.records;
    stats_.bytes_since_rotate += framed_record.size();
  }
  work_cv_.notify_one();
  return ticket;
}

void WriteAheadLog::check_writable() {
  std::lock_guard lock(mu_);
  if (!failure_.empty())
    throw PushError(503, "the push store cannot persist changes right now: " + failure_);
}

uint64_t WriteAheadLog::rotate() {
  std::lock_guard lock(mu_);
  uint64_t seq = next_segment_++;
  pending_rotations_.emplace_back(pending_.size(), seq);
  stats_.bytes_since_rotate = 0;
  work_cv_.notify_one();
  return seq;
}

void WriteAheadLog::wait_segment_started(uint64_t segment) {
  std::unique_lock lock(mu_);
  durable_cv_.wait(lock, [&] { return current_segment_ >= segment || stop_; });
}

std::string WriteAheadLog::failure() const {
  std::lock_guard lock(mu_);
  return failure_;
}

void WriteAheadLog::clear_failure() {
  std::lock_guard lock(mu_);
  failure_.clear();
}

bool WriteAheadLog::wait_durable(uint64_t ticket, std::chrono::milliseconds timeout,
                                 std::string& error) {
  if (ticket == 0 || durability_ == Durability::none) return true;
  std::unique_lock lock(mu_);
  bool done = durable_cv_.wait_for(
      lock, timeout, [&] { return durable_ >= ticket || failed_up_to_ >= ticket || stop_; });
  if (durable_ >= ticket) return true;
  error = !done ? "timed out waiting for the write-ahead log"
                : (failure_.empty() ? "the write-ahead log stopped" : failure_);
  return false;
}

WriteAheadLog::Stats WriteAheadLog::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void WriteAheadLog::run() {
  std::string batch;
  std::vector<std::pair<std::size_t, uint64_t>> rotations;
  for (;;) {
    uint64_t batch_end;
    {
      std::unique_lock lock(mu_);
      work_cv_.wait(lock,
                    [&] { return stop_ || !pending_.empty() || !pending_rotations_.empty(); });
      if (pending_.empty() && pending_rotations_.empty() && stop_) return;
      batch.clear();
      batch.swap(pending_);
      rotations.clear();
      rotations.swap(pending_rotations_);
      batch_end = appended_;
    }
    std::string error;
    bool ok = true;
    std::size_t written = 0;
    uint64_t syncs = 0;
    for (const auto& [offset, seq] : rotations) {
      if (ok && offset > written)
        ok = write_all(fd_, std::string_view(batch).substr(written, offset - written), error);
      written = offset;
      if (ok && durability_ == Durability::fsync) {
        ok = ::fdatasync(fd_) == 0 || (error = "fdatasync: " + errno_text(errno), false);
        ++syncs;
      }
      if (ok) ok = open_segment(seq, error);
      std::lock_guard lock(mu_);
      current_segment_ = seq;
      durable_cv_.notify_all();
    }
    if (ok && batch.size() > written)
      ok = write_all(fd_, std::string_view(batch).substr(written), error);
    if (ok && durability_ == Durability::fsync && batch.size() > 0) {
      ok = ::fdatasync(fd_) == 0 || (error = "fdatasync: " + errno_text(errno), false);
      ++syncs;
    }
    {
      std::lock_guard lock(mu_);
      stats_.bytes += batch.size();
      stats_.syncs += syncs;
      if (ok) {
        durable_ = batch_end;
      } else {
        ++stats_.failures;
        failed_up_to_ = batch_end;
        failure_ = error;
      }
    }
    if (!ok)
      log_.error("write-ahead log: " + error +
                 " (pushes are refused with 503 until the next compaction succeeds)");
    durable_cv_.notify_all();
  }
}

}  // namespace pe::push
