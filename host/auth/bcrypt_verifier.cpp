// bcrypt_verifier.cpp — crypt_r() verification with a success cache.
#include "auth/bcrypt_verifier.hpp"

#include <crypt.h>
#include <openssl/evp.h>

#include <cstring>
#include <memory>

#include "auth/constant_time.hpp"

namespace pe::host {
namespace {

std::string cache_key(std::string_view user, std::string_view hash, std::string_view password) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  for (std::string_view part : {user, hash, password}) {
    uint64_t n = part.size();  // length-prefixed: ("ab","c") differs from ("a","bc")
    EVP_DigestUpdate(ctx.get(), &n, sizeof n);
    EVP_DigestUpdate(ctx.get(), part.data(), part.size());
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &len);
  return std::string(reinterpret_cast<const char*>(digest), len);
}

bool crypt_matches(std::string_view hash, std::string_view password) {
  auto data = std::make_unique<crypt_data>();
  std::memset(data.get(), 0, sizeof(crypt_data));
  std::string h(hash), p(password);
  const char* out = crypt_r(p.c_str(), h.c_str(), data.get());
  if (!out || out[0] == '*') return false;
  return constant_time_equals(out, hash);
}

}  // namespace

BcryptVerifier::BcryptVerifier(std::chrono::seconds cache_ttl) : ttl_(cache_ttl) {}

int BcryptVerifier::cost_of(std::string_view hash) {
  // $2y$10$<53 chars>
  if (hash.size() != 60 || hash[0] != '$' || hash[1] != '2' || hash[3] != '$' || hash[6] != '$')
    return 0;
  if (hash[2] != 'a' && hash[2] != 'b' && hash[2] != 'y') return 0;
  if (hash[4] < '0' || hash[4] > '3' || hash[5] < '0' || hash[5] > '9') return 0;
  return (hash[4] - '0') * 10 + (hash[5] - '0');
}

bool BcryptVerifier::valid_hash(std::string_view hash) {
  int cost = cost_of(hash);
  return cost >= 4 && cost <= 31;
}

bool BcryptVerifier::verify(std::string_view user, std::string_view hash,
                            std::string_view password) {
  std::string key = cache_key(user, hash, password);
  auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mu_);
    auto it = cache_.find(key);
    if (it != cache_.end()) {
      if (now - it->second < ttl_) return true;
      cache_.erase(it);
    }
  }
  if (!crypt_matches(hash, password)) return false;
  std::lock_guard lock(mu_);
  if (cache_.size() > 10000) cache_.clear();  // bounded: many distinct good passwords is odd
  cache_[key] = now;
  return true;
}

bool BcryptVerifier::reject_unknown(std::string_view password, int cost) {
  // A real bcrypt hash with its cost replaced: the result is thrown away,
  // only the time it takes matters.
  std::string dummy = "$2y$10$6H/7DJnFFOy34xcQORXZbeCidHUCUidqJlZPgRpdlSzd4IgrDuaqm";
  if (cost < 4 || cost > 31) cost = 10;
  dummy[4] = static_cast<char>('0' + cost / 10);
  dummy[5] = static_cast<char>('0' + cost % 10);
  crypt_matches(dummy, password);
  return false;
}

}  // namespace pe::host
