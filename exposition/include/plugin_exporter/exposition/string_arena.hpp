// string_arena.hpp — append-only storage for the bytes a MetricSet's
// string_views point at. Chunks are kept on clear() so a reused set does not
// allocate in steady state.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

namespace pe {

class StringArena {
 public:
  StringArena() = default;
  StringArena(const StringArena&) = delete;
  StringArena& operator=(const StringArena&) = delete;
  StringArena(StringArena&&) noexcept = default;
  StringArena& operator=(StringArena&&) noexcept = default;

  // Copies `s` into the arena; the view stays valid until clear() or destruction.
  std::string_view store(std::string_view s) {
    if (s.empty()) return {};
    char* p = allocate(s.size());
    std::char_traits<char>::copy(p, s.data(), s.size());
    return {p, s.size()};
  }

  // Returns `n` writable bytes, valid until clear() or destruction.
  char* allocate(std::size_t n);

  // Forgets every string but keeps the memory for reuse.
  void clear() noexcept;

  std::size_t bytes_used() const noexcept { return used_total_; }

 private:
  struct Chunk {
    std::unique_ptr<char[]> data;
    std::size_t size = 0;
  };
  static constexpr std::size_t kChunkSize = 64 * 1024;
  std::vector<Chunk> chunks_;
  std::size_t current_ = 0;  // index of the chunk being filled
  std::size_t offset_ = 0;   // bytes used in chunks_[current_]
  std::size_t used_total_ = 0;
};

}  // namespace pe
