// gzip_decoder.hpp — streaming gzip (and zlib/deflate) decompression with a
// hard cap on the decompressed size, so a gzip bomb fails cleanly.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace pe {

class GzipDecoder {
 public:
  // max_output_bytes: decompressed bytes allowed in total (0 = unlimited).
  explicit GzipDecoder(std::size_t max_output_bytes);
  ~GzipDecoder();
  GzipDecoder(const GzipDecoder&) = delete;
  GzipDecoder& operator=(const GzipDecoder&) = delete;

  // Decompresses `chunk`, appending to `out`. False on corrupt input or when
  // the limit is exceeded; error() then says which.
  bool feed(std::string_view chunk, std::string& out);
  // True if the stream ended properly (trailer seen); call after the last feed.
  bool finish();
  const std::string& error() const noexcept { return error_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string error_;
};

// One-shot helper: decompresses all of `compressed` into `out`.
bool gunzip(std::string_view compressed, std::string& out, std::size_t max_output_bytes,
            std::string& error);

// gzip-compresses `data` (level 1..9) into `out`.
void gzip_compress(std::string_view data, std::string& out, int level = 6);

}  // namespace pe
