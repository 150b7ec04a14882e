// shared_ring.cpp — the memfd, its mapping and seals, the two counters and
// the futex waits of SharedRing.
#include "isolation/shared_ring.hpp"

#include <fcntl.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <new>

namespace pe::host::isolation {

// The shared counters, each side's on its own cache line. The *_seq words
// are futexes: bumped (and woken) when the other side may be asleep.
struct SharedRing::Header {
  alignas(64) std::atomic<uint64_t> written{0};
  std::atomic<uint32_t> written_seq{0};
  std::atomic<uint32_t> consumer_waiting{0};
  alignas(64) std::atomic<uint64_t> read{0};
  std::atomic<uint32_t> read_seq{0};
  std::atomic<uint32_t> producer_waiting{0};
  alignas(64) std::atomic<uint32_t> doorbell_seq{0};
  std::atomic<uint32_t> child_waiting{0};
};

namespace {

constexpr std::size_t kHeaderBytes = 4096;
constexpr std::size_t kMapBytes = kHeaderBytes + SharedRing::kDataBytes;
static_assert(std::atomic<uint32_t>::is_always_lock_free && sizeof(std::atomic<uint32_t>) == 4);

// A shared (not process-private) futex: the two processes map one page.
void futex_wait(std::atomic<uint32_t>& word, uint32_t seen, int64_t timeout_ns) {
  timespec ts{static_cast<time_t>(timeout_ns / 1'000'000'000),
              static_cast<long>(timeout_ns % 1'000'000'000)};
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAIT, seen, &ts, nullptr, 0);
}
void futex_wake(std::atomic<uint32_t>& word) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAKE, 1, nullptr, nullptr, 0);
}

int64_t monotonic_ns() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return int64_t{t.tv_sec} * 1'000'000'000 + t.tv_nsec;
}

void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

}  // namespace

SharedRing::SharedRing(int fd, void* map) noexcept : fd_(fd), map_(map) {}

SharedRing::~SharedRing() {
  if (map_) munmap(map_, kMapBytes);
  if (fd_ >= 0) ::close(fd_);
}

SharedRing::Header& SharedRing::header() const noexcept {
  return *static_cast<Header*>(map_);
}
char* SharedRing::data() const noexcept {
  return static_cast<char*>(map_) + kHeaderBytes;
}

std::unique_ptr<SharedRing> SharedRing::create(std::string& error) {
  const int fd = memfd_create("plugin_exporter-collect-ring", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  auto fail = [&](const char* what) {
    error = std::string(what) + ": " + std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return nullptr;
  };
  if (fd < 0) return fail("memfd_create");
  if (ftruncate(fd, kMapBytes) != 0) return fail("ftruncate");
  // The child must not shrink it under the host (a SIGBUS on the next read).
  if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0)
    return fail("sealing the ring");
  void* map = mmap(nullptr, kMapBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) return fail("mmap");
  new (map) Header();
  return std::unique_ptr<SharedRing>(new SharedRing(fd, map));
}

std::unique_ptr<SharedRing> SharedRing::attach(int fd) {
  struct stat st {};
  if (fstat(fd, &st) != 0 || static_cast<std::size_t>(st.st_size) != kMapBytes) return nullptr;
  void* map = mmap(nullptr, kMapBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) return nullptr;
  return std::unique_ptr<SharedRing>(new SharedRing(fd, map));
}

void SharedRing::write(const char* p, std::size_t n) {
  Header& h = header();
  while (n > 0) {
    const uint64_t read = h.read.load();
    const uint64_t used = written_ - std::min(read, written_);
    if (used >= kDataBytes) {  // full: sleep until the host reads
      h.producer_waiting.store(1);
      const uint32_t seen = h.read_seq.load();
      if (h.read.load() == read) futex_wait(h.read_seq, seen, 10'000'000);
      h.producer_waiting.store(0);
      continue;
    }
    const std::size_t k = std::min<std::size_t>(n, kDataBytes - used);
    const std::size_t at = written_ % kDataBytes;
    const std::size_t first = std::min(k, kDataBytes - at);
    std::memcpy(data() + at, p, first);
    std::memcpy(data(), p + first, k - first);
    written_ += k;
    h.written.store(written_);
    if (h.consumer_waiting.load()) {
      h.written_seq.fetch_add(1);
      futex_wake(h.written_seq);
    }
    p += k;
    n -= k;
  }
}

bool SharedRing::take(std::string& out) {
  Header& h = header();
  const uint64_t written = h.written.load();
  if (written < read_ || written - read_ > kDataBytes) return false;
  const std::size_t k = written - read_;
  if (k == 0) return true;
  const std::size_t at = read_ % kDataBytes;
  const std::size_t first = std::min(k, kDataBytes - at);
  out.append(data() + at, first);
  out.append(data(), k - first);
  read_ = written;
  h.read.store(read_);
  if (h.producer_waiting.load()) {
    h.read_seq.fetch_add(1);
    futex_wake(h.read_seq);
  }
  return true;
}

uint32_t SharedRing::wake_ticket() const noexcept {
  return header().written_seq.load();
}

void SharedRing::wait(uint32_t seen, int64_t spin_ns, int64_t timeout_ns) {
  Header& h = header();
  const int64_t start = monotonic_ns();
  auto more = [&] { return h.written.load() != read_ || h.written_seq.load() != seen; };
  while (monotonic_ns() - start < std::min(spin_ns, timeout_ns)) {
    if (more()) return;
    cpu_relax();
  }
  const int64_t left = timeout_ns - (monotonic_ns() - start);
  if (left <= 0) return;
  h.consumer_waiting.store(1);
  if (!more()) futex_wait(h.written_seq, seen, left);
  h.consumer_waiting.store(0);
}

void SharedRing::wake_consumer() {
  Header& h = header();
  h.written_seq.fetch_add(1);
  if (h.consumer_waiting.load()) futex_wake(h.written_seq);  // else it sees the bump
}

void SharedRing::ring_doorbell() {
  Header& h = header();
  h.doorbell_seq.fetch_add(1);
  if (h.child_waiting.load()) futex_wake(h.doorbell_seq);
}

uint32_t SharedRing::doorbell_ticket() const noexcept {
  return header().doorbell_seq.load();
}

void SharedRing::wait_doorbell(uint32_t ticket, int64_t timeout_ns) {
  Header& h = header();
  h.child_waiting.store(1);
  if (h.doorbell_seq.load() == ticket) futex_wait(h.doorbell_seq, ticket, timeout_ns);
  h.child_waiting.store(0);
}

}  // namespace pe::host::isolation
