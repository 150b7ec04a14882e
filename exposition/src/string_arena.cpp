// string_arena.cpp — chunked bump allocator behind StringArena.
#include "plugin_exporter/exposition/string_arena.hpp"

#include <algorithm>

namespace pe {

char* StringArena::allocate(std::size_t n) {
  used_total_ += n;
  if (!chunks_.empty() && chunks_[current_].size - offset_ >= n) {
    char* p = chunks_[current_].data.get() + offset_;
    offset_ += n;
    return p;
  }
  // Move to the next retained chunk that fits, or add one.
  while (current_ + 1 < chunks_.size()) {
    ++current_;
    offset_ = 0;
    if (chunks_[current_].size >= n) {
      offset_ = n;
      return chunks_[current_].data.get();
    }
  }
  Chunk c;
  c.size = std::max(kChunkSize, n);
  c.data.reset(new char[c.size]);
  chunks_.push_back(std::move(c));
  current_ = chunks_.size() - 1;
  offset_ = n;
  return chunks_[current_].data.get();
}

void StringArena::clear() noexcept {
  current_ = 0;
  offset_ = 0;
  used_total_ = 0;
}

}  // namespace pe
