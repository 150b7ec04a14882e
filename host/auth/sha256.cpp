// sha256.cpp — SHA-256 through OpenSSL's EVP interface; digest decoding.
#include "auth/sha256.hpp"

#include <openssl/evp.h>

#include <stdexcept>

namespace pe::host {

std::string sha256(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_Digest(data.data(), data.size(), out, &n, EVP_sha256(), nullptr) != 1 || n != 32)
    throw std::runtime_error("SHA-256 failed (OpenSSL)");
  return std::string(reinterpret_cast<const char*>(out), n);
}

std::optional<std::string> decode_sha256_digest(std::string_view text) {
  std::string out;
  if (text.size() == 64) {
    auto nibble = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    for (std::size_t i = 0; i < 64; i += 2) {
      int hi = nibble(text[i]), lo = nibble(text[i + 1]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
    }
    return out;
  }
  std::string padded(text);
  if (padded.size() == 43) padded += '=';
  if (padded.size() != 44 || padded[43] != '=' || padded[42] == '=') return std::nullopt;
  for (std::size_t i = 0; i < 43; ++i) {
    char c = padded[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
          c == '/'))
      return std::nullopt;
  }
  unsigned char raw[33];
  if (EVP_DecodeBlock(raw, reinterpret_cast<const unsigned char*>(padded.data()), 44) != 33)
    return std::nullopt;
  return std::string(reinterpret_cast<const char*>(raw), 32);  // the last byte is padding
}

}  // namespace pe::host
