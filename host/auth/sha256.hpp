// sha256.hpp — SHA-256 of a byte string (OpenSSL), and hex/base64 decoding of
// a digest written in a configuration file. Dial-in tokens store the hash of
// their secret; an agent's hub pin is the hash of the hub's public key.
//
// Thread-safety: free functions without state; safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pe::host {

// The 32 raw bytes of SHA-256(data).
std::string sha256(std::string_view data);

// 32 raw bytes from 64 hex digits (either case) or standard base64 (44
// characters with padding, or 43 without); nullopt for anything else.
std::optional<std::string> decode_sha256_digest(std::string_view text);

}  // namespace pe::host
