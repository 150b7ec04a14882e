// shared_ring.hpp — a single-producer, single-consumer byte ring in memory
// shared by the host and one collector-runner child (a memfd the child gets
// as the descriptor after its socket). A collect's parts go through it
// instead of the socket: no system call, no kernel copy and no wake-up per
// part. Through the socket, each part cost the child a write and woke the
// host's reader on the child's own CPU (a unix socket's wake-up is
// "synchronous": the kernel puts the reader beside the writer), where the
// two took turns while the other CPU idled. The host's collecting thread
// polls the ring for a while and then sleeps on a futex in it.
//
// The child may be hostile and can write any byte of the ring at any time:
// the host keeps its own counters (the shared ones are only published),
// checks the child's `written` against what the ring can hold, and copies
// bytes out before anything decodes them.
//
// Thread-safety: one producer thread (the child's collect holding the ring)
// and one consumer thread at a time (the host's collect reading it; callers
// serialise); wake_consumer() may be called from any host thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace pe::host::isolation {

class SharedRing {
 public:
  static constexpr std::size_t kDataBytes = 512u << 10;

  // Host: a new ring in a memfd (fd() is given to the child). Null, with
  // `error` set, when the system refuses.
  static std::unique_ptr<SharedRing> create(std::string& error);
  // Child: the ring behind an inherited descriptor; null when there is none.
  static std::unique_ptr<SharedRing> attach(int fd);
  ~SharedRing();
  SharedRing(const SharedRing&) = delete;
  SharedRing& operator=(const SharedRing&) = delete;

  int fd() const noexcept { return fd_; }

  // Producer: appends `n` bytes, waiting for room while the consumer reads.
  void write(const char* data, std::size_t n);

  // Consumer: appends everything written since the last call to `out`.
  // False when the child's counter is impossible (a protocol error).
  bool take(std::string& out);
  // Consumer: what wait() compares to see a wake_consumer(); taken before
  // the caller checks the state that call would announce.
  uint32_t wake_ticket() const noexcept;
  // Consumer: returns once something was written beyond what take() has
  // returned, wake_consumer() was called after `ticket` was taken, or
  // `timeout_ns` passed; polls `spin_ns` of it before sleeping.
  void wait(uint32_t ticket, int64_t spin_ns, int64_t timeout_ns);
  // Any host thread: ends a wait() now (the call it serves is done or dead).
  void wake_consumer();

  // The child's doorbell. The child's reading thread sleeps here instead of
  // in read() on the socket, and the host rings after each piece it writes
  // there: a futex wake-up puts the child on an idle CPU, where a socket's
  // "synchronous" wake-up put it on the sending thread's CPU, ahead of it.
  // Host, any thread: after writing to the socket.
  void ring_doorbell();
  // Child: what wait_doorbell() compares; taken before checking the socket.
  uint32_t doorbell_ticket() const noexcept;
  // Child: returns once the doorbell rang after `ticket` was taken, or
  // after `timeout_ns`.
  void wait_doorbell(uint32_t ticket, int64_t timeout_ns);

 private:
  struct Header;
  SharedRing(int fd, void* map) noexcept;
  Header& header() const noexcept;
  char* data() const noexcept;

  int fd_ = -1;
  void* map_ = nullptr;
  // Each side's own count; the copies in the header are only published.
  uint64_t written_ = 0;  // producer
  uint64_t read_ = 0;     // consumer
};

}  // namespace pe::host::isolation
