// bcrypt_verifier.hpp — password checks against bcrypt hashes ($2y$/$2b$/$2a$,
// as `htpasswd -nBC 10` writes them) with the system's crypt library
// (libxcrypt, crypt_r). A successful check is cached (keyed by a SHA-256 of
// user, hash and password) so a scrape every second does not pay bcrypt every
// time; a failed one is not. Unknown users are checked against a dummy hash
// of the same cost, so they take as long as known ones.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace pe::host {

class BcryptVerifier {
 public:
  explicit BcryptVerifier(std::chrono::seconds cache_ttl = std::chrono::minutes(5));

  // True if `password` matches `hash` (a bcrypt hash).
  bool verify(std::string_view user, std::string_view hash, std::string_view password);
  // Spends the time of one bcrypt check with `cost` and returns false.
  bool reject_unknown(std::string_view password, int cost = 10);

  // Whether `hash` is a bcrypt hash crypt_r can verify (for config checks).
  static bool valid_hash(std::string_view hash);
  static int cost_of(std::string_view hash);  // 0 if not bcrypt

 private:
  std::chrono::seconds ttl_;
  std::mutex mu_;
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> cache_;
};

}  // namespace pe::host
